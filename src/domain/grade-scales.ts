/**
 * Grade scales (domain.md §5). A scale belongs to an audit tool. Every grade has an order (1 is the
 * best) and says whether it counts as "good or better", so figures can be compared across scales
 * and years. Two scales are built in; a QA lead can define others, checked by `gradeScaleSchema`.
 */
import { z } from 'zod';

export interface Grade {
  /** stable key, lower case with underscores, e.g. 'requires_improvement' */
  key: string;
  label: string;
  /** 1 is the best grade */
  order: number;
  goodOrBetter: boolean;
  /** what the grade means, shown to auditors */
  descriptor: string;
}

export interface GradeScale {
  key: string;
  name: string;
  /** best first */
  grades: Grade[];
}

export const FOUR_POINT: GradeScale = {
  key: 'four_point',
  name: 'Four-point (Ofsted language)',
  grades: [
    {
      key: 'outstanding',
      label: 'Outstanding',
      order: 1,
      goodOrBetter: true,
      descriptor:
        'Impact and compliance are at least good throughout. The child’s lived experience is understood and ' +
        'analysed, and that understanding drives the help they get towards the best outcome for them. ' +
        'Minor learning points may remain.',
    },
    {
      key: 'good',
      label: 'Good',
      order: 2,
      goodOrBetter: true,
      descriptor:
        'Good practice and its impact for the child are evident in planning, direct work, decisions and ' +
        'recording. Little learning is needed.',
    },
    {
      key: 'requires_improvement',
      label: 'Requires improvement',
      order: 3,
      goodOrBetter: false,
      descriptor:
        'Basic safeguarding responsibilities are met and the child is safe, but practice is not yet good: ' +
        'the actions set out what must improve for the child.',
    },
    {
      key: 'inadequate',
      label: 'Inadequate',
      order: 4,
      goodOrBetter: false,
      descriptor:
        'Significant improvement is needed to make sure the child is safe. If the child may be unsafe now, ' +
        'escalate straight away rather than waiting to submit the audit.',
    },
  ],
};

export const THREE_POINT: GradeScale = {
  key: 'three_point',
  name: 'Three-point',
  grades: [
    {
      key: 'exceeded_good',
      label: 'Exceeded good',
      order: 1,
      goodOrBetter: true,
      descriptor:
        'Practice goes beyond good: the child’s lived experience is understood and analysed, and the help ' +
        'they receive is making a clear, recorded difference to their safety and wellbeing.',
    },
    {
      key: 'met_good',
      label: 'Met good',
      order: 2,
      goodOrBetter: true,
      descriptor:
        'Practice meets the council’s standard of good: planning, direct work, decisions and recording are ' +
        'sound and their impact for the child is evident. Little learning is needed.',
    },
    {
      key: 'did_not_meet_good',
      label: 'Did not meet good',
      order: 3,
      goodOrBetter: false,
      descriptor:
        'Practice falls short of good and the actions must say what needs to change for the child. If the ' +
        'child may be unsafe now, escalate straight away.',
    },
  ],
};

/** The scales every council has from day one. */
export const BUILTIN_SCALES: readonly GradeScale[] = [FOUR_POINT, THREE_POINT];

export function builtinScale(key: string): GradeScale | undefined {
  return BUILTIN_SCALES.find((s) => s.key === normaliseGradeKey(key));
}

/**
 * A key from free text, ignoring case, spaces, underscores and punctuation:
 * 'Requires Improvement', 'requires-improvement' and ' REQUIRES_IMPROVEMENT ' all give 'requires_improvement'.
 */
export function normaliseGradeKey(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** The grade with this key (matched as `normaliseGradeKey` does), or undefined. */
export function gradeByKey(scale: GradeScale, key: string): Grade | undefined {
  const wanted = normaliseGradeKey(key);
  return scale.grades.find((g) => g.key === wanted);
}

/** Whether the grade counts as good or better. Throws for a key that is not on the scale. */
export function isGoodOrBetter(scale: GradeScale, key: string): boolean {
  const grade = gradeByKey(scale, key);
  if (!grade) throw new Error(`"${key}" is not a grade on the ${scale.name} scale`);
  return grade.goodOrBetter;
}

export const MIN_GRADES = 2;
export const MAX_GRADES = 7;

const gradeInputSchema = z.object({
  key: z.string().trim().optional(),
  label: z
    .string({ message: 'Enter a label for each grade' })
    .trim()
    .min(1, { message: 'Enter a label for each grade' })
    .max(60, { message: 'Grade labels must be 60 characters or fewer' }),
  order: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v),
    z
      .number({ message: 'Give each grade an order: 1 for the best grade' })
      .int({ message: 'Give each grade an order as a whole number: 1 for the best grade' })
      .min(1, { message: 'Give each grade an order as a whole number: 1 for the best grade' }),
  ),
  goodOrBetter: z.boolean({ message: 'Say whether each grade counts as good or better' }),
  descriptor: z
    .string()
    .trim()
    .max(1000, { message: 'Grade descriptions must be 1000 characters or fewer' })
    .optional(),
});

/** A custom grade scale as a QA lead enters it: keys may be left out and are made from the names. */
export type GradeScaleInput = z.input<typeof gradeScaleSchema>;

/**
 * Checks a custom grade scale and gives it in canonical form: keys filled in (from the labels where
 * absent), descriptors defaulted to '', grades sorted best first.
 */
export const gradeScaleSchema = z
  .object({
    key: z.string().trim().optional(),
    name: z
      .string({ message: 'Enter a name for the grade scale' })
      .trim()
      .min(1, { message: 'Enter a name for the grade scale' })
      .max(100, { message: 'Grade scale name must be 100 characters or fewer' }),
    grades: z
      .array(gradeInputSchema, { message: `A grade scale needs at least ${MIN_GRADES} grades` })
      .min(MIN_GRADES, { message: `A grade scale needs at least ${MIN_GRADES} grades` })
      .max(MAX_GRADES, { message: `A grade scale can have at most ${MAX_GRADES} grades` }),
  })
  .superRefine((scale, ctx) => {
    if (scale.name && !normaliseGradeKey(scale.key || scale.name)) {
      ctx.addIssue({
        code: 'custom',
        path: [scale.key ? 'key' : 'name'],
        message: 'The grade scale name needs at least one letter or number',
      });
    }
    const { grades } = scale;
    if (grades.length < MIN_GRADES || grades.length > MAX_GRADES) return;

    const labelsSeen = new Map<string, string>();
    const keysSeen = new Map<string, string>();
    grades.forEach((g, i) => {
      if (!g.label) return;
      const folded = g.label.toLowerCase();
      if (labelsSeen.has(folded)) {
        ctx.addIssue({
          code: 'custom',
          path: ['grades', i, 'label'],
          message: `Each grade needs a different label: "${g.label}" is used more than once`,
        });
        return;
      }
      labelsSeen.set(folded, g.label);
      const key = normaliseGradeKey(g.key || g.label);
      if (!key) {
        ctx.addIssue({
          code: 'custom',
          path: ['grades', i, g.key ? 'key' : 'label'],
          message: `Grade "${g.label}" needs a label with at least one letter or number`,
        });
        return;
      }
      const clash = keysSeen.get(key);
      if (clash !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['grades', i, g.key ? 'key' : 'label'],
          message: `Grades "${clash}" and "${g.label}" are too alike to tell apart: word them differently`,
        });
        return;
      }
      keysSeen.set(key, g.label);
    });

    // an order that is not a whole number from 1 already has its own message
    if (!grades.every((g) => Number.isInteger(g.order) && g.order >= 1)) return;
    const orders = grades.map((g) => g.order).sort((a, b) => a - b);
    if (!orders.every((o, i) => o === i + 1)) {
      ctx.addIssue({
        code: 'custom',
        path: ['grades'],
        message: `Number the grades 1 to ${grades.length}, best first, using each number once`,
      });
      return;
    }

    const good = grades.filter((g) => g.goodOrBetter);
    const notGood = grades.filter((g) => !g.goodOrBetter);
    if (good.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['grades'],
        message: 'A grade scale needs at least one grade that counts as good or better',
      });
      return;
    }
    if (notGood.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['grades'],
        message: 'A grade scale needs at least one grade that does not count as good or better',
      });
      return;
    }
    const worstGood = Math.max(...good.map((g) => g.order));
    const bestNotGood = Math.min(...notGood.map((g) => g.order));
    if (worstGood > bestNotGood) {
      ctx.addIssue({
        code: 'custom',
        path: ['grades'],
        message: 'Grades that count as good or better must all rank above the grades that do not',
      });
    }
  })
  .transform(
    (scale): GradeScale => ({
      key: normaliseGradeKey(scale.key || scale.name),
      name: scale.name,
      grades: scale.grades
        .map((g) => ({
          key: normaliseGradeKey(g.key || g.label),
          label: g.label,
          order: g.order,
          goodOrBetter: g.goodOrBetter,
          descriptor: g.descriptor ?? '',
        }))
        .sort((a, b) => a.order - b.order),
    }),
  );
