import assert from 'node:assert/strict';
import { test } from 'node:test';
import { suppress, suppressedText } from './suppression.ts';

test('counts of 1 to 4 are suppressed; 0 and 5 or more are shown', () => {
  assert.equal(suppressedText(0), '0');
  for (const n of [1, 2, 3, 4]) assert.equal(suppressedText(n), 'fewer than 5');
  assert.equal(suppressedText(5), '5');
  assert.deepEqual(suppress(3), { value: null, suppressed: true });
});

test('one hidden cell is not left to be worked out from the total: the next smallest is withheld too', async () => {
  const { suppressTable } = await import('./suppression.ts');
  const shown = suppressTable({ a: 3, b: 40, c: 12, d: 0 }, 55);
  assert.deepEqual(shown, { a: 'fewer than 5', b: '40', c: 'withheld', d: '0', total: '55' });
  // two hidden cells already protect each other
  assert.deepEqual(suppressTable({ a: 3, b: 2, c: 12 }, 17), {
    a: 'fewer than 5',
    b: 'fewer than 5',
    c: '12',
    total: '17',
  });
  // nothing small, nothing hidden
  assert.deepEqual(suppressTable({ a: 30, b: 20 }, 50), { a: '30', b: '20', total: '50' });
});

test('suppressGrid: one small cell gets a complementary cell in its row and in its column', async () => {
  const { suppressGrid } = await import('./suppression.ts');
  // the 3 is hidden; its row's next smallest (6) and its column's next smallest (7) go with it; then
  // the 6's column and the 7's row each have one hidden cell, so 9 (the smallest left there) goes too
  const hidden = suppressGrid([
    [3, 6, 20],
    [7, 9, 30],
    [12, 15, 40],
  ]);
  assert.deepEqual(hidden, [
    [true, true, false],
    [true, true, false],
    [false, false, false],
  ]);
  // every row and column has none or at least two hidden: no total gives one back
  for (const line of [...hidden, ...hidden[0].map((_, j) => hidden.map((row) => row[j]))])
    assert.notEqual(line.filter(Boolean).length, 1);
});

test('suppressGrid: zeros are never the first choice for a complementary cell', async () => {
  const { suppressGrid } = await import('./suppression.ts');
  // the 2 needs a partner in its row: 0 is the smallest, but hiding a zero protects nothing, so 8
  assert.deepEqual(suppressGrid([[2, 0, 8, 11]]), [[true, false, true, false]]);
  // a zero is taken only when nothing else is left in the line
  assert.deepEqual(suppressGrid([[2, 0]]), [[true, true]]);
});

test('suppressGrid: nothing changes when nothing is small', async () => {
  const { suppressGrid } = await import('./suppression.ts');
  assert.deepEqual(
    suppressGrid([
      [0, 5, 12],
      [7, 0, 30],
    ]),
    [
      [false, false, false],
      [false, false, false],
    ],
  );
  assert.deepEqual(suppressGrid([]), []);
});

/** What a reader can work out from the figures shown: any line with one unknown gives it, in steps. */
function workedOut(n: readonly number[], hidden: readonly boolean[], lines: readonly (readonly number[])[]) {
  const known = hidden.map((h) => !h);
  for (let found = true; found; ) {
    found = false;
    for (const line of lines) {
      const unknown = line.filter((i) => !known[i]);
      if (unknown.length !== 1) continue;
      known[unknown[0]] = true;
      found = true;
    }
  }
  return n.map((_, i) => hidden[i] && known[i]);
}

test('suppressCells: a kept total or rate is published, and a count beside it withheld instead', async () => {
  const { suppressCells } = await import('./suppression.ts');
  // a month of 16 audits: outstanding 1, good 5, RI 8, inadequate 2; total 16 and good or better 6
  // kept (a month with 10 or more audits), below good 10 worked out from them
  const cells = [
    { n: 1 },
    { n: 5 },
    { n: 8 },
    { n: 2 },
    { n: 16, keep: 1 as const },
    { n: 6, keep: 1 as const },
    { n: 10, keep: 1 as const, derived: true },
  ];
  const lines = [
    [4, 0, 1, 2, 3],
    [5, 0, 1],
    [6, 2, 3],
    [4, 5, 6],
  ];
  const hidden = suppressCells(cells, lines);
  // good and RI go with the two small ones; the month's total and rate stay
  assert.deepEqual(hidden, [true, true, true, true, false, false, false]);
  assert.deepEqual(
    workedOut(
      cells.map((c) => c.n),
      hidden,
      lines,
    ),
    hidden.map(() => false),
  );
  // before issue 16 the rate was withheld ("withheld (of withheld)"): never a kept figure while a count will do
});

test('suppressCells: a kept figure is withheld only when nothing else in its line can be', async () => {
  const { suppressCells } = await import('./suppression.ts');
  // 3 beside 40 and a kept total 43: 40 goes
  assert.deepEqual(suppressCells([{ n: 3 }, { n: 40 }, { n: 43, keep: 2 }], [[2, 0, 1]]), [
    true,
    true,
    false,
  ]);
  // 3 beside a zero and a kept total 3+0: the zero before the kept total
  assert.deepEqual(
    suppressCells([{ n: 3 }, { n: 0 }, { n: 12, keep: 2 }, { n: 9, keep: 1 }], [[2, 0, 1, 3]]),
    [true, true, false, false],
  );
  // only kept figures left: the one kept least, then the smallest
  assert.deepEqual(suppressCells([{ n: 3 }, { n: 12, keep: 2 }, { n: 15, keep: 1 }], [[1, 0, 2]]), [
    true,
    false,
    true,
  ]);
  // a kept figure is not hidden for being small
  assert.deepEqual(suppressCells([{ n: 3, keep: 1 }, { n: 9 }, { n: 12 }], [[2, 0, 1]]), [
    false,
    false,
    false,
  ]);
});

test('suppressCells: the partner that hides least, looking ahead to what it leads to', async () => {
  const { suppressGrid } = await import('./suppression.ts');
  // rows add up to the last column and columns to the last row (totals kept, never the partner). The
  // 2 needs a partner in its row and in its column, and those partners need partners in turn: 6 (row)
  // and 7 (column), closed together by the 8, hide least; 9 and 10 closed by the 11 would hide more.
  const grid = [
    [2, 6, 9, 17],
    [7, 8, 30, 45],
    [10, 20, 11, 41],
    [19, 34, 50, 103],
  ];
  const keep = grid.map((row, i) => row.map((_, j) => (i === 3 || j === 3 ? (2 as const) : (0 as const))));
  const hidden = suppressGrid(grid, undefined, keep);
  assert.deepEqual(hidden, [
    [true, true, false, false],
    [true, true, false, false],
    [false, false, false, false],
    [false, false, false, false],
  ]);
});

test('suppressCells: on any table, nothing small is shown, no hidden count can be worked out, kept figures stay', async () => {
  const { suppressGrid } = await import('./suppression.ts');
  // a seeded generator, so a failure can be repeated
  let seed = 16;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let t = 0; t < 300; t++) {
    const rows = 1 + Math.floor(random() * 6);
    const cols = 1 + Math.floor(random() * 5);
    const body = Array.from({ length: rows }, () =>
      Array.from({ length: cols }, () => {
        const r = random();
        return r < 0.2 ? 0 : r < 0.5 ? 1 + Math.floor(random() * 4) : 5 + Math.floor(random() * 40);
      }),
    );
    const withTotals = [...body.map((row) => [...row, row.reduce((a, b) => a + b, 0)])];
    withTotals.push(withTotals[0].map((_, j) => withTotals.reduce((a, row) => a + row[j], 0)));
    // the grand total and rows' totals of 10 or more are kept, as a report keeps its months
    const keep = withTotals.map((row, i) =>
      row.map((n, j) =>
        i === rows && j === cols && n >= 5
          ? (2 as const)
          : j === cols && n >= 10
            ? (1 as const)
            : (0 as const),
      ),
    );
    const hidden = suppressGrid(withTotals, undefined, keep);
    const flat = withTotals.flat();
    const h = hidden.flat();
    const width = cols + 1;
    const lines = [
      ...withTotals.map((row, i) => row.map((_, j) => i * width + j)),
      ...withTotals[0].map((_, j) => withTotals.map((_, i) => i * width + j)),
    ];
    const label = JSON.stringify(withTotals);
    flat.forEach((n, i) => {
      const k = keep[Math.floor(i / width)][i % width];
      if (n > 0 && n < 5 && !k) assert.ok(h[i], `${label}: a small count is shown`);
    });
    assert.deepEqual(
      workedOut(flat, h, lines),
      h.map(() => false),
      `${label}: a hidden count can be worked out`,
    );
    // the grand total is kept whenever any other figure can partner
    if (keep[rows][cols] === 2 && hidden[rows][cols]) {
      const last = withTotals[rows].slice(0, cols);
      assert.ok(
        last.every((_, j) => hidden[rows][j]) || withTotals.slice(0, rows).every((_, i) => hidden[i][cols]),
        `${label}: the grand total withheld while a figure beside it was shown`,
      );
    }
  }
});

test('Suppression: a part of a total of none is none, so never a partner; what equals a kept figure is kept', async () => {
  const { Suppression } = await import('./suppression.ts');
  // a year of 20 audits: a month of 17 (kept), a month of 3 and a month of none
  const s = new Suppression();
  const year = s.add(20, { keep: 2 });
  const [a, b, none] = [s.add(17, { keep: 1 }), s.add(3), s.add(0)];
  s.sum(year, [a, b, none]);
  const noneTotal = s.add(0);
  s.sum(noneTotal, [none]);
  const hidden = s.solve();
  // the month of none cannot hide the 3 (every reader knows it is none): the month of 17 gives way
  assert.deepEqual([hidden(year), hidden(a), hidden(b), hidden(none)], [false, true, true, false]);

  // 3 moderated of 16 returned, a rate published in full; none upgraded or downgraded (their totals
  // are none), so the 3 supported are the 3 moderated: published with them, not withheld
  const m = new Suppression();
  const moderated = m.add(3, { keep: 2 });
  const [supported, upgraded, downgraded] = [m.add(3), m.add(0), m.add(0)];
  m.sum(moderated, [supported, upgraded, downgraded]);
  m.sum(m.add(0), [upgraded]);
  m.sum(m.add(0), [downgraded]);
  const h = m.solve();
  assert.deepEqual([h(moderated), h(supported)], [false, false]);
});
