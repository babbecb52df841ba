/**
 * Recurring reviews (domain.md §12): a cohort reviewed on a schedule, each round a short review of
 * every child in the cohort that day (or a sample of them) by a named reviewer. The rules here have
 * no I/O: when rounds fall due and by when they must be done, which children are new to the cohort
 * since the round before, whether a round was done on time, and which children were found with the
 * same concern round after round.
 */
import type { AnswerSet, ToolDefinition } from './audit-tools.ts';
import { addDays, addMonths, type IsoDate } from './dates.ts';

export const FREQUENCIES = ['weekly', 'fortnightly', 'monthly'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

export const FREQUENCY_LABELS: Record<Frequency, string> = {
  weekly: 'Weekly',
  fortnightly: 'Fortnightly',
  monthly: 'Monthly',
};

/** The most rounds worked out at once (about 20 years of weekly rounds): a guard, never reached. */
const MOST_ROUNDS = 1000;

/** The date of round `n` (0 for the first): weeks or fortnights on, or the same day of each month. */
export function roundDate(first: IsoDate, frequency: Frequency, n: number): IsoDate {
  if (frequency === 'monthly') return addMonths(first, n);
  return addDays(first, n * (frequency === 'weekly' ? 7 : 14));
}

/**
 * The day a round's reviews must all be submitted by: the day before the next round falls due, so
 * each round is finished before the next begins.
 */
export function roundDueBy(date: IsoDate, first: IsoDate, frequency: Frequency): IsoDate {
  const n = roundIndex(first, frequency, date);
  return addDays(roundDate(first, frequency, (n ?? 0) + 1), -1);
}

/** Which round falls on `date` (0 for the first), or null when none does. */
export function roundIndex(first: IsoDate, frequency: Frequency, date: IsoDate): number | null {
  for (let n = 0; n < MOST_ROUNDS; n++) {
    const d = roundDate(first, frequency, n);
    if (d === date) return n;
    if (d > date) return null;
  }
  return null;
}

/** The rounds falling due from `from` to `to`, both included, oldest first. */
export function roundDatesBetween(
  first: IsoDate,
  frequency: Frequency,
  from: IsoDate,
  to: IsoDate,
): IsoDate[] {
  const out: IsoDate[] = [];
  for (let n = 0; n < MOST_ROUNDS; n++) {
    const d = roundDate(first, frequency, n);
    if (d > to) break;
    if (d >= from) out.push(d);
  }
  return out;
}

/** The latest round due on or before `today`, or null before the first. */
export function latestRoundDue(first: IsoDate, frequency: Frequency, today: IsoDate): IsoDate | null {
  const all = roundDatesBetween(first, frequency, first, today);
  return all.length ? all[all.length - 1] : null;
}

/**
 * The children of this round not in the round before, by id. The first round has no round before
 * it, so nobody is marked new in it.
 */
export function newToCohort(previous: readonly string[] | null, current: readonly string[]): Set<string> {
  if (previous === null) return new Set();
  const before = new Set(previous);
  return new Set(current.filter((c) => !before.has(c)));
}

export type RoundState = 'on_time' | 'late' | 'overdue' | 'open';

export const ROUND_STATE_LABELS: Record<RoundState, string> = {
  on_time: 'Done on time',
  late: 'Done late',
  overdue: 'Overdue',
  open: 'In progress',
};

/** One review of a round, as the on-time rule reads it. */
export interface RoundReview {
  /** the London day it was submitted; null when not submitted */
  submittedOn: IsoDate | null;
  /** withdrawn with a reason (the child left the placement, say): not counted */
  exempted: boolean;
}

export const ON_TIME_RULE =
  'A round is done on time when every one of its reviews (leaving out any exempted with a reason) was submitted on or before its due date, the day before the next round falls due. A round whose reviews were all submitted, some after that day, is done late; one with reviews still to submit after that day is overdue. A round never started by its due date counts as not done on time. A round whose due date is still to come, with reviews to do, is not yet counted either way.';

/** Whether a round was done on time, late, is overdue, or still has time. */
export function roundState(reviews: readonly RoundReview[], dueBy: IsoDate, today: IsoDate): RoundState {
  const counted = reviews.filter((r) => !r.exempted);
  const outstanding = counted.some((r) => r.submittedOn === null);
  if (outstanding) return today > dueBy ? 'overdue' : 'open';
  return counted.every((r) => (r.submittedOn as IsoDate) <= dueBy) ? 'on_time' : 'late';
}

export const CONCERN_RULE =
  'A concern is a yes/no question answered “no” (the review’s questions are asked so that “yes” is what good looks like: seen this week, safe from immediate risk, oversight good enough), or a choice question answered with one of the answers the schedule lists as a concern. A child has a repeated concern when the same question shows a concern for them in two rounds or more of the period.';

/** A question with a concern in one review: the question's lineage (answer-tally's `questionLineage`). */
export function concernsOf(
  definition: ToolDefinition,
  answers: AnswerSet | null,
  concernAnswers: readonly string[],
): { lineage: string; text: string }[] {
  const out: { lineage: string; text: string }[] = [];
  const concerning = new Set(concernAnswers.map((a) => a.trim().toLowerCase()));
  for (const section of definition.sections ?? []) {
    for (const q of section.questions) {
      const value = answers?.[section.key]?.answers?.[q.key];
      if (typeof value !== 'string') continue;
      const concern =
        (q.type === 'yes_no_partly_na' && value === 'no') ||
        (q.type === 'choice' && concerning.has(value.trim().toLowerCase()));
      if (concern) out.push({ lineage: `${section.sameAs ?? section.key}/${q.key}`, text: q.text });
    }
  }
  return out;
}

export interface ChildConcern {
  childId: string;
  childRef: string;
  roundOn: IsoDate;
  lineage: string;
  text: string;
}

export interface RepeatedConcern {
  childId: string;
  childRef: string;
  lineage: string;
  text: string;
  /** the rounds the concern was found in, oldest first */
  rounds: IsoDate[];
}

/** Children with the same concern in two rounds or more, by case reference then question. */
export function repeatedConcerns(concerns: readonly ChildConcern[]): RepeatedConcern[] {
  const byKey = new Map<string, RepeatedConcern>();
  for (const c of concerns) {
    const key = `${c.childId} ${c.lineage}`;
    const found = byKey.get(key) ?? { ...c, rounds: [] };
    if (!found.rounds.includes(c.roundOn)) found.rounds.push(c.roundOn);
    byKey.set(key, found);
  }
  return [...byKey.values()]
    .filter((r) => r.rounds.length >= 2)
    .map((r) => ({
      childId: r.childId,
      childRef: r.childRef,
      lineage: r.lineage,
      text: r.text,
      rounds: [...r.rounds].sort(),
    }))
    .sort((a, b) => a.childRef.localeCompare(b.childRef) || a.lineage.localeCompare(b.lineage));
}
