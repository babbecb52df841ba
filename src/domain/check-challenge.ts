/**
 * Check and challenge (domain.md §4, §12): a team's weekly meeting on its figures and QA findings,
 * which sets goals (what, who, by when) and follows them up the next week. A week is named by its
 * Monday.
 */
import { addDays, type IsoDate, isRealDate } from './dates.ts';

export const GOAL_STATUSES = ['open', 'done', 'dropped'] as const;
export type GoalStatus = (typeof GOAL_STATUSES)[number];

export const GOAL_STATUS_LABELS: Record<GoalStatus, string> = {
  open: 'Open',
  done: 'Done',
  dropped: 'Dropped',
};

/** The Monday of the week a date falls in. */
export function weekOf(date: IsoDate): IsoDate {
  const day = new Date(`${date}T12:00:00Z`).getUTCDay();
  return addDays(date, -((day + 6) % 7));
}

/** Whether a date is a Monday (the form a week takes in an address). */
export function isMonday(date: string): boolean {
  return isRealDate(date) && new Date(`${date}T12:00:00Z`).getUTCDay() === 1;
}
