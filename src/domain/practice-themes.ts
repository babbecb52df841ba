/**
 * Practice themes (domain.md §10). Findings are tagged with themes so they can be counted and
 * connected to learning. Every council starts with the default taxonomy; a QA lead may add themes
 * or edit them, checked by `validateTheme`.
 */
import { z } from 'zod';
import { normaliseGradeKey } from './grade-scales.ts';

export interface PracticeTheme {
  /** stable key, lower case with underscores */
  key: string;
  name: string;
  /** one sentence saying what the theme covers */
  description: string;
}

export const DEFAULT_PRACTICE_THEMES: readonly PracticeTheme[] = [
  {
    key: 'management_oversight',
    name: 'Management oversight',
    description:
      'Managers’ recorded decisions and direction on the child’s case, made at the right points and followed up.',
  },
  {
    key: 'reflective_supervision',
    name: 'Reflective supervision',
    description:
      'Supervision that helps the worker think about the child’s experience, risk and their own practice, not just tasks.',
  },
  {
    key: 'smart_planning',
    name: 'SMART planning',
    description:
      'Plans with actions that are specific, measurable, achievable, relevant and time-bound, so everyone knows who does what by when.',
  },
  {
    key: 'contingency_and_safety_plans',
    name: 'Contingency and safety plans',
    description:
      'Clear plans for what happens if things go wrong or risk increases, known to the family and the network.',
  },
  {
    key: 'analysis_in_assessments',
    name: 'Analysis in assessments',
    description:
      'Assessments that weigh history, risk and strengths to explain what life is like for the child and why, not just describe it.',
  },
  {
    key: 'chronologies',
    name: 'Chronologies',
    description:
      'An up-to-date chronology of significant events that shows patterns and history at a glance.',
  },
  {
    key: 'case_summaries',
    name: 'Case summaries',
    description:
      'A current summary on the file that tells a new reader who the child is, why we are involved and what the plan is.',
  },
  {
    key: 'voice_of_the_child',
    name: 'Voice of the child',
    description:
      'The child’s wishes, feelings and lived experience are sought, recorded in their own words and shape decisions.',
  },
  {
    key: 'direct_work',
    name: 'Direct work',
    description:
      'Purposeful, recorded work with the child, suited to their age and understanding, that helps them and informs the plan.',
  },
  {
    key: 'life_story_work',
    name: 'Life story work',
    description:
      'Helping children in care and adopted children understand their history and why decisions were made about them.',
  },
  {
    key: 'father_significant_male_involvement',
    name: 'Father / significant male involvement',
    description:
      'Fathers and significant males are identified, assessed, involved in plans and held to account where they pose risk.',
  },
  {
    key: 'domestic_abuse',
    name: 'Domestic abuse',
    description:
      'Recognising domestic abuse and its impact on the child, with safety planning and work with both victim and perpetrator.',
  },
  {
    key: 'neglect',
    name: 'Neglect',
    description:
      'Recognising the cumulative harm of neglect, using evidence-based tools and acting before drift sets in.',
  },
  {
    key: 'exploitation_and_contextual_safeguarding',
    name: 'Exploitation and contextual safeguarding',
    description:
      'Responding to risks outside the home, such as criminal and sexual exploitation, peers, places and online harm.',
  },
  {
    key: 'identity_and_culture',
    name: 'Identity and culture',
    description:
      'Understanding and respecting the child’s ethnicity, culture, religion, language, disability, sexuality and gender identity.',
  },
  {
    key: 'multi_agency_working',
    name: 'Multi-agency working',
    description:
      'Partners share information, attend meetings and carry out their parts of the plan, with challenge where they do not.',
  },
  {
    key: 'thresholds',
    name: 'Thresholds',
    description:
      'Decisions about the level of help and intervention that match the child’s needs and the council’s threshold guidance.',
  },
  {
    key: 'drift_and_delay',
    name: 'Drift and delay',
    description:
      'Plans, assessments or decisions that stall or slip so the child waits too long for help or permanence.',
  },
  {
    key: 'visits_seen_and_seen_alone',
    name: 'Visits (seen and seen alone)',
    description:
      'Visits happen within the timescale the child’s plan requires, and the child is seen and, where right, seen alone.',
  },
  {
    key: 'recording_and_language',
    name: 'Recording and language',
    description:
      'Records that are timely, clear and written in language that respects the child and family, as if they will read it.',
  },
];

export const MAX_THEME_NAME = 80;
export const MAX_THEME_DESCRIPTION = 300;

function foldName(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * The schema for a theme a QA lead adds or edits. `existingNames` are the names of the council's
 * other themes: leave out the one being edited, so keeping its name (or recasing it) is allowed.
 */
export function themeSchema(existingNames: readonly string[]) {
  return z
    .object({
      name: z
        .string({ message: 'Enter a name for the practice theme' })
        .trim()
        .min(1, { message: 'Enter a name for the practice theme' })
        .max(MAX_THEME_NAME, { message: `Practice theme name must be ${MAX_THEME_NAME} characters or fewer` })
        .transform((n) => n.replace(/\s+/g, ' '))
        .superRefine((name, ctx) => {
          const clash = existingNames.find((e) => foldName(e) === foldName(name));
          if (clash !== undefined) {
            ctx.addIssue({
              code: 'custom',
              message: `There is already a practice theme called "${clash.trim()}"`,
            });
          } else if (!normaliseGradeKey(name)) {
            ctx.addIssue({
              code: 'custom',
              message: 'The practice theme name needs at least one letter or number',
            });
          }
        }),
      description: z
        .string({ message: 'The description must be text' })
        .trim()
        .max(MAX_THEME_DESCRIPTION, {
          message: `Description must be ${MAX_THEME_DESCRIPTION} characters or fewer`,
        })
        .optional()
        .transform((d) => d ?? ''),
    })
    .transform(
      (t): PracticeTheme => ({ key: normaliseGradeKey(t.name), name: t.name, description: t.description }),
    );
}

export type ThemeInput = z.input<ReturnType<typeof themeSchema>>;

export interface ThemeError {
  field: 'name' | 'description';
  message: string;
}

/**
 * Checks a theme a QA lead adds or edits, giving the theme (with a key made from its name) or one
 * message per field. `existingNames`: the other themes' names (leave out the one being edited).
 */
export function validateTheme(
  input: unknown,
  existingNames: readonly string[],
): { ok: true; value: PracticeTheme } | { ok: false; errors: ThemeError[] } {
  const result = themeSchema(existingNames).safeParse(input ?? {});
  if (result.success) return { ok: true, value: result.data };
  const errors: ThemeError[] = [];
  for (const issue of result.error.issues) {
    const field = issue.path[0] === 'description' ? 'description' : 'name';
    if (!errors.some((e) => e.field === field)) errors.push({ field, message: issue.message });
  }
  return { ok: false, errors };
}
