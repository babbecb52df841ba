/**
 * Taking a child's identifying details out of free text, so a good audit can be read by other
 * auditors as an exemplar. Two kinds of finding:
 *
 *  - what the records know: the child's names (first, last, full, possessive "Kai's"), names they
 *    are known by that QA typed in, their siblings' names (children of the same family), the
 *    family's surname after a title ("Ms Thompson"), their references (the child's, the family's,
 *    episodes', a placement's URN), dates of birth in any common UK form, and placement postcodes
 *    and providers;
 *  - what has a recognisable shape: any UK postcode, a house number and street ("14 Acacia
 *    Avenue", "Flat 2, 9 Mill Lane"), a phone number, an e-mail address, an NHS number (its check
 *    digit must be right), and any date written next to "born", "DOB" or "date of birth".
 *
 * What it cannot find, and why QA must read every exemplar before it is published: parents',
 * carers', friends' and professionals' names the records do not hold (the case data has children's
 * names only); nicknames and short forms nobody typed in ("Kai" for "Malakai"); schools, nurseries,
 * GP surgeries, towns and streets written without a house number or a street word ("lives near the
 * Broadway"); misspelt names; and details that identify a child only together ("the 14-year-old
 * twin whose father is in prison"). It errs towards replacing too much: a name that is also a word
 * ("Will", "Rose") is replaced wherever it starts with a capital letter.
 *
 * Pure: no I/O. The stand-ins are plain words in square brackets, the same for every match of a kind,
 * so the text still reads ("[child] told the worker…").
 */
import { MONTH_NAMES } from './date-input.ts';

export const REDACTION_KINDS = [
  'child',
  'sibling',
  'family_member',
  'other_name',
  'date_of_birth',
  'reference',
  'nhs_number',
  'email',
  'phone',
  'postcode',
  'address',
  'placement',
] as const;
export type RedactionKind = (typeof REDACTION_KINDS)[number];

/** What each kind is replaced with. */
export const STAND_INS: Record<RedactionKind, string> = {
  child: '[child]',
  sibling: '[sibling]',
  family_member: '[family member]',
  other_name: '[name]',
  date_of_birth: '[date of birth]',
  reference: '[reference]',
  nhs_number: '[NHS number]',
  email: '[email address]',
  phone: '[phone number]',
  postcode: '[postcode]',
  address: '[address]',
  placement: '[placement]',
};

/** How each kind is described to QA ("2 of the child's names"). */
export const REDACTION_KIND_LABELS: Record<RedactionKind, string> = {
  child: 'the child’s name',
  sibling: 'a sibling’s name',
  family_member: 'the family’s name',
  other_name: 'another name QA listed',
  date_of_birth: 'a date of birth',
  reference: 'a case reference',
  nhs_number: 'an NHS number',
  email: 'an email address',
  phone: 'a phone number',
  postcode: 'a postcode',
  address: 'a street address',
  placement: 'a placement provider',
};

export interface KnownPerson {
  firstName: string | null;
  lastName: string | null;
  /** YYYY-MM-DD */
  dateOfBirth?: string | null;
}

/** What the council's records (and QA) know about the child that must not appear in an exemplar. */
export interface KnownIdentifiers {
  child: KnownPerson & {
    /** names the child is known by, typed in by QA: the records hold none */
    knownAs?: readonly string[];
  };
  /** other dates of birth recorded for the child (snapshots can differ), YYYY-MM-DD */
  datesOfBirth?: readonly string[];
  siblings?: readonly KnownPerson[];
  /** other names QA listed: a parent, a carer, a school */
  otherNames?: readonly string[];
  /** the child's, the family's, episodes', placements' */
  references?: readonly string[];
  postcodes?: readonly string[];
  /** placement providers' names */
  placements?: readonly string[];
}

/** One piece of text found and replaced. */
export interface Found {
  kind: RedactionKind;
  start: number;
  end: number;
}

/** A run of text: replaced (with its kind) or kept. */
export interface Segment {
  text: string;
  kind?: RedactionKind;
}

export interface Redacted {
  text: string;
  /** how many of each kind were replaced; never the values */
  counts: Partial<Record<RedactionKind, number>>;
}

const LETTER = '\\p{L}\\p{N}';
const BEFORE = `(?<![${LETTER}])`;
/** before an address: not inside a word, nor after a hyphen or apostrophe (so a long run of "A-A-A…" is
 * not tried from every letter) */
const BEFORE_ADDRESS = String.raw`(?<![\p{L}\p{N}'’\-])`;
const AFTER = `(?![${LETTER}])`;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A name as a pattern: its spaces and hyphens as written or as any run of them, apostrophes either way. */
function namePattern(name: string): string {
  return name
    .trim()
    .split(/[\s]+/)
    .map((part) => escapeRegExp(part).replace(/['’]/g, "['’]").replace(/\\-|-/g, '[-\\s]?'))
    .join('\\s+');
}

function clean(names: readonly (string | null | undefined)[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const n of names) {
    const t = n?.trim() ?? '';
    // one-letter "names" (initials) would match every "A" in the text
    if (t.length < 2 || seen.has(t.toLowerCase())) continue;
    seen.add(t.toLowerCase());
    out.push(t);
  }
  // longest first, so "Kai Thompson" is one match rather than two
  return out.sort((a, b) => b.length - a.length);
}

const MONTH_WORD =
  '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const ORDINAL = '(?:st|nd|rd|th)?';

/** Dates as people write them: 12/03/2015, 12.3.15, 2015-03-12, 12th March 2015, 12 Mar 2015, March 12, 2015. */
const DATE_FORMS = [
  `(\\d{4})-(\\d{1,2})-(\\d{1,2})`,
  `(\\d{1,2})[/.\\-](\\d{1,2})[/.\\-](\\d{4}|\\d{2})`,
  `(\\d{1,2})${ORDINAL}\\s+(?:of\\s+)?${MONTH_WORD}\\.?,?\\s+(\\d{4})`,
  `${MONTH_WORD}\\.?\\s+(\\d{1,2})${ORDINAL},?\\s+(\\d{4})`,
];
const DATE_RE = new RegExp(`${BEFORE}(?:${DATE_FORMS.join('|')})${AFTER}`, 'giu');

function monthNumber(word: string): number {
  const w = word.toLowerCase();
  return MONTH_NAMES.findIndex((m) => m.startsWith(w.slice(0, 3))) + 1;
}

function fullYear(y: string): number {
  if (y.length === 4) return Number(y);
  const n = Number(y);
  return n <= 50 ? 2000 + n : 1900 + n;
}

function iso(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1 || d > 31) return null;
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The date a match of DATE_RE stands for, YYYY-MM-DD, or null when it is no real date. */
function dateOf(m: RegExpExecArray): string | null {
  const g = m.slice(1);
  if (g[0]) return iso(Number(g[0]), Number(g[1]), Number(g[2]));
  if (g[3]) return iso(fullYear(g[5] as string), Number(g[4]), Number(g[3]));
  if (g[6]) return iso(Number(g[8]), monthNumber(g[7] as string), Number(g[6]));
  if (g[9]) return iso(Number(g[11]), monthNumber(g[9]), Number(g[10]));
  return null;
}

const BIRTH_CONTEXT = /(?:born|birth|d\.?\s?o\.?\s?b\.?|dob)\W{0,3}(?:on\s+|is\s+|was\s+)?$/i;

const POSTCODE_RE = new RegExp(
  `${BEFORE}(?:[A-PR-UWYZ](?:\\d{1,2}|[A-HK-Y]\\d{1,2}|\\d[A-HJKS-UW]|[A-HK-Y]\\d[ABEHMNPRV-Y])\\s?\\d[ABD-HJLNP-UW-Z]{2})${AFTER}`,
  'gu',
);

const STREET_WORDS =
  'Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Crescent|Cres|Place|Pl|Gardens|Gdns|Terrace|Grove|Hill|Park|Square|Sq|View|Walk|Rise|Mews|Row|Parade|Green|Vale|Mansions|Heights|Wharf';
/** "14 Acacia Avenue", "14a Mill Lane", "Flat 2, 9 Mill Lane", "14 St John's Road" */
const ADDRESS_RE = new RegExp(
  `${BEFORE_ADDRESS}(?:(?:Flat|Apartment|Apt|Unit)\\s+\\d+[A-Za-z]?,?\\s+)?\\d{1,4}[A-Za-z]?,?\\s+(?:[A-Z][\\p{L}'’\\-]*\\.?\\s+){1,3}(?:${STREET_WORDS})${AFTER}\\.?`,
  'gu',
);
/** a street without a number, only with the words that are seldom anything else: "on Acacia Avenue" */
const STREET_RE = new RegExp(
  `${BEFORE_ADDRESS}(?:[A-Z][\\p{L}'’\\-]+\\s+){1,2}(?:Road|Street|Avenue|Lane|Close|Crescent|Gardens|Terrace|Grove|Mews)${AFTER}`,
  'gu',
);

const EMAIL_RE = /(?<![A-Za-z0-9._%+'-])[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
/** UK numbers: 01234 567890, 07700 900123, +44 7700 900123, (020) 7946 0000 */
const PHONE_RE = new RegExp(
  `${BEFORE}(?:\\+44\\s?\\(?0?\\)?\\s?|\\(?0)\\d{2,4}\\)?[\\s-]?\\d{3,4}[\\s-]?\\d{3,4}${AFTER}`,
  'gu',
);
const NHS_RE = new RegExp(`${BEFORE}\\d{3}[\\s-]?\\d{3}[\\s-]?\\d{4}${AFTER}`, 'gu');

/** The NHS number's modulus 11 check digit. */
export function isNhsNumber(text: string): boolean {
  const digits = text.replace(/\D/g, '');
  if (digits.length !== 10) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (10 - i);
  const check = 11 - (sum % 11);
  const expected = check === 11 ? 0 : check;
  return expected !== 10 && expected === Number(digits[9]);
}

/**
 * Every identifying detail found in the text, earliest first, overlaps resolved (the earlier, then
 * the longer, then the kind listed first in REDACTION_KINDS wins).
 */
export function findIdentifiers(
  text: string,
  known: KnownIdentifiers,
  options: { anyCase?: boolean } = {},
): Found[] {
  const found: Found[] = [];
  const add = (kind: RedactionKind, start: number, end: number) => {
    if (end > start) found.push({ kind, start, end });
  };
  /** names match in any case but must start with a capital letter as written, as names do (except
   * for the check before publishing, which takes "kai" as well: a name typed carelessly is still a name) */
  const names = (kind: RedactionKind, list: readonly string[]) => {
    for (const name of list) {
      const re = new RegExp(`${BEFORE}${namePattern(name)}${AFTER}`, 'giu');
      for (const m of text.matchAll(re)) {
        const first = m[0][0] ?? '';
        if (!options.anyCase && first !== first.toUpperCase()) continue;
        add(kind, m.index, m.index + m[0].length);
      }
    }
  };
  const literal = (kind: RedactionKind, list: readonly string[], flexibleSpaces = false) => {
    for (const value of list) {
      const pattern = flexibleSpaces
        ? escapeRegExp(value.replace(/\s+/g, '')).split('').join('\\s?')
        : escapeRegExp(value);
      const re = new RegExp(`${BEFORE}${pattern}${AFTER}`, 'giu');
      for (const m of text.matchAll(re)) add(kind, m.index, m.index + m[0].length);
    }
  };

  const child = known.child;
  const childFull = [child.firstName, child.lastName].filter(Boolean).join(' ');
  names('child', clean([childFull, child.firstName, ...(child.knownAs ?? [])]));
  const surnames = clean([child.lastName, ...(known.siblings ?? []).map((s) => s.lastName)]);
  // a title and the surname: a parent or another relative
  for (const surname of surnames) {
    const re = new RegExp(`${BEFORE}(?:Mr|Mrs|Ms|Miss|Mx|Dr)\\.?\\s+${namePattern(surname)}${AFTER}`, 'gu');
    for (const m of text.matchAll(re)) add('family_member', m.index, m.index + m[0].length);
  }
  // the surname alone: the child's (it is their name too)
  names('child', clean([child.lastName]));
  const siblings = known.siblings ?? [];
  names('sibling', clean(siblings.map((s) => [s.firstName, s.lastName].filter(Boolean).join(' '))));
  names('sibling', clean(siblings.map((s) => s.firstName)));
  names('family_member', clean(siblings.map((s) => s.lastName)));
  names('other_name', clean(known.otherNames ?? []));
  names('placement', clean(known.placements ?? []));
  literal('reference', clean(known.references ?? []));
  literal('postcode', clean(known.postcodes ?? []), true);

  const birthDates = new Set(
    [child.dateOfBirth, ...(known.datesOfBirth ?? []), ...siblings.map((s) => s.dateOfBirth)].filter(
      (d): d is string => Boolean(d),
    ),
  );
  for (const m of text.matchAll(DATE_RE)) {
    const date = dateOf(m);
    const before = text.slice(Math.max(0, m.index - 30), m.index);
    if ((date && birthDates.has(date)) || BIRTH_CONTEXT.test(before)) {
      add('date_of_birth', m.index, m.index + m[0].length);
    }
  }
  for (const m of text.matchAll(EMAIL_RE)) add('email', m.index, m.index + m[0].length);
  for (const m of text.matchAll(NHS_RE)) {
    if (isNhsNumber(m[0])) add('nhs_number', m.index, m.index + m[0].length);
  }
  for (const m of text.matchAll(PHONE_RE)) {
    if (m[0].replace(/\D/g, '').length >= 10) add('phone', m.index, m.index + m[0].length);
  }
  for (const m of text.matchAll(POSTCODE_RE)) add('postcode', m.index, m.index + m[0].length);
  for (const m of text.matchAll(ADDRESS_RE)) add('address', m.index, m.index + m[0].length);
  for (const m of text.matchAll(STREET_RE)) add('address', m.index, m.index + m[0].length);

  const rank = (k: RedactionKind) => REDACTION_KINDS.indexOf(k);
  found.sort((a, b) => a.start - b.start || b.end - a.end || rank(a.kind) - rank(b.kind));
  const kept: Found[] = [];
  for (const f of found) {
    const last = kept.at(-1);
    if (last && f.start < last.end) {
      // an overlap: a longer later match swallows the earlier ("14 Acacia Avenue" over "Acacia Avenue")
      if (f.end > last.end) last.end = f.end;
      continue;
    }
    kept.push({ ...f });
  }
  return kept;
}

/** The text cut into runs: what is kept, and what would be replaced with its kind. */
export function segments(text: string, found: readonly Found[]): Segment[] {
  const out: Segment[] = [];
  let at = 0;
  for (const f of found) {
    if (f.start > at) out.push({ text: text.slice(at, f.start) });
    out.push({ text: text.slice(f.start, f.end), kind: f.kind });
    at = f.end;
  }
  if (at < text.length) out.push({ text: text.slice(at) });
  return out;
}

/** The text with each identifying detail replaced by its stand-in, and how many of each kind. */
export function redact(text: string, known: KnownIdentifiers): Redacted {
  const found = findIdentifiers(text, known);
  const counts: Partial<Record<RedactionKind, number>> = {};
  for (const f of found) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
  const out = segments(text, found)
    .map((s) => (s.kind ? STAND_INS[s.kind] : s.text))
    .join('');
  return { text: out, counts };
}

/** Adds one set of counts to another. */
export function addCounts(
  into: Partial<Record<RedactionKind, number>>,
  more: Partial<Record<RedactionKind, number>>,
): Partial<Record<RedactionKind, number>> {
  for (const [k, n] of Object.entries(more) as [RedactionKind, number][]) into[k] = (into[k] ?? 0) + n;
  return into;
}

const STAND_IN_RE = new RegExp(
  Object.values(STAND_INS)
    .map((s) => escapeRegExp(s))
    .join('|'),
  'g',
);

/** Redacted text cut into runs, with each stand-in marked, to highlight what was replaced. */
export function standInSegments(text: string): Segment[] {
  const kindOf = new Map(Object.entries(STAND_INS).map(([k, v]) => [v, k as RedactionKind]));
  const found: Found[] = [...text.matchAll(STAND_IN_RE)].map((m) => ({
    kind: kindOf.get(m[0]) as RedactionKind,
    start: m.index,
    end: m.index + m[0].length,
  }));
  return segments(text, found);
}
