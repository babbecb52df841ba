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
