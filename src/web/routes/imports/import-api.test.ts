import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { createTestApp } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { importsIdle } from '../../../jobs/import-runner.ts';
import { uploadsDir } from '../../../services/case-data/import-jobs.ts';
import { createImportToken, revokeImportToken } from '../../../services/case-data/import-tokens.ts';
import { createCouncil } from '../../../services/organisation/councils.ts';

let t: TestDb;
let app: FastifyInstance;
let dataDir: string;
let councilId: string;
let adminId: string;
let token: string;

before(async () => {
  t = await createTestDb({ demo: true });
  dataDir = mkdtempSync(join(tmpdir(), 'qaloop-import-api-'));
  app = await createTestApp(t.db, { dataDir });
  const admin = await t.db
    .selectFrom('staff')
    .select(['id', 'council_id'])
    .where('external_id', '=', 'DEMO-administrator')
    .executeTakeFirstOrThrow();
  councilId = admin.council_id;
  adminId = admin.id;
  token = (await createImportToken(t.db, councilId, { name: 'Warehouse' }, adminId)).token;
});
after(async () => {
  await app.close();
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const HISTORY = [
  'child_id,month,activity,status,scale,completed_on,grade',
  '900001,2025-04,full,completed,four_point,2025-04-20,good',
  '900002,2025-04,full,completed,four_point,,good',
].join('\n');

const send = (options: InjectOptions, bearer: string | null = token) =>
  app.inject({
    ...options,
    headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(options.headers ?? {}) },
  });

const jobCount = async () =>
  Number(
    (
      await t.db
        .selectFrom('import_jobs')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

test('the data warehouse posts a CSV with its token: 202 and a status address; the job completes', async () => {
  const res = await send({
    method: 'POST',
    url: '/api/imports?fileName=weekly-history.csv&asOf=2026-11-21&format=audit-history',
    payload: HISTORY,
    headers: { 'content-type': 'text/csv; charset=utf-8' },
  });
  assert.equal(res.statusCode, 202, res.body);
  const body = res.json();
  assert.match(body.jobId, /^[0-9a-f-]{36}$/);
  assert.equal(body.state, 'queued');
  assert.equal(body.status, `/api/imports/${body.jobId}`);
  assert.equal(res.headers.location, body.status);
  await importsIdle();

  const status = await send({ method: 'GET', url: body.status });
  assert.equal(status.statusCode, 200);
  const job = status.json();
  assert.equal(job.state, 'done');
  assert.equal(job.rowsRead, 2);
  assert.equal(job.summary.rowsAccepted, 1);
  assert.equal(job.summary.errors[0].column, 'completed_on');
  assert.equal(status.headers['cache-control'], 'no-store');

  const row = await t.db
    .selectFrom('import_jobs')
    .selectAll()
    .where('id', '=', body.jobId)
    .executeTakeFirstOrThrow();
  assert.equal(row.source, 'api');
  assert.ok(row.token_id);
  assert.equal(row.started_by, null);
  const kept = await t.db
    .selectFrom('import_upload_chunks')
    .select('seq')
    .where('job_id', '=', body.jobId)
    .execute();
  assert.deepEqual(kept, [], 'the file is not kept once the job has ended');
  const record = await t.db
    .selectFrom('imports')
    .selectAll()
    .where('id', '=', job.importId)
    .executeTakeFirstOrThrow();
  assert.equal(record.source, 'api');
  assert.equal(record.file_name, 'weekly-history.csv');
  assert.equal(record.as_of, '2026-11-21');
  const used = await t.db
    .selectFrom('import_tokens')
    .select(['id', 'last_used_at'])
    .where('name', '=', 'Warehouse')
    .executeTakeFirstOrThrow();
  assert.ok(used.last_used_at, 'the token’s last use is recorded');
  assert.equal(row.token_id, used.id);
});

test('multipart works too, with its fields; today is the date when none is given', async () => {
  const boundary = 'qaloopApiBoundary';
  const payload = [
    `--${boundary}\r\nContent-Disposition: form-data; name="strict"\r\n\r\ntrue\r\n`,
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="history.csv"\r\nContent-Type: text/csv\r\n\r\n${HISTORY}\r\n`,
    `--${boundary}--\r\n`,
  ].join('');
  const res = await send({
    method: 'POST',
    url: '/api/imports',
    payload,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
  assert.equal(res.statusCode, 202, res.body);
  await importsIdle();
  const job = (await send({ method: 'GET', url: res.json().status })).json();
  assert.equal(job.state, 'refused', 'strict, and a row is invalid');
  assert.equal(job.asOf, '2026-11-22');
  assert.match(job.message, /nothing was imported/);
});

test('a file name with a NUL or a line break in it is queued under the name less those characters', async () => {
  const boundary = 'qaloopApiBoundary';
  const multipartNul = [
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8''list%00six.csv\r\nContent-Type: text/csv\r\n\r\n${HISTORY}\r\n`,
    `--${boundary}--\r\n`,
  ].join('');
  for (const [options, expected] of [
    [
      {
        method: 'POST',
        url: '/api/imports?format=audit-history&fileName=list%00six.csv',
        payload: HISTORY,
        headers: { 'content-type': 'text/csv' },
      },
      'listsix.csv',
    ],
    [
      {
        method: 'POST',
        url: '/api/imports?format=audit-history&fileName=Jane%0D%0ASmith.csv',
        payload: HISTORY,
        headers: { 'content-type': 'text/csv' },
      },
      'JaneSmith.csv',
    ],
    [
      {
        method: 'POST',
        url: '/api/imports?format=audit-history',
        payload: multipartNul,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      },
      'listsix.csv',
    ],
  ] as [InjectOptions, string][]) {
    const res = await send(options);
    assert.equal(res.statusCode, 202, `${options.url}: ${res.body}`);
    await importsIdle();
    const job = (await send({ method: 'GET', url: res.json().status })).json();
    assert.equal(job.fileName, expected);
    assert.equal(job.state, 'done');
  }
});

test('no token, an unknown one or a revoked one: 401, and nothing is queued', async () => {
  const before = await jobCount();
  const revoked = await createImportToken(t.db, councilId, { name: 'Old warehouse' }, adminId);
  await revokeImportToken(t.db, councilId, revoked.id, adminId);
  for (const bearer of [null, `qlt_${'x'.repeat(43)}`, revoked.token, 'not-a-token']) {
    const res = await send(
      {
        method: 'POST',
        url: '/api/imports?fileName=a.csv',
        payload: HISTORY,
        headers: { 'content-type': 'text/csv' },
      },
      bearer,
    );
    assert.equal(res.statusCode, 401, String(bearer));
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.match(String(res.headers['www-authenticate']), /^Bearer/);
    assert.match(res.json().error, /import token/);
    assert.doesNotMatch(res.body, /at .*\.ts/, 'no stack trace');
  }
  const status = await send({ method: 'GET', url: `/api/imports/${crypto.randomUUID()}` }, revoked.token);
  assert.equal(status.statusCode, 401);
  assert.equal(await jobCount(), before);
  assert.deepEqual(
    readdirSync(uploadsDir(dataDir)).filter((f) => !f.startsWith('.')),
    [],
  );
});

test('bad parameters or no file: 400 with a message saying what to send; nothing is queued', async () => {
  const before = await jobCount();
  const cases: [InjectOptions, RegExp][] = [
    [
      {
        method: 'POST',
        url: '/api/imports?asOf=2026-13-01',
        payload: HISTORY,
        headers: { 'content-type': 'text/csv' },
      },
      /must be a real date/,
    ],
    [
      {
        method: 'POST',
        url: '/api/imports?format=excel',
        payload: HISTORY,
        headers: { 'content-type': 'text/csv' },
      },
      /Select what the file holds/,
    ],
    [
      {
        method: 'POST',
        url: '/api/imports?mapping=Nope',
        payload: HISTORY,
        headers: { 'content-type': 'text/csv' },
      },
      /no saved column mapping called "Nope"/,
    ],
    [{ method: 'POST', url: '/api/imports', payload: '', headers: { 'content-type': 'text/csv' } }, /empty/],
    [{ method: 'POST', url: '/api/imports' }, /multipart\/form-data/],
    [{ method: 'POST', url: '/api/imports', payload: { file: 'x' } }, /multipart\/form-data/],
  ];
  for (const [options, message] of cases) {
    const res = await send(options);
    assert.equal(res.statusCode, 400, `${options.url}: ${res.body}`);
    assert.match(res.json().error, message);
  }
  const unsupported = await send({
    method: 'POST',
    url: '/api/imports',
    payload: 'x',
    headers: { 'content-type': 'application/pdf' },
  });
  assert.equal(unsupported.statusCode, 415);
  assert.match(unsupported.json().error, /Send the file as multipart\/form-data/);
  assert.equal(await jobCount(), before);
  assert.deepEqual(
    readdirSync(uploadsDir(dataDir)).filter((f) => !f.startsWith('.')),
    [],
  );
});

test('a token sees only its own council’s jobs', async () => {
  const other = (await createCouncil(t.db, { code: 'oapi', name: 'Other Council' })).id;
  const otherAdmin = (
    await t.db
      .insertInto('staff')
      .values({ council_id: other, name: 'Other Admin', job_title: 'Administrator' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  const theirs = (await createImportToken(t.db, other, { name: 'Their warehouse' }, otherAdmin)).token;
  const res = await send(
    {
      method: 'POST',
      url: '/api/imports?fileName=theirs.csv',
      payload: HISTORY,
      headers: { 'content-type': 'text/csv' },
    },
    theirs,
  );
  assert.equal(res.statusCode, 202);
  await importsIdle();
  const mine = await send({ method: 'GET', url: res.json().status });
  assert.equal(mine.statusCode, 404);
  assert.match(mine.json().error, /no import job/);
  assert.equal((await send({ method: 'GET', url: res.json().status }, theirs)).statusCode, 200);
  assert.equal((await send({ method: 'GET', url: '/api/imports/not-a-uuid' })).statusCode, 404);
});

test('the endpoint needs no session or CSRF token, and a browser session alone does not open it', async () => {
  const res = await app.inject({
    method: 'POST',
    url: '/api/imports?fileName=a.csv',
    payload: HISTORY,
    headers: { 'content-type': 'text/csv', cookie: 'qaloop.sid=anything' },
  });
  assert.equal(res.statusCode, 401);
  assert.doesNotMatch(String(res.headers['set-cookie'] ?? ''), /qaloop\.sid=[^;]/, 'no session is made');
});

test('posting is rate-limited', async () => {
  let limited = 0;
  for (let i = 0; i < 25 && !limited; i++) {
    const res = await send({
      method: 'POST',
      url: '/api/imports?asOf=bad',
      payload: 'x',
      headers: { 'content-type': 'text/csv' },
    });
    if (res.statusCode === 429) {
      limited++;
      assert.match(res.json().error, /Too many requests/);
    }
  }
  assert.equal(limited, 1);
});
