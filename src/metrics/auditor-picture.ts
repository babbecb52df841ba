/**
 * One auditor's own picture (issue 20), for a range of months: how the moderation panel decided their
 * audits (with each decided audit, its grades and the panel's reason), their agreement with the
 * moderators' blind grades by quarter beside the council's, practitioners' feedback scores on their
 * audits, their returns on time, and the language suggestions in their write-ups per 1,000 words by
 * month. Counted from the stored audits on each request.
 *
 * - Moderation: the consistency figures of src/metrics/moderation-figures.ts for this auditor (audits
 *   by their cycle month, the imported history included), and the same for the whole council beside.
 * - Feedback: the case holders' answers (practitioner_feedback) on this auditor's audits of the months.
 * - Returns on time: this auditor's audits due in the months (exempted and unallocated aside):
 *   submitted on or before the due date (London time) on time, after it late, not yet submitted
 *   overdue once past the date (by `today`) and otherwise not yet due.
 * - Language: audits submitted in each month (London time) with their words counted on submission
 *   (audits.language_words, language_suggestions; src/metrics/language.ts); those not counted are
 *   left out and counted.
 *
 * Which figures are shown as rates and which in words is decided in src/domain/auditor-picture.ts.
 */
import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import type { ModerationOutcome } from '../data/schema.ts';
import {
  type OnTimeCounts,
  onTimeShare,
  perThousandWords,
  type ScoreSummary,
  scoreSummary,
} from '../domain/auditor-picture.ts';
import { addMonths, type IsoDate, monthName } from '../domain/dates.ts';
import { IMPACT_MAX, IMPACT_MIN } from '../domain/family-feedback.ts';
import { BUILTIN_SCALES, type Grade } from '../domain/grade-scales.ts';
import type { MonthRange } from '../domain/month-range.ts';
import { type Proportion, proportion } from '../domain/statistics.ts';
import { NotFoundError } from '../domain/validation.ts';
import { languageByMonthForAuditor } from './language.ts';
import { moderationFigures } from './moderation-figures.ts';

export interface ModeratedAudit {
  auditId: string;
  childId: string;
  childReference: string;
  /** the audit's cycle month, first day */
  month: IsoDate;
  monthName: string;
  toolName: string | null;
  auditorGrade: string | null;
  moderatorGrade: string | null;
  finalGrade: string | null;
  outcome: ModerationOutcome | null;
  panelReason: string | null;
  decidedAt: Date | null;
}

export interface QuarterPicture {
  quarter: IsoDate;
  name: string;
  moderated: number;
  /** the moderator's blind grade the same as the auditor's */
  sameGrade: Proportion;
  councilSameGrade: Proportion;
}

export interface LanguageMonth {
  month: IsoDate;
  name: string;
  /** audits submitted that month with their words counted */
  audits: number;
  words: number;
  suggestions: number;
  /** per 1,000 words, one decimal place; null when too few words (MIN_WORDS_FOR_RATE) */
  perThousand: number | null;
}

export interface AuditorPicture {
  auditor: { staffId: string; name: string };
  range: MonthRange;
  moderation: {
    returned: number;
    moderated: number;
    supported: number;
    upgraded: number;
    downgraded: number;
    sameGrade: Proportion;
    councilSameGrade: Proportion;
    councilModerated: number;
    byQuarter: QuarterPicture[];
    audits: ModeratedAudit[];
    /** some figures come from the imported history (no audit to list) */
    fromHistory: boolean;
  };
  feedback: ScoreSummary & {
    /** how many gave each score, lowest score first */
    distribution: { score: number; count: number }[];
    council: ScoreSummary;
    min: number;
    max: number;
  };
  returns: OnTimeCounts & { due: number; onTimeShare: Proportion };
  language: {
    months: LanguageMonth[];
    total: { audits: number; words: number; suggestions: number; perThousand: number | null };
    /** audits submitted in the months whose words were not counted */
    notCounted: number;
  };
}

function checkRange(range: MonthRange) {
  const first = /^\d{4}-\d{2}-01$/;
  if (!first.test(range.from) || !first.test(range.to)) {
    throw new RangeError('A range of months runs from one first of the month to another');
  }
  if (range.from > range.to) throw new RangeError('A range of months must not end before it starts');
}

/** The label of each grade key on the council's scales (the built-in scales' as a fallback). */
async function gradeLabels(db: Db, councilId: string): Promise<Map<string, string>> {
  const labels = new Map<string, string>();
  for (const s of BUILTIN_SCALES) for (const g of s.grades) labels.set(g.key, g.label);
  const rows = await db
    .selectFrom('grade_scales')
    .select('grades')
    .where('council_id', '=', councilId)
    .execute();
  for (const r of rows) for (const g of (r.grades ?? []) as Grade[]) labels.set(g.key, g.label);
  return labels;
}

const label = (labels: Map<string, string>, key: string | null) =>
  key === null ? null : (labels.get(key) ?? key.charAt(0).toUpperCase() + key.slice(1).replace(/_/g, ' '));

/** The decided moderations of the auditor's audits of the months, latest first. */
async function moderatedAudits(
  db: Db,
  councilId: string,
  staffId: string,
  range: MonthRange,
): Promise<ModeratedAudit[]> {
  const labels = await gradeLabels(db, councilId);
  const rows = await db
    .selectFrom('moderations as m')
    .innerJoin('audits as a', 'a.id', 'm.audit_id')
    .innerJoin('programme_months as pm', 'pm.id', 'a.month_id')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .leftJoin('audit_tools as t', 't.id', 'a.tool_id')
    .where('m.council_id', '=', councilId)
    .where('a.council_id', '=', councilId)
    .where('m.status', '=', 'decided')
    .where('a.auditor_id', '=', staffId)
    .where('a.status', '=', 'submitted')
    .where('pm.month', '>=', range.from)
    .where('pm.month', '<=', range.to)
    .select([
      'a.id as audit_id',
      'c.id as child_id',
      'c.external_id',
      'pm.month',
      't.name as tool_name',
      'a.overall_grade',
      'm.overall_grade as moderator_grade',
      'm.final_grade',
      'm.outcome',
      'm.panel_reason',
      'm.decided_at',
    ])
    .orderBy('pm.month', 'desc')
    .orderBy('m.decided_at', 'desc')
    .orderBy('c.external_id')
    .execute();
  return rows.map((r) => {
    const month = String(r.month).slice(0, 10);
    return {
      auditId: r.audit_id,
      childId: r.child_id,
      childReference: r.external_id,
      month,
      monthName: monthName(month),
      toolName: r.tool_name,
      auditorGrade: label(labels, r.overall_grade),
      moderatorGrade: label(labels, r.moderator_grade),
      finalGrade: label(labels, r.final_grade),
      outcome: r.outcome,
      panelReason: r.panel_reason,
      decidedAt: r.decided_at,
    };
  });
}

async function feedbackScores(
  db: Db,
  councilId: string,
  range: MonthRange,
  staffId: string | null,
): Promise<number[]> {
  const rows = await db
    .selectFrom('practitioner_feedback as pf')
    .innerJoin('audits as a', 'a.id', 'pf.audit_id')
    .innerJoin('programme_months as pm', 'pm.id', 'a.month_id')
    .where('pf.council_id', '=', councilId)
    .where('a.council_id', '=', councilId)
    .where('pm.month', '>=', range.from)
    .where('pm.month', '<=', range.to)
    .$if(staffId !== null, (q) => q.where('a.auditor_id', '=', staffId as string))
    .select('pf.impact')
    .execute();
  return rows.map((r) => Number(r.impact));
}

async function returnsOnTime(
  db: Db,
  councilId: string,
  staffId: string,
  range: MonthRange,
  today: IsoDate,
): Promise<OnTimeCounts & { due: number }> {
  const end = addMonths(range.to, 1);
  const { rows } = await sql<{ on_time: number; late: number; overdue: number; not_yet_due: number }>`
    select
      (count(*) filter (where a.status = 'submitted'
        and (a.submitted_at at time zone 'Europe/London')::date <= a.due_on))::int as on_time,
      (count(*) filter (where a.status = 'submitted'
        and (a.submitted_at at time zone 'Europe/London')::date > a.due_on))::int as late,
      (count(*) filter (where a.status in ('allocated', 'in_progress') and a.due_on < ${today}::date))::int
        as overdue,
      (count(*) filter (where a.status in ('allocated', 'in_progress') and a.due_on >= ${today}::date))::int
        as not_yet_due
    from audits a
    where a.council_id = ${councilId} and a.auditor_id = ${staffId}
      and a.due_on >= ${range.from}::date and a.due_on < ${end}::date
      and a.status not in ('exempted', 'unallocated')`.execute(db);
  const r = rows[0] ?? { on_time: 0, late: 0, overdue: 0, not_yet_due: 0 };
  const counts = { onTime: r.on_time, late: r.late, overdue: r.overdue, notYetDue: r.not_yet_due };
  return { ...counts, due: counts.onTime + counts.late + counts.overdue + counts.notYetDue };
}

/**
 * Suggestions per 1,000 words in the auditor's submitted audits, by the month submitted (London
 * time), with the audits whose words were not counted: src/metrics/language.ts's figures, each
 * month's rate given only from MIN_WORDS_FOR_RATE words.
 */
async function languageByMonth(
  db: Db,
  councilId: string,
  staffId: string,
  range: MonthRange,
): Promise<AuditorPicture['language']> {
  const figures = await languageByMonthForAuditor(db, councilId, staffId, range.from, range.to);
  const months = figures.months.map((m): LanguageMonth => {
    const month = `${m.month}-01`;
    return {
      month,
      name: monthName(month),
      audits: m.audits,
      words: m.words,
      suggestions: m.suggestions,
      perThousand: perThousandWords(m.suggestions, m.words),
    };
  });
  const { audits, words, suggestions } = figures.total;
  return {
    months,
    total: { audits, words, suggestions, perThousand: perThousandWords(suggestions, words) },
    notCounted: figures.uncounted,
  };
}

/** The picture of one auditor of the council; NotFoundError when they are not the council's staff. */
export async function auditorPicture(
  db: Db,
  councilId: string,
  staffId: string,
  range: MonthRange,
  today: IsoDate,
): Promise<AuditorPicture> {
  checkRange(range);
  const staff = await db
    .selectFrom('staff')
    .select(['id', 'name'])
    .where('council_id', '=', councilId)
    .where('id', '=', staffId)
    .executeTakeFirst();
  if (!staff) throw new NotFoundError('auditor');
  const [own, council, audits, scores, councilScores, returns, language] = await Promise.all([
    moderationFigures(db, councilId, range, { auditorId: staffId }),
    moderationFigures(db, councilId, range),
    moderatedAudits(db, councilId, staffId, range),
    feedbackScores(db, councilId, range, staffId),
    feedbackScores(db, councilId, range, null),
    returnsOnTime(db, councilId, staffId, range, today),
    languageByMonth(db, councilId, staffId, range),
  ]);
  const councilTrend = new Map(council.trend.map((q) => [q.quarter, q]));
  const distribution: { score: number; count: number }[] = [];
  for (let score = IMPACT_MIN; score <= IMPACT_MAX; score++) {
    distribution.push({ score, count: scores.filter((s) => s === score).length });
  }
  return {
    auditor: { staffId: staff.id, name: staff.name },
    range,
    moderation: {
      returned: own.total.returned,
      moderated: own.total.moderated,
      supported: own.total.supported,
      upgraded: own.total.upgraded,
      downgraded: own.total.downgraded,
      sameGrade: own.total.agreement.sameGrade,
      councilSameGrade: council.total.agreement.sameGrade,
      councilModerated: council.total.moderated,
      byQuarter: own.trend.map((q) => ({
        quarter: q.quarter,
        name: q.name,
        moderated: q.moderated,
        sameGrade: q.sameGrade,
        councilSameGrade: councilTrend.get(q.quarter)?.sameGrade ?? proportion(0, 0),
      })),
      audits,
      fromHistory: own.sources.includes('history'),
    },
    feedback: {
      ...scoreSummary(scores),
      distribution,
      council: scoreSummary(councilScores),
      min: IMPACT_MIN,
      max: IMPACT_MAX,
    },
    returns: { ...returns, onTimeShare: onTimeShare(returns) },
    language,
  };
}
