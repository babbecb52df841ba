import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDbWithDemo } from '../../../../test/helpers/db.ts';
import { importsIdle } from '../../../jobs/import-runner.ts';
import { createImportToken } from '../../../services/case-data/import-tokens.ts';

// Issue 22: a file with only its header row wiped Annex A list 6 and said "Import finished, 0 rows".
// The upload page and the data warehouse's endpoint refuse it unless the sender confirms.

let t: TestDbWithDemo;
let app: FastifyInstance;
let dataDir: string;
let qa: Agent;
let token: string;
let councilId: string;

before(async () => {
  t = await createTestDb({ demo: true });
  dataDir = mkdtempSync(join(tmpdir(), 'qaloop-shrink-web-'));
  app = await createTestApp(t.db, { dataDir });
  qa = new Agent(app);
  await qa.signInAs('qa_lead');
  const admin = await t.db
    .selectFrom('staff')
    .select(['id', 'council_id'])
    .where('external_id', '=', 'DEMO-administrator')
    .executeTakeFirstOrThrow();
  councilId = admin.council_id;
  token = (await createImportToken(t.db, councilId, { name: 'Warehouse' }, admin.id)).token;
});
after(async () => {
  await app.close();
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const HEADER_ONLY = 'ChildUniqueID,Gender,Ethnicity,DateOfBirth,HasDisability,CINStartDate\r\n';

/** What the demo council's snapshots hold: rows per snapshot and source, and imports recorded. */
async function holdings() {
  const children = await t.db
    .selectFrom('snapshot_children')
    .select(['snapshot_id', 'source', (eb) => eb.fn.countAll<string>().as('n')])
    .where('council_id', '=', councilId)
    .groupBy(['snapshot_id', 'source'])
    .orderBy('snapshot_id')
    .orderBy('source')
    .execute();
  const imports = await t.db
    .selectFrom('imports')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return { children: children.map((c) => `${c.snapshot_id} ${c.source} ${c.n}`), imports: Number(imports.n) };
}

/** The children Annex A list 6 holds in the latest snapshot that has it. */
async function list6Children(): Promise<number> {
  const row = await t.db
    .selectFrom('snapshot_children as sc')
    .innerJoin('snapshots as s', 's.id', 'sc.snapshot_id')
    .select(['s.as_of', (eb) => eb.fn.count<string>('sc.child_id').distinct().as('n')])
    .where('sc.council_id', '=', councilId)
    .where('sc.source', '=', 'annex_a:6')
    .groupBy('s.as_of')
    .orderBy('s.as_of', 'desc')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function multipart(fields: Record<string, string>, file: { name: string; content: string }) {
  const boundary = `----qaloopShrink${Math.random().toString(36).slice(2)}`;
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  parts.push(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: text/csv\r\n\r\n${file.content}\r\n`,
    `--${boundary}--\r\n`,
  );
  return { payload: Buffer.from(parts.join('')), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function upload(fields: Record<string, string>) {
  const body = multipart(
    { _csrf: await qa.csrf('/imports'), ...fields },
    { name: 'list6.csv', content: HEADER_ONLY },
  );
  const res = await qa.request({
    method: 'POST',
    url: '/imports',
    payload: body.payload,
    headers: { 'content-type': body.contentType, referer: 'http://localhost/imports' },
  });
  assert.equal(res.statusCode, 303, res.body);
  await importsIdle();
  return qa.get(String(res.headers.location));
}

const n = (x: number) => x.toLocaleString('en-GB');

test('the upload page: a header-only list is refused, saying how many, and sent again confirmed it is imported', async () => {
  const form = await qa.get('/imports');
  assert.match(form.body, /Import it even though it removes children/);
  assert.doesNotMatch(form.body, /name="allowShrink"[^>]*checked/);

  const listed = await list6Children();
  assert.ok(listed > 0);
  const before = await holdings();
  const refused = await upload({});
  assert.equal(h1(refused.body), 'Nothing was imported');
  assert.match(
    refused.body,
    new RegExp(
      `This file would remove all ${n(listed)} children on Annex A list 6 \\(Children in need\\): it lists none\\. Nothing was imported\\.`,
    ),
  );
  assert.match(
    refused.body,
    /href="\/imports\?allowShrink=yes#allowShrink">send the file again, confirming that it removes children/,
  );
  assert.deepEqual(await holdings(), before, 'the refusal changed nothing');

  const again = await qa.get('/imports?allowShrink=yes');
  assert.match(again.body, /name="allowShrink" type="checkbox" value="yes" checked/);

  const done = await upload({ allowShrink: 'yes' });
  assert.equal(h1(done.body), 'Import finished');
  assert.notDeepEqual(await holdings(), before);
});

test('the data warehouse: refused in the job’s JSON unless ?allowShrink=true', async () => {
  const send = (query: string) =>
    app.inject({
      method: 'POST',
      url: `/api/imports?fileName=list6.csv&asOf=2026-11-22${query}`,
      payload: HEADER_ONLY,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv; charset=utf-8' },
    });
  const before = await holdings();
  const res = await send('');
  assert.equal(res.statusCode, 202, res.body);
  await importsIdle();
  const status = (
    await app.inject({ method: 'GET', url: res.json().status, headers: { authorization: `Bearer ${token}` } })
  ).json();
  assert.equal(status.state, 'refused');
  assert.match(
    status.message,
    /^This file would remove all [\d,]+ children on Annex A list 6 .*Nothing was imported\./,
  );
  assert.deepEqual(await holdings(), before);

  const bad = await send('&allowShrink=perhaps');
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error ?? bad.body, /allowShrink must be true or false/);

  const confirmed = await send('&allowShrink=true');
  assert.equal(confirmed.statusCode, 202);
  await importsIdle();
  const ok = (
    await app.inject({
      method: 'GET',
      url: confirmed.json().status,
      headers: { authorization: `Bearer ${token}` },
    })
  ).json();
  assert.equal(ok.state, 'done', ok.message);
});
