import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';

let t: TestDb;
let app: FastifyInstance;
let qa: Agent;

before(async () => {
  t = await createTestDb({ demo: true });
  app = await createTestApp(t.db);
  qa = new Agent(app);
  await qa.signInAs('qa_lead');
});
after(async () => {
  await app.close();
  await t.close();
});

async function someStaff(n: number) {
  return t.db
    .selectFrom('staff')
    .select(['id', 'name', 'audit_trained_on'])
    .where('active', '=', true)
    .where('audit_trained_on', 'is', null)
    .orderBy('name')
    .limit(n)
    .execute();
}

test('the register shows each status with its count, the managers not trained in time and the sessions', async () => {
  const res = await qa.get('/auditors/training');
  assert.equal(res.statusCode, 200);
  assert.equal(h1(res.body), 'Auditor training');
  for (const words of ['Trained', 'Awaiting training', 'Not trained in time', 'Refresher due']) {
    assert.match(
      res.body,
      new RegExp(
        `<dt class="govuk-summary-list__key">\\s*${words}\\s*</dt>\\s*<dd class="govuk-summary-list__value">\\s*\\d+ `,
      ),
    );
  }
  assert.match(res.body, /Managers not trained in time/);
  assert.match(res.body, /Training sessions held/);
});

test('recording a session sets the attendees’ trained dates; the list shows it; deleting it puts them back', async () => {
  const people = await someStaff(2);
  const made = await qa.post(
    '/auditors/training/new',
    {
      'heldOn-day': '3',
      'heldOn-month': '11',
      'heldOn-year': '2026',
      kind: 'initial',
      title: 'Case file audit training, November',
      trainer: 'Practice development team',
      attendees: people.map((p) => p.id),
    },
    '/auditors/training/new',
  );
  assert.equal(made.statusCode, 302);
  const register = await qa.get('/auditors/training');
  assert.match(
    register.body,
    /The training session has been recorded \(3 November 2026\): 2 people attended/,
  );
  assert.match(register.body, /Case file audit training, November/);
  const after = await t.db
    .selectFrom('staff')
    .select('audit_trained_on')
    .where(
      'id',
      'in',
      people.map((p) => p.id),
    )
    .execute();
  assert.deepEqual(
    after.map((a) => a.audit_trained_on),
    ['2026-11-03', '2026-11-03'],
  );
  const session = await t.db
    .selectFrom('audit_training_sessions')
    .select('id')
    .where('title', '=', 'Case file audit training, November')
    .executeTakeFirstOrThrow();
  const form = await qa.get(`/auditors/training/${session.id}`);
  assert.equal(form.statusCode, 200);
  assert.equal(h1(form.body), 'Case file audit training, November');
  assert.match(form.body, new RegExp(`value="${people[0].id}" checked`));

  const confirm = await qa.get(`/auditors/training/${session.id}/delete`);
  assert.equal(h1(confirm.body), 'Delete Case file audit training, November?');
  const deleted = await qa.post(
    `/auditors/training/${session.id}/delete`,
    {},
    `/auditors/training/${session.id}/delete`,
  );
  assert.equal(deleted.statusCode, 302);
  const back = await t.db
    .selectFrom('staff')
    .select('audit_trained_on')
    .where(
      'id',
      'in',
      people.map((p) => p.id),
    )
    .execute();
  assert.deepEqual(
    back.map((a) => a.audit_trained_on),
    [null, null],
  );
});

test('a session with mistakes is shown again with what was typed and an error summary', async () => {
  const [person] = await someStaff(1);
  const res = await qa.post(
    '/auditors/training/new',
    {
      'heldOn-day': '31',
      'heldOn-month': '2',
      'heldOn-year': '2026',
      kind: '',
      title: 'Refresher for managers',
      trainer: '',
      attendees: [person.id],
    },
    '/auditors/training/new',
  );
  assert.equal(res.statusCode, 400);
  assert.deepEqual(errorSummaryItems(res.body), [
    { text: 'The date the session was held must be a real date', href: '#heldOn-day' },
    { text: 'Choose whether this was initial training or a refresher', href: '#kind' },
  ]);
  assert.match(res.body, /value="Refresher for managers"/);
  assert.match(res.body, new RegExp(`value="${person.id}" checked`));
  assert.match(res.body, /name="heldOn-day" type="text" value="31"|value="31"/);

  const none = await qa.post(
    '/auditors/training/new',
    {
      'heldOn-day': '1',
      'heldOn-month': '11',
      'heldOn-year': '2026',
      kind: 'refresher',
      title: 'x',
      trainer: '',
    },
    '/auditors/training/new',
  );
  assert.deepEqual(errorSummaryItems(none.body), [
    { text: 'Select who attended the session', href: '#attendees' },
  ]);
  assert.match(none.body, /id="attendees"/);
});

test('roles without training.manage are refused; workforce development may use it; forms need a CSRF token', async () => {
  for (const role of ['auditor', 'practitioner', 'case_manager', 'scrutiny_reader', 'administrator']) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    assert.equal((await agent.get('/auditors/training')).statusCode, 403, role);
    assert.equal((await agent.get('/auditors/training/new')).statusCode, 403, role);
    const [person] = await someStaff(1);
    const sent = await agent.post(
      '/auditors/training/new',
      {
        'heldOn-day': '1',
        'heldOn-month': '11',
        'heldOn-year': '2026',
        kind: 'initial',
        title: 'Sneaky',
        attendees: [person.id],
      },
      '/',
    );
    assert.equal(sent.statusCode, 403, role);
  }
  const wd = new Agent(app);
  await wd.signInAs('workforce_development');
  assert.equal((await wd.get('/auditors/training')).statusCode, 200);

  const anonymous = new Agent(app);
  const res = await anonymous.get('/auditors/training');
  assert.equal(res.statusCode, 302);
  assert.match(String(res.headers.location), /sign-in/);

  const [person] = await someStaff(1);
  const forged = await qa.post('/auditors/training/new', {
    _csrf: 'forged',
    'heldOn-day': '1',
    'heldOn-month': '11',
    'heldOn-year': '2026',
    kind: 'initial',
    title: 'Forged',
    attendees: [person.id],
  });
  assert.equal(forged.statusCode, 403);
  assert.equal(
    (
      await t.db
        .selectFrom('audit_training_sessions')
        .select('id')
        .where('title', 'in', ['Forged', 'Sneaky'])
        .execute()
    ).length,
    0,
  );
  assert.equal((await qa.get(`/auditors/training/${crypto.randomUUID()}`)).statusCode, 404);
});

test('the Auditors page and the QA lead’s home list the managers not trained in time', async () => {
  const auditors = await qa.get('/auditors');
  assert.match(auditors.body, /Managers not yet trained/);
  assert.match(auditors.body, /2 managers have not been trained in auditing/);
  assert.match(auditors.body, /href="\/auditors\/training"/);
  const home = await qa.get('/');
  assert.match(home.body, /2 managers have not been trained in auditing in time<\/a>/);
  assert.match(home.body, /Team Manager|started \d+ \w+ \d{4}/);
  const cm = new Agent(app);
  await cm.signInAs('case_manager');
  assert.doesNotMatch((await cm.get('/')).body, /trained in auditing in time/);
});

test('the training periods are set on the council settings page, with clear errors', async () => {
  const wrong = await qa.post(
    '/settings/training',
    { refresherMonths: '', newManagerMonths: '30' },
    '/settings/calendar',
  );
  assert.equal(wrong.statusCode, 400);
  assert.deepEqual(errorSummaryItems(wrong.body), [
    { text: 'Enter the number of months until a refresher is due, from 1 to 120', href: '#refresherMonths' },
    {
      text: 'Enter the number of months a new manager has to be trained, from 1 to 24',
      href: '#newManagerMonths',
    },
  ]);
  assert.match(wrong.body, /id="newManagerMonths" name="newManagerMonths" type="text" value="30"|value="30"/);
  const saved = await qa.post(
    '/settings/training',
    { refresherMonths: '36', newManagerMonths: '3' },
    '/settings/calendar',
  );
  assert.equal(saved.statusCode, 302);
  const page = await qa.get('/settings/calendar');
  assert.match(page.body, /Auditor training settings have been saved/);
  assert.match(page.body, /value="36"/);
  const register = await qa.get('/auditors/training');
  assert.match(register.body, /within 3 months of starting/);
  await qa.post('/settings/training', { refresherMonths: '24', newManagerMonths: '2' }, '/settings/calendar');
});
