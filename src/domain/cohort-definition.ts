import { z } from 'zod';
import { CASE_STATUS_LABELS, type CaseStatus } from './child-status.ts';
import { formatDate, isRealDate } from './dates.ts';

/**
 * A cohort: who could be audited (domain.md §7), as filters a QA lead combines. Every filter left
 * empty lets everyone through; the filters that are set must all hold. The database turns a
 * definition into a query over the latest snapshot (src/services/sampling/cohorts.ts); this module says what
 * a definition may hold, what contradicts, and how to describe it in words.
 */

/** Statuses a cohort can ask for: the case statuses, and pre-proceedings, which runs alongside a plan. */
export const COHORT_STATUSES = [
  'cin_plan',
  'cp_plan',
  'in_care',
  'care_leaver',
  'early_help',
  'no_current_plan',
  'pre_proceedings',
] as const;
export type CohortStatus = (typeof COHORT_STATUSES)[number];

export const COHORT_STATUS_LABELS: Record<CohortStatus, string> = {
  ...(CASE_STATUS_LABELS as Record<CaseStatus, string>),
  pre_proceedings: 'Pre-proceedings (Public Law Outline)',
};

/** The kinds of current placement a cohort can ask for, read from the placement type and provider. */
export const PLACEMENT_KINDS = ['foster', 'residential', 'unregistered', 'other'] as const;
export type PlacementKind = (typeof PLACEMENT_KINDS)[number];
export const PLACEMENT_KIND_LABELS: Record<PlacementKind, string> = {
  foster: 'Foster care',
  residential: "Residential (children's homes and other residential settings)",
  unregistered: 'Unregistered',
  other: 'Other placements (with parents, independent living, secure, and the rest)',
};

/** Kinds of episode whose repeats a cohort can ask for (a second or later one). */
export const REPEAT_KINDS = ['cp_plan', 'cla', 'cin_episode'] as const;
export type RepeatKind = (typeof REPEAT_KINDS)[number];
export const REPEAT_KIND_LABELS: Record<RepeatKind, string> = {
  cp_plan: 'Child protection plans',
  cla: 'Periods in care',
  cin_episode: 'Referrals',
};

/**
 * How the child in need plan or early help must come before the child protection plan. The step
 * up (the default): open when the plan began, or ended at most so many months before it, the
 * question councils ask; or at any time before, however long and whatever came between.
 */
export const CP_PLAN_AFTER_WHEN = ['step_up', 'ever'] as const;
export type CpPlanAfterWhen = (typeof CP_PLAN_AFTER_WHEN)[number];
export const DEFAULT_STEP_UP_MONTHS = 3;
export const MAX_STEP_UP_MONTHS = 24;

export const YES_NO_ANY = ['any', 'yes', 'no'] as const;
export type YesNoAny = (typeof YES_NO_ANY)[number];

const ids = z.array(z.uuid()).max(500).default([]);
const months = z.number().int().min(1).max(240).nullable().default(null);
// a real calendar date: 2026-02-31 would pass a pattern and then fail in the database
const isoDate = z.string().refine(isRealDate, 'Enter a real date, like 2026-04-01').nullable().default(null);

export const cohortDefinitionSchema = z.object({
  /** where the case is held now: any of these service areas, teams, localities */
  serviceAreaIds: ids,
  teamIds: ids,
  localityIds: ids,
  /** any of these statuses now; none chosen means every open case */
  statuses: z.array(z.enum(COHORT_STATUSES)).max(COHORT_STATUSES.length).default([]),
  /** on a child in need plan that started more than this many months ago */
  cinPlanLongerThanMonths: months,
  /** came into care (a period in care started) within this many months */
  cameIntoCareWithinMonths: months,
  /** a child protection plan started in this period (inclusive) */
  cpPlanStartedFrom: isoDate,
  cpPlanStartedTo: isoDate,
  /** referred (a children in need episode started) within this many months */
  referredWithinMonths: months,
  /** an assessment was completed within this many months */
  assessmentCompletedWithinMonths: months,
  /** had a child protection plan before the current or latest one */
  previousCpPlan: z.boolean().default(false),
  /** the current child protection plan followed a child in need plan, or early help */
  cpPlanAfter: z
    .array(z.enum(['cin_plan', 'early_help']))
    .max(2)
    .default([]),
  /** … as the step up (open when the plan began, or ended at most cpPlanAfterWithinMonths before), or ever */
  cpPlanAfterWhen: z.enum(CP_PLAN_AFTER_WHEN).default('step_up'),
  cpPlanAfterWithinMonths: z.number().int().min(0).max(MAX_STEP_UP_MONTHS).default(DEFAULT_STEP_UP_MONTHS),
  /**
   * whole words or phrases in the child protection plan's category (initial or latest), any of
   * them: "CCE" is not found inside "access"
   */
  cpCategoryWords: z.array(z.string().trim().min(1).max(60)).max(10).default([]),
  /** two or more of any of these kinds of episode */
  repeatOf: z.array(z.enum(REPEAT_KINDS)).max(REPEAT_KINDS.length).default([]),
  /** the current placement is one of these kinds */
  placementKinds: z.array(z.enum(PLACEMENT_KINDS)).max(PLACEMENT_KINDS.length).default([]),
  /** age in whole years on the snapshot's date, inclusive */
  ageFrom: z.number().int().min(0).max(25).nullable().default(null),
  ageTo: z.number().int().min(0).max(25).nullable().default(null),
  disability: z.enum(YES_NO_ANY).default('any'),
  uasc: z.enum(YES_NO_ANY).default('any'),
  /** ethnicity as the extract records it (any of these) */
  ethnicities: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
  /** keep one child per family, chosen at random with the sample's seed */
  onePerFamily: z.boolean().default(false),
  /** leave out children with an audit (not exempted) in the last this many months */
  excludeAuditedWithinMonths: months,
  /** leave out children whose case has closed (no open episode or allocation on the snapshot's date) */
  excludeClosed: z.boolean().default(true),
});

export type CohortDefinition = z.infer<typeof cohortDefinitionSchema>;

/** A definition with every filter empty: every open case. */
export function emptyDefinition(): CohortDefinition {
  return cohortDefinitionSchema.parse({});
}

export interface Contradiction {
  /** the form field to link the message to */
  field: keyof CohortDefinition;
  message: string;
}

/**
 * Filters that cannot all hold at once, so the cohort would always be empty. Said in words a QA
 * lead can act on, before anything is counted. History filters are not among them: a child in care
 * may have come into care and gone home, or have had a child protection plan after a child in need
 * plan before coming into care, whatever their status now.
 */
export function contradictions(d: CohortDefinition): Contradiction[] {
  const out: Contradiction[] = [];
  const statuses = new Set(d.statuses);
  const only = (...allowed: CohortStatus[]) =>
    statuses.size > 0 && [...statuses].every((s) => !allowed.includes(s));
  if (d.ageFrom !== null && d.ageTo !== null && d.ageFrom > d.ageTo)
    out.push({
      field: 'ageFrom',
      message: `The youngest age (${d.ageFrom}) is older than the oldest (${d.ageTo})`,
    });
  if (d.cpPlanStartedFrom && d.cpPlanStartedTo && d.cpPlanStartedFrom > d.cpPlanStartedTo)
    out.push({
      field: 'cpPlanStartedFrom',
      message: 'The child protection plan period ends before it starts: put the earlier date first',
    });
  if (d.placementKinds.length > 0 && only('in_care', 'pre_proceedings'))
    out.push({
      field: 'placementKinds',
      message:
        'Placement types apply to children in care: add In care to the statuses or clear the placement types',
    });
  if (d.cinPlanLongerThanMonths !== null && only('cin_plan'))
    out.push({
      field: 'cinPlanLongerThanMonths',
      message:
        'Only children on a child in need plan can have been on one for months: add Child in need plan to the statuses',
    });
  if (statuses.size === 1 && statuses.has('care_leaver') && d.ageTo !== null && d.ageTo < 16)
    out.push({ field: 'ageTo', message: 'Care leavers are 16 to 25: an oldest age under 16 leaves nobody' });
  return out;
}

/** The definition in a sentence or two, for the cohort list, the sample page and reports. */
export function describeDefinition(
  d: CohortDefinition,
  names: {
    serviceAreas?: Map<string, string>;
    teams?: Map<string, string>;
    localities?: Map<string, string>;
  } = {},
): string[] {
  const parts: string[] = [];
  const named = (list: string[], map?: Map<string, string>) =>
    list.map((id) => map?.get(id) ?? 'a removed one').join(', ');
  parts.push(
    d.statuses.length
      ? `Status: ${d.statuses.map((s) => COHORT_STATUS_LABELS[s]).join(' or ')}`
      : d.excludeClosed
        ? 'Every open case'
        : 'Every child in the extract, open or closed',
  );
  if (d.serviceAreaIds.length) parts.push(`Service area: ${named(d.serviceAreaIds, names.serviceAreas)}`);
  if (d.teamIds.length) parts.push(`Team: ${named(d.teamIds, names.teams)}`);
  if (d.localityIds.length) parts.push(`Locality: ${named(d.localityIds, names.localities)}`);
  if (d.cinPlanLongerThanMonths !== null)
    parts.push(`On a child in need plan for more than ${d.cinPlanLongerThanMonths} months`);
  if (d.cameIntoCareWithinMonths !== null)
    parts.push(`Came into care in the last ${d.cameIntoCareWithinMonths} months`);
  if (d.cpPlanStartedFrom || d.cpPlanStartedTo)
    parts.push(
      d.cpPlanStartedFrom && d.cpPlanStartedTo
        ? `Child protection plan started from ${formatDate(d.cpPlanStartedFrom)} to ${formatDate(d.cpPlanStartedTo)}`
        : d.cpPlanStartedFrom
          ? `Child protection plan started on or after ${formatDate(d.cpPlanStartedFrom)}`
          : `Child protection plan started on or before ${formatDate(d.cpPlanStartedTo)}`,
    );
  if (d.referredWithinMonths !== null) parts.push(`Referred in the last ${d.referredWithinMonths} months`);
  if (d.assessmentCompletedWithinMonths !== null)
    parts.push(`Assessment completed in the last ${d.assessmentCompletedWithinMonths} months`);
  if (d.previousCpPlan) parts.push('Had a child protection plan before (repeat plan)');
  if (d.cpPlanAfter.length) parts.push(cpPlanAfterText(d));
  if (d.cpCategoryWords.length)
    parts.push(
      `Child protection category mentions the word${d.cpCategoryWords.length > 1 ? 's' : ''} ${d.cpCategoryWords.map((w) => `"${w}"`).join(' or ')}`,
    );
  if (d.repeatOf.length)
    parts.push(`Repeat ${d.repeatOf.map((k) => REPEAT_KIND_LABELS[k].toLowerCase()).join(' or ')}`);
  if (d.placementKinds.length)
    parts.push(
      `Placement: ${d.placementKinds.map((k) => PLACEMENT_KIND_LABELS[k].split(' (')[0].toLowerCase()).join(' or ')}`,
    );
  if (d.ageFrom !== null || d.ageTo !== null)
    parts.push(
      d.ageFrom !== null && d.ageTo !== null
        ? `Aged ${d.ageFrom} to ${d.ageTo}`
        : d.ageFrom !== null
          ? `Aged ${d.ageFrom} or over`
          : `Aged ${d.ageTo} or under`,
    );
  if (d.disability !== 'any') parts.push(d.disability === 'yes' ? 'Disabled' : 'Not recorded as disabled');
  if (d.uasc !== 'any') parts.push(d.uasc === 'yes' ? 'Unaccompanied asylum-seeking children' : 'Not UASC');
  if (d.ethnicities.length) parts.push(`Ethnicity: ${d.ethnicities.join(', ')}`);
  if (d.onePerFamily) parts.push('One child per family');
  if (d.excludeAuditedWithinMonths !== null)
    parts.push(`Not audited in the last ${d.excludeAuditedWithinMonths} months`);
  return parts;
}

/** "Child protection plan after a child in need plan that was open when the plan began or ended in the 3 months before it" */
export function cpPlanAfterText(
  d: Pick<CohortDefinition, 'cpPlanAfter' | 'cpPlanAfterWhen' | 'cpPlanAfterWithinMonths'>,
): string {
  const before = d.cpPlanAfter
    .map((k) => (k === 'cin_plan' ? 'a child in need plan' : 'early help'))
    .join(' or ');
  if (d.cpPlanAfterWhen === 'ever') return `Child protection plan after ${before} at any time before it`;
  const n = d.cpPlanAfterWithinMonths;
  const window =
    n === 0 ? '' : n === 1 ? ' or ended in the month before it' : ` or ended in the ${n} months before it`;
  return `Child protection plan after ${before} that was open when the plan began${window}`;
}

/**
 * A pattern that finds a word or phrase whole, whatever its case, in JavaScript and PostgreSQL
 * alike: "CCE" in "Child criminal exploitation (CCE)" and "CSE/CCE", not in "no access to health
 * care". The word's own characters are matched as written (a "%" is a percent sign), the spaces
 * in a phrase as any spaces. PostgreSQL
 * reads \b as a backspace, so a word ends where no letter or digit follows.
 */
export function wholeWordPattern(word: string): string {
  const escaped = word
    .trim()
    .replace(/[\\^$.*+?()[\]{}|]/g, (c) => `\\${c}`)
    .replace(/\s+/g, '\\s+');
  return `(^|[^a-z0-9])${escaped}($|[^a-z0-9])`;
}

/**
 * The kind of a placement from its type and provider as the extract gives them: the SSDA903
 * codes of Annex A list 8 (U1–U6 foster; K1, K2, R1, R2, R5, S1 and similar residential) or the
 * words councils use (kinship and connected-person placements are foster care). Unregistered is
 * said in the type or provider text ("unregistered", "Z1 unregistered"), as extracts have no code
 * for it. The database uses the same patterns, so they are written for both JavaScript and
 * PostgreSQL: PostgreSQL reads \b as a backspace, not a word boundary, so a code ends where no
 * letter or digit follows.
 */
export const PLACEMENT_PATTERNS: Record<Exclude<PlacementKind, 'other'>, string> = {
  unregistered: 'unregist|not registered|unreg',
  foster: '^\\s*u[1-6](?![a-z0-9])|foster|kinship|connected person',
  residential: "^\\s*(k1|k2|r1|r2|r5|s1|h5)(?![a-z0-9])|residential|children['’]?s home|secure unit",
};

export function placementKind(type: string | null, provider: string | null = null): PlacementKind | null {
  const text = `${type ?? ''} ${provider ?? ''}`.trim();
  if (!text) return null;
  for (const kind of ['unregistered', 'foster', 'residential'] as const) {
    const pattern = new RegExp(PLACEMENT_PATTERNS[kind], 'i');
    if (pattern.test(type ?? '') || (kind === 'unregistered' && pattern.test(provider ?? ''))) return kind;
  }
  return 'other';
}
