/**
 * Moderation (domain.md §4): a QA officer re-grades a completed audit blind, and the monthly panel
 * agrees its final grade.
 *
 * The re-grade is blind: the moderator sees the child's record and the audit's evidence (the
 * conversation, each section's evaluation, impact statement, practice themes, actions and answers)
 * but never the auditor's grades. Only the moderator it is allocated to may open it, and only while
 * it is allocated; nobody moderates their own audit. The panel (QA) then sees both sets of grades
 * side by side, records the final grade and why, and the outcome (supported, upgraded, downgraded)
 * follows from the final grade against the auditor's. The final grade is what reports count, and
 * the auditor is told.
 */
import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import type { JobQueue } from '../../data/queue.ts';
import type { AuditQuality, ModerationStatus } from '../../data/schema.ts';
import { inTransaction } from '../../data/transaction.ts';
import { CONVERSATION_WITH } from '../../domain/audit-form.ts';
import {
  type AnswerSet,
  type Question,
  type ToolSection,
  YES_NO_PARTLY_NA_LABELS,
  type YesNoPartlyNa,
} from '../../domain/audit-tools.ts';
import { type DateParts, parseDateInput } from '../../domain/date-input.ts';
import { formatDate, monthName, todayInLondon } from '../../domain/dates.ts';
import { type GradeScale, gradeByKey } from '../../domain/grade-scales.ts';
import {
  type ModerationOutcomeKey,
  moderationOutcome,
  OUTCOME_LABELS,
} from '../../domain/moderation-outcome.ts';
import { can } from '../../domain/roles.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../domain/validation.ts';
import { type AuditAccess, must } from '../audits/audit-access.ts';
import { scheduleReaudit } from '../audits/reaudits.ts';
import { type ChildContext, childContext } from '../case-data/child-context.ts';
import { notifyPeople } from '../notifications.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import { getToolVersion, type ToolVersion } from '../programme/tools.ts';

export const QUALITY_LABELS: Record<AuditQuality, string> = {
  good: 'Good',
  requires_improvement: 'Requires improvement',
  inadequate: 'Inadequate',
};
export const QUALITIES = Object.keys(QUALITY_LABELS) as AuditQuality[];

/** Longest comments on the audit's quality, and longest panel reason. */
export const MAX_COMMENTS = 5000;

export const NOT_YOURS =
  'Only the moderator this audit is allocated to can open its re-grade, and only until it is submitted.';
export const OWN_AUDIT =
  'You did this audit, so you cannot moderate it. Ask the QA lead to allocate another moderator.';
export const OWN_PANEL = 'You did this audit, so another QA lead must record the panel’s decision on it.';
export const NOT_SUBMITTED = 'This audit has not been submitted yet, so it cannot be moderated.';

// --- shared ---

interface ModerationFacts {
  id: string;
  councilId: string;
  auditId: string;
  moderatorId: string | null;
  status: ModerationStatus;
  draft: Record<string, string> | null;
  auditStatus: string;
  auditorId: string | null;
  auditOverall: string | null;
  answers: AnswerSet;
  toolVersionId: string | null;
  monthId: string;
  childId: string;
  childReference: string;
}

async function moderationFacts(db: Db, councilId: string, id: string): Promise<ModerationFacts> {
  const r = await db
    .selectFrom('moderations as mo')
    .innerJoin('audits as a', 'a.id', 'mo.audit_id')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .where('mo.council_id', '=', councilId)
    .where('mo.id', '=', id)
    .select([
      'mo.id',
      'mo.council_id',
      'mo.audit_id',
      'mo.moderator_id',
      'mo.status',
      'mo.draft',
      'a.status as audit_status',
      'a.auditor_id',
      'a.overall_grade',
      'a.answers',
      'a.tool_version_id',
      'a.month_id',
      'a.child_id',
      'c.external_id',
    ])
    .executeTakeFirst();
  if (!r) throw new NotFoundError('moderation');
  return {
    id: r.id,
    councilId: r.council_id,
    auditId: r.audit_id,
    moderatorId: r.moderator_id,
    status: r.status,
    draft: r.draft,
    auditStatus: r.audit_status,
    auditorId: r.auditor_id,
    auditOverall: r.overall_grade,
    answers: (r.answers ?? {}) as AnswerSet,
    toolVersionId: r.tool_version_id,
    monthId: r.month_id,
    childId: r.child_id,
    childReference: r.external_id,
  };
}

/** The tool version the audit was done on. */
async function auditTool(
  db: Db,
  facts: Pick<ModerationFacts, 'councilId' | 'toolVersionId'>,
): Promise<ToolVersion> {
  if (!facts.toolVersionId) throw new NotFoundError('audit tool for this audit');
  const v = await db
    .selectFrom('audit_tool_versions')
    .select(['tool_id', 'version'])
    .where('id', '=', facts.toolVersionId)
    .executeTakeFirstOrThrow();
  const tool = await getToolVersion(db, facts.councilId, v.tool_id, v.version);
  if (!tool) throw new NotFoundError('audit tool for this audit');
  return tool;
}

/** The sections a moderator grades: those of the child's journey, which the auditor graded. */
export function gradedSections(tool: ToolVersion): ToolSection[] {
  return tool.definition.sections.filter((s) => s.isJourneySection);
}

export function sectionGradeField(sectionKey: string): string {
  return `grade-${sectionKey}`;
}

function labelOf(scale: GradeScale, key: string | null | undefined): string | null {
  if (!key) return null;
  return scale.grades.find((g) => g.key === key)?.label ?? key;
}

/** Checks the moderator may work on the re-grade now; throws AuditAccessError (403) with why not. */
function mustModerate(user: SignedInUser, m: ModerationFacts): void {
  must(m.moderatorId === user.staffId && m.status === 'allocated', NOT_YOURS);
  must(m.auditorId !== user.staffId, OWN_AUDIT);
  must(m.auditStatus === 'submitted', NOT_SUBMITTED);
}

// --- My moderations ---

export interface ModerationListRow {
  id: string;
  auditId: string;
  childId: string;
  childReference: string;
  auditor: string | null;
  moderator: string | null;
  month: string;
  monthId: string;
  started: boolean;
}

export interface MyModerations {
  waiting: ModerationListRow[];
  /** re-grades submitted and waiting for the panel */
  awaitingPanel: ModerationListRow[];
  /** months with moderated audits, newest first, for their panels */
  panels: { monthId: string; month: string; waiting: number; decided: number }[];
}

export async function myModerations(db: Db, user: SignedInUser): Promise<MyModerations> {
  const rows = await db
    .selectFrom('moderations as mo')
    .innerJoin('audits as a', 'a.id', 'mo.audit_id')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .innerJoin('programme_months as m', 'm.id', 'a.month_id')
    .leftJoin('staff as au', 'au.id', 'a.auditor_id')
    .leftJoin('staff as md', 'md.id', 'mo.moderator_id')
    .where('mo.council_id', '=', user.councilId)
    .where((eb) =>
      eb.or([
        eb.and([eb('mo.status', '=', 'allocated'), eb('mo.moderator_id', '=', user.staffId)]),
        eb('mo.status', '=', 'submitted'),
      ]),
    )
    .select([
      'mo.id',
      'mo.status',
      'mo.audit_id',
      'mo.draft',
      'a.child_id',
      'c.external_id',
      'au.name as auditor',
      'md.name as moderator',
      'm.month',
      'a.month_id',
    ])
    .orderBy('m.month')
    .orderBy('c.external_id')
    .execute();
  const row = (r: (typeof rows)[number]): ModerationListRow => ({
    id: r.id,
    auditId: r.audit_id,
    childId: r.child_id,
    childReference: r.external_id,
    auditor: r.auditor,
    moderator: r.moderator,
    month: monthName(r.month),
    monthId: r.month_id,
    started: r.draft !== null,
  });
  const months = await db
    .selectFrom('moderations as mo')
    .innerJoin('audits as a', 'a.id', 'mo.audit_id')
    .innerJoin('programme_months as m', 'm.id', 'a.month_id')
    .where('mo.council_id', '=', user.councilId)
    .where('mo.status', 'in', ['submitted', 'decided'])
    .groupBy(['a.month_id', 'm.month'])
    .select((eb) => [
      'a.month_id',
      'm.month',
      eb.fn.countAll<string>().filterWhere('mo.status', '=', 'submitted').as('waiting'),
      eb.fn.countAll<string>().filterWhere('mo.status', '=', 'decided').as('decided'),
    ])
    .orderBy('m.month', 'desc')
    .execute();
  return {
    waiting: rows.filter((r) => r.status === 'allocated').map(row),
    awaitingPanel: rows.filter((r) => r.status === 'submitted').map(row),
    panels: months.map((m) => ({
      monthId: m.month_id,
      month: monthName(m.month),
      waiting: Number(m.waiting),
      decided: Number(m.decided),
    })),
  };
}

// --- The blind re-grade ---

export interface EvidenceRow {
  key: string;
  value: string;
  long?: boolean;
}

export interface EvidenceSection {
  key: string;
  number: number;
  title: string;
  /** graded by the moderator */
  graded: boolean;
  rows: EvidenceRow[];
  actions: { text: string; owner: string | null; dueOn: string | null }[];
}

export interface ModerationWork {
  id: string;
  auditId: string;
  childId: string;
  tool: { name: string; scale: GradeScale };
  details: {
    childReference: string;
    team: string | null;
    practitioner: string | null;
    auditor: string | null;
    month: string;
    submittedAt: Date | null;
  };
  /** what the audit found, without any of the auditor's grades */
  evidence: {
    conversation: { on: string | null; withText: string | null; note: string | null } | null;
    sections: EvidenceSection[];
  };
  /** the re-grade as last saved */
  draft: Record<string, string>;
}

function answerText(q: Question, v: unknown): string {
  if (v === undefined || v === null || v === '') return 'Not answered';
  if (q.type === 'yes_no_partly_na') return YES_NO_PARTLY_NA_LABELS[v as YesNoPartlyNa] ?? String(v);
  if (q.type === 'date') return formatDate(String(v));
  return String(v);
}

/**
 * The blind re-grade: the audit's evidence and the moderator's draft. Only the allocated moderator,
 * while it is allocated, who is not the audit's auditor, of a submitted audit; otherwise 403.
 */
export async function loadModerationWork(db: Db, user: SignedInUser, id: string): Promise<ModerationWork> {
  const m = await moderationFacts(db, user.councilId, id);
  mustModerate(user, m);
  const tool = await auditTool(db, m);
  const d = await db
    .selectFrom('audits as a')
    .innerJoin('programme_months as pm', 'pm.id', 'a.month_id')
    .leftJoin('teams as t', 't.id', 'a.team_id')
    .leftJoin('staff as p', 'p.id', 'a.practitioner_id')
    .leftJoin('staff as au', 'au.id', 'a.auditor_id')
    .select([
      't.name as team',
      'p.name as practitioner',
      'au.name as auditor',
      'pm.month',
      'a.submitted_at',
      'a.conversation_on',
      'a.conversation_with',
      'a.conversation_note',
    ])
    .where('a.id', '=', m.auditId)
    .executeTakeFirstOrThrow();
  const [themes, actions] = await Promise.all([
    db.selectFrom('practice_themes').select(['key', 'name']).where('council_id', '=', m.councilId).execute(),
    db
      .selectFrom('audit_actions as x')
      .leftJoin('staff as s', 's.id', 'x.owner_id')
      .select(['x.section_key', 'x.text', 's.name', 'x.due_on'])
      .where('x.audit_id', '=', m.auditId)
      .orderBy('x.position')
      .orderBy('x.created_at')
      .execute(),
  ]);
  const themeNames = new Map(themes.map((t) => [t.key, t.name]));
  const sections: EvidenceSection[] = tool.definition.sections.map((s, i) => {
    const a = m.answers[s.key] ?? { answers: {} };
    const rows: EvidenceRow[] = [];
    if (s.isJourneySection) {
      rows.push({ key: 'Evaluation', value: a.evaluation || 'Not written', long: true });
      rows.push({ key: 'Impact statement', value: a.impactStatement || 'Not written', long: true });
      const names = (a.practiceThemes ?? []).map((k) => themeNames.get(k) ?? k);
      rows.push({ key: 'Practice themes', value: names.length ? names.join(', ') : 'None chosen' });
    }
    // a question answered with a grade is the auditor's grade: never shown to the moderator
    for (const q of s.questions.filter((q) => q.type !== 'grade')) {
      rows.push({ key: q.text, value: answerText(q, a.answers?.[q.key]) });
    }
    return {
      key: s.key,
      number: i + 1,
      title: s.title,
      graded: s.isJourneySection,
      rows,
      actions: actions
        .filter((x) => x.section_key === s.key)
        .map((x) => ({ text: x.text, owner: x.name, dueOn: x.due_on })),
    };
  });
  return {
    id: m.id,
    auditId: m.auditId,
    childId: m.childId,
    tool: { name: tool.definition.name, scale: tool.scale },
    details: {
      childReference: m.childReference,
      team: d.team,
      practitioner: d.practitioner,
      auditor: d.auditor,
      month: monthName(d.month),
      submittedAt: d.submitted_at,
    },
    evidence: {
      conversation: d.conversation_with
        ? {
            on: d.conversation_on,
            withText: CONVERSATION_WITH.find((c) => c.value === d.conversation_with)?.text ?? null,
            note: d.conversation_note,
          }
        : null,
      sections,
    },
    draft: m.draft ?? {},
  };
}

/** The blind re-grade's page: the moderation's work and the child's context shown beside it. */
export async function regradePage(
  db: Db,
  user: SignedInUser,
  id: string,
): Promise<{ work: ModerationWork; childContext: ChildContext | undefined }> {
  const work = await loadModerationWork(db, user, id);
  return { work, childContext: await childContext(db, user.councilId, work.childId) };
}

/** Only the re-grade form's own fields, as typed. */
function cleanForm(tool: ToolVersion, body: unknown): Record<string, string> {
  const allowed = new Set([
    ...gradedSections(tool).map((s) => sectionGradeField(s.key)),
    'overallGrade',
    'quality',
    'qualityComments',
  ]);
  const out: Record<string, string> = {};
  if (typeof body !== 'object' || body === null) return out;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (!allowed.has(k)) continue;
    const first = Array.isArray(v) ? v[0] : v;
    if (typeof first === 'string') out[k] = first.slice(0, MAX_COMMENTS + 1000);
  }
  return out;
}

async function lockModeration(db: Db, councilId: string, id: string): Promise<ModerationFacts> {
  await sql`select id from moderations where id = ${id} and council_id = ${councilId} for update`.execute(db);
  return moderationFacts(db, councilId, id);
}

/** Saves the re-grade as typed, whatever is missing. Returns the fields kept. */
export async function saveModerationDraft(
  db: Db,
  user: SignedInUser,
  id: string,
  body: unknown,
): Promise<Record<string, string>> {
  return inTransaction(db, async (trx) => {
    const m = await lockModeration(trx, user.councilId, id);
    mustModerate(user, m);
    const fields = cleanForm(await auditTool(trx, m), body);
    await trx
      .updateTable('moderations')
      .set({ draft: JSON.stringify(fields) })
      .where('id', '=', id)
      .where('status', '=', 'allocated')
      .execute();
    return fields;
  });
}

/** What is wrong with a re-grade, in the order of the form. */
export function moderationProblems(
  tool: ToolVersion,
  fields: Record<string, string>,
): { errors: FieldError[]; sectionGrades: Record<string, string> } {
  const errors: FieldError[] = [];
  const sectionGrades: Record<string, string> = {};
  const onScale = (v: string | undefined) => (v ? tool.scale.grades.find((g) => g.key === v) : undefined);
  for (const s of gradedSections(tool)) {
    const field = sectionGradeField(s.key);
    const grade = onScale(fields[field]);
    if (grade) sectionGrades[s.key] = grade.key;
    else errors.push({ field, message: `Choose a grade for ${s.title}` });
  }
  if (!onScale(fields.overallGrade))
    errors.push({ field: 'overallGrade', message: 'Choose an overall grade' });
  if (!QUALITIES.includes(fields.quality as AuditQuality)) {
    errors.push({ field: 'quality', message: 'Choose how good the audit itself was' });
  }
  const comments = (fields.qualityComments ?? '').trim();
  if (!comments) {
    errors.push({
      field: 'qualityComments',
      message: 'Say what you thought of the audit’s evaluation, impact statements and actions',
    });
  } else if (comments.length > MAX_COMMENTS) {
    errors.push({ field: 'qualityComments', message: 'Comments must be 5,000 characters or fewer' });
  }
  return { errors, sectionGrades };
}

/**
 * Submits the blind re-grade: every graded section and the overall grade on the audit's scale, the
 * quality of the audit and comments on it. Refused (403) for anyone but the allocated moderator, for
 * the audit's own auditor and for an audit not submitted; bad input is a ValidationError. Nothing
 * changes unless it all succeeds.
 */
export async function submitModeration(db: Db, user: SignedInUser, id: string, body: unknown): Promise<void> {
  await inTransaction(db, async (trx) => {
    const m = await lockModeration(trx, user.councilId, id);
    mustModerate(user, m);
    const tool = await auditTool(trx, m);
    const fields = cleanForm(tool, body);
    const { errors, sectionGrades } = moderationProblems(tool, fields);
    if (errors.length) throw new ValidationError(errors);
    const done = await trx
      .updateTable('moderations')
      .set({
        status: 'submitted',
        section_grades: JSON.stringify(sectionGrades),
        overall_grade: fields.overallGrade,
        quality: fields.quality as AuditQuality,
        quality_comments: fields.qualityComments.trim(),
        submitted_at: sql<Date>`now()`,
        draft: null,
      })
      .where('id', '=', id)
      .where('status', '=', 'allocated')
      .where('moderator_id', '=', user.staffId)
      .returning('id')
      .executeTakeFirst();
    must(!!done, NOT_YOURS);
  });
}

// --- The panel ---

export interface PanelRow {
  id: string;
  auditId: string;
  childId: string;
  childReference: string;
  auditor: string | null;
  moderator: string | null;
  toolName: string;
  scale: GradeScale;
  sections: {
    key: string;
    title: string;
    auditorGrade: string | null;
    moderatorGrade: string | null;
    differs: boolean;
  }[];
  /** grade keys and labels */
  auditorOverall: { key: string | null; label: string | null };
  moderatorOverall: { key: string | null; label: string | null };
  differences: number;
  quality: string | null;
  qualityComments: string | null;
  moderatedAt: Date | null;
  decision: {
    finalGrade: string | null;
    outcome: ModerationOutcomeKey;
    outcomeLabel: string;
    reason: string | null;
    decidedBy: string | null;
    decidedAt: Date | null;
    /** the date the panel sat: null for decisions recorded before panels were recorded */
    panelDate: string | null;
    /** who sat on the panel, by name */
    members: string[];
  } | null;
}

export interface Panel {
  month: { id: string; name: string };
  rows: PanelRow[];
}

async function panelRows(db: Db, councilId: string, where: { monthId?: string; id?: string }) {
  const rows = await db
    .selectFrom('moderations as mo')
    .innerJoin('audits as a', 'a.id', 'mo.audit_id')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .innerJoin('audit_tool_versions as v', 'v.id', 'a.tool_version_id')
    .innerJoin('grade_scales as g', 'g.id', 'v.scale_id')
    .leftJoin('staff as au', 'au.id', 'a.auditor_id')
    .leftJoin('staff as md', 'md.id', 'mo.moderator_id')
    .leftJoin('staff as db', 'db.id', 'mo.decided_by')
    .where('mo.council_id', '=', councilId)
    .where('mo.status', 'in', ['submitted', 'decided'])
    .$if(!!where.monthId, (q) => q.where('a.month_id', '=', where.monthId as string))
    .$if(!!where.id, (q) => q.where('mo.id', '=', where.id as string))
    .select([
      'mo.id',
      'mo.audit_id',
      'a.child_id',
      'c.external_id',
      'au.name as auditor',
      'md.name as moderator',
      'db.name as decided_by',
      'v.definition',
      'g.key as scale_key',
      'g.name as scale_name',
      'g.grades',
      'a.answers',
      'a.overall_grade as auditor_overall',
      'mo.section_grades',
      'mo.overall_grade',
      'mo.quality',
      'mo.quality_comments',
      'mo.submitted_at',
      'mo.final_grade',
      'mo.panel_reason',
      'mo.outcome',
      'mo.decided_at',
      'mo.panel_date',
      'a.month_id',
    ])
    .orderBy('c.external_id')
    .execute();
  const members = await panelMembersOf(
    db,
    councilId,
    rows.filter((r) => r.outcome).map((r) => r.id),
  );
  return rows.map((r): PanelRow & { monthId: string } => {
    const scale: GradeScale = {
      key: r.scale_key,
      name: r.scale_name,
      grades: r.grades as GradeScale['grades'],
    };
    const def = r.definition as ToolVersion['definition'];
    const answers = (r.answers ?? {}) as AnswerSet;
    const mine = r.section_grades ?? {};
    const sections = def.sections
      .filter((s) => s.isJourneySection)
      .map((s) => {
        const auditorKey = answers[s.key]?.grade ?? null;
        const moderatorKey = mine[s.key] ?? null;
        return {
          key: s.key,
          title: s.title,
          auditorGrade: labelOf(scale, auditorKey),
          moderatorGrade: labelOf(scale, moderatorKey),
          differs: auditorKey !== moderatorKey,
        };
      });
    return {
      id: r.id,
      monthId: r.month_id,
      auditId: r.audit_id,
      childId: r.child_id,
      childReference: r.external_id,
      auditor: r.auditor,
      moderator: r.moderator,
      toolName: def.name,
      scale,
      sections,
      auditorOverall: { key: r.auditor_overall, label: labelOf(scale, r.auditor_overall) },
      moderatorOverall: { key: r.overall_grade, label: labelOf(scale, r.overall_grade) },
      differences: sections.filter((s) => s.differs).length,
      quality: r.quality ? QUALITY_LABELS[r.quality] : null,
      qualityComments: r.quality_comments,
      moderatedAt: r.submitted_at,
      decision: r.outcome
        ? {
            finalGrade: labelOf(scale, r.final_grade),
            outcome: r.outcome,
            outcomeLabel: OUTCOME_LABELS[r.outcome],
            reason: r.panel_reason,
            decidedBy: r.decided_by,
            decidedAt: r.decided_at,
            panelDate: r.panel_date,
            members: members.get(r.id) ?? [],
          }
        : null,
    };
  });
}

/** The names of who sat on the panel for each decided moderation, by moderation id, by name. */
async function panelMembersOf(db: Db, councilId: string, ids: string[]): Promise<Map<string, string[]>> {
  const byModeration = new Map<string, string[]>();
  if (!ids.length) return byModeration;
  const rows = await db
    .selectFrom('moderation_panel_members as pm')
    .innerJoin('staff as s', 's.id', 'pm.staff_id')
    .where('pm.council_id', '=', councilId)
    .where('pm.moderation_id', 'in', ids)
    .select(['pm.moderation_id', 's.name'])
    .orderBy('s.name')
    .execute();
  for (const r of rows) {
    const list = byModeration.get(r.moderation_id) ?? [];
    list.push(r.name);
    byModeration.set(r.moderation_id, list);
  }
  return byModeration;
}

export interface PanelMemberChoice {
  id: string;
  name: string;
  jobTitle: string | null;
}

/**
 * The staff a panel's members are chosen from: the council's active QA leads, auditors and Heads of
 * Service or Assistant Directors, by name.
 */
export async function panelMemberChoices(db: Db, councilId: string): Promise<PanelMemberChoice[]> {
  return db
    .selectFrom('staff as s')
    .where('s.council_id', '=', councilId)
    .where('s.active', '=', true)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('staff_roles as r')
          .whereRef('r.staff_id', '=', 's.id')
          .where('r.council_id', '=', councilId)
          .where('r.role', 'in', ['qa_lead', 'auditor', 'senior_leader'])
          .select('r.staff_id'),
      ),
    )
    .select(['s.id', 's.name', 's.job_title as jobTitle'])
    .orderBy('s.name')
    .orderBy('s.id')
    .execute();
}

async function monthOf(db: Db, councilId: string, monthId: string) {
  const m = await db
    .selectFrom('programme_months as m')
    .select(['m.id', 'm.month'])
    .where('m.council_id', '=', councilId)
    .where('m.id', '=', monthId)
    .executeTakeFirst();
  if (!m) throw new NotFoundError('programme month');
  return { id: m.id, name: monthName(m.month) };
}

/** The month's moderated audits, both sets of grades side by side, with the panel's decision if made. */
export async function panelForMonth(db: Db, councilId: string, monthId: string): Promise<Panel> {
  const month = await monthOf(db, councilId, monthId);
  return { month, rows: await panelRows(db, councilId, { monthId }) };
}

/** One moderated audit as the panel sees it (re-grade submitted or decided), else NotFoundError. */
export async function panelEntry(
  db: Db,
  councilId: string,
  id: string,
): Promise<{ month: Panel['month']; row: PanelRow }> {
  const [row] = await panelRows(db, councilId, { id });
  if (!row) throw new NotFoundError('moderated audit waiting for the panel');
  return { month: await monthOf(db, councilId, row.monthId), row };
}

export const PANEL_ONLY = 'Only the QA lead can record the moderation panel’s decision.';
export const ALREADY_DECIDED =
  'The panel has already decided this audit’s final grade, so it cannot be changed here.';
export const NOT_MODERATED =
  'The moderator has not submitted their re-grade of this audit yet, so the panel cannot decide it.';

/** Who sat on the panel and when, as the decision form sends it. */
export interface PanelSitting {
  /** the date the panel sat, as typed in the three fields */
  date: DateParts;
  /** staff ids, from panelMemberChoices */
  members: string[];
  /** today, the latest date the panel can have sat */
  today: string;
}

/** At most this many panel members, to keep a form's list within reason. */
export const MAX_PANEL_MEMBERS = 20;

/**
 * Records the panel's final grade and its reason, the date it sat and who sat on it (members from
 * panelMemberChoices; without `panel`, as when the demo is built, the person recording it, today).
 * The outcome follows from the final grade against the auditor's overall grade; the audit's final
 * grade (what reports count) is set, and the auditor is told. Only QA; only a submitted re-grade,
 * decided once. One transaction.
 */
export async function decidePanel(
  db: Db,
  queue: JobQueue | null,
  user: SignedInUser,
  id: string,
  input: { finalGrade?: string; reason?: string; panel?: PanelSitting },
): Promise<ModerationOutcomeKey> {
  must(can(user.roles, 'moderation.manage'), PANEL_ONLY);
  return inTransaction(db, async (trx) => {
    const m = await lockModeration(trx, user.councilId, id);
    must(m.auditorId !== user.staffId, OWN_PANEL);
    must(m.status !== 'decided', ALREADY_DECIDED);
    must(m.status === 'submitted', NOT_MODERATED);
    const tool = await auditTool(trx, m);
    const errors: FieldError[] = [];
    const final = input.finalGrade ? gradeByKey(tool.scale, input.finalGrade) : undefined;
    if (!final || final.key !== input.finalGrade) {
      errors.push({ field: 'finalGrade', message: 'Choose the final grade the panel agreed' });
    }
    const reason = (input.reason ?? '').trim();
    if (!reason) errors.push({ field: 'reason', message: 'Say why the panel reached this grade' });
    else if (reason.length > MAX_COMMENTS) {
      errors.push({ field: 'reason', message: 'The reason must be 5,000 characters or fewer' });
    }
    const sat = input.panel
      ? parseDateInput(input.panel.date, {
          label: 'The date the panel sat',
          required: true,
          notAfter: input.panel.today,
        })
      : ({ ok: true, value: todayInLondon() } as const);
    if (!sat.ok) errors.push({ field: 'panelDate', message: sat.message });
    const memberIds = [...new Set(input.panel ? input.panel.members : [user.staffId])];
    if (!memberIds.length) {
      errors.push({ field: 'members', message: 'Choose who sat on the panel' });
    } else if (memberIds.length > MAX_PANEL_MEMBERS) {
      errors.push({ field: 'members', message: `Choose ${MAX_PANEL_MEMBERS} panel members or fewer` });
    } else if (input.panel) {
      const allowed = new Set((await panelMemberChoices(trx, user.councilId)).map((c) => c.id));
      if (!memberIds.every((m) => allowed.has(m))) {
        errors.push({ field: 'members', message: 'Choose the panel members from the list' });
      }
    }
    if (errors.length || !final || !sat.ok || !sat.value) throw new ValidationError(errors);
    const panelDate = sat.value;
    const auditorGrade = m.auditOverall ? gradeByKey(tool.scale, m.auditOverall) : undefined;
    if (!auditorGrade) {
      throw new ValidationError([
        {
          field: 'finalGrade',
          message: 'The audit has no overall grade on its scale to compare the final grade with',
        },
      ]);
    }
    const outcome = moderationOutcome(tool.scale, auditorGrade.key, final.key);
    const done = await trx
      .updateTable('moderations')
      .set({
        status: 'decided',
        final_grade: final.key,
        panel_reason: reason,
        outcome,
        decided_by: user.staffId,
        decided_at: sql<Date>`now()`,
        panel_date: panelDate,
      })
      .where('id', '=', id)
      .where('status', '=', 'submitted')
      .returning('id')
      .executeTakeFirst();
    must(!!done, ALREADY_DECIDED);
    await trx
      .insertInto('moderation_panel_members')
      .values(memberIds.map((staffId) => ({ moderation_id: id, council_id: m.councilId, staff_id: staffId })))
      .execute();
    await trx
      .updateTable('audits')
      .set({ final_grade: final.key, final_good_or_better: final.goodOrBetter, updated_at: sql<Date>`now()` })
      .where('id', '=', m.auditId)
      .execute();
    // a final grade at the bottom of the scale calls for a re-audit as an overall grade does
    await scheduleReaudit(trx, m.councilId, m.auditId);
    if (m.auditorId) {
      await notifyPeople(trx, queue, [
        {
          councilId: m.councilId,
          staffId: m.auditorId,
          kind: 'moderation_outcome',
          aboutId: m.id,
          auditId: m.auditId,
        },
      ]);
    }
    return outcome;
  });
}

// --- On the submitted audit's page ---

export interface ModerationPanelView {
  outcome: ModerationOutcomeKey;
  outcomeLabel: string;
  finalGrade: string | null;
  reason: string | null;
  quality: string | null;
  qualityComments: string | null;
  decidedAt: Date | null;
}

/** The panel's decision on an audit, for everyone who may read it; null until decided. */
export async function moderationPanel(db: Db, access: AuditAccess): Promise<ModerationPanelView | null> {
  if (!access.mayRead) return null;
  const r = await db
    .selectFrom('moderations as mo')
    .innerJoin('audits as a', 'a.id', 'mo.audit_id')
    .leftJoin('audit_tool_versions as v', 'v.id', 'a.tool_version_id')
    .leftJoin('grade_scales as g', 'g.id', 'v.scale_id')
    .select([
      'mo.outcome',
      'mo.final_grade',
      'mo.panel_reason',
      'mo.quality',
      'mo.quality_comments',
      'mo.decided_at',
      'g.grades',
    ])
    .where('mo.audit_id', '=', access.audit.id)
    .where('mo.council_id', '=', access.audit.councilId)
    .where('mo.status', '=', 'decided')
    .executeTakeFirst();
  if (!r?.outcome) return null;
  const grades = (r.grades ?? []) as GradeScale['grades'];
  const judges = access.relations.has('auditor') || access.relations.has('qa');
  return {
    outcome: r.outcome,
    outcomeLabel: OUTCOME_LABELS[r.outcome],
    finalGrade: grades.find((g) => g.key === r.final_grade)?.label ?? r.final_grade,
    reason: r.panel_reason,
    // the moderator's judgement of the auditor's work is for the auditor and QA
    quality: judges && r.quality ? QUALITY_LABELS[r.quality] : null,
    qualityComments: judges ? r.quality_comments : null,
    decidedAt: r.decided_at,
  };
}
