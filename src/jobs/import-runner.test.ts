import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import {
  type ImportRequest,
  queueImportJob,
  stageUpload,
  uploadsDir,
} from '../services/case-data/import-jobs.ts';
import { createCouncil } from '../services/organisation/councils.ts';
import { ImportRunner, importsIdle, jobProgress } from './import-runner.ts';

let t: TestDb;
let councilId: string;
let staffId: string;
let dataDir: string;
const logged: { details: object; message: string }[] = [];
const log = {
  info: (details: object, message: string) => logged.push({ details, message }),
  error: (details: object, message: string) => logged.push({ details, message }),
};
let runner: ImportRunner;

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
  runner = new ImportRunner({ db: t.db, dataDir, log });
});
after(async () => {
  await runner.close();
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
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
  return queueImportJob(t.db, dataDir, staged, request(over), { source: 'web', councilId, staffId });
}

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

test('a job reads its file in the background, ends done with its import, and its upload is removed', async () => {
  const jobId = await queue([HEADER, GOOD, BAD].join('\n'));
  const stored = (await jobRow(jobId)).stored_path;
  assert.ok(existsSync(stored));
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
  assert.equal(existsSync(dirname(stored)), false, 'the upload’s folder is gone');
  assert.equal(jobProgress(jobId), undefined);
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
});

test('a file that is not the format asked for is refused with the reader’s reason', async () => {
  const jobId = await queue('name,age\nSam,4\n', { format: 'audit-history' }, 'people.csv');
  await runner.start(jobId);
  const job = await jobRow(jobId);
  assert.equal(job.state, 'refused');
  assert.match(job.message ?? '', /people\.csv is not an audit history file/);
  assert.equal(job.summary, null);
});

test('a job left running by a stopped process is read again from its stored file when the app starts', async () => {
  const jobId = await queue([HEADER, GOOD.replace('100001', '300001')].join('\n'));
  await t.db
    .updateTable('import_jobs')
    .set({ state: 'running', rows_read: 1 })
    .where('id', '=', jobId)
    .execute();
  const restarted = new ImportRunner({ db: t.db, dataDir, log });
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
  await new ImportRunner({ db: t.db, dataDir, log }).runPending();
  const job = await jobRow(jobId);
  assert.equal(job.state, 'failed');
  assert.match(job.message ?? '', /stopped twice while reading this file/);
  assert.equal(existsSync(job.stored_path), false);
});

test('a job whose file has gone is marked failed, with a message to upload it again', async () => {
  const jobId = await queue([HEADER, GOOD].join('\n'));
  rmSync(dirname((await jobRow(jobId)).stored_path), { recursive: true });
  await new ImportRunner({ db: t.db, dataDir, log }).runPending();
  const job = await jobRow(jobId);
  assert.equal(job.state, 'failed');
  assert.match(job.message ?? '', /upload it again/);
});

test('an unexpected failure ends the job failed with a plain message, logged without the file or its contents', async () => {
  const jobId = await queue([HEADER, GOOD].join('\n'), { format: 'audit-history' }, 'Smith family.csv');
  const stored = (await jobRow(jobId)).stored_path;
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
  await new ImportRunner({ db: failing, dataDir, log }).start(jobId);
  const job = await jobRow(jobId);
  assert.equal(job.state, 'failed');
  assert.match(job.message ?? '', /Something went wrong while reading the file, so nothing was imported/);
  const failure = logged.find((l) => l.message === 'import job failed');
  assert.ok(failure, 'the failure is logged');
  const text = JSON.stringify(logged);
  assert.doesNotMatch(text, /Smith|High Street|duplicate key/);
  assert.match(text, new RegExp(jobId));
  assert.equal(existsSync(dirname(stored)), false);
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
  await new ImportRunner({ db: watching, dataDir, log }).start(jobId);
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

test('uploads no job will read are swept once they are old; a waiting job’s file is kept', async () => {
  const waiting = await queue([HEADER, GOOD].join('\n'));
  const root = uploadsDir(dataDir);
  const orphan = join(root, '.incoming-orphan');
  mkdirSync(orphan);
  writeFileSync(join(orphan, 'left.csv'), 'x');
  const fresh = join(root, '.incoming-fresh');
  mkdirSync(fresh);
  const now = Date.now();
  const old = new Date(now - 2 * 60 * 60_000);
  utimesSync(orphan, old, old);
  utimesSync(join(root, waiting), old, old);
  await runner.sweepUploads(now);
  const left = readdirSync(root);
  assert.ok(!left.includes('.incoming-orphan'), 'an old upload nobody took is removed');
  assert.ok(left.includes('.incoming-fresh'), 'an upload arriving now is left alone');
  assert.ok(left.includes(waiting), 'a waiting job keeps its file');
  rmSync(fresh, { recursive: true });
  await runner.start(waiting);
});
