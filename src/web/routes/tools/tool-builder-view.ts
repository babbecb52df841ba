import { ACTIVITY_KIND_LABELS } from '../../../domain/activity-kinds.ts';
import { QUESTION_TYPE_LABELS, QUESTION_TYPES } from '../../../domain/audit-tools.ts';
import type { FieldError } from '../../../domain/validation.ts';
import type {
  ToolSaved,
  toolBuilderPage,
  toolQuestionPage,
  toolSectionPage,
} from '../../../services/programme/tool-pages.ts';

/** What a builder form was sent with, or its errors, to show it again. */
export interface Again {
  errors?: FieldError[];
  values?: object;
}

const questionTypes = QUESTION_TYPES.map((t) => ({ value: t, text: QUESTION_TYPE_LABELS[t] }));

/** The builder's page of a tool; its details form starts from the tool's own. */
export function builderView(page: Awaited<ReturnType<typeof toolBuilderPage>>, extra: Again = {}) {
  const { definition } = page.tool;
  return {
    pageTitle: `Change ${definition.name}`,
    tool: page.tool,
    builtin: page.builtin,
    kindText: ACTIVITY_KIND_LABELS[definition.kind],
    scales: page.scales,
    questionTypes: QUESTION_TYPE_LABELS,
    errors: extra.errors,
    values: extra.values ?? {
      name: definition.name,
      description: definition.description,
      scaleKey: definition.scaleKey,
      required: 'yes',
    },
  };
}

/** A section's page; its form starts from the section as it is. */
export function sectionView(page: Awaited<ReturnType<typeof toolSectionPage>>, extra: Again = {}) {
  const s = page.section;
  return {
    pageTitle: `Change section: ${s.title}`,
    tool: page.tool,
    section: s,
    earlier: page.earlier,
    errors: extra.errors,
    values: extra.values ?? {
      title: s.title,
      guidance: s.guidance,
      required: s.required ? 'yes' : '',
      isJourneySection: s.isJourneySection ? 'yes' : '',
      sameAs: s.sameAs ?? '',
    },
  };
}

/** A question's page: a new question (required by default), or one to change as it is. */
export function questionView(page: Awaited<ReturnType<typeof toolQuestionPage>>, extra: Again = {}) {
  const q = page.question;
  return {
    pageTitle: q ? 'Change a question' : 'Add a question',
    tool: page.tool,
    section: page.section,
    question: q,
    questionTypes,
    errors: extra.errors,
    values:
      extra.values ??
      (q
        ? {
            text: q.text,
            type: q.type,
            guidance: q.guidance,
            required: q.required ? 'yes' : '',
            options: (q.options ?? []).join('\n'),
            min: q.min ?? '',
            max: q.max ?? '',
          }
        : { required: 'yes' }),
  };
}

/** The message after an edit is saved. */
export function savedText(saved: ToolSaved): string {
  return saved.unchanged
    ? 'Nothing has changed'
    : saved.newVersion
      ? `Saved as version ${saved.version}. Version ${saved.version - 1} has been used in audits and stays as it was.`
      : 'Your change has been saved';
}
