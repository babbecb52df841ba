/**
 * The auditor training register's rules (issue 17, item 5; the seed's "any new manager is flagged to
 * ensure they attend the audit training within 2 months"). Pure: from a person's start date, roles,
 * training date and the council's two periods, the status on a given day.
 *
 * Who is expected to be trained ("a manager"): anyone holding the case_manager or senior_leader
 * role (team managers up to the Director, domain.md §2: "any manager trained in auditing"), or the
 * auditor role (they are allocated audits, and untrained auditors never are). Job titles are not
 * read: councils word them too differently, and roles are what QA Loop acts on.
 *
 * - trained: a training date on or before the day; the refresher falls due `refresherMonths` after
 *   it. Within REFRESHER_SOON_DAYS of that date the status is "refresher due soon", on or after it
 *   "refresher overdue". Anyone with a training date is counted, manager or not.
 * - not trained, a manager: "awaiting training" until `newManagerMonths` after their start date (a
 *   start date in the future too), then "overdue". A manager with no start date recorded cannot be
 *   given the benefit of the doubt: they are "overdue" (the register shows the start date is missing).
 * - not trained, not a manager: "not expected".
 */
import { addDays, addMonths, type IsoDate } from './dates.ts';
import type { Role } from './roles.ts';

export const TRAINING_STATUSES = [
  'trained',
  'refresher_due_soon',
  'refresher_overdue',
  'awaiting',
  'overdue',
  'not_expected',
] as const;

export type TrainingStatus = (typeof TRAINING_STATUSES)[number];

export const TRAINING_STATUS_LABELS: Record<TrainingStatus, string> = {
  trained: 'Trained',
  refresher_due_soon: 'Refresher due soon',
  refresher_overdue: 'Refresher overdue',
  awaiting: 'Awaiting training',
  overdue: 'Not trained in time',
  not_expected: 'Not expected to audit',
};

/** A refresher is "due soon" this many days before it falls due. */
export const REFRESHER_SOON_DAYS = 60;

/** The roles whose holders are expected to be trained in auditing. */
export const MANAGER_ROLES = ['case_manager', 'senior_leader', 'auditor'] as const satisfies readonly Role[];

export function isManager(roles: readonly Role[]): boolean {
  return roles.some((r) => (MANAGER_ROLES as readonly Role[]).includes(r));
}

export interface TrainingPeriods {
  /** a refresher falls due this many months after the last training */
  refresherMonths: number;
  /** a new manager should be trained within this many months of starting */
  newManagerMonths: number;
}

export interface TrainingPerson {
  startedOn: IsoDate | null;
  roles: readonly Role[];
  trainedOn: IsoDate | null;
}

export interface TrainingState {
  status: TrainingStatus;
  /** trained: when the refresher falls due */
  refresherDue: IsoDate | null;
  /** a manager not trained: the day by which they should have been (null: no start date) */
  trainingDue: IsoDate | null;
}

/** A person's training status on `today`. */
export function trainingStatus(
  person: TrainingPerson,
  periods: TrainingPeriods,
  today: IsoDate,
): TrainingState {
  if (person.trainedOn !== null && person.trainedOn <= today) {
    const refresherDue = addMonths(person.trainedOn, periods.refresherMonths);
    const status: TrainingStatus =
      today >= refresherDue
        ? 'refresher_overdue'
        : today >= addDays(refresherDue, -REFRESHER_SOON_DAYS)
          ? 'refresher_due_soon'
          : 'trained';
    return { status, refresherDue, trainingDue: null };
  }
  if (!isManager(person.roles)) return { status: 'not_expected', refresherDue: null, trainingDue: null };
  if (person.startedOn === null) return { status: 'overdue', refresherDue: null, trainingDue: null };
  const trainingDue = addMonths(person.startedOn, periods.newManagerMonths);
  return { status: today < trainingDue ? 'awaiting' : 'overdue', refresherDue: null, trainingDue };
}

/** Trained, whether or not a refresher is due: may be allocated audits. */
export function countsAsTrained(status: TrainingStatus): boolean {
  return status === 'trained' || status === 'refresher_due_soon' || status === 'refresher_overdue';
}

/**
 * The trained date a person has after their sessions change (see src/services/sampling/training.ts):
 * the latest session they attended, or, when the date on record was typed by hand (it is no session
 * date they attended) and is later than every session, that date. `recordedOn` is the date on record
 * before the change; `before` the session dates they attended before it, `after` those after it.
 */
export function trainedDateAfter(
  recordedOn: IsoDate | null,
  before: readonly IsoDate[],
  after: readonly IsoDate[],
): IsoDate | null {
  const latest = after.reduce<IsoDate | null>((m, d) => (m === null || d > m ? d : m), null);
  const typedByHand = recordedOn !== null && !before.includes(recordedOn);
  if (typedByHand && (latest === null || (recordedOn as IsoDate) > latest)) return recordedOn;
  return latest;
}
