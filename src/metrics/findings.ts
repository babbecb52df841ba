/**
 * The figures of one sample's findings (issue 23): the cohort it was drawn from and how, what came
 * back, each question's answers and the grades given, and the practice themes found. Counted from
 * the sample's submitted audits as they stand; a findings report, its comparison with an earlier
 * round and a recurring review's rounds are all made from these.
 */
import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import { jsonColumn as parse } from '../data/json-column.ts';
import type { SampleStratum, StratifyBy } from '../data/schema.ts';
import type { ActivityKind } from '../domain/activity-kinds.ts';
import {
  type AnsweredAudit,
  type GradeTally,
  type QuestionTally,
  tallyAnswers,
  tallyGrades,
} from '../domain/answer-tally.ts';
import type { AnswerSet, ToolDefinition } from '../domain/audit-tools.ts';
import { type CohortDefinition, cohortDefinitionSchema } from '../domain/cohort-definition.ts';
import type { Grade, GradeScale } from '../domain/grade-scales.ts';

export interface SampleFindings {
  sample: {
    id: string;
    kind: ActivityKind;
    monthId: string;
    /** the programme month, YYYY-MM-01 */
    month: string;
    cohortId: string | null;
    cohortName: string;
    definition: CohortDefinition;
    snapshotAsOf: string;
    drawnAt: Date;
    drawnBy: string | null;
    seed: number;
    method: 'simple' | 'stratified';
    stratifyBy: StratifyBy | null;
    perStratum: number | null;
    strata: SampleStratum[];
    cohortSize: number;
    sampleSize: number;
    /** children of the cohort left out because they were already in a sample of the month (or a sibling was) */
    leftOut: number;
    toolId: string | null;
    toolName: string | null;
  };
  returns: { planned: number; exempted: number; scheduled: number; returned: number };
  /** the submitted audits' answers, question by question */
  questions: QuestionTally[];
  /** the scale the tool grades on, and each graded section's grades (empty when the tool does not grade) */
  scale: GradeScale | null;
  grades: GradeTally[];
  /** practice themes the auditors found, by the number of returned audits that found each */
  themes: { key: string; name: string; audits: number }[];
}

/** The figures of one sample of the council; undefined when it has no such sample. */
export async function sampleFindings(
  db: Db,
  councilId: string,
  sampleId: string,
): Promise<SampleFindings | undefined> {
  const s = await db
    .selectFrom('samples as s')
    .innerJoin('programme_months as m', 'm.id', 's.month_id')
    .leftJoin('audit_tools as t', 't.id', 's.tool_id')
    .leftJoin('staff as d', 'd.id', 's.drawn_by')
    .selectAll('s')
    .select(['m.month', 't.name as tool_name', 'd.name as drawn_by_name'])
    .select((eb) =>
      eb
        .selectFrom('sample_left_out as l')
        .whereRef('l.sample_id', '=', 's.id')
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('left_out'),
    )
    .where('s.council_id', '=', councilId)
    .where('s.id', '=', sampleId)
    .executeTakeFirst();
  if (!s) return undefined;

  const audits = await sql<{
    status: string;
    answers: unknown;
    overall_grade: string | null;
    definition: unknown;
    scale_key: string | null;
    scale_name: string | null;
    grades: unknown;
  }>`
    select a.status, a.answers, a.overall_grade, v.definition,
      gs.key as scale_key, gs.name as scale_name, gs.grades
    from audits a
    left join audit_tool_versions v on v.id = a.tool_version_id
    left join grade_scales gs on gs.id = v.scale_id
    where a.council_id = ${councilId} and a.sample_id = ${sampleId}
    order by v.version nulls first, a.submitted_at`.execute(db);

  const returned = audits.rows.filter((a) => a.status === 'submitted' && a.definition);
  const answered: AnsweredAudit[] = returned.map((a) => ({
    definition: parse<ToolDefinition>(a.definition),
    answers: parse<AnswerSet | null>(a.answers),
    overallGrade: a.overall_grade,
  }));
  const last = returned.at(-1);
  const scale: GradeScale | null =
    last?.scale_key && last.grades
      ? {
          key: last.scale_key,
          name: last.scale_name ?? last.scale_key,
          grades: [...parse<Grade[]>(last.grades)].sort((a, b) => a.order - b.order),
        }
      : null;
  const exempted = audits.rows.filter((a) => a.status === 'exempted').length;

  const themes = await sql<{ key: string; name: string | null; audits: number }>`
    select t.theme_key as key, pt.name, count(distinct t.audit_id)::int as audits
    from audit_practice_themes t
    join audits a on a.id = t.audit_id
    left join practice_themes pt on pt.council_id = a.council_id and pt.key = t.theme_key
    where a.council_id = ${councilId} and a.sample_id = ${sampleId} and a.status = 'submitted'
    group by t.theme_key, pt.name
    order by count(distinct t.audit_id) desc, coalesce(pt.name, t.theme_key)`.execute(db);

  return {
    sample: {
      id: s.id,
      kind: s.kind,
      monthId: s.month_id,
      month: String(s.month).slice(0, 10),
      cohortId: s.cohort_id,
      cohortName: s.cohort_name,
      definition: cohortDefinitionSchema.parse(parse(s.definition)),
      snapshotAsOf: String(s.snapshot_as_of).slice(0, 10),
      drawnAt: s.drawn_at,
      drawnBy: s.drawn_by_name,
      seed: Number(s.seed),
      method: s.method,
      stratifyBy: s.stratify_by,
      perStratum: s.per_stratum,
      strata: parse<SampleStratum[]>(s.strata) ?? [],
      cohortSize: s.cohort_size,
      sampleSize: s.sample_size,
      leftOut: Number(s.left_out ?? 0),
      toolId: s.tool_id,
      toolName: s.tool_name,
    },
    returns: {
      planned: audits.rows.length,
      exempted,
      scheduled: audits.rows.length - exempted,
      returned: returned.length,
    },
    questions: tallyAnswers(answered),
    scale,
    grades: scale ? tallyGrades(answered, scale) : [],
    themes: themes.rows.map((t) => ({ key: t.key, name: t.name ?? t.key, audits: Number(t.audits) })),
  };
}

export interface FindingsThemeCount {
  themeKey: string;
  themeName: string;
  /** findings reports of samples drawn in the months that the QA lead said are about the theme */
  findings: number;
}

/**
 * The practice themes findings reports are about, for the samples of the months `from` to `to`
 * (YYYY-MM): how many findings reports named each, most first. Counted beside the audits' own themes
 * in the practice themes report, so what themed audits found feeds the same picture.
 */
export async function findingsThemeCounts(
  db: Db,
  councilId: string,
  from: string,
  to: string,
): Promise<FindingsThemeCount[]> {
  const rows = await sql<{ key: string; name: string | null; findings: number }>`
    select ft.theme_key as key, pt.name, count(distinct f.id)::int as findings
    from findings_themes ft
    join findings_reports f on f.id = ft.findings_id
    join samples s on s.id = f.sample_id
    join programme_months m on m.id = s.month_id
    left join practice_themes pt on pt.council_id = ft.council_id and pt.key = ft.theme_key
    where ft.council_id = ${councilId} and m.month >= ${`${from.slice(0, 7)}-01`}::date
      and m.month <= ${`${to.slice(0, 7)}-01`}::date
    group by ft.theme_key, pt.name`.execute(db);
  return rows.rows
    .map((r) => ({ themeKey: r.key, themeName: r.name ?? r.key, findings: Number(r.findings) }))
    .sort((a, b) => b.findings - a.findings || a.themeName.localeCompare(b.themeName, 'en-GB'));
}
