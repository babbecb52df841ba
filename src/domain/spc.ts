/**
 * Statistical process control: XmR charts (individuals and moving range) for monthly series such as
 * "good or better %" and the return rate, so a reader can tell a real change from the month-to-month
 * noise every small sample has. The rules are those of NHS England's "Making Data Count":
 *
 * - the average is the mean of the months with a value; a month without a value (null) is kept in
 *   the output but left out of every calculation, and the months either side of it count as
 *   consecutive;
 * - the moving range of a month is the absolute difference from the previous month with a value;
 * - the process limits are the average ± 2.66 × the average moving range (2.66 = 3 ÷ 1.128, so the
 *   limits sit three standard deviations from the average), clipped to `min` and `max` when given
 *   (0 and 1 for rates);
 * - a special cause is marked by any of:
 *   1. `outside_limits`: a month above the upper limit or below the lower limit;
 *   2. `run`: 7 or more months in a row all above or all below the average (a month exactly on the
 *      average ends the run);
 *   3. `trend`: 6 or more months in a row each higher than the one before, or each lower (a month
 *      equal to the one before ends the trend);
 *   4. `two_of_three`: 2 of 3 months in a row beyond two standard deviations (two thirds of the way
 *      from the average to a limit) on the same side; the third may be anywhere.
 *
 * With fewer than {@link SPC_MINIMUM_POINTS} months of data the average and limits are still worked
 * out where they can be, but `enough` is false and no signals are reported: the limits are too
 * unsteady to judge by.
 */

/** The fewest months with a value before an XmR chart reports signals. */
export const SPC_MINIMUM_POINTS = 6;

/** The scaling constant from the average moving range to the process limits (3 ÷ d2, d2 = 1.128). */
export const XMR_LIMIT_FACTOR = 2.66;

/** Months in a row on one side of the average that make a run. */
export const SPC_RUN_LENGTH = 7;

/** Months in a row each higher (or each lower) than the one before that make a trend. */
export const SPC_TREND_LENGTH = 6;

/** One month of a series: `value` null when there is no figure for that month. */
export interface SpcInput {
  label: string;
  value: number | null;
}

export type SpcRule = 'outside_limits' | 'run' | 'trend' | 'two_of_three';

/** The rules in the order they are checked and listed. */
export const SPC_RULES: readonly SpcRule[] = ['outside_limits', 'run', 'trend', 'two_of_three'];

export interface SpcPoint {
  label: string;
  value: number | null;
  /** |value − previous value|, null for the first month with a value and for months without one */
  movingRange: number | null;
  /** the rules this month is part of a signal for, in {@link SPC_RULES} order */
  signals: SpcRule[];
}

export interface SpcSignal {
  rule: SpcRule;
  /** the months that make up the signal, in order */
  labels: string[];
  /** in plain English, e.g. "7 months in a row above the average (May 2026 to Nov 2026)" */
  description: string;
}

export interface XmrChart {
  points: SpcPoint[];
  /** the average of the months with a value; null when there are none */
  mean: number | null;
  /** null with fewer than 2 months with a value */
  averageMovingRange: number | null;
  upperLimit: number | null;
  lowerLimit: number | null;
  /** at least {@link SPC_MINIMUM_POINTS} months with a value, so signals are reported */
  enough: boolean;
  signals: SpcSignal[];
  /** one paragraph, for any reader, on how the limits are worked out and what marks a special cause */
  rulesText: string;
}

export interface XmrOptions {
  /** the lowest value the measure can take (0 for a rate); the lower limit is not drawn below it */
  min?: number;
  /** the highest value the measure can take (1 for a rate); the upper limit is not drawn above it */
  max?: number;
}

/** A difference this small (relative to the values) counts as equal: rates carry rounding noise. */
function same(a: number, b: number) {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function span(labels: string[]) {
  return labels.length === 1 ? labels[0] : `${labels[0]} to ${labels[labels.length - 1]}`;
}

function list(labels: string[]) {
  if (labels.length <= 2) return labels.join(' and ');
  return `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`;
}

/** The paragraph that says how a chart is read; the same for every XmR chart. */
export const XMR_RULES_TEXT =
  'The average line is the mean of the months shown. The upper and lower process limits are set ' +
  `${XMR_LIMIT_FACTOR} times the average month-to-month change above and below the average: while ` +
  'nothing has changed, almost every month falls between them, so ups and downs inside the limits ' +
  'are ordinary variation and not evidence of a change. A month is marked as a sign of real change ' +
  '(a special cause) when it falls outside the limits; when ' +
  `${SPC_RUN_LENGTH} or more months in a row are all above or all below the average; when ` +
  `${SPC_TREND_LENGTH} or more months in a row each rise, or each fall, from the month before; or when ` +
  '2 out of 3 months in a row are close to the same limit (more than two thirds of the way from ' +
  `the average to it). Signs are only looked for once there are at least ${SPC_MINIMUM_POINTS} ` +
  'months of figures; months without a figure are left out. This is the method of NHS England’s ' +
  '"Making Data Count".';

/**
 * The XmR chart of a series in time order: average, moving ranges, process limits and the months
 * that show a special cause (see the module description for the rules).
 */
export function xmrChart(series: SpcInput[], options: XmrOptions = {}): XmrChart {
  const { min, max } = options;
  if (min !== undefined && max !== undefined && min > max) {
    throw new RangeError('The lowest possible value must not be above the highest');
  }
  for (const { label, value } of series) {
    if (value !== null && !Number.isFinite(value)) {
      throw new RangeError(`The value for ${label} must be a number or null`);
    }
  }

  const points: SpcPoint[] = series.map(({ label, value }) => ({
    label,
    value,
    movingRange: null,
    signals: [],
  }));
  /** the positions in `points` of the months with a value, in order */
  const present = points.flatMap((point, index) => (point.value === null ? [] : [index]));
  const value = (k: number) => points[present[k]].value as number;

  const n = present.length;
  const mean = n === 0 ? null : present.reduce((sum, _, k) => sum + value(k), 0) / n;
  let rangeSum = 0;
  for (let k = 1; k < n; k++) {
    const range = Math.abs(value(k) - value(k - 1));
    points[present[k]].movingRange = range;
    rangeSum += range;
  }
  const averageMovingRange = n < 2 ? null : rangeSum / (n - 1);
  const halfWidth = averageMovingRange === null ? null : XMR_LIMIT_FACTOR * averageMovingRange;
  const clip = (limit: number) => Math.min(max ?? limit, Math.max(min ?? limit, limit));
  const upperLimit = mean === null || halfWidth === null ? null : clip(mean + halfWidth);
  const lowerLimit = mean === null || halfWidth === null ? null : clip(mean - halfWidth);
  const enough = n >= SPC_MINIMUM_POINTS;

  const found: { start: number; signal: SpcSignal }[] = [];
  if (enough && mean !== null && halfWidth !== null && upperLimit !== null && lowerLimit !== null) {
    const labelsOf = (ks: number[]) => ks.map((k) => points[present[k]].label);
    const mark = (rule: SpcRule, ks: number[], description: (labels: string[]) => string) => {
      for (const k of ks) {
        const marks = points[present[k]].signals;
        if (!marks.includes(rule)) marks.push(rule);
      }
      const labels = labelsOf(ks);
      found.push({ start: ks[0], signal: { rule, labels, description: description(labels) } });
    };
    /** +1 above the average, −1 below, 0 on it */
    const side = (k: number) => (same(value(k), mean) ? 0 : Math.sign(value(k) - mean));
    const sideWord = (s: number) => (s > 0 ? 'above' : 'below');

    // 1. Outside the limits. A clipped limit is the edge of what the measure can be, so no month
    // can pass it.
    for (let k = 0; k < n; k++) {
      const v = value(k);
      const high = v > upperLimit && !same(v, upperLimit);
      const low = v < lowerLimit && !same(v, lowerLimit);
      if (high || low) {
        mark(
          'outside_limits',
          [k],
          ([label]) => `${label} ${high ? 'above the upper' : 'below the lower'} limit`,
        );
      }
    }

    // 2. Runs on one side of the average.
    for (let start = 0; start < n; ) {
      const s = side(start);
      let end = start + 1;
      while (s !== 0 && end < n && side(end) === s) end++;
      if (s !== 0 && end - start >= SPC_RUN_LENGTH) {
        const ks = Array.from({ length: end - start }, (_, i) => start + i);
        mark(
          'run',
          ks,
          (labels) => `${labels.length} months in a row ${sideWord(s)} the average (${span(labels)})`,
        );
      }
      start = end;
    }

    // 3. Trends: each month higher (or lower) than the one before. Consecutive trends share a month.
    const step = (k: number) => (same(value(k + 1), value(k)) ? 0 : Math.sign(value(k + 1) - value(k)));
    for (let start = 0; start < n - 1; ) {
      const s = step(start);
      let end = start + 1; // the last month of the trend
      while (s !== 0 && end < n - 1 && step(end) === s) end++;
      if (s !== 0 && end - start + 1 >= SPC_TREND_LENGTH) {
        const ks = Array.from({ length: end - start + 1 }, (_, i) => start + i);
        const word = s > 0 ? 'rising' : 'falling';
        mark('trend', ks, (labels) => `${labels.length} months in a row ${word} (${span(labels)})`);
      }
      start = s === 0 ? start + 1 : end;
    }

    // 4. Two of three beyond two standard deviations on one side. Two such months at most two apart
    // share a window of three; a cluster of them is one signal.
    const twoSigma = (2 / 3) * halfWidth;
    for (const s of [1, -1]) {
      const beyond: number[] = [];
      for (let k = 0; k < n; k++) {
        const distance = s * (value(k) - mean);
        if (distance > twoSigma && !same(distance, twoSigma)) beyond.push(k);
      }
      let cluster: number[] = [];
      const close = () => {
        if (cluster.length >= 2) {
          const word = s > 0 ? 'upper' : 'lower';
          mark('two_of_three', cluster, (labels) =>
            cluster.length === 2
              ? `2 of 3 months close to the ${word} limit (${list(labels)})`
              : `${labels.length} months close to the ${word} limit, at least 2 in every 3 (${list(labels)})`,
          );
        }
        cluster = [];
      };
      for (const k of beyond) {
        if (cluster.length > 0 && k - cluster[cluster.length - 1] > 2) close();
        cluster.push(k);
      }
      close();
    }

    for (const point of points) point.signals.sort((a, b) => SPC_RULES.indexOf(a) - SPC_RULES.indexOf(b));
    found.sort(
      (a, b) => a.start - b.start || SPC_RULES.indexOf(a.signal.rule) - SPC_RULES.indexOf(b.signal.rule),
    );
  }
  const signals = found.map(({ signal }) => signal);

  return {
    points,
    mean,
    averageMovingRange,
    upperLimit,
    lowerLimit,
    enough,
    signals,
    rulesText: XMR_RULES_TEXT,
  };
}
