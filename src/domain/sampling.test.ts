import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { marginOfError, proportionalAllocation, sampleSizeFor } from './sampling.ts';

test('margin of error at 95% with the finite-population correction, against worked figures', () => {
  // 1.96 × √(0.25/100) = 0.098 for a very large cohort; ×√((1000−100)/999) = 0.0930 for 1,000
  assert.equal(marginOfError(100, 1_000_000).toFixed(3), '0.098');
  assert.equal(marginOfError(100, 1000).toFixed(4), '0.0930');
  // a third of a cohort of 300
  assert.equal(marginOfError(100, 300).toFixed(4), '0.0801');
  assert.equal(marginOfError(44, 44), 0);
  assert.throws(() => marginOfError(0, 10), RangeError);
  assert.throws(() => marginOfError(11, 10), RangeError);
});

test('how many for ±10%: 97 from a very large cohort, fewer from a small one, never more than the cohort', () => {
  assert.equal(sampleSizeFor(0.1, 1_000_000), 97);
  assert.equal(sampleSizeFor(0.1, 1000), 88);
  assert.equal(sampleSizeFor(0.1, 200), 66);
  assert.equal(sampleSizeFor(0.05, 20), 20);
  assert.throws(() => sampleSizeFor(0, 100), RangeError);
});

test('the size asked for always meets the margin, and one fewer would not', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 5000 }),
      fc.double({ min: 0.02, max: 0.5, noNaN: true }),
      (n, e) => {
        const size = sampleSizeFor(e, n);
        assert.ok(size >= 1 && size <= n);
        if (size < n) assert.ok(marginOfError(size, n) <= e + 1e-12);
        if (size > 1) assert.ok(marginOfError(size - 1, n) > e);
      },
    ),
    { numRuns: 300, seed: 7 },
  );
});

test('proportional allocation adds up to the sample and follows the strata sizes', () => {
  const parts = proportionalAllocation(
    new Map([
      ['North', 50],
      ['Central', 30],
      ['South', 20],
    ]),
    10,
  );
  assert.deepEqual(Object.fromEntries(parts), { North: 5, Central: 3, South: 2 });
  const odd = proportionalAllocation(
    new Map([
      ['A', 1],
      ['B', 1],
      ['C', 1],
    ]),
    2,
  );
  assert.equal(
    [...odd.values()].reduce((a, b) => a + b, 0),
    2,
  );
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.nat(200)),
      fc.nat(300),
      (d, total) => {
        const strata = new Map(Object.entries(d));
        const size = [...strata.values()].reduce((a, b) => a + b, 0);
        const got = proportionalAllocation(strata, total);
        const sum = [...got.values()].reduce((a, b) => a + b, 0);
        assert.equal(sum, size === 0 ? 0 : Math.min(total, size));
        for (const [name, n] of got) assert.ok(n <= (strata.get(name) ?? 0) + 1);
      },
    ),
    { numRuns: 200, seed: 11 },
  );
});
