import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { ROLES } from '../domain/roles.ts';
import { signInWithPassword } from '../services/organisation/auth.ts';
import { createDemoCouncil, DEMO_PASSWORD, DemoRefusedError, type DemoSummary } from './council.ts';

let t: TestDb;
let summary: DemoSummary;

// The run's demo database (made by test/global-setup.ts with createDemoCouncil as of 2026-11-22);
// the fixed-seed test below makes a second one in this process and compares the two.
before(async () => {
  const made = await createTestDb({ demo: true });
  t = made;
  summary = made.demo;
});
after(() => t.close());

test('the demo council is the size the brief asks for', async () => {
  assert.equal(summary.localities, 3);
  assert.ok(summary.teams >= 12, `${summary.teams} teams`);
  assert.ok(summary.staff >= 140 && summary.staff <= 160, `${summary.staff} staff`);
  assert.equal(summary.children, 3000);
  assert.ok(summary.families > 1200 && summary.families < 2500, `${summary.families} families`);
  const serviceAreas = await t.db.selectFrom('service_areas').select('id').execute();
  assert.ok(serviceAreas.length >= 5);
});

test('there is one demo person per role, each able to sign in with the demo password', async () => {
  assert.deepEqual(summary.demoPeople.map((p) => p.role).sort(), [...ROLES].sort());
  for (const person of summary.demoPeople) {
    const staff = await t.db
      .selectFrom('staff')
      .select('email')
      .where('id', '=', person.staffId)
      .executeTakeFirstOrThrow();
    const result = await signInWithPassword(t.db, staff.email as string, DEMO_PASSWORD);
    assert.equal(result.ok, true, person.role);
  }
});

test('everyone but the director and partners has a line manager, and every practitioner’s manager is their team manager', async () => {
  const noManager = await t.db
    .selectFrom('staff')
    .select('job_title')
    .where('line_manager_id', 'is', null)
    .where('partner_agency', 'is', null)
    .execute();
  assert.deepEqual(
    noManager.map((r) => r.job_title).filter((j) => !j.startsWith('Councillor')),
    ['Director of Children’s Services'],
  );
  const mismatched = await sql<{ n: number }>`
    select count(*)::int as n from staff s
    join staff_roles r on r.staff_id = s.id and r.role = 'practitioner'
    join staff m on m.id = s.line_manager_id
    where m.team_id is distinct from s.team_id`.execute(t.db);
  assert.equal(mismatched.rows[0].n, 0);
});

test('every child is allocated to a practitioner in their team, with dates in the past', async () => {
  const rows = await sql<{ unallocated: number; wrong_team: number; future: number }>`
    select
      (select count(*)::int from children c where not exists (select 1 from child_involvements i where i.child_id = c.id and i.end_date is null)) as unallocated,
      (select count(*)::int from child_involvements i join staff s on s.id = i.staff_id where s.team_id <> i.team_id) as wrong_team,
      (select count(*)::int from child_episodes e where e.start_date > '2026-11-22') as future
  `.execute(t.db);
  assert.deepEqual(rows.rows[0], { unallocated: 0, wrong_team: 0, future: 0 });
});

test('the demo council is the same every time (fixed seed)', async () => {
  const other = await createTestDb();
  try {
    await createDemoCouncil(other.db, { today: '2026-11-22' });
    const digest = async (db: TestDb['db']) => {
      const children = await db
        .selectFrom('children')
        .select(['external_id', 'first_name', 'last_name', 'date_of_birth', 'ethnicity'])
        .orderBy('external_id')
        .execute();
      const staff = await db.selectFrom('staff').select(['name', 'job_title']).orderBy('name').execute();
      return createHash('sha256')
        .update(JSON.stringify([children, staff]))
        .digest('hex');
    };
    assert.equal(await digest(t.db), await digest(other.db));
  } finally {
    await other.close();
  }
});

test('the demo council is refused when the database already holds a council, and nothing changes', async () => {
  const before = await t.db
    .selectFrom('children')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  await assert.rejects(createDemoCouncil(t.db), DemoRefusedError);
  const after = await t.db
    .selectFrom('children')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  assert.equal(Number(after.n), Number(before.n));
});

test('the demo runs the programme year’s cycles so far through sampling and allocation, so returns have a history', async () => {
  const { rows } = await sql<{
    month: string;
    planned: number;
    exempted: number;
    returned: number;
    owed: number;
  }>`
    select m.month, count(*)::int as planned,
      count(*) filter (where a.status = 'exempted')::int as exempted,
      count(*) filter (where a.status = 'submitted')::int as returned,
      count(*) filter (where a.status in ('allocated', 'in_progress'))::int as owed
    from audits a join programme_months m on m.id = a.month_id
    where a.reaudit_of_id is null
      -- a recurring review's rounds run every week, learning months too: tested on their own
      and not exists (select 1 from samples s where s.id = a.sample_id and s.review_schedule_id is not null)
    group by m.month order by m.month`.execute(t.db);
  assert.deepEqual(
    rows.map((r) => r.month),
    ['2026-04-01', '2026-05-01', '2026-06-01', '2026-07-01', '2026-09-01', '2026-10-01', '2026-11-01'],
  );
  for (const r of rows) {
    assert.ok(r.returned > 0 && r.exempted >= 0 && r.owed >= 0, JSON.stringify(r));
    assert.ok(r.returned < r.planned, 'some audits are still owed or exempted');
  }
  // every allocated audit keeps the rules: a trained auditor, not the child's worker, their manager or team
  const { rows: broken } = await sql`select a.id from audits a join staff s on s.id = a.auditor_id
    where s.audit_trained_on is null or s.id = a.practitioner_id or s.id = a.practitioner_manager_id
      or s.team_id is not distinct from a.team_id`.execute(t.db);
  assert.deepEqual(broken, []);
  // each sample records the seed and the extract it was drawn from, before the cycle began
  const samples = await t.db.selectFrom('samples').select(['seed', 'snapshot_as_of', 'drawn_at']).execute();
  assert.ok(samples.length >= 6);
  for (const s of samples) assert.ok(s.snapshot_as_of <= new Date(s.drawn_at).toISOString().slice(0, 10));
});

test('the demo’s audits were done through the audit services, in every state', async () => {
  const count = async (
    table:
      | 'audit_drafts'
      | 'audit_section_results'
      | 'audit_oversight'
      | 'practitioner_feedback'
      | 'family_feedback',
  ) =>
    Number(
      (
        await t.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const submitted = await t.db
    .selectFrom('audits')
    .select(['id', 'answers', 'overall_grade', 'kind'])
    .where('status', '=', 'submitted')
    .execute();
  assert.ok(submitted.length > 100);
  assert.ok(
    submitted.every((a) => a.answers !== null),
    'every returned audit has its answers',
  );
  assert.ok(submitted.some((a) => a.overall_grade === 'inadequate'));
  assert.ok((await count('audit_section_results')) > 1000);
  assert.ok((await count('audit_drafts')) > 0, 'drafts under way');
  assert.ok((await count('audit_oversight')) > 0);
  assert.ok((await count('practitioner_feedback')) > 0);
  assert.ok((await count('family_feedback')) > 0);
  const escalations = await t.db.selectFrom('escalations').select(['kind', 'responded_at']).execute();
  assert.ok(
    escalations.some((e) => e.kind === 'immediate' && e.responded_at === null),
    'an immediate concern waiting',
  );
  assert.ok(escalations.some((e) => e.kind === 'drift_delay'));
  const overdue = await t.db
    .selectFrom('audit_actions')
    .select('id')
    .where('status', '=', 'open')
    .where('due_on', '<', '2026-11-22')
    .execute();
  assert.ok(overdue.length > 0, 'actions overdue');
  const reaudits = await t.db
    .selectFrom('audits')
    .select('id')
    .where('reaudit_of_id', 'is not', null)
    .execute();
  assert.ok(reaudits.length > 0, 're-audits scheduled for inadequate audits');
});

test('last year’s audits come from the council’s audit history spreadsheet, imported like any file', async () => {
  const imports = await t.db
    .selectFrom('imports')
    .selectAll()
    .where('format', '=', 'audit-history')
    .execute();
  assert.equal(imports.length, 1);
  const [record] = imports;
  assert.equal(record.file_name, 'Westbrook audit history 2025-26.xlsx');
  assert.equal(record.as_of, '2026-03-31');
  assert.ok(record.rows_read > 500, `${record.rows_read} rows`);
  assert.equal(record.rows_accepted, record.rows_read);
  assert.equal(record.rows_rejected, 0);
  assert.ok(record.finished_at);

  // every month of 2025-26 but the learning month has completed audits with grades and section grades
  const { rows: months } = await sql<{
    month: string;
    full: number;
    graded: number;
    dips: number;
    exempted: number;
  }>`
    select to_char(month, 'YYYY-MM') as month,
      count(*) filter (where activity = 'full' and status = 'completed')::int as full,
      count(*) filter (where activity = 'full' and status = 'completed' and grade is not null
        and (select count(*) from jsonb_object_keys(section_grades)) = 12)::int as graded,
      count(*) filter (where activity = 'dip_sample' and status = 'completed' and grade is not null)::int as dips,
      count(*) filter (where status = 'exempted' and exemption_reason is not null)::int as exempted
    from audit_history group by 1 order by 1`.execute(t.db);
  assert.deepEqual(
    months.map((m) => m.month),
    [
      ...['2025-04', '2025-05', '2025-06', '2025-07', '2025-09', '2025-10', '2025-11', '2025-12'],
      ...['2026-01', '2026-02', '2026-03'],
    ],
    'April to March, with nothing in the August learning month',
  );
  for (const m of months) {
    assert.ok(m.full >= 15 && m.graded === m.full, JSON.stringify(m));
    assert.ok(m.dips >= 20, JSON.stringify(m));
  }
  assert.ok(months.some((m) => m.exempted > 0));

  // no month has both imported history and audits done in QA Loop
  const { rows: overlap } = await sql`
    select distinct h.month from audit_history h
    join programme_months pm on pm.council_id = h.council_id and pm.month = h.month
    join audits a on a.month_id = pm.id`.execute(t.db);
  assert.deepEqual(overlap, []);

  // the history names the council's own children, teams, practitioners and auditors
  const { rows: strangers } = await sql<{
    children: number;
    teams: number;
    auditors: number;
    workers: number;
  }>`
    select
      count(*) filter (where not exists (select 1 from children c where c.external_id = h.child_ref))::int as children,
      count(*) filter (where not exists (select 1 from teams t where t.name = h.team))::int as teams,
      count(*) filter (where not exists (select 1 from staff s join staff_roles r on r.staff_id = s.id
        and r.role = 'auditor' where s.name = h.auditor))::int as auditors,
      count(*) filter (where not exists (select 1 from staff s where s.name = h.practitioner))::int as workers
    from audit_history h`.execute(t.db);
  assert.deepEqual(strangers[0], { children: 0, teams: 0, auditors: 0, workers: 0 });

  // some audits were moderated; this year's full audits are better than last year's, and the plan,
  // family and network and management oversight were last year's weakest sections
  const { rows: years } = await sql<{ last: number; this: number; moderated: number }>`
    select
      (select avg(case when coalesce(moderated_grade, grade) in ('outstanding', 'good') then 1.0 else 0 end)
        from audit_history where activity = 'full' and status = 'completed')::float as last,
      (select avg(case when overall_grade in ('outstanding', 'good') then 1.0 else 0 end)
        from audits where kind = 'full_audit' and status = 'submitted')::float as this,
      (select avg(case when moderated_grade is not null then 1.0 else 0 end)
        from audit_history where activity = 'full' and status = 'completed')::float as moderated`.execute(
    t.db,
  );
  assert.ok(years[0].last < years[0].this, JSON.stringify(years[0]));
  assert.ok(years[0].moderated > 0.05 && years[0].moderated < 0.2, JSON.stringify(years[0]));
  const { rows: sections } = await sql<{ section: string }>`
    select e.key as section from audit_history h, jsonb_each_text(h.section_grades) e
    where h.status = 'completed' group by e.key
    order by avg(case when e.value in ('outstanding', 'good') then 1.0 else 0 end), e.key limit 3`.execute(
    t.db,
  );
  assert.deepEqual(sections.map((s) => s.section).sort(), ['section_10', 'section_6', 'section_8']);
});

test('the demo’s reports are full: every finished cycle has what the QA lead wrote, and each report has figures', async () => {
  const { rows } = await sql<{ month: string; strengths: string; areas: string }>`
    select pm.month::text as month, n.strengths, n.areas_for_development as areas
    from programme_months pm left join cycle_report_notes n on n.month_id = pm.id
    where not pm.learning_month and pm.month between '2026-04-01' and '2026-10-01' order by pm.month`.execute(
    t.db,
  );
  assert.equal(rows.length, 6, 'six finished cycles with audits (August is a learning month)');
  for (const r of rows) {
    assert.ok(r.strengths?.length > 50, `${r.month} has its strengths`);
    assert.ok(r.areas?.length > 50, `${r.month} has its areas for development`);
  }
  const current = await sql<{ n: number }>`
    select count(*)::int as n from cycle_report_notes n join programme_months pm on pm.id = n.month_id
    where pm.month = '2026-11-01'`.execute(t.db);
  assert.equal(current.rows[0].n, 0, 'the cycle under way has none yet');

  const params = {
    from: '2026-04',
    to: '2026-11',
    filters: {},
    filterWords: [],
    councilName: 'Westbrook Borough Council',
    publication: false,
    today: '2026-11-22',
  };
  const { produceReport, REPORT_NAMES } = await import('../reports/catalogue.ts');
  const councilId = (await t.db.selectFrom('councils').select('id').executeTakeFirstOrThrow()).id;
  for (const name of REPORT_NAMES) {
    const produced = await produceReport(t.db, councilId, name, params);
    const rowsShown = produced.document.sections
      .flatMap((s) => s.tables)
      .reduce((n, x) => n + x.rows.length, 0);
    assert.ok(rowsShown > 0, `the ${name} report has figures`);
  }
  const sections = (await produceReport(t.db, councilId, 'sections', params)).json as { improved: number };
  assert.ok(sections.improved > 0, 'the section view compares with last year’s imported history');
});
