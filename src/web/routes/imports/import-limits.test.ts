import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDbWithDemo } from '../../../../test/helpers/db.ts';
import { writeZip } from '../../../../test/helpers/ssd-extract.ts';
import { importsIdle } from '../../../jobs/import-runner.ts';
import { createImportToken } from '../../../services/case-data/import-tokens.ts';

// Issue 22: the limits on one import hold on the upload page and for the data warehouse, which
// share the command's path: a file past them is refused, saying what to do, and nothing changes.

let t: TestDbWithDemo;
let app: FastifyInstance;
let dataDir: string;
let councilId: string;
let token: string;

before(async () => {
  t = await createTestDb({ demo: true });
  dataDir = mkdtempSync(join(tmpdir(), 'qaloop-limits-web-'));
  app = await createTestApp(t.db, { dataDir });
  const admin = await t.db
    .selectFrom('staff')
    .select(['id', 'council_id'])
    .where('external_id', '=', 'DEMO-administrator')
    .executeTakeFirstOrThrow();
  councilId = admin.council_id;
  token = (await createImportToken(t.db, councilId, { name: 'Warehouse' }, admin.id)).token;
  await t.db
    .insertInto('council_settings')
    .values({ council_id: councilId, phase_lengths: '{}', import_max_rows: 20, import_max_megabytes: 1 })
    .onConflict((oc) => oc.column('council_id').doUpdateSet({ import_max_rows: 20, import_max_megabytes: 1 }))
    .execute();
});
after(async () => {
  await app.close();
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const list6 = (children: number) =>
  [
    'ChildUniqueID,Gender,Ethnicity,DateOfBirth,HasDisability,CINStartDate',
    ...Array.from({ length: children }, (_, i) => `L${i + 1},a) Male,a) WBRI,01/04/2015,b) No,01/04/2024`),
  ].join('\n');

const ROWS_REFUSED =
  'This file holds more than 20 rows, the most your council allows in one import. Nothing was imported. A QA lead can raise the limit on the Data retention page.';

async function holdings() {
  const imports = await t.db.selectFrom('imports').select('id').execute();
  const children = await t.db.selectFrom('snapshot_children').select('id').execute();
  return { imports: imports.length, children: children.length };
}

test('the data warehouse: a zip bomb and a file over the row limit end their jobs refused, nothing imported', async () => {
  const before = await holdings();
  const send = (payload: Buffer | string, type: string, fileName: string) =>
    app.inject({
      method: 'POST',
      url: `/api/imports?fileName=${fileName}&asOf=2026-11-22&format=annex-a`,
      payload,
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
    });
  const status = async (url: string) =>
    (await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })).json();

  const rows = await send(list6(50), 'text/csv', 'list6.csv');
  assert.equal(rows.statusCode, 202, rows.body);
  await importsIdle();
  const refused = await status(rows.json().status);
  assert.equal(refused.state, 'refused');
  assert.equal(refused.message, ROWS_REFUSED);

  // 3 MB of rows deflated to a few kilobytes, against a limit of 1 MB
  const dir = mkdtempSync(join(tmpdir(), 'qaloop-bomb-'));
  try {
    const zip = readFileSync(
      writeZip(join(dir, 'bomb.zip'), [{ name: 'list6.csv', data: list6(60_000), deflate: true }]),
    );
    assert.ok(zip.length < 300 * 1024);
    const bomb = await send(zip, 'application/zip', 'bomb.zip');
    assert.equal(bomb.statusCode, 202, bomb.body);
    await importsIdle();
    const job = await status(bomb.json().status);
    assert.equal(job.state, 'refused');
    assert.match(
      job.message,
      /^This file holds more than 1 MB of data once uncompressed, the most your council allows/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(await holdings(), before);
});

test('the upload page: a file over the row limit is refused with the message, and the page says nothing was imported', async () => {
  const before = await holdings();
  const qa = new Agent(app);
  await qa.signInAs('qa_lead');
  const boundary = '----qaloopLimits';
  const fields = { _csrf: await qa.csrf('/imports'), format: 'annex-a', asOf: '22/11/2026' };
  const body = [
    ...Object.entries(fields).map(
      ([name, value]) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
    ),
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="list6.csv"\r\nContent-Type: text/csv\r\n\r\n${list6(50)}\r\n`,
    `--${boundary}--\r\n`,
  ].join('');
  const res = await qa.request({
    method: 'POST',
    url: '/imports',
    payload: body,
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      referer: 'http://localhost/imports',
    },
  });
  assert.equal(res.statusCode, 303, res.body);
  await importsIdle();
  const page = await qa.get(String(res.headers.location));
  assert.equal(h1(page.body), 'Nothing was imported');
  assert.match(page.body, /This file holds more than 20 rows, the most your council allows in one import\./);
  assert.deepEqual(await holdings(), before);
});
