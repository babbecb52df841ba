/**
 * What a set of returned audits answered, question by question and grade by grade: the counts a
 * findings report, a recurring review's report and the annual report's dip-sample table are all
 * made from. A question is known across versions of its tool by its section's lineage and its own
 * key (`questionLineage`), so a later version that keeps a question's key counts with the earlier.
 */
import {
  type AnswerSet,
  type QuestionType,
  sectionLineage,
  type ToolDefinition,
  YES_NO_PARTLY_NA,
} from './audit-tools.ts';
import { type GradeScale, gradeByKey } from './grade-scales.ts';

/** The answers one audit gave, with the version of the tool it answered. */
export interface AnsweredAudit {
  definition: ToolDefinition;
  answers: AnswerSet | null;
  overallGrade?: string | null;
}

export interface NumberSummary {
  n: number;
  mean: number;
  median: number;
  min: number;
  max: number;
}

export interface QuestionTally {
  /** `${sectionLineage}/${questionKey}`: the same question in every version that keeps its key */
  lineage: string;
  sectionTitle: string;
  questionKey: string;
  text: string;
  type: QuestionType;
  /** the answers a yes/no or choice question may have, in the order they are shown */
  options: string[];
  /** audits whose tool asked the question */
  asked: number;
  /** audits that gave any answer ("not applicable" included) */
  answered: number;
  /** by answer: yes/no/partly/na, or a choice question's option */
  counts: Record<string, number>;
  /** number questions: the answers summarised (null when none) */
  numbers: NumberSummary | null;
}

export function questionLineage(section: { key: string; sameAs?: string }, questionKey: string): string {
  return `${sectionLineage(section)}/${questionKey}`;
}

function summariseNumbers(values: number[]): NumberSummary | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return {
    n: sorted.length,
    mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
    median,
    min: sorted[0],
    max: sorted[sorted.length - 1],
  };
}

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/**
 * Each question's answers across the audits, in the order the newest version of the tool asks
 * them (questions only earlier versions asked follow). Free text is counted as answered, never
 * quoted: what a practitioner wrote about a child stays in the audit.
 */
export function tallyAnswers(audits: readonly AnsweredAudit[]): QuestionTally[] {
  const byLineage = new Map<string, QuestionTally & { values: number[]; order: number }>();
  let order = 0;
  // newest definitions first decide the wording and the order
  const ordered = [...audits].reverse();
  for (const audit of ordered) {
    for (const section of audit.definition.sections ?? []) {
      for (const q of section.questions) {
        const lineage = questionLineage(section, q.key);
        let tally = byLineage.get(lineage);
        if (!tally) {
          tally = {
            lineage,
            sectionTitle: section.title,
            questionKey: q.key,
            text: q.text,
            type: q.type,
            options:
              q.type === 'yes_no_partly_na'
                ? [...YES_NO_PARTLY_NA]
                : q.type === 'choice'
                  ? [...(q.options ?? [])]
                  : [],
            asked: 0,
            answered: 0,
            counts: {},
            numbers: null,
            values: [],
            order: order++,
          };
          byLineage.set(lineage, tally);
        } else if (q.type === 'choice') {
          for (const o of q.options ?? []) if (!tally.options.includes(o)) tally.options.push(o);
        }
        tally.asked++;
        const value = audit.answers?.[section.key]?.answers?.[q.key];
        if (blank(value)) continue;
        tally.answered++;
        if (q.type === 'yes_no_partly_na' || q.type === 'choice') {
          const key = String(value);
          tally.counts[key] = (tally.counts[key] ?? 0) + 1;
        } else if (q.type === 'number') {
          const n = typeof value === 'number' ? value : Number(value);
          if (Number.isFinite(n)) tally.values.push(n);
        }
      }
    }
  }
  return [...byLineage.values()]
    .sort((a, b) => a.order - b.order)
    .map(({ values, order: _order, ...t }) => ({ ...t, numbers: summariseNumbers(values) }));
}

/** Of a yes/no question: answered yes (or yes or partly), of those answered yes, no or partly. */
export function yesOfAnswered(t: QuestionTally, counting: 'yes' | 'yes_or_partly' = 'yes') {
  const yes = t.counts.yes ?? 0;
  const partly = t.counts.partly ?? 0;
  const no = t.counts.no ?? 0;
  return { count: counting === 'yes' ? yes : yes + partly, total: yes + no + partly };
}

export interface GradeTally {
  /** the section's lineage, or 'overall' */
  lineage: string;
  title: string;
  /** by grade key, in the scale's order */
  counts: Record<string, number>;
  graded: number;
  goodOrBetter: number;
}

/**
 * Each graded section's grades and the overall grade, on the tool's scale: only for tools that
 * grade (a journey section, or an overall grade given).
 */
export function tallyGrades(audits: readonly AnsweredAudit[], scale: GradeScale): GradeTally[] {
  const out = new Map<string, GradeTally & { order: number }>();
  let order = 0;
  const add = (lineage: string, title: string, grade: string | null | undefined) => {
    let t = out.get(lineage);
    if (!t) {
      t = {
        lineage,
        title,
        counts: {},
        graded: 0,
        goodOrBetter: 0,
        order: lineage === 'overall' ? 1e9 : order++,
      };
      out.set(lineage, t);
    }
    if (blank(grade)) return;
    const g = gradeByKey(scale, String(grade));
    if (!g) return;
    t.graded++;
    t.counts[g.key] = (t.counts[g.key] ?? 0) + 1;
    if (g.goodOrBetter) t.goodOrBetter++;
  };
  for (const audit of [...audits].reverse()) {
    for (const section of audit.definition.sections ?? []) {
      if (!section.isJourneySection) continue;
      add(sectionLineage(section), section.title, audit.answers?.[section.key]?.grade);
    }
  }
  for (const audit of audits) if (audit.overallGrade) add('overall', 'Overall grade', audit.overallGrade);
  return [...out.values()]
    .filter((t) => t.graded > 0)
    .sort((a, b) => a.order - b.order)
    .map(({ order: _order, ...t }) => t);
}
