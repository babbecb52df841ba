/**
 * Cohorts and samples at scale: a snapshot of children (in families of 1.6 on average, 40 teams)
 * generated in the database, then, on the embedded database and on PostgreSQL (when DATABASE_URL
 * is set), as the app's role within the council's scope (row-level security), as the app runs:
 *   - the snapshot's case summary, worked out once after an import;
 *   - the size and breakdown of "all open cases" and of "CP plan after a CIN plan, one per family";
 *   - planning and drawing a stratified sample of 100 (by team) from each, written as audits, and
 *     a second sample of the same cycle, which leaves out the children of the first;
 * each against a baseline measured in the same run: counting the snapshot's children. Issue 22's
 * goal: a stratified sample of 100 from all 400,000 open children in under 1 s on PostgreSQL.
 *
 *   node bench/sampling.ts [children on PostgreSQL, 400000] [children embedded, 100000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { withCouncil } from '../src/data/council-context.ts';
import { appDb, type Db } from '../src/data/db.ts';
import { cohortDefinitionSchema } from '../src/domain/cohort-definition.ts';
import { addServiceArea, addTeam, createCouncil } from '../src/services/organisation/councils.ts';
import { createProgrammeYear, getProgrammeYear } from '../src/services/programme/programme.ts';
import { cohortBreakdown, latestScope } from '../src/services/sampling/cohort-query.ts';
import { drawRequestSchema, drawSample, planSample } from '../src/services/sampling/samples.ts';
import { freshBenchDb } from './fresh-db.ts';

const PG_CHILDREN = Number(process.argv[2] ?? 400_000);
const EMBEDDED_CHILDREN = Number(process.argv[3] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'qaloop-bench-sampling-'));

/** A council with 40 teams and a snapshot of `children` children, written set-wise in SQL. */
async function generate(db: Db, children: number) {
  const council = await createCouncil(db, { code: 'bench', name: 'Bench Council' });
  const areas = [];
  for (const name of ['Safeguarding', 'Children in need', 'Children in care', 'Early help'])
    areas.push(await addServiceArea(db, council.id, name));
  for (let i = 0; i < 40; i++)
    await addTeam(db, council.id, { name: `Team ${i + 1}`, serviceAreaId: areas[i % 4] });
  const yearId = await createProgrammeYear(db, council.id, { startMonth: '2026-04' }, '2026-04-01');
  const year = await getProgrammeYear(db, council.id, yearId);
  const monthId = year?.months.find((m) => m.month === '2026-11-01')?.id as string;
  const c = council.id;
  await sql`insert into staff (council_id, name, job_title, team_id)
    select ${c}, 'Worker ' || g, 'Social Worker', (select id from teams where council_id = ${c} order by name offset g % 40 limit 1)
    from generate_series(0, 1999) g`.execute(db);
  await sql`insert into families (council_id, external_id)
    select ${c}, 'FAM' || g from generate_series(0, ${Math.ceil(children / 1.6)}) g`.execute(db);
  await sql`insert into children (council_id, external_id, family_id, date_of_birth, gender, ethnicity)
    select ${c}, 'C' || g, f.id, date '2008-01-01' + (g % 6500), case when g % 2 = 0 then 'male' else 'female' end, 'WBRI'
    from generate_series(0, ${children - 1}) g
    join families f on f.council_id = ${c} and f.external_id = 'FAM' || (g * 10 / 16)`.execute(db);
  await sql`insert into snapshots (council_id, as_of) values (${c}, '2026-11-20')`.execute(db);
  const snapshot = sql`(select id from snapshots where council_id = ${c})`;
  await sql`insert into snapshot_children (council_id, snapshot_id, source, child_id)
    select ${c}, ${snapshot}, 'ssd', id from children where council_id = ${c}`.execute(db);
  await sql`with w as (select id, team_id, row_number() over (order by id) - 1 as n from staff where council_id = ${c})
    insert into child_involvements (council_id, snapshot_id, source, child_id, staff_id, team_id, start_date)
    select ${c}, ${snapshot}, 'ssd', ch.id, w.id, w.team_id, date '2025-06-01'
    from children ch join w on w.n = abs(hashtext(ch.external_id)) % 2000 where ch.council_id = ${c}`.execute(
    db,
  );
  // a mix of statuses; one child in ten on a CP plan, most of them after a CIN plan
  await sql`insert into child_episodes (council_id, snapshot_id, source, child_id, kind, start_date, end_date)
    select ${c}, ${snapshot}, 'ssd', id,
      (array['cp_plan','cin_plan','cla','early_help','care_leaver','cin_plan','early_help','cla','cin_plan','early_help'])[1 + abs(hashtext('k' || external_id)) % 10],
      date '2024-01-01' + abs(hashtext('d' || external_id)) % 900, null
    from children where council_id = ${c}`.execute(db);
  await sql`insert into child_episodes (council_id, snapshot_id, source, child_id, kind, start_date, end_date)
    select e.council_id, e.snapshot_id, 'ssd', e.child_id, 'cin_plan', e.start_date - 200, e.start_date - 1
    from child_episodes e join children ch on ch.id = e.child_id
    where e.council_id = ${c} and e.kind = 'cp_plan' and abs(hashtext('p' || ch.external_id)) % 10 < 6`.execute(
    db,
  );
  await sql`analyze`.execute(db);
  return { councilId: c, monthId };
}

async function measure(label: string, databaseUrl: string | undefined, children: number) {
  const target = await freshBenchDb(databaseUrl, label.toLowerCase().replace(/\W+/g, '_'), dir);
  // the app's requests run as its role, held to the council by row-level security
  const app = appDb(target.db);
  try {
    const t0 = performance.now();
    const { councilId, monthId } = await generate(target.db, children);
    console.log(
      `${label}: ${children.toLocaleString('en-GB')} children generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    await withCouncil(councilId, () => measureCouncil(target.db, app, councilId, monthId));
  } finally {
    await app.destroy();
    await target.close();
  }
}

/** The figures for one council, as its app role; `owner` only sets up and clears what is drawn. */
async function measureCouncil(owner: Db, db: Db, councilId: string, monthId: string) {
  const summary = performance.now();
  const scope = await latestScope(db, councilId);
  if (!scope) throw new Error('no snapshot');
  console.log(
    `  the snapshot's case summary, worked out once after the import: ${(performance.now() - summary).toFixed(0)} ms`,
  );
  const count = () =>
    sql<{
      n: number;
    }>`select count(*)::int as n from snapshot_children where snapshot_id = ${scope.snapshotId}`.execute(db);
  /**
   * A figure and its baseline, each the median of three, taken in turn (the machine's load moves
   * while a figure is measured); `after` runs untimed after each (removing what a draw wrote).
   */
  const paired = async <T>(fn: () => Promise<T>, after?: (value: T) => Promise<void>) => {
    const times: number[] = [];
    const baselines: number[] = [];
    let value: T | undefined;
    for (let i = 0; i < 3; i++) {
      let t0 = performance.now();
      await count();
      baselines.push(performance.now() - t0);
      t0 = performance.now();
      value = await fn();
      times.push(performance.now() - t0);
      await after?.(value);
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[1];
    return { ms: median(times), baseline: median(baselines), value: value as T };
  };
  const line = (what: string, figure: { ms: number; baseline: number }) =>
    console.log(
      `  ${what.padEnd(46)} ${figure.ms.toFixed(0).padStart(6)} ms  (${(figure.ms / figure.baseline).toFixed(1)}× its baseline, ${figure.baseline.toFixed(0)} ms)`,
    );
  console.log(
    `  baseline: count the snapshot's children (${(await count()).rows[0].n.toLocaleString('en-GB')}), measured before each figure`,
  );
  const drawer = await owner
    .selectFrom('staff')
    .select('id')
    .where('council_id', '=', councilId)
    .executeTakeFirstOrThrow();
  const cohorts = {
    'all open cases': {},
    'CP plan after a CIN plan, one per family': {
      statuses: ['cp_plan'],
      cpPlanAfter: ['cin_plan'],
      onePerFamily: true,
    },
  };
  const forget = async (sampleId: string) => {
    await owner.deleteFrom('audits').where('sample_id', '=', sampleId).execute();
    await owner.deleteFrom('sample_left_out').where('sample_id', '=', sampleId).execute();
    await owner.deleteFrom('samples').where('id', '=', sampleId).execute();
  };
  for (const [name, definition] of Object.entries(cohorts)) {
    const row = await owner
      .insertInto('cohorts')
      .values({ council_id: councilId, name: `Bench: ${name}`, definition: JSON.stringify(definition) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const d = cohortDefinitionSchema.parse(definition);
    const size = await paired(() => cohortBreakdown(db, scope, d));
    const request = (seed: number) =>
      drawRequestSchema.parse({
        monthId,
        cohortId: row.id,
        kind: 'full_audit',
        sizeKind: 'count',
        count: 100,
        method: 'stratified',
        stratifyBy: 'team',
        seed,
      });
    const plan = await paired(() => planSample(db, councilId, request(12345)));
    // each draw afresh: the sample drawn before is removed, untimed
    const draw = await paired(() => drawSample(db, councilId, drawer.id, request(12345)), forget);
    // a second sample of the cycle leaves out the 100 children of the first
    const first = await drawSample(db, councilId, drawer.id, request(12345));
    const second = await paired(() => drawSample(db, councilId, drawer.id, request(54321)), forget);
    await forget(first);
    console.log(
      `  cohort "${name}": ${size.value.children.toLocaleString('en-GB')} children, ${size.value.families.toLocaleString('en-GB')} families`,
    );
    line('size and breakdown (the cohort page)', size);
    line('plan a stratified sample of 100', plan);
    line('draw: cohort worked out, 100 drawn, written', draw);
    line('a second sample of the cycle, leaving out 100', second);
  }
}

try {
  await measure('Embedded database', undefined, EMBEDDED_CHILDREN);
  if (process.env.DATABASE_URL) await measure('PostgreSQL', process.env.DATABASE_URL, PG_CHILDREN);
  else
    console.log(
      `PostgreSQL: set DATABASE_URL (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/sampling.ts) to measure ${PG_CHILDREN.toLocaleString('en-GB')} children there`,
    );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
