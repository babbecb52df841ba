/**
 * The arithmetic of audit samples (domain.md §7): how precise a sample of n from a cohort of N is,
 * how many to draw for a wanted precision, and each stratum's share of a sample. The draw itself
 * happens in the database (src/services/sampling/samples.ts). Percentages are fractions (0–1); precision is at 95% unless said otherwise.
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
