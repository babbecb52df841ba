/** A run of calendar months, as every report and figure is asked for. */
import { addMonths, type IsoDate } from './dates.ts';

/** Calendar months, each written as its first day ('2026-04-01'), inclusive. */
export interface MonthRange {
  from: IsoDate;
  to: IsoDate;
}

/** Every calendar month from one to another (first days), inclusive. */
export function monthsOf(range: MonthRange): IsoDate[] {
  const out: IsoDate[] = [];
  for (let m = range.from; m <= range.to; m = addMonths(m, 1)) out.push(m);
  return out;
}

/** "2026-04" → { from: '2026-04-01', … }: months written YYYY-MM as a range of first days. */
export function monthRange(from: string, to: string): MonthRange {
  return { from: `${from}-01`, to: `${to}-01` };
}

/** The same months a year earlier. */
export function previousYear(range: MonthRange): MonthRange {
  return { from: addMonths(range.from, -12), to: addMonths(range.to, -12) };
}
