import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FOUR_POINT, type GradeScale, gradeScaleSchema, THREE_POINT } from './grade-scales.ts';
import { needsReaudit, reauditDueMonth, reauditGrades } from './reaudit.ts';

const OFF = { reauditRequiresImprovement: false };
const ON = { reauditRequiresImprovement: true };

const reaudited = (scale: GradeScale, settings: typeof OFF) =>
  scale.grades.filter((g) => needsReaudit(g.key, scale, settings)).map((g) => g.key);

test('four-point: inadequate is always re-audited; requires improvement only when the council says so', () => {
  assert.deepEqual(reaudited(FOUR_POINT, OFF), ['inadequate']);
  assert.deepEqual(reaudited(FOUR_POINT, ON), ['requires_improvement', 'inadequate']);
});

test('three-point: did not meet good is always re-audited; the setting never re-audits met good', () => {
  assert.deepEqual(reaudited(THREE_POINT, OFF), ['did_not_meet_good']);
  // the second lowest grade of this scale is good, so there is nothing more to re-audit
  assert.deepEqual(reaudited(THREE_POINT, ON), ['did_not_meet_good']);
});

test('the grades are found by their order, whatever the keys and however the scale is listed', () => {
  const custom = gradeScaleSchema.parse({
    name: 'Five-point',
    grades: [
      { label: 'Poor', order: 5, goodOrBetter: false },
      { label: 'Excellent', order: 1, goodOrBetter: true },
      { label: 'Weak', order: 4, goodOrBetter: false },
      { label: 'Fair', order: 3, goodOrBetter: false },
      { label: 'Strong', order: 2, goodOrBetter: true },
    ],
  });
  // listed in the order typed, not best first
  const shuffled = {
    ...custom,
    grades: [custom.grades[3], custom.grades[0], custom.grades[4], ...custom.grades.slice(1, 3)],
  };
  assert.deepEqual(
    reauditGrades(shuffled, OFF).map((g) => g.label),
    ['Poor'],
  );
  assert.deepEqual(
    reauditGrades(shuffled, ON).map((g) => g.label),
    ['Poor', 'Weak'],
  );
});

test('grades written as people write them are matched; no grade or an unknown one is never re-audited', () => {
  assert.equal(needsReaudit('Inadequate', FOUR_POINT, OFF), true);
  assert.equal(needsReaudit('Requires Improvement', FOUR_POINT, ON), true);
  assert.equal(needsReaudit('good', FOUR_POINT, ON), false);
  assert.equal(needsReaudit('outstanding', FOUR_POINT, ON), false);
  assert.equal(needsReaudit(null, FOUR_POINT, ON), false);
  assert.equal(needsReaudit('', FOUR_POINT, ON), false);
  // a four-point grade on the three-point scale is not a grade at all
  assert.equal(needsReaudit('inadequate', THREE_POINT, ON), false);
});

test('the re-audit is due on the first day of the month so many months after the cycle', () => {
  assert.equal(reauditDueMonth('2026-11-01', 3), '2027-02-01');
  assert.equal(reauditDueMonth('2026-11-01', 6), '2027-05-01');
  assert.equal(reauditDueMonth('2026-12-15', 1), '2027-01-01');
  assert.equal(reauditDueMonth('2026-04-01', 12), '2027-04-01');
});
