import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { hashImportToken } from '../../../services/case-data/import-tokens.ts';

let t: TestDb;
let app: FastifyInstance;
let admin: Agent;

before(async () => {
  t = await createTestDb({ demo: true });
  app = await createTestApp(t.db);
  admin = new Agent(app);
  await admin.signInAs('administrator');
});
after(async () => {
  await app.close();
  await t.close();
});

const tokenOn = (html: string) => html.match(/id="token" type="text" value="(qlt_[A-Za-z0-9_-]{43})"/)?.[1];

test('an administrator makes a token, sees it once, and the endpoint takes it; only its hash is kept', async () => {
  const list = await admin.get('/admin/import-tokens');
  assert.equal(list.statusCode, 200);
  assert.equal(h1(list.body), 'Import tokens');
  assert.match(list.body, /No tokens have been made/);

  const made = await admin.post('/admin/import-tokens', { name: 'Data warehouse' }, '/admin/import-tokens');
  assert.equal(made.statusCode, 201);
  assert.equal(made.headers['cache-control'], 'no-store');
  assert.match(made.body, /this is the only time it is shown/);
  const token = tokenOn(made.body);
  assert.ok(token, 'the token is on the page');
  const row = await t.db
    .selectFrom('import_tokens')
    .selectAll()
    .where('name', '=', 'Data warehouse')
    .executeTakeFirstOrThrow();
  assert.equal(row.token_hash, hashImportToken(token));

  const after = await admin.get('/admin/import-tokens');
  assert.match(after.body, /Data warehouse/);
  assert.match(after.body, /In use/);
  assert.match(after.body, /Never/);
  assert.ok(!after.body.includes(token), 'the list never shows the token again');

  const res = await app.inject({
    method: 'GET',
    url: `/api/imports/${crypto.randomUUID()}`,
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.statusCode, 404, 'the token is accepted (the job just does not exist)');
});

test('a token needs a name: the mistake is shown against the field', async () => {
  const res = await admin.post('/admin/import-tokens', { name: '   ' }, '/admin/import-tokens');
  assert.equal(res.statusCode, 400);
  assert.deepEqual(errorSummaryItems(res.body), [{ text: 'Enter a name for the token', href: '#name' }]);
});

test('revoking asks first, then the token is refused for good', async () => {
  const made = await admin.post('/admin/import-tokens', { name: 'Old system' }, '/admin/import-tokens');
  const token = tokenOn(made.body) as string;
  const id = (
    await t.db
      .selectFrom('import_tokens')
      .select('id')
      .where('name', '=', 'Old system')
      .executeTakeFirstOrThrow()
  ).id;
  const list = await admin.get('/admin/import-tokens');
  assert.match(list.body, new RegExp(`href="/admin/import-tokens/${id}/revoke"`));
  const confirm = await admin.get(`/admin/import-tokens/${id}/revoke`);
  assert.equal(h1(confirm.body), 'Revoke Old system?');
  const revoked = await admin.post(
    `/admin/import-tokens/${id}/revoke`,
    {},
    `/admin/import-tokens/${id}/revoke`,
  );
  assert.equal(revoked.statusCode, 303);
  const after = await admin.get('/admin/import-tokens');
  assert.match(after.body, /The token “Old system” has been revoked/);
  assert.match(after.body, /Revoked/);
  const row = await t.db
    .selectFrom('import_tokens')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  assert.ok(row.revoked_at);
  assert.ok(row.revoked_by);
  const res = await app.inject({
    method: 'POST',
    url: '/api/imports?fileName=a.csv',
    payload: 'child_id\n1\n',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
  });
  assert.equal(res.statusCode, 401);
  const again = await admin.get(`/admin/import-tokens/${id}/revoke`);
  assert.equal(h1(again.body), 'Old system is revoked');
});

test('a QA lead (who imports) cannot manage tokens; an unknown token is not found', async () => {
  const qa = new Agent(app);
  await qa.signInAs('qa_lead');
  const id = (await t.db.selectFrom('import_tokens').select('id').executeTakeFirstOrThrow()).id;
  for (const url of ['/admin/import-tokens', `/admin/import-tokens/${id}/revoke`]) {
    assert.equal((await qa.get(url)).statusCode, 403, url);
  }
  const before = await t.db.selectFrom('import_tokens').select('id').execute();
  assert.equal((await qa.post('/admin/import-tokens', { name: 'Sneaky' }, '/imports')).statusCode, 403);
  assert.equal((await qa.post(`/admin/import-tokens/${id}/revoke`, {}, '/imports')).statusCode, 403);
  assert.equal((await t.db.selectFrom('import_tokens').select('id').execute()).length, before.length);
  assert.equal(
    (
      await t.db
        .selectFrom('import_tokens')
        .select('revoked_at')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).revoked_at,
    null,
  );
  const imports = await qa.get('/imports');
  assert.doesNotMatch(imports.body, /href="\/admin\/import-tokens"/);
  const adminImports = await admin.get('/imports');
  assert.match(adminImports.body, /href="\/admin\/import-tokens"/);
  assert.equal((await admin.get(`/admin/import-tokens/${crypto.randomUUID()}/revoke`)).statusCode, 404);
  assert.equal((await admin.get('/admin/import-tokens/nonsense/revoke')).statusCode, 404);
});
