/**
 * A date typed into the GOV.UK date input: day, month and year in three fields. The messages follow
 * the design system's date input guidance, and the parts named in an error are the fields to
 * highlight.
 */
import { formatDate, type IsoDate, isRealDate } from './dates.ts';

export type DatePart = 'day' | 'month' | 'year';

export interface DateParts {
  day?: unknown;
  month?: unknown;
  year?: unknown;
}

export type ParsedDateInput =
  | { ok: true; value: IsoDate | null }
  | { ok: false; message: string; parts: DatePart[] };

/** The months' names in lower case, January first (also read by src/domain/redaction.ts). */
export const MONTH_NAMES: readonly string[] = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/** A month as a number, from "4", "04", "Apr" or "April". */
function monthNumber(value: string): number | undefined {
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const lower = value.toLowerCase();
  const index = MONTH_NAMES.findIndex((m) => lower.length >= 3 && m.startsWith(lower));
  return index >= 0 ? index + 1 : undefined;
}

/** "a day", "a day and month", "a day, month and year" */
function listOf(parts: DatePart[]): string {
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/**
 * Reads a date from its three fields. `label` names the date in messages ("The date they were
 * trained"). Left empty, it is null when optional, an error when not. `notAfter`: the latest date
 * allowed (today, for something that has happened).
 */
export function parseDateInput(
  input: DateParts,
  options: { label: string; required?: boolean; notAfter?: IsoDate },
): ParsedDateInput {
  const values = { day: text(input.day), month: text(input.month), year: text(input.year) };
  const missing = (['day', 'month', 'year'] as const).filter((p) => values[p] === '');
  if (missing.length === 3) {
    return options.required
      ? { ok: false, message: `Enter ${options.label.toLowerCase()}`, parts: ['day', 'month', 'year'] }
      : { ok: true, value: null };
  }
  if (missing.length) {
    return { ok: false, message: `${options.label} must include a ${listOf(missing)}`, parts: missing };
  }
  if (!/^\d{4}$/.test(values.year)) {
    return { ok: false, message: 'Year must include 4 numbers', parts: ['year'] };
  }
  const day = /^\d{1,2}$/.test(values.day) ? Number(values.day) : undefined;
  const month = monthNumber(values.month);
  const iso =
    day !== undefined && month !== undefined
      ? `${values.year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
      : '';
  if (!isRealDate(iso)) {
    return { ok: false, message: `${options.label} must be a real date`, parts: ['day', 'month', 'year'] };
  }
  if (options.notAfter && iso > options.notAfter) {
    return {
      ok: false,
      message: `${options.label} must be today or in the past`,
      parts: ['day', 'month', 'year'],
    };
  }
  return { ok: true, value: iso };
}

/** The three fields' values for a stored date, to fill the date input in again. */
export function dateParts(date: IsoDate | null): { day: string; month: string; year: string } {
  if (!date) return { day: '', month: '', year: '' };
  const [year, month, day] = date.split('-');
  return { day: String(Number(day)), month: String(Number(month)), year };
}

/**
 * A date as typed into the three fields, for reading back (a draft, a check page): "20 November
 * 2026" when it is a real date, else what was typed with a word that it is not a date yet ("20 13
 * 2026 (not a real date)"); empty when nothing was typed.
 */
export function typedDateText(input: DateParts): string {
  const values = [text(input.day), text(input.month), text(input.year)];
  if (values.every((v) => v === '')) return '';
  const parsed = parseDateInput(input, { label: 'The date' });
  if (parsed.ok && parsed.value) return formatDate(parsed.value);
  return `${values.map((v) => v || '?').join(' ')} (not a real date)`;
}
