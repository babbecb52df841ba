/**
 * Mapped extracts (domain.md §8, item 3): any other CSV or XLSX a council's data team produces,
 * read through a saved column mapping that says which of its columns holds which of QA Loop's
 * details. The mapping also says what each row describes: an episode of one kind (a child
 * protection plan, a period of care…) or simply an open case and who holds it.
 */
import type { EpisodeKind } from './child-status.ts';
import { nameKey, nameSimilarity } from './name-matching.ts';

/** What each row of a mapped extract describes. */
export const LIST_KINDS = [
  'open_case',
  'early_help',
  'cin_episode',
  'assessment',
  's47',
  'cin_plan',
  'cp_plan',
  'cla',
  'care_leaver',
  'pre_proceedings',
] as const satisfies readonly (EpisodeKind | 'open_case')[];

export type ListKind = (typeof LIST_KINDS)[number];

export const LIST_KIND_LABELS: Record<ListKind, string> = {
  open_case: 'Open cases and who holds them',
  early_help: 'Early help episodes',
  cin_episode: 'Children in need episodes (referrals)',
  assessment: 'Assessments',
  s47: 'Section 47 enquiries',
  cin_plan: 'Child in need plans',
  cp_plan: 'Child protection plans',
  cla: 'Periods of care (children in care)',
  care_leaver: 'Care leavers',
  pre_proceedings: 'Pre-proceedings (Public Law Outline)',
};

export const LIST_KIND_HINTS: Partial<Record<ListKind, string>> = {
  open_case: 'Each row is a child whose case is open, with the team and worker who hold it: no episode.',
  cla: 'A placement type, when mapped, is kept as the placement that began with the period of care.',
};

export function isListKind(value: unknown): value is ListKind {
  return typeof value === 'string' && (LIST_KINDS as readonly string[]).includes(value);
}

export type MappedFieldGroup = 'child' | 'allocation' | 'episode';

export const FIELD_GROUP_LABELS: Record<MappedFieldGroup, string> = {
  child: 'The child',
  allocation: 'Who holds the case',
  episode: 'What the row describes',
};

export interface MappedField {
  key: string;
  label: string;
  hint: string;
  group: MappedFieldGroup;
  /** the kinds of list that read this field; every kind when absent */
  only?: readonly ListKind[];
  /** other names files give the column, used to suggest it */
  alsoCalled: readonly string[];
}

const EPISODE_KINDS = LIST_KINDS.filter((k) => k !== 'open_case');

/** The details a column can hold, in the order the mapping page asks for them. */
export const MAPPED_FIELDS: readonly MappedField[] = [
  {
    key: 'child_id',
    label: 'Child ID',
    hint: 'The case management system’s identifier for the child. Every row needs one.',
    group: 'child',
    alsoCalled: [
      'child unique id',
      'child unique identifier',
      'child ref',
      'child reference',
      'person id',
      'person ref',
      'person reference',
      'client id',
      'lcs id',
      'mosaic id',
      'id',
    ],
  },
  {
    key: 'first_name',
    label: 'First name',
    hint: 'The child’s first name or forename.',
    group: 'child',
    alsoCalled: ['forename', 'forenames', 'given name', 'first names'],
  },
  {
    key: 'last_name',
    label: 'Last name',
    hint: 'The child’s last name or surname.',
    group: 'child',
    alsoCalled: ['surname', 'family name'],
  },
  {
    key: 'date_of_birth',
    label: 'Date of birth',
    hint: 'Read as dd/mm/yyyy, YYYY-MM-DD or an Excel date.',
    group: 'child',
    alsoCalled: ['dob', 'birth date', 'date of birth', 'birthdate'],
  },
  {
    key: 'gender',
    label: 'Gender',
    hint: 'Male, female, other or not known; codes like “a) Male”, M, F, 1 or 2 are understood.',
    group: 'child',
    alsoCalled: ['sex', 'gender code'],
  },
  {
    key: 'ethnicity',
    label: 'Ethnicity',
    hint: 'The DfE code (WBRI…) or the description.',
    group: 'child',
    alsoCalled: ['ethnic origin', 'ethnic group', 'ethnicity code'],
  },
  {
    key: 'disability',
    label: 'Disability',
    hint: 'Yes or no: whether the child has a disability.',
    group: 'child',
    alsoCalled: ['has disability', 'disabled'],
  },
  {
    key: 'uasc',
    label: 'Unaccompanied asylum-seeking child',
    hint: 'Yes or no.',
    group: 'child',
    alsoCalled: ['uasc', 'unaccompanied asylum seeking child', 'asylum seeker'],
  },
  {
    key: 'family_id',
    label: 'Family ID',
    hint: 'Brothers and sisters share it, so a sample can keep one child per family.',
    group: 'child',
    alsoCalled: ['family ref', 'family reference', 'household id', 'case id'],
  },
  {
    key: 'team',
    label: 'Team',
    hint: 'The team that holds the case, by name or identifier.',
    group: 'allocation',
    alsoCalled: ['team name', 'allocated team', 'responsible team', 'team ref'],
  },
  {
    key: 'worker',
    label: 'Worker',
    hint: 'The allocated worker, by name or staff identifier.',
    group: 'allocation',
    alsoCalled: [
      'worker name',
      'allocated worker',
      'social worker',
      'key worker',
      'allocated social worker',
      'case holder',
      'personal adviser',
      'allocated personal advisor',
    ],
  },
  {
    key: 'allocated_since',
    label: 'Allocated since',
    hint: 'The date the worker was allocated.',
    group: 'allocation',
    alsoCalled: ['allocation date', 'allocated date', 'allocation start', 'allocation start date'],
  },
  {
    key: 'start_date',
    label: 'Start date',
    hint: 'When the episode, plan or period of care began. Every row needs one.',
    group: 'episode',
    only: EPISODE_KINDS,
    alsoCalled: [
      'start',
      'plan start',
      'plan start date',
      'episode start',
      'episode start date',
      'cin start date',
      'child protection plan start date',
      'cp plan start date',
      'looked after start date',
      'lac start date',
      'referral date',
      'assessment start date',
      'strategy discussion date',
      'open date',
      'date opened',
    ],
  },
  {
    key: 'end_date',
    label: 'End date',
    hint: 'When it ended; empty while it is still open.',
    group: 'episode',
    only: EPISODE_KINDS,
    alsoCalled: [
      'end',
      'plan end',
      'plan end date',
      'episode end',
      'episode end date',
      'cin closure date',
      'closure date',
      'child protection plan end date',
      'ceased looked after date',
      'date closed',
    ],
  },
  {
    key: 'category',
    label: 'Category',
    hint: 'The category of abuse, primary need or legal status, kept with the episode.',
    group: 'episode',
    only: EPISODE_KINDS,
    alsoCalled: [
      'category of abuse',
      'latest category of abuse',
      'initial category of abuse',
      'primary need',
      'primary need code',
      'category of need',
      'child category of need',
      'legal status',
      'eligibility category',
    ],
  },
  {
    key: 'placement_type',
    label: 'Placement type',
    hint: 'Children in care only: kept as the placement that began with the period of care.',
    group: 'episode',
    only: ['cla'],
    alsoCalled: ['placement', 'placement type code', 'current placement type'],
  },
];

const FIELD_BY_KEY = new Map(MAPPED_FIELDS.map((f) => [f.key, f]));

export function mappedField(key: string): MappedField | undefined {
  return FIELD_BY_KEY.get(key);
}

/** A field's label inside a sentence: "Date of birth" → "date of birth", "Child ID" → "child ID". */
export function fieldPhrase(key: string): string {
  const label = FIELD_BY_KEY.get(key)?.label ?? key;
  return label.replace(/^[A-Z](?![A-Z])/, (c) => c.toLowerCase());
}

/** Whether a list of this kind reads the field at all. */
export function fieldApplies(field: MappedField, kind: ListKind): boolean {
  return !field.only || field.only.includes(kind);
}

/** The fields a mapping for this kind of list must map. */
export function requiredFields(kind: ListKind): string[] {
  return kind === 'open_case' ? ['child_id'] : ['child_id', 'start_date'];
}

/** A header reduced to what identifies it, so "D.O.B.", "dob" and "D O B" are the same column. */
export function headerKey(header: string): string {
  return nameKey(header).replace(/ /g, '');
}

/** How well a header suits a field: 1 when it is one of the field's names, else name similarity. */
function suitability(field: MappedField, header: string): number {
  const key = headerKey(header);
  if (!key) return 0;
  const names = [field.key.replace(/_/g, ' '), field.label, ...field.alsoCalled];
  if (names.some((n) => headerKey(n) === key)) return 1;
  return Math.max(...names.map((n) => nameSimilarity(n, header)));
}

/** How close a header must be to one of a field's names to be suggested for it. */
const SUGGESTION_THRESHOLD = 0.6;

/** The fields a list of this kind reads, in the order the mapping page asks for them. */
export function fieldsFor(kind: ListKind): MappedField[] {
  return MAPPED_FIELDS.filter((f) => fieldApplies(f, kind));
}

/**
 * A first guess at which header holds which of the fields a list of this kind reads: the closest
 * pairs are taken first, so no header is suggested for two fields. Fields without a header close
 * enough are left out.
 */
export function suggestColumns(headers: readonly string[], kind: ListKind): Record<string, string> {
  const pairs: { field: string; header: string; score: number }[] = [];
  for (const field of fieldsFor(kind)) {
    for (const header of headers) {
      const score = suitability(field, header);
      if (score >= SUGGESTION_THRESHOLD) pairs.push({ field: field.key, header, score });
    }
  }
  pairs.sort((a, b) => b.score - a.score);
  const chosen: Record<string, string> = {};
  const used = new Set<string>();
  for (const { field, header } of pairs) {
    if (chosen[field] || used.has(headerKey(header))) continue;
    chosen[field] = header;
    used.add(headerKey(header));
  }
  return chosen;
}
