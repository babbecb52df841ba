/**
 * An auditor's own picture (issue 20): the words for its figures, and where numbers are too few for a
 * rate, plain words instead. No I/O: the figures come from src/metrics/auditor-picture.ts.
 *
 * Thresholds, each the fewest for which a rate (with its 95% Wilson interval) or an average is shown;
 * below it the counts are said in words ("2 of 3 were supported"), because an interval on two or three
 * audits runs across most of 0–100% and says little:
 *  - MIN_FOR_RATE (5): moderated audits before the shares supported / upgraded / downgraded and the
 *    share of grades the moderator agreed with are given as rates (the same 5 as the consistency
 *    page's FEW_TO_JUDGE); also the audits due before the share returned on time is a rate;
 *  - MIN_FOR_QUARTER_RATE (3): moderated audits in a quarter before that quarter's agreement is a rate
 *    in the trend (a quarter's sample is small; fewer are said as "1 of 2 agreed");
 *  - MIN_FOR_AVERAGE (3): practitioners' feedback before an average score is given (fewer: each score);
 *  - MIN_WORDS_FOR_RATE (250): words counted in a month before its suggestions per 1,000 words is given
 *    (about one short write-up: an auditor submits an audit or two a month, so a higher bar would hide
 *    every month's figure; the rate describes the text itself rather than estimating from a sample).
 */
import { type Proportion, proportion } from './statistics.ts';

export const MIN_FOR_RATE = 5;
export const MIN_FOR_QUARTER_RATE = 3;
export const MIN_FOR_AVERAGE = 3;
export const MIN_WORDS_FOR_RATE = 250;

/** Whose picture: 'your' for the auditor's own, or their name for QA ("Sam Smith’s"). */
export function whose(ownPicture: boolean, name: string): string {
  return ownPicture ? 'your' : `${name}’s`;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** "3 of 4 (75%, 95% interval 30% to 95%)", or "3 of 4" alone when the total is under `minimum`. */
export function shareText(p: Proportion, minimum = MIN_FOR_RATE): string {
  if (p.total === 0 || p.rate === null) return `${p.count} of ${p.total}`;
  if (p.total < minimum || !p.ci95) return `${p.count} of ${p.total}`;
  return `${p.count} of ${p.total} (${pct(p.rate)}, 95% interval ${pct(p.ci95[0])} to ${pct(p.ci95[1])})`;
}

/** Whether a proportion has enough behind it to be given as a rate. */
export const enoughFor = (p: { total: number }, minimum = MIN_FOR_RATE) => p.total >= minimum;

export interface OutcomeCounts {
  moderated: number;
  supported: number;
  upgraded: number;
  downgraded: number;
}

/**
 * The panel's outcomes in a sentence: with fewer than MIN_FOR_RATE moderated, "Too few of your audits
 * have been moderated to give a rate: 2 of 3 were supported, 1 downgraded."
 */
export function outcomeSummary(c: OutcomeCounts, who: string): string {
  if (c.moderated === 0) return `None of ${who} audits has been moderated in these months.`;
  const parts = [
    `${c.supported} of ${c.moderated} ${c.supported === 1 && c.moderated === 1 ? 'was' : 'were'} supported`,
  ];
  if (c.upgraded) parts.push(`${c.upgraded} upgraded`);
  if (c.downgraded) parts.push(`${c.downgraded} downgraded`);
  const list = parts.join(', ');
  if (c.moderated < MIN_FOR_RATE) {
    return `Too few of ${who} audits have been moderated to give a rate: ${list}.`;
  }
  const supported = proportion(c.supported, c.moderated);
  return `The panel supported ${shareText(supported)} of ${who} moderated audits${c.upgraded ? `; ${c.upgraded} upgraded` : ''}${c.downgraded ? `; ${c.downgraded} downgraded` : ''}.`;
}

/**
 * Agreement with the moderator's blind grade: "The moderator gave the same grade in 7 of 9 (78%, 95%
 * interval 45% to 94%)", or in words under `minimum`.
 */
export function agreementSummary(same: Proportion, who: string, minimum = MIN_FOR_RATE): string {
  if (same.total === 0) return `No moderated audits of ${who} to compare yet.`;
  if (same.total < minimum) {
    return `Too few of ${who} audits have been moderated to give a rate: the moderator gave the same grade in ${same.count} of ${same.total}.`;
  }
  return `The moderator gave the same grade in ${shareText(same, minimum)}.`;
}

/** A quarter's or month's agreement for a table cell: "3 of 4 agreed", with the rate from `minimum`. */
export function agreedCell(same: Proportion, minimum = MIN_FOR_QUARTER_RATE): string {
  if (same.total === 0) return 'None moderated';
  const base = `${same.count} of ${same.total} agreed`;
  if (same.total < minimum || same.rate === null || !same.ci95) return `${base} (too few for a rate)`;
  return `${base} (${pct(same.rate)}, ${pct(same.ci95[0])} to ${pct(same.ci95[1])})`;
}

export interface ScoreSummary {
  count: number;
  /** to one decimal place; null when there are fewer than MIN_FOR_AVERAGE */
  average: number | null;
  /** every score given, when there are fewer than MIN_FOR_AVERAGE (lowest first) */
  scores: number[];
}

/** Scores summarised: an average from MIN_FOR_AVERAGE, else each score listed. */
export function scoreSummary(values: readonly number[]): ScoreSummary {
  const count = values.length;
  if (count < MIN_FOR_AVERAGE) return { count, average: null, scores: [...values].sort((a, b) => a - b) };
  const mean = values.reduce((s, v) => s + v, 0) / count;
  return { count, average: Math.round(mean * 10) / 10, scores: [] };
}

/** The feedback summary in a sentence, with `max` the top of the scale. */
export function feedbackSummary(s: ScoreSummary, who: string, max: number): string {
  if (s.count === 0) return `No practitioner has given feedback on ${who} audits in these months.`;
  if (s.average === null) {
    const scores = s.scores.join(' and ');
    return `Too few practitioners have given feedback to give an average: ${s.count === 1 ? 'one gave' : `${s.count} gave`} ${scores} out of ${max}.`;
  }
  return `${s.count} practitioners gave an average of ${s.average} out of ${max}.`;
}

export interface OnTimeCounts {
  onTime: number;
  late: number;
  /** past their due date and not yet submitted */
  overdue: number;
  /** not yet due and not yet submitted */
  notYetDue: number;
}

/** On time of those whose outcome is known (submitted, or overdue): the rest are not yet due. */
export function onTimeShare(c: OnTimeCounts): Proportion {
  return proportion(c.onTime, c.onTime + c.late + c.overdue);
}

/** Returns on time in a sentence. */
export function onTimeSummary(c: OnTimeCounts, who: string): string {
  const share = onTimeShare(c);
  if (share.total === 0) return `None of ${who} audits fell due in these months.`;
  const rest = [c.late ? `${c.late} late` : '', c.overdue ? `${c.overdue} overdue and not yet submitted` : '']
    .filter(Boolean)
    .join(', ');
  const tail = rest ? `; ${rest}` : '';
  if (share.total < MIN_FOR_RATE) {
    return `Too few of ${who} audits have fallen due to give a rate: ${share.count} of ${share.total} submitted on time${tail}.`;
  }
  return `${shareText(share)} submitted on time${tail}.`;
}

/** Suggestions per 1,000 words to one decimal place; null under MIN_WORDS_FOR_RATE words. */
export function perThousandWords(suggestions: number, words: number): number | null {
  if (words < MIN_WORDS_FOR_RATE) return null;
  return Math.round((suggestions / words) * 10000) / 10;
}
