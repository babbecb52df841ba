import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import {
  type CohortDefinition,
  cohortDefinitionSchema,
  contradictions,
  describeDefinition,
  emptyDefinition,
  MAX_STEP_UP_MONTHS,
} from '../../domain/cohort-definition.ts';
import { type FieldError, NotFoundError, type Validated, ValidationError } from '../../domain/validation.ts';
import { type CohortScope, cohortSql } from './cohort-query.ts';

/**
 * Saved cohorts (domain.md §7): who could be audited, as a named definition the QA lead keeps and
 * draws samples from. Cohorts are archived, never deleted, since samples point at them. Every
 * council starts with an example for each population councils audit.
 */

export const MAX_NAME = 100;
export const MAX_DESCRIPTION = 500;

/** A saved cohort as its pages show it. */
export interface CohortView {
  id: string;
  name: string;
  description: string;
  /** the filters; null when what was saved can no longer be read (the cohort must be changed) */
  definition: CohortDefinition | null;
  /** the definition in words, a line per filter */
  lines: string[];
  example: boolean;
  archived: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** The names of the council's service areas, teams and localities, for describing definitions. */
export interface CohortNames {
  serviceAreas: Map<string, string>;
  teams: Map<string, string>;
  localities: Map<string, string>;
}

export async function cohortNames(db: Db, councilId: string): Promise<CohortNames> {
  const named = async (table: 'service_areas' | 'teams' | 'localities') =>
    new Map(
      (await db.selectFrom(table).select(['id', 'name']).where('council_id', '=', councilId).execute()).map(
        (r) => [r.id, r.name] as const,
      ),
    );
  return {
    serviceAreas: await named('service_areas'),
    teams: await named('teams'),
    localities: await named('localities'),
  };
}

const UNREADABLE = 'The saved filters can no longer be read: change the cohort to set them again';

function readDefinition(stored: unknown): CohortDefinition | null {
  const parsed = cohortDefinitionSchema.safeParse(stored);
  return parsed.success ? parsed.data : null;
}

interface CohortRowShape {
  id: string;
  name: string;
  description: string;
  definition: unknown;
  example: boolean;
  archived: boolean;
  created_at: Date;
  updated_at: Date;
}

function view(row: CohortRowShape, names: CohortNames): CohortView {
  const definition = readDefinition(row.definition);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    definition,
    lines: definition ? describeDefinition(definition, names) : [UNREADABLE],
    example: row.example,
    archived: row.archived,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const COLUMNS = [
  'id',
  'name',
  'description',
  'definition',
  'example',
  'archived',
  'created_at',
  'updated_at',
] as const;

/** The council's cohorts: those in use first, then archived ones, each by name. */
export async function listCohorts(
  db: Db,
  councilId: string,
  options: { includeArchived?: boolean } = {},
): Promise<CohortView[]> {
  let q = db.selectFrom('cohorts').select(COLUMNS).where('council_id', '=', councilId);
  if (options.includeArchived === false) q = q.where('archived', '=', false);
  const rows = await q.orderBy('archived').orderBy(sql`lower(name)`).execute();
  const names = await cohortNames(db, councilId);
  return rows.map((r) => view(r, names));
}

/** One of the council's cohorts, archived or not. */
export async function getCohort(db: Db, councilId: string, id: string): Promise<CohortView> {
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('cohort');
  const row = await db
    .selectFrom('cohorts')
    .select(COLUMNS)
    .where('council_id', '=', councilId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('cohort');
  return view(row, await cohortNames(db, councilId));
}

// ---------------------------------------------------------------------------------------------
// Checking what a person saves

/** What a person saves: a name, a description and the filters. */
export interface CohortInput {
  name: string;
  description: string;
  definition: CohortDefinition;
}

const MONTHS_ABOUT: Partial<Record<keyof CohortDefinition, string>> = {
  cinPlanLongerThanMonths: 'how long the child in need plan has lasted',
  cameIntoCareWithinMonths: 'how recently the child came into care',
  referredWithinMonths: 'how recently the child was referred',
  assessmentCompletedWithinMonths: 'how recently the assessment was completed',
  excludeAuditedWithinMonths: 'how recently an audit leaves a child out',
};

/** A plain message for a filter zod refused, by the field it is about. */
function fieldMessage(field: string, zodMessage: string): string {
  const months = MONTHS_ABOUT[field as keyof CohortDefinition];
  if (months) return `Enter ${months} in months, as a whole number from 1 to 240`;
  switch (field) {
    case 'serviceAreaIds':
      return 'Choose service areas from the list';
    case 'teamIds':
      return 'Choose teams from the list';
    case 'localityIds':
      return 'Choose localities from the list';
    case 'statuses':
      return 'Choose statuses from the list';
    case 'cpPlanStartedFrom':
      return 'Enter a real date for the start of the period, for example 1 4 2026';
    case 'cpPlanStartedTo':
      return 'Enter a real date for the end of the period, for example 31 3 2027';
    case 'cpPlanAfter':
      return 'Choose what came before the child protection plan from the list';
    case 'cpPlanAfterWhen':
      return 'Choose the step up or any time before';
    case 'cpPlanAfterWithinMonths':
      return `Enter how many months before the child protection plan began the plan or early help may have ended, as a whole number from 0 to ${MAX_STEP_UP_MONTHS}`;
    case 'cpCategoryWords':
      return 'Enter up to 10 words, each 60 characters or fewer, separated by commas';
    case 'repeatOf':
      return 'Choose kinds of repeat from the list';
    case 'placementKinds':
      return 'Choose placement types from the list';
    case 'ageFrom':
      return 'Enter the youngest age in whole years, from 0 to 25';
    case 'ageTo':
      return 'Enter the oldest age in whole years, from 0 to 25';
    case 'disability':
      return 'Choose any, disabled or not recorded as disabled';
    case 'uasc':
      return 'Choose any, UASC or not UASC';
    case 'ethnicities':
      return 'Choose up to 50 ethnicities, each 100 characters or fewer';
    default:
      return zodMessage;
  }
}

/** The ids a definition may name: the council's own service areas, teams and localities. */
export interface KnownPlaces {
  serviceAreaIds: ReadonlySet<string>;
  teamIds: ReadonlySet<string>;
  localityIds: ReadonlySet<string>;
}

/**
 * Checks a definition: each filter's value, that the places it names are the council's, and that
 * its filters do not contradict each other (a cohort that could never hold anyone).
 */
export function checkDefinition(input: unknown, known?: KnownPlaces): Validated<CohortDefinition> {
  const raw = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const parsed = cohortDefinitionSchema.safeParse(raw);
  const errors: FieldError[] = [];
  let d: CohortDefinition;
  if (parsed.success) d = parsed.data;
  else {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'form');
      if (errors.some((e) => e.field === field)) continue;
      errors.push({ field, message: fieldMessage(field, issue.message) });
    }
    // the other filters are still checked against each other, so every mistake shows at once
    const rest = cohortDefinitionSchema.safeParse(
      Object.fromEntries(Object.entries(raw).filter(([k]) => !errors.some((e) => e.field === k))),
    );
    if (!rest.success) return { ok: false, errors };
    d = rest.data;
  }
  if (known) {
    const places = [
      ['serviceAreaIds', 'One of the service areas chosen no longer exists: choose again'],
      ['teamIds', 'One of the teams chosen no longer exists: choose again'],
      ['localityIds', 'One of the localities chosen no longer exists: choose again'],
    ] as const;
    for (const [field, message] of places)
      if (!errors.some((e) => e.field === field) && d[field].some((id) => !known[field].has(id)))
        errors.push({ field, message });
  }
  const seen = new Set(errors.map((e) => e.field));
  for (const c of contradictions(d)) {
    if (seen.has(c.field)) continue;
    seen.add(c.field);
    errors.push({ field: c.field, message: c.message });
  }
  return errors.length ? { ok: false, errors } : { ok: true, value: d };
}

const nameSchema = z
  .string({ error: 'Enter a name for the cohort' })
  .trim()
  .min(1, 'Enter a name for the cohort')
  .max(MAX_NAME, `The name must be ${MAX_NAME} characters or fewer`);
const descriptionSchema = z
  .string({ error: 'Enter the description as text' })
  .trim()
  .max(MAX_DESCRIPTION, `The description must be ${MAX_DESCRIPTION} characters or fewer`)
  .nullish()
  .transform((s) => s ?? '');

/**
 * Checks a cohort a person saves: a name no other cohort of the council has (archived ones too,
 * whatever the case), a description, and a definition as checkDefinition checks it.
 */
export function checkCohort(
  input: unknown,
  others: readonly { name: string; archived: boolean }[],
  known?: KnownPlaces,
): Validated<CohortInput> {
  const raw = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const errors: FieldError[] = [];
  const name = nameSchema.safeParse(raw.name ?? '');
  if (!name.success) errors.push({ field: 'name', message: name.error.issues[0].message });
  else {
    const taken = others.find((o) => o.name.trim().toLowerCase() === name.data.toLowerCase());
    if (taken)
      errors.push({
        field: 'name',
        message: taken.archived
          ? `There is already an archived cohort called "${taken.name}": choose another name or restore it`
          : `There is already a cohort called "${taken.name}"`,
      });
  }
  const description = descriptionSchema.safeParse(raw.description);
  if (!description.success)
    errors.push({ field: 'description', message: description.error.issues[0].message });
  const definition = checkDefinition(raw.definition, known);
  if (!definition.ok) errors.push(...definition.errors);
  if (errors.length || !name.success || !description.success || !definition.ok) return { ok: false, errors };
  return {
    ok: true,
    value: { name: name.data, description: description.data, definition: definition.value },
  };
}

/** The council's service areas, teams and localities, as the ids a definition may name. */
export async function knownPlaces(db: Db, councilId: string): Promise<KnownPlaces> {
  const names = await cohortNames(db, councilId);
  return {
    serviceAreaIds: new Set(names.serviceAreas.keys()),
    teamIds: new Set(names.teams.keys()),
    localityIds: new Set(names.localities.keys()),
  };
}

async function otherCohorts(db: Db, councilId: string, except?: string) {
  let q = db.selectFrom('cohorts').select(['name', 'archived']).where('council_id', '=', councilId);
  if (except) q = q.where('id', '!=', except);
  return q.execute();
}

/** A cohort saved by someone else at the same moment under the same name. */
function sameNameRace(err: unknown, name: string): ValidationError | undefined {
  if ((err as { code?: string }).code !== '23505') return undefined;
  return new ValidationError([{ field: 'name', message: `There is already a cohort called "${name}"` }]);
}

/** Saves a new cohort; returns its id. Nothing is saved when anything is wrong. */
export async function createCohort(
  db: Db,
  councilId: string,
  input: unknown,
  options: { createdBy?: string | null } = {},
): Promise<string> {
  return inTransaction(db, async (trx) => {
    const checked = checkCohort(input, await otherCohorts(trx, councilId), await knownPlaces(trx, councilId));
    if (!checked.ok) throw new ValidationError(checked.errors);
    const { name, description, definition } = checked.value;
    try {
      const row = await trx
        .insertInto('cohorts')
        .values({
          council_id: councilId,
          name,
          description,
          definition: JSON.stringify(definition),
          created_by: options.createdBy ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    } catch (err) {
      throw sameNameRace(err, name) ?? err;
    }
  });
}

/**
 * Changes a cohort's name, description and filters. Samples already drawn keep the definition
 * they were drawn with. An example whose filters change is the council's own from then on.
 */
export async function updateCohort(db: Db, councilId: string, id: string, input: unknown): Promise<void> {
  await inTransaction(db, async (trx) => {
    const current = await getCohort(trx, councilId, id);
    const checked = checkCohort(
      input,
      await otherCohorts(trx, councilId, id),
      await knownPlaces(trx, councilId),
    );
    if (!checked.ok) throw new ValidationError(checked.errors);
    const { name, description, definition } = checked.value;
    const sameFilters = JSON.stringify(current.definition) === JSON.stringify(definition);
    try {
      await trx
        .updateTable('cohorts')
        .set({
          name,
          description,
          definition: JSON.stringify(definition),
          example: current.example && sameFilters,
          updated_at: new Date(),
        })
        .where('id', '=', id)
        .where('council_id', '=', councilId)
        .execute();
    } catch (err) {
      throw sameNameRace(err, name) ?? err;
    }
  });
}

async function setArchived(db: Db, councilId: string, id: string, archived: boolean): Promise<string> {
  return inTransaction(db, async (trx) => {
    if (!z.uuid().safeParse(id).success) throw new NotFoundError('cohort');
    const row = await trx
      .updateTable('cohorts')
      .set({ archived, updated_at: new Date() })
      .where('id', '=', id)
      .where('council_id', '=', councilId)
      .returning('name')
      .executeTakeFirst();
    if (!row) throw new NotFoundError('cohort');
    return row.name;
  });
}

/** Archives a cohort: no longer offered for new samples; kept for the samples drawn from it. Returns its name. */
export function archiveCohort(db: Db, councilId: string, id: string): Promise<string> {
  return setArchived(db, councilId, id, true);
}

/** Brings an archived cohort back into use. Returns its name. */
export function restoreCohort(db: Db, councilId: string, id: string): Promise<string> {
  return setArchived(db, councilId, id, false);
}

// ---------------------------------------------------------------------------------------------
// The examples every council starts with

export interface ExampleCohort {
  name: string;
  description: string;
  definition: Partial<CohortDefinition>;
}

/** CP categories councils record for exploitation and harm outside the home. */
export const EXPLOITATION_WORDS = ['exploitation', 'contextual', 'CSE', 'CCE'];

/**
 * A saved example for every population of domain.md §7. "Teenagers (13–18)" are children from
 * their 13th birthday until their 18th: aged 13 to 17 in whole years.
 */
export const EXAMPLE_COHORTS: readonly ExampleCohort[] = [
  {
    name: 'All open cases',
    description: 'Every open case. Choose a service area or team to audit one part of the service.',
    definition: {},
  },
  {
    name: 'Child protection plans',
    description: 'Children on a child protection plan.',
    definition: { statuses: ['cp_plan'] },
  },
  { name: 'Children in care', description: 'Children looked after.', definition: { statuses: ['in_care'] } },
  {
    name: 'Care leavers',
    description: 'Care leavers, 16 to 25.',
    definition: { statuses: ['care_leaver'], ageFrom: 16, ageTo: 25 },
  },
  {
    name: 'Children in need',
    description: 'Children on a child in need plan.',
    definition: { statuses: ['cin_plan'] },
  },
  {
    name: 'Early help and family support',
    description: 'Families working with early help or family support.',
    definition: { statuses: ['early_help'] },
  },
  {
    name: 'Child protection plan, previously on a child in need plan',
    description:
      'Children whose current child protection plan followed a child in need plan that was open when the plan began or ended in the 3 months before it: was the step up timely?',
    definition: { statuses: ['cp_plan'], cpPlanAfter: ['cin_plan'] },
  },
  {
    name: 'Child protection plan, previously on a child in need plan, one per family',
    description:
      'Children whose current child protection plan followed a child in need plan that was open when the plan began or ended in the 3 months before it, one child from each family so that brothers and sisters are not audited twice.',
    definition: { statuses: ['cp_plan'], cpPlanAfter: ['cin_plan'], onePerFamily: true },
  },
  {
    name: 'Child protection plan after family support',
    description:
      'Children whose current child protection plan followed early help or family support that was open when the plan began or ended in the 3 months before it.',
    definition: { statuses: ['cp_plan'], cpPlanAfter: ['early_help'] },
  },
  {
    name: 'Child protection plan for exploitation or contextual harm',
    description:
      'Children on a child protection plan whose category names exploitation or contextual harm (including CSE and CCE), as whole words.',
    definition: { statuses: ['cp_plan'], cpCategoryWords: EXPLOITATION_WORDS },
  },
  {
    name: 'Assessed, no current plan',
    description:
      'Open cases with an assessment completed in the last 12 months and no plan now: is the case drifting?',
    definition: { statuses: ['no_current_plan'], assessmentCompletedWithinMonths: 12 },
  },
  {
    name: 'Came into care in the last six months, one per family',
    description:
      'Children who came into care in the last six months, whether still in care or not, whose case is open; one child per family, as siblings are often removed together.',
    definition: { cameIntoCareWithinMonths: 6, onePerFamily: true },
  },
  {
    name: 'Child in need plan for over 12 months',
    description: 'Children on a child in need plan that started more than 12 months ago.',
    definition: { statuses: ['cin_plan'], cinPlanLongerThanMonths: 12 },
  },
  {
    name: 'Repeat child protection plan',
    description:
      'Children on a child protection plan who have had one before. Compare its size with all children on a plan for the share of repeat plans.',
    definition: { statuses: ['cp_plan'], previousCpPlan: true },
  },
  {
    name: 'Children in care in unregistered placements',
    description: 'Children in care placed where the provider is not registered. Review every week.',
    definition: { statuses: ['in_care'], placementKinds: ['unregistered'] },
  },
  {
    name: 'Pre-proceedings (Public Law Outline)',
    description: 'Children in pre-proceedings under the Public Law Outline.',
    definition: { statuses: ['pre_proceedings'] },
  },
  {
    name: 'Referrals about teenagers',
    description:
      'Children aged 13 to 17 (up to their 18th birthday) referred in the last 3 months, including referrals closed since.',
    definition: { referredWithinMonths: 3, ageFrom: 13, ageTo: 17, excludeClosed: false },
  },
  {
    name: 'Children under 5',
    description: 'Open cases of children under five.',
    definition: { ageTo: 4 },
  },
];

/**
 * Adds each example cohort the council does not have yet (by name, whatever its case, archived
 * ones included), so it can be run again safely. Returns how many were added.
 */
export async function ensureExampleCohorts(db: Db, councilId: string): Promise<number> {
  return inTransaction(db, async (trx) => {
    const have = new Set((await otherCohorts(trx, councilId)).map((c) => c.name.trim().toLowerCase()));
    let added = 0;
    for (const example of EXAMPLE_COHORTS) {
      if (have.has(example.name.toLowerCase())) continue;
      const definition = cohortDefinitionSchema.parse(example.definition);
      const result = await trx
        .insertInto('cohorts')
        .values({
          council_id: councilId,
          name: example.name,
          description: example.description,
          definition: JSON.stringify(definition),
          example: true,
        })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst();
      if (result) added++;
    }
    return added;
  });
}

/** Whether the council has any cohort at all, archived ones included. */
export async function hasCohorts(db: Db, councilId: string): Promise<boolean> {
  const row = await db
    .selectFrom('cohorts')
    .select('id')
    .where('council_id', '=', councilId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Sizes, and why a cohort is empty

/**
 * How many children each definition holds on the scope's snapshot, keyed as given: one query,
 * each definition counted in the database.
 */
export async function cohortSizes(
  db: Db,
  scope: CohortScope,
  items: readonly { key: string; definition: CohortDefinition }[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (items.length === 0) return out;
  const parts = items.map(
    (item) =>
      sql`select ${item.key}::text as key, count(*)::int as children from (${cohortSql(scope, item.definition)}) x`,
  );
  const { rows } = await sql<{ key: string; children: number }>`${sql.join(parts, sql` union all `)}`.execute(
    db,
  );
  for (const r of rows) out.set(r.key, Number(r.children));
  return out;
}

/** Filters a QA lead sets together, cleared together when looking for what empties a cohort. */
const FILTER_GROUPS: readonly { keys: readonly (keyof CohortDefinition)[]; field: string }[] = [
  { keys: ['statuses'], field: 'statuses' },
  { keys: ['serviceAreaIds'], field: 'serviceAreaIds' },
  { keys: ['teamIds'], field: 'teamIds' },
  { keys: ['localityIds'], field: 'localityIds' },
  { keys: ['cinPlanLongerThanMonths'], field: 'cinPlanLongerThanMonths' },
  { keys: ['cameIntoCareWithinMonths'], field: 'cameIntoCareWithinMonths' },
  { keys: ['cpPlanStartedFrom', 'cpPlanStartedTo'], field: 'cpPlanStartedFrom' },
  { keys: ['referredWithinMonths'], field: 'referredWithinMonths' },
  { keys: ['assessmentCompletedWithinMonths'], field: 'assessmentCompletedWithinMonths' },
  { keys: ['previousCpPlan'], field: 'previousCpPlan' },
  { keys: ['cpPlanAfter', 'cpPlanAfterWhen', 'cpPlanAfterWithinMonths'], field: 'cpPlanAfter' },
  { keys: ['cpCategoryWords'], field: 'cpCategoryWords' },
  { keys: ['repeatOf'], field: 'repeatOf' },
  { keys: ['placementKinds'], field: 'placementKinds' },
  { keys: ['ageFrom', 'ageTo'], field: 'ageFrom' },
  { keys: ['disability'], field: 'disability' },
  { keys: ['uasc'], field: 'uasc' },
  { keys: ['ethnicities'], field: 'ethnicities' },
  { keys: ['excludeAuditedWithinMonths'], field: 'excludeAuditedWithinMonths' },
  { keys: ['excludeClosed'], field: 'excludeClosed' },
];

/** A filter that is set, and how many children the cohort would hold without it. */
export interface FilterEffect {
  /** the form field to link to */
  field: string;
  /** the filter in words, as the cohort's description says it */
  text: string;
  /** the cohort's size with this filter cleared and the others kept */
  childrenWithout: number;
}

/** The definition with one group of filters cleared: empty, and closed cases let in. */
function withoutGroup(d: CohortDefinition, keys: readonly (keyof CohortDefinition)[]): CohortDefinition {
  const empty = emptyDefinition();
  const out: Record<string, unknown> = { ...d };
  for (const key of keys) out[key] = key === 'excludeClosed' ? false : empty[key];
  return out as CohortDefinition;
}

/**
 * For a cohort that holds nobody: each filter that is set, with the size the cohort would have with
 * that filter alone cleared. The ones above nought are the filters that remove everyone. One query.
 */
export async function filterEffects(
  db: Db,
  scope: CohortScope,
  d: CohortDefinition,
  names: Partial<CohortNames> = {},
): Promise<FilterEffect[]> {
  const set = FILTER_GROUPS.filter(
    (g) =>
      JSON.stringify(withoutGroup(d, g.keys)) !== JSON.stringify(d) &&
      // a step-up window with nothing ticked to come before the plan keeps everyone
      !(g.field === 'cpPlanAfter' && d.cpPlanAfter.length === 0),
  );
  const sizes = await cohortSizes(
    db,
    scope,
    set.map((g) => ({ key: g.field, definition: withoutGroup(d, g.keys) })),
  );
  const baseline = describeDefinition(emptyDefinition(), names);
  return set.map((g) => {
    let text: string;
    if (g.field === 'statuses')
      text = describeDefinition({ ...emptyDefinition(), statuses: d.statuses }, names)[0];
    else if (g.field === 'excludeClosed') text = 'Open cases only';
    else {
      const only = { ...emptyDefinition() } as Record<string, unknown>;
      for (const key of g.keys) only[key] = d[key];
      const lines = describeDefinition(only as CohortDefinition, names);
      text = lines.filter((l) => !baseline.includes(l)).join('; ');
    }
    return { field: g.field, text, childrenWithout: sizes.get(g.field) ?? 0 };
  });
}

// ---------------------------------------------------------------------------------------------
// What the form offers

export interface CohortFormOptions {
  serviceAreas: { id: string; name: string }[];
  localities: { id: string; name: string }[];
  /** teams under their service area, both by name */
  teamGroups: { serviceAreaId: string; serviceArea: string; teams: { id: string; name: string }[] }[];
  /** the ethnicities recorded for the children the latest snapshot lists */
  ethnicities: string[];
}

export async function cohortFormOptions(
  db: Db,
  councilId: string,
  scope?: CohortScope,
): Promise<CohortFormOptions> {
  const serviceAreas = await db
    .selectFrom('service_areas')
    .select(['id', 'name'])
    .where('council_id', '=', councilId)
    .orderBy('name')
    .execute();
  const localities = await db
    .selectFrom('localities')
    .select(['id', 'name'])
    .where('council_id', '=', councilId)
    .orderBy('name')
    .execute();
  const teams = await db
    .selectFrom('teams')
    .select(['id', 'name', 'service_area_id'])
    .where('council_id', '=', councilId)
    .orderBy('name')
    .execute();
  const teamGroups = serviceAreas
    .map((sa) => ({
      serviceAreaId: sa.id,
      serviceArea: sa.name,
      teams: teams.filter((t) => t.service_area_id === sa.id).map((t) => ({ id: t.id, name: t.name })),
    }))
    .filter((g) => g.teams.length > 0);
  const ethnicities = scope
    ? (
        await sql<{ ethnicity: string }>`select distinct c.ethnicity from children c
          join snapshot_children sc on sc.child_id = c.id and sc.snapshot_id = ${scope.snapshotId}
          where c.council_id = ${councilId} and c.ethnicity is not null and c.ethnicity <> ''
          order by c.ethnicity`.execute(db)
      ).rows.map((r) => r.ethnicity)
    : [];
  return { serviceAreas, localities, teamGroups, ethnicities };
}
