/**
 * Re-audits (domain.md §4) and the council settings for what happens after an audit is submitted.
 *
 * When an audit is submitted with a grade that calls for a re-audit (src/domain/reaudit.ts), the
 * submission records the month the re-audit is due (`audits.reaudit_due_month`: the audit's cycle
 * month plus the council's `reaudit_months`) and, if the programme already has that month, adds the
 * re-audit to it: a new audit of the same child, not yet allocated, pointing back at the audit it
 * follows up. When the programme does not reach that far yet, `createDueReaudits` adds it once the
 * month has been planned; the programme month's page calls it. A unique index on `reaudit_of_id`
 * means an audit is never re-audited twice, however often either runs.
 *
 * The re-audit goes into the due month, or, when that is a learning month (no audits), the first
 * month with audits after it.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import type { AuditStatus } from '../../data/schema.ts';
import { inTransaction } from '../../data/transaction.ts';
import type { ActivityKind } from '../../domain/activity-kinds.ts';
import type { IsoDate } from '../../domain/dates.ts';
import type { Grade, GradeScale } from '../../domain/grade-scales.ts';
import {
  DEFAULT_REAUDIT_SETTINGS,
  MAX_REAUDIT_MONTHS,
  MIN_REAUDIT_MONTHS,
  needsReaudit,
  type ReauditSettings,
  reauditDueMonth,
} from '../../domain/reaudit.ts';
import { NotFoundError, ValidationError, validate } from '../../domain/validation.ts';
import { getPhaseLengths } from '../programme/cycles.ts';
import { getToolVersion } from '../programme/tools.ts';

// --- settings ---

export interface AfterSubmissionSettings extends ReauditSettings {
  /** the Assistant Director for QA who receives every escalation; null: found by job title */
  escalationDirectorId: string | null;
}

/** The council's re-audit and escalation settings, with the defaults where none are saved. */
export async function getAfterSubmissionSettings(
  db: Db,
  councilId: string,
): Promise<AfterSubmissionSettings> {
  const row = await db
    .selectFrom('council_settings')
    .select(['reaudit_months', 'reaudit_requires_improvement', 'escalation_director_id'])
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  return {
    reauditMonths: row?.reaudit_months ?? DEFAULT_REAUDIT_SETTINGS.reauditMonths,
    reauditRequiresImprovement:
      row?.reaudit_requires_improvement ?? DEFAULT_REAUDIT_SETTINGS.reauditRequiresImprovement,
    escalationDirectorId: row?.escalation_director_id ?? null,
  };
}

const monthsMessage = `Enter the number of months until a re-audit, from ${MIN_REAUDIT_MONTHS} to ${MAX_REAUDIT_MONTHS}`;

export const reauditSettingsSchema = z.object({
  reauditMonths: z
    .string({ message: monthsMessage })
    .trim()
    .min(1, { message: monthsMessage })
    .regex(/^\d+$/, { message: 'Enter the number of months as a whole number, like 3' })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(MIN_REAUDIT_MONTHS, { message: monthsMessage })
        .max(MAX_REAUDIT_MONTHS, { message: monthsMessage }),
    ),
  reauditRequiresImprovement: z
    .enum(['yes', 'no'], { message: 'Choose whether audits graded requires improvement are re-audited too' })
    .transform((v) => v === 'yes'),
});

export type ReauditSettingsInput = { reauditMonths?: unknown; reauditRequiresImprovement?: unknown };

/** Writes settings columns, making the council's settings row (with its phase lengths) if it has none. */
async function saveSettings(
  db: Db,
  councilId: string,
  values: Partial<{
    reaudit_months: number;
    reaudit_requires_improvement: boolean;
    escalation_director_id: string | null;
  }>,
) {
  const phaseLengths = JSON.stringify(await getPhaseLengths(db, councilId));
  await db
    .insertInto('council_settings')
    .values({ council_id: councilId, phase_lengths: phaseLengths, ...values })
    .onConflict((oc) => oc.column('council_id').doUpdateSet({ ...values, updated_at: new Date() }))
    .execute();
}

/**
 * Saves how many months after an audit its re-audit is due and whether audits graded requires
 * improvement are re-audited too. Applies to audits submitted from now on. Nothing is changed when
 * the input is wrong.
 */
export async function saveReauditSettings(
  db: Db,
  councilId: string,
  input: ReauditSettingsInput,
): Promise<ReauditSettings> {
  const checked = validate(reauditSettingsSchema, input);
  if (!checked.ok) throw new ValidationError(checked.errors);
  await saveSettings(db, councilId, {
    reaudit_months: checked.value.reauditMonths,
    reaudit_requires_improvement: checked.value.reauditRequiresImprovement,
  });
  return checked.value;
}

export interface SeniorLeaderChoice {
  id: string;
  name: string;
  jobTitle: string;
}

/** Active senior leaders of the council: who may be the Assistant Director for QA. */
export async function seniorLeaderChoices(db: Db, councilId: string): Promise<SeniorLeaderChoice[]> {
  const rows = await db
    .selectFrom('staff as s')
    .innerJoin('staff_roles as r', (j) =>
      j.onRef('r.staff_id', '=', 's.id').on('r.role', '=', 'senior_leader'),
    )
    .select(['s.id', 's.name', 's.job_title'])
    .where('s.council_id', '=', councilId)
    .where('s.active', '=', true)
    .orderBy('s.name')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, jobTitle: r.job_title }));
}

const directorSchema = z.object({
  escalationDirectorId: z
    .string({ message: 'Choose the Assistant Director for quality assurance from the list' })
    .trim()
    .transform((v) => (v === '' ? null : v))
    .pipe(
      z.uuid({ message: 'Choose the Assistant Director for quality assurance from the list' }).nullable(),
    ),
});

/**
 * Saves who receives every escalation as the Assistant Director for quality assurance: an active
 * senior leader of the council, or nobody chosen ('' : found by job title).
 */
export async function saveEscalationDirector(
  db: Db,
  councilId: string,
  input: { escalationDirectorId?: unknown },
): Promise<string | null> {
  const checked = validate(directorSchema, input);
  if (!checked.ok) throw new ValidationError(checked.errors);
  const id = checked.value.escalationDirectorId;
  if (id !== null && !(await seniorLeaderChoices(db, councilId)).some((c) => c.id === id)) {
    throw new ValidationError([
      {
        field: 'escalationDirectorId',
        message: 'Choose an active Head of Service or Assistant Director from the list',
      },
    ]);
  }
  await saveSettings(db, councilId, { escalation_director_id: id });
  return id;
}

// --- scheduling re-audits ---

export interface ScheduledReaudit {
  /** the first day of the month the re-audit is due; null when the grade calls for none */
  dueMonth: IsoDate | null;
  /** the re-audit, once the programme has a month for it */
  reauditId: string | null;
}

/** The grade scale an audit was done on: its tool version's, or its tool's latest. */
async function scaleOf(
  db: Db,
  councilId: string,
  audit: { tool_version_id: string | null; tool_id: string | null },
): Promise<GradeScale | undefined> {
  if (audit.tool_version_id) {
    const row = await db
      .selectFrom('audit_tool_versions as v')
      .innerJoin('grade_scales as s', 's.id', 'v.scale_id')
      .select(['s.key', 's.name', 's.grades'])
      .where('v.id', '=', audit.tool_version_id)
      .where('v.council_id', '=', councilId)
      .executeTakeFirst();
    if (row) return { key: row.key, name: row.name, grades: row.grades as Grade[] };
  }
  if (audit.tool_id) return (await getToolVersion(db, councilId, audit.tool_id))?.scale;
  return undefined;
}

const originalColumns = [
  'a.id',
  'a.council_id',
  'a.child_id',
  'a.kind',
  'a.tool_id',
  'a.team_id',
  'a.service_area_id',
  'a.locality_id',
  'a.practitioner_id',
  'a.practitioner_manager_id',
  'a.reaudit_due_month',
] as const;

type Original = {
  id: string;
  council_id: string;
  child_id: string;
  kind: ActivityKind;
  tool_id: string | null;
  team_id: string | null;
  service_area_id: string | null;
  locality_id: string | null;
  practitioner_id: string | null;
  practitioner_manager_id: string | null;
};

/**
 * Adds the re-audit of an audit to the programme month it is due in (or the first month with audits
 * after it, when that is a learning month), if the programme has one. Returns its id, or null when
 * there is no month for it yet. An existing re-audit is returned, never doubled.
 */
async function addReaudit(db: Db, original: Original, dueMonth: IsoDate): Promise<string | null> {
  const month = await db
    .selectFrom('programme_months')
    .select('id')
    .where('council_id', '=', original.council_id)
    .where('month', '>=', dueMonth)
    .where('learning_month', '=', false)
    .orderBy('month')
    .limit(1)
    .executeTakeFirst();
  if (!month) return null;
  const inserted = await db
    .insertInto('audits')
    .values({
      council_id: original.council_id,
      month_id: month.id,
      child_id: original.child_id,
      kind: original.kind,
      tool_id: original.tool_id,
      team_id: original.team_id,
      service_area_id: original.service_area_id,
      locality_id: original.locality_id,
      practitioner_id: original.practitioner_id,
      practitioner_manager_id: original.practitioner_manager_id,
      status: 'unallocated',
      reaudit_of_id: original.id,
    })
    .onConflict((oc) => oc.column('reaudit_of_id').where('reaudit_of_id', 'is not', null).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return inserted.id;
  const existing = await db
    .selectFrom('audits')
    .select('id')
    .where('reaudit_of_id', '=', original.id)
    .executeTakeFirst();
  return existing?.id ?? null;
}

/**
 * Called when an audit is submitted, inside the submission's transaction, once its overall grade is
 * stored: when the grade calls for a re-audit, records the month it is due and adds the re-audit to
 * the programme if that month is planned. Safe to call more than once.
 */
export async function scheduleReaudit(db: Db, councilId: string, auditId: string): Promise<ScheduledReaudit> {
  return inTransaction(db, async (trx) => {
    const audit = await trx
      .selectFrom('audits as a')
      .innerJoin('programme_months as m', 'm.id', 'a.month_id')
      .select([
        ...originalColumns,
        // the panel's final grade once moderated, else the auditor's
        sql<string | null>`coalesce(a.final_grade, a.overall_grade)`.as('overall_grade'),
        'a.tool_version_id',
        'm.month',
      ])
      .where('a.council_id', '=', councilId)
      .where('a.id', '=', auditId)
      .executeTakeFirst();
    if (!audit) throw new NotFoundError('audit');
    const scale = await scaleOf(trx, councilId, audit);
    const settings = await getAfterSubmissionSettings(trx, councilId);
    if (!scale || !needsReaudit(audit.overall_grade, scale, settings)) {
      return { dueMonth: null, reauditId: null };
    }
    const dueMonth = audit.reaudit_due_month ?? reauditDueMonth(audit.month, settings.reauditMonths);
    if (audit.reaudit_due_month !== dueMonth) {
      await trx
        .updateTable('audits')
        .set({ reaudit_due_month: dueMonth })
        .where('id', '=', audit.id)
        .execute();
    }
    return { dueMonth, reauditId: await addReaudit(trx, audit, dueMonth) };
  });
}

/**
 * Adds every re-audit whose month the programme now has: for submitted audits with a due month and
 * no re-audit yet. Returns how many were added; running it again adds none.
 */
export async function createDueReaudits(db: Db, councilId: string): Promise<number> {
  const waiting = await db
    .selectFrom('audits as a')
    .select(originalColumns)
    .where('a.council_id', '=', councilId)
    .where('a.status', '=', 'submitted')
    .where('a.reaudit_due_month', 'is not', null)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('audits as r').select('r.id').whereRef('r.reaudit_of_id', '=', 'a.id'))),
    )
    // only those whose month (or a later one) is planned
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('programme_months as m')
          .select('m.id')
          .where('m.council_id', '=', councilId)
          .where('m.learning_month', '=', false)
          .whereRef('m.month', '>=', 'a.reaudit_due_month'),
      ),
    )
    .execute();
  if (waiting.length === 0) return 0;
  return inTransaction(db, async (trx) => {
    let added = 0;
    for (const original of waiting) {
      const before = await trx
        .selectFrom('audits')
        .select('id')
        .where('reaudit_of_id', '=', original.id)
        .executeTakeFirst();
      if (before) continue;
      if (await addReaudit(trx, original, original.reaudit_due_month as IsoDate)) added++;
    }
    return added;
  });
}

export interface DueReaudit {
  auditId: string;
  childId: string;
  childReference: string;
  status: AuditStatus;
  auditorName: string | null;
  /** the audit it follows up, and its cycle's month */
  originalId: string;
  originalMonth: IsoDate;
}

/** The re-audits in a programme month, by child reference. */
export async function reauditsOfMonth(db: Db, councilId: string, monthId: string): Promise<DueReaudit[]> {
  const rows = await db
    .selectFrom('audits as a')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .innerJoin('audits as o', 'o.id', 'a.reaudit_of_id')
    .innerJoin('programme_months as om', 'om.id', 'o.month_id')
    .leftJoin('staff as s', 's.id', 'a.auditor_id')
    .select([
      'a.id',
      'a.child_id',
      'c.external_id',
      'a.status',
      's.name as auditor_name',
      'o.id as original_id',
      'om.month as original_month',
    ])
    .where('a.council_id', '=', councilId)
    .where('a.month_id', '=', monthId)
    .orderBy('c.external_id')
    .execute();
  return rows.map((r) => ({
    auditId: r.id,
    childId: r.child_id,
    childReference: r.external_id,
    status: r.status,
    auditorName: r.auditor_name,
    originalId: r.original_id,
    originalMonth: r.original_month,
  }));
}
