import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDbWithDemo } from '../../../../test/helpers/db.ts';

// The most rows and megabytes one import may read (issue 22): on the data retention page, for the
// QA lead and administrator, every change in the security log.

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

const limits = async () => {
  const row = await t.db
    .selectFrom('council_settings')
    .select(['import_max_rows', 'import_max_megabytes'])
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  return row ? [row.import_max_rows, row.import_max_megabytes] : undefined;
};

test('the QA lead and an administrator see the limits; others may neither see nor change them', async () => {
  for (const role of ['qa_lead', 'administrator']) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    const res = await agent.get('/settings/retention');
    assert.equal(res.statusCode, 200, role);
    assert.match(res.body, /id="maxRows" name="maxRows" type="text"[^>]*value="5,000,000"/);
    assert.match(res.body, /id="maxMegabytes" name="maxMegabytes" type="text"[^>]*value="2,048"/);
  }
  const before = await limits();
  for (const role of ['senior_leader', 'practitioner', 'workforce_development', 'auditor']) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    const get = await agent.get('/settings/retention');
    assert.equal(get.statusCode, 403, role);
    const post = await agent.post(
      '/settings/retention/import-limits',
      { maxRows: '20000', maxMegabytes: '100' },
      '/account',
    );
    assert.equal(post.statusCode, 403, role);
  }
  assert.deepEqual(await limits(), before, 'nothing changed by those refused');
});

test('without the form’s CSRF token the limits are not changed', async () => {
  const before = await limits();
  const agent = new Agent(app);
  await agent.signInAs('qa_lead');
  const res = await agent.request({
    method: 'POST',
    url: '/settings/retention/import-limits',
    payload: 'maxRows=20000&maxMegabytes=100',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      referer: 'http://localhost/settings/retention',
    },
  });
  assert.equal(res.statusCode, 403);
  assert.deepEqual(await limits(), before);
});

test('bad limits are refused with an error summary, what was typed kept; good ones saved and logged', async () => {
  const before = await limits();
  const agent = new Agent(app);
  await agent.signInAs('qa_lead');
  const outOfRange = await agent.post(
    '/settings/retention/import-limits',
    { maxRows: '500', maxMegabytes: '99999' },
    '/settings/retention',
  );
  assert.equal(outOfRange.statusCode, 400);
  assert.deepEqual(errorSummaryItems(outOfRange.body), [
    { href: '#maxRows', text: 'Enter the most rows one import may read, from 10,000 to 50,000,000' },
    { href: '#maxMegabytes', text: 'Enter the most megabytes one import may read, from 50 to 20,000' },
  ]);
  assert.match(outOfRange.body, /value="500"/);
  assert.match(outOfRange.body, /value="99999"/);

  const words = await agent.post(
    '/settings/retention/import-limits',
    { maxRows: 'two million', maxMegabytes: '1.5' },
    '/settings/retention',
  );
  assert.equal(words.statusCode, 400);
  assert.deepEqual(
    errorSummaryItems(words.body).map((e) => e.text),
    [
      'Enter the number of rows as a whole number, like 5,000,000',
      'Enter the size in megabytes as a whole number, like 2,048',
    ],
  );
  assert.match(words.body, /value="two million"/);
  const blank = await agent.post(
    '/settings/retention/import-limits',
    { maxRows: '', maxMegabytes: '' },
    '/settings/retention',
  );
  assert.equal(blank.statusCode, 400);
  assert.equal(errorSummaryItems(blank.body).length, 2);
  assert.deepEqual(await limits(), before);

  const ok = await agent.post(
    '/settings/retention/import-limits',
    { maxRows: '2,000,000', maxMegabytes: '1024' },
    '/settings/retention',
  );
  assert.equal(ok.statusCode, 302);
  assert.deepEqual(await limits(), [2_000_000, 1024]);
  const page = await agent.get('/settings/retention');
  assert.match(page.body, /an import may read at most 2,000,000 rows and 1,024 MB/);
  const events = await t.db
    .selectFrom('security_events')
    .select(['detail', 'actor_id'])
    .where('council_id', '=', councilId)
    .where('kind', '=', 'import_limits_changed')
    .execute();
  assert.equal(events.length, 1);
  assert.deepEqual(events[0]?.detail, {
    rows: '5,000,000, now 2,000,000',
    size: '2,048 MB, now 1,024 MB',
  });
  assert.ok(events[0]?.actor_id);
  const log = await agent.get('/security?kind=import_limits_changed');
  assert.equal(log.statusCode, 200);
  assert.match(log.body, /Limits on what one import may read changed/);
});
