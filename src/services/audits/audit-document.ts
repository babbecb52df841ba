/**
 * Everything the Word document of a finished audit shows (src/reports/audit-document.ts), gathered
 * in one place: the facts of the audit, each section of the tool in order with its grade, evaluation,
 * impact statement, practice themes, actions and answers, the overall grade, escalations and
 * management oversight. Labels are resolved here (grades from the tool version's scale, themes by
 * key, yes/no answers) so the document builder only lays things out.
 *
 * Who may have the document is the route's business (src/services/audits/audit-access.ts).
 */
import type { Db } from '../../data/db.ts';
import type { ConversationWith } from '../../data/schema.ts';
import { ACTIVITY_KIND_TITLES, type ActivityKind } from '../../domain/activity-kinds.ts';
import {
  type AnswerSet,
  type AnswerValue,
  type Question,
  type SectionAnswers,
  type ToolDefinition,
  YES_NO_PARTLY_NA_LABELS,
  type YesNoPartlyNa,
} from '../../domain/audit-tools.ts';
import { formatDate, formatDateTime, monthName } from '../../domain/dates.ts';
import type { EscalationKind } from '../../domain/escalations.ts';
import type { GradeScale } from '../../domain/grade-scales.ts';
import { OUTCOME_LABELS } from '../../domain/moderation-outcome.ts';
import { NotFoundError } from '../../domain/validation.ts';
import { childName } from '../case-data/children.ts';

export const CONVERSATION_LABELS: Record<ConversationWith, string> = {
  practitioner: 'With the practitioner who holds the case',
  manager: 'With their manager, because the practitioner was not available',
  not_held: 'Not held',
};

export const ESCALATION_KIND_LABELS: Record<EscalationKind, string> = {
  immediate: 'Immediate safety',
  drift_delay: 'Drift and delay',
};

const ACTION_STATUS_LABELS = { open: 'Open', done: 'Done' } as const;

export interface DocumentAction {
  text: string;
  owner: string;
  dueOn: string;
  status: string;
}

export interface DocumentAnswer {
  question: string;
  answer: string;
}

export interface DocumentSection {
  key: string;
  title: string;
  isJourneySection: boolean;
  /** journey sections: the grade's label, or null when none was given (a section left out) */
  grade: string | null;
  evaluation: string | null;
  impactStatement: string | null;
  practiceThemes: string[];
  actions: DocumentAction[];
  answers: DocumentAnswer[];
}

export interface DocumentEscalation {
  kind: string;
  raisedAt: string;
  raisedBy: string;
  found: string;
  response: string | null;
  respondedBy: string | null;
  respondedAt: string | null;
}

export interface DocumentOversight {
  manager: string;
  recordedAt: string;
  note: string;
}

export interface AuditDocumentData {
  auditId: string;
  councilName: string;
  kind: ActivityKind;
  /** "Case file audit", "Dip sample" … */
  title: string;
  child: { reference: string; name: string; dateOfBirth: string | null };
  team: string | null;
  practitioner: string | null;
  manager: string | null;
  auditor: string | null;
  /** "November 2026" */
  cycle: string;
  tool: { name: string; version: number; scaleName: string } | null;
  /** YYYY-MM-DD in England, or null for an audit not yet submitted */
  submittedOn: string | null;
  conversation: {
    on: string | null;
    with: ConversationWith | null;
    withLabel: string | null;
    note: string | null;
  } | null;
  sections: DocumentSection[];
  /** the auditor's overall grade */
  overallGrade: string | null;
  /** the grade reports count: the moderation panel's once it has decided, else the auditor's */
  finalGrade: string | null;
  /** the moderation panel's decision, once made */
  moderation: {
    /** "Supported", "Upgraded", "Downgraded" */
    outcome: string;
    reason: string | null;
    /** YYYY-MM-DD in England */
    decidedOn: string | null;
  } | null;
  /** actions not tied to a section */
  otherActions: DocumentAction[];
  escalations: DocumentEscalation[];
  oversight: DocumentOversight[];
}

function gradeLabel(scale: GradeScale | null, key: string | null | undefined): string | null {
  if (!key) return null;
  return scale?.grades.find((g) => g.key === key)?.label ?? key;
}

/** An answer as a reader sees it. */
export function answerText(
  question: Question,
  value: AnswerValue | undefined,
  scale: GradeScale | null,
): string {
  if (value === undefined || value === '') return 'Not answered';
  switch (question.type) {
    case 'yes_no_partly_na':
      return YES_NO_PARTLY_NA_LABELS[value as YesNoPartlyNa] ?? String(value);
    case 'grade':
      return gradeLabel(scale, String(value)) ?? String(value);
    case 'date':
      return formatDate(String(value)) || String(value);
    case 'number':
      return typeof value === 'number' ? value.toLocaleString('en-GB') : String(value);
    default:
      return String(value);
  }
}

/** The date in England of a moment (a submission late in the evening is still that day). */
function dayInLondon(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/London',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

function isAnswerSet(value: unknown): value is AnswerSet {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The finished audit's content for its Word document; NotFoundError when the council has no such
 * audit. With a `viewer` who does not see every escalation (anyone but QA), only the escalations
 * they raised or were sent are included, as on the audit's page.
 */
export async function auditDocumentData(
  db: Db,
  councilId: string,
  auditId: string,
  viewer?: { staffId: string; seesEveryEscalation: boolean },
): Promise<AuditDocumentData> {
  const a = await db
    .selectFrom('audits as a')
    .innerJoin('councils as co', 'co.id', 'a.council_id')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .innerJoin('programme_months as m', 'm.id', 'a.month_id')
    .leftJoin('teams as t', 't.id', 'a.team_id')
    .leftJoin('staff as p', 'p.id', 'a.practitioner_id')
    .leftJoin('staff as pm', 'pm.id', 'a.practitioner_manager_id')
    .leftJoin('staff as au', 'au.id', 'a.auditor_id')
    .leftJoin('audit_tool_versions as v', 'v.id', 'a.tool_version_id')
    .leftJoin('audit_tools as tool', 'tool.id', 'v.tool_id')
    .leftJoin('grade_scales as gs', 'gs.id', 'v.scale_id')
    .where('a.council_id', '=', councilId)
    .where('a.id', '=', auditId)
    .select([
      'a.id',
      'a.kind',
      'a.answers',
      'a.overall_grade',
      'a.final_grade',
      'a.submitted_at',
      'a.conversation_on',
      'a.conversation_with',
      'a.conversation_note',
      'co.name as council_name',
      'c.external_id',
      'c.first_name',
      'c.last_name',
      'c.date_of_birth',
      'm.month',
      't.name as team_name',
      'p.name as practitioner_name',
      'pm.name as manager_name',
      'au.name as auditor_name',
      'v.version',
      'v.definition',
      'tool.name as tool_name',
      'gs.key as scale_key',
      'gs.name as scale_name',
      'gs.grades as scale_grades',
    ])
    .executeTakeFirst();
  if (!a) throw new NotFoundError('audit');

  const definition = (a.definition ?? null) as ToolDefinition | null;
  const scale: GradeScale | null =
    a.scale_key && a.scale_name
      ? { key: a.scale_key, name: a.scale_name, grades: a.scale_grades as GradeScale['grades'] }
      : null;
  const answers: AnswerSet = isAnswerSet(a.answers) ? a.answers : {};

  const [themes, actions, escalations, oversight, moderation] = await Promise.all([
    db.selectFrom('practice_themes').where('council_id', '=', councilId).select(['key', 'name']).execute(),
    db
      .selectFrom('audit_actions as x')
      .leftJoin('staff as o', 'o.id', 'x.owner_id')
      .where('x.council_id', '=', councilId)
      .where('x.audit_id', '=', auditId)
      .select(['x.section_key', 'x.text', 'o.name as owner', 'x.due_on', 'x.status'])
      .orderBy('x.position')
      .orderBy('x.created_at')
      .execute(),
    db
      .selectFrom('escalations as e')
      .leftJoin('staff as r', 'r.id', 'e.raised_by')
      .leftJoin('staff as s', 's.id', 'e.responded_by')
      .where('e.council_id', '=', councilId)
      .where('e.audit_id', '=', auditId)
      .$if(viewer !== undefined && !viewer.seesEveryEscalation, (q) =>
        q.where((eb) =>
          eb.or([
            eb('e.raised_by', '=', viewer?.staffId ?? ''),
            eb.exists(
              eb
                .selectFrom('escalation_recipients as er')
                .whereRef('er.escalation_id', '=', 'e.id')
                .where('er.staff_id', '=', viewer?.staffId ?? '')
                .select('er.staff_id'),
            ),
          ]),
        ),
      )
      .select([
        'e.kind',
        'e.found',
        'e.raised_at',
        'r.name as raised_by',
        'e.response',
        's.name as responded_by',
        'e.responded_at',
      ])
      .orderBy('e.raised_at')
      .execute(),
    db
      .selectFrom('audit_oversight as o')
      .leftJoin('staff as s', 's.id', 'o.manager_id')
      .where('o.council_id', '=', councilId)
      .where('o.audit_id', '=', auditId)
      .select(['s.name as manager', 'o.note', 'o.recorded_at'])
      .orderBy('o.recorded_at')
      .execute(),
    db
      .selectFrom('moderations as mo')
      .where('mo.council_id', '=', councilId)
      .where('mo.audit_id', '=', auditId)
      .where('mo.status', '=', 'decided')
      .select(['mo.outcome', 'mo.panel_reason', 'mo.decided_at'])
      .executeTakeFirst(),
  ]);
  const themeNames = new Map(themes.map((t) => [t.key, t.name]));
  const toAction = (x: (typeof actions)[number]): DocumentAction => ({
    text: x.text,
    owner: x.owner ?? 'Not known',
    dueOn: x.due_on,
    status: ACTION_STATUS_LABELS[x.status] ?? x.status,
  });
  const sectionKeys = new Set(definition?.sections.map((s) => s.key) ?? []);

  const sections: DocumentSection[] = (definition?.sections ?? []).map((s) => {
    const given: SectionAnswers = answers[s.key] ?? { answers: {} };
    return {
      key: s.key,
      title: s.title,
      isJourneySection: s.isJourneySection,
      grade: s.isJourneySection ? gradeLabel(scale, given.grade) : null,
      evaluation: given.evaluation?.trim() || null,
      impactStatement: given.impactStatement?.trim() || null,
      practiceThemes: (given.practiceThemes ?? []).map((k) => themeNames.get(k) ?? k),
      actions: actions.filter((x) => x.section_key === s.key).map(toAction),
      answers: s.questions.map((q) => ({
        question: q.text,
        answer: answerText(q, given.answers?.[q.key], scale),
      })),
    };
  });

  return {
    auditId: a.id,
    councilName: a.council_name,
    kind: a.kind,
    title: ACTIVITY_KIND_TITLES[a.kind],
    child: {
      reference: a.external_id,
      name: childName(a.first_name, a.last_name, a.external_id),
      dateOfBirth: a.date_of_birth,
    },
    team: a.team_name,
    practitioner: a.practitioner_name,
    manager: a.manager_name,
    auditor: a.auditor_name,
    cycle: monthName(a.month),
    tool:
      definition && a.version !== null
        ? { name: a.tool_name ?? definition.name, version: a.version, scaleName: scale?.name ?? '' }
        : null,
    submittedOn: a.submitted_at ? dayInLondon(new Date(a.submitted_at)) : null,
    conversation:
      a.kind === 'full_audit' || a.conversation_with
        ? {
            on: a.conversation_on,
            with: a.conversation_with,
            withLabel: a.conversation_with ? CONVERSATION_LABELS[a.conversation_with] : null,
            note: a.conversation_note?.trim() || null,
          }
        : null,
    sections,
    overallGrade: gradeLabel(scale, a.overall_grade),
    finalGrade: gradeLabel(scale, a.final_grade ?? a.overall_grade),
    moderation: moderation?.outcome
      ? {
          outcome: OUTCOME_LABELS[moderation.outcome],
          reason: moderation.panel_reason?.trim() || null,
          decidedOn: moderation.decided_at ? dayInLondon(new Date(moderation.decided_at)) : null,
        }
      : null,
    otherActions: actions.filter((x) => !x.section_key || !sectionKeys.has(x.section_key)).map(toAction),
    escalations: escalations.map((e) => ({
      kind: ESCALATION_KIND_LABELS[e.kind] ?? e.kind,
      raisedAt: formatDateTime(new Date(e.raised_at)),
      raisedBy: e.raised_by ?? 'Not known',
      found: e.found,
      response: e.response?.trim() || null,
      respondedBy: e.responded_by,
      respondedAt: e.responded_at ? formatDateTime(new Date(e.responded_at)) : null,
    })),
    oversight: oversight.map((o) => ({
      manager: o.manager ?? 'Not known',
      recordedAt: formatDateTime(new Date(o.recorded_at)),
      note: o.note,
    })),
  };
}

/** The file name of an audit's document: audit-<child reference>-<submitted date>.docx. */
export function auditDocumentFileName(
  data: Pick<AuditDocumentData, 'child' | 'submittedOn'>,
  today: string,
): string {
  const ref = data.child.reference.replace(/[^A-Za-z0-9-]/g, '_');
  return `audit-${ref}-${data.submittedOn ?? today}.docx`;
}
