/**
 * Reports for publication: no count from 1 to 4 can be worked back from what is shown, even across
 * tables that add up to the same totals (the cases a review worked by hand).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proportion } from '../domain/statistics.ts';
import type { Count } from './document.ts';
import { type GradeCounts, publishGradeRows } from './grades.ts';
import { publishReturnsRows } from './returns.ts';

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
  assert.equal(typeof cells[0].scheduled, 'string', 'scheduled would give the exemptions back');
  assert.equal(cells[0].returned.rate, null);
  assert.equal(typeof cells[0].returned.total, 'string');
  assert.equal(typeof cells[2].exempted, 'string', 'nor from the total row');
  assert.equal(typeof cells[2].scheduled, 'string');
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
  // and its good or better share (which would be 13 of 24) is withheld
  assert.equal(areas.rows[0].goodOrBetter.rate, null);
});
