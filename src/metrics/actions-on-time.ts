/**
 * Actions from audits done on time (domain.md §6), for audits of every grade, not only inadequate:
 * the share of the actions due in a period (or done in it) that were done on or before their due
 * date, by the grade of the audit they came from (good or better, requires improvement, inadequate),
 * by service area and overall, each with its count and 95% Wilson interval; and how many are overdue
 * and still open.
 *
 * Which actions count: those of submitted audits whose due date falls in the period, or that were
 * done in it. The period ends on its last day or on `asOf`, whichever is earlier; an action due on
 * that day and still open is not late yet, so it is not counted.
 */
import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../data/db.ts';
import { addDays, addMonths, type IsoDate, todayInLondon } from '../domain/dates.ts';
import { BUILTIN_SCALES, type Grade } from '../domain/grade-scales.ts';
import type { MonthRange } from '../domain/month-range.ts';
import { type Proportion, proportion } from '../domain/statistics.ts';
import type { ReportFilters } from './audit-facts.ts';

/** The grade groups actions are counted by, best first. */
export type GradeGroup = 'good' | 'requires_improvement' | 'inadequate' | 'ungraded';

export const GRADE_GROUPS: readonly GradeGroup[] = ['good', 'requires_improvement', 'inadequate', 'ungraded'];

export const GRADE_GROUP_LABELS: Record<GradeGroup, string> = {
  good: 'Good or better',
  requires_improvement: 'Requires improvement',
  inadequate: 'Inadequate',
  ungraded: 'No overall grade (dip samples)',
};

/** How audits are put in the groups, in words, for notes under the figures. */
export const GRADE_GROUP_RULE =
  'Audits are grouped by their final grade (the moderation panel’s where moderated): good or better as their grade scale says; inadequate for the lowest grade of a scale with two or more grades below good; any other grade below good as requires improvement (so “did not meet good” on the three-point scale counts as requires improvement).';

/**
 * The group of a grade on a scale (its grades best first): good or better as the scale says; the
 * lowest grade of a scale with two or more grades below good is inadequate; any other grade below
 * good requires improvement. A grade not on the scale, or none, is 'ungraded'.
 */
export function gradeGroupOf(grades: readonly Grade[], key: string | null): GradeGroup {
  if (!key) return 'ungraded';
  const grade = grades.find((g) => g.key === key);
  if (!grade) return 'ungraded';
  if (grade.goodOrBetter) return 'good';
  const below = grades.filter((g) => !g.goodOrBetter);
  const lowest = Math.max(...grades.map((g) => g.order));
  return below.length >= 2 && grade.order === lowest ? 'inadequate' : 'requires_improvement';
}

export interface OnTimeFigures {
  /** done on or before the due date, of the actions counted */
  onTime: Proportion;
  /** counted, past their due date and still open */
  overdueOpen: number;
}

export interface ActionsOnTime {
  range: MonthRange;
  /** the day the period is counted to: its last day, or asOf when earlier */
  countedTo: IsoDate;
  total: OnTimeFigures;
  /** every group, best first, even with no actions */
  byGrade: (OnTimeFigures & { group: GradeGroup; name: string })[];
  /** each service area with actions, by name; null for audits with none recorded */
  byServiceArea: (OnTimeFigures & { serviceAreaId: string | null; name: string })[];
}

interface ActionRow {
  due_on: string;
  done_on: string | null;
  status: 'open' | 'done';
  scale_key: string | null;
  final_grade: string | null;
  area_id: string | null;
  area_name: string | null;
}

function figuresOf(rows: readonly ActionRow[], countedTo: IsoDate): OnTimeFigures {
  const onTime = rows.filter((r) => r.done_on !== null && r.done_on <= r.due_on).length;
  return {
    onTime: proportion(onTime, rows.length),
    overdueOpen: rows.filter((r) => r.status === 'open' && r.due_on < countedTo).length,
  };
}

/** The grade scales by key: the built-in ones, then the council's own. */
async function scalesByKey(db: Db, councilId: string): Promise<Map<string, Grade[]>> {
  const scales = new Map<string, Grade[]>(BUILTIN_SCALES.map((s) => [s.key, s.grades]));
  const rows = await db
    .selectFrom('grade_scales')
    .select(['key', 'grades'])
    .where('council_id', '=', councilId)
    .execute();
  for (const r of rows)
    scales.set(
      r.key,
      [...((r.grades ?? []) as Grade[])].sort((a, b) => a.order - b.order),
    );
  return scales;
}

/**
 * Actions done on time for the months of `range` (first days, inclusive), counted to `asOf` (today
 * by default) when that is before the period's end. Filters narrow the audits as in every report.
 */
export async function actionsOnTime(
  db: Db,
  councilId: string,
  range: MonthRange,
  filters: ReportFilters = {},
  asOf: IsoDate = todayInLondon(),
): Promise<ActionsOnTime> {
  const lastDay = addDays(addMonths(range.to, 1), -1);
  const countedTo = asOf < lastDay ? asOf : lastDay;
  const where: RawBuilder<unknown>[] = [];
  if (filters.serviceAreaId)
    where.push(sql`coalesce(a.service_area_id, t.service_area_id) = ${filters.serviceAreaId}`);
  if (filters.teamId) where.push(sql`a.team_id = ${filters.teamId}`);
  if (filters.localityId) where.push(sql`coalesce(a.locality_id, t.locality_id) = ${filters.localityId}`);
  if (filters.workerId) where.push(sql`a.practitioner_id = ${filters.workerId}`);
  if (filters.kind)
    where.push(
      sql`(case when a.reaudit_of_id is not null then 're_audit' else a.kind::text end) = ${filters.kind}`,
    );
  if (filters.viewerId)
    // the audits the viewer is moderating blind: their grade is not given away
    where.push(sql`not exists (select 1 from moderations mb where mb.audit_id = a.id
      and mb.moderator_id = ${filters.viewerId} and mb.status = 'allocated')`);
  const [{ rows }, scales] = await Promise.all([
    sql<ActionRow>`
      select x.due_on::text as due_on, x.done_on::text as done_on, x.status,
        gs.key as scale_key, a.final_grade,
        sa.id::text as area_id, sa.name as area_name
      from audit_actions x
      join audits a on a.id = x.audit_id and a.council_id = ${councilId}
      left join teams t on t.id = a.team_id
      left join service_areas sa on sa.id = coalesce(a.service_area_id, t.service_area_id)
      left join audit_tool_versions v on v.id = coalesce(a.tool_version_id, (
        select v2.id from audit_tool_versions v2 where v2.tool_id = a.tool_id order by v2.version desc limit 1))
      left join grade_scales gs on gs.id = v.scale_id
      where x.council_id = ${councilId} and a.status = 'submitted'
        and (
          (x.due_on between ${range.from}::date and ${countedTo}::date
            and (x.due_on < ${countedTo}::date or x.status = 'done'))
          or (x.done_on between ${range.from}::date and ${countedTo}::date)
        )
        ${where.length ? sql`and ${sql.join(where, sql` and `)}` : sql``}`.execute(db),
    scalesByKey(db, councilId),
  ]);
  const groupOf = (r: ActionRow): GradeGroup => {
    if (!r.final_grade) return 'ungraded';
    const own = r.scale_key ? scales.get(r.scale_key) : undefined;
    if (own) return gradeGroupOf(own, r.final_grade);
    // no scale recorded: the built-in scale that has the grade
    const builtin = BUILTIN_SCALES.find((s) => s.grades.some((g) => g.key === r.final_grade));
    return builtin ? gradeGroupOf(builtin.grades, r.final_grade) : 'ungraded';
  };
  const areas = new Map<string, { id: string | null; name: string; rows: ActionRow[] }>();
  for (const r of rows) {
    const key = r.area_id ?? '';
    const area = areas.get(key) ?? {
      id: r.area_id,
      name: r.area_name ?? 'No service area recorded',
      rows: [],
    };
    area.rows.push(r);
    areas.set(key, area);
  }
  return {
    range,
    countedTo,
    total: figuresOf(rows, countedTo),
    byGrade: GRADE_GROUPS.map((group) => ({
      group,
      name: GRADE_GROUP_LABELS[group],
      ...figuresOf(
        rows.filter((r) => groupOf(r) === group),
        countedTo,
      ),
    })),
    byServiceArea: [...areas.values()]
      .sort((a, b) => (a.id === null ? 1 : b.id === null ? -1 : a.name.localeCompare(b.name, 'en-GB')))
      .map((a) => ({ serviceAreaId: a.id, name: a.name, ...figuresOf(a.rows, countedTo) })),
  };
}
