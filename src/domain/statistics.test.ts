import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import fc from 'fast-check';
import {
  changeBetween,
  cohortDifferenceInterval,
  cohortEstimate,
  differenceInterval,
  finiteWilsonInterval,
  proportion,
  wilsonInterval,
} from './statistics.ts';

const round = ([low, high]: [number, number]) => [Number(low.toFixed(4)), Number(high.toFixed(4))];

test('Wilson intervals against worked figures', () => {
  assert.deepEqual(round(wilsonInterval(5, 10)), [0.2366, 0.7634]);
  assert.deepEqual(round(wilsonInterval(0, 10)), [0, 0.2775]);
  assert.deepEqual(round(wilsonInterval(10, 10)), [0.7225, 1]);
  assert.throws(() => wilsonInterval(3, 0), RangeError);
  assert.throws(() => wilsonInterval(5, 4), RangeError);
});

test('the interval holds the observed rate, stays within 0 and 1, and narrows as the sample grows', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, share) => {
      const k = Math.round(share * n);
      const [low, high] = wilsonInterval(k, n);
      assert.ok(low >= 0 && high <= 1 && low <= k / n + 1e-12 && k / n <= high + 1e-12);
      const [low4, high4] = wilsonInterval(4 * k, 4 * n);
      assert.ok(high4 - low4 < high - low + 1e-12);
    }),
    { numRuns: 300, seed: 3 },
  );
});

test('the interval of a difference against Newcombe (1998), method 10', () => {
  // Newcombe RG, Statistics in Medicine 1998;17:873–890, worked example 56/70 against 48/80:
  // difference 0.1333, 95% interval 0.0524 to 0.3339
  const interval = differenceInterval({ count: 56, total: 70 }, { count: 48, total: 80 });
  assert.ok(interval);
  assert.deepEqual(round(interval), [0.0524, 0.3339]);
  // the other way round, the interval turns about zero
  const back = differenceInterval({ count: 48, total: 80 }, { count: 56, total: 70 });
  assert.ok(back);
  assert.deepEqual(round(back), [-0.3339, -0.0524]);
  assert.equal(differenceInterval({ count: 0, total: 0 }, { count: 3, total: 5 }), null);
});

test('changeBetween: improved or worse only when the interval leaves out zero', () => {
  // the worked example's interval lies above zero
  assert.equal(changeBetween({ count: 56, total: 70 }, { count: 48, total: 80 }), 'improved');
  assert.equal(changeBetween({ count: 48, total: 80 }, { count: 56, total: 70 }), 'worse');
  // 8 of 15 against 4 of 7: 53% against 57%, chance could explain it
  assert.equal(changeBetween({ count: 8, total: 15 }, { count: 4, total: 7 }), 'same');
  // 4 of 5 against 1 of 5 looks like a big change, but samples of five cannot show it
  assert.equal(changeBetween({ count: 4, total: 5 }, { count: 1, total: 5 }), 'same');
  // 15 of 15 against 0 of 7: the interval is well above zero
  assert.equal(changeBetween({ count: 15, total: 15 }, { count: 0, total: 7 }), 'improved');
  assert.equal(changeBetween({ count: 3, total: 10 }, { count: 0, total: 0 }), null);
});

describe('estimates for a whole cohort (finite-population correction)', () => {
  it('gives 71 of 100 drawn from 361 children as 63% to 78%, worked by hand', () => {
    // correction √((361 − 100) / (361 − 1)) = √0.725 = 0.85147, so z = 1.95996 × 0.85147 = 1.66884
    // and z² = 2.78503; centre (0.71 + 2.78503 / 200) / (1 + 2.78503 / 100) = 0.70431;
    // half-width 1.66884 × √(0.71 × 0.29 / 100 + 2.78503 / 40000) / 1.02785 = 0.07491
    const [low, high] = finiteWilsonInterval(71, 100, 361);
    assert.ok(Math.abs(low - 0.6294) < 0.0001, String(low));
    assert.ok(Math.abs(high - 0.7792) < 0.0001, String(high));
    assert.deepEqual(cohortEstimate(71, 100, 361), {
      count: 71,
      total: 100,
      rate: 0.71,
      ci95: [0.629, 0.779],
    });
    // without the correction the interval is wider: 61% to 79%
    assert.deepEqual(proportion(71, 100).ci95, [0.615, 0.79]);
  });

  it('gives 20 of 77 audits from 209 children (siblings removed) as 19% to 34%', () => {
    // √(132 / 208) = 0.79663; z = 1.56137; z² = 2.43787; centre (0.25974 + 0.01583) / 1.03166 = 0.26711;
    // half 1.56137 × √(0.25974 × 0.74026 / 77 + 2.43787 / 23716) / 1.03166 = 0.07717
    const [low, high] = finiteWilsonInterval(20, 77, 209);
    assert.ok(Math.abs(low - 0.1899) < 0.0001, String(low));
    assert.ok(Math.abs(high - 0.3443) < 0.0001, String(high));
  });

  it('leaves no doubt when every child of the cohort was audited', () => {
    assert.deepEqual(finiteWilsonInterval(30, 40, 40), [0.75, 0.75]);
  });

  it('is the plain Wilson interval when the cohort is far larger than the sample', () => {
    const [low, high] = finiteWilsonInterval(71, 100, 10_000_000);
    const [wl, wh] = wilsonInterval(71, 100);
    assert.ok(Math.abs(low - wl) < 0.0001 && Math.abs(high - wh) < 0.0001);
  });

  it('refuses a cohort smaller than its sample', () => {
    assert.throws(() => finiteWilsonInterval(3, 10, 9), /at least as large as the sample/);
  });

  it('gives the difference between two rounds an interval narrower than without the correction', () => {
    const now = { count: 71, total: 100, population: 361 };
    const then = { count: 50, total: 100, population: 300 };
    const finite = cohortDifferenceInterval(now, then);
    const plain = differenceInterval(now, then);
    assert.ok(finite && plain);
    assert.ok(finite[0] > plain[0] && finite[1] < plain[1]);
    assert.ok(finite[0] > 0, 'the rise from 50% to 71% is more than chance');
    assert.equal(cohortDifferenceInterval({ count: 0, total: 0, population: 5 }, then), null);
  });
});
