import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDbWithDemo } from '../../../../test/helpers/db.ts';

let t: TestDbWithDemo;
let app: FastifyInstance;
const agents: Record<string, Agent> = {};
let attendee: { id: string; name: string };

before(async () => {
  t = await createTestDb({ demo: true });
  app = await createTestApp(t.db);
  for (const role of ['qa_lead', 'senior_leader', 'workforce_development']) {
    agents[role] = new Agent(app);
    await agents[role].signInAs(role);
  }
  // someone named at a demo session on father involvement
  const session = await t.db
    .selectFrom('learning_sessions')
    .select('id')
    .where('council_id', '=', t.demo.councilId)
    .where('title', '=', 'Working with fathers and significant males')
    .executeTakeFirstOrThrow();
  attendee = await t.db
    .selectFrom('audits as a')
    .innerJoin('staff as s', 's.id', 'a.practitioner_id')
    .select(['s.id', 's.name'])
    .where('a.council_id', '=', t.demo.councilId)
    .where('a.status', '=', 'submitted')
    .where('s.active', '=', true)
    .orderBy('s.name')
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto('learning_session_attendees')
    .values({ session_id: session.id, council_id: t.demo.councilId, staff_id: attendee.id })
    .onConflict((oc) => oc.doNothing())
    .execute();
});
after(async () => {
  await app.close();
  await t.close();
});

const windowMonths = async () =>
  (
    await t.db
      .selectFrom('council_settings')
      .select('learning_window_months')
      .where('council_id', '=', t.demo.councilId)
      .executeTakeFirst()
  )?.learning_window_months;

test('people without loop.read are refused; signed-out visitors are sent to sign in', async () => {
  for (const role of ['auditor', 'practitioner', 'case_manager', 'scrutiny_reader', 'administrator']) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    assert.equal((await agent.get('/closing-the-loop')).statusCode, 403, role);
    const res = await agent.post('/closing-the-loop/window', {
      _csrf: await agent.csrf('/'),
      windowMonths: '3',
    });
    assert.equal(res.statusCode, 403, `${role} window`);
  }
  const anonymous = await new Agent(app).get('/closing-the-loop');
  assert.equal(anonymous.statusCode, 302);
  assert.match(String(anonymous.headers.location), /^\/sign-in/);
});

test('QA, senior leaders and workforce development read the figures per theme, with intervals and words', async () => {
  for (const role of ['qa_lead', 'senior_leader', 'workforce_development']) {
    const page = await agents[role].get('/closing-the-loop');
    assert.equal(page.statusCode, 200, role);
    assert.equal(h1(page.body), 'Closing the loop');
    assert.match(page.body, /class="govuk-service-navigation__link" href="\/closing-the-loop"/);
    assert.match(page.body, /<h2 class="govuk-heading-m" id="theme-father_significant_male_involvement">/);
    assert.match(page.body, /Working with fathers and significant males/);
    assert.match(page.body, /\d+ attended, \d+ named/);
    assert.match(page.body, /95% CI \d+% to \d+%/);
    assert.match(page.body, /this is association, not proof/i);
    assert.match(page.body, /Before: audits returned from/);
    assert.match(page.body, /Difference \(after less before\)/);
    assert.match(page.body, /practitioners who attended and who did not/);
    // figures only: no one named, no child or audit
    assert.doesNotMatch(page.body, new RegExp(attendee.name));
    assert.doesNotMatch(page.body, /href="\/audits\//);
    assert.doesNotMatch(page.body, /href="\/children\//);
  }
});

test('only the QA lead sees and may use the form that sets the months compared', async () => {
  const qa = await agents.qa_lead.get('/closing-the-loop');
  assert.match(qa.body, /action="\/closing-the-loop\/window"/);
  assert.match(qa.body, /name="windowMonths"[^>]*value="6"/);
  for (const role of ['senior_leader', 'workforce_development']) {
    const page = await agents[role].get('/closing-the-loop');
    assert.doesNotMatch(page.body, /action="\/closing-the-loop\/window"/, role);
    assert.match(page.body, /compared 6 months either side of the learning. The QA lead sets this/);
    const res = await agents[role].post(
      '/closing-the-loop/window',
      { windowMonths: '3' },
      '/closing-the-loop',
    );
    assert.equal(res.statusCode, 403, role);
  }
  assert.notEqual(await windowMonths(), 3);
});

test('the QA lead sets the window from 1 to 24 months; anything else is an error that keeps what was typed', async () => {
  for (const [typed, message] of [
    ['30', 'Enter the number of months, from 1 to 24'],
    ['', 'Enter the number of months, from 1 to 24'],
    ['six', 'Enter the number of months as a whole number, like 6'],
  ]) {
    const res = await agents.qa_lead.post(
      '/closing-the-loop/window',
      { windowMonths: typed },
      '/closing-the-loop',
    );
    assert.equal(res.statusCode, 400, typed);
    assert.deepEqual(errorSummaryItems(res.body), [{ text: message, href: '#windowMonths' }]);
    assert.match(
      res.body,
      new RegExp(`name="windowMonths" type="text" value="${typed}"|name="windowMonths"[^>]*value="${typed}"`),
    );
  }
  const ok = await agents.qa_lead.post(
    '/closing-the-loop/window',
    { windowMonths: '3' },
    '/closing-the-loop',
  );
  assert.equal(ok.statusCode, 303);
  assert.equal(await windowMonths(), 3);
  const page = await agents.qa_lead.get('/closing-the-loop');
  assert.match(page.body, /Audits are now compared 3 months either side of the learning/);
  assert.match(page.body, /in the 3 months before the theme’s first session/);
});
