import { type IsoDate, isRealDate, toIsoDate } from '../domain/dates.ts';

/** A header as written in any case, spacing or punctuation: "Child ID", "child_id", "CHILD-ID" → "child_id". */
export function normaliseHeader(header: string): string {
  return header
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

const EXCEL_EPOCH = Date.UTC(1899, 11, 30);

/**
 * A date as councils' files write them: ISO (2026-04-01), UK style (01/04/2026, 1/4/2026) or an
 * Excel serial number (46113). Undefined when it is none of these or not a real date.
 */
export function parseDate(text: string): IsoDate | undefined {
  const value = text.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/.exec(value);
  const uk = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  let candidate: string | undefined;
  if (iso) candidate = `${iso[1]}-${iso[2]}-${iso[3]}`;
  else if (uk) candidate = `${uk[3]}-${uk[2].padStart(2, '0')}-${uk[1].padStart(2, '0')}`;
  else if (/^\d{4,5}(\.\d+)?$/.test(value)) {
    const serial = Math.floor(Number(value));
    if (serial < 1 || serial > 80000) return undefined;
    return toIsoDate(new Date(EXCEL_EPOCH + serial * 86_400_000));
  }
  return candidate && isRealDate(candidate) ? candidate : undefined;
}

/** A month written YYYY-MM (or a date in it): the first of the month, or undefined. */
export function parseMonth(text: string): IsoDate | undefined {
  const value = text.trim();
  const match = value.match(/^(\d{4})-(0[1-9]|1[0-2])$/);
  if (match) return `${match[1]}-${match[2]}-01`;
  const date = parseDate(value);
  return date ? `${date.slice(0, 7)}-01` : undefined;
}
