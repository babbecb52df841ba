/** Plain calendar dates as 'YYYY-MM-DD' text, computed in UTC so no time zone shifts a day. */
export type IsoDate = string;

export function toIsoDate(d: Date): IsoDate {
  return d.toISOString().slice(0, 10);
}

/** True only for a real calendar date written YYYY-MM-DD (not 2026-02-30), years 1900 to 2199. */
export function isRealDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1900 || y > 2199) return false;
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** Today's date in England (the council's day), whatever the server's time zone. */
export function todayInLondon(now = new Date()): IsoDate {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/London',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return toIsoDate(d);
}

export function addMonths(date: IsoDate, months: number): IsoDate {
  const d = new Date(`${date}T00:00:00Z`);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, lastDay));
  return toIsoDate(d);
}

/** whole years between a date of birth and a date */
export function ageOn(dateOfBirth: IsoDate, on: IsoDate): number {
  const [by, bm, bd] = dateOfBirth.split('-').map(Number);
  const [y, m, d] = on.split('-').map(Number);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/**
 * "22 November 2026", the GOV.UK date style: the one way QA Loop writes a date to a person. Takes a
 * date written YYYY-MM-DD (a timestamp's date part too) or a Date. Text that is no such date is
 * given back as it is, never as "Invalid Date"; a Date that is no date is empty.
 */
export function formatDate(date: IsoDate | Date | null | undefined): string {
  if (!date) return '';
  let d: Date;
  if (typeof date === 'string') {
    const day = /^(\d{4}-\d{2}-\d{2})(?:$|[T ])/.exec(date.trim())?.[1];
    if (!day || !isRealDate(day)) return date;
    d = new Date(`${day}T00:00:00Z`);
  } else {
    d = date;
  }
  if (Number.isNaN(d.getTime())) return '';
  return DATE_FORMAT.format(d);
}

// Made once: toLocaleString with options builds a new formatter on every call, which was a tenth of
// the time of rendering a page with a list of dates.
const DATE_FORMAT = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});
const DATE_TIME_FORMAT = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  hour12: true,
  timeZone: 'Europe/London',
});

/** "22 November 2026, 3:05pm" in England's time. A Date that is no date is empty. */
export function formatDateTime(date: Date | null | undefined): string {
  if (!date || Number.isNaN(date.getTime())) return '';
  return DATE_TIME_FORMAT.format(date);
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

/** "November 2026" */
export function monthName(month: IsoDate): string {
  const [y, m] = month.split('-').map(Number);
  return `${MONTH_NAMES[m - 1]} ${y}`;
}

/** "2026–27" for a year starting April 2026; "2026" for a calendar year. */
export function yearName(startsOn: IsoDate): string {
  const [y, m] = startsOn.split('-').map(Number);
  return m === 1 ? String(y) : `${y}–${String((y + 1) % 100).padStart(2, '0')}`;
}
