import type { Db } from '../../data/db.ts';
import type { JobQueue } from '../../data/queue.ts';
import { ACTIVITY_KINDS, type ActivityKind, isActivityKind } from '../../domain/activity-kinds.ts';
import { type CyclePhase, currentPhase } from '../../domain/cycle-phases.ts';
import { formatDate, monthName } from '../../domain/dates.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../domain/validation.ts';
import { notifyAllocated } from '../notifications.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import {
  type AllocationNotifier,
  allocateAudit,
  allocateSample,
  auditorChoices,
  EXEMPTION_REASONS,
  exemptAudit,
  reinstateAudit,
  sampleAudits,
  whyEachUnallocated,
} from './allocation.ts';
import { latestScope } from './cohort-query.ts';
import { cohortNames } from './cohorts.ts';
import {
  chosenTool,
  type DrawAddress,
  type DrawForm,
  type DrawFormFields,
  drawFormFromAddress,
  fieldText,
  isUuid,
  orderedErrors,
  type ReverseAnswer,
  readDrawForm,
  readDrawRequest,
  reverseAnswer,
  TOOL_FIELDS,
} from './draw-form.ts';
import { reviewingOfficersOfSample, whyFootprintUnallocated } from './footprint.ts';
import {
  type DrawRequest,
  drawSample,
  getSample,
  plannedTool,
  planSample,
  type SamplePlan,
  sampleLeftOut,
} from './samples.ts';

/**
 * What the sampling pages show: the draw form with its choices and check, a sample with its
 * audits, and one audit's allocation and exemption. Children are named by case reference only.
 */

/** Sample pages list audits by case reference: at most this many unallocated ones are explained. */
export const MAX_EXPLAINED = 100;

/** Tells auditors of audits just given to them, in the allocation's transaction. */
const notifierFor =
  (queue: JobQueue | null): AllocationNotifier =>
  (trx, councilId, auditIds) =>
    notifyAllocated(trx, queue, councilId, auditIds).then(() => undefined);

// --- drawing ---

export interface CycleChoice {
  id: string;
  text: string;
  month: string;
  state: string;
}

/**
 * The cycles a sample can be for: months that have audits and dated phases, whose cycle has not
 * finished (and the one asked for, whatever its state). The default is this month's cycle, else
 * the next one to start.
 */
async function cycleChoices(db: Db, councilId: string, today: string, wanted: string) {
  const rows = await db
    .selectFrom('programme_months')
    .select(['id', 'month', 'phases'])
    .where('council_id', '=', councilId)
    .where('learning_month', '=', false)
    .where('phases', 'is not', null)
    .orderBy('month')
    .execute();
  const choices: CycleChoice[] = [];
  for (const r of rows) {
    const phases = (r.phases as CyclePhase[] | null) ?? [];
    if (phases.length === 0) continue;
    const state = currentPhase(phases, today).state;
    if (state === 'finished' && r.id !== wanted) continue;
    const auditing = phases.find((p) => p.key === 'auditing');
    choices.push({
      id: r.id,
      month: r.month,
      state,
      text: `${monthName(r.month)}${auditing ? `, audits due by ${formatDate(auditing.end)}` : ''}`,
    });
  }
  const thisMonth = `${today.slice(0, 7)}-01`;
  const preferred =
    choices.find((c) => c.month === thisMonth) ??
    choices.find((c) => c.state === 'not_started') ??
    choices[0];
  return { choices, preferred: preferred?.id ?? '' };
}

/** The cohorts in use, and the one asked for even when archived. */
async function cohortChoices(db: Db, councilId: string, wanted: string) {
  return db
    .selectFrom('cohorts')
    .select(['id', 'name', 'archived'])
    .where('council_id', '=', councilId)
    .where((eb) =>
      isUuid(wanted)
        ? eb.or([eb('archived', '=', false), eb('id', '=', wanted)])
        : eb('archived', '=', false),
    )
    .orderBy('name')
    .execute();
}

/** A draw from an older extract than the latest: when, and the same form on the latest instead. */
export interface OlderData {
  asOf: string;
  latestAsOf: string;
  /** the form's answers without the snapshot, seeds and margin, for /samples/new */
  latestQuery: string;
}

/** The audit tools a sample of a kind may use, and the one the cycle plans for the kind. */
export interface ToolChoices {
  kind: ActivityKind;
  /** the form field holding the choice */
  field: keyof DrawForm;
  tools: { id: string; name: string }[];
  planned: { id: string; name: string } | null;
}

/** The council's audit tools in use, by kind, with the cycle's planned tool of each kind. */
async function toolChoices(db: Db, councilId: string, monthId: string): Promise<ToolChoices[]> {
  const tools = await db
    .selectFrom('audit_tools')
    .select(['id', 'name', 'kind'])
    .where('council_id', '=', councilId)
    .where('archived', '=', false)
    .orderBy('name')
    .execute();
  return Promise.all(
    ACTIVITY_KINDS.map(async (kind) => ({
      kind,
      field: TOOL_FIELDS[kind],
      tools: tools.filter((t) => t.kind === kind).map((t) => ({ id: t.id, name: t.name })),
      planned: isUuid(monthId) ? ((await plannedTool(db, councilId, monthId, kind)) ?? null) : null,
    })),
  );
}

/**
 * The form's audit tool is a choice a person makes: left blank while the council has tools of the
 * kind, it is asked for (with none, the draw says to create one).
 */
async function toolProblems(db: Db, councilId: string, form: DrawForm): Promise<FieldError[]> {
  if (!isActivityKind(form.kind) || chosenTool(form) !== '') return [];
  const any = await db
    .selectFrom('audit_tools')
    .select('id')
    .where('council_id', '=', councilId)
    .where('kind', '=', form.kind)
    .where('archived', '=', false)
    .executeTakeFirst();
  return any ? [{ field: TOOL_FIELDS[form.kind], message: 'Choose the audit tool the audits will use' }] : [];
}

/** The service's word for the tool is the form's field for the tool of the kind chosen. */
function toolFieldErrors(errors: FieldError[], form: DrawForm): FieldError[] {
  return errors.map((e) =>
    e.field === 'toolId' ? { ...e, field: isActivityKind(form.kind) ? TOOL_FIELDS[form.kind] : 'kind' } : e,
  );
}

export interface DrawPage {
  values: DrawForm;
  /** the audit tools of each kind, for the choice under each kind */
  tools: ToolChoices[];
  /** in the order the form shows its fields */
  errors: FieldError[];
  cycles: CycleChoice[];
  cohorts: { id: string; name: string; archived: boolean }[];
  /** the check: what a draw would give */
  plan?: SamplePlan;
  request?: DrawRequest;
  /** the answer to "how many for a margin of ±…" */
  reverse?: ReverseAnswer;
  olderData?: OlderData;
}

async function drawPage(
  db: Db,
  councilId: string,
  today: string,
  form: DrawForm,
  extra: { errors?: FieldError[]; plan?: SamplePlan; request?: DrawRequest } = {},
): Promise<DrawPage> {
  const { choices, preferred } = await cycleChoices(db, councilId, today, form.monthId);
  const cohorts = await cohortChoices(db, councilId, form.cohortId);
  const values = { ...form, monthId: form.monthId || preferred };
  const tools = await toolChoices(db, councilId, values.monthId);
  // each kind's tool: the cycle's planned one unless another was chosen; the only one when it is
  for (const k of tools)
    if (!k.tools.some((t) => t.id === values[k.field]))
      values[k.field] = k.planned?.id ?? (k.tools.length === 1 ? k.tools[0].id : '');
  let errors = orderedErrors(toolFieldErrors(extra.errors ?? [], form));
  let reverse: ReverseAnswer | undefined;
  if (extra.plan && extra.request) {
    const asked = reverseAnswer(form.margin, extra.plan.cohortSize);
    if (asked.error) errors = orderedErrors([...errors, asked.error]);
    reverse = asked.answer;
    values.previewSeed = String(extra.plan.seed);
    values.snapshotId = extra.plan.scope.snapshotId;
  }
  // a check, or the sample being drawn again, fixed the snapshot: say so when it is not the latest
  let olderData: OlderData | undefined;
  if (isUuid(values.snapshotId)) {
    const [chosen, latest] = await Promise.all([
      db
        .selectFrom('snapshots')
        .select(['id', 'as_of'])
        .where('id', '=', values.snapshotId)
        .where('council_id', '=', councilId)
        .where('state', '=', 'ready')
        .executeTakeFirst(),
      latestScope(db, councilId),
    ]);
    if (!chosen) values.snapshotId = '';
    else if (latest && latest.snapshotId !== chosen.id) {
      const keep = Object.entries(values).filter(
        ([k, v]) => v !== '' && !['snapshotId', 'previewSeed', 'margin', 'seed', 'againOf'].includes(k),
      );
      olderData = {
        asOf: chosen.as_of,
        latestAsOf: latest.asOf,
        latestQuery: String(new URLSearchParams(keep)),
      };
    }
  } else values.snapshotId = '';
  // the sample drawn again: one of the council's, of the cycle chosen
  if (isUuid(values.againOf) && isUuid(values.monthId)) {
    const again = await db
      .selectFrom('samples')
      .select('id')
      .where('id', '=', values.againOf)
      .where('council_id', '=', councilId)
      .where('month_id', '=', values.monthId)
      .executeTakeFirst();
    if (!again) values.againOf = '';
  } else values.againOf = '';
  return {
    values,
    errors,
    tools,
    cycles: choices,
    cohorts,
    plan: extra.plan,
    request: extra.request,
    reverse,
    olderData,
  };
}

/** The draw form as an address opens it: empty, or filled in to draw from a cohort or draw again. */
export function newDrawPage(db: Db, councilId: string, today: string, query: DrawAddress) {
  return drawPage(db, councilId, today, drawFormFromAddress(query));
}

/** "Check the sample": what the form would draw, or why it cannot be drawn. Nothing is saved. */
export async function checkDraw(db: Db, councilId: string, today: string, body: DrawFormFields) {
  const form = readDrawForm(body);
  const { request, errors } = readDrawRequest(form);
  const missing = await toolProblems(db, councilId, form);
  if (!request || missing.length)
    return drawPage(db, councilId, today, form, { errors: [...errors, ...missing] });
  try {
    const plan = await planSample(db, councilId, request);
    return drawPage(db, councilId, today, form, { plan, request });
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return drawPage(db, councilId, today, form, { errors: orderedErrors(err.errors) });
  }
}

/** The draw form sent again with what stopped the draw. */
export function drawFormWithErrors(
  db: Db,
  councilId: string,
  today: string,
  body: DrawFormFields,
  errors: FieldError[],
) {
  return drawPage(db, councilId, today, readDrawForm(body), { errors: orderedErrors(errors) });
}

/**
 * Draws the sample the form asks for. Refused with a ValidationError, its errors in the form's
 * order, when it cannot be drawn (show them with drawFormWithErrors).
 */
export async function drawFromForm(
  db: Db,
  person: SignedInUser,
  body: DrawFormFields,
  queue: JobQueue | null = null,
) {
  const form = readDrawForm(body);
  const { request, errors } = readDrawRequest(form);
  const missing = await toolProblems(db, person.councilId, form);
  if (!request || missing.length) throw new ValidationError(orderedErrors([...errors, ...missing]));
  // a footprint sample is allocated as it is drawn: its managers are told
  const id = await drawSample(db, person.councilId, person.staffId, request, notifierFor(queue));
  const sample = await getSample(db, person.councilId, id);
  return { id, sampleSize: sample.sample_size, cohortName: sample.cohort_name, seed: sample.seed };
}

// --- a sample and its audits ---

/**
 * A sample with its audits, the children of its cohort left out as already in a sample of the
 * cycle, and, for the first MAX_EXPLAINED not allocated, who could take them.
 */
export async function samplePage(db: Db, councilId: string, sampleId: string) {
  const sample = await getSample(db, councilId, sampleId);
  const audits = await sampleAudits(db, councilId, sample.id);
  const leftOut = await sampleLeftOut(db, councilId, sample.id);
  const names = await cohortNames(db, councilId);
  const waiting = audits.filter((a) => a.status === 'unallocated');
  const explained = waiting.slice(0, MAX_EXPLAINED).map((a) => a.id);
  // a footprint sample's audits go to the officers' managers: why not is about the manager
  const why = sample.footprint
    ? await whyFootprintUnallocated(db, councilId, explained)
    : await whyEachUnallocated(db, councilId, explained);
  const officers = sample.footprint
    ? await reviewingOfficersOfSample(db, councilId, sample.id)
    : new Map<string, string>();
  return { sample, audits, names, why, leftOut, officers };
}

export type SamplePage = Awaited<ReturnType<typeof samplePage>>;

/**
 * Allocates the sample's audits automatically and tells their auditors: how many were allocated,
 * and the first MAX_EXPLAINED of those that could not be, with why.
 */
export async function allocateWholeSample(
  db: Db,
  queue: JobQueue | null,
  person: SignedInUser,
  sampleId: string,
) {
  const result = await allocateSample(db, person.councilId, sampleId, person.staffId, notifierFor(queue));
  return {
    allocated: result.allocated,
    unallocated: result.unallocated
      .slice(0, MAX_EXPLAINED)
      .map((u) => ({ auditId: u.auditId, reason: u.reason })),
    notAllocated: result.unallocated.length,
  };
}

// --- one audit: its auditor, its exemption ---

/** The council's audit behind the allocation and exemption pages, with its child's reference only. */
export async function auditToAllocate(db: Db, councilId: string, auditId: string) {
  const audit = await db
    .selectFrom('audits as a')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .leftJoin('staff as au', 'au.id', 'a.auditor_id')
    .leftJoin('samples as s', 's.id', 'a.sample_id')
    .select([
      'a.id',
      'a.sample_id',
      'a.month_id',
      'a.status',
      'a.kind',
      'a.auditor_id',
      'a.exemption_reason',
      'a.exemption_note',
      'au.name as auditor',
      'c.id as child_id',
      'c.external_id as child_ref',
      's.cohort_name',
    ])
    .where('a.id', '=', auditId)
    .where('a.council_id', '=', councilId)
    .executeTakeFirst();
  if (!audit) throw new NotFoundError('audit');
  return audit;
}

export type AuditToAllocate = Awaited<ReturnType<typeof auditToAllocate>>;

/** The audit and every auditor, with whether they may take it and why not. */
export async function allocationPage(db: Db, councilId: string, auditId: string) {
  const audit = await auditToAllocate(db, councilId, auditId);
  const choices = await auditorChoices(db, councilId, audit.id);
  return { audit, choices };
}

/** The allocation form as sent. */
export interface AllocationForm {
  auditorId: string;
  note: string;
}

/**
 * Gives the audit to the auditor chosen (or moves it) and tells them. Refused with a
 * ValidationError when they may not take it. Returns the audit and the auditor's name.
 */
export async function giveAuditTo(
  db: Db,
  queue: JobQueue | null,
  person: SignedInUser,
  auditId: string,
  form: AllocationForm,
) {
  const audit = await auditToAllocate(db, person.councilId, auditId);
  const auditorId = fieldText(form.auditorId);
  await allocateAudit(
    db,
    person.councilId,
    audit.id,
    person.staffId,
    { auditorId, note: form.note },
    notifierFor(queue),
  );
  const auditor = await db
    .selectFrom('staff')
    .select('name')
    .where('id', '=', auditorId)
    .where('council_id', '=', person.councilId)
    .executeTakeFirst();
  return { audit, auditorName: auditor?.name ?? null };
}

/** The exemption form as sent: a reason, with the "other" reason's text or a note. */
export interface ExemptionForm {
  reason: string;
  otherNote: string;
  note: string;
}

/**
 * Exempts the audit. Refused with a ValidationError whose errors name the form's fields (the
 * "other" reason's text is otherNote). Returns the audit and the reason in words.
 */
export async function exemptFromForm(db: Db, person: SignedInUser, auditId: string, form: ExemptionForm) {
  const audit = await auditToAllocate(db, person.councilId, auditId);
  const reason = fieldText(form.reason);
  const other = reason === 'other';
  try {
    await exemptAudit(db, person.councilId, audit.id, person.staffId, {
      reason: reason || undefined,
      note: other ? form.otherNote : form.note,
    });
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    // the service's note is the "other" reason's text when Other is chosen
    throw new ValidationError(
      err.errors.map((e) => (e.field === 'note' && other ? { ...e, field: 'otherNote' } : e)),
    );
  }
  return { audit, reasonText: EXEMPTION_REASONS.find((r) => r.value === reason)?.text ?? '' };
}

/**
 * Reinstates an exempted audit: with its auditor again when they may still take it. When it cannot
 * be reinstated, says why (`refused`) and changes nothing.
 */
export async function reinstateFromPage(db: Db, person: SignedInUser, auditId: string) {
  const audit = await auditToAllocate(db, person.councilId, auditId);
  try {
    const back = await reinstateAudit(db, person.councilId, audit.id, person.staffId);
    return { audit, withAuditor: back.auditorId !== null, refused: null };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return { audit, withAuditor: false, refused: err.errors.map((e) => e.message).join('. ') };
  }
}
