/**
 * Reports for publication: no count from 1 to 4 can be worked back from what is shown, even across
 * tables that add up to the same totals (the cases a review worked by hand).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { TEST_TODAY } from '../../test/helpers/today.ts';
import { type Proportion, proportion } from '../domain/statistics.ts';
import type { ActionsReport } from './actions.ts';
import { produceReport, type ReportName } from './catalogue.ts';
import type { Count, Share } from './document.ts';
import type { EqualityReport } from './equality.ts';
import type { EscalationsReport } from './escalations.ts';
import type { FeedbackReport } from './feedback.ts';
import { type GradeCounts, type GradesReport, publishGradeRows } from './grades.ts';
import type { ModerationReport } from './moderation.ts';
import type { ReportParams } from './report-base.ts';
import { publishReturnsRows } from './returns.ts';
import type { SectionsReport } from './sections.ts';

/** What a reader can work out by subtraction: a sum with one unknown gives it, in steps. */
function workOut(known: Map<string, number>, sums: [string, string[]][]): Map<string, number> {
  const out = new Map(known);
  for (let found = true; found; ) {
    found = false;
    for (const [total, parts] of sums) {
      const unknown = [total, ...parts].filter((x) => !out.has(x));
      if (unknown.length !== 1) continue;
      const partsKnown = parts.filter((x) => out.has(x)).reduce((a, x) => a + (out.get(x) as number), 0);
      out.set(unknown[0], unknown[0] === total ? partsKnown : (out.get(total) as number) - partsKnown);
      found = true;
    }
  }
  return out;
}

const figures = (planned: number, exempted: number, returned: number) => ({
  planned,
  exempted,
  scheduled: planned - exempted,
  returned,
  returnRate: planned - exempted ? returned / (planned - exempted) : null,
});

test('returns: a month with 2 exemptions cannot be worked back from planned less scheduled', () => {
  const { cells } = publishReturnsRows([figures(20, 2, 15), figures(30, 0, 25), figures(50, 2, 40)]);
  assert.equal(cells[0].exempted, 'fewer than 5');
  // planned or scheduled must go beside it: planned, so the month's return rate (of 18 scheduled, a
  // rate of 10 audits or more) is published (issue 16; before, scheduled and the rate were withheld)
  assert.equal(typeof cells[0].planned, 'string', 'planned would give the exemptions back');
  assert.deepEqual([cells[0].scheduled, cells[0].returned.count, cells[0].returned.total], [18, 15, 18]);
  assert.notEqual(cells[0].returned.rate, null);
  assert.equal(typeof cells[2].exempted, 'string', 'nor from the total row');
  assert.equal(typeof cells[2].planned, 'string');
  assert.equal(cells[2].scheduled, 48);
  // by subtraction, nothing hidden comes back
  const known = new Map<string, number>();
  const rows = [figures(20, 2, 15), figures(30, 0, 25), figures(50, 2, 40)];
  const sums: [string, string[]][] = [];
  rows.forEach((f, i) => {
    const c = cells[i];
    for (const [k, v] of [
      ['planned', c.planned],
      ['exempted', c.exempted],
      ['scheduled', c.scheduled],
    ] as const)
      if (typeof v === 'number') known.set(`${k} ${i}`, v);
    sums.push([`planned ${i}`, [`exempted ${i}`, `scheduled ${i}`]]);
    assert.ok(f.planned > 0);
  });
  for (const k of ['planned', 'exempted', 'scheduled']) sums.push([`${k} 2`, [`${k} 0`, `${k} 1`]]);
  const found = workOut(known, sums);
  assert.equal(found.has('exempted 0'), false);
  assert.equal(found.has('exempted 2'), false);
});

const row = (o: number, g: number, ri: number, i: number): GradeCounts => ({
  counts: { outstanding: o, good: g, requires_improvement: ri, inadequate: i },
  total: o + g + ri + i,
  goodOrBetter: proportion(o + g, o + g + ri + i),
});
const GOOD = new Set(['outstanding', 'good']);
const num = (c: Count) => (typeof c === 'number' ? c : null);

test('grades: a breakdown hides its total row as the months do, so 3 outstanding cannot be worked back', () => {
  // one month; area A 3/10/5/6 and area B 0/10/9/5 (the worked example)
  const month = publishGradeRows([row(3, 20, 14, 11)], GOOD, row(3, 20, 14, 11));
  const totalHidden = new Set(
    Object.entries(month.total?.counts ?? {})
      .filter(([, c]) => typeof c !== 'number')
      .map(([k]) => k),
  );
  const areas = publishGradeRows([row(3, 10, 5, 6), row(0, 10, 9, 5)], GOOD, row(3, 20, 14, 11), totalHidden);
  const shownMonth = month.rows[0].counts;
  assert.equal(shownMonth.outstanding, 'fewer than 5');
  // whatever the month shows, the areas hide the same grades' totals: summing the areas' shown cells
  // of a grade the month hides never completes it
  for (const grade of totalHidden) {
    const shown = areas.rows.map((a) => num(a.counts[grade]));
    assert.ok(shown.some((x) => x === null) || grade === 'outstanding', `${grade} is hidden in some area`);
  }
  const a = areas.rows[0].counts;
  assert.equal(a.outstanding, 'fewer than 5');
  // area A's row cannot give back its outstanding: another of its cells is hidden too
  assert.ok(Object.values(a).filter((c) => typeof c !== 'number').length >= 2);
  // its good or better (13 of 24) would give back the 3 outstanding beside good (10): good is
  // withheld and the share published (it was once the share that was withheld; issue 16 publishes
  // the share and hides the one count)
  assert.equal(a.good, 'withheld');
  assert.deepEqual([areas.rows[0].goodOrBetter.count, areas.rows[0].goodOrBetter.total], [13, 24]);
});

/** A seeded generator, so a failure can be repeated. */
function generator(seed: number) {
  let x = seed;
  const random = () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
  return { random, int: (a: number, b: number) => a + Math.floor(random() * (b - a + 1)) };
}

test('on any year of returns, every month of 10 or more scheduled shows them and its return rate', () => {
  // Months of none or of 10 scheduled or more (see the next test for a month of fewer)
  const { random, int } = generator(16);
  let checked = 0;
  for (let t = 0; t < 300; t++) {
    const months = Array.from({ length: 12 }, () => {
      if (random() < 0.3) return figures(0, 0, 0);
      const planned = int(15, 40);
      const exempted = Math.min(planned - 10, random() < 0.6 ? int(0, 4) : int(0, 10));
      const scheduled = planned - exempted;
      return figures(planned, exempted, Math.max(0, scheduled - (random() < 0.4 ? int(0, 4) : int(0, 12))));
    });
    const total = months.reduce(
      (a, m) => figures(a.planned + m.planned, a.exempted + m.exempted, a.returned + m.returned),
      figures(0, 0, 0),
    );
    const { cells } = publishReturnsRows([...months, total]);
    months.forEach((m, i) => {
      if (m.scheduled < 10) return;
      checked++;
      assert.deepEqual(
        [cells[i].scheduled, cells[i].returned.count, cells[i].returned.rate],
        [m.scheduled, m.returned, m.returnRate],
        JSON.stringify(months),
      );
    });
    assert.equal(cells[12].scheduled, total.scheduled);
    assert.notEqual(cells[12].returned.rate, null);
    // and nothing small shown, but in a rate of 10 or more
    months.forEach((m, i) => {
      if (m.exempted > 0 && m.exempted < 5) assert.equal(cells[i].exempted, 'fewer than 5');
    });
  }
  assert.ok(checked > 1000);
});

test('on any year of grades, every month of 10 or more audits shows them and its good-or-better rate', () => {
  // Months of none or of 10 audits or more (see the next test for a month of fewer)
  const { random, int } = generator(16);
  const keys = ['outstanding', 'good', 'requires_improvement', 'inadequate'];
  let checked = 0;
  const month = (): number[] => {
    if (random() < 0.3) return [0, 0, 0, 0];
    const m = [int(0, 3), int(2, 12), int(2, 12), int(0, 6)];
    return m.reduce((a, b) => a + b, 0) >= 10 ? m : month();
  };
  for (let t = 0; t < 200; t++) {
    const months = Array.from({ length: 12 }, month);
    const rows = months.map(([o, g, ri, i]) => row(o, g, ri, i));
    const all = keys.map((_, j) => months.reduce((a, m) => a + m[j], 0));
    const total = row(all[0], all[1], all[2], all[3]);
    const pub = publishGradeRows(rows, GOOD, total);
    rows.forEach((r, i) => {
      if (Number(r.total) < 10) return;
      checked++;
      const shown = pub.rows[i];
      assert.equal(shown.total, r.total, JSON.stringify(months));
      assert.deepEqual(shown.goodOrBetter, r.goodOrBetter, JSON.stringify(months));
      for (const k of keys) {
        const n = Number(r.counts[k]);
        if (n > 0 && n < 5) assert.equal(shown.counts[k], 'fewer than 5');
      }
    });
    assert.deepEqual(pub.total?.goodOrBetter, total.goodOrBetter);
  }
  assert.ok(checked > 800);
});

test('a month of fewer than 10 audits with 1 to 4 good or better: one month of 10 or more gives way, never the year', () => {
  // The month of 5 (2 good or better) could be worked out of the year's good or better less every
  // other month's, were they all published. A month with no audits cannot partner it (its none is
  // known), so one month of 10 or more has its good or better withheld: the one that hides least.
  const months = [row(0, 2, 2, 1), row(1, 9, 6, 2), row(0, 11, 5, 4), row(2, 8, 7, 3), row(0, 0, 0, 0)];
  const total = row(3, 30, 20, 10);
  const pub = publishGradeRows(months, GOOD, total);
  assert.deepEqual([pub.total?.goodOrBetter.count, pub.total?.total], [33, 63]);
  assert.equal(pub.rows[0].goodOrBetter.count, 'fewer than 5');
  const given = pub.rows.slice(1, 4).filter((r) => typeof r.goodOrBetter.count !== 'number');
  assert.equal(given.length, 1);
  // the month with no audits is shown as none
  assert.deepEqual([pub.rows[4].total, pub.rows[4].goodOrBetter.count], [0, 0]);
  // and the 2 cannot be worked out: the year's 33 less the months' shown good or better
  const shown = pub.rows.slice(1).map((r) => r.goodOrBetter.count);
  assert.ok(shown.some((c) => typeof c !== 'number'));
});

/*
 * Issue 16: suppression protects small cells, not a council's headline figures. Each report with a
 * version for publication, on the demo council's year (a realistic one: hundreds of audits), shows
 * its totals and the figures of every month with 10 or more audits, exactly as counted.
 */
describe('published, the demo’s year shows its totals and every month with 10 or more audits', () => {
  let t: TestDb;
  let councilId: string;
  let base: ReportParams;
  before(async () => {
    t = await createTestDb({ demo: true });
    const council = await t.db.selectFrom('councils').select(['id', 'name']).executeTakeFirstOrThrow();
    councilId = council.id;
    base = {
      from: '2026-04',
      to: '2027-03',
      filters: {},
      filterWords: [],
      councilName: council.name,
      publication: false,
      today: TEST_TODAY,
    };
  });
  after(() => t.close());

  /** The report as counted and as published. */
  async function both<T>(name: ReportName): Promise<[T, T]> {
    const full = (await produceReport(t.db, councilId, name, base)).json as T;
    const published = (await produceReport(t.db, councilId, name, { ...base, publication: true })).json as T;
    return [full, published];
  }
  const same = (shown: Share | Proportion, counted: Share | Proportion, what: string) => {
    assert.deepEqual([shown.count, shown.total], [counted.count, counted.total], what);
    assert.equal(shown.rate, counted.rate, `${what}: its rate`);
    assert.notEqual(shown.rate, null, `${what}: its rate`);
  };

  test('grades: the audits graded, good or better in all, and every month of 10 or more with its rate', async () => {
    const [full, pub] = await both<GradesReport>('grades');
    assert.ok(Number(full.goodOrBetter.total.total) >= 100, 'a realistic year');
    assert.equal(pub.publication, true);
    assert.equal(pub.total.total, full.total.total);
    same(pub.goodOrBetter.total, full.goodOrBetter.total, 'good or better in all');
    const enough = full.goodOrBetter.months.filter((m) => Number(m.total) >= 10);
    assert.ok(enough.length >= 6, `${enough.length} months of 10 or more`);
    // a month of fewer than 10 whose good or better (or below good) is 1 to 4 would be given back by
    // the year's figure less the other months': one month of 10 or more gives way for each, no more
    const small = (n: number) => n > 0 && n < 5;
    const lone = full.goodOrBetter.months.filter(
      (m) => Number(m.total) < 10 && (small(Number(m.count)) || small(Number(m.total) - Number(m.count))),
    ).length;
    const givenWay = enough.filter(
      (m) => (pub.goodOrBetter.months.find((x) => x.month === m.month) as Share).rate === null,
    );
    assert.ok(
      givenWay.length <= lone,
      `${givenWay.length} months of 10 or more withheld for ${lone} small months`,
    );
    for (const m of enough.filter((x) => !givenWay.includes(x))) {
      const shown = pub.goodOrBetter.months.find((x) => x.month === m.month) as Share;
      same(shown, m, m.month);
      const block = pub.scales[0].months.find((x) => x.month === m.month);
      assert.equal(block?.total, m.total, `${m.month}: its audits`);
    }
    // the chart of the document draws every month of 10 or more
    const doc = (await produceReport(t.db, councilId, 'grades', { ...base, publication: true })).document;
    const chart = doc.sections[0].charts?.[0];
    assert.ok(chart?.kind === 'spc');
    for (const m of enough.filter((x) => !givenWay.includes(x))) {
      const i = full.goodOrBetter.months.indexOf(m);
      assert.notEqual(chart.series[i].value, null, `${m.month} is on the chart`);
    }
  });

  test('returns: planned, scheduled and returned in all, and every month of 10 or more with its return rate', async () => {
    type Figures = {
      month?: string;
      planned: Count;
      scheduled: Count;
      returned: Count;
      returnRate: number | null;
    };
    const [full, pub] = await both<{ months: Figures[]; total: Figures }>('returns');
    for (const k of ['planned', 'scheduled', 'returned', 'returnRate'] as const)
      assert.equal(pub.total[k], full.total[k], `in all: ${k}`);
    const enough = full.months.filter((m) => Number(m.scheduled) >= 10);
    assert.ok(enough.length >= 6);
    // as for grades: a month of fewer than 10 with a small figure makes one month of 10 or more give way
    const small = (n: number) => n > 0 && n < 5;
    const lone = full.months.filter(
      (m) =>
        Number(m.scheduled) < 10 &&
        [m.planned, m.scheduled, m.returned, Number(m.scheduled) - Number(m.returned)].some((n) =>
          small(Number(n)),
        ),
    ).length;
    const givenWay = enough.filter(
      (m) => (pub.months.find((x) => x.month === m.month) as Figures).returnRate === null,
    );
    assert.ok(
      givenWay.length <= lone,
      `${givenWay.length} months of 10 or more withheld for ${lone} small months`,
    );
    for (const m of enough.filter((x) => !givenWay.includes(x))) {
      const shown = pub.months.find((x) => x.month === m.month) as Figures;
      for (const k of ['scheduled', 'returned', 'returnRate'] as const)
        assert.equal(shown[k], m[k], `${m.month}: ${k}`);
    }
  });

  test('moderation: the audits returned and moderated in all, and every month of 10 or more', async () => {
    const [full, pub] = await both<ModerationReport>('moderation');
    for (const k of ['returned', 'moderated', 'moderatedRate'] as const)
      assert.equal(pub[k], full[k], `in all: ${k}`);
    assert.notEqual(pub.moderatedRate, null);
    const enough = full.byMonth.filter((m) => m.returned >= 10);
    assert.ok(enough.length >= 6);
    for (const m of enough) {
      const shown = pub.byMonth.find((x) => x.month === m.month);
      for (const k of ['returned', 'moderated', 'moderatedRate'] as const)
        assert.equal(shown?.[k], m[k], `${m.month}: ${k}`);
    }
  });

  test('sections, themes, equality: their totals', async () => {
    const [sFull, sPub] = await both<SectionsReport>('sections');
    for (const [i, sec] of sFull.sections.entries())
      assert.equal(sPub.sections[i].goodOrBetter.total, sec.goodOrBetter.total, sec.section);
    const [tFull, tPub] = await both<{ auditsBelowGood: Count }>('themes');
    assert.equal(tPub.auditsBelowGood, tFull.auditsBelowGood);
    const [eFull, ePub] = await both<EqualityReport>('equality');
    assert.equal(ePub.audits, eFull.audits);
    same(ePub.goodOrBetter, eFull.goodOrBetter, 'good or better in all');
  });

  test('escalations, feedback, actions: their totals, and every month of 10 or more', async () => {
    const [eFull, ePub] = await both<EscalationsReport>('escalations');
    assert.equal(ePub.total, eFull.total);
    for (const m of eFull.months.filter((x) => Number(x.total) >= 10))
      assert.equal(ePub.months.find((x) => x.month === m.month)?.total, m.total, m.month);
    const [fFull, fPub] = await both<FeedbackReport>('feedback');
    same(fPub.practitioner.responses, fFull.practitioner.responses, 'practitioners answering');
    for (const m of fFull.months.filter((x) => Number(x.responses) >= 10))
      assert.equal(fPub.months.find((x) => x.month === m.month)?.responses, m.responses, m.month);
    const [aFull, aPub] = await both<ActionsReport>('actions');
    assert.equal(aPub.total.created, aFull.total.created);
    same(aPub.total.onTime, aFull.total.onTime, 'done on time');
    const enough = aFull.months.filter((x) => Number(x.created) >= 10);
    assert.ok(enough.length >= 6);
    for (const m of enough)
      assert.equal(aPub.months.find((x) => x.month === m.month)?.created, m.created, m.month);
  });
});
