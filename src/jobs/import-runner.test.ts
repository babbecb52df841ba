import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { rowsThePlannerBelieves } from '../../test/helpers/planner.ts';
import { appDb, type Db } from '../data/db.ts';
import {
  discardUpload,
  type ImportRequest,
  queueImportJob,
  stageUpload,
  uploadsDir,
} from '../services/case-data/import-jobs.ts';
import { createCouncil } from '../services/organisation/councils.ts';
import { ImportRunner, INSTANCE, importsIdle, jobLockKeys, jobProgress } from './import-runner.ts';

let t: TestDb;
let councilId: string;
let staffId: string;
let dataDir: string;
let tempDir: string;
const logged: { details: object; message: string }[] = [];
const log = {
  info: (details: object, message: string) => logged.push({ details, message }),
  error: (details: object, message: string) => logged.push({ details, message }),
};
let runner: ImportRunner;
/** The app's Db, as the runner has it in `qaloop serve`: the app's role, held to one council at a time. */
let appsDb: Db;

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'ir', name: 'Runner Council' })).id;
  staffId = (
    await t.db
      .insertInto('staff')
      .values({ council_id: councilId, name: 'Quinn Lead', job_title: 'QA lead' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  dataDir = mkdtempSync(join(tmpdir(), 'qaloop-runner-'));
  tempDir = mkdtempSync(join(tmpdir(), 'qaloop-runner-temp-'));
  appsDb = appDb(t.db);
  runner = new ImportRunner({ db: appsDb, dataDir, log, tempDir });
});
after(async () => {
  await runner.close();
  await appsDb.destroy();
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(tempDir, { recursive: true, force: true });
});

const HEADER = 'child_id,month,activity,status,scale,completed_on,grade';
const GOOD = '100001,2025-04,full,completed,four_point,2025-04-20,good';
const BAD = '100002,2025-04,full,completed,four_point,,good';

const request = (over: Partial<ImportRequest> = {}): ImportRequest => ({
  format: undefined,
  mappingId: undefined,
  asOf: '2026-11-20',
  strict: false,
  ...over,
});

async function queue(text: string, over: Partial<ImportRequest> = {}, fileName = 'history.csv') {
  const staged = await stageUpload(dataDir, Readable.from([text]), fileName);
  try {
    return await queueImportJob(t.db, staged, request(over), { source: 'web', councilId, staffId });
  } finally {
    await discardUpload(staged);
  }
}

/** The bytes of a job's file still kept in the database. */
const storedBytes = async (jobId: string) =>
  (
    await t.db
      .selectFrom('import_upload_chunks')
      .select('data')
      .where('job_id', '=', jobId)
      .orderBy('seq')
      .execute()
  ).reduce((n, c) => n + c.data.length, 0);

/** What is left in the data folder's uploads folder and in this instance's temporary folder. */
const leftOnDisk = () => [...readdirSync(uploadsDir(dataDir)), ...readdirSync(tempDir)];

const jobRow = (id: string) =>
  t.db.selectFrom('import_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

const historyCount = async () =>
  Number(
    (
      await t.db
        .selectFrom('audit_history')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('council_id', '=', councilId)
        .executeTakeFirstOrThrow()
    ).n,
  );

test('a job reads its file from the database, ends done with its import, and its upload is removed', async () => {
  const text = [HEADER, GOOD, BAD].join('\n');
  const jobId = await queue(text);
  assert.equal(await storedBytes(jobId), Buffer.byteLength(text), 'the whole file is kept in the database');
  assert.deepEqual(leftOnDisk(), [], 'nothing of it is left on this instance’s disk');
  await runner.start(jobId);
  const job = await jobRow(jobId);
  assert.equal(job.state, 'done');
  assert.equal(job.rows_read, 2);
  assert.equal(Number(job.bytes_read), Number(job.bytes_total));
  assert.ok(job.finished_at);
  const made = await t.db
    .selectFrom('imports')
    .selectAll()
    .where('id', '=', job.import_id as string)
    .executeTakeFirstOrThrow();
  assert.equal(made.source, 'web');
  assert.equal(made.started_by, staffId);
  assert.equal(made.file_name, 'history.csv');
  assert.equal(made.as_of, '2026-11-20');
  assert.ok(
    (job.finished_at as Date) >= made.started_at,
    'the job is said to have finished when it did, not when its transaction began',
  );
  assert.deepEqual(job.summary, {
    format: 'audit-history',
    asOf: '2026-11-20',
    rowsRead: 2,
    rowsAccepted: 1,
    rowsRejected: 1,
    errors: [
      {
        file: 'history.csv',
        row: 3,
        column: 'completed_on',
        message: 'A completed audit needs the date it was completed',
      },
    ],
  });
  assert.equal(await storedBytes(jobId), 0, 'the file has gone from the database');
  assert.deepEqual(leftOnDisk(), [], 'and the copy read from disk');
  assert.equal(jobProgress(jobId), undefined);
});

test('once a job is done, the database’s statistics know the rows it brought, so later pages are planned for them', async () => {
  const lines = [HEADER, ...Array.from({ length: 40 }, (_, i) => GOOD.replace('100001', String(200000 + i)))];
  const jobId = await queue(lines.join('\n'));
  await runner.start(jobId);
  assert.equal((await jobRow(jobId)).state, 'done');
  const rows = await historyCount();
  assert.ok(rows >= 40);
  assert.equal(
    await rowsThePlannerBelieves(t.db, 'audit_history'),
    rows,
    'the statistics count every history row, this import’s with them',
  );
});

test('once case data is in, its case summary is worked out too, so the first cohort page after it does not wait for it', async () => {
  const list6 = [
    'ChildUniqueID,Gender,Ethnicity,DateOfBirth,HasDisability,CINStartDate',
    ...Array.from({ length: 30 }, (_, i) => `S${i + 1},a) Male,a) WBRI,01/04/2015,b) No,01/04/2024`),
  ].join('\n');
  const jobId = await queue(list6, { format: 'annex-a' }, 'list6.csv');
  await runner.start(jobId);
  assert.equal((await jobRow(jobId)).state, 'done');
  const latest = await t.db
    .selectFrom('latest_snapshots')
    .select('id')
    .where('council_id', '=', councilId)
    .executeTakeFirstOrThrow();
  const summarised = await t.db
    .selectFrom('snapshot_cases')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('snapshot_id', '=', latest.id)
    .executeTakeFirstOrThrow();
  assert.equal(Number(summarised.n), 30, 'every child of the extract is in the summary');
  const built = await t.db
    .selectFrom('snapshot_case_builds')
    .select('snapshot_id')
    .where('snapshot_id', '=', latest.id)
    .execute();
  assert.equal(built.length, 1);
});

test('strict: one invalid row refuses the file, nothing is imported, and the errors are kept for the page', async () => {
  const before = await historyCount();
  const imports = (await t.db.selectFrom('imports').select('id').execute()).length;
  const jobId = await queue([HEADER, GOOD.replace('100001', '200001'), BAD].join('\n'), { strict: true });
  await runner.start(jobId);
  const job = await jobRow(jobId);
  assert.equal(job.state, 'refused');
  assert.match(job.message ?? '', /1 of 2 rows are invalid, so nothing was imported/);
  assert.equal((job.summary as { rowsRejected: number }).rowsRejected, 1);
  assert.equal((job.summary as { errors: unknown[] }).errors.length, 1);
  assert.equal(job.import_id, null);
  assert.equal(await historyCount(), before);
  assert.equal((await t.db.selectFrom('imports').select('id').execute()).length, imports);
  assert.equal(await storedBytes(jobId), 0, 'the refused file is not kept');
});

test('a file that is not the format asked for is refused with the reader’s reason', async () => {
  const jobId = await queue('name,age\nSam,4\n', { format: 'audit-history' }, 'people.csv');
  await runner.start(jobId);
  const job = await jobRow(jobId);
  assert.equal(job.state, 'refused');
  assert.match(job.message ?? '', /people\.csv is not an audit history file/);
  assert.equal(job.summary, null);
});

test('a job left running by a stopped process (its lock gone with it) is read again when the app starts', async () => {
  const jobId = await queue([HEADER, GOOD.replace('100001', '300001')].join('\n'));
  await t.db
    .updateTable('import_jobs')
    .set({ state: 'running', rows_read: 1 })
    .where('id', '=', jobId)
    .execute();
  const restarted = new ImportRunner({ db: appsDb, dataDir, log, tempDir });
  await restarted.runPending();
  const job = await jobRow(jobId);
  assert.equal(job.state, 'done');
  assert.equal((job.summary as { rowsAccepted: number }).rowsAccepted, 1);
  assert.ok(job.import_id);
});

test('a job the process stopped on twice is not read a third time: it fails, saying why, and its file goes', async () => {
  const jobId = await queue([HEADER, GOOD.replace('100001', '300002')].join('\n'));
  await t.db
    .updateTable('import_jobs')
    .set({ state: 'running', attempts: 2 })
    .where('id', '=', jobId)
    .execute();
  await new ImportRunner({ db: appsDb, dataDir, log, tempDir }).runPending();
  const job = await jobRow(jobId);
  assert.equal(job.state, 'failed');
  assert.match(job.message ?? '', /stopped twice while reading this file/);
  assert.equal(await storedBytes(jobId), 0);
});

test('a job whose file has gone is marked failed, with a message to upload it again', async () => {
  const jobId = await queue([HEADER, GOOD].join('\n'));
  await t.db.deleteFrom('import_upload_chunks').where('job_id', '=', jobId).where('seq', '=', 0).execute();
  await new ImportRunner({ db: appsDb, dataDir, log, tempDir }).runPending();
  const job = await jobRow(jobId);
  assert.equal(job.state, 'failed');
  assert.match(job.message ?? '', /upload it again/);
});

test('an unexpected failure ends the job failed with a plain message, logged without the file or its contents', async () => {
  const jobId = await queue([HEADER, GOOD].join('\n'), { format: 'audit-history' }, 'Smith family.csv');
  // The database refuses the import's record the way databases do, repeating what it refused.
  const failing = t.db.withPlugin({
    transformQuery(args) {
      const node = args.node as { kind: string; into?: { table: { identifier: { name: string } } } };
      if (node.kind === 'InsertQueryNode' && node.into?.table.identifier.name === 'imports')
        throw new Error('duplicate key value (Jane Smith, Smith family.csv, 12 High Street)');
      return args.node;
    },
    async transformResult(args) {
      return args.result;
    },
  });
  logged.length = 0;
  await new ImportRunner({ db: failing, dataDir, log, tempDir }).start(jobId);
  const job = await jobRow(jobId);
  assert.equal(job.state, 'failed');
  assert.match(job.message ?? '', /Something went wrong while reading the file, so nothing was imported/);
  const failure = logged.find((l) => l.message === 'import job failed');
  assert.ok(failure, 'the failure is logged');
  const text = JSON.stringify(logged);
  assert.doesNotMatch(text, /Smith|High Street|duplicate key/);
  assert.match(text, new RegExp(jobId));
  assert.equal(await storedBytes(jobId), 0);
  assert.deepEqual(leftOnDisk(), []);
});

test('a large file reports its progress as it goes, without waiting on the import’s transaction', async () => {
  const rows = Array.from(
    { length: 3500 },
    (_, i) => `${400000 + i},2025-04,full,completed,four_point,2025-04-20,good`,
  );
  const jobId = await queue([HEADER, ...rows].join('\n'));
  // What the progress page would read while the import's queries run.
  const seen = new Set<number>();
  const watching = t.db.withPlugin({
    transformQuery(args) {
      const p = jobProgress(jobId);
      if (p) seen.add(p.rowsRead);
      return args.node;
    },
    async transformResult(args) {
      return args.result;
    },
  });
  await new ImportRunner({ db: watching, dataDir, log, tempDir }).start(jobId);
  const job = await jobRow(jobId);
  assert.equal(job.state, 'done');
  assert.equal(job.rows_read, 3500);
  assert.ok(seen.has(1000) && seen.has(2000) && seen.has(3000), `progress seen: ${[...seen].join(', ')}`);
  assert.equal(jobProgress(jobId), undefined, 'forgotten once the job has ended');
});

test('jobs run one at a time, in the order they were queued', async () => {
  const first = await queue([HEADER, GOOD.replace('100001', '500001')].join('\n'));
  const second = await queue([HEADER, GOOD.replace('100001', '500002')].join('\n'));
  void runner.start(first);
  void runner.start(second);
  await importsIdle();
  const [a, b] = [await jobRow(first), await jobRow(second)];
  assert.equal(a.state, 'done');
  assert.equal(b.state, 'done');
  assert.ok((a.finished_at as Date) <= (b.finished_at as Date));
  const secondImport = await t.db
    .selectFrom('imports')
    .select('started_at')
    .where('id', '=', b.import_id as string)
    .executeTakeFirstOrThrow();
  assert.ok(secondImport.started_at >= (a.finished_at as Date), 'the second began after the first had ended');
});

test('uploads no job took, and copies a stopped process left, are swept once they are old; new ones are left', async () => {
  const root = uploadsDir(dataDir);
  const orphan = join(root, '.incoming-orphan');
  mkdirSync(orphan);
  writeFileSync(join(orphan, 'left.csv'), 'x');
  const fresh = join(root, '.incoming-fresh');
  mkdirSync(fresh);
  const now = Date.now();
  const old = new Date(now - 2 * 60 * 60_000);
  utimesSync(orphan, old, old);
  await runner.sweepUploads(now);
  const left = readdirSync(root);
  assert.ok(!left.includes('.incoming-orphan'), 'an old upload nobody took is removed');
  assert.ok(left.includes('.incoming-fresh'), 'an upload arriving now is left alone');
  rmSync(fresh, { recursive: true });
  // a copy left by a process killed while reading it, a day ago, and one being read now
  const killed = join(tempDir, 'qaloop-import-killed');
  const reading = join(tempDir, 'qaloop-import-reading');
  mkdirSync(killed);
  mkdirSync(reading);
  const yesterday = new Date(now - 25 * 60 * 60_000);
  utimesSync(killed, yesterday, yesterday);
  await runner.sweepUploads(now);
  assert.deepEqual(readdirSync(tempDir), ['qaloop-import-reading']);
  rmSync(reading, { recursive: true });
});

test('a job another process is reading (its lock held) is left alone, then read once that process has gone', async (ctx) => {
  if (t.kind === 'embedded') {
    ctx.skip('the embedded database has one connection, so no other process can hold a job');
    return;
  }
  const jobId = await queue([HEADER, GOOD.replace('100001', '600001')].join('\n'));
  await t.db
    .updateTable('import_jobs')
    .set({ state: 'running', attempts: 1 })
    .where('id', '=', jobId)
    .execute();
  // Another instance's import transaction, holding the job's lock.
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked!: () => void;
  const lockTaken = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const other = t.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${jobLockKeys(jobId)})`.execute(trx);
    locked();
    await released;
  });
  await lockTaken;
  await new ImportRunner({ db: appsDb, dataDir, log, tempDir }).runPending();
  let job = await jobRow(jobId);
  assert.equal(job.state, 'running', 'left as it was');
  assert.equal(job.attempts, 1, 'not counted as another attempt');
  assert.ok((await storedBytes(jobId)) > 0, 'its file is kept');
  release();
  await other;
  // The other process stopped without finishing: its lock went with its connection.
  await new ImportRunner({ db: appsDb, dataDir, log, tempDir }).runPending();
  job = await jobRow(jobId);
  assert.equal(job.state, 'done');
  assert.equal(job.attempts, 2);
  assert.equal(
    (
      await t.db
        .selectFrom('imports')
        .select('id')
        .where('id', '=', job.import_id as string)
        .execute()
    ).length,
    1,
  );
});

test('a running instance takes up a job whose reader stopped, and leaves one whose reader is still at it', async (ctx) => {
  if (t.kind === 'embedded') {
    ctx.skip('the embedded database has one process, which takes up jobs left running when it starts');
    return;
  }
  const quiet = new Date(Date.now() - 60_000);
  const [held, stopped, justClaimed] = await Promise.all(
    ['700001', '700002', '700003'].map((id) => queue([HEADER, GOOD.replace('100001', id)].join('\n'))),
  );
  // Each was claimed once, by an instance that is not this one.
  for (const jobId of [held, stopped, justClaimed])
    await t.db
      .updateTable('import_jobs')
      .set({
        state: 'running',
        attempts: 1,
        instance: 'another-host:4242',
        updated_at: jobId === justClaimed ? new Date() : quiet,
      })
      .where('id', '=', jobId)
      .execute();
  // The instance reading `held` is still at it: its import transaction holds the job's lock.
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked!: () => void;
  const lockTaken = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const other = t.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${jobLockKeys(held)})`.execute(trx);
    locked();
    await released;
  });
  await lockTaken;
  try {
    await new ImportRunner({ db: appsDb, dataDir, log, tempDir }).takeUpAbandoned();
  } finally {
    release();
    await other;
  }

  const taken = await jobRow(stopped);
  assert.equal(taken.state, 'done', 'the job whose reader stopped is read here, to the end');
  assert.equal(taken.attempts, 2, 'counted as another attempt');
  assert.equal(taken.instance, INSTANCE, 'and its row names this instance');
  assert.equal(await storedBytes(stopped), 0, 'its file has gone from the database');

  const left = await jobRow(held);
  assert.equal(left.state, 'running', 'a job whose reader holds it is left to that reader');
  assert.equal(left.attempts, 1);
  assert.equal(left.instance, 'another-host:4242');
  assert.ok((await storedBytes(held)) > 0);

  // Just marked running: its reader is between its claim and its import, so it is left too.
  const fresh = await jobRow(justClaimed);
  assert.equal(fresh.state, 'running');
  assert.equal(fresh.attempts, 1);

  // Tidy up for the tests after: both are read through, as the app's start would.
  await new ImportRunner({ db: appsDb, dataDir, log, tempDir }).runPending();
});

test('an instance stopping while it reads a file gives the job back unread and uncounted, and another then reads it', async () => {
  const rows = Array.from(
    { length: 3500 },
    (_, i) => `${800000 + i},2025-04,full,completed,four_point,2025-04-20,good`,
  );
  const jobId = await queue([HEADER, ...rows].join('\n'));
  const before = await historyCount();
  const imports = (await t.db.selectFrom('imports').select('id').execute()).length;
  // The instance is told to stop (as SIGTERM does) once a thousand rows have been read.
  let stopping: Promise<void> | undefined;
  const stopped = new ImportRunner({
    db: t.db.withPlugin({
      transformQuery(args) {
        if (!stopping && (jobProgress(jobId)?.rowsRead ?? 0) >= 1000) stopping = stopped.close();
        return args.node;
      },
      async transformResult(args) {
        return args.result;
      },
    }),
    dataDir,
    log,
    tempDir,
  });
  assert.equal(await stopped.start(jobId), 'given back');
  await stopping;
  let job = await jobRow(jobId);
  assert.equal(job.state, 'queued', 'queued again for another instance');
  assert.equal(job.attempts, 0, 'the stop is not counted as an attempt');
  assert.equal(job.import_id, null);
  assert.equal(await historyCount(), before, 'nothing of the file was imported');
  assert.equal((await t.db.selectFrom('imports').select('id').execute()).length, imports);
  assert.equal(await storedBytes(jobId), Buffer.byteLength([HEADER, ...rows].join('\n')), 'its file is kept');

  assert.equal(await new ImportRunner({ db: appsDb, dataDir, log, tempDir }).start(jobId), 'ended');
  job = await jobRow(jobId);
  assert.equal(job.state, 'done');
  assert.equal(job.attempts, 1);
  assert.equal(job.rows_read, 3500);
  assert.equal(await historyCount(), before + 3500, 'read once, in full');
  assert.equal(await storedBytes(jobId), 0);
});

test('the watch takes up a job queued over a minute ago that no instance started', async (ctx) => {
  if (t.kind === 'embedded') {
    ctx.skip('the embedded database has one process, which takes up jobs left waiting when it starts');
    return;
  }
  const jobId = await queue([HEADER, GOOD.replace('100001', '900001')].join('\n'));
  const fresh = await queue([HEADER, GOOD.replace('100001', '900002')].join('\n'));
  await t.db
    .updateTable('import_jobs')
    .set({ updated_at: sql<Date>`now() - interval '2 minutes'` })
    .where('id', '=', jobId)
    .execute();
  await new ImportRunner({ db: appsDb, dataDir, log, tempDir }).takeUpAbandoned();
  assert.equal((await jobRow(jobId)).state, 'done');
  assert.equal((await jobRow(fresh)).state, 'queued', 'one just queued is left to the queue');
  await new ImportRunner({ db: appsDb, dataDir, log, tempDir }).runPending();
});

test('jobs of two councils are each read as their own council, though found across councils', async () => {
  const other = await createCouncil(t.db, { code: 'ir2', name: 'Second Runner Council' });
  const otherStaff = (
    await t.db
      .insertInto('staff')
      .values({ council_id: other.id, name: 'Rowan Lead', job_title: 'QA lead' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  const ours = await queue([HEADER, GOOD.replace('100001', '950001')].join('\n'));
  const staged = await stageUpload(dataDir, Readable.from([[HEADER, GOOD].join('\n')]), 'history.csv');
  let theirs: string;
  try {
    theirs = await queueImportJob(t.db, staged, request(), {
      source: 'web',
      councilId: other.id,
      staffId: otherStaff,
    });
  } finally {
    await discardUpload(staged);
  }
  // The runner runs as the app's role, which sees a council's rows only inside that council's
  // scope: a job read outside its own council would find nothing and stay queued.
  await new ImportRunner({ db: appsDb, dataDir, log, tempDir }).runPending();
  for (const [jobId, council] of [
    [ours, councilId],
    [theirs, other.id],
  ]) {
    const job = await jobRow(jobId);
    assert.equal(job.state, 'done', `the job of council ${council} is read`);
    assert.equal(job.council_id, council);
    const made = await t.db
      .selectFrom('imports')
      .select('council_id')
      .where('id', '=', job.import_id as string)
      .executeTakeFirstOrThrow();
    assert.equal(made.council_id, council, 'its import belongs to its own council');
    assert.equal(await storedBytes(jobId), 0);
  }
});
