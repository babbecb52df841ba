import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { Agent, createTestApp, errorSummaryItems, TEST_TODAY } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDbWithDemo } from '../../../../test/helpers/db.ts';
import { appDb } from '../../../data/db.ts';
import * as retentionMigration from '../../../data/migrations/0018-shared-counters-and-retention.ts';
import { type JobQueue, startQueue } from '../../../data/queue.ts';
import { runRetention, startRetentionWorker } from '../../../jobs/retention-worker.ts';
import { createCouncil } from '../../../services/organisation/councils.ts';
import {
  applyRetention,
  applyRetentionToAll,
  getRetentionSettings,
  RETENTION_DEFAULTS,
  RetentionFailed,
} from '../../../services/organisation/retention.ts';

// How long a council keeps old snapshots and access-log entries: set by the QA lead or an
// administrator, applied each night by the job queue, and what was removed shown on the page.

let t: TestDbWithDemo;
let app: FastifyInstance;
let councilId: string;

before(async () => {
  t = await createTestDb({ demo: true });
  app = await createTestApp(t.db);
  councilId = (await t.db.selectFrom('councils').select('id').executeTakeFirstOrThrow()).id;
});
after(async () => {
  await app?.close();
  await t?.close();
});

async function settings() {
  return t.db
    .selectFrom('council_settings')
    .select(['snapshot_retention_months', 'access_log_retention_months'])
    .where('council_id', '=', councilId)
    .executeTakeFirst();
}

test('the QA lead and an administrator may see and change the settings; others may not', async () => {
  for (const role of ['qa_lead', 'administrator']) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    const res = await agent.get('/settings/retention');
    assert.equal(res.statusCode, 200, role);
    assert.match(res.body, /name="snapshotMonths"[^>]*value="24"|value="24"[^>]*name="snapshotMonths"/);
    assert.match(res.body, /Not yet applied/);
  }
  for (const role of ['senior_leader', 'practitioner', 'workforce_development']) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    assert.equal((await agent.get('/settings/retention')).statusCode, 403, role);
    const post = await agent.post(
      '/settings/retention',
      { snapshotMonths: '3', accessLogMonths: '12' },
      '/account',
    );
    assert.equal(post.statusCode, 403, role);
  }
  const saved = await settings();
  assert.notEqual(saved?.access_log_retention_months, 12, 'nothing changed by those refused');
});

test('bad months are refused with an error summary, what was typed kept, and nothing saved', async () => {
  const before = await settings();
  const agent = new Agent(app);
  await agent.signInAs('qa_lead');
  const res = await agent.post(
    '/settings/retention',
    { snapshotMonths: 'two years', accessLogMonths: '6' },
    '/settings/retention',
  );
  assert.equal(res.statusCode, 400);
  assert.deepEqual(errorSummaryItems(res.body), [
    { href: '#snapshotMonths', text: 'Enter the number of months as a whole number, like 24' },
    { href: '#accessLogMonths', text: 'Enter how many months access-log entries are kept, from 12 to 300' },
  ]);
  assert.match(res.body, /value="two years"/);
  assert.deepEqual(await settings(), before);

  const ok = await agent.post(
    '/settings/retention',
    { snapshotMonths: '18', accessLogMonths: '72' },
    '/settings/retention',
  );
  assert.equal(ok.statusCode, 302);
  assert.deepEqual(await settings(), { snapshot_retention_months: 18, access_log_retention_months: 72 });

  // the people in the access log can shorten it, so every change is in the security log: who, and
  // the old and new values; the refused attempt above left no entry
  const events = await t.db
    .selectFrom('security_events')
    .select(['actor_id', 'detail'])
    .where('council_id', '=', councilId)
    .where('kind', '=', 'retention_changed')
    .execute();
  assert.equal(events.length, 1);
  const actor = await t.db
    .selectFrom('staff')
    .select('council_id')
    .where('id', '=', events[0]?.actor_id ?? '00000000-0000-0000-0000-000000000000')
    .executeTakeFirst();
  assert.equal(actor?.council_id, councilId, 'who saved it: the signed-in member of staff');
  assert.deepEqual(events[0]?.detail, {
    snapshots: `${before?.snapshot_retention_months ?? 24} months, now 18 months`,
    accessLog: `${before?.access_log_retention_months ?? 72} months, now 72 months`,
  });
  const log = await agent.get('/security?kind=retention_changed');
  assert.equal(log.statusCode, 200);
  assert.match(log.body, /Data retention settings changed/);
  assert.match(log.body, /Snapshots: 24 months, now 18 months/);
});

test('the nightly job removes what is older, never a sampled or the latest snapshot, and the page says what', async () => {
  const staff = await t.db
    .selectFrom('staff')
    .innerJoin('user_accounts', 'user_accounts.staff_id', 'staff.id')
    .select(['staff.id as staffId', 'user_accounts.id as userId'])
    .where('staff.council_id', '=', councilId)
    .executeTakeFirstOrThrow();
  const snapshot = (asOf: string) =>
    t.db
      .insertInto('snapshots')
      .values({ council_id: councilId, as_of: asOf })
      .returning('id')
      .executeTakeFirstOrThrow()
      .then((r) => r.id);
  const old = await snapshot('2019-03-31');
  const sampled = await snapshot('2019-06-30');
  const recent = await snapshot('2026-01-31');
  // a sample drawn from the old snapshot (and its audits, its cohort) keeps it
  const sample = await t.db
    .selectFrom('samples')
    .select('id')
    .where('council_id', '=', councilId)
    .executeTakeFirstOrThrow();
  await t.db.updateTable('samples').set({ snapshot_id: sampled }).where('id', '=', sample.id).execute();
  const view = (at: string) =>
    t.db
      .insertInto('access_log')
      .values({
        council_id: councilId,
        user_id: staff.userId,
        staff_id: staff.staffId,
        record_type: 'audit',
        record_id: 'retention-test',
        reason: 'test',
        route: '/audits/:id',
        viewed_at: new Date(at),
      })
      .execute();
  await view('2019-01-15T10:00:00Z');
  await view('2025-06-15T10:00:00Z');
  const latest = await t.db
    .selectFrom('latest_snapshots')
    .select('id')
    .where('council_id', '=', councilId)
    .executeTakeFirstOrThrow();

  // access log kept 72 months, snapshots 18 (saved above): as of TEST_TODAY
  const queue: JobQueue = await startQueue(t.db, { background: false, pollingIntervalSeconds: 0.5 });
  // The worker runs as the app's role, held by the database to one council at a time, as in `qaloop serve`.
  const workerDb = appDb(t.db);
  try {
    await startRetentionWorker(queue, { db: workerDb, cron: null });
    await runRetention(queue, TEST_TODAY);
    // wait for the job (no time limit asserted: the run's own timeout applies)
    while ((await t.db.selectFrom('retention_runs').select('id').execute()).length < 2)
      await new Promise((r) => setTimeout(r, 200));
  } finally {
    await queue.stop();
    await workerDb.destroy();
  }

  const left = new Set((await t.db.selectFrom('snapshots').select('id').execute()).map((r) => r.id));
  assert.ok(!left.has(old), 'the old, unsampled snapshot is removed');
  assert.ok(left.has(sampled), 'the sampled snapshot stays');
  assert.ok(left.has(recent), 'a recent snapshot stays');
  assert.ok(left.has(latest.id), 'the latest snapshot stays');
  const views = await t.db
    .selectFrom('access_log')
    .select('viewed_at')
    .where('record_id', '=', 'retention-test')
    .execute();
  assert.deepEqual(
    views.map((v) => new Date(v.viewed_at).toISOString()),
    ['2025-06-15T10:00:00.000Z'],
  );

  const runs = await t.db
    .selectFrom('retention_runs')
    .select(['council_id', 'kind', 'removed', 'cut_off'])
    .orderBy('kind')
    .execute();
  assert.equal(runs.length, 2);
  const accessRun = runs.find((r) => r.kind === 'access_log');
  assert.ok(accessRun && accessRun.removed >= 1 && accessRun.council_id === councilId);
  const snapshotRun = runs.find((r) => r.kind === 'snapshots');
  assert.ok(snapshotRun && snapshotRun.removed >= 1);

  const agent = new Agent(app);
  await agent.signInAs('administrator');
  const page = await agent.get('/settings/retention');
  const removed = accessRun.removed;
  assert.match(
    page.body,
    new RegExp(
      `Last applied [^<]*: removed ${removed} access-log entr(y|ies) older than \\d+ [A-Z][a-z]+ 20\\d\\d`,
    ),
  );
  assert.match(page.body, /removed \d+ snapshots? older than/);

  // a second run (another night, or the queue's retry) removes nothing; the last removal still shows
  await applyRetention(t.db, councilId, TEST_TODAY);
  const again = await agent.get('/settings/retention');
  assert.match(
    again.body,
    new RegExp(
      `Last applied [^<]*: removed nothing; last removal [^<]*: ${removed} access-log entr(y|ies) older than`,
    ),
  );
});

test('one council failing does not stop the others; the job fails so it is tried again, and the log has no message', async () => {
  const other = await createCouncil(t.db, { code: 'RT2', name: 'Retention second council' });
  // a real database refusal for the demo council only, with a value in its message
  await sql`
    create function refuse_retention() returns trigger language plpgsql as $$
    begin
      if new.council_id = ${sql.lit(councilId)}::uuid then
        raise exception 'refused for Jane Smith' using errcode = '23514';
      end if;
      return new;
    end $$
  `.execute(t.db);
  await sql`create trigger refuse_retention before insert on retention_runs for each row execute function refuse_retention()`.execute(
    t.db,
  );
  // an old failed sign-in (a client address) goes too; a recent one is still needed by the throttle
  await t.db
    .insertInto('sign_in_failures')
    .values([
      { account_id: null, address: '192.0.2.7', failed_at: new Date(Date.now() - 2 * 24 * 3600_000) },
      { account_id: null, address: '192.0.2.8', failed_at: new Date() },
    ])
    .execute();
  const logged: object[] = [];
  // As the nightly job runs it: as the app's role, which sees each council only in its turn.
  const jobDb = appDb(t.db);
  try {
    await assert.rejects(
      applyRetentionToAll(jobDb, '2026-12-01', { error: (details) => logged.push(details) }),
      (err: Error) => err instanceof RetentionFailed && err.failed === 1,
    );
  } finally {
    await jobDb.destroy();
    await sql`drop trigger refuse_retention on retention_runs`.execute(t.db);
    await sql`drop function refuse_retention()`.execute(t.db);
  }
  const otherRuns = await t.db
    .selectFrom('retention_runs')
    .select('kind')
    .where('council_id', '=', other.id)
    .execute();
  assert.equal(otherRuns.length, 2, 'the council after the failing one was still done');
  // the council and the kind of failure (its name and database code), never the message
  assert.equal(logged.length, 1);
  const entry = logged[0] as { councilId: string; failure: { type: string; code?: string } };
  assert.deepEqual(Object.keys(entry).sort(), ['councilId', 'failure']);
  assert.equal(entry.councilId, councilId);
  assert.equal(entry.failure.code, '23514');
  assert.doesNotMatch(JSON.stringify(logged), /Jane|Smith|refused/);
  const addresses = (await t.db.selectFrom('sign_in_failures').select('address').execute()).map(
    (r) => r.address,
  );
  assert.ok(!addresses.includes('192.0.2.7'), 'a day-old failed sign-in is removed');
  assert.ok(addresses.includes('192.0.2.8'), 'a recent one stays for the throttle');
});

test('councils here before retention existed keep everything until someone saves the settings', async () => {
  const fresh = await createTestDb();
  try {
    const before = await createCouncil(fresh.db, { code: 'OLD', name: 'Council from before' });
    await fresh.db.insertInto('snapshots').values({ council_id: before.id, as_of: '2015-03-31' }).execute();
    await fresh.db.insertInto('snapshots').values({ council_id: before.id, as_of: '2026-03-31' }).execute();
    // the upgrade: 0018 run again over a council that already exists
    await retentionMigration.down(fresh.db as never);
    await retentionMigration.up(fresh.db as never);
    const after = await createCouncil(fresh.db, { code: 'NEW', name: 'Council from after' });

    assert.deepEqual(await getRetentionSettings(fresh.db, before.id), {
      snapshotMonths: null,
      accessLogMonths: null,
    });
    assert.deepEqual(await getRetentionSettings(fresh.db, after.id), RETENTION_DEFAULTS);
    assert.deepEqual(
      await applyRetention(fresh.db, before.id, '2026-12-01'),
      [],
      'nothing removed or recorded',
    );
    const kept = await fresh.db
      .selectFrom('snapshots')
      .select('as_of')
      .where('council_id', '=', before.id)
      .execute();
    assert.equal(kept.length, 2, 'the 2015 snapshot is still there');
    // another settings page making the row later does not give it the defaults by accident
    const row = await fresh.db
      .selectFrom('council_settings')
      .select(['snapshot_retention_months'])
      .where('council_id', '=', before.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.snapshot_retention_months, null);
  } finally {
    await fresh.close();
  }

  // and the page says so plainly, offering the usual periods to save
  const saved = await settings();
  await t.db
    .updateTable('council_settings')
    .set({ snapshot_retention_months: null, access_log_retention_months: null })
    .where('council_id', '=', councilId)
    .execute();
  const agent = new Agent(app);
  await agent.signInAs('qa_lead');
  const page = await agent.get('/settings/retention');
  assert.match(
    page.body,
    /Not set yet: nothing is removed until the QA lead or administrator saves the retention settings/,
  );
  assert.match(page.body, /value="24"/);
  await t.db
    .updateTable('council_settings')
    .set(saved ?? {})
    .where('council_id', '=', councilId)
    .execute();
});
