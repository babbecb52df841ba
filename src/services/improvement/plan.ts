import type { Selectable } from 'kysely';
import type { Db } from '../../data/db.ts';
import type { ImprovementPlansTable, PlanAreasTable, PlanOutcomesTable } from '../../data/schema.ts';
import { inTransaction } from '../../data/transaction.ts';
import { type DatePart, parseDateInput } from '../../domain/date-input.ts';
import { type IsoDate, todayInLondon } from '../../domain/dates.ts';
import {
  compareRefs,
  RAG_VALUES,
  type RagRating,
  type RagSuggestion,
  ragLabel,
  ratingNeedsReason,
  type Suggestion,
} from '../../domain/improvement-plan.ts';
import { CAPABILITIES, can, type Role } from '../../domain/roles.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../domain/validation.ts';
import { type OutcomeEvidence, outcomeEvidence } from '../../metrics/plan-evidence.ts';

/**
 * The council's improvement plan (domain.md §12, issue 18): areas of the service with what the
 * council wants to see and what needs to change, outcomes with a lead, and a red/amber/green rating
 * per locality and overall. Every rating ever given is kept with who, when, what the evidence
 * suggested then and why; the current one is the latest. The QA lead changes everything; an
 * outcome's lead rates it, keeps its evidence notes and writes its updates; everyone who may read
 * the plan reads it.
 */

export type Plan = Selectable<ImprovementPlansTable>;
export type PlanArea = Selectable<PlanAreasTable>;
export type PlanOutcome = Selectable<PlanOutcomesTable>;

/** Someone acting on the plan: the signed-in person's staff record and roles. */
export interface PlanPerson {
  staffId: string;
  roles: readonly Role[];
}

/** Refused: the person may read the plan but not change this. Answered with 403. */
export class PlanAccessError extends Error {
  statusCode = 403;
}

export const MAX_PLAN_TITLE = 200;
export const MAX_AREA_NUMBER = 10;
export const MAX_AREA_TITLE = 200;
export const MAX_LIST = 10000;
export const MAX_REF = 20;
export const MAX_OUTCOME = 1000;
export const MAX_LEAD = 200;
export const MAX_NOTES = 10000;
export const MAX_REASON = 2000;
export const MAX_UPDATE = 5000;
/** the locality field's value for the rating of the whole service */
export const OVERALL = 'overall';

/** A list kept one item per line, as its items: blank lines and surrounding spaces dropped. */
export function listLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
/** a list typed in a text area: one item a line, blank lines dropped, Windows line ends made plain */
const list = (v: unknown) => listLines(typeof v === 'string' ? v : '').join('\n');

function fail(errors: FieldError[]): void {
  if (errors.length) throw new ValidationError(errors);
}

function tooLong(errors: FieldError[], field: string, value: string, max: number, name: string) {
  if (value.length > max)
    errors.push({ field, message: `${name} must be ${max.toLocaleString('en-GB')} characters or fewer` });
}

/** Whether the person may set this outcome's ratings, keep its evidence notes and write its updates. */
export function canEditOutcome(person: PlanPerson, outcome: Pick<PlanOutcome, 'lead_staff_id'>): boolean {
  if (can(person.roles, 'plan.manage')) return true;
  return (
    can(person.roles, 'plan.read') &&
    outcome.lead_staff_id !== null &&
    outcome.lead_staff_id === person.staffId
  );
}

function requireManager(person: PlanPerson) {
  if (!can(person.roles, 'plan.manage')) throw new PlanAccessError('Only the QA lead can change the plan');
}

// ---------------------------------------------------------------------------------------------
// Reading the plan

/** The council's current plan, or undefined when it has none. */
export async function currentPlan(db: Db, councilId: string): Promise<Plan | undefined> {
  return db
    .selectFrom('improvement_plans')
    .selectAll()
    .where('council_id', '=', councilId)
    .where('status', '=', 'current')
    .executeTakeFirst();
}

async function requireCurrentPlan(db: Db, councilId: string): Promise<Plan> {
  const plan = await currentPlan(db, councilId);
  if (!plan) throw new NotFoundError('improvement plan');
  return plan;
}

/** The council's localities, by name: each has its own rating column beside Overall. */
export async function planLocalities(db: Db, councilId: string): Promise<{ id: string; name: string }[]> {
  return db
    .selectFrom('localities')
    .select(['id', 'name'])
    .where('council_id', '=', councilId)
    .orderBy('name')
    .execute();
}

/** A current rating, the latest given for an outcome and a locality (or overall). */
export interface CurrentRating {
  rag: RagRating;
  /** what the evidence suggested when it was set */
  suggested: RagSuggestion | null;
  reason: string;
  setAt: Date;
  setByName: string | null;
}

export type OverviewOutcome = PlanOutcome & {
  leadName: string | null;
  /** by locality id, '' for overall */
  ratings: Map<string, CurrentRating>;
};

export type OverviewArea = PlanArea & {
  /** the two lists, one item a line */
  wantToSeeItems: string[];
  needsToChangeItems: string[];
  outcomes: OverviewOutcome[];
};

export interface PlanOverview {
  plan: Plan | undefined;
  localities: { id: string; name: string }[];
  areas: OverviewArea[];
}

/** The current rating of each outcome for each locality ('' for overall). */
async function currentRatings(db: Db, councilId: string, outcomeIds: readonly string[]) {
  const out = new Map<string, Map<string, CurrentRating>>();
  if (outcomeIds.length === 0) return out;
  const rows = await db
    .selectFrom('plan_ratings as r')
    .leftJoin('staff as s', 's.id', 'r.set_by')
    .select(['r.outcome_id', 'r.locality_id', 'r.rag', 'r.suggested', 'r.reason', 'r.set_at', 's.name'])
    .where('r.council_id', '=', councilId)
    .where('r.outcome_id', 'in', outcomeIds)
    .orderBy('r.set_at')
    .orderBy('r.id')
    .execute();
  for (const r of rows) {
    const byLocality = out.get(r.outcome_id) ?? new Map<string, CurrentRating>();
    // later rows replace earlier ones: the latest is current
    byLocality.set(r.locality_id ?? '', {
      rag: r.rag,
      suggested: r.suggested,
      reason: r.reason,
      setAt: r.set_at,
      setByName: r.name,
    });
    out.set(r.outcome_id, byLocality);
  }
  return out;
}

/**
 * The current plan: its areas in order, each with its two lists and its outcomes in reference
 * order, each outcome with its lead's name and its current rating per locality ('' for overall).
 * With no current plan, `plan` is undefined and there are no areas.
 */
export async function planOverview(db: Db, councilId: string): Promise<PlanOverview> {
  const plan = await currentPlan(db, councilId);
  const localities = await planLocalities(db, councilId);
  if (!plan) return { plan, localities, areas: [] };
  const areas = await db
    .selectFrom('plan_areas')
    .selectAll()
    .where('council_id', '=', councilId)
    .where('plan_id', '=', plan.id)
    .orderBy('position')
    .orderBy('number')
    .execute();
  const outcomes = await db
    .selectFrom('plan_outcomes as o')
    .leftJoin('staff as s', 's.id', 'o.lead_staff_id')
    .selectAll('o')
    .select('s.name as leadName')
    .where('o.council_id', '=', councilId)
    .where('o.plan_id', '=', plan.id)
    .execute();
  const ratings = await currentRatings(
    db,
    councilId,
    outcomes.map((o) => o.id),
  );
  return {
    plan,
    localities,
    areas: areas.map((a) => ({
      ...a,
      wantToSeeItems: listLines(a.want_to_see),
      needsToChangeItems: listLines(a.needs_to_change),
      outcomes: outcomes
        .filter((o) => o.area_id === a.id)
        .sort((x, y) => compareRefs(x.ref, y.ref) || x.position - y.position)
        .map((o) => ({ ...o, ratings: ratings.get(o.id) ?? new Map<string, CurrentRating>() })),
    })),
  };
}

/** One area of the council's current plan: NotFoundError when there is none. */
export async function requireArea(db: Db, councilId: string, areaId: string): Promise<PlanArea> {
  const area = await db
    .selectFrom('plan_areas as a')
    .innerJoin('improvement_plans as p', 'p.id', 'a.plan_id')
    .selectAll('a')
    .where('a.council_id', '=', councilId)
    .where('p.council_id', '=', councilId)
    .where('p.status', '=', 'current')
    .where('a.id', '=', areaId)
    .executeTakeFirst();
  if (!area) throw new NotFoundError('area of the plan');
  return area;
}

/** One outcome of the council's current plan: NotFoundError when there is none. */
export async function requireOutcome(db: Db, councilId: string, outcomeId: string): Promise<PlanOutcome> {
  const outcome = await db
    .selectFrom('plan_outcomes as o')
    .innerJoin('improvement_plans as p', 'p.id', 'o.plan_id')
    .selectAll('o')
    .where('o.council_id', '=', councilId)
    .where('p.council_id', '=', councilId)
    .where('p.status', '=', 'current')
    .where('o.id', '=', outcomeId)
    .executeTakeFirst();
  if (!outcome) throw new NotFoundError('outcome of the plan');
  return outcome;
}

/** The people who may lead an outcome: the council's active staff who may read the plan, by name. */
export async function leadChoices(
  db: Db,
  councilId: string,
): Promise<{ id: string; name: string; jobTitle: string }[]> {
  const rows = await db
    .selectFrom('staff as s')
    .select(['s.id', 's.name', 's.job_title'])
    .where('s.council_id', '=', councilId)
    .where('s.active', '=', true)
    .where('s.deactivated_at', 'is', null)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('staff_roles as r')
          .select('r.staff_id')
          .whereRef('r.staff_id', '=', 's.id')
          .where('r.council_id', '=', councilId)
          .where('r.role', 'in', [...CAPABILITIES['plan.read']]),
      ),
    )
    .orderBy('s.name')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, jobTitle: r.job_title }));
}

// ---------------------------------------------------------------------------------------------
// The plan and its areas

export interface PlanInput {
  title?: unknown;
}

/** Starts the council's plan. Only one is current: a council with one is told so. */
export async function createPlan(
  db: Db,
  councilId: string,
  person: PlanPerson,
  input: PlanInput,
): Promise<string> {
  requireManager(person);
  return inTransaction(db, async (trx) => {
    const title = text(input.title);
    const errors: FieldError[] = [];
    if (!title) errors.push({ field: 'title', message: 'Enter a title for the plan' });
    tooLong(errors, 'title', title, MAX_PLAN_TITLE, 'Title');
    if (await currentPlan(trx, councilId))
      errors.push({
        field: 'title',
        message: 'Your council already has a plan: add areas and outcomes to it instead',
        href: '/plan',
      });
    fail(errors.slice(0, 1));
    const row = await trx
      .insertInto('improvement_plans')
      .values({ council_id: councilId, title, created_by: person.staffId, source: 'Started in QA Loop' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
}

export interface AreaInput {
  number?: unknown;
  title?: unknown;
  wantToSee?: unknown;
  needsToChange?: unknown;
  /** where it comes in the plan, 1 first; empty: last (a new area) or where it is (a changed one) */
  position?: unknown;
}

function checkArea(input: AreaInput, areaCount: number) {
  const errors: FieldError[] = [];
  const number = text(input.number);
  const title = text(input.title);
  const wantToSee = list(input.wantToSee);
  const needsToChange = list(input.needsToChange);
  const positionText = text(input.position);
  tooLong(errors, 'number', number, MAX_AREA_NUMBER, 'Number');
  if (!title) errors.push({ field: 'title', message: 'Enter the name of the area, like First Response' });
  tooLong(errors, 'title', title, MAX_AREA_TITLE, 'Name');
  tooLong(errors, 'wantToSee', wantToSee, MAX_LIST, 'What you want to see');
  tooLong(errors, 'needsToChange', needsToChange, MAX_LIST, 'What needs to change');
  let position: number | null = null;
  if (positionText !== '') {
    if (!/^\d+$/.test(positionText) || Number(positionText) < 1 || Number(positionText) > areaCount)
      errors.push({
        field: 'position',
        message:
          areaCount === 1
            ? 'Place in the plan must be 1'
            : `Place in the plan must be a whole number from 1 to ${areaCount}`,
      });
    else position = Number(positionText);
  }
  fail(errors);
  return { number, title, wantToSee, needsToChange, position };
}

/** Puts the plan's areas in order 1, 2, 3… with `areaId` at `place` (1 first). */
async function placeArea(trx: Db, councilId: string, planId: string, areaId: string, place: number | null) {
  const areas = await trx
    .selectFrom('plan_areas')
    .select(['id'])
    .where('council_id', '=', councilId)
    .where('plan_id', '=', planId)
    .orderBy('position')
    .orderBy('number')
    .execute();
  const others = areas.map((a) => a.id).filter((id) => id !== areaId);
  const now = areas.findIndex((a) => a.id === areaId);
  const at = place === null ? (now < 0 ? others.length : now) : place - 1;
  others.splice(Math.max(0, Math.min(at, others.length)), 0, areaId);
  for (const [i, id] of others.entries())
    await trx
      .updateTable('plan_areas')
      .set({ position: i + 1 })
      .where('id', '=', id)
      .execute();
}

/** Adds an area to the current plan, last unless a place is given. */
export async function createArea(
  db: Db,
  councilId: string,
  person: PlanPerson,
  input: AreaInput,
): Promise<string> {
  requireManager(person);
  return inTransaction(db, async (trx) => {
    const plan = await requireCurrentPlan(trx, councilId);
    const count = await areaCount(trx, councilId, plan.id);
    const a = checkArea(input, count + 1);
    const row = await trx
      .insertInto('plan_areas')
      .values({
        council_id: councilId,
        plan_id: plan.id,
        number: a.number,
        title: a.title,
        want_to_see: a.wantToSee,
        needs_to_change: a.needsToChange,
        position: count + 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await placeArea(trx, councilId, plan.id, row.id, a.position ?? count + 1);
    return row.id;
  });
}

async function areaCount(db: Db, councilId: string, planId: string) {
  const row = await db
    .selectFrom('plan_areas')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('council_id', '=', councilId)
    .where('plan_id', '=', planId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Changes an area of the current plan, and its place when one is given. */
export async function updateArea(
  db: Db,
  councilId: string,
  person: PlanPerson,
  areaId: string,
  input: AreaInput,
): Promise<void> {
  requireManager(person);
  await inTransaction(db, async (trx) => {
    const area = await requireArea(trx, councilId, areaId);
    const a = checkArea(input, await areaCount(trx, councilId, area.plan_id));
    await trx
      .updateTable('plan_areas')
      .set({ number: a.number, title: a.title, want_to_see: a.wantToSee, needs_to_change: a.needsToChange })
      .where('id', '=', areaId)
      .where('council_id', '=', councilId)
      .execute();
    await placeArea(trx, councilId, area.plan_id, areaId, a.position);
  });
}

/** The place of an area in its plan, 1 first. */
export async function areaPlace(db: Db, councilId: string, area: PlanArea): Promise<number> {
  const areas = await db
    .selectFrom('plan_areas')
    .select('id')
    .where('council_id', '=', councilId)
    .where('plan_id', '=', area.plan_id)
    .orderBy('position')
    .orderBy('number')
    .execute();
  return areas.findIndex((a) => a.id === area.id) + 1;
}

// ---------------------------------------------------------------------------------------------
// Outcomes

export interface OutcomeInput {
  area?: unknown;
  ref?: unknown;
  outcome?: unknown;
  lead?: unknown;
  leadStaffId?: unknown;
  'dueOn-day'?: unknown;
  'dueOn-month'?: unknown;
  'dueOn-year'?: unknown;
  evidenceNotes?: unknown;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const DUE_LABEL = 'The date it is due';

/** The date parts to highlight when the due date is wrong. */
export function badDueParts(input: OutcomeInput): DatePart[] {
  const read = parseDateInput(
    { day: input['dueOn-day'], month: input['dueOn-month'], year: input['dueOn-year'] },
    { label: DUE_LABEL },
  );
  return read.ok ? [] : read.parts;
}

async function checkOutcome(
  trx: Db,
  councilId: string,
  planId: string,
  input: OutcomeInput,
  outcomeId?: string,
) {
  const errors: FieldError[] = [];
  const areaId = text(input.area);
  const ref = text(input.ref);
  const wording = text(input.outcome);
  const lead = text(input.lead);
  const leadStaffId = text(input.leadStaffId);
  const evidenceNotes = typeof input.evidenceNotes === 'string' ? input.evidenceNotes.trim() : '';
  const area = UUID.test(areaId)
    ? await trx
        .selectFrom('plan_areas')
        .select('id')
        .where('council_id', '=', councilId)
        .where('plan_id', '=', planId)
        .where('id', '=', areaId)
        .executeTakeFirst()
    : undefined;
  if (!area) errors.push({ field: 'area', message: 'Select the area of the plan the outcome is in' });
  if (!ref) errors.push({ field: 'ref', message: 'Enter the outcome’s reference, like 2.5' });
  else if (ref.length > MAX_REF)
    errors.push({ field: 'ref', message: `Reference must be ${MAX_REF} characters or fewer` });
  else {
    const taken = await trx
      .selectFrom('plan_outcomes')
      .select('id')
      .where('council_id', '=', councilId)
      .where('plan_id', '=', planId)
      .where('ref', '=', ref)
      .$if(outcomeId !== undefined, (q) => q.where('id', '<>', outcomeId as string))
      .executeTakeFirst();
    if (taken)
      errors.push({
        field: 'ref',
        message: `Another outcome in the plan is ${ref}: give this one its own reference`,
      });
  }
  if (!wording) errors.push({ field: 'outcome', message: 'Enter the outcome, as the plan words it' });
  tooLong(errors, 'outcome', wording, MAX_OUTCOME, 'Outcome');
  tooLong(errors, 'lead', lead, MAX_LEAD, 'Lead');
  let leadId: string | null = null;
  if (leadStaffId) {
    const choices = await leadChoices(trx, councilId);
    if (!choices.some((c) => c.id === leadStaffId))
      errors.push({
        field: 'leadStaffId',
        message: 'Select a person who can read the plan, or no one',
      });
    else leadId = leadStaffId;
  }
  const due = parseDateInput(
    { day: input['dueOn-day'], month: input['dueOn-month'], year: input['dueOn-year'] },
    { label: DUE_LABEL },
  );
  if (!due.ok) {
    const part = (['day', 'month', 'year'] as const).find((p) => due.parts.includes(p)) ?? 'day';
    errors.push({ field: `dueOn-${part}`, message: due.message });
  }
  tooLong(errors, 'evidenceNotes', evidenceNotes, MAX_NOTES, 'Evidence notes');
  fail(errors);
  return {
    areaId,
    ref,
    outcome: wording,
    lead,
    leadStaffId: leadId,
    dueOn: due.ok ? due.value : null,
    evidenceNotes,
  };
}

/** Adds an outcome to an area of the current plan; its reference is its own in the plan. */
export async function createOutcome(
  db: Db,
  councilId: string,
  person: PlanPerson,
  input: OutcomeInput,
): Promise<string> {
  requireManager(person);
  return inTransaction(db, async (trx) => {
    const plan = await requireCurrentPlan(trx, councilId);
    const o = await checkOutcome(trx, councilId, plan.id, input);
    const row = await trx
      .insertInto('plan_outcomes')
      .values({
        council_id: councilId,
        plan_id: plan.id,
        area_id: o.areaId,
        ref: o.ref,
        outcome: o.outcome,
        lead: o.lead,
        lead_staff_id: o.leadStaffId,
        due_on: o.dueOn,
        evidence_notes: o.evidenceNotes,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
}

/**
 * Changes an outcome. The QA lead changes every field; the outcome's lead only its evidence
 * notes (anything else they send is left as it is).
 */
export async function updateOutcome(
  db: Db,
  councilId: string,
  person: PlanPerson,
  outcomeId: string,
  input: OutcomeInput,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    const outcome = await requireOutcome(trx, councilId, outcomeId);
    if (!canEditOutcome(person, outcome))
      throw new PlanAccessError('Only the QA lead and the outcome’s lead can change it');
    if (!can(person.roles, 'plan.manage')) {
      const notes = typeof input.evidenceNotes === 'string' ? input.evidenceNotes.trim() : '';
      const errors: FieldError[] = [];
      tooLong(errors, 'evidenceNotes', notes, MAX_NOTES, 'Evidence notes');
      fail(errors);
      await trx
        .updateTable('plan_outcomes')
        .set({ evidence_notes: notes })
        .where('id', '=', outcomeId)
        .where('council_id', '=', councilId)
        .execute();
      return;
    }
    const o = await checkOutcome(trx, councilId, outcome.plan_id, input, outcomeId);
    await trx
      .updateTable('plan_outcomes')
      .set({
        area_id: o.areaId,
        ref: o.ref,
        outcome: o.outcome,
        lead: o.lead,
        lead_staff_id: o.leadStaffId,
        due_on: o.dueOn,
        evidence_notes: o.evidenceNotes,
      })
      .where('id', '=', outcomeId)
      .where('council_id', '=', councilId)
      .execute();
  });
}

// ---------------------------------------------------------------------------------------------
// Ratings and updates

export interface RatingInput {
  /** a locality's id, or 'overall' */
  locality?: unknown;
  rag?: unknown;
  reason?: unknown;
}

export interface RatingOptions {
  /** the day the evidence is read to (today in England when not given) */
  today?: IsoDate;
}

/** The key of a locality in a ratings or suggestions map: its id, '' for overall. */
export const localityKey = (localityId: string | null) => localityId ?? '';

/**
 * Sets an outcome's rating for a locality (or overall): a new rating kept beside every earlier one,
 * with what the evidence suggests now, read here and not from the form. A reason is needed when
 * the rating differs from a red, amber or green suggestion (`ratingNeedsReason`).
 */
export async function setRating(
  db: Db,
  councilId: string,
  person: PlanPerson,
  outcomeId: string,
  input: RatingInput,
  options: RatingOptions = {},
): Promise<{ rag: RagRating; suggested: RagSuggestion | null; place: string }> {
  const today = options.today ?? todayInLondon();
  return inTransaction(db, async (trx) => {
    const outcome = await requireOutcome(trx, councilId, outcomeId);
    if (!canEditOutcome(person, outcome))
      throw new PlanAccessError('Only the QA lead and the outcome’s lead can rate it');
    const errors: FieldError[] = [];
    const localities = await planLocalities(trx, councilId);
    const where = text(input.locality);
    const locality = where === OVERALL ? null : localities.find((l) => l.id === where);
    if (locality === undefined)
      errors.push({ field: 'locality', message: 'Select the locality the rating is for, or Overall' });
    const rag = text(input.rag) as RagRating;
    if (!RAG_VALUES.includes(rag)) errors.push({ field: 'rag', message: 'Select a rating' });
    const reason = text(input.reason);
    tooLong(errors, 'reason', reason, MAX_REASON, 'Reason');
    fail(errors);
    const localityId = locality ? locality.id : null;
    const evidence = await outcomeEvidence(trx, councilId, [outcomeId], today);
    const suggestion = evidence.get(outcomeId)?.suggestions.get(localityKey(localityId)) ?? null;
    const suggested = suggestion?.rag ?? null;
    if (!reason && ratingNeedsReason(rag, suggested))
      fail([
        {
          field: 'reason',
          message: `The evidence suggests ${ragLabel(suggested)}: give a reason for rating it ${ragLabel(rag)}`,
        },
      ]);
    await trx
      .insertInto('plan_ratings')
      .values({
        council_id: councilId,
        outcome_id: outcomeId,
        locality_id: localityId,
        rag,
        suggested,
        reason,
        source: 'app',
        set_by: person.staffId,
      })
      .execute();
    return { rag, suggested, place: locality ? locality.name : 'Overall' };
  });
}

export interface UpdateInput {
  'writtenOn-day'?: unknown;
  'writtenOn-month'?: unknown;
  'writtenOn-year'?: unknown;
  text?: unknown;
}

export const WRITTEN_ON_LABEL = 'The date of the update';

/** The date parts to highlight when the update's date is wrong. */
export function badWrittenOnParts(input: UpdateInput, today: IsoDate): DatePart[] {
  const read = parseDateInput(
    { day: input['writtenOn-day'], month: input['writtenOn-month'], year: input['writtenOn-year'] },
    { label: WRITTEN_ON_LABEL, required: true, notAfter: today },
  );
  return read.ok ? [] : read.parts;
}

/** Adds a dated update to an outcome: by the QA lead or the outcome's lead, dated today or earlier. */
export async function addUpdate(
  db: Db,
  councilId: string,
  person: PlanPerson,
  outcomeId: string,
  input: UpdateInput,
  today: IsoDate,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    const outcome = await requireOutcome(trx, councilId, outcomeId);
    if (!canEditOutcome(person, outcome))
      throw new PlanAccessError('Only the QA lead and the outcome’s lead can add updates');
    const errors: FieldError[] = [];
    const date = parseDateInput(
      { day: input['writtenOn-day'], month: input['writtenOn-month'], year: input['writtenOn-year'] },
      { label: WRITTEN_ON_LABEL, required: true, notAfter: today },
    );
    if (!date.ok) {
      const part = (['day', 'month', 'year'] as const).find((p) => date.parts.includes(p)) ?? 'day';
      errors.push({ field: `writtenOn-${part}`, message: date.message });
    }
    const body = typeof input.text === 'string' ? input.text.trim() : '';
    if (!body)
      errors.push({ field: 'text', message: 'Enter the update: what was done, what the evidence shows' });
    tooLong(errors, 'text', body, MAX_UPDATE, 'Update');
    fail(errors);
    await trx
      .insertInto('plan_updates')
      .values({
        council_id: councilId,
        outcome_id: outcomeId,
        written_on: (date.ok ? date.value : today) as IsoDate,
        text: body,
        written_by: person.staffId,
      })
      .execute();
  });
}

// ---------------------------------------------------------------------------------------------
// The outcome's page

export interface RatingHistoryRow {
  setAt: Date;
  setByName: string | null;
  place: string;
  from: RagRating | null;
  to: RagRating;
  suggested: RagSuggestion | null;
  reason: string;
  source: 'app' | 'import';
}

export interface OutcomeGridRow {
  localityId: string | null;
  place: string;
  current: CurrentRating | undefined;
  /** what the evidence suggests now (null: no measures to suggest from) */
  suggestion: Suggestion | null;
}

export interface OutcomePage {
  plan: Plan;
  area: PlanArea;
  outcome: PlanOutcome;
  leadName: string | null;
  localities: { id: string; name: string }[];
  evidence: OutcomeEvidence | undefined;
  grid: OutcomeGridRow[];
  /** newest first */
  history: RatingHistoryRow[];
  /** newest first */
  updates: { writtenOn: IsoDate; text: string; writtenByName: string | null }[];
  canEdit: boolean;
  canManage: boolean;
}

/** Everything the outcome's page shows: its details, evidence, ratings and their history, updates. */
export async function outcomePage(
  db: Db,
  councilId: string,
  person: PlanPerson,
  outcomeId: string,
  today: IsoDate,
): Promise<OutcomePage> {
  const outcome = await requireOutcome(db, councilId, outcomeId);
  const plan = await requireCurrentPlan(db, councilId);
  const area = await requireArea(db, councilId, outcome.area_id);
  const localities = await planLocalities(db, councilId);
  const lead = outcome.lead_staff_id
    ? await db.selectFrom('staff').select('name').where('id', '=', outcome.lead_staff_id).executeTakeFirst()
    : undefined;
  const evidence = (await outcomeEvidence(db, councilId, [outcomeId], today)).get(outcomeId);
  const current = (await currentRatings(db, councilId, [outcomeId])).get(outcomeId) ?? new Map();
  const places = [
    ...localities.map((l) => ({ id: l.id as string | null, name: l.name })),
    { id: null, name: 'Overall' },
  ];
  const grid = places.map((p) => ({
    localityId: p.id,
    place: p.name,
    current: current.get(localityKey(p.id)),
    suggestion: evidence?.suggestions.get(localityKey(p.id)) ?? null,
  }));
  const rows = await db
    .selectFrom('plan_ratings as r')
    .leftJoin('staff as s', 's.id', 'r.set_by')
    .select(['r.locality_id', 'r.rag', 'r.suggested', 'r.reason', 'r.set_at', 'r.source', 's.name'])
    .where('r.council_id', '=', councilId)
    .where('r.outcome_id', '=', outcomeId)
    .orderBy('r.set_at')
    .orderBy('r.id')
    .execute();
  const previous = new Map<string, RagRating>();
  const history: RatingHistoryRow[] = [];
  for (const r of rows) {
    const key = localityKey(r.locality_id);
    history.push({
      setAt: r.set_at,
      setByName: r.name,
      place:
        r.locality_id === null ? 'Overall' : (localities.find((l) => l.id === r.locality_id)?.name ?? ''),
      from: previous.get(key) ?? null,
      to: r.rag,
      suggested: r.suggested,
      reason: r.reason,
      source: r.source,
    });
    previous.set(key, r.rag);
  }
  const updates = await db
    .selectFrom('plan_updates as u')
    .leftJoin('staff as s', 's.id', 'u.written_by')
    .select(['u.written_on', 'u.text', 's.name'])
    .where('u.council_id', '=', councilId)
    .where('u.outcome_id', '=', outcomeId)
    .orderBy('u.written_on', 'desc')
    .orderBy('u.created_at', 'desc')
    .execute();
  return {
    plan,
    area,
    outcome,
    leadName: lead?.name ?? null,
    localities,
    evidence,
    grid,
    history: history.reverse(),
    updates: updates.map((u) => ({ writtenOn: u.written_on, text: u.text, writtenByName: u.name })),
    canEdit: canEditOutcome(person, outcome),
    canManage: can(person.roles, 'plan.manage'),
  };
}

/**
 * What the evidence suggests now for each outcome of the plan, per locality ('' for overall), for
 * the plan's grid to show beside a rating that differs.
 */
export async function planSuggestions(
  db: Db,
  councilId: string,
  overview: PlanOverview,
  today: IsoDate,
): Promise<Map<string, Map<string, Suggestion | null>>> {
  const ids = overview.areas.flatMap((a) => a.outcomes.map((o) => o.id));
  const out = new Map<string, Map<string, Suggestion | null>>();
  if (ids.length === 0) return out;
  const evidence = await outcomeEvidence(db, councilId, ids, today);
  for (const [id, e] of evidence) out.set(id, e.suggestions);
  return out;
}
