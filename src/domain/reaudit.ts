/**
 * Re-audits (domain.md §4): an audit graded at the bottom of its tool's scale is audited again some
 * months later, to check the actions were done and the child is getting the right help. A council
 * can choose to re-audit the grade above it too ("requires improvement" on the four-point scale).
 *
 * Which grades count is decided by their order on the scale, never by their keys, so a council's
 * own scale works the same way as the built-in ones.
 */
import { addMonths, type IsoDate } from './dates.ts';
import { type Grade, type GradeScale, gradeByKey } from './grade-scales.ts';

export interface ReauditSettings {
  /** how many months after the audit's cycle the re-audit is due (1 to 12) */
  reauditMonths: number;
  /** whether the second lowest grade (requires improvement) is re-audited too */
  reauditRequiresImprovement: boolean;
}

export const DEFAULT_REAUDIT_SETTINGS: ReauditSettings = {
  reauditMonths: 3,
  reauditRequiresImprovement: false,
};

export const MIN_REAUDIT_MONTHS = 1;
export const MAX_REAUDIT_MONTHS = 12;

/** The scale's grades, worst first. */
function worstFirst(scale: GradeScale): Grade[] {
  return [...scale.grades].sort((a, b) => b.order - a.order);
}

/**
 * The grades on this scale that call for a re-audit: always the lowest; the second lowest too when
 * the setting is on, as long as it does not count as good or better (on the three-point scale the
 * second lowest grade is "met good", so the setting changes nothing there).
 */
export function reauditGrades(
  scale: GradeScale,
  settings: Pick<ReauditSettings, 'reauditRequiresImprovement'>,
): Grade[] {
  const [lowest, secondLowest] = worstFirst(scale);
  if (!lowest) return [];
  const grades = [lowest];
  if (settings.reauditRequiresImprovement && secondLowest && !secondLowest.goodOrBetter) {
    grades.push(secondLowest);
  }
  return grades;
}

/** Whether an audit with this overall grade is to be audited again. No grade: no re-audit. */
export function needsReaudit(
  overallGrade: string | null | undefined,
  scale: GradeScale,
  settings: Pick<ReauditSettings, 'reauditRequiresImprovement'>,
): boolean {
  if (!overallGrade) return false;
  const grade = gradeByKey(scale, overallGrade);
  if (!grade) return false;
  return reauditGrades(scale, settings).some((g) => g.key === grade.key);
}

/** The first day of the month a re-audit is due: the audit's cycle month plus the months set. */
export function reauditDueMonth(cycleMonth: IsoDate, months: number): IsoDate {
  return addMonths(`${cycleMonth.slice(0, 7)}-01`, months);
}
