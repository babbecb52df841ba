/**
 * The outcome of moderating an audit (domain.md §4): the panel's final grade against the auditor's
 * overall grade, by the grades' order on the tool's scale (1 is the best). The same grade supports
 * the auditor; a better one upgrades the audit, a worse one downgrades it.
 */
import { type GradeScale, gradeByKey } from './grade-scales.ts';

export const MODERATION_OUTCOMES = ['supported', 'upgraded', 'downgraded'] as const;
export type ModerationOutcomeKey = (typeof MODERATION_OUTCOMES)[number];

export const OUTCOME_LABELS: Record<ModerationOutcomeKey, string> = {
  supported: 'Supported',
  upgraded: 'Upgraded',
  downgraded: 'Downgraded',
};

/** Throws when either grade is not on the scale. */
export function moderationOutcome(
  scale: GradeScale,
  auditorGrade: string,
  finalGrade: string,
): ModerationOutcomeKey {
  const auditor = gradeByKey(scale, auditorGrade);
  const final = gradeByKey(scale, finalGrade);
  if (!auditor) throw new Error(`"${auditorGrade}" is not a grade on the ${scale.name} scale`);
  if (!final) throw new Error(`"${finalGrade}" is not a grade on the ${scale.name} scale`);
  if (final.order === auditor.order) return 'supported';
  return final.order < auditor.order ? 'upgraded' : 'downgraded';
}
