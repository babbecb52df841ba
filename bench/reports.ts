/**
 * The quality dashboard's reports at scale. On a fresh PostgreSQL database: 150 councils with ten
 * programme years each (April 2017 to March 2027), about 56 submitted audits a month per council
 * (about 1,000,000 audits), each with the child, team, service area, locality, worker and auditor,
 * the built-in four-point case file audit, a final grade, twelve section results, practice themes
 * where below good, actions, some escalations, practitioner feedback and moderation, all made in SQL.
 * Then, for one council (picked with a fixed seed), each report over the latest programme year
 * (April 2026 to March 2027), without and with a team filter: the median, fastest and slowest of
 * five runs after one warm-up, against a baseline measured in the same run (counting the council's
 * audits), and the goal (250 ms a report, 5 s for the annual Word report). Printed, not asserted.
 * The same is then measured on the embedded database with a smaller set.
 *
 *   node bench/reports.ts [councils] [years]          (DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)
 *
 *   BENCH_SECTION_SHARE=0.25  give section results to that share of the audits only
 *   BENCH_EMBEDDED=0          skip the embedded database
 *   BENCH_KEEP=1              keep the PostgreSQL database afterwards (its name is printed), to EXPLAIN by hand
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../src/data/db.ts';
import { builtinToolByKey } from '../src/domain/builtin-tools.ts';
import { FOUR_POINT } from '../src/domain/grade-scales.ts';
import { monthRange } from '../src/domain/month-range.ts';
import { DEFAULT_PRACTICE_THEMES } from '../src/domain/practice-themes.ts';
import { allocationFacts } from '../src/metrics/audit-facts.ts';
import { produceReport, REPORT_NAMES, renderReport } from '../src/reports/catalogue.ts';
import type { ReportParams } from '../src/reports/report-base.ts';
import { installCouncilDefaults } from '../src/services/programme/tools.ts';
import { freshBenchDb } from './fresh-db.ts';

const COUNCILS = Number(process.argv[2] ?? 150);
const YEARS = Number(process.argv[3] ?? 10);
const PER_MONTH = 56;
const CHILDREN = 3000;
const SECTION_SHARE = Number(process.env.BENCH_SECTION_SHARE ?? 1);
const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const SEED = 20260422;
const FROM = '2026-04';
const TO = '2027-03';
const TODAY = '2027-04-15';
const RUNS = 5;
const GOAL_MS = 250;
const ANNUAL_GOAL_MS = 5000;

const FOUND_TOOL = builtinToolByKey('case_file_audit_four_point');
if (!FOUND_TOOL) throw new Error('the built-in four-point case file audit is missing');
const TOOL = FOUND_TOOL;
const GRADES = FOUR_POINT.grades.map((g) => g.key);
const THEMES = DEFAULT_PRACTICE_THEMES.map((t) => t.key);
const SECTIONS = TOOL.sections.map((s) => s.key);
const ETHNICITIES = [
  'White British',
  'White British',
  'White British',
  'White British',
  'White British',
  'White other',
  'Mixed',
  'Asian or Asian British',
  'Black or Black British',
  'Other ethnic group',
  'Not recorded',
];
const CHILD_CHANGE = [
  'The plan is clearer and the child sees their social worker more often.',
  'Family network meeting held and grandparents now part of the safety plan.',
  'Chronology brought up to date and the child’s voice recorded in their words.',
  'Supervision now records the reasons for decisions.',
  'Nothing has changed yet.',
];
const PROCESS_CHANGE = [
  'The conversation with the auditor helped me reflect on drift.',
  'I would like the audit earlier in the month.',
  'Useful feedback on recording and language.',
  'Management oversight is now more visible on the file.',
];

const n = (x: number) => sql.raw(String(Math.trunc(x)));
const f = (x: number) => sql.raw(String(x));
const textArray = (list: readonly string[]) => sql`array[${sql.join(list.map((s) => sql.lit(s)))}]::text[]`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** mulberry32: the same council is picked on every run */
function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The councils and everything their audits count, set-wise in SQL on one connection (temporary
 * tables number the rows so audits can pick a child, team or worker at random). Foreign-key triggers
 * are off while loading (every reference is made here), and the section results' primary key is
 * built once at the end rather than row by row.
 */
async function generate(db: Db, councils: number, years: number): Promise<void> {
  const firstYear = 2027 - years;
  const step = async (label: string, q: RawBuilder<unknown>, conn: Db) => {
    const t0 = performance.now();
    await q.execute(conn);
    const ms = performance.now() - t0;
    if (ms > 2000) console.log(`    ${label.padEnd(40)} ${secs(ms).padStart(8)}`);
  };
  await db.connection().execute(async (c) => {
    const conn = c as unknown as Db;
    await sql`set maintenance_work_mem = '1GB'`.execute(conn);
    await sql`set work_mem = '256MB'`.execute(conn);
    await sql`set synchronous_commit = off`.execute(conn);

    await step(
      'councils',
      sql`create temp table bc as select g as cn, gen_random_uuid() as id from generate_series(1, ${n(councils)}) g`,
      conn,
    );
    await sql`insert into councils (id, code, name)
      select id, 'BENCH' || lpad(cn::text, 3, '0'), 'Bench council ' || lpad(cn::text, 3, '0') from bc`.execute(
      conn,
    );
    const ids = await sql<{ id: string }>`select id from bc order by cn`.execute(conn);
    for (const r of ids.rows) await installCouncilDefaults(conn, r.id);

    // the built-in four-point case file audit each council was given
    await sql`create temp table btool as
      select c.cn, t.id as tool_id, v.id as version_id from bc c
      join audit_tools t on t.council_id = c.id and t.builtin and t.name = ${sql.lit(TOOL.name)}
      join audit_tool_versions v on v.tool_id = t.id and v.version = 1`.execute(conn);

    await sql`set session_replication_role = replica`.execute(conn);

    // organisation: 4 localities, 5 service areas, 20 teams (a manager and 8 workers each), 30 auditors
    await sql`create temp table bl as select c.cn, i, gen_random_uuid() as id from bc c, generate_series(0, 3) i`.execute(
      conn,
    );
    await sql`insert into localities (id, council_id, name)
      select bl.id, c.id, (array['North', 'South', 'East', 'West'])[bl.i + 1] from bl join bc c using (cn)`.execute(
      conn,
    );
    await sql`create temp table bsa as select c.cn, i, gen_random_uuid() as id from bc c, generate_series(0, 4) i`.execute(
      conn,
    );
    await sql`insert into service_areas (id, council_id, name)
      select s.id, c.id, (array['Front door', 'Assessment', 'Children in need and protection', 'Children in care', 'Care leavers'])[s.i + 1]
      from bsa s join bc c using (cn)`.execute(conn);
    await sql`create temp table bt as select c.cn, i, gen_random_uuid() as id from bc c, generate_series(0, 19) i`.execute(
      conn,
    );
    await sql`insert into teams (id, council_id, name, external_id, service_area_id, locality_id)
      select t.id, c.id, 'Team ' || lpad((t.i + 1)::text, 2, '0'), 'T' || t.i, s.id, l.id
      from bt t join bc c using (cn) join bsa s on s.cn = t.cn and s.i = t.i % 5 join bl l on l.cn = t.cn and l.i = t.i % 4`.execute(
      conn,
    );
    await sql`create temp table bs as
      select c.cn, 'manager' as role, i, i as team_i, gen_random_uuid() as id from bc c, generate_series(0, 19) i
      union all select c.cn, 'worker', i, i / 8, gen_random_uuid() from bc c, generate_series(0, 159) i
      union all select c.cn, 'auditor', i, i % 20, gen_random_uuid() from bc c, generate_series(0, 29) i`.execute(
      conn,
    );
    await sql`create index on bs (cn, role, i)`.execute(conn);
    await sql`insert into staff (id, council_id, external_id, name, job_title, team_id, service_area_id, audit_trained_on)
      select s.id, c.id, s.role || '-' || s.i, initcap(s.role) || ' ' || lpad((s.i + 1)::text, 3, '0'),
        case s.role when 'manager' then 'Team manager' when 'worker' then 'Social worker' else 'Advanced practitioner' end,
        t.id, sa.id, case when s.role = 'auditor' then date '2016-01-01' end
      from bs s join bc c using (cn) join bt t on t.cn = s.cn and t.i = s.team_i join bsa sa on sa.cn = s.cn and sa.i = s.team_i % 5`.execute(
      conn,
    );

    // children, reused across audits
    await step(
      'children',
      sql`create temp table bch as select c.cn, i, gen_random_uuid() as id from bc c, generate_series(0, ${n(CHILDREN - 1)}) i`,
      conn,
    );
    await sql`create index on bch (cn, i)`.execute(conn);
    await step(
      'children',
      sql`insert into children (id, council_id, external_id, first_name, last_name, date_of_birth, gender, ethnicity, disability, uasc)
      select x.id, c.id, 'C' || lpad(x.i::text, 6, '0'), 'Child', 'Bench ' || x.i,
        date '2005-01-01' + floor(x.r1 * 8000)::int,
        case when x.r2 < 0.48 then 'male' when x.r2 < 0.96 then 'female' when x.r2 < 0.98 then 'other' else 'unknown' end,
        (${textArray(ETHNICITIES)})[1 + floor(x.r3 * ${n(ETHNICITIES.length)})::int],
        x.r4 < 0.12, x.r5 < 0.04
      from (select b.*, random() r1, random() r2, random() r3, random() r4, random() r5 from bch b) x join bc c using (cn)`,
      conn,
    );

    // programme years April to March, and their months
    await sql`create temp table by_ as
      select c.cn, y, gen_random_uuid() as id, make_date(${n(firstYear)} + y, 4, 1) as starts_on
      from bc c, generate_series(0, ${n(years - 1)}) y`.execute(conn);
    await sql`insert into programme_years (id, council_id, starts_on, ends_on, name)
      select b.id, c.id, b.starts_on, (b.starts_on + interval '1 year' - interval '1 day')::date,
        extract(year from b.starts_on) || '–' || (extract(year from b.starts_on) + 1) from by_ b join bc c using (cn)`.execute(
      conn,
    );
    await sql`create temp table bm as
      select b.cn, b.y, b.id as year_id, gen_random_uuid() as id, (b.starts_on + make_interval(months => m))::date as month
      from by_ b, generate_series(0, 11) m`.execute(conn);
    await sql`insert into programme_months (id, council_id, year_id, month, cycle_starts_on)
      select m.id, c.id, m.year_id, m.month, m.month from bm m join bc c using (cn)`.execute(conn);

    // the audits: a worker (and so a team) and an auditor at random, a final grade whose chance of
    // good or better rises over the years and differs between teams and councils
    await step(
      'audit plan',
      sql`create temp table ba as
      select z.*,
        case when z.moderated and z.r_out >= 0.85 then least(4, z.overall_order + 1)
          when z.moderated and z.r_out >= 0.75 then greatest(1, z.overall_order - 1)
          else z.overall_order end as final_order
      from (
        select y.*,
          case when y.r1 < y.p * 0.15 then 1 when y.r1 < y.p then 2 when y.r1 < y.p + (1 - y.p) * 0.75 then 3 else 4 end
            as overall_order,
          y.r_mod < 0.10 as moderated
        from (
          select x.*, x.worker_i / 8 as team_i,
            least(0.9, greatest(0.1, 0.40 + 0.025 * x.y + ((x.worker_i / 8) % 5 - 2) * 0.05 + (x.cn % 7 - 3) * 0.02)) as p
          from (
            select gen_random_uuid() as id, m.cn, m.y, m.id as month_id, m.month, k as position,
              floor(random() * ${n(CHILDREN)})::int as child_i, floor(random() * 160)::int as worker_i,
              floor(random() * 30)::int as auditor_i,
              random() as r1, random() as r_mod, random() as r_out, random() as r_fb, random() as r_esc,
              random() as r_sec, random() as r_theme, random() as r_act
            from bm m, generate_series(1, ${n(PER_MONTH)}) k
          ) x
        ) y
      ) z`,
      conn,
    );
    await step(
      'audits',
      sql`insert into audits (id, council_id, month_id, child_id, kind, tool_id, tool_version_id, position, team_id,
        service_area_id, locality_id, practitioner_id, practitioner_manager_id, auditor_id, status, allocated_at, due_on,
        started_at, submitted_at, submitted_by, conversation_on, conversation_with, overall_grade, overall_good_or_better,
        final_grade, final_good_or_better, created_at, updated_at)
      select a.id, c.id, a.month_id, ch.id, 'full_audit', tl.tool_id, tl.version_id, a.position, t.id,
        sa.id, l.id, w.id, mg.id, au.id, 'submitted', a.month + time '09:00', a.month + 25,
        a.month + 5 + time '10:00', a.month + 18 + (a.r1 * interval '7 days'), au.id, a.month + 15, 'practitioner',
        (${textArray(GRADES)})[a.overall_order], a.overall_order <= 2,
        (${textArray(GRADES)})[a.final_order], a.final_order <= 2,
        a.month + time '09:00', a.month + 25 + time '17:00'
      from ba a join bc c using (cn) join btool tl using (cn)
      join bch ch on ch.cn = a.cn and ch.i = a.child_i
      join bt t on t.cn = a.cn and t.i = a.team_i
      join bsa sa on sa.cn = a.cn and sa.i = a.team_i % 5
      join bl l on l.cn = a.cn and l.i = a.team_i % 4
      join bs w on w.cn = a.cn and w.role = 'worker' and w.i = a.worker_i
      join bs mg on mg.cn = a.cn and mg.role = 'manager' and mg.i = a.team_i
      join bs au on au.cn = a.cn and au.role = 'auditor' and au.i = a.auditor_i`,
      conn,
    );

    // twelve section results each, near the audit's grade
    const sections = sql.join(
      TOOL.sections.map(
        (s, i) => sql`(${sql.lit(s.key)}, ${sql.lit(s.sameAs ?? s.key)}, ${sql.lit(s.title)}, ${n(i + 1)})`,
      ),
    );
    await sql`alter table audit_section_results drop constraint audit_section_results_pkey`.execute(conn);
    await step(
      'section results',
      sql`insert into audit_section_results (audit_id, council_id, section_key, section_lineage, section_title, position,
        grade, grade_order, good_or_better)
      select x.id, c.id, x.key, x.lineage, x.title, x.position, (${textArray(GRADES)})[x.o], x.o, x.o <= 2
      from (
        select y.*, least(4, greatest(1, y.overall_order + case when y.r < 0.2 then -1 when y.r < 0.4 then 1 else 0 end)) as o
        from (
          select a.id, a.cn, a.overall_order, s.key, s.lineage, s.title, s.position, random() as r
          from ba a cross join (values ${sections}) s(key, lineage, title, position)
          where a.r_sec < ${f(SECTION_SHARE)}
        ) y
      ) x join bc c using (cn)`,
      conn,
    );
    await step(
      'section results key',
      sql`alter table audit_section_results add primary key (audit_id, section_key)`,
      conn,
    );

    // one or two practice themes (some far more often than others) for each audit below good
    await step(
      'practice themes',
      sql`insert into audit_practice_themes (audit_id, council_id, section_key, theme_key)
      select a.id, c.id, (${textArray(SECTIONS)})[1 + floor(random() * ${n(SECTIONS.length)})::int],
        (${textArray(THEMES)})[1 + (a.t0 + (k - 1) * 7) % ${n(THEMES.length)}]
      from (select ba.*, floor(${n(THEMES.length)} * power(random(), 2))::int as t0 from ba where final_order >= 3) a
      join bc c using (cn)
      cross join lateral generate_series(1, case when a.r_theme < 0.5 then 1 else 2 end) k`,
      conn,
    );

    // one to three actions each (two on average), owned by the worker, most done
    await step(
      'actions',
      sql`insert into audit_actions (council_id, audit_id, section_key, position, text, owner_id, due_on, status, done_on,
        created_by, created_at)
      select c.id, x.id, (${textArray(SECTIONS)})[1 + floor(x.r2 * ${n(SECTIONS.length)})::int], x.k,
        'Action ' || x.k || ': update the plan and record the child’s views', w.id, x.month + 56,
        case when x.done then 'done' else 'open' end, case when x.done then x.month + 30 + floor(x.r3 * 40)::int end,
        au.id, x.month + 20
      from (
        select a.id, a.cn, a.month, a.worker_i, a.auditor_i, k, random() < 0.7 as done, random() as r2, random() as r3
        from ba a cross join lateral generate_series(1, 1 + floor(a.r_act * 3)::int) k
      ) x join bc c using (cn)
      join bs w on w.cn = x.cn and w.role = 'worker' and w.i = x.worker_i
      join bs au on au.cn = x.cn and au.role = 'auditor' and au.i = x.auditor_i`,
      conn,
    );

    // a few escalations (3%, more of them below good), most answered
    await step(
      'escalations',
      sql`insert into escalations (council_id, audit_id, child_id, kind, found, raised_by, raised_at, raised_before_submission,
        response, responded_by, responded_at)
      select c.id, a.id, au2.child_id, case when a.r1 < 0.3 then 'immediate' else 'drift_delay' end,
        'Bench escalation', au2.auditor_id, a.month + 16 + time '11:00', a.r1 < 0.5,
        case when a.r_out < 0.9 then 'Case discussed and plan updated' end,
        case when a.r_out < 0.9 then au2.practitioner_manager_id end,
        case when a.r_out < 0.9 then a.month + 16 + time '11:00' + a.r_fb * interval '96 hours' end
      from ba a join bc c using (cn) join audits au2 on au2.id = a.id
      where a.r_esc < case when a.final_order >= 3 then 0.05 else 0.01 end`,
      conn,
    );

    // practitioner feedback on 60%
    await step(
      'feedback',
      sql`insert into practitioner_feedback (audit_id, council_id, staff_id, impact, child_change, process_change, given_at)
      select x.id, c.id, w.id, least(10, 1 + floor(power(x.r, 0.6) * 10)::int),
        (${textArray(CHILD_CHANGE)})[1 + floor(x.r2 * ${n(CHILD_CHANGE.length)})::int],
        (${textArray(PROCESS_CHANGE)})[1 + floor(x.r3 * ${n(PROCESS_CHANGE.length)})::int],
        x.month + 35 + time '14:00'
      from (select a.*, random() as r, random() as r2, random() as r3 from ba a where a.r_fb < 0.6) x
      join bc c using (cn) join bs w on w.cn = x.cn and w.role = 'worker' and w.i = x.worker_i`,
      conn,
    );

    // moderation, decided, on the 10% ba marked
    await step(
      'moderations',
      sql`insert into moderations (council_id, audit_id, chosen_because, moderator_id, status, overall_grade, quality,
        submitted_at, final_grade, panel_reason, outcome, decided_by, decided_at)
      select c.id, a.id, 'random', m.id, 'decided', (${textArray(GRADES)})[a.final_order], 'good',
        a.month + 40 + time '10:00', (${textArray(GRADES)})[a.final_order], 'Panel agreed the moderator’s grade',
        case when a.final_order = a.overall_order then 'supported' when a.final_order < a.overall_order then 'upgraded'
          else 'downgraded' end,
        m.id, a.month + 45 + time '15:00'
      from ba a join bc c using (cn) join bs m on m.cn = a.cn and m.role = 'auditor' and m.i = (a.auditor_i + 1) % 30
      where a.moderated`,
      conn,
    );

    await sql`set session_replication_role = origin`.execute(conn);
    for (const t of ['ba', 'bm', 'by_', 'bch', 'bs', 'bt', 'bsa', 'bl', 'btool', 'bc'])
      await sql`drop table ${sql.table(t)}`.execute(conn);
    await step('analyze', sql`analyze`, conn);
  });
}

const COUNTED = [
  'councils',
  'staff',
  'teams',
  'children',
  'programme_months',
  'audits',
  'audit_section_results',
  'audit_practice_themes',
  'audit_actions',
  'escalations',
  'practitioner_feedback',
  'moderations',
];

async function rowCounts(db: Db): Promise<string> {
  const out: string[] = [];
  for (const t of COUNTED) {
    const { rows } = await sql<{ n: number }>`select count(*)::bigint as n from ${sql.table(t)}`.execute(db);
    out.push(`${t} ${Number(rows[0].n).toLocaleString('en-GB')}`);
  }
  return out.join(', ');
}

interface Timing {
  median: number;
  min: number;
  max: number;
}

async function timed(fn: () => Promise<unknown>): Promise<Timing> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], min: times[0], max: times[times.length - 1] };
}

/** An export of an optional module (one being written), or undefined when it is not there yet. */
async function optionalExport(path: string, pick: (m: Record<string, unknown>) => unknown) {
  try {
    const m = (await import(path)) as Record<string, unknown>;
    return pick(m) as ((...args: unknown[]) => Promise<unknown>) | undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

async function measure(label: string, db: Db) {
  const councils = await sql<{
    id: string;
    name: string;
  }>`select id, name from councils order by code`.execute(db);
  const council = councils.rows[Math.floor(seeded(SEED)() * councils.rows.length)];
  const team = await sql<{ id: string; name: string }>`
    select id, name from teams where council_id = ${council.id} order by name limit 1`.execute(db);
  const audits = await sql<{ n: number }>`
    select count(*)::int as n from audits a join programme_months pm on pm.id = a.month_id
    where a.council_id = ${council.id} and pm.month between ${`${FROM}-01`}::date and ${`${TO}-01`}::date`.execute(
    db,
  );
  console.log(
    `  ${council.name}: ${audits.rows[0].n.toLocaleString('en-GB')} audits in ${FROM} to ${TO}; team filter: ${team.rows[0].name}`,
  );
  const params = (teamId?: string): ReportParams => ({
    from: FROM,
    to: TO,
    filters: teamId ? { teamId } : {},
    filterWords: teamId ? [`${team.rows[0].name} team`] : [],
    councilName: council.name,
    publication: false,
    today: TODAY,
  });

  const baseline = await timed(() =>
    sql`select count(*) from audits where council_id = ${council.id}`.execute(db),
  );
  const line = (what: string, t: Timing, goal: number | null) =>
    console.log(
      `  ${what.padEnd(44)} ${t.median.toFixed(1).padStart(8)} ${t.min.toFixed(1).padStart(8)} ${t.max.toFixed(1).padStart(8)} ${`${(t.median / baseline.median).toFixed(0)}×`.padStart(8)}  ${goal === null ? '' : `${goal.toLocaleString('en-GB')} ms ${t.median < goal ? 'met' : 'MISSED'}`}`,
    );
  console.log(
    `  ${'(ms)'.padEnd(44)} ${'median'.padStart(8)} ${'min'.padStart(8)} ${'max'.padStart(8)} ${'baseline'.padStart(8)}  goal`,
  );
  line('baseline: count the council’s audits', baseline, null);

  const dashboard = await optionalExport('../src/reports/dashboards.ts', (m) => m.qualityDashboard);
  if (dashboard) {
    line('quality dashboard', await timed(() => dashboard(db, council.id, params())), GOAL_MS);
    line(
      'quality dashboard, one team',
      await timed(() => dashboard(db, council.id, params(team.rows[0].id))),
      GOAL_MS,
    );
  } else
    console.log('  (src/reports/dashboards.ts has no qualityDashboard yet: the reports it calls are timed)');

  for (const name of REPORT_NAMES) {
    const what = name === 'sections' ? 'sections (against the year before)' : name;
    line(what, await timed(() => produceReport(db, council.id, name, params())), GOAL_MS);
    line(
      `${what}, one team`,
      await timed(() => produceReport(db, council.id, name, params(team.rows[0].id))),
      GOAL_MS,
    );
  }

  // what the dashboard shows besides the reports: the practice themes most often found below good
  const themes = () =>
    sql`select t.theme_key, count(distinct t.audit_id)::int as audits
      from ${allocationFacts(council.id, monthRange(FROM, TO))} f
      join audit_practice_themes t on t.audit_id = f.audit_id
      where f.status = 'submitted' and f.final_good = false
      group by t.theme_key order by audits desc limit 10`.execute(db);
  line('practice themes below good (top 10)', await timed(themes), GOAL_MS);

  const annual = await optionalExport(
    '../src/reports/annual.ts',
    (m) => Object.entries(m).find(([k, v]) => /docx/i.test(k) && typeof v === 'function')?.[1],
  );
  if (annual) line('annual Word report', await timed(() => annual(db, council.id, params())), ANNUAL_GOAL_MS);
  else {
    console.log(
      '  (src/reports/annual.ts has no Word export yet: the grades report as Word is timed instead)',
    );
    line(
      'grades report as Word (docx)',
      await timed(async () => renderReport(await produceReport(db, council.id, 'grades', params()), 'docx')),
      ANNUAL_GOAL_MS,
    );
  }
  console.log(`  ${label} figures are the median of ${RUNS} runs after one warm-up.`);
}

async function run(
  label: string,
  databaseUrl: string | undefined,
  councils: number,
  years: number,
  dir: string,
) {
  const target = await freshBenchDb(databaseUrl, `reports_${label.toLowerCase()}`, dir);
  const keep = databaseUrl && process.env.BENCH_KEEP === '1';
  try {
    const t0 = performance.now();
    await generate(target.db, councils, years);
    console.log(
      `${label}: ${councils} councils × ${years} programme years made in ${secs(performance.now() - t0)}${SECTION_SHARE < 1 ? ` (section results for ${Math.round(SECTION_SHARE * 100)}% of audits)` : ''}`,
    );
    console.log(`  rows: ${await rowCounts(target.db)}`);
    await measure(label, target.db);
    if (keep) {
      const { rows } = await sql<{ d: string }>`select current_database() as d`.execute(target.db);
      console.log(`  kept database ${rows[0].d}`);
    }
  } finally {
    if (keep) await target.db.destroy();
    else await target.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'qaloop-bench-reports-'));
try {
  try {
    await run('PostgreSQL', DATABASE_URL, COUNCILS, YEARS, dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw err;
    console.log(`No PostgreSQL server at ${DATABASE_URL}: set DATABASE_URL to measure on PostgreSQL.`);
  }
  if (process.env.BENCH_EMBEDDED !== '0')
    await run('Embedded', undefined, Math.min(COUNCILS, 5), Math.min(YEARS, 2), dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
