/**
 * The working-day calendar: which days count when a cycle's phases are measured in working days.
 *
 * A working day is a Monday to Friday that is neither an England and Wales bank holiday nor one of the
 * council's own closure days (for example the days between Christmas and New Year).
 *
 * Everything here is plain 'YYYY-MM-DD' date maths in UTC (see dates.ts), so no server time zone can
 * shift a day. The only outside source is the `date-holidays` library's table of bank holidays.
 */
import Holidays from 'date-holidays';
import { addDays, type IsoDate } from './dates.ts';

export interface BankHoliday {
  date: IsoDate;
  name: string;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function assertIsoDate(date: IsoDate, what = 'date'): void {
  if (typeof date !== 'string' || !ISO_DATE.test(date)) {
    throw new RangeError(`The ${what} must be a date like 2026-04-01, not ${JSON.stringify(date)}`);
  }
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== date) {
    throw new RangeError(`The ${what} ${date} is not a real date`);
  }
}

function assertWholeNumber(n: number, min: number, what: string): void {
  if (!Number.isInteger(n) || n < min) {
    throw new RangeError(`${what} must be a whole number of at least ${min}, not ${n}`);
  }
}

/** 0 = Sunday … 6 = Saturday */
function dayOfWeek(date: IsoDate): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

let holidaysLibrary: Holidays | undefined;
const bankHolidaysByYear = new Map<number, ReadonlyMap<IsoDate, string>>();

function bankHolidayTable(year: number): ReadonlyMap<IsoDate, string> {
  let table = bankHolidaysByYear.get(year);
  if (!table) {
    holidaysLibrary ??= new Holidays('GB', 'ENG', { languages: ['en'] });
    const entries: [IsoDate, string][] = holidaysLibrary
      .getHolidays(year)
      .filter((h) => h.type === 'public')
      // The library's `date` is the local calendar day ('2026-12-28 00:00:00'); its `start` is an instant
      // that can fall on the previous day in UTC during British Summer Time, so read the text.
      .map((h): [IsoDate, string] => [h.date.slice(0, 10), h.name.replaceAll("'", '’')])
      // A holiday falling at a weekend (Christmas Day 2022 was a Sunday) is not itself a bank holiday:
      // the substitute weekday the library also lists is.
      .filter(([date]) => dayOfWeek(date) !== 0 && dayOfWeek(date) !== 6)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    table = new Map(entries);
    bankHolidaysByYear.set(year, table);
  }
  return table;
}

/**
 * England and Wales bank holidays in a year, in date order, as GOV.UK lists them: substitute days
 * included ('Christmas Day (substitute day)'), one-off days included (the 2022 funeral, the 2023
 * coronation), and weekend days that are only nominally holidays left out. Cached per year.
 */
export function bankHolidays(year: number): BankHoliday[] {
  assertWholeNumber(year, 1, 'The year');
  return [...bankHolidayTable(year)].map(([date, name]) => ({ date, name }));
}

/** The bank holiday's name if the date is an England and Wales bank holiday, otherwise undefined. */
export function bankHolidayOn(date: IsoDate): string | undefined {
  assertIsoDate(date);
  return bankHolidayTable(Number(date.slice(0, 4))).get(date);
}

export interface WorkingDayCalendarOptions {
  /** the council's own closure days, e.g. 2026-12-29, 2026-12-30, 2026-12-31 */
  closureDays?: readonly IsoDate[];
}

/**
 * A council's working-day calendar: weekends, England and Wales bank holidays and its own closure days
 * are not working days. Immutable; cheap to build.
 *
 * Counting rules, used throughout:
 * - A span of n working days "beginning on" a date begins on the first working day on or after that
 *   date, and counts that day as day 1. So 5 working days beginning Monday 1 June 2026 end on Friday
 *   5 June; beginning on Good Friday 2026 (3 April) they begin on Tuesday 7 April and end on Monday 13 April.
 * - Counts between two dates include both ends.
 */
export class WorkingDayCalendar {
  readonly closureDays: readonly IsoDate[];
  readonly #closures: ReadonlySet<IsoDate>;

  constructor(options: WorkingDayCalendarOptions = {}) {
    const closures = options.closureDays ?? [];
    for (const d of closures) assertIsoDate(d, 'closure day');
    this.#closures = new Set(closures);
    this.closureDays = Object.freeze([...this.#closures].sort());
  }

  /** Is the date a working day? */
  isWorkingDay(date: IsoDate): boolean {
    return this.reasonNotWorking(date) === undefined;
  }

  /**
   * Why the date is not a working day: 'Saturday', 'Sunday', the bank holiday's name (e.g. 'Easter
   * Monday') or 'Council closure day'; undefined when it is a working day.
   */
  reasonNotWorking(date: IsoDate): string | undefined {
    assertIsoDate(date);
    const dow = dayOfWeek(date);
    if (dow === 6) return 'Saturday';
    if (dow === 0) return 'Sunday';
    const holiday = bankHolidayTable(Number(date.slice(0, 4))).get(date);
    if (holiday) return holiday;
    if (this.#closures.has(date)) return 'Council closure day';
    return undefined;
  }

  /** The date itself if it is a working day, otherwise the next working day after it. */
  firstWorkingDayOnOrAfter(date: IsoDate): IsoDate {
    let d = date;
    while (!this.isWorkingDay(d)) d = addDays(d, 1);
    return d;
  }

  /** The date itself if it is a working day, otherwise the last working day before it. */
  lastWorkingDayOnOrBefore(date: IsoDate): IsoDate {
    let d = date;
    while (!this.isWorkingDay(d)) d = addDays(d, -1);
    return d;
  }

  /**
   * The last working day of a span of `workingDays` working days beginning at the first working day
   * on or after `start` (which counts as day 1). endOfSpan(Monday, 5) is that Friday when the week has
   * no holidays; endOfSpan(d, 1) is firstWorkingDayOnOrAfter(d). `workingDays` must be a whole number ≥ 1.
   */
  endOfSpan(start: IsoDate, workingDays: number): IsoDate {
    assertWholeNumber(workingDays, 1, 'The number of working days');
    let d = this.firstWorkingDayOnOrAfter(start);
    for (let counted = 1; counted < workingDays; counted++) {
      d = this.firstWorkingDayOnOrAfter(addDays(d, 1));
    }
    return d;
  }

  /**
   * The working day that is n working days after `date`, not counting `date` itself: "within 2 working
   * days of Friday 3 July 2026" is Tuesday 7 July. addWorkingDays(d, 0) is d unchanged. n must be a
   * whole number ≥ 0.
   */
  addWorkingDays(date: IsoDate, n: number): IsoDate {
    assertWholeNumber(n, 0, 'The number of working days');
    assertIsoDate(date);
    return n === 0 ? date : this.endOfSpan(addDays(date, 1), n);
  }

  /** How many working days there are from `from` to `to`, counting both; 0 when `to` is before `from`. */
  workingDaysBetween(from: IsoDate, to: IsoDate): number {
    assertIsoDate(from);
    assertIsoDate(to);
    let count = 0;
    for (let d = from; d <= to; d = addDays(d, 1)) {
      if (this.isWorkingDay(d)) count++;
    }
    return count;
  }
}
