/**
 * The groups of the equality view (domain.md §1): a child's characteristics as recorded, put into
 * the groups the DfE publishes children's social care figures by, so a council can see whether
 * practice is worse for any group of children.
 *
 * - Ethnicity: the census code's major group (White, Mixed, Asian or Asian British, Black or Black
 *   British, Chinese, Any other ethnic group); refused, not yet obtained and blank are "Not recorded".
 * - Age: the CIN census bands, at the first day of the audit's month.
 * - Gender, disability and UASC in words.
 */
import { ageOn, type IsoDate } from './dates.ts';

export const NOT_RECORDED = 'Not recorded';

/** The DfE's major ethnic groups, in the order the DfE lists them, then "Not recorded". */
export const ETHNIC_GROUPS = [
  'White',
  'Mixed',
  'Asian or Asian British',
  'Black or Black British',
  'Chinese',
  'Any other ethnic group',
  NOT_RECORDED,
] as const;

export type EthnicGroup = (typeof ETHNIC_GROUPS)[number];

/** The major group of each census code's first letter (extended codes keep the major group's letter). */
const GROUP_BY_LETTER: Record<string, EthnicGroup> = {
  W: 'White',
  M: 'Mixed',
  A: 'Asian or Asian British',
  B: 'Black or Black British',
  C: 'Chinese',
  O: 'Any other ethnic group',
};

/** Codes that say the ethnicity is not known. */
const NOT_KNOWN_CODES = new Set(['REFU', 'NOBT']);

/**
 * The major group of a DfE ethnicity code ("WBRI" → White, "MWBC" → Mixed, "CHNE" → Chinese);
 * refused (REFU), not yet obtained (NOBT), blank and anything that is not a four-letter code are
 * "Not recorded". Extended codes (such as WENG or OAFG) go to the group of their first letter.
 */
export function ethnicGroup(code: string | null | undefined): EthnicGroup {
  const value = (code ?? '').trim().toUpperCase();
  if (!/^[A-Z]{4}$/.test(value) || NOT_KNOWN_CODES.has(value)) return NOT_RECORDED;
  return GROUP_BY_LETTER[value[0]] ?? NOT_RECORDED;
}

/** The age bands of the children in need census, youngest first, then "Not recorded". */
export const AGE_BANDS = [
  'Under 1',
  '1 to 4',
  '5 to 9',
  '10 to 15',
  '16 to 17',
  '18 and over',
  NOT_RECORDED,
] as const;

export type AgeBand = (typeof AGE_BANDS)[number];

/**
 * The child's age band at the audit's month: their age in whole years on the month's first day (a
 * child turning 5 during the month is still 1 to 4). "Not recorded" without a date of birth; a child
 * born later in the month is under 1.
 */
export function ageBand(dateOfBirth: IsoDate | null | undefined, month: IsoDate): AgeBand {
  if (!dateOfBirth) return NOT_RECORDED;
  const age = ageOn(dateOfBirth.slice(0, 10), `${month.slice(0, 7)}-01`);
  if (age < 1) return 'Under 1';
  if (age <= 4) return '1 to 4';
  if (age <= 9) return '5 to 9';
  if (age <= 15) return '10 to 15';
  if (age <= 17) return '16 to 17';
  return '18 and over';
}

export const GENDER_GROUPS = ['Female', 'Male', 'Other', 'Not known', NOT_RECORDED] as const;

export type GenderGroup = (typeof GENDER_GROUPS)[number];

const GENDER_WORDS: Record<string, GenderGroup> = {
  female: 'Female',
  male: 'Male',
  other: 'Other',
  unknown: 'Not known',
};

/** A child's gender in words: "unknown" (unknown or indeterminate) is "Not known"; blank is "Not recorded". */
export function genderGroup(gender: string | null | undefined): GenderGroup {
  return GENDER_WORDS[(gender ?? '').trim().toLowerCase()] ?? NOT_RECORDED;
}

export const YES_NO_GROUPS = ['Yes', 'No', NOT_RECORDED] as const;

export type YesNoGroup = (typeof YES_NO_GROUPS)[number];

/** A yes/no characteristic (disability, UASC) in words. */
export function yesNoGroup(value: boolean | null | undefined): YesNoGroup {
  return value === true ? 'Yes' : value === false ? 'No' : NOT_RECORDED;
}

/** What the equality view needs to know of a child, as the report rows hold it. */
export interface ChildCharacteristics {
  ethnicity: string | null;
  disability: boolean | null;
  uasc: boolean | null;
  gender: string | null;
  date_of_birth: IsoDate | null;
}

export type CharacteristicKey = 'ethnicity' | 'disability' | 'uasc' | 'gender' | 'ageBand';

export interface Characteristic {
  key: CharacteristicKey;
  name: string;
  /** the heading of the group column */
  header: string;
  /** every group, in the order they are shown */
  groups: readonly string[];
  /** the child's group; the month is the audit's (its first day) */
  groupOf: (child: ChildCharacteristics, month: IsoDate) => string;
}

/** The characteristics of the equality view, in the order it shows them. */
export const CHARACTERISTICS: readonly Characteristic[] = [
  {
    key: 'ethnicity',
    name: 'Ethnicity',
    header: 'Ethnic group',
    groups: ETHNIC_GROUPS,
    groupOf: (c) => ethnicGroup(c.ethnicity),
  },
  {
    key: 'disability',
    name: 'Disability',
    header: 'Disabled',
    groups: YES_NO_GROUPS,
    groupOf: (c) => yesNoGroup(c.disability),
  },
  {
    key: 'uasc',
    name: 'Unaccompanied asylum-seeking children',
    header: 'Unaccompanied asylum-seeking',
    groups: YES_NO_GROUPS,
    groupOf: (c) => yesNoGroup(c.uasc),
  },
  {
    key: 'gender',
    name: 'Gender',
    header: 'Gender',
    groups: GENDER_GROUPS,
    groupOf: (c) => genderGroup(c.gender),
  },
  {
    key: 'ageBand',
    name: 'Age at the audit',
    header: 'Age band',
    groups: AGE_BANDS,
    groupOf: (c, month) => ageBand(c.date_of_birth, month),
  },
];
