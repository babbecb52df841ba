import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  BUILTIN_SCALES,
  builtinScale,
  FOUR_POINT,
  type GradeScaleInput,
  gradeByKey,
  gradeScaleSchema,
  isGoodOrBetter,
  normaliseGradeKey,
  THREE_POINT,
} from './grade-scales.ts';

function messages(input: unknown): string[] {
  const result = gradeScaleSchema.safeParse(input);
  assert.equal(result.success, false, 'expected the scale to be rejected');
  return result.error?.issues.map((i) => i.message) ?? [];
}

const passFail = (labels: string[], good: number): GradeScaleInput => ({
  name: 'Custom',
  grades: labels.map((label, i) => ({ label, order: i + 1, goodOrBetter: i < good })),
});

test('the four-point scale uses the grade keys the import file uses, best first', () => {
  assert.deepEqual(
    FOUR_POINT.grades.map((g) => [g.key, g.order, g.goodOrBetter]),
    [
      ['outstanding', 1, true],
      ['good', 2, true],
      ['requires_improvement', 3, false],
      ['inadequate', 4, false],
    ],
  );
  assert.equal(FOUR_POINT.key, 'four_point');
});

test('the three-point scale counts exceeded and met good as good or better', () => {
  assert.deepEqual(
    THREE_POINT.grades.map((g) => [g.key, g.order, g.goodOrBetter]),
    [
      ['exceeded_good', 1, true],
      ['met_good', 2, true],
      ['did_not_meet_good', 3, false],
    ],
  );
  assert.equal(THREE_POINT.key, 'three_point');
});

test('every built-in grade tells the auditor what it means', () => {
  for (const scale of BUILTIN_SCALES) {
    for (const g of scale.grades) assert.ok(g.descriptor.length > 40, `${scale.key}.${g.key}`);
  }
  assert.match(gradeByKey(FOUR_POINT, 'inadequate')?.descriptor ?? '', /safe/);
});

test('the built-in scales pass the rules a custom scale must meet, unchanged', () => {
  for (const scale of BUILTIN_SCALES) assert.deepEqual(gradeScaleSchema.parse(scale), scale);
});

test('grade names are matched whatever the case, spaces or underscores', () => {
  assert.equal(normaliseGradeKey('Requires Improvement'), 'requires_improvement');
  assert.equal(normaliseGradeKey(' REQUIRES_IMPROVEMENT '), 'requires_improvement');
  assert.equal(normaliseGradeKey('requires-improvement'), 'requires_improvement');
  assert.equal(normaliseGradeKey('Did not meet  good'), 'did_not_meet_good');
  assert.equal(normaliseGradeKey('Didn’t meet good'), 'didnt_meet_good');
  assert.equal(gradeByKey(FOUR_POINT, 'Requires Improvement')?.label, 'Requires improvement');
  assert.equal(gradeByKey(FOUR_POINT, 'excellent'), undefined);
  assert.equal(builtinScale('Three point'), THREE_POINT);
});

test('good or better is read from the scale, and an unknown grade is an error rather than a silent no', () => {
  assert.equal(isGoodOrBetter(FOUR_POINT, 'good'), true);
  assert.equal(isGoodOrBetter(FOUR_POINT, 'Requires improvement'), false);
  assert.equal(isGoodOrBetter(THREE_POINT, 'met_good'), true);
  assert.throws(() => isGoodOrBetter(THREE_POINT, 'good'), /"good" is not a grade on the Three-point scale/);
});

test('a custom scale gets keys from its labels and its grades are put best first', () => {
  const scale = gradeScaleSchema.parse({
    name: ' Pass or fail ',
    grades: [
      { label: 'Not yet good enough', order: 2, goodOrBetter: false, descriptor: 'Needs work' },
      { label: 'Good enough', order: 1, goodOrBetter: true },
    ],
  });
  assert.deepEqual(scale, {
    key: 'pass_or_fail',
    name: 'Pass or fail',
    grades: [
      { key: 'good_enough', label: 'Good enough', order: 1, goodOrBetter: true, descriptor: '' },
      {
        key: 'not_yet_good_enough',
        label: 'Not yet good enough',
        order: 2,
        goodOrBetter: false,
        descriptor: 'Needs work',
      },
    ],
  });
});

test('a custom scale keeps keys it is given, tidied', () => {
  const scale = gradeScaleSchema.parse({
    key: 'Pass-Fail',
    name: 'Pass or fail',
    grades: [
      { key: 'PASS', label: 'Passed', order: '1', goodOrBetter: true },
      { key: 'fail', label: 'Failed', order: '2', goodOrBetter: false },
    ],
  });
  assert.equal(scale.key, 'pass_fail');
  assert.deepEqual(
    scale.grades.map((g) => [g.key, g.order]),
    [
      ['pass', 1],
      ['fail', 2],
    ],
  );
});

test('a scale needs a name', () => {
  assert.deepEqual(messages({ ...passFail(['Yes', 'No'], 1), name: '  ' }), [
    'Enter a name for the grade scale',
  ]);
  assert.deepEqual(messages({ grades: passFail(['Yes', 'No'], 1).grades }), [
    'Enter a name for the grade scale',
  ]);
  assert.deepEqual(messages({ ...passFail(['Yes', 'No'], 1), name: 'x'.repeat(101) }), [
    'Grade scale name must be 100 characters or fewer',
  ]);
});

test('a scale has between 2 and 7 grades', () => {
  assert.deepEqual(messages(passFail(['Only'], 1)), ['A grade scale needs at least 2 grades']);
  assert.deepEqual(messages({ name: 'Empty' }), ['A grade scale needs at least 2 grades']);
  assert.deepEqual(messages(passFail(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'], 4)), [
    'A grade scale can have at most 7 grades',
  ]);
  assert.equal(gradeScaleSchema.safeParse(passFail(['A', 'B', 'C', 'D', 'E', 'F', 'G'], 4)).success, true);
});

test('every grade needs a label, and labels must differ ignoring case', () => {
  assert.deepEqual(messages(passFail(['Good', ' '], 1)), ['Enter a label for each grade']);
  assert.deepEqual(messages(passFail(['Good', 'Fine', 'GOOD'], 2)), [
    'Each grade needs a different label: "GOOD" is used more than once',
  ]);
  assert.deepEqual(messages(passFail(['Met good', 'Met-good'], 1)), [
    'Grades "Met good" and "Met-good" are too alike to tell apart: word them differently',
  ]);
  assert.deepEqual(messages(passFail(['Good', '???'], 1)), [
    'Grade "???" needs a label with at least one letter or number',
  ]);
});

test('orders run from 1 (best) with no gaps or repeats', () => {
  const gap = passFail(['A', 'B', 'C'], 1);
  gap.grades[2].order = 4;
  assert.deepEqual(messages(gap), ['Number the grades 1 to 3, best first, using each number once']);
  const repeat = passFail(['A', 'B', 'C'], 1);
  repeat.grades[2].order = 2;
  assert.deepEqual(messages(repeat), ['Number the grades 1 to 3, best first, using each number once']);
  const zeroBased = passFail(['A', 'B'], 1);
  zeroBased.grades[0].order = 0;
  assert.deepEqual(messages(zeroBased), ['Give each grade an order as a whole number: 1 for the best grade']);
  const blank = passFail(['A', 'B'], 1);
  blank.grades[0].order = '';
  assert.deepEqual(messages(blank), ['Give each grade an order: 1 for the best grade']);
});

test('a scale needs grades on both sides of "good or better", good ones ranked above the rest', () => {
  assert.deepEqual(messages(passFail(['A', 'B'], 0)), [
    'A grade scale needs at least one grade that counts as good or better',
  ]);
  assert.deepEqual(messages(passFail(['A', 'B'], 2)), [
    'A grade scale needs at least one grade that does not count as good or better',
  ]);
  const upsideDown = passFail(['Best', 'Middle', 'Worst'], 1);
  upsideDown.grades[0].goodOrBetter = false;
  upsideDown.grades[2].goodOrBetter = true;
  assert.deepEqual(messages(upsideDown), [
    'Grades that count as good or better must all rank above the grades that do not',
  ]);
  const missing = passFail(['A', 'B'], 1) as { grades: Record<string, unknown>[] };
  delete missing.grades[0].goodOrBetter;
  assert.deepEqual(messages(missing), ['Say whether each grade counts as good or better']);
});

/**
 * Candidate scales near the edge of the rules: mostly well ordered, with a cut between good and not
 * good, but sometimes a flipped grade, a bad order, a repeated label or the wrong number of grades.
 */
const sometimes = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: arb, weight: 1 });

const candidateGrades = fc.integer({ min: 0, max: 8 }).chain((n) =>
  fc
    .record({
      permutation: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
      cut: fc.integer({ min: 0, max: n }),
      flip: sometimes(fc.integer({ min: 0, max: Math.max(0, n - 1) })),
      badOrder: sometimes(
        fc.record({
          at: fc.integer({ min: 0, max: Math.max(0, n - 1) }),
          to: fc.integer({ min: 0, max: 9 }),
        }),
      ),
      label: sometimes(fc.string({ maxLength: 6 })),
    })
    .map(({ permutation, cut, flip, badOrder, label }) =>
      permutation.map((rank, i) => ({
        label: label !== null && i === 0 ? label : `Grade ${rank}`,
        order: badOrder && badOrder.at === i ? badOrder.to : rank + 1,
        goodOrBetter: rank < cut !== (flip === i),
      })),
    ),
);

test('property: any scale the schema accepts ranks every good-or-better grade above every other grade', () => {
  let accepted = 0;
  fc.assert(
    fc.property(candidateGrades, (grades) => {
      const result = gradeScaleSchema.safeParse({ name: 'Generated', grades });
      if (!result.success) return;
      accepted++;
      const scale = result.data;
      const good = scale.grades.filter((g) => g.goodOrBetter).map((g) => g.order);
      const rest = scale.grades.filter((g) => !g.goodOrBetter).map((g) => g.order);
      assert.ok(good.length > 0 && rest.length > 0);
      assert.ok(Math.max(...good) < Math.min(...rest));
      assert.deepEqual(
        scale.grades.map((g) => g.order),
        scale.grades.map((_, i) => i + 1),
      );
    }),
    { numRuns: 2000 },
  );
  assert.ok(accepted > 100, `only ${accepted} generated scales were accepted: the property barely ran`);
});

test('property: every well-formed scale of 2 to 7 grades is accepted', () => {
  const wellFormed = fc
    .integer({ min: 2, max: 7 })
    .chain((n) =>
      fc.tuple(
        fc.constant(n),
        fc.integer({ min: 1, max: n - 1 }),
        fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
      ),
    );
  fc.assert(
    fc.property(wellFormed, ([n, good, shuffled]) => {
      const grades = shuffled.map((i) => ({ label: `Grade ${i + 1}`, order: i + 1, goodOrBetter: i < good }));
      const scale = gradeScaleSchema.parse({ name: 'Generated', grades });
      assert.equal(scale.grades.length, n);
      assert.equal(scale.grades.filter((g) => g.goodOrBetter).length, good);
      assert.equal(scale.grades[0].key, 'grade_1');
    }),
  );
});
