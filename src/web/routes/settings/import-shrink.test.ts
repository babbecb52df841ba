import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDbWithDemo } from '../../../../test/helpers/db.ts';

// The share of a list's children an import may remove without being confirmed (issue 22): on the
// data retention page, for the QA lead and administrator, every change in the security log.

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

const share = async () =>
  (
    await t.db
      .selectFrom('council_settings')
      .select('import_shrink_percent')
      .where('council_id', '=', councilId)
      .executeTakeFirst()
  )?.import_shrink_percent;

test('the QA lead and an administrator see the share; others may neither see nor change it', async () => {
  for (const role of ['qa_lead', 'administrator']) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    const res = await agent.get('/settings/retention');
    assert.equal(res.statusCode, 200, role);
    assert.match(res.body, /name="shrinkPercent"[^>]*value="33"|value="33"[^>]*name="shrinkPercent"/);
  }
  const before = await share();
  for (const role of ['senior_leader', 'practitioner', 'workforce_development']) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    const post = await agent.post('/settings/retention/imports', { shrinkPercent: '90' }, '/account');
    assert.equal(post.statusCode, 403, role);
  }
  assert.equal(await share(), before, 'nothing changed by those refused');
});

test('a bad share is refused with an error summary, what was typed kept; a good one saved and logged', async () => {
  const before = await share();
  const agent = new Agent(app);
  await agent.signInAs('qa_lead');
  const res = await agent.post(
    '/settings/retention/imports',
    { shrinkPercent: '150' },
    '/settings/retention',
  );
  assert.equal(res.statusCode, 400);
  assert.deepEqual(errorSummaryItems(res.body), [
    {
      href: '#shrinkPercent',
      text: "Enter the share of a list's children an import may remove, from 1% to 100%",
    },
  ]);
  assert.match(res.body, /value="150"/);
  const words = await agent.post(
    '/settings/retention/imports',
    { shrinkPercent: 'a third' },
    '/settings/retention',
  );
  assert.equal(words.statusCode, 400);
  assert.deepEqual(
    errorSummaryItems(words.body).map((e) => e.text),
    ['Enter the percentage as a whole number, like 33'],
  );
  assert.equal(await share(), before);

  const ok = await agent.post('/settings/retention/imports', { shrinkPercent: '50' }, '/settings/retention');
  assert.equal(ok.statusCode, 302);
  assert.equal(await share(), 50);
  const events = await t.db
    .selectFrom('security_events')
    .select(['detail', 'actor_id'])
    .where('council_id', '=', councilId)
    .where('kind', '=', 'import_shrink_changed')
    .execute();
  assert.equal(events.length, 1);
  assert.deepEqual(events[0]?.detail, { share: '33%, now 50%' });
  assert.ok(events[0]?.actor_id);
  const log = await agent.get('/security?kind=import_shrink_changed');
  assert.equal(log.statusCode, 200);
  assert.match(log.body, /Share of a list an import may remove changed/);
});
