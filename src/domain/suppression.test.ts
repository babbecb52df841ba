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
