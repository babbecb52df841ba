import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { wilsonInterval } from './statistics.ts';

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
