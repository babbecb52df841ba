import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDbWithDemo } from '../../../../test/helpers/db.ts';
import { measureChoices } from '../../../services/improvement/measures.ts';

let t: TestDbWithDemo;
let app: FastifyInstance;
let lead: Agent;
let senior: Agent;
let practitioner: Agent;
let outcomeId: string;
let measuresUrl: string;

before(async () => {
  t = await createTestDb({ demo: true });
  const councilId = t.demo.councilId;
  let plan = await t.db
    .selectFrom('improvement_plans')
    .select('id')
    .where('council_id', '=', councilId)
    .where('status', '=', 'current')
    .executeTakeFirst();
  if (!plan)
    plan = await t.db
      .insertInto('improvement_plans')
      .values({ council_id: councilId, title: 'Plan' })
      .returning('id')
      .executeTakeFirstOrThrow();
  const area = await t.db
    .insertInto('plan_areas')
    .values({ council_id: councilId, plan_id: plan.id, title: 'Test area' })
    .returning('id')
    .executeTakeFirstOrThrow();
  outcomeId = (
    await t.db
      .insertInto('plan_outcomes')
      .values({
        council_id: councilId,
        plan_id: plan.id,
        area_id: area.id,
        ref: '98.1',
        outcome: 'Oversight is seen',
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  measuresUrl = `/plan/outcomes/${outcomeId}/measures`;
  app = await createTestApp(t.db);
  lead = new Agent(app);
  await lead.signInAs('qa_lead');
  senior = new Agent(app);
  await senior.signInAs('senior_leader');
  practitioner = new Agent(app);
  await practitioner.signInAs('practitioner');
});
after(async () => {
  await app.close();
  await t.close();
});

const measureNamed = (label: string) =>
  t.db
    .selectFrom('plan_measures')
    .selectAll()
    .where('outcome_id', '=', outcomeId)
    .where('label', '=', label)
    .executeTakeFirst();

test('the QA lead adds a measure and sees its latest figure with count and interval, in words', async () => {
  const page = await lead.get(measuresUrl);
  assert.equal(page.statusCode, 200);
  assert.equal(h1(page.body), 'Audit measures');
  assert.match(page.body, /No audit measures are linked to this outcome yet/);
  // every kind's field is in the page, so the form works without JavaScript
  for (const field of ['section', 'theme', 'question', 'target', 'label'])
    assert.match(page.body, new RegExp(`name="${field}"`), field);

  const res = await lead.post(
    measuresUrl,
    { kind: 'oversight', target: '50', better: 'higher', label: '' },
    measuresUrl,
  );
  assert.equal(res.statusCode, 302);
  assert.equal(res.headers.location, measuresUrl);
  assert.ok(await measureNamed('Management oversight recorded'));
  const after = await lead.get(measuresUrl);
  assert.match(after.body, /“Management oversight recorded” has been added/);
  assert.match(after.body, /\d+% \(\d+ of \d+; 95% interval \d+% to \d+%\)/);
  assert.match(after.body, /Overall/);
  assert.match(after.body, /The latest figure pools the last 3 complete months/);
  assert.match(after.body, /August to October 2026/);
  assert.match(after.body, /Signal of real change|Noise: |Too few months/);
});

test('the outcome page shows the evidence table to everyone who reads the plan', async () => {
  const page = await senior.get(`/plan/outcomes/${outcomeId}`);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /95% interval/);
  assert.match(page.body, /Management oversight recorded/);
});

test('a form with mistakes comes back with what was typed and an error summary', async () => {
  const choices = await measureChoices(t.db, t.demo.councilId);
  const res = await lead.post(
    measuresUrl,
    { kind: 'section', section: '', target: 'most', better: 'higher', label: 'Plans are SMART' },
    measuresUrl,
  );
  assert.equal(res.statusCode, 400);
  assert.deepEqual(
    errorSummaryItems(res.body).map((e) => e.href),
    ['#section', '#target'],
  );
  assert.match(res.body, /value="most"/);
  assert.match(res.body, /value="Plans are SMART"/);
  assert.ok(choices.sections.length > 0);
});

test('too few audits to tell is said in words when the plan asks for more', async () => {
  const set = await lead.post(
    '/plan/settings',
    { minimumCount: '1000', greenWhen: 'interval_above', redWhen: 'interval_below' },
    '/plan/settings',
  );
  assert.equal(set.statusCode, 302);
  const page = await lead.get(measuresUrl);
  assert.match(page.body, /Too few audits to tell \(\d+ of the 1000 needed\)/);
  const bad = await lead.post(
    '/plan/settings',
    { minimumCount: 'ten', greenWhen: '', redWhen: 'interval_below' },
    '/plan/settings',
  );
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(
    errorSummaryItems(bad.body).map((e) => e.href),
    ['#minimumCount', '#greenWhen'],
  );
  assert.match(bad.body, /value="ten"/);
});

test('others may read the measures but not change them', async () => {
  const page = await senior.get(measuresUrl);
  assert.equal(page.statusCode, 200);
  assert.doesNotMatch(page.body, /Add a measure/);
  assert.equal((await practitioner.get(measuresUrl)).statusCode, 403);
  const csrf = await senior.csrf(measuresUrl);
  const add = await senior.post(
    measuresUrl,
    { _csrf: csrf, kind: 'oversight', target: '50', better: 'higher' },
    measuresUrl,
  );
  assert.equal(add.statusCode, 403);
  const measure = await measureNamed('Management oversight recorded');
  assert.ok(measure);
  const remove = await senior.post(`${measuresUrl}/${measure.id}/remove`, { _csrf: csrf }, measuresUrl);
  assert.equal(remove.statusCode, 403);
  assert.equal((await senior.get(`${measuresUrl}/${measure.id}`)).statusCode, 403);
  assert.equal((await senior.get('/plan/settings')).statusCode, 403);
  assert.equal((await practitioner.get('/plan/settings')).statusCode, 403);
  const settings = await senior.post('/plan/settings', { _csrf: csrf, minimumCount: '1' }, measuresUrl);
  assert.equal(settings.statusCode, 403);
  assert.ok(await measureNamed('Management oversight recorded'), 'still there');
});

test('the QA lead changes a target and removes a measure', async () => {
  const measure = await measureNamed('Management oversight recorded');
  assert.ok(measure);
  const form = await lead.get(`${measuresUrl}/${measure.id}`);
  assert.equal(form.statusCode, 200);
  assert.equal(h1(form.body), 'Change a measure');
  assert.match(form.body, /value="50"/);
  const changed = await lead.post(
    `${measuresUrl}/${measure.id}`,
    { target: '65', better: 'higher', label: 'Oversight on file' },
    `${measuresUrl}/${measure.id}`,
  );
  assert.equal(changed.statusCode, 302);
  assert.equal((await measureNamed('Oversight on file'))?.target, 0.65);
  const removed = await lead.post(`${measuresUrl}/${measure.id}/remove`, {}, measuresUrl);
  assert.equal(removed.statusCode, 302);
  assert.equal(await measureNamed('Oversight on file'), undefined);
  const settings = await lead.get('/plan/settings');
  assert.equal(settings.statusCode, 200);
  assert.equal(h1(settings.body), 'Thresholds for a suggested rating');
  assert.match(settings.body, /For example, the target is 80%/);
});

test('a measure of another outcome, or none, is the page that does not exist', async () => {
  const missing = await lead.get(`${measuresUrl}/00000000-0000-4000-8000-000000000000`);
  assert.equal(missing.statusCode, 404);
  assert.equal(
    (await lead.get('/plan/outcomes/00000000-0000-4000-8000-000000000000/measures')).statusCode,
    404,
  );
});
