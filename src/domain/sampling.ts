import { seededRandom } from './random.ts';

/**
 * The arithmetic of audit samples (domain.md §7): how precise a sample of n from a cohort of N is,
 * how many to draw for a wanted precision, and drawing at random from a recorded seed, simply or
 * by strata. Percentages are fractions (0–1); precision is at 95% unless said otherwise.
 */

/** z for a two-sided 95% interval. */
export const Z_95 = 1.959963984540054;

/**
 * The margin of error of a proportion estimated from a simple random sample of `n` drawn without
 * replacement from `population`, with the finite-population correction; `p` 0.5 is the worst case.
 * A sample of the whole cohort has no margin of error.
 */
export function marginOfError(n: number, population: number, p = 0.5, z = Z_95): number {
  if (!Number.isInteger(n) || !Number.isInteger(population) || n < 1 || population < 1 || n > population) {
    throw new RangeError('The sample must have at least one case and no more than the cohort');
  }
  if (n === population) return 0;
  const fpc = Math.sqrt((population - n) / (population - 1));
  return z * Math.sqrt((p * (1 - p)) / n) * fpc;
}

/**
 * The smallest sample from `population` whose margin of error is at most `margin` (the reverse
 * question: "how many for ±10%?"), with the finite-population correction.
 */
export function sampleSizeFor(margin: number, population: number, p = 0.5, z = Z_95): number {
  if (!(margin > 0 && margin < 1)) throw new RangeError('The margin must be between 0 and 1 (±0% to ±100%)');
  if (!Number.isInteger(population) || population < 1)
    throw new RangeError('The cohort must hold at least one case');
  const infinite = (z * z * p * (1 - p)) / (margin * margin);
  let n = Math.min(population, Math.ceil(infinite / (1 + (infinite - 1) / population)));
  // the closed form can be one short after rounding: step up until the margin is met
  while (n < population && marginOfError(n, population, p, z) > margin) n++;
  return Math.max(1, n);
}

/**
 * `count` of `ids` chosen at random from `seed`: the same ids, seed and count always give the same
 * choice, in the same order. The ids should come in a stable order (by identifier, say) so that a
 * sample can be drawn again from the same snapshot.
 */
export function drawSample<T>(ids: readonly T[], count: number, seed: number): T[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError('The sample size must be a whole number');
  const random = seededRandom(seed);
  const pool = [...ids];
  const take = Math.min(count, pool.length);
  // a partial Fisher–Yates shuffle: the first `take` places are a uniform random choice
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(random.next() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, take);
}

/**
 * How many of a sample of `total` each stratum gets, in proportion to its size, by largest
 * remainder (so the parts add up to the total); ties go to the larger stratum, then by name.
 */
export function proportionalAllocation(
  strata: ReadonlyMap<string, number>,
  total: number,
): Map<string, number> {
  const size = [...strata.values()].reduce((a, b) => a + b, 0);
  const want = Math.min(total, size);
  const out = new Map<string, number>();
  if (size === 0) return out;
  const parts = [...strata].map(([name, n]) => {
    const exact = (want * n) / size;
    return { name, n, whole: Math.floor(exact), remainder: exact - Math.floor(exact) };
  });
  let left = want - parts.reduce((a, p) => a + p.whole, 0);
  for (const p of [...parts].sort(
    (a, b) => b.remainder - a.remainder || b.n - a.n || a.name.localeCompare(b.name),
  )) {
    if (left <= 0) break;
    p.whole++;
    left--;
  }
  for (const p of parts) out.set(p.name, p.whole);
  return out;
}

/**
 * A stratified sample: each stratum's ids drawn at random from a seed of its own derived from the
 * sample's seed and the stratum's name, so adding a stratum does not change the others' draws.
 */
export function drawStratified<T>(
  strata: ReadonlyMap<string, readonly T[]>,
  perStratum: ReadonlyMap<string, number>,
  seed: number,
): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const [name, ids] of strata)
    out.set(name, drawSample(ids, perStratum.get(name) ?? 0, stratumSeed(seed, name)));
  return out;
}

/** A stratum's own seed: the sample's seed mixed with a hash (FNV-1a) of the stratum's name. */
export function stratumSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
