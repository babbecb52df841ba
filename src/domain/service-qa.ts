/**
 * QA from elsewhere (domain.md §4, §12): services outside the monthly audit programme record their
 * own QA activity, collated each quarter by practice theme. Quarters are the council's financial
 * quarters (April to June is the first), the same year as the audit programme.
 */
import type { IsoDate } from './dates.ts';

/** The services a council starts with (the QA lead adds more): key, name, whether it grades. */
export const DEFAULT_QA_SERVICES: readonly { key: string; name: string; grades: boolean }[] = [
  { key: 'sen', name: 'Special educational needs and EHCPs', grades: true },
  { key: 'lado', name: 'LADO service', grades: false },
  { key: 'youth_justice', name: 'Youth justice', grades: true },
  { key: 'iro_cpa', name: 'IRO and child protection advisers', grades: true },
  { key: 'complaints', name: 'Complaints', grades: false },
  { key: 'practice_reviews', name: 'Local and national safeguarding practice reviews', grades: false },
  { key: 'partnership_audits', name: 'Safeguarding partnership multi-agency audits', grades: true },
];

/** A piece of a service's QA activity as entered: the grade counts only where the service grades. */
export interface ServiceQaEntryInput {
  serviceId: string;
  periodStart: IsoDate;
  periodEnd: IsoDate;
  reviewed: string;
  reviewedCount: number;
  strengths: string;
  development: string;
  themeKeys: string[];
  /** counts by grade key of the council's standard scale; null when the service does not grade */
  grades: Record<string, number> | null;
}

export interface Quarter {
  /** the first day of the quarter */
  start: IsoDate;
  /** the last day of the quarter */
  end: IsoDate;
  /** "Q3 2026 to 2027" */
  label: string;
  /** "October to December 2026" */
  months: string;
}

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function lastDayOf(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The financial quarter a date falls in. */
export function quarterOf(date: IsoDate): Quarter {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  const firstMonth = month - ((month - 4 + 12) % 3);
  return quarterStarting(year, firstMonth);
}

function quarterStarting(year: number, firstMonth: number): Quarter {
  const lastMonth = firstMonth + 2;
  const financialYear = firstMonth >= 4 ? year : year - 1;
  const number = firstMonth >= 4 ? (firstMonth - 4) / 3 + 1 : 4;
  return {
    start: `${year}-${pad(firstMonth)}-01` as IsoDate,
    end: `${year}-${pad(lastMonth)}-${pad(lastDayOf(year, lastMonth))}` as IsoDate,
    label: `Q${number} ${financialYear} to ${financialYear + 1}`,
    months: `${MONTH_NAMES[firstMonth - 1]} to ${MONTH_NAMES[lastMonth - 1]} ${year}`,
  };
}

/** The quarter before this one. */
export function previousQuarter(quarter: Quarter): Quarter {
  const year = Number(quarter.start.slice(0, 4));
  const month = Number(quarter.start.slice(5, 7));
  return month === 1 ? quarterStarting(year - 1, 10) : quarterStarting(year, month - 3);
}

/** Whether a date is the first day of a financial quarter (the form a quarter takes in an address). */
export function isQuarterStart(date: string): boolean {
  return /^\d{4}-(01|04|07|10)-01$/.test(date);
}
