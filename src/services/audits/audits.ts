/**
 * Doing an audit (domain.md §4): an auditor's list, the audit's pages with what has been typed so
 * far, saving drafts part by part, and submission.
 *
 * Nothing typed is lost: each part (the conversation, a section, the overall grade) is saved as
 * typed in `audit_drafts`, as the auditor types (the page's script) and on every page change
 * (without it). Each saved part has a revision; a save names the revision it was typed on, and a
 * save on an older revision than the stored one is refused as a conflict and shows both, so two
 * people (or two windows) never silently overwrite each other.
 *
 * Submission checks every required answer, then in one transaction stores the answers, the section
 * results, practice themes and actions, schedules a re-audit where the grade calls for one, and
 * tells the practitioner and their manager.
 */
import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import type { JobQueue } from '../../data/queue.ts';
import { inTransaction } from '../../data/transaction.ts';
import { ACTIVITY_KIND_LABELS, type ActivityKind } from '../../domain/activity-kinds.ts';
import {
  CONVERSATION_PART,
  type Conversation,
  cleanFields,
  conversationProblems,
  type DraftFields,
  type FormPart,
  formParts,
  hasContent,
  impossibleValues,
  OVERALL_PART,
  overallProblems,
  type PartChoices,
  readActions,
  sectionProblems,
} from '../../domain/audit-form.ts';
import {
  type AnswerSet,
  sectionLineage,
  type ToolDefinition,
  type ToolSection,
} from '../../domain/audit-tools.ts';
import type { CyclePhase } from '../../domain/cycle-phases.ts';
import { type IsoDate, monthName } from '../../domain/dates.ts';
import { type GradeScale, gradeByKey } from '../../domain/grade-scales.ts';
import { type FieldError, ValidationError } from '../../domain/validation.ts';
import { notifyPeople } from '../notifications.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import { getToolVersion, getToolVersionById, type ToolVersion } from '../programme/tools.ts';
import {
  type AuditAccess,
  type AuditFacts,
  accessFrom,
  auditAccess,
  GRADE_HIDDEN,
  loadAuditFacts,
  must,
  readRefusal,
  relationsTo,
} from './audit-access.ts';
import { scheduleReaudit } from './reaudits.ts';
import { countLanguageOfAudit } from './writing-suggestions.ts';

/** A full case file audit is collaborative: it records the conversation with the case holder. */
export function withConversation(kind: ActivityKind): boolean {
  return kind === 'full_audit';
}

function auditingEnd(phases: unknown): IsoDate | null {
  if (!Array.isArray(phases)) return null;
  return (phases as CyclePhase[]).find((p) => p.key === 'auditing')?.end ?? null;
}

// --- My audits ---

export interface MyAuditRow {
  id: string;
  childId: string;
  childReference: string;
  team: string | null;
  kind: ActivityKind;
  kindName: string;
  themes: string[];
  month: string;
  deadline: IsoDate | null;
  status: 'allocated' | 'in_progress';
  overdue: boolean;
  reaudit: boolean;
  lastSaved: Date | null;
}

export interface MyAudits {
  waiting: MyAuditRow[];
  drafts: number;
  overdue: number;
  submitted: {
    id: string;
    childId: string;
    childReference: string;
    kindName: string;
    submittedAt: Date | null;
  }[];
}

/** An auditor's audits: allocated and in progress, most urgent first (overdue, then by deadline). */
export async function myAudits(db: Db, user: SignedInUser, today: IsoDate): Promise<MyAudits> {
  const rows = await db
    .selectFrom('audits as a')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .innerJoin('programme_months as m', 'm.id', 'a.month_id')
    .leftJoin('teams as t', 't.id', 'a.team_id')
    .where('a.council_id', '=', user.councilId)
    .where('a.auditor_id', '=', user.staffId)
    .where('a.status', 'in', ['allocated', 'in_progress'])
    .select((eb) => [
      'a.id',
      'a.child_id',
      'c.external_id',
      't.name as team',
      'a.kind',
      'a.month_id',
      'm.month',
      'm.phases',
      'a.due_on',
      'a.status',
      'a.reaudit_of_id',
      eb
        .selectFrom('audit_drafts as d')
        .whereRef('d.audit_id', '=', 'a.id')
        .select((e) => e.fn.max('d.saved_at').as('s'))
        .as('last_saved'),
    ])
    .execute();
  const monthIds = [...new Set(rows.map((r) => r.month_id))];
  const themes = monthIds.length
    ? await db
        .selectFrom('month_themes')
        .select(['month_id', 'theme'])
        .where('month_id', 'in', monthIds)
        .orderBy('position')
        .execute()
    : [];
  const waiting: MyAuditRow[] = rows.map((r) => {
    const deadline = r.due_on ?? auditingEnd(r.phases);
    return {
      id: r.id,
      childId: r.child_id,
      childReference: r.external_id,
      team: r.team,
      kind: r.kind,
      kindName: r.reaudit_of_id ? 'Re-audit' : ACTIVITY_KIND_LABELS[r.kind],
      themes: [...new Set(themes.filter((t) => t.month_id === r.month_id).map((t) => t.theme))],
      month: monthName(r.month),
      deadline,
      status: r.status as 'allocated' | 'in_progress',
      overdue: deadline !== null && deadline < today,
      reaudit: r.reaudit_of_id !== null,
      lastSaved: (r.last_saved as Date | null) ?? null,
    };
  });
  waiting.sort(
    (a, b) =>
      Number(b.overdue) - Number(a.overdue) ||
      (a.deadline ?? '9999').localeCompare(b.deadline ?? '9999') ||
      a.childReference.localeCompare(b.childReference),
  );
  const submitted = await db
    .selectFrom('audits as a')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .where('a.council_id', '=', user.councilId)
    .where('a.auditor_id', '=', user.staffId)
    .where('a.status', '=', 'submitted')
    .select(['a.id', 'a.child_id', 'c.external_id', 'a.kind', 'a.submitted_at'])
    .orderBy('a.submitted_at', 'desc')
    .limit(10)
    .execute();
  return {
    waiting,
    drafts: waiting.filter((r) => r.status === 'in_progress').length,
    overdue: waiting.filter((r) => r.overdue).length,
    submitted: submitted.map((s) => ({
      id: s.id,
      childId: s.child_id,
      childReference: s.external_id,
      kindName: ACTIVITY_KIND_LABELS[s.kind],
      submittedAt: s.submitted_at,
    })),
  };
}

/** The auditor's next open audit of the same kind, for moving straight on (dip samples). */
export async function nextAuditOfKind(
  db: Db,
  user: SignedInUser,
  kind: ActivityKind,
  today: IsoDate,
): Promise<string | null> {
  const mine = await myAudits(db, user, today);
  return mine.waiting.find((r) => r.kind === kind)?.id ?? null;
}

// --- An audit's pages ---

export interface DraftPart {
  fields: DraftFields;
  revision: number;
  savedAt: Date;
  savedBy: string | null;
}

export type PartState = 'not_started' | 'in_progress' | 'completed';

export interface AuditWork {
  access: AuditAccess;
  audit: AuditFacts;
  tool: ToolVersion;
  parts: FormPart[];
  drafts: Record<string, DraftPart>;
  states: Record<string, PartState>;
  choices: PartChoices;
  themes: { key: string; name: string }[];
  owners: { id: string; name: string; jobTitle: string; why: string | null }[];
  details: {
    childReference: string;
    team: string | null;
    practitioner: string | null;
    manager: string | null;
    auditor: string | null;
    month: string;
    themes: string[];
    kindName: string;
    deadline: IsoDate | null;
    submittedAt: Date | null;
    submittedBy: string | null;
  };
  /** once submitted: what was submitted */
  submitted: {
    answers: AnswerSet;
    /** the auditor's overall grade */
    overallGrade: string | null;
    /** the grade reports count: the moderation panel's once decided, else the auditor's */
    finalGrade: string | null;
    conversation: Conversation | null;
  } | null;
}

/** The version of the tool an audit is done on: its own once started, else the tool's latest. */
async function toolFor(db: Db, audit: AuditFacts): Promise<ToolVersion> {
  if (audit.toolVersionId) {
    const tool = await getToolVersionById(db, audit.councilId, audit.toolVersionId);
    if (tool) return tool;
  }
  const toolId = audit.toolId ?? (await toolOfKind(db, audit));
  const tool = toolId ? await getToolVersion(db, audit.councilId, toolId) : undefined;
  if (!tool) throw new AuditToolMissingError(audit.kind);
  return tool;
}

/**
 * The tool of an audit recorded without one (drawn before samples named their tool): its sample's
 * tool, else the tool its cycle plans for the kind, else the council's own tool of the kind (a
 * council's before a built-in one).
 */
async function toolOfKind(db: Db, audit: AuditFacts): Promise<string | null> {
  const row = await db
    .selectFrom('audits as a')
    .leftJoin('samples as s', (j) => j.onRef('s.id', '=', 'a.sample_id').on('s.kind', '=', audit.kind))
    .select((eb) => [
      's.tool_id as sample_tool',
      eb
        .selectFrom('planned_activities as p')
        .innerJoin('audit_tools as t', 't.id', 'p.tool_id')
        .select('t.id')
        .whereRef('p.month_id', '=', 'a.month_id')
        .where('p.council_id', '=', audit.councilId)
        .where('p.kind', '=', audit.kind)
        .where('t.kind', '=', audit.kind)
        .where('t.archived', '=', false)
        .orderBy('p.position')
        .limit(1)
        .as('planned_tool'),
      eb
        .selectFrom('audit_tools as t')
        .select('t.id')
        .where('t.council_id', '=', audit.councilId)
        .where('t.kind', '=', audit.kind)
        .where('t.archived', '=', false)
        .orderBy('t.builtin')
        .orderBy('t.created_at')
        .limit(1)
        .as('council_tool'),
    ])
    .where('a.id', '=', audit.id)
    .where('a.council_id', '=', audit.councilId)
    .executeTakeFirst();
  return row?.sample_tool ?? row?.planned_tool ?? row?.council_tool ?? null;
}

/**
 * An audit that cannot be opened because the council has no audit tool of its kind (drawn before
 * samples had to name one): answered with a page that says so, not "Page not found".
 */
export class AuditToolMissingError extends Error {
  statusCode = 409;
  readonly kind: ActivityKind;
  constructor(kind: ActivityKind) {
    super(`There is no ${ACTIVITY_KIND_LABELS[kind].toLowerCase()} tool for this audit`);
    this.kind = kind;
  }
}

/** Fixes the tool version the audit is done on, the first time its auditor opens it. */
async function pinToolVersion(db: Db, audit: AuditFacts, tool: ToolVersion): Promise<void> {
  if (audit.toolVersionId) return;
  await db
    .updateTable('audits')
    .set({ tool_version_id: tool.versionId })
    .where('id', '=', audit.id)
    .where('tool_version_id', 'is', null)
    .execute();
  await db
    .updateTable('audit_tool_versions')
    .set({ first_used_at: sql<Date>`now()` })
    .where('id', '=', tool.versionId)
    .where('first_used_at', 'is', null)
    .execute();
  audit.toolVersionId = tool.versionId;
}

async function choicesFor(db: Db, audit: AuditFacts) {
  const themes = await db
    .selectFrom('practice_themes')
    .select(['key', 'name'])
    .where('council_id', '=', audit.councilId)
    .where('active', '=', true)
    .orderBy('name')
    .execute();
  // who may own an action: the case holder, their manager, the child's team, and its service's leaders
  const staff = await db
    .selectFrom('staff as s')
    .select(['s.id', 's.name', 's.job_title'])
    .where('s.council_id', '=', audit.councilId)
    .where('s.active', '=', true)
    .where((eb) =>
      eb.or([
        eb(
          's.id',
          'in',
          [audit.practitionerId, audit.practitionerManagerId]
            .filter((x): x is string => !!x)
            .concat(['00000000-0000-0000-0000-000000000000']),
        ),
        ...(audit.teamId ? [eb('s.team_id', '=', audit.teamId)] : []),
        ...(audit.serviceAreaId
          ? [
              eb.and([
                eb('s.service_area_id', '=', audit.serviceAreaId),
                eb.exists(
                  eb
                    .selectFrom('staff_roles as r')
                    .whereRef('r.staff_id', '=', 's.id')
                    .where('r.role', '=', 'senior_leader')
                    .select('r.staff_id'),
                ),
              ]),
            ]
          : []),
      ]),
    )
    .orderBy('s.name')
    .execute();
  const why = (id: string) =>
    id === audit.practitionerId ? 'Case holder' : id === audit.practitionerManagerId ? 'Their manager' : null;
  const owners = staff
    .map((s) => ({ id: s.id, name: s.name, jobTitle: s.job_title, why: why(s.id) }))
    .sort(
      (a, b) =>
        Number(!!b.why) - Number(!!a.why) ||
        (a.why ?? '').localeCompare(b.why ?? '') ||
        a.name.localeCompare(b.name),
    );
  return {
    themes,
    owners,
    choices: { themeKeys: themes.map((t) => t.key), ownerIds: owners.map((o) => o.id) } satisfies PartChoices,
  };
}

function sectionOf(tool: ToolDefinition, key: string): ToolSection | undefined {
  return tool.sections.find((s) => s.key === key);
}

function stateOf(
  part: FormPart,
  tool: ToolVersion,
  fields: DraftFields | undefined,
  choices: PartChoices,
  today: IsoDate,
): PartState {
  const section = sectionOf(tool.definition, part.key);
  if (!hasContent(fields)) {
    // an optional section left alone is complete as it is
    return section && !section.required ? 'completed' : 'not_started';
  }
  const f = fields ?? {};
  const problems =
    part.kind === 'conversation'
      ? conversationProblems(f, today).errors
      : part.kind === 'overall'
        ? overallProblems(f, tool.scale).errors
        : sectionProblems(tool.definition, section as ToolSection, tool.scale, f, choices).errors;
  return problems.length ? 'in_progress' : 'completed';
}

/**
 * An audit with everything its pages show. Throws AuditAccessError unless the person may read it;
 * the allocated auditor opening it for the first time fixes the tool version it is done on.
 */
export async function loadAuditWork(
  db: Db,
  user: SignedInUser,
  auditId: string,
  today: IsoDate,
): Promise<AuditWork> {
  const access = await auditAccess(db, user, auditId);
  must(access.mayRead, readRefusal(access));
  const audit = access.audit;
  must(audit.status !== 'exempted', 'This audit was exempted: there is nothing to complete.');
  must(audit.status !== 'unallocated', 'This audit has not been allocated to an auditor yet.');
  const tool = await toolFor(db, audit);
  if (access.mayEdit && access.relations.has('auditor')) await pinToolVersion(db, audit, tool);
  const parts = formParts(tool.definition, withConversation(audit.kind));
  const draftRows = await db
    .selectFrom('audit_drafts as d')
    .leftJoin('staff as s', 's.id', 'd.saved_by')
    .select(['d.part', 'd.fields', 'd.revision', 'd.saved_at', 's.name'])
    .where('d.audit_id', '=', audit.id)
    .execute();
  const drafts: Record<string, DraftPart> = {};
  for (const d of draftRows) {
    drafts[d.part] = { fields: d.fields, revision: d.revision, savedAt: d.saved_at, savedBy: d.name };
  }
  const { themes, owners, choices } = await choicesFor(db, audit);
  const states: Record<string, PartState> = {};
  for (const p of parts) states[p.key] = stateOf(p, tool, drafts[p.key]?.fields, choices, today);

  const d = await db
    .selectFrom('audits as a')
    .innerJoin('programme_months as m', 'm.id', 'a.month_id')
    .leftJoin('teams as t', 't.id', 'a.team_id')
    .leftJoin('staff as p', 'p.id', 'a.practitioner_id')
    .leftJoin('staff as pm', 'pm.id', 'a.practitioner_manager_id')
    .leftJoin('staff as au', 'au.id', 'a.auditor_id')
    .leftJoin('staff as sb', 'sb.id', 'a.submitted_by')
    .select([
      't.name as team',
      'p.name as practitioner',
      'pm.name as manager',
      'au.name as auditor',
      'sb.name as submitted_by',
      'm.month',
      'm.phases',
      'a.answers',
      'a.overall_grade',
      'a.final_grade',
      'a.conversation_on',
      'a.conversation_with',
      'a.conversation_note',
      sql<string[] | null>`(select array_agg(mt.theme order by mt.position) from month_themes mt
        where mt.month_id = a.month_id)`.as('month_themes'),
    ])
    .where('a.id', '=', audit.id)
    .executeTakeFirstOrThrow();
  return {
    access,
    audit,
    tool,
    parts,
    drafts,
    states,
    choices,
    themes,
    owners,
    details: {
      childReference: audit.childReference,
      team: d.team,
      practitioner: d.practitioner,
      manager: d.manager,
      auditor: d.auditor,
      month: monthName(d.month),
      themes: [...new Set(d.month_themes ?? [])],
      kindName: audit.reauditOfId ? 'Re-audit' : ACTIVITY_KIND_LABELS[audit.kind],
      deadline: audit.dueOn ?? auditingEnd(d.phases),
      submittedAt: audit.submittedAt,
      submittedBy: d.submitted_by,
    },
    submitted:
      audit.status === 'submitted'
        ? {
            answers: (d.answers ?? {}) as AnswerSet,
            overallGrade: d.overall_grade,
            finalGrade: d.final_grade ?? d.overall_grade,
            conversation:
              d.conversation_on && d.conversation_with
                ? { on: d.conversation_on, with: d.conversation_with, note: d.conversation_note }
                : null,
          }
        : null,
  };
}

export function partOf(work: Pick<AuditWork, 'parts'>, key: string): FormPart | undefined {
  return work.parts.find((p) => p.key === key);
}

/** The part after this one, or undefined after the last. */
export function nextPart(work: Pick<AuditWork, 'parts'>, key: string): FormPart | undefined {
  const i = work.parts.findIndex((p) => p.key === key);
  return i >= 0 ? work.parts[i + 1] : undefined;
}

// --- Saving a draft ---

export type SaveResult =
  | { ok: true; revision: number; savedAt: Date; changed: boolean }
  | {
      ok: false;
      conflict: { theirs: DraftFields; revision: number; savedAt: Date; savedBy: string | null };
    };

/** The message for a form naming a part that is not in the audit's tool. */
export const UNKNOWN_PART =
  'This form is for a part that is not in this audit’s tool, so nothing was saved. Go back to the audit and open the section again.';

function sameFields(a: DraftFields, b: DraftFields): boolean {
  const norm = (f: DraftFields) =>
    JSON.stringify(
      Object.keys(f)
        .sort()
        .filter((k) => (Array.isArray(f[k]) ? f[k].length > 0 : f[k] !== ''))
        .map((k) => [k, f[k]]),
    );
  return norm(a) === norm(b);
}

/**
 * Saves one part of a draft as typed. `baseRevision` is the revision the person's page was showing
 * (0 for a part never saved): a save over a newer revision is refused as a conflict, with the
 * stored version, and nothing changes. A value no page offers (a grade off the scale, a section of
 * another tool) is a ValidationError, and nothing changes.
 */
export async function saveDraftPart(
  db: Db,
  user: SignedInUser,
  auditId: string,
  partKey: string,
  body: unknown,
  baseRevision: number,
): Promise<SaveResult> {
  return inTransaction(db, async (trx) => {
    // one save of an audit at a time, so revisions cannot interleave; taken before the audit is read,
    // so a save that waited for a submission or an exemption sees it and is refused
    await sql`select id from audits where id = ${auditId} and council_id = ${user.councilId} for update`.execute(
      trx,
    );
    const audit = await loadAuditFacts(trx, user.councilId, auditId);
    const access = accessFrom(audit, await relationsTo(trx, user, audit));
    must(
      access.mayEdit,
      audit.status === 'submitted'
        ? 'This audit has been submitted: it can no longer be changed.'
        : 'Only the auditor it is allocated to, or QA, can change this audit.',
    );
    const tool = await toolFor(trx, audit);
    if (access.relations.has('auditor')) await pinToolVersion(trx, audit, tool);
    const parts = formParts(tool.definition, withConversation(audit.kind));
    const part = parts.find((p) => p.key === partKey);
    if (!part) throw new ValidationError([{ field: 'form', message: UNKNOWN_PART }]);
    const section = sectionOf(tool.definition, part.key);
    const fields = cleanFields(part, section, body);
    const { choices } = await choicesFor(trx, audit);
    const impossible = impossibleValues(part, section, tool.scale, fields, choices);
    if (impossible.length) throw new ValidationError(impossible);

    const current = await trx
      .selectFrom('audit_drafts as d')
      .leftJoin('staff as s', 's.id', 'd.saved_by')
      .select(['d.fields', 'd.revision', 'd.saved_at', 's.name'])
      .where('d.audit_id', '=', audit.id)
      .where('d.part', '=', part.key)
      .executeTakeFirst();
    if ((current?.revision ?? 0) !== baseRevision) {
      if (current && sameFields(current.fields, fields)) {
        return { ok: true, revision: current.revision, savedAt: current.saved_at, changed: false };
      }
      return {
        ok: false,
        conflict: {
          theirs: current?.fields ?? {},
          revision: current?.revision ?? 0,
          savedAt: current?.saved_at ?? new Date(),
          savedBy: current?.name ?? null,
        },
      };
    }
    if (current && sameFields(current.fields, fields)) {
      return { ok: true, revision: current.revision, savedAt: current.saved_at, changed: false };
    }
    const saved = current
      ? await trx
          .updateTable('audit_drafts')
          .set({
            fields: JSON.stringify(fields),
            revision: current.revision + 1,
            saved_by: user.staffId,
            saved_at: sql<Date>`now()`,
          })
          .where('audit_id', '=', audit.id)
          .where('part', '=', part.key)
          .returning(['revision', 'saved_at'])
          .executeTakeFirstOrThrow()
      : await trx
          .insertInto('audit_drafts')
          .values({
            audit_id: audit.id,
            part: part.key,
            fields: JSON.stringify(fields),
            revision: 1,
            saved_by: user.staffId,
          })
          .returning(['revision', 'saved_at'])
          .executeTakeFirstOrThrow();
    if (audit.status === 'allocated') {
      await trx
        .updateTable('audits')
        .set({ status: 'in_progress', started_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
        .where('id', '=', audit.id)
        .where('status', '=', 'allocated')
        .execute();
    }
    return { ok: true, revision: saved.revision, savedAt: saved.saved_at, changed: true };
  });
}

// --- Submitting ---

export interface SubmitError extends FieldError {
  /** the page and field to fix it on */
  href: string;
}

/** Everything that stops the audit being submitted, in the order of its pages, each linked to its field. */
export function submissionProblems(work: AuditWork, today: IsoDate): SubmitError[] {
  const errors: SubmitError[] = [];
  const href = (part: FormPart, field: string) => `/audits/${work.audit.id}/parts/${part.key}#${field}`;
  for (const part of work.parts) {
    const fields = work.drafts[part.key]?.fields ?? {};
    let found: FieldError[];
    if (part.kind === 'conversation') found = conversationProblems(fields, today).errors;
    else if (part.kind === 'overall') found = overallProblems(fields, work.tool.scale).errors;
    else {
      const section = sectionOf(work.tool.definition, part.key) as ToolSection;
      found = sectionProblems(work.tool.definition, section, work.tool.scale, fields, work.choices).errors;
    }
    for (const e of found) errors.push({ ...e, field: `${part.key}-${e.field}`, href: href(part, e.field) });
  }
  return errors;
}

export type SubmitResult = { ok: true } | { ok: false; errors: SubmitError[] };

/**
 * Submits an audit: every required answer present, each action with an owner and a due date. On
 * success, in one transaction: the answers and grades are stored, the section results, themes and
 * actions written, the drafts cleared, a re-audit scheduled when the grade calls for one, and the
 * practitioner and their manager told. On failure nothing changes.
 */
export async function submitAudit(
  db: Db,
  queue: JobQueue | null,
  user: SignedInUser,
  auditId: string,
  today: IsoDate,
): Promise<SubmitResult> {
  return inTransaction(db, async (trx) => {
    await sql`select id from audits where id = ${auditId} and council_id = ${user.councilId} for update`.execute(
      trx,
    );
    const work = await loadAuditWork(trx, user, auditId, today);
    must(
      work.access.mayEdit,
      work.audit.status === 'submitted'
        ? 'This audit has already been submitted.'
        : 'Only the auditor it is allocated to, or QA, can submit this audit.',
    );
    const errors = submissionProblems(work, today);
    if (errors.length) return { ok: false, errors };

    const { tool, audit } = work;
    const answers: AnswerSet = {};
    const fieldsOf = (key: string) => work.drafts[key]?.fields ?? {};
    for (const section of tool.definition.sections) {
      const checked = sectionProblems(
        tool.definition,
        section,
        tool.scale,
        fieldsOf(section.key),
        work.choices,
      );
      answers[section.key] = checked.answers ?? { answers: {} };
    }
    const conversation = withConversation(audit.kind)
      ? conversationProblems(fieldsOf(CONVERSATION_PART), today).value
      : undefined;
    const overall = work.parts.some((p) => p.key === OVERALL_PART)
      ? overallProblems(fieldsOf(OVERALL_PART), tool.scale).grade
      : undefined;
    const overallGrade = overall ? gradeByKey(tool.scale, overall) : undefined;

    await trx
      .updateTable('audits')
      .set({
        status: 'submitted',
        tool_version_id: tool.versionId,
        answers: JSON.stringify(answers),
        overall_grade: overallGrade?.key ?? null,
        overall_good_or_better: overallGrade ? overallGrade.goodOrBetter : null,
        final_grade: overallGrade?.key ?? null,
        final_good_or_better: overallGrade ? overallGrade.goodOrBetter : null,
        conversation_on: conversation?.on ?? null,
        conversation_with: conversation?.with ?? null,
        conversation_note: conversation?.note ?? null,
        submitted_at: sql<Date>`now()`,
        submitted_by: user.staffId,
        started_at: sql<Date>`coalesce(started_at, now())`,
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', audit.id)
      .execute();
    await writeResults(trx, audit, tool.definition, tool.scale, answers);
    await countLanguageOfAudit(
      trx,
      audit.councilId,
      audit.id,
      tool.definition,
      answers,
      conversation?.note ?? null,
    );
    const actions = tool.definition.sections.flatMap((s, si) =>
      s.isJourneySection
        ? readActions(fieldsOf(s.key)).map((a, ai) => ({
            council_id: audit.councilId,
            audit_id: audit.id,
            section_key: s.key,
            position: si * 100 + ai,
            text: a.text,
            owner_id: a.ownerId,
            due_on: a.dueOn,
            created_by: user.staffId,
          }))
        : [],
    );
    if (actions.length) await trx.insertInto('audit_actions').values(actions).execute();
    await trx.deleteFrom('audit_drafts').where('audit_id', '=', audit.id).execute();
    await scheduleReaudit(trx, audit.councilId, audit.id);
    const told = [
      ...new Set([audit.practitionerId, audit.practitionerManagerId].filter((x): x is string => !!x)),
    ];
    await notifyPeople(
      trx,
      queue,
      told.map((staffId) => ({
        councilId: audit.councilId,
        staffId,
        kind: 'audit_returned' as const,
        aboutId: audit.id,
        auditId: audit.id,
      })),
    );
    return { ok: true };
  });
}

/** The section results and practice themes of a submitted audit, for reports. */
async function writeResults(
  db: Db,
  audit: AuditFacts,
  tool: ToolDefinition,
  scale: GradeScale,
  answers: AnswerSet,
): Promise<void> {
  const results = tool.sections.map((s, i) => {
    const grade = answers[s.key]?.grade ? gradeByKey(scale, answers[s.key].grade as string) : undefined;
    return {
      audit_id: audit.id,
      council_id: audit.councilId,
      section_key: s.key,
      section_lineage: sectionLineage(s),
      section_title: s.title,
      position: i + 1,
      grade: grade?.key ?? null,
      grade_order: grade?.order ?? null,
      good_or_better: grade ? grade.goodOrBetter : null,
    };
  });
  if (results.length) await db.insertInto('audit_section_results').values(results).execute();
  const themes = tool.sections.flatMap((s) =>
    (answers[s.key]?.practiceThemes ?? []).map((theme) => ({
      audit_id: audit.id,
      council_id: audit.councilId,
      section_key: s.key,
      theme_key: theme,
    })),
  );
  if (themes.length) await db.insertInto('audit_practice_themes').values(themes).execute();
}

// --- Audits to read ---

export interface AuditToRead {
  id: string;
  childId: string;
  childReference: string;
  team: string | null;
  kindName: string;
  /** the final grade (the moderation panel's once decided), or why it is hidden */
  grade: string | null;
  /** the auditor's own grade, when the panel's final grade differs from it */
  auditorGrade: string | null;
  submittedAt: Date | null;
  /** what the person still has to do with it */
  waiting: string[];
}

/** How many submitted audits the list shows at most, newest first. */
export const AUDITS_TO_READ = 100;

/**
 * Submitted audits a person may read, newest first: of the children they hold (the case holder),
 * of their team (a case manager, or the case holder's line manager), of their service (a Head of
 * Service; a senior leader with no service, all), ones they audited or own an action of, and for QA
 * every audit of the council. Says what is waiting for them: feedback, management oversight.
 */
export async function auditsToRead(db: Db, user: SignedInUser): Promise<AuditToRead[]> {
  const me = user.staffId;
  const roles = user.roles;
  const rows = await db
    .selectFrom('audits as a')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .leftJoin('teams as t', 't.id', 'a.team_id')
    .leftJoin('audit_tool_versions as v', 'v.id', 'a.tool_version_id')
    .leftJoin('grade_scales as g', 'g.id', 'v.scale_id')
    .leftJoin('moderations as mo', (j) =>
      j.onRef('mo.audit_id', '=', 'a.id').on('mo.moderator_id', '=', me).on('mo.status', '=', 'allocated'),
    )
    .where('a.council_id', '=', user.councilId)
    .where('a.status', '=', 'submitted')
    .$if(!roles.includes('qa_lead'), (q) =>
      q.where((eb) =>
        eb.or([
          eb('a.practitioner_id', '=', me),
          eb('a.practitioner_manager_id', '=', me),
          eb('a.auditor_id', '=', me),
          ...(roles.includes('case_manager') && user.teamId ? [eb('a.team_id', '=', user.teamId)] : []),
          ...(roles.includes('senior_leader')
            ? [user.serviceAreaId ? eb('a.service_area_id', '=', user.serviceAreaId) : eb.lit(true)]
            : []),
          eb.exists(
            eb
              .selectFrom('audit_actions as x')
              .whereRef('x.audit_id', '=', 'a.id')
              .where('x.owner_id', '=', me)
              .select('x.id'),
          ),
        ]),
      ),
    )
    .select((eb) => [
      'a.id',
      'a.child_id',
      'c.external_id',
      't.name as team',
      'a.kind',
      'a.reaudit_of_id',
      sql<string | null>`case when mo.id is null then coalesce(a.final_grade, a.overall_grade) end`.as(
        'overall_grade',
      ),
      sql<string | null>`case when mo.id is null then a.overall_grade end`.as('auditor_grade'),
      sql<boolean>`mo.id is not null`.as('blind'),
      'g.grades',
      'a.submitted_at',
      'a.practitioner_id',
      'a.practitioner_manager_id',
      'a.team_id',
      eb
        .exists(
          eb
            .selectFrom('practitioner_feedback as pf')
            .whereRef('pf.audit_id', '=', 'a.id')
            .select('pf.audit_id'),
        )
        .as('feedback_given'),
      eb
        .exists(eb.selectFrom('audit_oversight as o').whereRef('o.audit_id', '=', 'a.id').select('o.id'))
        .as('oversight_recorded'),
    ])
    .orderBy('a.submitted_at', 'desc')
    .limit(AUDITS_TO_READ)
    .execute();
  return rows.map((r) => {
    const grades = (r.grades ?? []) as { key: string; label: string }[];
    const labelOf = (key: string) => grades.find((g) => g.key === key)?.label ?? key;
    const waiting: string[] = [];
    if (r.practitioner_id === me && !r.feedback_given) waiting.push('Your feedback');
    const manages =
      r.practitioner_manager_id === me ||
      (roles.includes('case_manager') && user.teamId !== null && r.team_id === user.teamId);
    if (manages && !r.oversight_recorded) waiting.push('Management oversight');
    return {
      id: r.id,
      childId: r.child_id,
      childReference: r.external_id,
      team: r.team,
      kindName: r.reaudit_of_id ? 'Re-audit' : ACTIVITY_KIND_LABELS[r.kind],
      grade: r.blind ? GRADE_HIDDEN : r.overall_grade ? labelOf(r.overall_grade) : null,
      auditorGrade:
        r.auditor_grade && r.overall_grade && r.auditor_grade !== r.overall_grade
          ? labelOf(r.auditor_grade)
          : null,
      submittedAt: r.submitted_at,
      waiting,
    };
  });
}
