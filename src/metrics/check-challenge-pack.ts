/**
 * The figures of a team's weekly check-and-challenge pack (domain.md §4, §12): what the team
 * manager and Head of Service open before the meeting. Aggregates only: no child is named.
 *
 * - returns owed by the team's auditors (allocated or in progress, and how many are overdue);
 * - the audit grades of the team's children this quarter against last, good or better with its
 *   interval and whether it changed (quarters from `quarterOf`; an audit belongs to its cycle's month);
 * - the sections most often graded below good this quarter; the practice themes found;
 * - actions overdue and management oversight not yet recorded on the team's audits; escalations
 *   waiting for a response; practitioner feedback given this quarter.
 *
 * The data-quality items and the goals are added by the check-and-challenge service.
 */
import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import { addDays, addMonths, type IsoDate } from '../domain/dates.ts';
import { previousQuarter, quarterOf } from '../domain/service-qa.ts';
import {
  type Change,
  changeBetween,
  differenceInterval,
  type Proportion,
  proportion,
} from '../domain/statistics.ts';
import { allocationFacts } from './audit-facts.ts';

/** How many sections and themes the pack lists (the most often found first). */
export const PACK_LIST_LENGTH = 5;

export interface PackQuarter {
  start: IsoDate;
  end: IsoDate;
  /** "Q3 2026 to 2027" */
  label: string;
  /** "October to December 2026" */
  months: string;
}

export interface PackGrades {
  /** audits of the team's children returned with a final grade */
  audits: number;
  byGrade: { grade: string; label: string; count: number }[];
  goodOrBetter: Proportion;
}

export interface PackAuditFigures {
  returns: {
    owed: number;
    overdue: number;
    byAuditor: { name: string; owed: number; overdue: number; oldestDue: IsoDate | null }[];
  };
  grades: {
    quarter: PackGrades;
    previous: PackGrades;
    /** this quarter's good-or-better rate less last quarter's, 95% interval (Newcombe) */
    difference: [number, number] | null;
    change: Change | null;
  };
  sectionsBelowGood: {
    /** graded sections of the quarter's returned audits */
    graded: number;
    rows: { title: string; belowGood: Proportion }[];
  };
  themes: {
    /** returned audits of the quarter */
    audits: number;
    rows: { name: string; found: Proportion }[];
  };
  actions: {
    open: number;
    overdue: number;
    byOwner: { name: string; overdue: number; oldestDue: IsoDate | null }[];
  };
  oversight: {
    /** audits of the team's children submitted this quarter or last */
    submitted: number;
    /** of those, with no management oversight recorded */
    missing: number;
  };
  escalations: { open: number; immediate: number; driftDelay: number; oldestRaisedOn: IsoDate | null };
  feedback: {
    /** practitioners' feedback given on the quarter's returned audits with a practitioner */
    given: Proportion;
    /** mean of "how impactful was the audit for your practice" (1–10); null with none */
    meanImpact: number | null;
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The quarter a week's pack reports on, and the one before. */
export function packQuarters(asOf: IsoDate): { quarter: PackQuarter; previous: PackQuarter } {
  const q = quarterOf(asOf);
  const p = previousQuarter(q);
  const pick = (x: typeof q): PackQuarter => ({
    start: x.start,
    end: x.end,
    label: x.label,
    months: x.months,
  });
  return { quarter: pick(q), previous: pick(p) };
}

const rangeOf = (q: PackQuarter) => ({ from: q.start, to: addMonths(q.start, 2) });

async function gradesOf(db: Db, councilId: string, teamId: string, q: PackQuarter): Promise<PackGrades> {
  const { rows } = await sql<{
    grade: string;
    label: string | null;
    ord: number | null;
    n: number;
    good: number;
  }>`
    select f.final_grade as grade, max(g ->> 'label') as label, min(f.final_order) as ord,
      count(distinct f.ref)::int as n, (count(distinct f.ref) filter (where f.final_good))::int as good
    from ${allocationFacts(councilId, rangeOf(q), { teamId })} f
    left join grade_scales gs on gs.council_id = ${councilId} and gs.key = f.scale_key
    left join lateral jsonb_array_elements(gs.grades) g on g ->> 'key' = f.final_grade
    where f.status = 'submitted' and f.final_grade is not null
    group by f.final_grade
    order by min(f.final_order) nulls last, f.final_grade`.execute(db);
  const audits = rows.reduce((a, r) => a + r.n, 0);
  const good = rows.reduce((a, r) => a + r.good, 0);
  return {
    audits,
    byGrade: rows.map((r) => ({
      grade: r.grade,
      label: r.label ?? r.grade.charAt(0).toUpperCase() + r.grade.slice(1).replace(/_/g, ' '),
      count: r.n,
    })),
    goodOrBetter: proportion(good, audits),
  };
}

/**
 * The audit figures of a team's pack as they stand on `asOf` (the week's day the pack is for):
 * overdue means due before `asOf`.
 */
export async function packAuditFigures(
  db: Db,
  councilId: string,
  teamId: string,
  asOf: IsoDate,
): Promise<PackAuditFigures> {
  const { quarter, previous } = packQuarters(asOf);
  const facts = allocationFacts(councilId, rangeOf(quarter), { teamId });

  const [
    owed,
    gradesNow,
    gradesBefore,
    sections,
    themeTotal,
    themes,
    actions,
    oversight,
    escalations,
    feedback,
  ] = await Promise.all([
    sql<{ name: string; owed: number; overdue: number; oldest: IsoDate | null }>`
        select s.name, count(*)::int as owed,
          (count(*) filter (where a.due_on < ${asOf}::date))::int as overdue,
          min(a.due_on)::text as oldest
        from audits a join staff s on s.id = a.auditor_id
        where a.council_id = ${councilId} and s.council_id = ${councilId} and s.team_id = ${teamId}
          and a.status in ('allocated', 'in_progress')
        group by s.id, s.name
        order by count(*) filter (where a.due_on < ${asOf}::date) desc, lower(s.name)`.execute(db),
    gradesOf(db, councilId, teamId, quarter),
    gradesOf(db, councilId, teamId, previous),
    sql<{ title: string; graded: number; below: number; total: number }>`
        select max(r.section_title) as title, count(*)::int as graded,
          (count(*) filter (where r.good_or_better = false))::int as below,
          sum(count(*)) over ()::int as total
        from ${facts} f join audit_section_results r on r.audit_id = f.audit_id and r.council_id = ${councilId}
        where f.source = 'audits' and f.status = 'submitted' and r.grade is not null
        group by r.section_lineage
        order by count(*) filter (where r.good_or_better = false) desc, min(r.position)`.execute(db),
    sql<{ n: number }>`
        select count(*)::int as n from ${facts} f where f.source = 'audits' and f.status = 'submitted'`.execute(
      db,
    ),
    sql<{ name: string; n: number }>`
        select pt.name, count(distinct f.audit_id)::int as n
        from ${facts} f
        join audit_practice_themes apt on apt.audit_id = f.audit_id and apt.council_id = ${councilId}
        join practice_themes pt on pt.council_id = ${councilId} and pt.key = apt.theme_key
        where f.source = 'audits' and f.status = 'submitted'
        group by pt.key, pt.name
        order by count(distinct f.audit_id) desc, pt.name`.execute(db),
    sql<{ name: string; open: number; overdue: number; oldest: IsoDate | null }>`
        select s.name, count(*)::int as open,
          (count(*) filter (where x.due_on < ${asOf}::date))::int as overdue,
          (min(x.due_on) filter (where x.due_on < ${asOf}::date))::text as oldest
        from audit_actions x join audits a on a.id = x.audit_id join staff s on s.id = x.owner_id
        where x.council_id = ${councilId} and a.council_id = ${councilId} and a.team_id = ${teamId}
          and x.status = 'open'
        group by s.id, s.name
        order by count(*) filter (where x.due_on < ${asOf}::date) desc, lower(s.name)`.execute(db),
    sql<{ submitted: number; missing: number }>`
        select count(*)::int as submitted,
          (count(*) filter (where not exists (
            select 1 from audit_oversight o where o.audit_id = a.id and o.council_id = ${councilId})))::int as missing
        from audits a join programme_months pm on pm.id = a.month_id
        where a.council_id = ${councilId} and a.team_id = ${teamId} and a.status = 'submitted'
          and pm.month between ${previous.start}::date and ${quarter.end}::date`.execute(db),
    sql<{ kind: string; n: number; oldest: string | null }>`
        select e.kind, count(*)::int as n, min(e.raised_at)::date::text as oldest
        from escalations e join audits a on a.id = e.audit_id
        where e.council_id = ${councilId} and a.council_id = ${councilId} and a.team_id = ${teamId}
          and e.responded_at is null
        group by e.kind`.execute(db),
    sql<{ audits: number; given: number; impact: number | null }>`
        select count(*)::int as audits, count(pf.audit_id)::int as given, avg(pf.impact)::float as impact
        from ${facts} f join audits a on a.id = f.audit_id
        left join practitioner_feedback pf on pf.audit_id = a.id and pf.council_id = ${councilId}
        where f.source = 'audits' and f.status = 'submitted' and a.practitioner_id is not null`.execute(db),
  ]);

  const escalationRows = escalations.rows;
  const oldestRaised = escalationRows
    .map((r) => r.oldest)
    .filter((d): d is string => d !== null)
    .sort()[0];
  const audits = themeTotal.rows[0]?.n ?? 0;
  const fb = feedback.rows[0] ?? { audits: 0, given: 0, impact: null };
  return {
    returns: {
      owed: owed.rows.reduce((a, r) => a + r.owed, 0),
      overdue: owed.rows.reduce((a, r) => a + r.overdue, 0),
      byAuditor: owed.rows.map((r) => ({
        name: r.name,
        owed: r.owed,
        overdue: r.overdue,
        oldestDue: r.oldest,
      })),
    },
    grades: {
      quarter: gradesNow,
      previous: gradesBefore,
      difference: differenceInterval(gradesNow.goodOrBetter, gradesBefore.goodOrBetter),
      change: changeBetween(gradesNow.goodOrBetter, gradesBefore.goodOrBetter),
    },
    sectionsBelowGood: {
      graded: sections.rows[0]?.total ?? 0,
      rows: sections.rows
        .filter((r) => r.below > 0)
        .slice(0, PACK_LIST_LENGTH)
        .map((r) => ({ title: r.title, belowGood: proportion(r.below, r.graded) })),
    },
    themes: {
      audits,
      rows: themes.rows
        .slice(0, PACK_LIST_LENGTH)
        .map((r) => ({ name: r.name, found: proportion(r.n, audits) })),
    },
    actions: {
      open: actions.rows.reduce((a, r) => a + r.open, 0),
      overdue: actions.rows.reduce((a, r) => a + r.overdue, 0),
      byOwner: actions.rows
        .filter((r) => r.overdue > 0)
        .map((r) => ({ name: r.name, overdue: r.overdue, oldestDue: r.oldest })),
    },
    oversight: {
      submitted: oversight.rows[0]?.submitted ?? 0,
      missing: oversight.rows[0]?.missing ?? 0,
    },
    escalations: {
      open: escalationRows.reduce((a, r) => a + r.n, 0),
      immediate: escalationRows.find((r) => r.kind === 'immediate')?.n ?? 0,
      driftDelay: escalationRows.find((r) => r.kind === 'drift_delay')?.n ?? 0,
      oldestRaisedOn: oldestRaised ?? null,
    },
    feedback: {
      given: proportion(fb.given, fb.audits),
      meanImpact: fb.impact === null ? null : round1(fb.impact),
    },
  };
}

/** The day a week's pack is counted on: today in the current week, else the week's Sunday. */
export function packDay(week: IsoDate, today: IsoDate): IsoDate {
  const sunday = addDays(week, 6);
  return today < sunday ? today : sunday;
}
