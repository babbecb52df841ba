/**
 * Agreement between two people grading the same audits on an ordinal scale: Cohen's weighted kappa
 * (Cohen 1968). Categories are numbered 0..k-1 in the scale's order, so a disagreement of one grade
 * counts less than one of two. With linear weights (Cicchetti–Allison, the default) a pair of grades
 * i and j agrees by 1 − |i − j| / (k − 1); with quadratic weights (Fleiss–Cohen) by
 * 1 − (i − j)² / (k − 1)².
 *
 *   κw = (po − pe) / (1 − pe)
 *
 * where po is the weighted share of pairs that agree and pe the weighted agreement expected by chance
 * from the two people's own spread of grades (row total × column total). κw is 1 for perfect
 * agreement, 0 for what chance would give, and below 0 for worse than chance.
 */

export type KappaWeights = 'linear' | 'quadratic';

export interface KappaResult {
  /** null when there are no pairs, or when chance alone would give perfect agreement */
  kappa: number | null;
  /** weighted observed agreement, 0–1 (null when there are no pairs) */
  observedAgreement: number | null;
  /** weighted agreement expected by chance, 0–1 (null when there are no pairs) */
  expectedAgreement: number | null;
  /** the number of pairs */
  n: number;
}

/** The agreement weight of categories i and j on a scale of k. */
export function agreementWeight(i: number, j: number, categories: number, weights: KappaWeights): number {
  if (categories < 2) return i === j ? 1 : 0;
  const d = Math.abs(i - j) / (categories - 1);
  return weights === 'quadratic' ? 1 - d * d : 1 - d;
}

function checkPairs(pairs: readonly (readonly [number, number])[], categories: number) {
  if (!Number.isInteger(categories) || categories < 1) {
    throw new RangeError('A scale needs at least one category');
  }
  for (const [a, b] of pairs) {
    for (const c of [a, b]) {
      if (!Number.isInteger(c) || c < 0 || c >= categories) {
        throw new RangeError(`Each grade must be a category from 0 to ${categories - 1}`);
      }
    }
  }
}

/**
 * Weighted kappa of pairs [first rater's category, second rater's category] on categories 0..k-1.
 */
export function weightedKappa(
  pairs: readonly (readonly [number, number])[],
  categories: number,
  weights: KappaWeights = 'linear',
): KappaResult {
  return stratifiedWeightedKappa([{ pairs, categories }], weights);
}

/**
 * Weighted kappa over several scales at once (QA Loop has four-point and three-point tools): each
 * scale's pairs are compared on that scale, chance is worked out within each scale from its own
 * grades, and the weighted disagreements observed and expected are added up across the scales
 * (each scale counting by its number of pairs). With one scale this is exactly `weightedKappa`.
 */
export function stratifiedWeightedKappa(
  strata: readonly { pairs: readonly (readonly [number, number])[]; categories: number }[],
  weights: KappaWeights = 'linear',
): KappaResult {
  let n = 0;
  let observed = 0; // Σ weighted agreement of the pairs
  let expected = 0; // Σ over scales of n_s × weighted chance agreement on that scale
  for (const { pairs, categories } of strata) {
    checkPairs(pairs, categories);
    if (pairs.length === 0) continue;
    const rows = new Array<number>(categories).fill(0);
    const cols = new Array<number>(categories).fill(0);
    for (const [a, b] of pairs) {
      rows[a]++;
      cols[b]++;
      observed += agreementWeight(a, b, categories, weights);
    }
    const m = pairs.length;
    let chance = 0;
    for (let i = 0; i < categories; i++) {
      for (let j = 0; j < categories; j++) {
        chance += agreementWeight(i, j, categories, weights) * (rows[i] / m) * (cols[j] / m);
      }
    }
    expected += chance * m;
    n += m;
  }
  if (n === 0) return { kappa: null, observedAgreement: null, expectedAgreement: null, n: 0 };
  const po = observed / n;
  const pe = expected / n;
  // chance agreement of 1: every pair sits in one category; kappa is undefined
  const kappa = 1 - pe < 1e-12 ? null : (po - pe) / (1 - pe);
  return { kappa, observedAgreement: po, expectedAgreement: pe, n };
}

/** Pairs from a table of counts: table[i][j] pairs where the first rater chose i and the second j. */
export function pairsFromTable(table: readonly (readonly number[])[]): [number, number][] {
  const pairs: [number, number][] = [];
  table.forEach((row, i) => {
    row.forEach((count, j) => {
      for (let c = 0; c < count; c++) pairs.push([i, j]);
    });
  });
  return pairs;
}

/** A kappa for people: 0.508 → "0.51". */
export function kappaText(kappa: number): string {
  return kappa.toFixed(2);
}

/**
 * Landis and Koch's (1977) words for a kappa, the ones moderation panels commonly use: below 0
 * "poor", up to 0.20 "slight", 0.40 "fair", 0.60 "moderate", 0.80 "substantial", above "almost perfect".
 */
export function kappaWords(kappa: number): string {
  if (kappa < 0) return 'poor';
  if (kappa <= 0.2) return 'slight';
  if (kappa <= 0.4) return 'fair';
  if (kappa <= 0.6) return 'moderate';
  if (kappa <= 0.8) return 'substantial';
  return 'almost perfect';
}
