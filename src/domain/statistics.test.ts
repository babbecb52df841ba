import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { changeBetween, differenceInterval, wilsonInterval } from './statistics.ts';

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
