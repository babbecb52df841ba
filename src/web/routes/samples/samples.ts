import { randomInt } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import type { AuditStatus, StratifyBy } from '../../../data/schema.ts';
import { ACTIVITY_KIND_HINTS, ACTIVITY_KIND_LABELS, ACTIVITY_KINDS } from '../../../domain/activity-kinds.ts';
import { describeDefinition } from '../../../domain/cohort-definition.ts';
import { type CyclePhase, currentPhase } from '../../../domain/cycle-phases.ts';
import { formatDate, monthName } from '../../../domain/dates.ts';
import { sampleSizeFor } from '../../../domain/sampling.ts';
import { type FieldError, NotFoundError, ValidationError, validate } from '../../../domain/validation.ts';
import { notifyAllocated } from '../../../services/notifications.ts';
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
} from '../../../services/sampling/allocation.ts';
import { latestScope } from '../../../services/sampling/cohort-query.ts';
import { cohortNames } from '../../../services/sampling/cohorts.ts';
import {
  type DrawRequest,
  drawRequestSchema,
  drawSample,
  getSample,
  MAX_SEED,
  planSample,
  type SamplePlan,
  STRATIFY_LABELS,
} from '../../../services/sampling/samples.ts';

declare module 'fastify' {
  interface Session {
    /** what the last automatic allocation of a sample did, for that sample's page (no child references) */
    allocationResult?: {
      sampleId: string;
      allocated: number;
      /** the first MAX_EXPLAINED of those not allocated, with why */
      unallocated: { auditId: string; reason: string }[];
      notAllocated: number;
    };
  }
}

const STATUS_TAGS: Record<AuditStatus, { text: string; classes: string }> = {
  unallocated: { text: 'Not allocated', classes: 'govuk-tag--yellow' },
  allocated: { text: 'Allocated', classes: 'govuk-tag--blue' },
  in_progress: { text: 'In progress', classes: 'govuk-tag--turquoise' },
  submitted: { text: 'Returned', classes: 'govuk-tag--green' },
  exempted: { text: 'Exempted', classes: 'govuk-tag--grey' },
};

/** Sample pages list audits by case reference: at most this many unallocated ones are explained. */
const MAX_EXPLAINED = 100;

const sampleParam = z.object({ sampleId: z.uuid() });
const auditParam = z.object({ auditId: z.uuid() });

/** The draw form as typed: every field a string, kept as it was to show it again. */
interface DrawForm {
  monthId: string;
  cohortId: string;
  kind: string;
  sizeKind: string;
  count: string;
  percent: string;
  method: string;
  stratifyBy: string;
  allocation: string;
  perStratum: string;
  seed: string;
  allowSameTeam: string;
  /** the seed the last check used, so that drawing after it draws what was checked */
  previewSeed: string;
  /** the snapshot the last check (or the sample drawn again) used */
  snapshotId: string;
  /** the reverse question: how many for ±margin percentage points */
  margin: string;
}

const FORM_FIELDS: (keyof DrawForm)[] = [
  'monthId',
  'cohortId',
  'kind',
  'sizeKind',
  'count',
  'percent',
  'method',
  'stratifyBy',
  'allocation',
  'perStratum',
  'seed',
  'allowSameTeam',
  'previewSeed',
  'snapshotId',
  'margin',
];

/** The fields a person sees, in page order, so the error summary lists problems as the page shows them. */
const FIELD_ORDER: string[] = FORM_FIELDS.filter((f) => f !== 'previewSeed' && f !== 'snapshotId');

function text(value: unknown): string {
  if (Array.isArray(value)) return text(value[0]);
  return typeof value === 'string' ? value.trim().slice(0, 200) : '';
}

function readForm(source: unknown): DrawForm {
  const body = (source ?? {}) as Record<string, unknown>;
  return Object.fromEntries(FORM_FIELDS.map((f) => [f, text(body[f])])) as unknown as DrawForm;
}

/**
 * A number as a person types it: "1,000", " 20 ", "12.5%". Empty is null; anything that is not a
 * number is NaN, which the schema refuses with its message.
 */
function numberFrom(value: string): number | null {
  const s = value.replace(/[,\s%]/g, '');
  if (s === '') return null;
  return /^(\d+(\.\d*)?|\.\d+)$/.test(s) ? Number(s) : Number.NaN;
}

const isUuid = (v: string) => z.uuid().safeParse(v).success;

/** The form as the service's request, with the problems only the form can have. */
function readRequest(form: DrawForm): { request?: DrawRequest; errors: FieldError[] } {
  const stratified = form.method === 'stratified';
  const fixed = stratified && form.allocation === 'fixed';
  const perStratum = fixed ? numberFrom(form.perStratum) : null;
  const previewSeed = numberFrom(form.previewSeed);
  const errors: FieldError[] = [];
  if (fixed && perStratum === null) {
    const by = STRATIFY_LABELS[form.stratifyBy as StratifyBy] ?? 'stratum';
    errors.push({ field: 'perStratum', message: `Enter how many children to draw from each ${by}, like 5` });
  }
  const checked = validate(drawRequestSchema, {
    monthId: form.monthId,
    cohortId: form.cohortId,
    kind: form.kind || undefined,
    // a fixed number from each stratum decides the size: the size question does not apply
    sizeKind: fixed ? 'count' : form.sizeKind || undefined,
    count: !fixed && form.sizeKind === 'count' ? numberFrom(form.count) : null,
    percent: !fixed && form.sizeKind === 'percent' ? numberFrom(form.percent) : null,
    method: form.method || undefined,
    stratifyBy: stratified ? form.stratifyBy || null : null,
    perStratum,
    seed:
      form.seed !== ''
        ? numberFrom(form.seed)
        : previewSeed !== null && Number.isInteger(previewSeed)
          ? previewSeed
          : null,
    allowSameTeam: form.allowSameTeam === 'yes',
    snapshotId: isUuid(form.snapshotId) ? form.snapshotId : null,
  });
  if (!checked.ok)
    errors.push(...checked.errors.filter((e) => !(fixed && (e.field === 'count' || e.field === 'sizeKind'))));
  return { request: checked.ok && errors.length === 0 ? checked.value : undefined, errors: ordered(errors) };
}

function ordered(errors: FieldError[]): FieldError[] {
  const rank = (f: string) => (FIELD_ORDER.includes(f) ? FIELD_ORDER.indexOf(f) : FIELD_ORDER.length);
  return [...errors].sort((a, b) => rank(a.field) - rank(b.field));
}

/** "±12.3 percentage points at 95% confidence" */
export function marginText(margin: number | null): string {
  if (margin === null) return 'None: the sample is empty';
  if (margin === 0) return 'None: every child in the cohort is drawn';
  return `±${(margin * 100).toFixed(1)} percentage points at 95% confidence`;
}

const pointsText = (margin: number) => `±${Number((margin * 100).toFixed(1))} percentage points`;

/** The preview panel: what a draw would give. */
function previewView(plan: SamplePlan, request: DrawRequest) {
  const stratified = request.method === 'stratified';
  return {
    seed: plan.seed,
    asOf: plan.scope.asOf,
    cohortName: plan.cohortName,
    cohortSize: plan.cohortSize,
    onePerFamily: plan.definition.onePerFamily,
    sampleSize: plan.sampleSize,
    margin: marginText(plan.marginOfError),
    stratifiedBy: stratified && request.stratifyBy ? STRATIFY_LABELS[request.stratifyBy] : null,
    strata: stratified ? plan.strata : [],
    notes: plan.notes,
    sizes: plan.sizesForMargins.map((s) => ({
      margin: pointsText(s.margin),
      size: s.size,
      all: s.size >= plan.cohortSize,
    })),
  };
}

/** The reverse question: how many children for a margin of error, typed in percentage points. */
function reverseAnswer(
  typed: string,
  cohortSize: number,
): { answer?: { margin: string; size: number; all: boolean }; error?: FieldError } {
  if (typed === '') return {};
  const points = numberFrom(typed);
  if (points === null || Number.isNaN(points) || !(points > 0 && points < 100))
    return {
      error: {
        field: 'margin',
        message: 'Enter a margin of error between 0 and 100 percentage points, like 10',
      },
    };
  const size = sampleSizeFor(points / 100, cohortSize);
  return { answer: { margin: pointsText(points / 100), size, all: size >= cohortSize } };
}

interface CycleChoice {
  id: string;
  text: string;
  month: string;
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
  const choices: (CycleChoice & { state: string })[] = [];
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

/** A draw form filled in from an address: "Draw a sample from this cohort", "Draw again with this seed". */
function formFromQuery(query: unknown): DrawForm {
  const q = (query ?? {}) as Record<string, unknown>;
  const form = readForm({ ...q, cohortId: q.cohort ?? q.cohortId, monthId: q.month ?? q.monthId });
  form.snapshotId = text(q.snapshot);
  // a seed chosen as the form opens, so the same form sent twice draws once (the service sees a repeat)
  form.previewSeed = String(randomInt(0, MAX_SEED));
  form.margin = '';
  return form;
}

/** The audit behind the allocation and exemption pages, with its child's reference only. */
async function auditFor(db: Db, councilId: string, auditId: string) {
  return db
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
}

type AuditContext = NonNullable<Awaited<ReturnType<typeof auditFor>>>;

const backTo = (audit: AuditContext) =>
  audit.sample_id ? `/samples/${audit.sample_id}` : `/programme/months/${audit.month_id}`;

/**
 * Drawing a sample from a cohort and handing its audits to auditors: for the QA lead. Sample and
 * audit pages list children by case reference only, never by name, and each opening of them is
 * written to the access log.
 */
export default async function sampleRoutes(app: FastifyInstance, { db }: { db: Db }) {
  const manage = { access: 'sampling.manage' as const };
  const childLevel = { ...manage, childRecord: true };

  /** Tells auditors of audits just given to them, in the allocation's transaction. */
  const notifier = (): AllocationNotifier => (trx, councilId, auditIds) =>
    notifyAllocated(trx, app.queue ?? null, councilId, auditIds).then(() => undefined);

  // --- drawing ---

  async function drawPage(
    request: FastifyRequest,
    reply: FastifyReply,
    form: DrawForm,
    extra: { errors?: FieldError[]; plan?: SamplePlan; request?: DrawRequest } = {},
  ) {
    const councilId = request.user?.councilId as string;
    const { choices, preferred } = await cycleChoices(db, councilId, app.today(), form.monthId);
    const cohorts = await cohortChoices(db, councilId, form.cohortId);
    const values = { ...form, monthId: form.monthId || preferred };
    let errors = extra.errors ?? [];
    let preview: ReturnType<typeof previewView> | undefined;
    let reverse: ReturnType<typeof reverseAnswer>['answer'];
    if (extra.plan && extra.request) {
      preview = previewView(extra.plan, extra.request);
      const asked = reverseAnswer(form.margin, extra.plan.cohortSize);
      if (asked.error) errors = ordered([...errors, asked.error]);
      reverse = asked.answer;
      values.previewSeed = String(extra.plan.seed);
      values.snapshotId = extra.plan.scope.snapshotId;
    }
    // a check, or the sample being drawn again, fixed the snapshot: say so when it is not the latest
    let olderData: { asOf: string; latestAsOf: string; latestHref: string } | undefined;
    if (isUuid(values.snapshotId)) {
      const [chosen, latest] = await Promise.all([
        db
          .selectFrom('snapshots')
          .select(['id', 'as_of'])
          .where('id', '=', values.snapshotId)
          .where('council_id', '=', councilId)
          .executeTakeFirst(),
        latestScope(db, councilId),
      ]);
      if (!chosen) values.snapshotId = '';
      else if (latest && latest.snapshotId !== chosen.id) {
        const keep = Object.entries(values).filter(
          ([k, v]) => v !== '' && !['snapshotId', 'previewSeed', 'margin', 'seed'].includes(k),
        );
        olderData = {
          asOf: chosen.as_of,
          latestAsOf: latest.asOf,
          latestHref: `/samples/new?${new URLSearchParams(keep)}`,
        };
      }
    } else values.snapshotId = '';
    if (errors.length) reply.code(400);
    const stratifyBy = values.stratifyBy as StratifyBy;
    return reply.render('pages/samples/new.njk', {
      pageTitle: preview ? 'Check the sample' : 'Draw a sample',
      errors,
      values,
      cycles: choices,
      cohorts,
      kinds: ACTIVITY_KINDS.map((value) => ({
        value,
        text: ACTIVITY_KIND_LABELS[value],
        hint: ACTIVITY_KIND_HINTS[value],
      })),
      strataOptions: Object.entries(STRATIFY_LABELS).map(([value, label]) => ({
        value,
        text: label.charAt(0).toUpperCase() + label.slice(1),
      })),
      stratumWord: STRATIFY_LABELS[stratifyBy] ?? 'stratum',
      preview,
      reverse,
      olderData,
    });
  }

  app.get('/samples/new', { config: manage }, async (request, reply) =>
    drawPage(request, reply, formFromQuery(request.query)),
  );

  app.post('/samples/preview', { config: manage }, async (request, reply) => {
    const form = readForm(request.body);
    const { request: draw, errors } = readRequest(form);
    if (!draw) return drawPage(request, reply, form, { errors });
    try {
      const plan = await planSample(db, request.user?.councilId as string, draw);
      return drawPage(request, reply, form, { plan, request: draw });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return drawPage(request, reply, form, { errors: ordered(err.errors) });
    }
  });

  app.post('/samples', { config: manage }, async (request, reply) => {
    const form = readForm(request.body);
    const { request: draw, errors } = readRequest(form);
    if (!draw) return drawPage(request, reply, form, { errors });
    const user = request.user;
    if (!user) return reply.callNotFound();
    try {
      const id = await drawSample(db, user.councilId, user.staffId, draw);
      const sample = await getSample(db, user.councilId, id);
      request.session.flash = {
        kind: 'success',
        text: `The sample has been drawn: ${sample.sample_size} ${sample.sample_size === 1 ? 'child' : 'children'} from “${sample.cohort_name}”, with seed ${sample.seed}. Allocate their audits below.`,
      };
      return reply.redirect(`/samples/${id}`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return drawPage(request, reply, form, { errors: ordered(err.errors) });
    }
  });

  // --- a sample and its audits ---

  async function samplePage(
    request: FastifyRequest,
    reply: FastifyReply,
    sampleId: string,
    errors?: FieldError[],
  ) {
    const councilId = request.user?.councilId as string;
    let sample: Awaited<ReturnType<typeof getSample>>;
    try {
      sample = await getSample(db, councilId, sampleId);
    } catch (err) {
      if (err instanceof NotFoundError) return reply.callNotFound();
      throw err;
    }
    const audits = await sampleAudits(db, councilId, sample.id);
    const names = await cohortNames(db, councilId);
    const waiting = audits.filter((a) => a.status === 'unallocated');
    const why = await whyEachUnallocated(
      db,
      councilId,
      waiting.slice(0, MAX_EXPLAINED).map((a) => a.id),
    );
    const count = (...statuses: AuditStatus[]) => audits.filter((a) => statuses.includes(a.status)).length;

    // what the last automatic allocation did, once
    let result:
      | { allocated: number; notAllocated: number; unallocated: { childRef: string; reason: string }[] }
      | undefined;
    const kept = request.session.allocationResult;
    if (kept && kept.sampleId === sample.id) {
      request.session.allocationResult = undefined;
      const refs = new Map(audits.map((a) => [a.id, a.child_ref]));
      result = {
        allocated: kept.allocated,
        notAllocated: kept.notAllocated ?? kept.unallocated.length,
        unallocated: kept.unallocated.map((u) => ({ childRef: refs.get(u.auditId) ?? '', reason: u.reason })),
      };
    }

    const stratified = sample.method === 'stratified' && sample.stratify_by;
    const drawAgain = new URLSearchParams({
      cohort: sample.cohort_id ?? '',
      month: sample.month_id,
      kind: sample.kind,
      sizeKind: sample.per_stratum ? 'count' : sample.size_kind,
      ...(sample.per_stratum
        ? {}
        : sample.size_kind === 'percent'
          ? { percent: String(sample.size_value) }
          : { count: String(sample.size_value) }),
      method: sample.method,
      ...(stratified ? { stratifyBy: sample.stratify_by as string } : {}),
      ...(sample.per_stratum ? { allocation: 'fixed', perStratum: String(sample.per_stratum) } : {}),
      seed: String(sample.seed),
      ...(sample.allow_same_team ? { allowSameTeam: 'yes' } : {}),
      ...(sample.snapshot_id ? { snapshot: sample.snapshot_id } : {}),
    });

    await request.recordChildView({
      recordType: 'sample',
      recordId: sample.id,
      childId: null,
      reason: `Sample for the ${monthName(sample.month)} cycle opened: it lists the children drawn by case reference`,
    });
    if (errors?.length) reply.code(400);
    return reply.render('pages/samples/sample.njk', {
      pageTitle: `Sample: ${sample.cohort_name}`,
      errors,
      sample,
      monthName: monthName(sample.month),
      kind: ACTIVITY_KIND_LABELS[sample.kind],
      definition: describeDefinition(sample.definition, names),
      method: stratified
        ? `Stratified by ${STRATIFY_LABELS[sample.stratify_by as StratifyBy]}, ${
            sample.per_stratum
              ? `${sample.per_stratum} from each ${STRATIFY_LABELS[sample.stratify_by as StratifyBy]}`
              : 'in proportion to their size'
          }`
        : 'Simple random sample',
      size: sample.per_stratum
        ? `${sample.sample_size} (${sample.per_stratum} from each ${STRATIFY_LABELS[sample.stratify_by as StratifyBy]}, fewer where there are not enough)`
        : sample.size_kind === 'percent'
          ? `${sample.sample_size} (${sample.size_value}% of the cohort)`
          : String(sample.sample_size),
      margin: marginText(sample.margin_of_error),
      drawAgainHref: sample.cohort_id ? `/samples/new?${drawAgain}` : null,
      strata: stratified ? sample.strata : [],
      progress: {
        allocated: count('allocated', 'in_progress'),
        returned: count('submitted'),
        unallocated: waiting.length,
        exempted: count('exempted'),
      },
      audits: audits.map((a) => ({
        ...a,
        tag: STATUS_TAGS[a.status],
        // "27 Nov 2026": short months keep the table narrow
        due: a.due_on
          ? new Date(`${a.due_on}T00:00:00Z`).toLocaleDateString('en-GB', {
              day: 'numeric',
              month: 'short',
              year: 'numeric',
              timeZone: 'UTC',
            })
          : '',
        why: why.get(a.id),
        exemption: a.exemption_reason
          ? [EXEMPTION_REASONS.find((r) => r.value === a.exemption_reason)?.text, a.exemption_note]
              .filter(Boolean)
              .join(': ')
          : null,
      })),
      result,
    });
  }

  app.get('/samples/:sampleId', { config: childLevel }, async (request, reply) => {
    const params = sampleParam.safeParse(request.params);
    if (!params.success) return reply.callNotFound();
    return samplePage(request, reply, params.data.sampleId);
  });

  app.post('/samples/:sampleId/allocate', { config: childLevel }, async (request, reply) => {
    const params = sampleParam.safeParse(request.params);
    const user = request.user;
    if (!params.success || !user) return reply.callNotFound();
    try {
      const result = await allocateSample(db, user.councilId, params.data.sampleId, user.staffId, notifier());
      request.session.allocationResult = {
        sampleId: params.data.sampleId,
        allocated: result.allocated,
        unallocated: result.unallocated
          .slice(0, MAX_EXPLAINED)
          .map((u) => ({ auditId: u.auditId, reason: u.reason })),
        notAllocated: result.unallocated.length,
      };
      return reply.redirect(`/samples/${params.data.sampleId}`);
    } catch (err) {
      if (err instanceof NotFoundError) return reply.callNotFound();
      if (!(err instanceof ValidationError)) throw err;
      return samplePage(request, reply, params.data.sampleId, err.errors);
    }
  });

  // --- one audit: its auditor, its exemption ---

  /** The council's audit named in the address, or undefined (the 404 page). */
  async function auditOf(request: FastifyRequest) {
    const params = auditParam.safeParse(request.params);
    if (!params.success) return undefined;
    return auditFor(db, request.user?.councilId as string, params.data.auditId);
  }

  const recordAuditView = (request: FastifyRequest, audit: AuditContext, why: string) =>
    request.recordChildView({
      recordType: 'audit',
      recordId: audit.id,
      childId: audit.child_id,
      reason: why,
    });

  async function allocationPage(
    request: FastifyRequest,
    reply: FastifyReply,
    audit: AuditContext,
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    const councilId = request.user?.councilId as string;
    const choices = await auditorChoices(db, councilId, audit.id);
    await recordAuditView(request, audit, 'Audit opened to choose its auditor');
    if (extra.errors?.length) reply.code(400);
    return reply.render('pages/samples/allocation.njk', {
      pageTitle: audit.auditor_id ? 'Change the auditor' : 'Allocate the audit',
      errors: extra.errors,
      values: extra.values ?? {},
      audit,
      kind: ACTIVITY_KIND_LABELS[audit.kind],
      back: backTo(audit),
      closed: audit.status === 'exempted' || audit.status === 'submitted',
      eligible: choices.filter((c) => c.reason === null && c.id !== audit.auditor_id),
      ineligible: choices.filter((c) => c.reason !== null && c.id !== audit.auditor_id),
    });
  }

  app.get('/audits/:auditId/allocation', { config: childLevel }, async (request, reply) => {
    const audit = await auditOf(request);
    if (!audit) return reply.callNotFound();
    return allocationPage(request, reply, audit);
  });

  app.post('/audits/:auditId/allocation', { config: childLevel }, async (request, reply) => {
    const audit = await auditOf(request);
    const user = request.user;
    if (!audit || !user) return reply.callNotFound();
    const body = (request.body ?? {}) as Record<string, unknown>;
    const values = { auditorId: text(body.auditorId), note: typeof body.note === 'string' ? body.note : '' };
    try {
      await allocateAudit(
        db,
        user.councilId,
        audit.id,
        user.staffId,
        { auditorId: values.auditorId, note: values.note },
        notifier(),
      );
    } catch (err) {
      if (err instanceof NotFoundError) return reply.callNotFound();
      if (!(err instanceof ValidationError)) throw err;
      return allocationPage(request, reply, audit, { errors: err.errors, values });
    }
    const auditor = await db
      .selectFrom('staff')
      .select('name')
      .where('id', '=', values.auditorId)
      .where('council_id', '=', user.councilId)
      .executeTakeFirst();
    request.session.flash = {
      kind: 'success',
      text: `The audit of ${audit.child_ref} is now with ${auditor?.name ?? 'the auditor you chose'}`,
    };
    return reply.redirect(backTo(audit));
  });

  async function exemptPage(
    request: FastifyRequest,
    reply: FastifyReply,
    audit: AuditContext,
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    await recordAuditView(request, audit, 'Audit opened to exempt it');
    if (extra.errors?.length) reply.code(400);
    return reply.render('pages/samples/exempt.njk', {
      pageTitle: 'Exempt the audit',
      errors: extra.errors,
      values: extra.values ?? {},
      audit,
      kind: ACTIVITY_KIND_LABELS[audit.kind],
      back: backTo(audit),
      reasons: EXEMPTION_REASONS,
      closed: audit.status === 'exempted' || audit.status === 'submitted',
    });
  }

  app.get('/audits/:auditId/exempt', { config: childLevel }, async (request, reply) => {
    const audit = await auditOf(request);
    if (!audit) return reply.callNotFound();
    return exemptPage(request, reply, audit);
  });

  app.post('/audits/:auditId/exempt', { config: childLevel }, async (request, reply) => {
    const audit = await auditOf(request);
    const user = request.user;
    if (!audit || !user) return reply.callNotFound();
    const body = (request.body ?? {}) as Record<string, unknown>;
    const values = {
      reason: text(body.reason),
      otherNote: typeof body.otherNote === 'string' ? body.otherNote : '',
      note: typeof body.note === 'string' ? body.note : '',
    };
    const other = values.reason === 'other';
    try {
      await exemptAudit(db, user.councilId, audit.id, user.staffId, {
        reason: values.reason || undefined,
        note: other ? values.otherNote : values.note,
      });
    } catch (err) {
      if (err instanceof NotFoundError) return reply.callNotFound();
      if (!(err instanceof ValidationError)) throw err;
      // the service's note is the "other" reason's text when Other is chosen
      const errors = err.errors.map((e) => (e.field === 'note' && other ? { ...e, field: 'otherNote' } : e));
      return exemptPage(request, reply, audit, { errors, values });
    }
    const reason = EXEMPTION_REASONS.find((r) => r.value === values.reason)?.text ?? '';
    request.session.flash = {
      kind: 'success',
      text: `The audit of ${audit.child_ref} is exempted (${reason.toLowerCase()}). It is counted as exempted, not deleted: reinstate it if this was a mistake.`,
    };
    return reply.redirect(backTo(audit));
  });

  app.post('/audits/:auditId/reinstate', { config: manage }, async (request, reply) => {
    const audit = await auditOf(request);
    const user = request.user;
    if (!audit || !user) return reply.callNotFound();
    try {
      const back = await reinstateAudit(db, user.councilId, audit.id, user.staffId);
      request.session.flash = {
        kind: 'success',
        text: back.auditorId
          ? `The audit of ${audit.child_ref} has been reinstated: it is with ${audit.auditor} again`
          : audit.auditor
            ? `The audit of ${audit.child_ref} has been reinstated: ${audit.auditor} can no longer take it this month, so it is waiting to be allocated`
            : `The audit of ${audit.child_ref} has been reinstated: it is waiting to be allocated`,
      };
    } catch (err) {
      if (err instanceof NotFoundError) return reply.callNotFound();
      if (!(err instanceof ValidationError)) throw err;
      request.session.flash = { kind: 'info', text: err.errors.map((e) => e.message).join('. ') };
    }
    return reply.redirect(backTo(audit));
  });
}
