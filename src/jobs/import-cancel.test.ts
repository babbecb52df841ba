import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import type { Db } from '../data/db.ts';
import {
  cancelImportJob,
  discardUpload,
  queueImportJob,
  stageUpload,
} from '../services/case-data/import-jobs.ts';
import { createCouncil } from '../services/organisation/councils.ts';
import { cancelJobHere, ImportRunner, jobProgress } from './import-runner.ts';

// Issue 22: a cancelled import stops at its next batch of rows and is undone: no snapshot, no
// imports row, no pieces of its upload left, on either database; the job ends cancelled, with who
// and when, and is never read again.

let t: TestDb;
let councilId: string;
let staffId: string;
let dataDir: string;
let tempDir: string;
const log = { info() {}, error() {} };

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'cx', name: 'Cancel Council' })).id;
  staffId = (
    await t.db
      .insertInto('staff')
      .values({ council_id: councilId, name: 'Casey Lead', job_title: 'QA lead' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  dataDir = mkdtempSync(join(tmpdir(), 'qaloop-cancel-'));
  tempDir = mkdtempSync(join(tmpdir(), 'qaloop-cancel-temp-'));
});
after(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(tempDir, { recursive: true, force: true });
});

const HEADER = 'ChildUniqueID,Gender,Ethnicity,DateOfBirth,HasDisability,CINStartDate';
const list6 = (children: number) =>
  [
    HEADER,
    ...Array.from({ length: children }, (_, i) => `K${i + 1},a) Male,a) WBRI,01/04/2015,b) No,01/04/2024`),
  ].join('\n');

async function queue(text: string) {
  const staged = await stageUpload(dataDir, Readable.from([text]), 'list6.csv');
  try {
    return await queueImportJob(
      t.db,
      staged,
      { format: 'annex-a', mappingId: undefined, asOf: '2026-11-20', strict: false },
      { source: 'web', councilId, staffId },
    );
  } finally {
    await discardUpload(staged);
  }
}

const jobRow = (id: string) =>
  t.db.selectFrom('import_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

/** Everything an import writes, and what a job keeps of its file. */
async function written() {
  const count = async (
    table: 'imports' | 'snapshots' | 'snapshot_children' | 'children' | 'import_upload_chunks',
  ) =>
    Number(
      (
        await t.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    imports: await count('imports'),
    snapshots: await count('snapshots'),
    snapshotChildren: await count('snapshot_children'),
    children: await count('children'),
    chunks: await count('import_upload_chunks'),
  };
}

/** The runner's Db, calling `when` (once) as the import's queries run after 1,000 rows are read. */
function watching(jobId: string, when: () => void): Db {
  let called = false;
  return t.db.withPlugin({
    transformQuery(args) {
      if (!called && (jobProgress(jobId)?.rowsRead ?? 0) >= 1000) {
        called = true;
        when();
      }
      return args.node;
    },
    async transformResult(args) {
      return args.result;
    },
  });
}

test('a job being read, cancelled from this instance, stops at its next batch and nothing is written', async () => {
  const jobId = await queue(list6(5000));
  const before = await written();
  let told: boolean | undefined;
  const runner = new ImportRunner({
    db: watching(jobId, () => {
      told = cancelJobHere(jobId, councilId, staffId);
    }),
    dataDir,
    log,
    tempDir,
  });
  assert.equal(await runner.start(jobId), 'ended');
  assert.equal(told, true, 'the cancel reached the job being read here');
  const job = await jobRow(jobId);
  assert.equal(job.state, 'cancelled');
  assert.equal(job.cancelled_by, staffId);
  assert.ok(job.cancelled_at);
  assert.equal(job.import_id, null);
  assert.ok(job.rows_read < 5000, `stopped after ${job.rows_read} rows`);
  const now = await written();
  assert.equal(now.imports, before.imports, 'no imports row');
  assert.equal(now.snapshots, before.snapshots, 'no snapshot');
  assert.equal(now.snapshotChildren, before.snapshotChildren, 'no snapshot rows');
  assert.equal(now.children, before.children);
  assert.equal(await chunksLeft(jobId), 0, 'its upload is removed');
  const event = await t.db
    .selectFrom('security_events')
    .select(['actor_id', 'detail'])
    .where('kind', '=', 'import_cancelled')
    .where('council_id', '=', councilId)
    .executeTakeFirstOrThrow();
  assert.equal(event.actor_id, staffId);
  assert.deepEqual(event.detail, { file: 'list6.csv', stage: 'being read' });

  // the app starting again does not read it
  await new ImportRunner({ db: t.db, dataDir, log, tempDir }).runPending();
  assert.equal((await jobRow(jobId)).state, 'cancelled');
  assert.deepEqual(await written(), now);
  // a cancel of a job this instance is not reading is for the database
  assert.equal(cancelJobHere(jobId, councilId, staffId), false);
});

/** The pieces of a job's upload still in the database. */
async function chunksLeft(jobId: string) {
  return Number(
    (
      await t.db
        .selectFrom('import_upload_chunks')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('job_id', '=', jobId)
        .executeTakeFirstOrThrow()
    ).n,
  );
}

test('a job being read by another instance, cancelled through the database, stops at its next batch', async (ctx) => {
  if (t.kind === 'embedded') {
    ctx.skip('the embedded database has one process: a cancel reaches its runner in memory (test above)');
    return;
  }
  const jobId = await queue(list6(5000));
  const before = await written();
  let cancelling: Promise<unknown> | undefined;
  const runner = new ImportRunner({
    db: watching(jobId, () => {
      // from another connection, as the instance that served the QA lead's click
      cancelling = cancelImportJob(t.db, councilId, jobId, staffId);
    }),
    dataDir,
    log,
    tempDir,
  });
  assert.equal(await runner.start(jobId), 'ended');
  assert.equal(await cancelling, 'stopping');
  const job = await jobRow(jobId);
  assert.equal(job.state, 'cancelled');
  assert.equal(job.cancelled_by, staffId);
  const now = await written();
  assert.equal(now.imports, before.imports);
  assert.equal(now.snapshots, before.snapshots);
  assert.equal(now.snapshotChildren, before.snapshotChildren);
  assert.equal(now.children, before.children);
  assert.equal(await chunksLeft(jobId), 0, 'its upload is removed');
});

test('a waiting job cancelled is never read, and one left running with a cancel ends cancelled on restart', async () => {
  const waiting = await queue(list6(10));
  const before = await written();
  assert.equal(await cancelImportJob(t.db, councilId, waiting, staffId), 'cancelled');
  const runner = new ImportRunner({ db: t.db, dataDir, log, tempDir });
  await runner.start(waiting);
  assert.equal((await jobRow(waiting)).state, 'cancelled');

  // cancelled while an instance that then stopped (kill -9) was reading it
  const left = await queue(list6(10));
  await t.db
    .updateTable('import_jobs')
    .set({ state: 'running', attempts: 1 })
    .where('id', '=', left)
    .execute();
  assert.equal(await cancelImportJob(t.db, councilId, left, staffId), 'stopping');
  await runner.runPending();
  const job = await jobRow(left);
  assert.equal(job.state, 'cancelled');
  assert.equal(job.import_id, null);
  const now = await written();
  assert.equal(now.imports, before.imports);
  assert.equal(now.snapshotChildren, before.snapshotChildren);
  assert.equal(now.chunks, 0);
  // an ended job is not cancelled
  assert.equal(await cancelImportJob(t.db, councilId, left, staffId), 'ended');
});
