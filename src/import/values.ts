import type { Gender } from '../data/schema.ts';
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

/**
 * A coded value without the letter Ofsted's templates put before it: "a) Male" → "Male",
 * "p1) 5D: LA services" → "5D: LA services". Text without such a prefix is returned trimmed.
 */
export function stripCodePrefix(text: string): string {
  return text.trim().replace(/^\(?[a-z]{1,2}\d?\)\s*(?=\S)/i, '');
}

const YES = new Set(['yes', 'y', 'true', 't', '1']);
const NO = new Set(['no', 'n', 'false', 'f', '0']);
const NOT_KNOWN = new Set(['unknown', 'not known', 'not recorded', 'not stated', 'n/a', 'na']);

/**
 * A yes/no answer as councils write it ("Yes", "Y", "a) Yes", "TRUE", "1"): true or false; null
 * when blank or not known ("c) Unknown"); undefined when it is not an answer at all.
 */
export function parseYesNo(text: string): boolean | null | undefined {
  const value = stripCodePrefix(text).toLowerCase();
  if (!value || NOT_KNOWN.has(value)) return null;
  if (YES.has(value)) return true;
  if (NO.has(value)) return false;
  return undefined;
}

const GENDERS: Record<string, Gender> = {
  male: 'male',
  m: 'male',
  '1': 'male',
  boy: 'male',
  female: 'female',
  f: 'female',
  '2': 'female',
  girl: 'female',
  unknown: 'unknown',
  u: 'unknown',
  '0': 'unknown',
  '9': 'unknown',
  indeterminate: 'unknown',
  'unknown/indeterminate': 'unknown',
  'not known': 'unknown',
  'not stated': 'unknown',
  'not recorded': 'unknown',
  'not stated/recorded': 'unknown',
  'not specified': 'unknown',
  other: 'other',
  neither: 'other',
  o: 'other',
};

/**
 * A child's gender as Annex A and case management systems write it: "a) Male", "b) Female",
 * "c) Unknown/Indeterminate", "d) Neither", M/F, or the CIN census codes 1, 2, 0 and 9. Null when
 * blank; undefined when it is none of these.
 */
export function parseGender(text: string): Gender | null | undefined {
  const value = stripCodePrefix(text).toLowerCase().replace(/\s+/g, ' ');
  if (!value) return null;
  return GENDERS[value] ?? GENDERS[value.replace(/\s*\/\s*/g, '/')];
}

/** The DfE's ethnicity codes with their descriptions. */
export const ETHNICITY_CODES = {
  WBRI: 'White British',
  WIRI: 'White Irish',
  WIRT: 'Traveller of Irish heritage',
  WOTH: 'Any other White background',
  WROM: 'Gypsy/Roma',
  MWBC: 'White and Black Caribbean',
  MWBA: 'White and Black African',
  MWAS: 'White and Asian',
  MOTH: 'Any other Mixed background',
  AIND: 'Indian',
  APKN: 'Pakistani',
  ABAN: 'Bangladeshi',
  AOTH: 'Any other Asian background',
  BCRB: 'Caribbean',
  BAFR: 'African',
  BOTH: 'Any other Black background',
  CHNE: 'Chinese',
  OOTH: 'Any other ethnic group',
  REFU: 'Refused',
  NOBT: 'Information not yet obtained',
} as const;

export type EthnicityCode = keyof typeof ETHNICITY_CODES;

const words = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

/** Descriptions as councils write them, by their words: "White - British" → "white british". */
const ETHNICITY_WORDS: Record<string, EthnicityCode> = {
  ...Object.fromEntries(Object.entries(ETHNICITY_CODES).map(([code, label]) => [words(label), code])),
  british: 'WBRI',
  irish: 'WIRI',
  'white other': 'WOTH',
  'other white': 'WOTH',
  gypsy: 'WROM',
  roma: 'WROM',
  'gypsy roma': 'WROM',
  'mixed white and black caribbean': 'MWBC',
  'mixed white and black african': 'MWBA',
  'mixed white and asian': 'MWAS',
  'mixed other': 'MOTH',
  'other mixed': 'MOTH',
  'any other mixed': 'MOTH',
  'asian indian': 'AIND',
  'asian pakistani': 'APKN',
  'asian bangladeshi': 'ABAN',
  'asian other': 'AOTH',
  'other asian': 'AOTH',
  'black caribbean': 'BCRB',
  'black african': 'BAFR',
  'black other': 'BOTH',
  'other black': 'BOTH',
  'other ethnic group': 'OOTH',
  other: 'OOTH',
  declined: 'REFU',
  'not obtained': 'NOBT',
  'not yet obtained': 'NOBT',
  'not known': 'NOBT',
  unknown: 'NOBT',
};

/**
 * A DfE ethnicity code from what a file holds: the code itself ("WBRI", "a) WBRI"), the code at
 * the start of a longer label ("WBRI - White British") or in brackets ("White British (WBRI)"),
 * or the description's words ("White British", "White - Irish", "Black African").
 * Null when blank; undefined when no code can be read.
 */
export function parseEthnicity(text: string): EthnicityCode | null | undefined {
  const value = stripCodePrefix(text);
  if (!value) return null;
  const isCode = (c: string | undefined): c is EthnicityCode =>
    c !== undefined && Object.hasOwn(ETHNICITY_CODES, c);
  const lead = /^([A-Za-z]{4})(?![A-Za-z])/.exec(value)?.[1]?.toUpperCase();
  if (isCode(lead)) return lead;
  const bracketed = /\(([A-Za-z]{4})\)/.exec(value)?.[1]?.toUpperCase();
  if (isCode(bracketed)) return bracketed;
  return ETHNICITY_WORDS[words(value)];
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * A date as exports from case management and BI tools also write them, beyond what parseDate
 * reads: with a time after it ("01/04/2026 00:00:00"), with dashes or dots (01-04-2026,
 * 01.04.2026) or with the month's name ("1 April 2026", "01-Apr-2026"). Two-digit years are
 * not guessed. Undefined when it is not a real date.
 */
export function parseDateLenient(text: string): IsoDate | undefined {
  const value = text
    .trim()
    .replace(/[T\s]+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(\s*[ap]m)?(Z|[+-]\d{2}:?\d{2})?$/i, '');
  const direct = parseDate(value);
  if (direct) return direct;
  const numeric = /^(\d{1,2})[-.](\d{1,2})[-.](\d{4})$/.exec(value);
  if (numeric) return parseDate(`${numeric[1]}/${numeric[2]}/${numeric[3]}`);
  const named = /^(\d{1,2})[\s-]+([a-z]{3,9})[\s-]+(\d{4})$/i.exec(value);
  if (named) {
    const name = named[2].toLowerCase();
    const month = MONTHS.indexOf(name.slice(0, 3)) + 1;
    const full = new Date(Date.UTC(2000, month - 1, 1))
      .toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' })
      .toLowerCase();
    if (month > 0 && (name.length === 3 || name === full || (name === 'sept' && month === 9)))
      return parseDate(`${named[1]}/${month}/${named[3]}`);
  }
  return undefined;
}

/** What extracts write in the worker or team column when nobody holds the case. */
const NOBODY = /^(unallocated|not allocated|no allocated worker|no worker|none|n\/?a|-+|tbc|tba|vacant)$/i;

/** True when a worker or team cell says nobody holds the case ("Unallocated", "N/A", "TBC"…). */
export function meansNobody(text: string): boolean {
  return NOBODY.test(text.trim());
}

/**
 * The error values Excel writes into a cell whose formula failed (a lookup that found nothing, a
 * reference to a deleted sheet), as they reach a CSV file or a workbook's cached result.
 */
export const EXCEL_ERROR_VALUES = [
  '#N/A',
  '#REF!',
  '#VALUE!',
  '#DIV/0!',
  '#NAME?',
  '#NULL!',
  '#NUM!',
  '#GETTING_DATA',
  '#SPILL!',
  '#CALC!',
  '#FIELD!',
  '#BLOCKED!',
  '#CONNECT!',
  '#BUSY!',
  '#UNKNOWN!',
] as const;

const EXCEL_ERRORS = new Set<string>(EXCEL_ERROR_VALUES);

/** The Excel error value a cell holds ("#N/A", "#REF!"…), as Excel writes it, or undefined. */
export function excelError(text: string): string | undefined {
  const value = text.trim().toUpperCase();
  return EXCEL_ERRORS.has(value) ? value : undefined;
}

/** The row error for a field that must be given but holds an Excel error value. */
export function excelErrorMessage(error: string, about: string): string {
  return `The cell holds Excel's error value ${error}, not ${about}: a formula in the spreadsheet failed. Correct the formula or type the value in, then import the file again`;
}

/**
 * How far after the extract's date a child's date of birth may be: an unborn child can be on a
 * child protection plan or in need, due within a pregnancy's months; anything later is a mistake.
 */
export const BORN_WITHIN_MONTHS = 10;
