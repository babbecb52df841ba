/**
 * What the audit pages show, worked out from an audit's tool and answers: the fields of a part's
 * form, answers (draft or submitted) as rows a person reads, and each page's view as a whole.
 */
import {
  actionField,
  actionNumbers,
  CONVERSATION_WITH,
  type DraftFields,
  type FormPart,
  MAX_ACTIONS,
  questionField,
  readActions,
} from '../../../domain/audit-form.ts';
import {
  type AnswerValue,
  type Question,
  type SectionAnswers,
  type ToolSection,
  YES_NO_PARTLY_NA,
  YES_NO_PARTLY_NA_LABELS,
  type YesNoPartlyNa,
} from '../../../domain/audit-tools.ts';
import { typedDateText } from '../../../domain/date-input.ts';
import { formatDate, formatDateTime } from '../../../domain/dates.ts';
import type { GradeScale } from '../../../domain/grade-scales.ts';
import type { FieldError } from '../../../domain/validation.ts';
import type { auditPage } from '../../../services/audits/audit-pages.ts';
import {
  type AuditWork,
  nextPart,
  type PartState,
  type SaveResult,
  type SubmitError,
} from '../../../services/audits/audits.ts';
import type { ChildContext } from '../../../services/case-data/child-context.ts';

export const STATE_TAGS: Record<PartState, { text: string; classes: string }> = {
  not_started: { text: 'Not started', classes: 'govuk-tag--grey' },
  in_progress: { text: 'In progress', classes: 'govuk-tag--light-blue' },
  completed: { text: 'Completed', classes: 'govuk-tag--green' },
};

export function gradeItems(scale: GradeScale, chosen: string | undefined, withHints = true) {
  return scale.grades.map((g) => ({
    value: g.key,
    text: g.label,
    hint: withHints && g.descriptor ? { text: g.descriptor } : undefined,
    checked: g.key === chosen,
  }));
}

function one(v: string | string[] | undefined): string {
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

/** Each question of a section as the form shows it. */
export function questionControls(section: ToolSection, scale: GradeScale, fields: DraftFields) {
  return section.questions.map((q) => {
    const name = questionField(q);
    const value = one(fields[name]);
    const base = { question: q, name, value, label: q.text, hint: q.guidance, optional: !q.required };
    switch (q.type) {
      case 'grade':
        return { ...base, control: 'radios', items: gradeItems(scale, value, false) };
      case 'yes_no_partly_na':
        return {
          ...base,
          control: 'radios',
          inline: true,
          items: YES_NO_PARTLY_NA.map((v) => ({
            value: v,
            text: YES_NO_PARTLY_NA_LABELS[v],
            checked: v === value,
          })),
        };
      case 'choice':
        return {
          ...base,
          control: 'radios',
          items: (q.options ?? []).map((o) => ({ value: o, text: o, checked: o === value })),
        };
      case 'date':
        return {
          ...base,
          control: 'date',
          day: one(fields[`${name}-day`]),
          month: one(fields[`${name}-month`]),
          year: one(fields[`${name}-year`]),
        };
      case 'number':
        return { ...base, control: 'number' };
      case 'short_text':
        return { ...base, control: 'input' };
      default:
        return { ...base, control: 'textarea' };
    }
  });
}

/** The action rows to show: those typed, then one empty row (or more when asked for). */
export function actionRows(fields: DraftFields, extra = 1) {
  const used = actionNumbers(fields);
  const rows: number[] = [...used];
  let n = 1;
  while (rows.length < used.length + extra && n <= MAX_ACTIONS) {
    if (!rows.includes(n)) rows.push(n);
    n++;
  }
  rows.sort((a, b) => a - b);
  return rows.map((n, i) => ({
    n,
    label: `Action ${i + 1}`,
    textName: actionField(n, 'text'),
    ownerName: actionField(n, 'owner'),
    dueName: actionField(n, 'due'),
    text: one(fields[actionField(n, 'text')]),
    owner: one(fields[actionField(n, 'owner')]),
    day: one(fields[`${actionField(n, 'due')}-day`]),
    month: one(fields[`${actionField(n, 'due')}-month`]),
    year: one(fields[`${actionField(n, 'due')}-year`]),
  }));
}

export interface ReadRow {
  key: string;
  value: string;
  /** long text: shown with its line breaks */
  long?: boolean;
}

function answerText(q: Question, v: AnswerValue | undefined, scale: GradeScale): string {
  if (v === undefined || v === '') return 'Not answered';
  if (q.type === 'grade') return scale.grades.find((g) => g.key === v)?.label ?? String(v);
  if (q.type === 'yes_no_partly_na') return YES_NO_PARTLY_NA_LABELS[v as YesNoPartlyNa] ?? String(v);
  if (q.type === 'date') return formatDate(String(v));
  return String(v);
}

/** A draft part, as typed, for reading (their version in a conflict; the check page). */
export function draftRows(work: AuditWork, part: FormPart, fields: DraftFields): ReadRow[] {
  const rows: ReadRow[] = [];
  const scale = work.tool.scale;
  if (part.kind === 'conversation') {
    const on = typedDateText({
      day: one(fields['conversationOn-day']),
      month: one(fields['conversationOn-month']),
      year: one(fields['conversationOn-year']),
    });
    rows.push({ key: 'Date', value: on || 'Not given' });
    rows.push({
      key: 'Who took part',
      value: CONVERSATION_WITH.find((c) => c.value === one(fields.conversationWith))?.text ?? 'Not given',
    });
    if (one(fields.conversationNote))
      rows.push({ key: 'Why', value: one(fields.conversationNote), long: true });
    return rows;
  }
  if (part.kind === 'overall') {
    rows.push({
      key: 'Overall grade',
      value: scale.grades.find((g) => g.key === one(fields.overallGrade))?.label ?? 'Not given',
    });
    return rows;
  }
  const section = work.tool.definition.sections.find((s) => s.key === part.key);
  if (!section) return rows;
  if (section.isJourneySection) {
    rows.push({
      key: 'Grade',
      value: scale.grades.find((g) => g.key === one(fields.grade))?.label ?? 'Not given',
    });
    rows.push({ key: 'Evaluation', value: one(fields.evaluation) || 'Not written', long: true });
    rows.push({ key: 'Impact statement', value: one(fields.impactStatement) || 'Not written', long: true });
    const themes = (
      Array.isArray(fields.practiceThemes) ? fields.practiceThemes : [fields.practiceThemes ?? '']
    )
      .filter(Boolean)
      .map((k) => work.themes.find((t) => t.key === k)?.name ?? k);
    rows.push({ key: 'Practice themes', value: themes.length ? themes.join(', ') : 'None chosen' });
    for (const a of readActions(fields)) {
      const owner = work.owners.find((o) => o.id === a.ownerId)?.name ?? 'no owner';
      rows.push({
        key: 'Action',
        value: `${a.text || 'Not written'} (${owner}, due ${a.dueOn ? formatDate(a.dueOn) : 'no date'})`,
      });
    }
  }
  for (const q of section.questions) {
    const name = questionField(q);
    if (q.type === 'date') {
      // read from its three fields: "20 November 2026", or as typed when it is not a real date
      const typed = typedDateText({
        day: one(fields[`${name}-day`]),
        month: one(fields[`${name}-month`]),
        year: one(fields[`${name}-year`]),
      });
      rows.push({ key: q.text, value: typed || 'Not answered' });
      continue;
    }
    const v = one(fields[name]);
    rows.push({ key: q.text, value: v ? answerText(q, v, scale) : 'Not answered' });
  }
  return rows;
}

/** A submitted section, for reading. */
export function answerRows(
  section: ToolSection,
  answers: SectionAnswers | undefined,
  scale: GradeScale,
  themeNames: Map<string, string>,
): ReadRow[] {
  const rows: ReadRow[] = [];
  const a = answers ?? { answers: {} };
  if (section.isJourneySection) {
    rows.push({ key: 'Grade', value: scale.grades.find((g) => g.key === a.grade)?.label ?? 'Not graded' });
    if (a.evaluation) rows.push({ key: 'Evaluation', value: a.evaluation, long: true });
    if (a.impactStatement) rows.push({ key: 'Impact statement', value: a.impactStatement, long: true });
    if (a.practiceThemes?.length) {
      rows.push({
        key: 'Practice themes',
        value: a.practiceThemes.map((k) => themeNames.get(k) ?? k).join(', '),
      });
    }
  }
  for (const q of section.questions)
    rows.push({ key: q.text, value: answerText(q, a.answers[q.key], scale) });
  return rows;
}

/** Why the person opened the audit, for the access log. */
export function whyOpened(work: AuditWork): string {
  const r = work.access.relations;
  if (r.has('auditor')) return 'Opened by the auditor it is allocated to';
  if (r.has('qa')) return 'Opened by QA';
  if (r.has('practitioner')) return 'Opened by the case holder';
  if (r.has('manager')) return 'Opened by the case holder’s manager';
  if (r.has('service')) return 'Opened by a senior leader for the service';
  return 'Opened';
}

/**
 * The grade at the top of a submitted audit: its final grade (the moderation panel's once decided,
 * else the auditor's overall grade), and the auditor's grade when the panel changed it, with which
 * way.
 */
export function gradeHeading(scale: GradeScale, auditorKey: string | null, finalKey: string | null) {
  const label = (key: string | null) =>
    key ? (scale.grades.find((g) => g.key === key)?.label ?? key) : null;
  const differs = auditorKey !== null && finalKey !== null && auditorKey !== finalKey;
  const order = (key: string | null) => scale.grades.find((g) => g.key === key)?.order ?? 0;
  return {
    overallGrade: label(finalKey ?? auditorKey),
    auditorGrade: differs ? label(auditorKey) : null,
    panelChange: differs ? (order(finalKey) > order(auditorKey) ? 'downgraded' : 'upgraded') : null,
  };
}

/** The audit's page: the submitted audit to read, or the overview of its parts while it is done. */
export function auditView(page: Awaited<ReturnType<typeof auditPage>>) {
  const { work } = page;
  const base = {
    work,
    details: work.details,
    childContext: page.childContext,
    escalationPanel: page.escalationPanel,
    pageTitle: `Audit of ${work.details.childReference}`,
  };
  if (work.submitted && page.afterSubmission) {
    const submitted = work.submitted;
    const themeNames = new Map(work.themes.map((t) => [t.key, t.name]));
    const scale = work.tool.scale;
    return {
      template: 'pages/audits/submitted.njk',
      view: {
        ...base,
        sections: work.tool.definition.sections.map((s, i) => ({
          key: s.key,
          number: i + 1,
          title: s.title,
          rows: answerRows(s, submitted.answers[s.key], scale, themeNames),
        })),
        // the heading shows the grade reports count, and the auditor's beside it when the panel changed it
        ...gradeHeading(scale, submitted.overallGrade, submitted.finalGrade),
        conversation: submitted.conversation
          ? {
              ...submitted.conversation,
              withText: CONVERSATION_WITH.find((c) => c.value === submitted.conversation?.with)?.text,
            }
          : null,
        ...page.afterSubmission,
      },
    };
  }
  return {
    template: 'pages/audits/audit.njk',
    view: {
      ...base,
      parts: work.parts.map((p, i) => ({
        ...p,
        number: i + 1,
        href: `/audits/${work.audit.id}/parts/${p.key}`,
        tag: STATE_TAGS[work.states[p.key]],
        savedAt: work.drafts[p.key]?.savedAt ?? null,
      })),
      completed: work.parts.filter((p) => work.states[p.key] === 'completed').length,
      mayEdit: work.access.mayEdit,
    },
  };
}

/** How a part's form is shown: after an error or a conflict, with `values` as sent. */
export interface PartShown {
  values?: DraftFields;
  revision?: number;
  errors?: FieldError[];
  conflict?: Extract<SaveResult, { ok: false }>['conflict'];
  extraActionRows?: number;
}

/** The form of one part, with what was typed (or `shown.values` as sent). */
export function partView(
  work: AuditWork,
  part: FormPart,
  childContext: ChildContext | undefined,
  shown: PartShown = {},
) {
  const draft = work.drafts[part.key];
  const values = shown.values ?? draft?.fields ?? {};
  const section = work.tool.definition.sections.find((s) => s.key === part.key);
  const index = work.parts.findIndex((p) => p.key === part.key);
  const next = nextPart(work, part.key);
  return {
    pageTitle: `${part.title} – audit of ${work.details.childReference}`,
    work,
    details: work.details,
    part,
    section,
    partNumber: index + 1,
    partCount: work.parts.length,
    nextTitle: next?.title ?? null,
    values,
    revision: shown.revision ?? draft?.revision ?? 0,
    savedAt: draft?.savedAt ? formatDateTime(draft.savedAt) : null,
    savedBy: draft?.savedBy ?? null,
    errors: shown.errors,
    gradeItems: gradeItems(work.tool.scale, values.grade as string | undefined),
    overallItems: gradeItems(work.tool.scale, values.overallGrade as string | undefined),
    conversationItems: CONVERSATION_WITH.map((c) => ({
      value: c.value,
      text: c.text,
      checked: values.conversationWith === c.value,
    })),
    themeItems: work.themes.map((t) => ({
      value: t.key,
      text: t.name,
      checked: ([] as string[]).concat(values.practiceThemes ?? []).includes(t.key),
    })),
    ownerItems: work.owners.map((o) => ({
      value: o.id,
      text: `${o.name}, ${o.jobTitle}${o.why ? ` (${o.why.toLowerCase()})` : ''}`,
    })),
    actions: section?.isJourneySection ? actionRows(values, shown.extraActionRows ?? 1) : [],
    questions: section ? questionControls(section, work.tool.scale, values) : [],
    conflict: shown.conflict
      ? {
          ...shown.conflict,
          savedAt: formatDateTime(shown.conflict.savedAt),
          rows: draftRows(work, part, shown.conflict.theirs),
        }
      : null,
    childContext,
    autosave: `/audits/${work.audit.id}/parts/${part.key}/autosave`,
  };
}

/** The check page before submitting: every part as typed, and what stops it being submitted. */
export function checkView(work: AuditWork, errors: SubmitError[] | undefined) {
  return {
    pageTitle: `Check and submit – audit of ${work.details.childReference}`,
    work,
    details: work.details,
    errors,
    parts: work.parts.map((p, i) => ({
      ...p,
      number: i + 1,
      href: `/audits/${work.audit.id}/parts/${p.key}`,
      tag: STATE_TAGS[work.states[p.key]],
      rows: draftRows(work, p, work.drafts[p.key]?.fields ?? {}),
    })),
  };
}
