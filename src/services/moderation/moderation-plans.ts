/**
 * Each cycle's moderation sample (domain.md §4): the QA lead sets a percentage drawn at random
 * (seeded, so it can be drawn again exactly) and rules that take every audit they match, checks
 * what that gives, then confirms it. Confirming saves the plan, adds the chosen audits to
 * moderation and shares them among the council's QA leads, never giving anyone their own audit.
 */
import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import type { ModerationStatus } from '../../data/schema.ts';
import { inTransaction } from '../../data/transaction.ts';
import { monthName } from '../../domain/dates.ts';
import type { Grade } from '../../domain/grade-scales.ts';
import {
  allocateModerators,
  chooseModerationSample,
  MODERATION_RULES,
  type ModerationReason,
  type ModerationRule,
  type Moderator,
  NEW_AUDITOR_AUDITS,
  OWN_AUDIT,
  REASON_LABELS,
  type ReturnedAudit,
  whyNoModerator,
} from '../../domain/moderation-sample.ts';
import { can } from '../../domain/roles.ts';
import { NotFoundError, ValidationError, validate } from '../../domain/validation.ts';
import { must } from '../audits/audit-access.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import { MAX_SEED } from '../sampling/samples.ts';

const PERCENT_FORMAT = 'Enter the percentage as a whole number from 0 to 100, like 10';
const RULES_FORMAT = 'Choose rules from the list';
const SEED_FORMAT = `The seed is a whole number from 0 to ${MAX_SEED.toLocaleString('en-GB')}`;

/** A number as typed: " 10 ", "10%", "1,000". Empty is undefined; anything else not a number is NaN. */
function typedNumber(value: unknown): unknown {
  if (Array.isArray(value)) return typedNumber(value[0]);
  if (typeof value !== 'string') return value;
  const s = value.replace(/[\s,%]/g, '');
  if (s === '') return undefined;
  return /^-?(\d+(\.\d*)?|\.\d+)$/.test(s) ? Number(s) : Number.NaN;
}

/** The plan as the QA lead sets it: strings from a form or values from code. */
export const planInputSchema = z.object({
  percent: z.preprocess(
    typedNumber,
    z
      .number({
        error: (issue) =>
          issue.input === undefined
            ? 'Enter the percentage of returned audits to moderate at random, from 0 to 100'
            : PERCENT_FORMAT,
      })
      .int({ message: PERCENT_FORMAT })
      .min(0, { message: 'The percentage must be 0 or more' })
      .max(100, { message: 'The percentage must be 100 or less' }),
  ),
  seed: z.preprocess(
    typedNumber,
    z
      .number({ error: SEED_FORMAT })
      .int({ message: SEED_FORMAT })
      .min(0, { message: SEED_FORMAT })
      .max(MAX_SEED, { message: SEED_FORMAT })
      .optional(),
  ),
  rules: z.preprocess(
    (v) => (v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? v : [v]),
    z
      .array(z.enum(MODERATION_RULES as [ModerationRule, ...ModerationRule[]], { error: RULES_FORMAT }), {
        error: RULES_FORMAT,
      })
      .transform((rules) => MODERATION_RULES.filter((r) => rules.includes(r))),
  ),
});

export type PlanInput = z.input<typeof planInputSchema>;
type PlanSettings = z.output<typeof planInputSchema>;

function parsePlan(input: unknown): PlanSettings & { seed: number } {
  const checked = validate(planInputSchema, input);
  if (!checked.ok) throw new ValidationError(checked.errors);
  return { ...checked.value, seed: checked.value.seed ?? randomInt(0, MAX_SEED) };
}

interface ReturnedRow extends ReturnedAudit {
  childId: string;
  childReference: string;
  auditor: string | null;
}

/** The lowest grade of a scale: the one with the highest order. */
function lowestGrade(grades: unknown): string | null {
  const list = Array.isArray(grades) ? (grades as Grade[]) : [];
  if (list.length === 0) return null;
  return list.reduce((low, g) => (g.order > low.order ? g : low)).key;
}

/**
 * The cycle's returned audits that can be moderated (submitted with an overall grade), with what
 * the rules look at: the lowest grade, an escalation, and which of the auditor's audits since being
 * trained it is (only the first few are counted).
 */
async function returnedAudits(db: Db, councilId: string, monthId: string): Promise<ReturnedRow[]> {
  const rows = await db
    .selectFrom('audits as a')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .leftJoin('staff as s', 's.id', 'a.auditor_id')
    .leftJoin('audit_tool_versions as v', 'v.id', 'a.tool_version_id')
    .leftJoin('grade_scales as g', 'g.id', 'v.scale_id')
    .where('a.council_id', '=', councilId)
    .where('a.month_id', '=', monthId)
    .where('a.status', '=', 'submitted')
    .where('a.overall_grade', 'is not', null)
    .select((eb) => [
      'a.id',
      'a.auditor_id',
      'a.child_id',
      'c.external_id',
      's.name as auditor',
      'a.overall_grade',
      'g.grades',
      eb
        .exists(eb.selectFrom('escalations as e').whereRef('e.audit_id', '=', 'a.id').select('e.id'))
        .as('escalated'),
      eb
        .exists(
          eb
            .selectFrom('audit_section_replies as sr')
            .whereRef('sr.audit_id', '=', 'a.id')
            .where('sr.agrees', '=', false)
            .select('sr.id'),
        )
        .as('disputed'),
    ])
    .orderBy('a.submitted_at')
    .orderBy('a.id')
    .execute();
  const ranks = await sql<{ id: string; n: string | number }>`
    select id, n from (
      select a.id, row_number() over (partition by a.auditor_id order by a.submitted_at, a.id) as n
      from audits a join staff s on s.id = a.auditor_id
      where a.council_id = ${councilId} and a.status = 'submitted' and a.overall_grade is not null
        and s.audit_trained_on is not null and a.submitted_at >= s.audit_trained_on
        and a.auditor_id in (select auditor_id from audits
          where council_id = ${councilId} and month_id = ${monthId} and status = 'submitted')
    ) r where n <= ${NEW_AUDITOR_AUDITS}`.execute(db);
  const nth = new Map(ranks.rows.map((r) => [r.id, Number(r.n)]));
  return rows.map((r) => {
    const lowest =
      lowestGrade(r.grades) ?? (r.overall_grade === 'did_not_meet_good' ? r.overall_grade : 'inadequate');
    return {
      id: r.id,
      auditorId: r.auditor_id,
      overallGradeIsLowest: r.overall_grade === lowest,
      escalated: Boolean(r.escalated),
      auditorsNthAudit: nth.get(r.id) ?? null,
      disputed: Boolean(r.disputed),
      childId: r.child_id,
      childReference: r.external_id,
      auditor: r.auditor,
    };
  });
}

async function findMonth(db: Db, councilId: string, monthId: string) {
  if (!z.uuid().safeParse(monthId).success) throw new NotFoundError('programme month');
  const m = await db
    .selectFrom('programme_months')
    .select(['id', 'month', 'learning_month'])
    .where('id', '=', monthId)
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  if (!m) throw new NotFoundError('programme month');
  return { id: m.id, month: m.month, name: monthName(m.month), learningMonth: m.learning_month };
}

export interface ModeratorChoice extends Moderator {
  name: string;
}

/** The council's active QA leads, with the moderations each has and has not yet submitted. */
export async function moderatorsOf(db: Db, councilId: string): Promise<ModeratorChoice[]> {
  const rows = await db
    .selectFrom('staff as s')
    .innerJoin('staff_roles as r', (j) =>
      j.onRef('r.staff_id', '=', 's.id').on('r.role', '=', 'qa_lead').on('r.council_id', '=', councilId),
    )
    .where('s.council_id', '=', councilId)
    .where('s.active', '=', true)
    .select((eb) => [
      's.id',
      's.name',
      eb
        .selectFrom('moderations as m')
        .whereRef('m.moderator_id', '=', 's.id')
        .where('m.status', '=', 'allocated')
        .select((e) => e.fn.countAll<string>().as('n'))
        .as('load'),
    ])
    .orderBy('s.name')
    .orderBy('s.id')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, load: Number(r.load ?? 0) }));
}

export interface PreviewItem {
  auditId: string;
  childId: string;
  childReference: string;
  auditor: string | null;
  chosenBecause: ModerationReason;
  why: string;
  /** already being moderated: confirming leaves it as it is */
  alreadyModerated: boolean;
}

export interface PlanPreview {
  month: Awaited<ReturnType<typeof findMonth>>;
  percent: number;
  seed: number;
  rules: ModerationRule[];
  returned: number;
  randomWanted: number;
  randomDrawn: number;
  chosen: PreviewItem[];
  /** how many confirming would add */
  toAdd: number;
}

async function buildPreview(
  db: Db,
  councilId: string,
  monthId: string,
  settings: PlanSettings & { seed: number },
) {
  const month = await findMonth(db, councilId, monthId);
  const audits = await returnedAudits(db, councilId, monthId);
  const sample = chooseModerationSample(audits, settings);
  const byId = new Map(audits.map((a) => [a.id, a]));
  const ids = sample.chosen.map((c) => c.id);
  const moderated = new Set(
    ids.length
      ? (await db.selectFrom('moderations').select('audit_id').where('audit_id', 'in', ids).execute()).map(
          (m) => m.audit_id,
        )
      : [],
  );
  const chosen = sample.chosen.map((c) => {
    const a = byId.get(c.id) as ReturnedRow;
    return {
      auditId: c.id,
      childId: a.childId,
      childReference: a.childReference,
      auditor: a.auditor,
      auditorId: a.auditorId,
      chosenBecause: c.chosenBecause,
      why: REASON_LABELS[c.chosenBecause],
      alreadyModerated: moderated.has(c.id),
    };
  });
  return {
    month,
    percent: settings.percent,
    seed: settings.seed,
    rules: settings.rules,
    returned: sample.returned,
    randomWanted: sample.randomWanted,
    randomDrawn: sample.randomDrawn,
    chosen,
    toAdd: chosen.filter((c) => !c.alreadyModerated).length,
  };
}

/** What a plan would choose, without saving anything. A missing seed is chosen at random. */
export async function previewPlan(
  db: Db,
  councilId: string,
  monthId: string,
  input: unknown,
): Promise<PlanPreview> {
  const settings = parsePlan(input);
  const preview = await buildPreview(db, councilId, monthId, settings);
  return { ...preview, chosen: preview.chosen.map(({ auditorId: _, ...c }) => c) };
}

export interface AllocationOutcome {
  allocated: number;
  unallocated: { moderationId: string; reason: string }[];
}

/** Shares the given unallocated moderations among the QA leads, in the caller's transaction. */
async function allocate(db: Db, councilId: string, moderationIds: string[]): Promise<AllocationOutcome> {
  if (moderationIds.length === 0) return { allocated: 0, unallocated: [] };
  const items = await db
    .selectFrom('moderations as m')
    .innerJoin('audits as a', 'a.id', 'm.audit_id')
    .select(['m.id', 'a.auditor_id'])
    .where('m.council_id', '=', councilId)
    .where('m.id', 'in', moderationIds)
    .where('m.status', '=', 'unallocated')
    .orderBy('a.submitted_at')
    .orderBy('m.id')
    .execute();
  const moderators = await moderatorsOf(db, councilId);
  const result = allocateModerators(
    items.map((i) => ({ id: i.id, auditorId: i.auditor_id })),
    moderators,
  );
  for (const [id, moderatorId] of result.assignments) {
    await db
      .updateTable('moderations')
      .set({ moderator_id: moderatorId, status: 'allocated', draft: null })
      .where('id', '=', id)
      .where('status', '=', 'unallocated')
      .execute();
  }
  return {
    allocated: result.assignments.size,
    unallocated: result.unallocated.map((u) => ({ moderationId: u.id, reason: u.reason })),
  };
}

export interface ConfirmResult extends AllocationOutcome {
  planId: string;
  seed: number;
  /** audits added to moderation now */
  added: number;
  /** chosen audits that were already being moderated */
  alreadyModerated: number;
}

const mayManage = (user: SignedInUser) =>
  must(can(user.roles, 'moderation.manage'), 'Only QA leads can choose and allocate moderation');

/**
 * Saves the month's plan and adds what it chooses to moderation (leaving audits already being
 * moderated as they are), then allocates every unallocated moderation of the month: all in one
 * transaction. Confirming again with other settings adds to the sample; it never takes audits out.
 */
export async function confirmPlan(
  db: Db,
  user: SignedInUser,
  monthId: string,
  input: unknown,
): Promise<ConfirmResult> {
  mayManage(user);
  const settings = parsePlan(input);
  const councilId = user.councilId;
  return inTransaction(db, async (trx) => {
    await findMonth(trx, councilId, monthId);
    // one confirmation of a month at a time
    await trx.selectFrom('programme_months').select('id').where('id', '=', monthId).forUpdate().execute();
    const plan = await trx
      .insertInto('moderation_plans')
      .values({
        council_id: councilId,
        month_id: monthId,
        percent: settings.percent,
        seed: settings.seed,
        rules: JSON.stringify(settings.rules),
        confirmed_by: user.staffId,
        confirmed_at: new Date(),
      })
      .onConflict((oc) =>
        oc.column('month_id').doUpdateSet({
          percent: settings.percent,
          seed: settings.seed,
          rules: JSON.stringify(settings.rules),
          confirmed_by: user.staffId,
          confirmed_at: new Date(),
        }),
      )
      .returning('id')
      .executeTakeFirstOrThrow();
    const preview = await buildPreview(trx, councilId, monthId, settings);
    const fresh = preview.chosen.filter((c) => !c.alreadyModerated);
    if (fresh.length) {
      await trx
        .insertInto('moderations')
        .values(
          fresh.map((c) => ({
            council_id: councilId,
            audit_id: c.auditId,
            plan_id: plan.id,
            chosen_because: c.chosenBecause,
          })),
        )
        .onConflict((oc) => oc.column('audit_id').doNothing())
        .execute();
    }
    const waiting = await trx
      .selectFrom('moderations as m')
      .innerJoin('audits as a', 'a.id', 'm.audit_id')
      .select('m.id')
      .where('m.council_id', '=', councilId)
      .where('a.month_id', '=', monthId)
      .where('m.status', '=', 'unallocated')
      .execute();
    const outcome = await allocate(
      trx,
      councilId,
      waiting.map((w) => w.id),
    );
    return {
      planId: plan.id,
      seed: settings.seed,
      added: fresh.length,
      alreadyModerated: preview.chosen.length - fresh.length,
      ...outcome,
    };
  });
}

const MAY_CHANGE: readonly ModerationStatus[] = ['unallocated', 'allocated'];

/** Gives a moderation to another QA lead, who must not be the audit's auditor. */
export async function reallocateModeration(
  db: Db,
  user: SignedInUser,
  moderationId: string,
  moderatorId: string,
): Promise<void> {
  mayManage(user);
  if (!z.uuid().safeParse(moderationId).success) throw new NotFoundError('moderation');
  const refuse = (message: string) => new ValidationError([{ field: 'moderatorId', message }]);
  await inTransaction(db, async (trx) => {
    const m = await trx
      .selectFrom('moderations as m')
      .innerJoin('audits as a', 'a.id', 'm.audit_id')
      .select(['m.id', 'm.status', 'a.auditor_id'])
      .where('m.id', '=', moderationId)
      .where('m.council_id', '=', user.councilId)
      .forUpdate('m')
      .executeTakeFirst();
    if (!m) throw new NotFoundError('moderation');
    if (!MAY_CHANGE.includes(m.status))
      throw refuse('This audit has been moderated, so its moderator cannot be changed');
    if (!moderatorId) throw refuse('Choose who should moderate this audit');
    const moderators = await moderatorsOf(trx, user.councilId);
    if (!moderators.some((x) => x.id === moderatorId))
      throw refuse('Choose a QA lead from the list: only QA leads can moderate audits');
    if (moderatorId === m.auditor_id) throw refuse(OWN_AUDIT);
    await trx
      .updateTable('moderations')
      .set({ moderator_id: moderatorId, status: 'allocated', draft: null })
      .where('id', '=', m.id)
      .execute();
  });
}

/**
 * Adds one submitted audit to moderation, outside the random draw, and allocates it. Its reason is
 * the first rule it matches, else 'random'.
 */
export async function addToModeration(
  db: Db,
  user: SignedInUser,
  auditId: string,
): Promise<{ moderationId: string } & AllocationOutcome> {
  mayManage(user);
  if (!z.uuid().safeParse(auditId).success) throw new NotFoundError('audit');
  const refuse = (message: string) => new ValidationError([{ field: 'auditId', message }]);
  return inTransaction(db, async (trx) => {
    const audit = await trx
      .selectFrom('audits')
      .select(['id', 'month_id', 'status', 'overall_grade'])
      .where('id', '=', auditId)
      .where('council_id', '=', user.councilId)
      .forUpdate()
      .executeTakeFirst();
    if (!audit) throw new NotFoundError('audit');
    if (audit.status !== 'submitted') throw refuse('Only submitted audits can be moderated');
    if (audit.overall_grade === null) throw refuse('Only audits with an overall grade can be moderated');
    const already = await trx
      .selectFrom('moderations')
      .select('id')
      .where('audit_id', '=', auditId)
      .executeTakeFirst();
    if (already) throw refuse('This audit is already being moderated');
    const returned = (await returnedAudits(trx, user.councilId, audit.month_id)).filter(
      (a) => a.id === auditId,
    );
    const rule = chooseModerationSample(returned, { percent: 0, seed: 0, rules: MODERATION_RULES }).chosen[0];
    const plan = await trx
      .selectFrom('moderation_plans')
      .select('id')
      .where('month_id', '=', audit.month_id)
      .executeTakeFirst();
    const row = await trx
      .insertInto('moderations')
      .values({
        council_id: user.councilId,
        audit_id: auditId,
        plan_id: plan?.id ?? null,
        chosen_because: rule?.chosenBecause ?? 'random',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { moderationId: row.id, ...(await allocate(trx, user.councilId, [row.id])) };
  });
}

const STATUS_TEXT: Record<ModerationStatus, string> = {
  unallocated: 'Not allocated',
  allocated: 'Allocated',
  submitted: 'Moderated, waiting for the panel',
  decided: 'Decided by the panel',
};

export interface ModerationRow {
  id: string;
  auditId: string;
  childId: string;
  childReference: string;
  auditorId: string | null;
  auditor: string | null;
  moderatorId: string | null;
  moderator: string | null;
  chosenBecause: ModerationReason;
  why: string;
  status: ModerationStatus;
  statusText: string;
  mayChangeModerator: boolean;
  /** why an unallocated moderation has nobody, when nobody may take it */
  unallocatedReason: string | null;
}

/** Shown instead of why an audit was chosen to the person moderating it blind: a rule would give its grade away. */
export const REASON_HIDDEN = 'Chosen for moderation (why is hidden while you moderate it blind)';

async function moderationRows(
  db: Db,
  councilId: string,
  filter: { monthId?: string; moderationId?: string },
  viewerId?: string,
) {
  const rows = await db
    .selectFrom('moderations as m')
    .innerJoin('audits as a', 'a.id', 'm.audit_id')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .leftJoin('staff as au', 'au.id', 'a.auditor_id')
    .leftJoin('staff as mo', 'mo.id', 'm.moderator_id')
    .where('m.council_id', '=', councilId)
    .$if(filter.monthId !== undefined, (q) => q.where('a.month_id', '=', filter.monthId as string))
    .$if(filter.moderationId !== undefined, (q) => q.where('m.id', '=', filter.moderationId as string))
    .select([
      'm.id',
      'm.audit_id',
      'a.month_id',
      'a.child_id',
      'c.external_id',
      'a.auditor_id',
      'au.name as auditor',
      'm.moderator_id',
      'mo.name as moderator',
      'm.chosen_because',
      'm.status',
    ])
    .orderBy('c.external_id')
    .orderBy('m.id')
    .execute();
  const moderators = await moderatorsOf(db, councilId);
  return {
    moderators,
    rows: rows.map((r): ModerationRow & { monthId: string } => ({
      id: r.id,
      auditId: r.audit_id,
      monthId: r.month_id,
      childId: r.child_id,
      childReference: r.external_id,
      auditorId: r.auditor_id,
      auditor: r.auditor,
      moderatorId: r.moderator_id,
      moderator: r.moderator,
      chosenBecause: r.chosen_because,
      why:
        viewerId !== undefined && r.moderator_id === viewerId && r.status === 'allocated'
          ? REASON_HIDDEN
          : (REASON_LABELS[r.chosen_because] ?? r.chosen_because),
      status: r.status,
      statusText: STATUS_TEXT[r.status],
      mayChangeModerator: MAY_CHANGE.includes(r.status),
      unallocatedReason:
        r.status === 'unallocated' ? whyNoModerator({ id: r.id, auditorId: r.auditor_id }, moderators) : null,
    })),
  };
}

/** The month's moderation: its plan, how many audits were returned, and each moderation. */
export async function monthModeration(db: Db, councilId: string, monthId: string, viewerId?: string) {
  const month = await findMonth(db, councilId, monthId);
  const plan = await db
    .selectFrom('moderation_plans as p')
    .leftJoin('staff as s', 's.id', 'p.confirmed_by')
    .select(['p.id', 'p.percent', 'p.seed', 'p.rules', 'p.confirmed_at', 's.name as confirmedBy'])
    .where('p.month_id', '=', monthId)
    .where('p.council_id', '=', councilId)
    .executeTakeFirst();
  const returned = await db
    .selectFrom('audits')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('council_id', '=', councilId)
    .where('month_id', '=', monthId)
    .where('status', '=', 'submitted')
    .where('overall_grade', 'is not', null)
    .executeTakeFirstOrThrow();
  const { rows, moderators } = await moderationRows(db, councilId, { monthId }, viewerId);
  return {
    month,
    plan: plan
      ? {
          id: plan.id,
          percent: plan.percent,
          seed: plan.seed,
          rules: (plan.rules ?? []) as ModerationRule[],
          confirmedAt: plan.confirmed_at,
          confirmedBy: plan.confirmedBy,
        }
      : null,
    returned: Number(returned.n),
    moderations: rows,
    moderators,
  };
}

/** One moderation, for changing its moderator: who may take it, and who may not and why. */
export async function moderationForChange(
  db: Db,
  councilId: string,
  moderationId: string,
  viewerId?: string,
) {
  if (!z.uuid().safeParse(moderationId).success) throw new NotFoundError('moderation');
  const { rows, moderators } = await moderationRows(db, councilId, { moderationId }, viewerId);
  const moderation = rows[0];
  if (!moderation) throw new NotFoundError('moderation');
  const month = await findMonth(db, councilId, moderation.monthId);
  return {
    moderation,
    month,
    choices: moderators.filter((m) => m.id !== moderation.auditorId),
    auditorIsQaLead: moderators.some((m) => m.id === moderation.auditorId),
  };
}
