import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SPC_MINIMUM_POINTS, type SpcInput, xmrChart } from './spc.ts';

/** A series labelled M1, M2, … */
const months = (values: (number | null)[]): SpcInput[] =>
  values.map((value, index) => ({ label: `M${index + 1}`, value }));
const near = (actual: number | null, expected: number) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${actual} is not ${expected}`);
const labels = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `M${from + i}`);

test('a stable series: average, moving ranges and limits worked by hand, and no signals', () => {
  // mean 114 / 10 = 11.4; moving ranges 2,1,2,3,2,1,2,3,2 average 18 / 9 = 2; limits 11.4 ± 5.32
  const chart = xmrChart(months([10, 12, 11, 13, 10, 12, 11, 13, 10, 12]));
  near(chart.mean, 11.4);
  near(chart.averageMovingRange, 2);
  near(chart.upperLimit, 16.72);
  near(chart.lowerLimit, 6.08);
  assert.deepEqual(
    chart.points.map((point) => point.movingRange),
    [null, 2, 1, 2, 3, 2, 1, 2, 3, 2],
  );
  assert.equal(chart.enough, true);
  assert.deepEqual(chart.signals, []);
  assert.ok(chart.points.every((point) => point.signals.length === 0));
});

test('one month far out is outside the limits', () => {
  // mean 132 / 10 = 13.2; moving ranges sum 2+1+2+3+20+19+2+3+2 = 54, average 6; upper 13.2 + 15.96 = 29.16
  const chart = xmrChart(months([10, 12, 11, 13, 10, 30, 11, 13, 10, 12]));
  near(chart.upperLimit, 29.16);
  near(chart.lowerLimit, -2.76);
  assert.deepEqual(chart.signals, [
    { rule: 'outside_limits', labels: ['M6'], description: 'M6 above the upper limit' },
  ]);
  assert.deepEqual(chart.points[5].signals, ['outside_limits']);
  assert.deepEqual(chart.points[4].signals, []);
});

test('limits are clipped to the range the measure can take', () => {
  const chart = xmrChart(months([10, 12, 11, 13, 10, 30, 11, 13, 10, 12]), { min: 0, max: 100 });
  assert.equal(chart.lowerLimit, 0);
  near(chart.upperLimit, 29.16);
  const rates = xmrChart(months([0.9, 1, 0.8, 1, 0.95, 1, 0.85]), { min: 0, max: 1 });
  assert.equal(rates.upperLimit, 1);
  assert.ok(rates.signals.every((signal) => signal.rule !== 'outside_limits'));
  assert.throws(() => xmrChart(months([1, 2]), { min: 1, max: 0 }), RangeError);
  assert.throws(() => xmrChart(months([1, Number.NaN])), RangeError);
});

test('7 months in a row above the average are a run; 6 below are not', () => {
  // mean 72 / 13 ≈ 5.54: six months below it, then seven above; every moving range is 1, so the
  // limits (5.54 ± 2.66) and two-sigma lines (5.54 ± 1.77) are not crossed
  const chart = xmrChart(months([4, 5, 4, 5, 4, 5, 6, 7, 6, 7, 6, 7, 6]));
  near(chart.averageMovingRange, 1);
  assert.deepEqual(chart.signals, [
    { rule: 'run', labels: labels(7, 13), description: '7 months in a row above the average (M7 to M13)' },
  ]);
  assert.deepEqual(chart.points[6].signals, ['run']);
  assert.deepEqual(chart.points[5].signals, []);
});

test('a month exactly on the average ends a run', () => {
  // mean 65 / 13 = 5: three months above, one on the average, four above, then five below
  const chart = xmrChart(months([6, 6, 6, 5, 6, 6, 6, 6, 4, 4, 4, 3, 3]));
  near(chart.mean, 5);
  assert.deepEqual(
    chart.signals.filter((signal) => signal.rule === 'run'),
    [],
  );
  // the same with the fourth month above the average: eight in a row
  const unbroken = xmrChart(months([6, 6, 6, 6, 6, 6, 6, 6, 4, 4, 4, 3, 3]));
  assert.deepEqual(
    unbroken.signals.filter((signal) => signal.rule === 'run').map((signal) => signal.labels),
    [labels(1, 8)],
  );
});

test('6 months in a row each higher than the one before are a trend; 5 are not', () => {
  // mean 66 / 12 = 5.5; 3, 4, 5, 6, 7, 8 rise for six months; no run of 7 on either side
  const chart = xmrChart(months([5, 6, 5, 6, 3, 4, 5, 6, 7, 8, 5, 6]));
  assert.deepEqual(chart.signals, [
    { rule: 'trend', labels: labels(5, 10), description: '6 months in a row rising (M5 to M10)' },
  ]);
  const falling = xmrChart(months([5, 6, 5, 6, 8, 7, 6, 5, 4, 3, 6, 5]));
  assert.deepEqual(
    falling.signals.filter((signal) => signal.rule === 'trend'),
    [{ rule: 'trend', labels: labels(5, 10), description: '6 months in a row falling (M5 to M10)' }],
  );
  const five = xmrChart(months([5, 6, 5, 6, 4, 5, 6, 7, 8, 5, 6, 5]));
  assert.deepEqual(
    five.signals.filter((signal) => signal.rule === 'trend'),
    [],
  );
  // a month equal to the one before ends the trend
  const flat = xmrChart(months([5, 6, 5, 6, 3, 4, 5, 5, 6, 7, 8, 6]));
  assert.deepEqual(
    flat.signals.filter((signal) => signal.rule === 'trend'),
    [],
  );
});

test('2 of 3 months beyond two sigma on the same side', () => {
  // mean 90 / 15 = 6; moving ranges sum 9 + 3 + 3 + 3 + 4 + 1 = 23 over 14; limits 6 ± 4.37;
  // two sigma 6 + 2.913 = 8.913, which both 9s pass; the 6 between them is on the average
  const chart = xmrChart(months([5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 9, 6, 9, 5, 6]));
  near(chart.mean, 6);
  near(chart.averageMovingRange, 23 / 14);
  assert.deepEqual(chart.signals, [
    {
      rule: 'two_of_three',
      labels: ['M11', 'M13'],
      description: '2 of 3 months close to the upper limit (M11 and M13)',
    },
  ]);
  assert.deepEqual(chart.points[10].signals, ['two_of_three']);
  assert.deepEqual(chart.points[11].signals, []);
  // one high month alone is not a signal
  const one = xmrChart(months([5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 9, 6, 5, 5, 6]));
  assert.deepEqual(
    one.signals.filter((signal) => signal.rule === 'two_of_three'),
    [],
  );
});

test('months without a figure are kept but skipped', () => {
  // the same run as above with two gaps: the months either side of a gap are consecutive
  const chart = xmrChart(months([4, 5, 4, 5, 4, 5, 6, 7, null, 6, 7, 6, null, 7, 6]));
  near(chart.mean, 72 / 13);
  near(chart.averageMovingRange, 1);
  assert.equal(chart.points.length, 15);
  assert.equal(chart.points[8].value, null);
  assert.equal(chart.points[8].movingRange, null);
  assert.equal(chart.points[9].movingRange, 1);
  assert.deepEqual(chart.points[8].signals, []);
  assert.deepEqual(chart.signals, [
    {
      rule: 'run',
      labels: ['M7', 'M8', 'M10', 'M11', 'M12', 'M14', 'M15'],
      description: '7 months in a row above the average (M7 to M15)',
    },
  ]);
});

test(`fewer than ${SPC_MINIMUM_POINTS} months: figures where they can be worked out, no signals`, () => {
  // mean 10.2, average moving range 0.25, upper limit 10.865: the 11 would be outside it
  const short = xmrChart(months([10, 10, null, 10, 10, 11, null]));
  assert.equal(short.enough, false);
  near(short.mean, 10.2);
  near(short.upperLimit, 10.865);
  assert.deepEqual(short.signals, []);
  assert.ok(short.points.every((point) => point.signals.length === 0));

  const single = xmrChart(months([null, 0.5]));
  assert.equal(single.mean, 0.5);
  assert.equal(single.averageMovingRange, null);
  assert.equal(single.upperLimit, null);
  assert.equal(single.lowerLimit, null);

  const empty = xmrChart([]);
  assert.equal(empty.mean, null);
  assert.deepEqual(empty.points, []);
  assert.equal(empty.enough, false);
  assert.ok(empty.rulesText.includes('2.66'));
});

test('a level series shows no signal; every signal matches the months it marks', () => {
  const level = xmrChart(months([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]));
  assert.equal(level.averageMovingRange, 0);
  assert.deepEqual(level.signals, []);
  fc.assert(
    fc.property(
      fc.array(fc.option(fc.integer({ min: 0, max: 20 }), { nil: null }), { maxLength: 30 }),
      (values) => {
        const chart = xmrChart(months(values), { min: 0, max: 20 });
        for (const point of chart.points) {
          const marked = chart.signals
            .filter((signal) => signal.labels.includes(point.label))
            .map((s) => s.rule);
          assert.deepEqual(point.signals, [...new Set(marked)].sort());
          if (point.value === null) assert.deepEqual(point.signals, []);
        }
        if (chart.upperLimit !== null && chart.lowerLimit !== null && chart.mean !== null) {
          assert.ok(chart.lowerLimit <= chart.mean && chart.mean <= chart.upperLimit);
        }
      },
    ),
    { numRuns: 300, seed: 7 },
  );
});
