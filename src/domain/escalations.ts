/**
 * Escalations (domain.md §11): what an auditor, or QA reviewing an audit, sees that suggests a child
 * may be unsafe now is escalated at once; drift and delay follow the same route with a different
 * urgency. An escalation stays open until someone records the response, and the people it went to
 * are reminded until then: every working day for an immediate concern, every 5 for drift and delay.
 */
import { addDays, type IsoDate } from './dates.ts';
import type { WorkingDayCalendar } from './working-days.ts';

export const ESCALATION_KINDS = ['immediate', 'drift_delay'] as const;
export type EscalationKind = (typeof ESCALATION_KINDS)[number];

export function isEscalationKind(value: unknown): value is EscalationKind {
  return typeof value === 'string' && (ESCALATION_KINDS as readonly string[]).includes(value);
}

export const ESCALATION_KIND_LABELS: Record<EscalationKind, string> = {
  immediate: 'Immediate safety concern',
  drift_delay: 'Drift and delay',
};

/** How urgent each kind is, in the words the person raising it reads beside the choice. */
export const ESCALATION_URGENCY: Record<EscalationKind, string> = {
  immediate:
    'The child may be unsafe now. The people it goes to are asked to act today, and are reminded every working day until someone records a response.',
  drift_delay:
    'Plans or help for the child have drifted or been delayed, but the child is not thought to be unsafe now. The people it goes to are reminded after 5 working days without a response.',
};

/** GOV.UK tag colours: red for an immediate concern, orange for drift and delay. */
export const ESCALATION_TAG_CLASSES: Record<EscalationKind, string> = {
  immediate: 'govuk-tag--red',
  drift_delay: 'govuk-tag--orange',
};

/** An unanswered escalation is chased when this many working days have passed since it was raised or last chased. */
export const CHASE_AFTER_WORKING_DAYS: Record<EscalationKind, number> = {
  immediate: 1,
  drift_delay: 5,
};

/** The longest text kept for what was found and for a response. */
export const ESCALATION_TEXT_MAX = 5000;

/**
 * Whether an unanswered escalation raised, or last chased, on `lastDay` is chased on `today`: once
 * the kind's number of working days after that day has come. An immediate concern raised on a
 * Friday is chased on the Monday; one raised on a Monday, on the Tuesday; never on the same day.
 */
export function chaseDue(
  kind: EscalationKind,
  lastDay: IsoDate,
  today: IsoDate,
  calendar: WorkingDayCalendar,
): boolean {
  return today >= calendar.addWorkingDays(lastDay, CHASE_AFTER_WORKING_DAYS[kind]);
}

/** Working days since the day it was raised, not counting that day: 0 on the day itself. */
export function workingDaysWaiting(raisedDay: IsoDate, today: IsoDate, calendar: WorkingDayCalendar): number {
  if (today <= raisedDay) return 0;
  return calendar.workingDaysBetween(addDays(raisedDay, 1), today);
}

/** "Less than 1 working day", "1 working day", "6 working days" */
export function waitingText(workingDays: number): string {
  if (workingDays <= 0) return 'Less than 1 working day';
  return workingDays === 1 ? '1 working day' : `${workingDays} working days`;
}
