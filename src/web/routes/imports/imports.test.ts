import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { importsIdle } from '../../../jobs/import-runner.ts';
import {
  discardUpload,
  queueImportJob,
  stageUpload,
  uploadsDir,
} from '../../../services/case-data/import-jobs.ts';
import { createCouncil } from '../../../services/organisation/councils.ts';

let t: TestDb;
let app: FastifyInstance;
let dataDir: string;
let qa: Agent;

before(async () => {
  t = await createTestDb({ demo: true });
  dataDir = mkdtempSync(join(tmpdir(), 'qaloop-imports-web-'));
  app = await createTestApp(t.db, { dataDir });
  qa = new Agent(app);
  await qa.signInAs('qa_lead');
});
after(async () => {
  await app.close();
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const HEADER = 'child_id,month,activity,status,scale,completed_on,grade';
const GOOD = '100001,2025-04,full,completed,four_point,2025-04-20,good';
const BAD = '100002,2025-04,full,completed,four_point,,good';

/** A multipart/form-data body as a browser sends the upload form. */
function multipart(fields: Record<string, string>, file?: { name: string; content: string }) {
  const boundary = `----qaloopTestBoundary${Math.random().toString(36).slice(2)}`;
  const parts: string[] = [];
  for (const [name, value] of Object.entries(fields))
    parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  if (file)
    parts.push(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: text/csv\r\n\r\n${file.content}\r\n`,
    );
  parts.push(`--${boundary}--\r\n`);
  return { payload: Buffer.from(parts.join('')), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function upload(
  agent: Agent,
  fields: Record<string, string>,
  file?: { name: string; content: string },
) {
  const body = multipart({ _csrf: await agent.csrf('/imports'), ...fields }, file);
  return agent.request({
    method: 'POST',
    url: '/imports',
    payload: body.payload,
    headers: { 'content-type': body.contentType, referer: 'http://localhost/imports' },
  });
}

const count = async (table: 'import_jobs' | 'imports' | 'import_upload_chunks') =>
  Number(
    (
      await t.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

/** The value beside a key in a GOV.UK summary list. */
function summaryValue(html: string, key: string): string | undefined {
  const m = html.match(
    new RegExp(
      `<dt class="govuk-summary-list__key">\\s*${key}\\s*</dt>\\s*<dd class="govuk-summary-list__value">\\s*([\\s\\S]*?)\\s*</dd>`,
    ),
  );
  return m?.[1];
}

const stored = () => readdirSync(uploadsDir(dataDir)).filter((f) => !f.startsWith('.'));

test('the Case data page offers the upload form with today as the date, and the history', async () => {
  const page = await qa.get('/imports');
  assert.equal(page.statusCode, 200);
  assert.equal(h1(page.body), 'Case data');
  assert.match(page.body, /<title>Case data – QA Loop/);
  assert.match(page.body, /enctype="multipart\/form-data"/);
  assert.match(page.body, /type="file"/);
  // today, in the date input's three fields (issue 16, item 11: no date is written yyyy-mm-dd)
  assert.match(page.body, /name="asOf-day"[^>]*value="22"/);
  assert.match(page.body, /name="asOf-month"[^>]*value="11"/);
  assert.match(page.body, /name="asOf-year"[^>]*value="2026"/);
  assert.match(page.body, /Refuse the whole file if any row is invalid/);
  for (const label of [
    'Detect it from the file',
    'Annex A',
    'Standard Safeguarding Dataset (SSD)',
    'Audit history',
  ])
    assert.match(page.body, new RegExp(label.replace(/[()]/g, '\\$&')));
  assert.doesNotMatch(page.body, /href="\/admin\/import-tokens"/, 'only administrators manage tokens');
});

test('a QA lead uploads an audit history: progress, then the result with counts, errors and a CSV of them', async () => {
  const res = await upload(
    qa,
    { format: 'auto', asOf: '2026-11-20' },
    {
      name: '=1+2 history.csv',
      content: [HEADER, GOOD, BAD].join('\r\n'),
    },
  );
  assert.equal(res.statusCode, 303);
  const jobUrl = String(res.headers.location);
  assert.match(jobUrl, /^\/imports\/jobs\/[0-9a-f-]{36}$/);
  await importsIdle();

  const page = await qa.get(jobUrl);
  assert.equal(page.statusCode, 200);
  assert.equal(h1(page.body), 'Import finished');
  assert.match(page.body, /1 row was imported and 1 row was rejected/);
  assert.equal(summaryValue(page.body, 'Rows read'), '2');
  assert.equal(summaryValue(page.body, 'Rows accepted'), '1');
  assert.equal(summaryValue(page.body, 'Rows rejected'), '1');
  assert.equal(summaryValue(page.body, 'Sent by'), 'Hannah Hughes');
  assert.match(page.body, /<td class="govuk-table__cell">completed_on<\/td>/);
  assert.match(page.body, /A completed audit needs the date it was completed/);
  assert.doesNotMatch(page.body, /http-equiv="refresh"/, 'a finished job no longer refreshes');
  assert.match(page.body, new RegExp(`href="${jobUrl}/errors.csv"[^>]*>Download the errors \\(CSV\\)`));

  const csv = await qa.get(`${jobUrl}/errors.csv`);
  assert.equal(csv.statusCode, 200);
  assert.match(String(csv.headers['content-type']), /^text\/csv/);
  assert.match(String(csv.headers['content-disposition']), /^attachment; filename="errors-1-2-history.csv"$/);
  assert.equal(csv.headers['cache-control'], 'no-store');
  const rows = parse(csv.body, { bom: true });
  assert.deepEqual(rows, [
    ['file', 'sheet', 'row', 'column', 'message'],
    ["'=1+2 history.csv", '', '3', 'completed_on', 'A completed audit needs the date it was completed'],
  ]);

  // The history lists it, with who and counts, linked to its result.
  const history = await qa.get('/imports');
  const record = await t.db
    .selectFrom('imports')
    .select(['id', 'source'])
    .where('file_name', '=', '=1+2 history.csv')
    .executeTakeFirstOrThrow();
  assert.equal(record.source, 'web');
  assert.match(history.body, new RegExp(`href="/imports/${record.id}"`));
  assert.match(history.body, /<td class="govuk-table__cell">Hannah Hughes<\/td>/);
  const result = await qa.get(`/imports/${record.id}`);
  assert.equal(result.statusCode, 200);
  assert.equal(h1(result.body), 'Import of =1+2 history.csv');
  assert.match(result.body, /A completed audit needs the date it was completed/);
  const again = await qa.get(`/imports/${record.id}/errors.csv`);
  assert.match(again.body, /'=1\+2 history\.csv/);
  assert.deepEqual(stored(), [], 'the upload is removed once read');
  assert.equal(await count('import_upload_chunks'), 0, 'and its copy in the database');
});

test('strict: one invalid row refuses the whole file, and the page says nothing was imported', async () => {
  const imports = await count('imports');
  const res = await upload(
    qa,
    { format: 'audit-history', asOf: '2026-11-21', strict: 'yes' },
    {
      name: 'strict.csv',
      content: [HEADER, GOOD.replace('100001', '700001'), BAD].join('\n'),
    },
  );
  assert.equal(res.statusCode, 303);
  await importsIdle();
  const page = await qa.get(String(res.headers.location));
  assert.equal(h1(page.body), 'Nothing was imported');
  assert.match(page.body, /1 of 2 rows are invalid, so nothing was imported/);
  assert.match(page.body, /A completed audit needs the date it was completed/);
  assert.equal(await count('imports'), imports);
  assert.equal(await count('import_upload_chunks'), 0, 'the refused file is not kept');
  assert.deepEqual(stored(), []);
  const list = await qa.get('/imports');
  assert.match(list.body, /Refused/);
});

test('the form is checked first: mistakes are listed against their fields and nothing is stored', async () => {
  const jobs = await count('import_jobs');
  const noFile = await upload(qa, { format: 'auto', asOf: '2026-11-20' });
  assert.equal(noFile.statusCode, 400);
  assert.deepEqual(errorSummaryItems(noFile.body), [{ text: 'Select a file to import', href: '#file' }]);

  const empty = await upload(qa, { format: 'auto', asOf: '2026-11-20' }, { name: 'empty.csv', content: '' });
  assert.deepEqual(errorSummaryItems(empty.body), [{ text: 'The selected file is empty', href: '#file' }]);

  const wrong = await upload(
    qa,
    { format: 'mapped', mapping: '', 'asOf-day': '30', 'asOf-month': '2', 'asOf-year': '2026' },
    {
      name: 'list.csv',
      content: [HEADER, GOOD].join('\n'),
    },
  );
  assert.equal(wrong.statusCode, 400);
  assert.deepEqual(errorSummaryItems(wrong.body), [
    { text: 'Select the saved column mapping to read the file with', href: '#mapping' },
    { text: 'The date the data is as of must be a real date', href: '#asOf-day' },
  ]);
  assert.match(wrong.body, /You chose list\.csv: choose it again/);
  assert.match(wrong.body, /name="asOf-day"[^>]*value="30"/, 'what was typed is kept');
  assert.equal(await count('import_jobs'), jobs);
  assert.deepEqual(readdirSync(uploadsDir(dataDir)), [], 'no file is kept');
});

test('without the form’s CSRF token an upload is refused and nothing is stored', async () => {
  const jobs = await count('import_jobs');
  const body = multipart(
    { _csrf: 'forged', format: 'auto' },
    { name: 'x.csv', content: [HEADER, GOOD].join('\n') },
  );
  const res = await qa.request({
    method: 'POST',
    url: '/imports',
    payload: body.payload,
    headers: { 'content-type': body.contentType },
  });
  assert.equal(res.statusCode, 403);
  assert.match(res.body, /The form was out of date or incomplete, so nothing was changed/);
  assert.equal(await count('import_jobs'), jobs);
  assert.deepEqual(readdirSync(uploadsDir(dataDir)), []);
});

test('while a file is read, the page shows the rows read so far and refreshes itself', async () => {
  const staged = await stageUpload(dataDir, Readable.from(['x']), 'big extract.zip');
  const lead = await t.db
    .selectFrom('staff')
    .select(['id', 'council_id'])
    .where('external_id', '=', 'DEMO-qa_lead')
    .executeTakeFirstOrThrow();
  const jobId = await queueImportJob(
    t.db,
    staged,
    { format: 'ssd', mappingId: undefined, asOf: '2026-11-22', strict: false },
    { source: 'web', councilId: lead.council_id, staffId: lead.id },
  );
  // As if this process were reading it (the runner is not told of it).
  await t.db
    .updateTable('import_jobs')
    .set({ state: 'running', rows_read: 12500 })
    .where('id', '=', jobId)
    .execute();
  const page = await qa.get(`/imports/jobs/${jobId}`);
  assert.equal(h1(page.body), 'Reading the file');
  assert.match(page.body, /<noscript><meta http-equiv="refresh" content="2"><\/noscript>/);
  assert.match(page.body, /role="status"[^>]*>12,500 rows read so far</);
  assert.match(page.body, /<progress [^>]*aria-label="Reading the file"/);
  const progress = await qa.get(`/imports/jobs/${jobId}/progress.json`);
  assert.deepEqual(JSON.parse(progress.body), {
    state: 'running',
    rowsRead: 12500,
    rowsReadText: '12,500 rows read so far',
  });
  const list = await qa.get('/imports');
  assert.match(list.body, /Reading/);
  await t.db
    .updateTable('import_jobs')
    .set({ state: 'failed', message: 'Stopped' })
    .where('id', '=', jobId)
    .execute();
  await discardUpload(staged);
});

test('another council’s import job or import is not found', async () => {
  const other = (await createCouncil(t.db, { code: 'oth', name: 'Other Council' })).id;
  const staffId = (
    await t.db
      .insertInto('staff')
      .values({ council_id: other, name: 'Other Lead', job_title: 'QA lead' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  const staged = await stageUpload(dataDir, Readable.from([[HEADER, GOOD].join('\n')]), 'theirs.csv');
  const jobId = await queueImportJob(
    t.db,
    staged,
    { format: 'audit-history', mappingId: undefined, asOf: '2026-11-22', strict: false },
    { source: 'web', councilId: other, staffId },
  );
  await t.db
    .updateTable('import_jobs')
    .set({ state: 'done', summary: JSON.stringify({ errors: [] }) })
    .where('id', '=', jobId)
    .execute();
  const importId = (
    await t.db
      .insertInto('imports')
      .values({
        council_id: other,
        format: 'audit-history',
        as_of: '2026-11-22',
        file_name: 'theirs.csv',
        source: 'web',
        started_at: new Date(),
        rows_read: 0,
        rows_accepted: 0,
        rows_rejected: 0,
        errors: '[]',
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  for (const url of [
    `/imports/jobs/${jobId}`,
    `/imports/jobs/${jobId}/errors.csv`,
    `/imports/jobs/${jobId}/progress.json`,
    `/imports/${importId}`,
    `/imports/${importId}/errors.csv`,
    '/imports/jobs/not-a-job',
  ]) {
    const res = await qa.get(url);
    assert.equal(res.statusCode, 404, url);
  }
  await discardUpload(staged);
});

test('practitioners, auditors and scrutiny readers cannot reach any import page, nor send a file', async () => {
  const routes = app.routeAccess.filter(
    (r) => (r.url.startsWith('/imports') || r.url.startsWith('/admin/import-tokens')) && r.method !== 'HEAD',
  );
  assert.ok(routes.length >= 8);
  const jobs = await count('import_jobs');
  for (const role of ['practitioner', 'auditor', 'scrutiny_reader']) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    for (const route of routes) {
      const url = route.url
        .replace(':jobId', crypto.randomUUID())
        .replace(':importId', crypto.randomUUID())
        .replace(':tokenId', crypto.randomUUID())
        .replace(':snapshotId', crypto.randomUUID());
      const res = route.method === 'GET' ? await agent.get(url) : await agent.post(url, { name: 'x' }, '/');
      assert.equal(res.statusCode, 403, `${role} on ${route.method} ${route.url}`);
    }
    const body = multipart(
      { _csrf: await agent.csrf('/'), format: 'auto' },
      { name: 'x.csv', content: GOOD },
    );
    const res = await agent.request({
      method: 'POST',
      url: '/imports',
      payload: body.payload,
      headers: { 'content-type': body.contentType },
    });
    assert.equal(res.statusCode, 403, `${role} uploading`);
  }
  assert.equal(await count('import_jobs'), jobs);
  assert.deepEqual(stored(), []);
});

test('an import cut short when the app stopped is read again from its stored file when the app starts', async () => {
  const lead = await t.db
    .selectFrom('staff')
    .select(['id', 'council_id'])
    .where('external_id', '=', 'DEMO-qa_lead')
    .executeTakeFirstOrThrow();
  const staged = await stageUpload(
    dataDir,
    Readable.from([[HEADER, GOOD.replace('100001', '800001')].join('\n')]),
    'interrupted.csv',
  );
  const jobId = await queueImportJob(
    t.db,
    staged,
    { format: undefined, mappingId: undefined, asOf: '2026-11-22', strict: false },
    { source: 'web', councilId: lead.council_id, staffId: lead.id },
  );
  await t.db
    .updateTable('import_jobs')
    .set({ state: 'running', rows_read: 1 })
    .where('id', '=', jobId)
    .execute();
  const restarted = await createTestApp(t.db, { dataDir });
  try {
    await importsIdle();
    const job = await t.db
      .selectFrom('import_jobs')
      .selectAll()
      .where('id', '=', jobId)
      .executeTakeFirstOrThrow();
    assert.equal(job.state, 'done');
    assert.ok(job.import_id);
    const page = await qa.get(`/imports/jobs/${jobId}`);
    assert.equal(h1(page.body), 'Import finished');
    assert.deepEqual(stored(), []);
  } finally {
    await restarted.close();
  }
});
