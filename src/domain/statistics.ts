import { Z_95 } from './sampling.ts';

/**
 * The Wilson score interval of a proportion `count` of `total` (95% by default): the interval
 * reports give every rate drawn from a sample, sound even for small samples and rates near 0 or 1.
 */
export function wilsonInterval(count: number, total: number, z = Z_95): [number, number] {
  if (!Number.isInteger(count) || !Number.isInteger(total) || total < 1 || count < 0 || count > total) {
    throw new RangeError('The count must be a whole number from 0 to the total, and the total at least 1');
  }
  const p = count / total;
  const z2 = z * z;
  const centre = (p + z2 / (2 * total)) / (1 + z2 / total);
  const half = (z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))) / (1 + z2 / total);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** A proportion with its count, total and 95% Wilson interval, as every report gives a rate. */
export interface Proportion {
  count: number;
  total: number;
  /** 0–1 to 3 places; null when the total is 0 */
  rate: number | null;
  /** 95% Wilson interval to 3 places; null when the total is 0 */
  ci95: [number, number] | null;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** `count` of `total` as a Proportion, its interval Wilson's. */
export function proportion(count: number, total: number): Proportion {
  if (total === 0) return { count, total, rate: null, ci95: null };
  const [low, high] = wilsonInterval(count, total);
  return { count, total, rate: round3(count / total), ci95: [round3(low), round3(high)] };
}

/**
 * The 95% interval of the difference between two proportions (this year's less last year's), by
 * Newcombe's hybrid score method from the two Wilson intervals: sound for small samples, and the
 * interval reports use to say whether a rate really changed. Null when either total is 0.
 */
export function differenceInterval(
  a: { count: number; total: number },
  b: { count: number; total: number },
  z = Z_95,
): [number, number] | null {
  if (a.total === 0 || b.total === 0) return null;
  const p1 = a.count / a.total;
  const p2 = b.count / b.total;
  const [l1, u1] = wilsonInterval(a.count, a.total, z);
  const [l2, u2] = wilsonInterval(b.count, b.total, z);
  const d = p1 - p2;
  return [d - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + Math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)];
}

export type Change = 'improved' | 'same' | 'worse';

/**
 * Whether a rate improved, stayed the same or got worse: "the same" unless the 95% interval of the
 * difference (Newcombe) leaves out zero, so chance alone does not count as a change.
 */
export function changeBetween(
  now: { count: number; total: number },
  before: { count: number; total: number },
): Change | null {
  const interval = differenceInterval(now, before);
  if (!interval) return null;
  if (interval[0] > 0) return 'improved';
  if (interval[1] < 0) return 'worse';
  return 'same';
}

/** The rule changeBetween applies, in words for a report. */
export const CHANGE_RULE =
  'A section counts as improved or worse only when the 95% confidence interval of the difference between ' +
  'the two years’ good-or-better rates (Newcombe’s method) lies wholly above or below zero; otherwise the ' +
  'difference could be chance and the section counts as the same.';

/**
 * The 95% interval of a share found in a sample of `total` drawn without replacement from a cohort
 * of `population`, as an estimate for the whole cohort: Wilson's interval with the
 * finite-population correction, z scaled by √((N − n) / (N − 1)). A sample of half the cohort
 * narrows the interval by about 30%; a sample of the whole cohort leaves no doubt (the interval is
 * the share itself). "An estimated 71% of the 361 children (95% interval 63% to 78%)" is 71 of 100.
 */
export function finiteWilsonInterval(
  count: number,
  total: number,
  population: number,
  z = Z_95,
): [number, number] {
  if (!Number.isInteger(population) || population < total) {
    throw new RangeError('The cohort must be a whole number at least as large as the sample');
  }
  const correction = population > 1 ? Math.sqrt((population - total) / (population - 1)) : 0;
  return wilsonInterval(count, total, z * correction);
}

/** `count` of `total` drawn from a cohort of `population`, as an estimate for the cohort. */
export function cohortEstimate(count: number, total: number, population: number): Proportion {
  if (total === 0) return { count, total, rate: null, ci95: null };
  const [low, high] = finiteWilsonInterval(count, total, population);
  return { count, total, rate: round3(count / total), ci95: [round3(low), round3(high)] };
}

/**
 * The 95% interval of the difference between two cohort estimates (now less then), by Newcombe's
 * method from each sample's finite-population Wilson interval. Null when either total is 0.
 */
export function cohortDifferenceInterval(
  now: { count: number; total: number; population: number },
  then: { count: number; total: number; population: number },
  z = Z_95,
): [number, number] | null {
  if (now.total === 0 || then.total === 0) return null;
  const p1 = now.count / now.total;
  const p2 = then.count / then.total;
  const [l1, u1] = finiteWilsonInterval(now.count, now.total, now.population, z);
  const [l2, u2] = finiteWilsonInterval(then.count, then.total, then.population, z);
  const d = p1 - p2;
  return [d - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + Math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)];
}
