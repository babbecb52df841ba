import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { createCouncil } from '../organisation/councils.ts';
import {
  checkImportRequest,
  discardUpload,
  getImportJob,
  listUnfinishedJobs,
  parseAsOf,
  queueImportJob,
  safeFileName,
  shownFileName,
  stageUpload,
  UPLOAD_CHUNK_BYTES,
  UploadTooLargeError,
  uploadsDir,
  writeUploadTo,
} from './import-jobs.ts';

let t: TestDb;
let councilId: string;
let otherCouncilId: string;
let staffId: string;
let mappingId: string;
let dataDir: string;
const TODAY = '2026-11-22';

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'ij', name: 'Jobs Council' })).id;
  otherCouncilId = (await createCouncil(t.db, { code: 'oj', name: 'Other Council' })).id;
  staffId = (
    await t.db
      .insertInto('staff')
      .values({ council_id: councilId, name: 'Quinn Lead', job_title: 'QA lead' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  mappingId = (
    await t.db
      .insertInto('column_mappings')
      .values({ council_id: councilId, name: 'Mosaic CIN list', list_kind: 'cin_plan', columns: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  dataDir = mkdtempSync(join(tmpdir(), 'qaloop-jobs-'));
});
after(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('a file name is kept as far as it is safe: no folders, control characters or odd symbols', () => {
  assert.equal(safeFileName('ssd_person.csv'), 'ssd_person.csv');
  assert.equal(safeFileName('C:\\Users\\me\\Annex A (Nov).xlsx'), 'Annex A (Nov).xlsx');
  assert.equal(safeFileName('../../etc/passwd'), 'passwd');
  assert.equal(safeFileName('..'), 'upload');
  assert.equal(safeFileName('a\u0000b\r\n<c>.csv'), 'ab_c_.csv');
  assert.equal(safeFileName(''), 'upload');
  const long = safeFileName(`${'x'.repeat(300)}.xlsx`);
  assert.equal(long.length, 120);
  assert.ok(long.endsWith('.xlsx'));
});

test('the name a file is shown by keeps what the person gave, less characters that cannot be stored or that disguise it', async () => {
  assert.equal(shownFileName(' Annex A (Nov).xlsx '), 'Annex A (Nov).xlsx');
  assert.equal(shownFileName('list\u00006.csv'), 'list6.csv');
  assert.equal(shownFileName('Jane\r\nSmith.csv'), 'JaneSmith.csv');
  assert.equal(shownFileName('report\u202Excs.exe'), 'reportxcs.exe');
  const long = shownFileName(`${'x'.repeat(5000)}.xlsx`);
  assert.equal(long.length, 255);
  assert.ok(long.endsWith('.xlsx'));
  // a NUL would be refused by the database when the job is recorded
  const staged = await stageUpload(dataDir, Readable.from([Buffer.from('a\n')]), 'list\u00006.csv');
  assert.equal(staged.fileName, 'list6.csv');
  rmSync(staged.dir, { recursive: true });
});

test('an upload is written to its own folder, readable by QA Loop alone', async () => {
  const staged = await stageUpload(dataDir, Readable.from([Buffer.from('a,b\n1,2\n')]), 'list.csv');
  assert.equal(staged.bytes, 8);
  assert.equal(staged.fileName, 'list.csv');
  assert.equal(readFileSync(staged.path, 'utf8'), 'a,b\n1,2\n');
  assert.equal(dirname(dirname(staged.path)), uploadsDir(dataDir));
  assert.equal(statSync(staged.path).mode & 0o777, 0o600);
  assert.equal(statSync(staged.dir).mode & 0o777, 0o700);
  rmSync(staged.dir, { recursive: true });
});

test('an upload larger than the limit is refused and leaves nothing behind', async () => {
  const before = readdirSync(uploadsDir(dataDir)).length;
  await assert.rejects(
    stageUpload(dataDir, Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), 'big.csv', 1000),
    UploadTooLargeError,
  );
  assert.equal(readdirSync(uploadsDir(dataDir)).length, before);
});

test('what to do with a file: today, detected and lenient unless said otherwise', async () => {
  assert.deepEqual(await checkImportRequest(t.db, councilId, {}, TODAY), {
    ok: true,
    value: { format: undefined, mappingId: undefined, asOf: TODAY, strict: false },
  });
  assert.deepEqual(
    await checkImportRequest(
      t.db,
      councilId,
      { format: 'audit-history', asOf: '20/11/2026', strict: 'yes', mapping: mappingId },
      TODAY,
    ),
    { ok: true, value: { format: 'audit-history', mappingId: undefined, asOf: '2026-11-20', strict: true } },
  );
  // a saved mapping, by its id (the form) or its name (the endpoint), makes the file a mapped extract
  for (const mapping of [mappingId, 'Mosaic CIN list']) {
    const checked = await checkImportRequest(t.db, councilId, { mapping }, TODAY);
    assert.deepEqual(checked, {
      ok: true,
      value: { format: 'mapped', mappingId, asOf: TODAY, strict: false },
    });
  }
});

test('a bad request is told field by field', async () => {
  const checked = await checkImportRequest(
    t.db,
    councilId,
    { format: 'spreadsheet', asOf: '2026-02-30', strict: 'perhaps' },
    TODAY,
  );
  assert.deepEqual(checked.ok ? [] : checked.errors.map((e) => e.field), ['format', 'asOf', 'strict']);
  const future = await checkImportRequest(t.db, councilId, { asOf: '2026-11-23' }, TODAY);
  assert.deepEqual(future.ok ? [] : future.errors, [
    { field: 'asOf', message: 'The date the data is as of must be today or in the past' },
  ]);
  const noMapping = await checkImportRequest(t.db, councilId, { format: 'mapped', mapping: '' }, TODAY);
  assert.deepEqual(noMapping.ok ? [] : noMapping.errors, [
    { field: 'mapping', message: 'Select the saved column mapping to read the file with' },
  ]);
  const unknown = await checkImportRequest(t.db, councilId, { format: 'mapped', mapping: 'Nope' }, TODAY);
  assert.deepEqual(unknown.ok ? [] : unknown.errors, [
    { field: 'mapping', message: 'There is no saved column mapping called "Nope"' },
  ]);
  const othersMapping = await checkImportRequest(t.db, otherCouncilId, { mapping: mappingId }, TODAY);
  assert.equal(othersMapping.ok, false, 'another council’s mapping is not found');
  assert.equal(parseAsOf('31/12/2026'), '2026-12-31');
  assert.equal(parseAsOf('45000'), undefined);
});

test('a queued job keeps its file in the database, in order, and only its council sees it', async () => {
  // three chunks and a bit, so the order they are kept in matters
  const text = Array.from({ length: UPLOAD_CHUNK_BYTES * 3 + 10 }, (_, i) =>
    String.fromCharCode(97 + (i % 26)),
  ).join('');
  const staged = await stageUpload(dataDir, Readable.from([text]), 'history.csv');
  const request = { format: 'audit-history' as const, mappingId: undefined, asOf: TODAY, strict: false };
  const jobId = await queueImportJob(t.db, staged, request, { source: 'web', councilId, staffId });
  await discardUpload(staged);
  const job = await getImportJob(t.db, councilId, jobId);
  assert.ok(job);
  assert.equal(job.state, 'queued');
  assert.equal(job.bytesTotal, text.length);
  assert.equal(job.startedBy, 'Quinn Lead');
  assert.equal(job.fileName, 'history.csv');
  const chunks = await t.db
    .selectFrom('import_upload_chunks')
    .select(['seq', 'council_id'])
    .where('job_id', '=', jobId)
    .orderBy('seq')
    .execute();
  assert.deepEqual(
    chunks.map((c) => c.seq),
    [0, 1, 2, 3],
  );
  assert.ok(chunks.every((c) => c.council_id === councilId));
  assert.deepEqual(readdirSync(uploadsDir(dataDir)), [], 'nothing is left on disk');
  const back = join(dataDir, 'back.csv');
  assert.equal(await writeUploadTo(t.db, jobId, back), text.length);
  assert.equal(readFileSync(back, 'utf8'), text, 'written back exactly as it came');
  rmSync(back);
  assert.equal(await getImportJob(t.db, otherCouncilId, jobId), undefined);
  assert.equal(await getImportJob(t.db, councilId, 'not-an-id'), undefined);
  assert.ok((await listUnfinishedJobs(t.db, councilId)).some((j) => j.id === jobId));
  assert.ok(!(await listUnfinishedJobs(t.db, otherCouncilId)).some((j) => j.id === jobId));
});
