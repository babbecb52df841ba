/**
 * The audit form, part by part: what an auditor types into each page (a section of the tool, the
 * collaborative conversation, the overall grade) as flat form fields, and how those fields become
 * the answers `checkAnswers` judges. A draft keeps the fields exactly as typed; only values that
 * could never be right (a grade not on the tool's scale, a theme or owner not offered) are refused
 * when saving, everything else waits for submission.
 */

import {
  type AnswerError,
  checkAnswers,
  MAX_LONG_TEXT,
  type Question,
  type SectionAnswers,
  type ToolDefinition,
  type ToolSection,
  YES_NO_PARTLY_NA,
} from './audit-tools.ts';
import { parseDateInput } from './date-input.ts';
import type { IsoDate } from './dates.ts';
import { type GradeScale, gradeByKey } from './grade-scales.ts';
import type { FieldError } from './validation.ts';

export type DraftFields = Record<string, string | string[]>;

export const CONVERSATION_PART = 'conversation';
export const OVERALL_PART = 'overall';

/** Actions a section can hold. */
export const MAX_ACTIONS = 20;
/** Most practice themes one section can carry. */
const MAX_THEMES = 100;
/** Longest text kept for any one field of a draft. */
const MAX_FIELD = MAX_LONG_TEXT + 1000;

export const CONVERSATION_WITH = [
  { value: 'practitioner', text: 'The practitioner who holds the case' },
  { value: 'manager', text: 'Their manager, because the practitioner was not available' },
  { value: 'not_held', text: 'Nobody: the conversation did not happen' },
] as const;
export type ConversationWithValue = (typeof CONVERSATION_WITH)[number]['value'];

export interface FormPart {
  key: string;
  title: string;
  kind: 'conversation' | 'section' | 'overall';
}

/** The pages of an audit in order: the conversation (full audits), each section, the overall grade. */
export function formParts(tool: ToolDefinition, withConversation: boolean): FormPart[] {
  const parts: FormPart[] = [];
  if (withConversation) {
    parts.push({
      key: CONVERSATION_PART,
      title: 'The conversation with the practitioner',
      kind: 'conversation',
    });
  }
  for (const s of tool.sections) parts.push({ key: s.key, title: s.title, kind: 'section' });
  if (needsOverallGrade(tool)) parts.push({ key: OVERALL_PART, title: 'Overall grade', kind: 'overall' });
  return parts;
}

/** A tool with sections on the child's journey ends with an overall grade; a dip sample does not. */
export function needsOverallGrade(tool: ToolDefinition): boolean {
  return tool.sections.some((s) => s.isJourneySection);
}

export function questionField(q: Pick<Question, 'key'>): string {
  return `q-${q.key}`;
}

export function actionField(n: number, what: 'text' | 'owner' | 'due'): string {
  return `action-${n}-${what}`;
}

/** The field names a part's page may send. */
export function allowedFields(part: FormPart, section?: ToolSection): Set<string> {
  const names = new Set<string>();
  if (part.kind === 'conversation') {
    for (const p of ['day', 'month', 'year']) names.add(`conversationOn-${p}`);
    names.add('conversationWith');
    names.add('conversationNote');
  } else if (part.kind === 'overall') {
    names.add('overallGrade');
  } else if (section) {
    if (section.isJourneySection) {
      for (const f of ['grade', 'evaluation', 'impactStatement', 'practiceThemes']) names.add(f);
      for (let n = 1; n <= MAX_ACTIONS; n++) {
        names.add(actionField(n, 'text'));
        names.add(actionField(n, 'owner'));
        for (const p of ['day', 'month', 'year']) names.add(`${actionField(n, 'due')}-${p}`);
      }
    }
    for (const q of section.questions) {
      if (q.type === 'date') for (const p of ['day', 'month', 'year']) names.add(`${questionField(q)}-${p}`);
      else names.add(questionField(q));
    }
  }
  return names;
}

/** Only the part's own fields, as typed (text capped at a generous length). */
export function cleanFields(part: FormPart, section: ToolSection | undefined, raw: unknown): DraftFields {
  const allowed = allowedFields(part, section);
  const out: DraftFields = {};
  if (typeof raw !== 'object' || raw === null) return out;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (!allowed.has(k)) continue;
    const strings = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
    // only the practice themes are a list; any other field sent twice keeps its first value
    if (k === 'practiceThemes') out[k] = strings.slice(0, MAX_THEMES).map((x) => x.slice(0, 200));
    else if (strings.length) out[k] = strings[0].slice(0, MAX_FIELD);
  }
  return out;
}

function one(v: string | string[] | undefined): string {
  return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).toString();
}

function many(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x) => x.trim() !== '');
}

/** Whether any of the fields holds something typed or chosen. */
export function hasContent(fields: DraftFields | undefined): boolean {
  return Object.values(fields ?? {}).some((v) => many(v).length > 0);
}

/** The action rows with anything in them, by number. */
export function actionNumbers(fields: DraftFields): number[] {
  const numbers: number[] = [];
  for (let n = 1; n <= MAX_ACTIONS; n++) {
    const any = [
      actionField(n, 'text'),
      actionField(n, 'owner'),
      `${actionField(n, 'due')}-day`,
      `${actionField(n, 'due')}-month`,
      `${actionField(n, 'due')}-year`,
    ].some((f) => one(fields[f]).trim() !== '');
    if (any) numbers.push(n);
  }
  return numbers;
}

export interface FormAction {
  n: number;
  text: string;
  ownerId: string;
  /** YYYY-MM-DD when the three fields make a real date; otherwise what was typed */
  dueOn: string;
  dueProblem?: string;
}

export function readActions(fields: DraftFields): FormAction[] {
  return actionNumbers(fields).map((n) => {
    const due = actionField(n, 'due');
    const parsed = parseDateInput(
      {
        day: one(fields[`${due}-day`]),
        month: one(fields[`${due}-month`]),
        year: one(fields[`${due}-year`]),
      },
      { label: 'The date the action is due', required: true },
    );
    return {
      n,
      text: one(fields[actionField(n, 'text')]).trim(),
      ownerId: one(fields[actionField(n, 'owner')]).trim(),
      dueOn: parsed.ok ? (parsed.value ?? '') : '',
      ...(parsed.ok ? {} : { dueProblem: parsed.message }),
    };
  });
}

function dateQuestionValue(fields: DraftFields, q: Question): string | undefined {
  const f = questionField(q);
  const day = one(fields[`${f}-day`]).trim();
  const month = one(fields[`${f}-month`]).trim();
  const year = one(fields[`${f}-year`]).trim();
  if (!day && !month && !year) return undefined;
  const parsed = parseDateInput({ day, month, year }, { label: q.text });
  // what cannot be read as a date is passed on as typed, so the answer check says it is not a date
  return parsed.ok && parsed.value ? parsed.value : `${day}/${month}/${year}`;
}

/** A section's fields as the answers `checkAnswers` reads. */
export function sectionInput(section: ToolSection, fields: DraftFields): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  if (section.isJourneySection) {
    input.grade = one(fields.grade);
    input.evaluation = one(fields.evaluation);
    input.impactStatement = one(fields.impactStatement);
    input.practiceThemes = many(fields.practiceThemes);
    input.actions = readActions(fields).map((a) => ({
      text: a.text,
      ...(a.dueOn ? { dueOn: a.dueOn } : {}),
    }));
  }
  const answers: Record<string, unknown> = {};
  for (const q of section.questions) {
    answers[q.key] = q.type === 'date' ? dateQuestionValue(fields, q) : one(fields[questionField(q)]);
  }
  input.answers = answers;
  return input;
}

/** The form field an answer error is about. */
function fieldOf(section: ToolSection, error: AnswerError): string {
  const [, what, key] = error.field.split('.');
  if (what === 'answers' && key) {
    const q = section.questions.find((x) => x.key === key);
    return q?.type === 'date' ? `${questionField(q)}-day` : `q-${key}`;
  }
  if (what === 'actions') return actionField(1, 'text');
  if (what === 'practiceThemes') return 'practiceThemes';
  return what ?? 'grade';
}

export interface PartChoices {
  /** the practice theme keys an auditor may choose */
  themeKeys: readonly string[];
  /** the staff ids that may own an action */
  ownerIds: readonly string[];
}

/**
 * Values no draft may hold, because no page offered them: a grade not on the scale, a theme or an
 * owner not in the lists, an answer not among a question's options. A form that sends one was
 * tampered with or is out of date; saving it is refused.
 */
export function impossibleValues(
  part: FormPart,
  section: ToolSection | undefined,
  scale: GradeScale,
  fields: DraftFields,
  choices: PartChoices,
): FieldError[] {
  const errors: FieldError[] = [];
  const gradeOk = (v: string) => v.trim() === '' || gradeByKey(scale, v) !== undefined;
  if (part.kind === 'overall' && !gradeOk(one(fields.overallGrade))) {
    errors.push({ field: 'overallGrade', message: `Choose an overall grade on the ${scale.name} scale` });
  }
  if (part.kind === 'conversation') {
    const w = one(fields.conversationWith);
    if (w !== '' && !CONVERSATION_WITH.some((c) => c.value === w)) {
      errors.push({
        field: 'conversationWith',
        message: 'Choose who took part in the conversation from the list',
      });
    }
  }
  if (part.kind !== 'section' || !section) return errors;
  if (section.isJourneySection) {
    if (!gradeOk(one(fields.grade))) {
      errors.push({
        field: 'grade',
        message: `Choose a grade on the ${scale.name} scale for "${section.title}"`,
      });
    }
    if (many(fields.practiceThemes).some((t) => !choices.themeKeys.includes(t))) {
      errors.push({ field: 'practiceThemes', message: 'Choose practice themes from the list' });
    }
    for (const a of readActions(fields)) {
      if (a.ownerId && !choices.ownerIds.includes(a.ownerId)) {
        errors.push({
          field: actionField(a.n, 'owner'),
          message: 'Choose who owns the action from the list',
        });
      }
    }
  }
  for (const q of section.questions) {
    const v = one(fields[questionField(q)]).trim();
    if (!v) continue;
    if (q.type === 'grade' && !gradeOk(v)) {
      errors.push({
        field: questionField(q),
        message: `Choose a grade on the ${scale.name} scale for "${q.text}"`,
      });
    }
    if (q.type === 'yes_no_partly_na' && !(YES_NO_PARTLY_NA as readonly string[]).includes(v)) {
      errors.push({
        field: questionField(q),
        message: `Answer "${q.text}" with yes, no, partly or not applicable`,
      });
    }
    if (q.type === 'choice' && !(q.options ?? []).includes(v)) {
      errors.push({ field: questionField(q), message: `Choose one of the options for "${q.text}"` });
    }
  }
  return errors;
}

/**
 * What stops a section being complete: every required answer, each action with an owner and a due
 * date. Empty when the section is complete (or, not being required, left out entirely).
 */
export function sectionProblems(
  tool: ToolDefinition,
  section: ToolSection,
  scale: GradeScale,
  fields: DraftFields,
  choices: PartChoices,
): { errors: FieldError[]; answers?: SectionAnswers } {
  const single: ToolDefinition = { ...tool, sections: [section] };
  const checked = checkAnswers(
    single,
    scale,
    { [section.key]: sectionInput(section, fields) },
    {
      themeKeys: choices.themeKeys,
    },
  );
  const errors: FieldError[] = checked.ok
    ? []
    : checked.errors.map((e) => ({ field: fieldOf(section, e), message: e.message }));
  if (section.isJourneySection) {
    for (const a of readActions(fields)) {
      const label = `action ${a.n} in "${section.title}"`;
      if (!a.text) errors.push({ field: actionField(a.n, 'text'), message: `Say what ${label} is` });
      if (!a.ownerId) errors.push({ field: actionField(a.n, 'owner'), message: `Choose who owns ${label}` });
      else if (!choices.ownerIds.includes(a.ownerId)) {
        errors.push({ field: actionField(a.n, 'owner'), message: `Choose who owns ${label} from the list` });
      }
      if (a.dueProblem) {
        errors.push({
          field: `${actionField(a.n, 'due')}-day`,
          message: `${a.dueProblem.replace('The date the action is due', `The date ${label} is due`)}`,
        });
      }
    }
  }
  const unique = errors.filter((e, i) => errors.findIndex((x) => x.field === e.field) === i);
  return unique.length
    ? { errors: unique }
    : { errors: [], answers: checked.ok ? checked.value[section.key] : undefined };
}

export interface Conversation {
  on: IsoDate;
  with: ConversationWithValue;
  note: string | null;
}

export function conversationProblems(
  fields: DraftFields,
  today: IsoDate,
): { errors: FieldError[]; value?: Conversation } {
  const errors: FieldError[] = [];
  const parsed = parseDateInput(
    {
      day: one(fields['conversationOn-day']),
      month: one(fields['conversationOn-month']),
      year: one(fields['conversationOn-year']),
    },
    { label: 'The date of the conversation', required: true, notAfter: today },
  );
  if (!parsed.ok) errors.push({ field: 'conversationOn-day', message: parsed.message });
  const w = one(fields.conversationWith);
  const withValue = CONVERSATION_WITH.find((c) => c.value === w)?.value;
  if (!withValue)
    errors.push({ field: 'conversationWith', message: 'Choose who took part in the conversation' });
  const note = one(fields.conversationNote).trim();
  if ((withValue === 'manager' || withValue === 'not_held') && !note) {
    errors.push({
      field: 'conversationNote',
      message:
        withValue === 'manager'
          ? 'Say why the practitioner could not take part'
          : 'Say why the conversation did not happen',
    });
  }
  if (note.length > 2000)
    errors.push({ field: 'conversationNote', message: 'The reason must be 2000 characters or fewer' });
  if (errors.length || !parsed.ok || !withValue) return { errors };
  return { errors, value: { on: parsed.value as IsoDate, with: withValue, note: note || null } };
}

export function overallProblems(
  fields: DraftFields,
  scale: GradeScale,
): { errors: FieldError[]; grade?: string } {
  const grade = gradeByKey(scale, one(fields.overallGrade));
  if (!grade)
    return { errors: [{ field: 'overallGrade', message: 'Choose an overall grade for the audit' }] };
  return { errors: [], grade: grade.key };
}
