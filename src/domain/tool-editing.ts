import { z } from 'zod';
import {
  keyFrom,
  QUESTION_TYPES,
  type Question,
  type ToolDefinition,
  type ToolSection,
} from './audit-tools.ts';

/**
 * The edits a QA lead makes to an audit tool, one form at a time: each takes the definition and a
 * form's answers and gives the new definition, or the form's errors. Keys of existing sections and
 * questions never change, so a section keeps its identity across versions ("the same section").
 */
export type EditResult =
  | { ok: true; definition: ToolDefinition }
  | { ok: false; errors: { field: string; message: string }[] };

const checkbox = z.preprocess((v) => v === 'yes' || v === true, z.boolean());

export const sectionFormSchema = z.object({
  title: z
    .string({ message: 'Enter the section’s title' })
    .trim()
    .min(1, { message: 'Enter the section’s title' })
    .max(120, {
      message: 'The title must be 120 characters or fewer',
    }),
  guidance: z
    .string()
    .trim()
    .max(2000, { message: 'Guidance must be 2,000 characters or fewer' })
    .optional()
    .default(''),
  required: checkbox,
  isJourneySection: checkbox,
});

export const questionFormSchema = z
  .object({
    text: z
      .string({ message: 'Enter the question' })
      .trim()
      .min(1, { message: 'Enter the question' })
      .max(300, {
        message: 'The question must be 300 characters or fewer',
      }),
    type: z.enum(QUESTION_TYPES, { message: 'Choose the kind of answer' }),
    guidance: z
      .string()
      .trim()
      .max(1000, { message: 'Guidance must be 1,000 characters or fewer' })
      .optional()
      .default(''),
    required: checkbox,
    options: z.string().optional().default(''),
    min: z.string().trim().optional().default(''),
    max: z.string().trim().optional().default(''),
  })
  .superRefine((q, ctx) => {
    const options = q.options
      .split(/\r?\n/)
      .map((o) => o.trim())
      .filter(Boolean);
    if (q.type === 'choice' && options.length < 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['options'],
        message: 'Give at least 2 options, one on each line',
      });
    }
    for (const bound of ['min', 'max'] as const) {
      if (q.type === 'number' && q[bound] && !/^-?\d+$/.test(q[bound])) {
        ctx.addIssue({
          code: 'custom',
          path: [bound],
          message: `The ${bound === 'min' ? 'lowest' : 'highest'} answer must be a whole number`,
        });
      }
    }
    if (
      q.type === 'number' &&
      /^-?\d+$/.test(q.min) &&
      /^-?\d+$/.test(q.max) &&
      Number(q.max) < Number(q.min)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['max'],
        message: 'The highest answer must not be below the lowest',
      });
    }
  });

/** One message per field, the first zod gives. */
function errorsOf(error: z.ZodError) {
  const errors: { field: string; message: string }[] = [];
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form');
    if (!errors.some((e) => e.field === field)) errors.push({ field, message: issue.message });
  }
  return errors;
}

function uniqueKey(base: string, taken: Set<string>): string {
  const root = base || 'item';
  let key = root;
  for (let n = 2; taken.has(key); n++) key = `${root}_${n}`;
  return key;
}

function allQuestionKeys(definition: ToolDefinition): Set<string> {
  return new Set(definition.sections.flatMap((s) => s.questions.map((q) => q.key)));
}

function toQuestion(form: z.output<typeof questionFormSchema>, key: string): Question {
  const question: Question = { key, text: form.text, type: form.type, required: form.required };
  if (form.guidance) question.guidance = form.guidance;
  if (form.type === 'choice')
    question.options = form.options
      .split(/\r?\n/)
      .map((o) => o.trim())
      .filter(Boolean);
  if (form.type === 'number') {
    if (form.min) question.min = Number(form.min);
    if (form.max) question.max = Number(form.max);
  }
  return question;
}

function withSection(
  definition: ToolDefinition,
  sectionKey: string,
  change: (s: ToolSection) => ToolSection,
): ToolDefinition {
  return { ...definition, sections: definition.sections.map((s) => (s.key === sectionKey ? change(s) : s)) };
}

/**
 * Adds a section. A section that is not part of the child's journey must ask something, so its
 * first question comes with it (fields `questionText`, `questionType`, … as on the question form).
 */
export function addSection(definition: ToolDefinition, input: unknown): EditResult {
  const form = sectionFormSchema.safeParse(input);
  const fields = (input ?? {}) as Record<string, unknown>;
  const wantsQuestion =
    !(form.success && form.data.isJourneySection) || Boolean(String(fields.questionText ?? '').trim());
  const question = wantsQuestion
    ? questionFormSchema.safeParse({
        text: fields.questionText,
        type: fields.questionType,
        options: fields.questionOptions,
        required: fields.questionRequired,
      })
    : undefined;
  const errors = [
    ...(form.success ? [] : errorsOf(form.error)),
    ...(question && !question.success
      ? errorsOf(question.error).map((e) => ({
          field: `question${e.field[0].toUpperCase()}${e.field.slice(1)}`,
          message: e.message,
        }))
      : []),
  ];
  if (!form.success || (question && !question.success)) return { ok: false, errors };
  const key = uniqueKey(keyFrom(form.data.title), new Set(definition.sections.map((s) => s.key)));
  const section: ToolSection = {
    key,
    title: form.data.title,
    required: form.data.required,
    isJourneySection: form.data.isJourneySection,
    questions: question?.success
      ? [toQuestion(question.data, uniqueKey(keyFrom(question.data.text), allQuestionKeys(definition)))]
      : [],
  };
  if (form.data.guidance) section.guidance = form.data.guidance;
  return { ok: true, definition: { ...definition, sections: [...definition.sections, section] } };
}

/**
 * Changes a section. `earlierSections` are the keys of sections in earlier versions that the latest
 * no longer has: the section may be marked as the same section as one of them (`sameAs`).
 */
export function updateSection(
  definition: ToolDefinition,
  sectionKey: string,
  input: unknown,
  earlierSections: readonly string[] = [],
): EditResult {
  const form = sectionFormSchema.safeParse(input);
  if (!form.success) return { ok: false, errors: errorsOf(form.error) };
  const sameAs = String((input as Record<string, unknown> | null)?.sameAs ?? '').trim();
  if (sameAs && !earlierSections.includes(sameAs)) {
    return { ok: false, errors: [{ field: 'sameAs', message: 'Choose the earlier section from the list' }] };
  }
  const taken = definition.sections.find((s) => s.key !== sectionKey && s.sameAs === sameAs);
  if (sameAs && taken) {
    return {
      ok: false,
      errors: [{ field: 'sameAs', message: `“${taken.title}” already continues that section` }],
    };
  }
  return {
    ok: true,
    definition: withSection(definition, sectionKey, (s) => {
      const { sameAs: _previous, ...rest } = s;
      return {
        ...rest,
        title: form.data.title,
        guidance: form.data.guidance || undefined,
        required: form.data.required,
        isJourneySection: form.data.isJourneySection,
        ...(sameAs ? { sameAs } : {}),
      };
    }),
  };
}

export function removeSection(definition: ToolDefinition, sectionKey: string): ToolDefinition {
  return { ...definition, sections: definition.sections.filter((s) => s.key !== sectionKey) };
}

/** Moves a section one place up (-1) or down (+1). */
export function moveSection(definition: ToolDefinition, sectionKey: string, by: -1 | 1): ToolDefinition {
  const sections = [...definition.sections];
  const i = sections.findIndex((s) => s.key === sectionKey);
  const j = i + by;
  if (i < 0 || j < 0 || j >= sections.length) return definition;
  [sections[i], sections[j]] = [sections[j], sections[i]];
  return { ...definition, sections };
}

export function addQuestion(definition: ToolDefinition, sectionKey: string, input: unknown): EditResult {
  const form = questionFormSchema.safeParse(input);
  if (!form.success) return { ok: false, errors: errorsOf(form.error) };
  const key = uniqueKey(keyFrom(form.data.text), allQuestionKeys(definition));
  return {
    ok: true,
    definition: withSection(definition, sectionKey, (s) => ({
      ...s,
      questions: [...s.questions, toQuestion(form.data, key)],
    })),
  };
}

export function updateQuestion(
  definition: ToolDefinition,
  sectionKey: string,
  questionKey: string,
  input: unknown,
): EditResult {
  const form = questionFormSchema.safeParse(input);
  if (!form.success) return { ok: false, errors: errorsOf(form.error) };
  return {
    ok: true,
    definition: withSection(definition, sectionKey, (s) => ({
      ...s,
      questions: s.questions.map((q) => (q.key === questionKey ? toQuestion(form.data, q.key) : q)),
    })),
  };
}

export function removeQuestion(
  definition: ToolDefinition,
  sectionKey: string,
  questionKey: string,
): ToolDefinition {
  return withSection(definition, sectionKey, (s) => ({
    ...s,
    questions: s.questions.filter((q) => q.key !== questionKey),
  }));
}

export const detailsFormSchema = z.object({
  name: z
    .string({ message: 'Enter the tool’s name' })
    .trim()
    .min(1, { message: 'Enter the tool’s name' })
    .max(120, {
      message: 'The name must be 120 characters or fewer',
    }),
  description: z
    .string()
    .trim()
    .max(1000, { message: 'The description must be 1,000 characters or fewer' })
    .optional()
    .default(''),
  scaleKey: z.string({ message: 'Choose a grade scale' }).trim().min(1, { message: 'Choose a grade scale' }),
});

export function updateDetails(definition: ToolDefinition, input: unknown): EditResult {
  const form = detailsFormSchema.safeParse(input);
  if (!form.success) return { ok: false, errors: errorsOf(form.error) };
  return {
    ok: true,
    definition: {
      ...definition,
      name: form.data.name,
      description: form.data.description || undefined,
      scaleKey: form.data.scaleKey,
    },
  };
}
