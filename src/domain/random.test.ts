import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from './random.ts';

test('the same seed gives the same sequence; another seed does not', () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const c = seededRandom(43);
  const seqA = Array.from({ length: 20 }, () => a.next());
  assert.deepEqual(
    seqA,
    Array.from({ length: 20 }, () => b.next()),
  );
  assert.notDeepEqual(
    seqA,
    Array.from({ length: 20 }, () => c.next()),
  );
});

test('int stays within its bounds and reaches both ends', () => {
  const r = seededRandom(7);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const n = r.int(1, 6);
    assert.ok(n >= 1 && n <= 6);
    seen.add(n);
  }
  assert.deepEqual([...seen].sort(), [1, 2, 3, 4, 5, 6]);
});

test('weighted picks follow their weights', () => {
  const r = seededRandom(1);
  let heavy = 0;
  const n = 10_000;
  for (let i = 0; i < n; i++)
    if (
      r.weighted([
        ['heavy', 9],
        ['light', 1],
      ] as const) === 'heavy'
    )
      heavy++;
  assert.ok(Math.abs(heavy / n - 0.9) < 0.02, `heavy share ${heavy / n}`);
});

test('picking from an empty list is refused', () => {
  assert.throws(() => seededRandom(1).pick([]), RangeError);
});
