/**
 * The returns of a cycle, as councils report them (domain brief §6):
 *
 * - Planned: the audits drawn for the month, whatever has happened to them since;
 * - Exempted: allocations withdrawn for a recorded reason;
 * - Scheduled: planned − exempted;
 * - Returned: audits completed;
 * - Return rate: returned ÷ scheduled, a fraction rounded to 3 places, or null when nothing is scheduled.
 *
 * Unallocated audits are planned and scheduled but not yet with an auditor; owed audits are with an
 * auditor and not yet returned.
 */

export interface ReturnCounts {
  planned: number;
  exempted: number;
  returned: number;
  /** planned audits not yet given to an auditor (0 for imported history, which has none) */
  unallocated?: number;
}

export interface ReturnFigures {
  planned: number;
  exempted: number;
  scheduled: number;
  returned: number;
  returnRate: number | null;
  unallocated: number;
  /** with an auditor and not yet returned */
  owed: number;
}

/** A fraction rounded to 3 places, as every rate in QA Loop's reports is; null when the total is 0. */
export function rate(count: number, total: number): number | null {
  if (total === 0) return null;
  return Math.round((count / total) * 1000) / 1000;
}

function count(name: string, value: number) {
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`${name} must be a whole number, 0 or more`);
  return value;
}

/** The figures from the counts; refuses counts that cannot be (more exempted than planned, …). */
export function returnFigures(counts: ReturnCounts): ReturnFigures {
  const planned = count('planned', counts.planned);
  const exempted = count('exempted', counts.exempted);
  const returned = count('returned', counts.returned);
  const unallocated = count('unallocated', counts.unallocated ?? 0);
  const scheduled = planned - exempted;
  if (scheduled < 0) throw new RangeError('More audits are exempted than were planned');
  if (returned + unallocated > scheduled) {
    throw new RangeError('More audits are returned or unallocated than are scheduled');
  }
  return {
    planned,
    exempted,
    scheduled,
    returned,
    returnRate: rate(returned, scheduled),
    unallocated,
    owed: scheduled - returned - unallocated,
  };
}

/** The counts of several months or groups added together. */
export function addCounts(list: readonly ReturnCounts[]): Required<ReturnCounts> {
  const total = { planned: 0, exempted: 0, returned: 0, unallocated: 0 };
  for (const c of list) {
    total.planned += c.planned;
    total.exempted += c.exempted;
    total.returned += c.returned;
    total.unallocated += c.unallocated ?? 0;
  }
  return total;
}

/** A whole-number percentage of a fraction, for people: 0.477 → "48%". */
export function percentText(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** A return rate with its count, as every percentage shown is: "21 of 44 (48%)". */
export function returnRateText(returned: number, scheduled: number): string {
  if (scheduled === 0) return 'None scheduled';
  return `${returned.toLocaleString('en-GB')} of ${scheduled.toLocaleString('en-GB')} (${percentText(returned / scheduled)})`;
}

/** Whole days past the due date on a date (0 when not yet due), or null when there is no due date. */
export function daysOverdue(dueOn: string | null, on: string): number | null {
  if (!dueOn) return null;
  const days = Math.round((Date.parse(`${on}T00:00:00Z`) - Date.parse(`${dueOn}T00:00:00Z`)) / 86_400_000);
  return Math.max(0, days);
}
