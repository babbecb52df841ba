/**
 * Audit tools (domain.md §4, §9): what an auditor fills in. A tool has a kind, a grade scale and
 * sections of questions. In a full case file audit the sections that follow the child's journey
 * each carry a fixed set of fields (grade, evaluation, impact statement, practice themes, actions)
 * and may add questions of their own. `toolDefinitionSchema` checks a tool a QA lead writes;
 * `answerSchemaFor` checks a set of answers against a tool.
 */
import { z } from 'zod';
import { ACTIVITY_KINDS, type ActivityKind } from './activity-kinds.ts';
import { type GradeScale, gradeByKey, normaliseGradeKey } from './grade-scales.ts';

export const QUESTION_TYPES = [
  'grade',
  'yes_no_partly_na',
  'number',
  'date',
  'choice',
  'short_text',
  'long_text',
] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

export const QUESTION_TYPE_LABELS: Record<QuestionType, string> = {
  grade: 'Grade on the tool’s scale',
  yes_no_partly_na: 'Yes, no, partly or not applicable',
  number: 'Number',
  date: 'Date',
  choice: 'Choice from a list',
  short_text: 'Short text',
  long_text: 'Long text',
};

export const YES_NO_PARTLY_NA = ['yes', 'no', 'partly', 'na'] as const;
export type YesNoPartlyNa = (typeof YES_NO_PARTLY_NA)[number];

export const YES_NO_PARTLY_NA_LABELS: Record<YesNoPartlyNa, string> = {
  yes: 'Yes',
  no: 'No',
  partly: 'Partly',
  na: 'Not applicable',
};

export interface Question {
  /** unique within the tool */
  key: string;
  text: string;
  type: QuestionType;
  guidance?: string;
  required: boolean;
  /** choice questions only: the options, in the order shown */
  options?: string[];
  /** number questions only: the lowest and highest answers allowed */
  min?: number;
  max?: number;
}

export interface ToolSection {
  key: string;
  title: string;
  /** what good looks like, shown beside the section */
  guidance?: string;
  /** a section that is not required may be left out; once started, its required answers apply */
  required: boolean;
  /** a section of the child's journey: carries the `JOURNEY_SECTION_FIELDS` as well as its questions */
  isJourneySection: boolean;
  questions: Question[];
  /**
   * The key of a section in an earlier version that this one continues ("the same section"), so
   * year-on-year reports line them up. Sections that keep their key are the same section anyway.
   */
  sameAs?: string;
}

/** What a section counts as in reports across versions: the section it continues, or itself. */
export function sectionLineage(section: Pick<ToolSection, 'key' | 'sameAs'>): string {
  return section.sameAs ?? section.key;
}

export interface ToolDefinition {
  name: string;
  kind: ActivityKind;
  /** the key of the tool's grade scale, e.g. 'four_point' */
  scaleKey: string;
  description?: string;
  sections: ToolSection[];
}

/** The fixed fields of a journey section, in the order they are shown. */
export const JOURNEY_SECTION_FIELDS = [
  {
    key: 'grade',
    label: 'Grade',
    hint: 'How good the practice in this part of the child’s journey was, on the tool’s grade scale',
    required: true,
  },
  {
    key: 'evaluation',
    label: 'Evaluation',
    hint: 'What the record shows about the practice: what went well and what did not, with examples',
    required: true,
  },
  {
    key: 'impactStatement',
    label: 'Impact statement',
    hint: 'What the practice meant for the child',
    required: true,
  },
  {
    key: 'practiceThemes',
    label: 'Practice themes',
    hint: 'The practice themes this section’s findings are about, so they can be counted and linked to learning',
    required: false,
  },
  {
    key: 'actions',
    label: 'Actions',
    hint: 'What needs to happen next for the child, and by when',
    required: false,
  },
] as const;

export type JourneyFieldKey = (typeof JOURNEY_SECTION_FIELDS)[number]['key'];

export const MAX_SHORT_TEXT = 300;
export const MAX_LONG_TEXT = 20000;

const MAX_KEY_LENGTH = 48;

/** Keys of the audit's own pages (src/domain/audit-form.ts), which no section may take. */
export const RESERVED_SECTION_KEYS: readonly string[] = ['conversation', 'overall'];

/** A key from a title or question: lower case, underscores, at most 48 characters. */
export function keyFrom(text: string): string {
  const key = normaliseGradeKey(text);
  if (key.length <= MAX_KEY_LENGTH) return key;
  const cut = key.slice(0, MAX_KEY_LENGTH);
  const lastBreak = cut.lastIndexOf('_');
  return (lastBreak > 0 ? cut.slice(0, lastBreak) : cut).replace(/_+$/, '');
}

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const optionalNumber = (message: string) =>
  z.preprocess((v) => {
    const b = blankToUndefined(v);
    return typeof b === 'string' ? Number(b.trim()) : b;
  }, z.number({ message }).finite({ message }).optional());

const optionalText = (max: number, message: string) =>
  z.preprocess(blankToUndefined, z.string().trim().max(max, { message }).optional());

const questionInputSchema = z.object({
  key: optionalText(MAX_KEY_LENGTH, `Question keys must be ${MAX_KEY_LENGTH} characters or fewer`),
  text: z
    .string({ message: 'Enter the text of each question' })
    .trim()
    .min(1, { message: 'Enter the text of each question' })
    .max(500, { message: 'Questions must be 500 characters or fewer' }),
  type: z.enum(QUESTION_TYPES, { message: 'Choose the type of answer for each question' }),
  guidance: optionalText(2000, 'Question guidance must be 2000 characters or fewer'),
  required: z.boolean().default(true),
  options: z
    .array(
      z
        .string({ message: 'Options must be text' })
        .trim()
        .max(200, { message: 'Options must be 200 characters or fewer' }),
      {
        message: 'Options must be a list',
      },
    )
    .optional(),
  min: optionalNumber('The lowest number allowed must be a number'),
  max: optionalNumber('The highest number allowed must be a number'),
});

const sectionInputSchema = z.object({
  key: optionalText(MAX_KEY_LENGTH, `Section keys must be ${MAX_KEY_LENGTH} characters or fewer`),
  title: z
    .string({ message: 'Enter a title for each section' })
    .trim()
    .min(1, { message: 'Enter a title for each section' })
    .max(120, { message: 'Section titles must be 120 characters or fewer' }),
  guidance: optionalText(2000, 'Section guidance must be 2000 characters or fewer'),
  required: z.boolean().default(true),
  isJourneySection: z.boolean().default(false),
  questions: z.array(questionInputSchema, { message: 'Questions must be a list' }).default([]),
  sameAs: z
    .string()
    .trim()
    .regex(/^[a-z0-9_]{1,60}$/, { message: 'Choose the earlier section from the list' })
    .optional(),
});

type SectionInput = z.output<typeof sectionInputSchema>;
type QuestionInput = z.output<typeof questionInputSchema>;

function cleanOptions(options: string[] | undefined): string[] {
  return (options ?? []).filter((o) => o !== '');
}

function sectionKeyOf(s: SectionInput): string {
  return keyFrom(s.key ?? s.title);
}

function questionKeyOf(q: QuestionInput): string {
  return keyFrom(q.key ?? q.text);
}

/** A tool as a QA lead writes it: keys may be left out (made from titles and question text). */
export type ToolDefinitionInput = z.input<typeof toolDefinitionSchema>;

/**
 * Checks an audit tool and gives it in canonical form: keys filled in, blank options dropped,
 * options kept only on choice questions and min/max only on number questions.
 */
export const toolDefinitionSchema = z
  .object({
    name: z
      .string({ message: 'Enter a name for the tool' })
      .trim()
      .min(1, { message: 'Enter a name for the tool' })
      .max(120, { message: 'Tool name must be 120 characters or fewer' }),
    kind: z.enum(ACTIVITY_KINDS, { message: 'Choose what kind of tool this is' }),
    scaleKey: z
      .string({ message: 'Choose a grade scale for the tool' })
      .trim()
      .min(1, { message: 'Choose a grade scale for the tool' }),
    description: optionalText(2000, 'Tool description must be 2000 characters or fewer'),
    sections: z
      .array(sectionInputSchema, { message: 'A tool needs at least one section' })
      .min(1, { message: 'A tool needs at least one section' }),
  })
  .superRefine((tool, ctx) => {
    if (tool.sections.length === 0) return;
    const sectionKeys = new Map<string, SectionInput>();
    const questionKeys = new Map<string, { q: QuestionInput; s: SectionInput }>();
    const questionCount = tool.sections.reduce((n, s) => n + s.questions.length, 0);

    tool.sections.forEach((s, si) => {
      if (!s.title) return;
      const sKey = sectionKeyOf(s);
      if (RESERVED_SECTION_KEYS.includes(sKey)) {
        ctx.addIssue({
          code: 'custom',
          path: ['sections', si, s.key ? 'key' : 'title'],
          message: `A section cannot have the key "${sKey}": every audit has its own ${sKey} page. Give the section another ${s.key ? 'key' : 'title'}`,
        });
      } else if (!sKey) {
        ctx.addIssue({
          code: 'custom',
          path: ['sections', si, s.key ? 'key' : 'title'],
          message: `Section "${s.title}" needs a title with at least one letter or number`,
        });
      } else {
        const other = sectionKeys.get(sKey);
        if (other) {
          ctx.addIssue({
            code: 'custom',
            path: ['sections', si, s.key ? 'key' : 'title'],
            message:
              other.title.toLowerCase() === s.title.toLowerCase()
                ? `Each section needs a different title: "${s.title}" is used more than once`
                : `Sections "${other.title}" and "${s.title}" have the same key "${sKey}": give each a different key`,
          });
        } else {
          sectionKeys.set(sKey, s);
        }
      }

      // a dip sample with no questions at all gets one message for the whole tool, below
      const dipSampleWithNoQuestions = tool.kind === 'dip_sample' && questionCount === 0;
      if (s.questions.length === 0 && !s.isJourneySection && !dipSampleWithNoQuestions) {
        ctx.addIssue({
          code: 'custom',
          path: ['sections', si, 'questions'],
          message: `Section "${s.title}" needs at least one question`,
        });
      }

      s.questions.forEach((q, qi) => {
        if (!q.text) return;
        const where = `question "${q.text}" in section "${s.title}"`;
        const path = ['sections', si, 'questions', qi];
        const qKey = questionKeyOf(q);
        if (!qKey) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, q.key ? 'key' : 'text'],
            message: `Write ${where} with at least one letter or number`,
          });
        } else {
          const other = questionKeys.get(qKey);
          if (other) {
            ctx.addIssue({
              code: 'custom',
              path: [...path, q.key ? 'key' : 'text'],
              message:
                other.q.text.toLowerCase() === q.text.toLowerCase()
                  ? `The question "${q.text}" is asked more than once: each question must be different`
                  : `Questions "${other.q.text}" and "${q.text}" have the same key "${qKey}": give each a different key`,
            });
          } else {
            questionKeys.set(qKey, { q, s });
          }
        }

        if (q.type === 'choice') {
          const options = cleanOptions(q.options);
          if (options.length < 2) {
            ctx.addIssue({
              code: 'custom',
              path: [...path, 'options'],
              message: `Give at least 2 options to choose from for ${where}`,
            });
          }
          const seen = new Set<string>();
          for (const o of options) {
            if (seen.has(o.toLowerCase())) {
              ctx.addIssue({
                code: 'custom',
                path: [...path, 'options'],
                message: `Each option for ${where} must be different: "${o}" is listed more than once`,
              });
              break;
            }
            seen.add(o.toLowerCase());
          }
        }

        if (q.type === 'number' && q.min !== undefined && q.max !== undefined && q.min > q.max) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'max'],
            message: `For ${where}, the highest number allowed must not be less than the lowest`,
          });
        }
      });
    });

    if (tool.kind === 'dip_sample' && questionCount === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['sections'],
        message: 'A dip sample needs at least one question',
      });
    }
    if (tool.kind === 'full_audit' && !tool.sections.some((s) => s.isJourneySection)) {
      ctx.addIssue({
        code: 'custom',
        path: ['sections'],
        message: 'A full case file audit needs at least one section on the child’s journey',
      });
    }
  })
  .transform((tool): ToolDefinition => {
    const out: ToolDefinition = {
      name: tool.name,
      kind: tool.kind,
      scaleKey: normaliseGradeKey(tool.scaleKey),
      sections: tool.sections.map((s) => {
        const section: ToolSection = {
          key: sectionKeyOf(s),
          title: s.title,
          required: s.required,
          isJourneySection: s.isJourneySection,
          ...(s.sameAs ? { sameAs: s.sameAs } : {}),
          questions: s.questions.map((q) => {
            const question: Question = {
              key: questionKeyOf(q),
              text: q.text,
              type: q.type,
              required: q.required,
            };
            if (q.guidance !== undefined) question.guidance = q.guidance;
            if (q.type === 'choice') question.options = cleanOptions(q.options);
            if (q.type === 'number' && q.min !== undefined) question.min = q.min;
            if (q.type === 'number' && q.max !== undefined) question.max = q.max;
            return question;
          }),
        };
        if (s.guidance !== undefined) section.guidance = s.guidance;
        return section;
      }),
    };
    if (tool.description !== undefined) out.description = tool.description;
    return out;
  });

// ---------------------------------------------------------------------------------------------
// Answers

export type AnswerValue = string | number;

export interface JourneyAction {
  text: string;
  /** YYYY-MM-DD */
  dueOn?: string;
}

/** The answers to one section. Journey fields appear only on journey sections. */
export interface SectionAnswers {
  grade?: string;
  evaluation?: string;
  impactStatement?: string;
  practiceThemes?: string[];
  actions?: JourneyAction[];
  /** by question key; unanswered questions are left out */
  answers: Record<string, AnswerValue>;
}

/** By section key; every section of the tool appears. */
export type AnswerSet = Record<string, SectionAnswers>;

export interface AnswerSchemaOptions {
  /** when given, practice themes must be among these keys */
  themeKeys?: readonly string[];
}

interface Issue {
  path: (string | number)[];
  message: string;
}

function isBlank(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    (typeof v === 'string' && v.trim() === '') ||
    (Array.isArray(v) && v.length === 0)
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether text is a real calendar date written YYYY-MM-DD. */
export function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const [y, m, d] = text.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

const YES_NO_ALIASES: Record<string, YesNoPartlyNa> = {
  yes: 'yes',
  y: 'yes',
  no: 'no',
  n: 'no',
  partly: 'partly',
  partially: 'partly',
  na: 'na',
  n_a: 'na',
  not_applicable: 'na',
};

function describeRange(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `between ${min} and ${max}`;
  if (min !== undefined) return `${min} or more`;
  return `${max} or less`;
}

/** Checks one answer; gives the canonical value or a message. */
function checkValue(
  q: Question,
  value: unknown,
  where: string,
  scale: GradeScale,
): { value: AnswerValue } | { message: string } {
  const text = typeof value === 'string' ? value.trim() : undefined;
  switch (q.type) {
    case 'grade': {
      const grade = text === undefined ? undefined : gradeByKey(scale, text);
      return grade
        ? { value: grade.key }
        : { message: `Choose a grade on the ${scale.name} scale for ${where}` };
    }
    case 'yes_no_partly_na': {
      const v = text === undefined ? undefined : YES_NO_ALIASES[normaliseGradeKey(text)];
      return v ? { value: v } : { message: `Answer ${where} with yes, no, partly or not applicable` };
    }
    case 'number': {
      const n = typeof value === 'number' ? value : text !== undefined ? Number(text) : Number.NaN;
      if (!Number.isFinite(n)) return { message: `Enter a number for ${where}` };
      if ((q.min !== undefined && n < q.min) || (q.max !== undefined && n > q.max)) {
        return { message: `The answer to ${where} must be ${describeRange(q.min, q.max)}` };
      }
      return { value: n };
    }
    case 'date':
      return text !== undefined && isIsoDate(text)
        ? { value: text }
        : { message: `Enter ${where} as a real date, like 2026-03-31` };
    case 'choice': {
      const option =
        text === undefined ? undefined : q.options?.find((o) => o.toLowerCase() === text.toLowerCase());
      return option !== undefined ? { value: option } : { message: `Choose one of the options for ${where}` };
    }
    case 'short_text':
    case 'long_text': {
      const max = q.type === 'short_text' ? MAX_SHORT_TEXT : MAX_LONG_TEXT;
      if (text === undefined) return { message: `Enter text for ${where}` };
      if (text.length > max) return { message: `The answer to ${where} must be ${max} characters or fewer` };
      return { value: text };
    }
  }
}

function checkJourneyFields(
  section: ToolSection,
  input: Record<string, unknown>,
  mustComplete: boolean,
  scale: GradeScale,
  options: AnswerSchemaOptions,
  out: SectionAnswers,
  issues: Issue[],
): void {
  const where = `section "${section.title}"`;
  const add = (field: string, message: string) => issues.push({ path: [section.key, field], message });

  const grade = input.grade;
  if (isBlank(grade)) {
    if (mustComplete) add('grade', `Choose a grade for ${where}`);
  } else {
    const found = typeof grade === 'string' ? gradeByKey(scale, grade) : undefined;
    if (found) out.grade = found.key;
    else add('grade', `Choose a grade on the ${scale.name} scale for ${where}`);
  }

  for (const [field, label] of [
    ['evaluation', 'an evaluation'],
    ['impactStatement', 'an impact statement'],
  ] as const) {
    const v = input[field];
    if (isBlank(v)) {
      if (mustComplete) add(field, `Write ${label} for ${where}`);
    } else if (typeof v !== 'string') {
      add(field, `Write ${label} for ${where}`);
    } else if (v.trim().length > MAX_LONG_TEXT) {
      add(
        field,
        `The ${label.replace(/^an? /, '')} for ${where} must be ${MAX_LONG_TEXT} characters or fewer`,
      );
    } else {
      out[field] = v.trim();
    }
  }

  const themesInput = input.practiceThemes;
  if (!isBlank(themesInput)) {
    const list: unknown[] = Array.isArray(themesInput) ? themesInput : [themesInput];
    const themes = list.filter((t) => !isBlank(t));
    const keys = themes.filter((t): t is string => typeof t === 'string').map((t) => t.trim());
    const allowed = options.themeKeys;
    if (keys.length !== themes.length || (allowed && !keys.every((k) => allowed.includes(k)))) {
      add('practiceThemes', `Choose practice themes from the list for ${where}`);
    } else {
      out.practiceThemes = [...new Set(keys)];
    }
  }

  const actionsInput = input.actions;
  if (!isBlank(actionsInput)) {
    const list: unknown[] = Array.isArray(actionsInput) ? actionsInput : [actionsInput];
    const actions: JourneyAction[] = [];
    for (const a of list) {
      const action = typeof a === 'string' ? { text: a } : a;
      if (!isRecord(action) || (action.text !== undefined && typeof action.text !== 'string')) {
        add('actions', `Each action for ${where} must be written as text`);
        break;
      }
      const actionText = typeof action.text === 'string' ? action.text.trim() : '';
      const due = typeof action.dueOn === 'string' ? action.dueOn.trim() : action.dueOn;
      if (actionText === '' && isBlank(due)) continue;
      if (actionText === '') {
        add('actions', `Say what each action is for ${where}`);
        break;
      }
      if (actionText.length > MAX_LONG_TEXT) {
        add('actions', `Each action for ${where} must be ${MAX_LONG_TEXT} characters or fewer`);
        break;
      }
      if (!isBlank(due) && !(typeof due === 'string' && isIsoDate(due))) {
        add('actions', `Enter the date each action for ${where} is due as a real date, like 2026-03-31`);
        break;
      }
      actions.push(isBlank(due) ? { text: actionText } : { text: actionText, dueOn: due as string });
    }
    if (actions.length > 0) out.actions = actions;
  }
}

/** Whether a value holds anything an auditor typed or chose (a blank action row does not count). */
function hasContent(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasContent);
  if (isRecord(v)) return Object.values(v).some(hasContent);
  return !isBlank(v);
}

function sectionStarted(section: ToolSection, input: Record<string, unknown>): boolean {
  if (section.isJourneySection && JOURNEY_SECTION_FIELDS.some((f) => hasContent(input[f.key]))) return true;
  const answers = isRecord(input.answers) ? input.answers : {};
  return section.questions.some((q) => hasContent(answers[q.key]));
}

/** Checks answers to a tool, collecting every problem with a path to the field it concerns. */
function checkAnswerSet(
  tool: ToolDefinition,
  scale: GradeScale,
  input: unknown,
  options: AnswerSchemaOptions,
): { value: AnswerSet; issues: Issue[] } {
  const issues: Issue[] = [];
  const value: AnswerSet = {};
  const all = isRecord(input) ? input : {};
  if (!isRecord(input) && input !== undefined && input !== null) {
    issues.push({ path: [], message: 'The answers could not be read: send them as one set per section' });
  }
  for (const section of tool.sections) {
    const raw = all[section.key];
    const sectionInput = isRecord(raw) ? raw : {};
    const out: SectionAnswers = { answers: {} };
    value[section.key] = out;
    const mustComplete = section.required || sectionStarted(section, sectionInput);

    if (section.isJourneySection) {
      checkJourneyFields(section, sectionInput, mustComplete, scale, options, out, issues);
    }

    const answers = isRecord(sectionInput.answers) ? sectionInput.answers : {};
    for (const q of section.questions) {
      const where = `"${q.text}" in section "${section.title}"`;
      const path = [section.key, 'answers', q.key];
      const v = answers[q.key];
      if (isBlank(v)) {
        if (mustComplete && q.required) issues.push({ path, message: `Answer ${where}` });
        continue;
      }
      const checked = checkValue(q, v, where, scale);
      if ('value' in checked) out.answers[q.key] = checked.value;
      else issues.push({ path, message: checked.message });
    }
  }
  return { value, issues };
}

/**
 * A schema for a submitted set of answers to the tool: `{ [sectionKey]: { grade?, evaluation?,
 * impactStatement?, practiceThemes?, actions?, answers: { [questionKey]: value } } }`.
 * Required sections must be complete; a section that is not required must be complete once started.
 * Parsing gives canonical values: grade keys, 'yes'/'no'/'partly'/'na', numbers, trimmed text;
 * blanks are left out and unknown sections or questions are dropped. Every message names the
 * section and the question.
 */
export function answerSchemaFor(
  tool: ToolDefinition,
  scale: GradeScale,
  options: AnswerSchemaOptions = {},
): z.ZodType<AnswerSet> {
  return z.unknown().transform((input, ctx) => {
    const { value, issues } = checkAnswerSet(tool, scale, input, options);
    for (const issue of issues)
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, input });
    return issues.length ? z.NEVER : value;
  });
}

export interface AnswerError {
  /** the field's path joined with dots, e.g. 'visits.answers.child_seen' or 'voice_of_the_child.grade' */
  field: string;
  message: string;
}

/** `answerSchemaFor` with every error listed, in tool order, for an error summary. */
export function checkAnswers(
  tool: ToolDefinition,
  scale: GradeScale,
  input: unknown,
  options: AnswerSchemaOptions = {},
): { ok: true; value: AnswerSet } | { ok: false; errors: AnswerError[] } {
  const { value, issues } = checkAnswerSet(tool, scale, input, options);
  if (issues.length === 0) return { ok: true, value };
  return { ok: false, errors: issues.map((i) => ({ field: i.path.join('.'), message: i.message })) };
}
