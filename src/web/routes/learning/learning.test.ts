import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';

let t: TestDb;
let app: FastifyInstance;
let wfd: Agent;
let senior: Agent;

before(async () => {
  t = await createTestDb({ demo: true });
  app = await createTestApp(t.db);
  wfd = new Agent(app);
  await wfd.signInAs('workforce_development');
  senior = new Agent(app);
  await senior.signInAs('senior_leader');
});
after(async () => {
  await app.close();
  await t.close();
});

const count = async () =>
  Number(
    (
      await t.db
        .selectFrom('learning_sessions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

const sessionNamed = (title: string) =>
  t.db.selectFrom('learning_sessions').selectAll().where('title', '=', title).executeTakeFirst();

const themesOf = async (sessionId: string) =>
  (
    await t.db
      .selectFrom('learning_session_themes')
      .select('theme_key')
      .where('session_id', '=', sessionId)
      .orderBy('theme_key')
      .execute()
  ).map((r) => r.theme_key);

test('the demo council has the training its workforce development team ran this year', async () => {
  const page = await wfd.get('/learning');
  assert.equal(page.statusCode, 200);
  assert.equal(h1(page.body), 'Learning sessions');
  assert.match(page.body, /<title>Learning sessions – QA Loop/);
  const n = await count();
  assert.ok(n >= 8 && n <= 12, `${n} demo sessions`);
  assert.match(page.body, /Working with fathers and significant males/);
  assert.match(page.body, /Father \/ significant male involvement/);
  assert.match(page.body, /href="\/learning\/new"/);
  assert.match(page.body, /class="govuk-service-navigation__link" href="\/learning"/);
  // newest first
  const dates = [...page.body.matchAll(/<td class="govuk-table__cell">(\d{1,2} \w+ \d{4})<\/td>/g)].map(
    (m) => m[1],
  );
  assert.equal(dates[0], '19 November 2026');
  assert.equal(dates[dates.length - 1], '14 May 2026');
});

test('workforce development records a session; it is listed with its themes', async () => {
  const form = await wfd.get('/learning/new');
  assert.equal(form.statusCode, 200);
  assert.equal(h1(form.body), 'Record a learning session');
  assert.match(form.body, /name="_csrf"/);
  assert.match(form.body, /name="heldOn-day"/);
  assert.match(form.body, /id="format" name="format" type="radio" value="workshop"/);
  assert.match(form.body, /name="themes" type="checkbox" value="neglect"/);

  const before = await count();
  const res = await wfd.post(
    '/learning/new',
    {
      title: 'Neglect toolkit refresher',
      'heldOn-day': '3',
      'heldOn-month': '11',
      'heldOn-year': '2026',
      format: 'workshop',
      attended: '17',
      themes: ['neglect', 'drift_and_delay'],
      notes: 'For the new starters in the locality teams.',
    },
    '/learning/new',
  );
  assert.equal(res.statusCode, 302);
  assert.equal(res.headers.location, '/learning');
  assert.equal(await count(), before + 1);
  const saved = await sessionNamed('Neglect toolkit refresher');
  assert.ok(saved);
  assert.equal(saved.held_on, '2026-11-03');
  assert.equal(saved.attended, 17);
  assert.equal(saved.format, 'workshop');
  const recorder = await t.db
    .selectFrom('staff')
    .select('id')
    .where('external_id', '=', 'DEMO-workforce_development')
    .executeTakeFirstOrThrow();
  assert.equal(saved.created_by, recorder.id);
  assert.deepEqual(await themesOf(saved.id), ['drift_and_delay', 'neglect']);

  const list = await wfd.get('/learning');
  assert.match(list.body, /“Neglect toolkit refresher” has been recorded/);
  assert.match(list.body, /Neglect toolkit refresher/);
  assert.match(list.body, /3 November 2026/);
});

test('bad input gives an error summary linked to the fields, keeps what was typed, and changes nothing', async () => {
  const before = await count();
  const res = await wfd.post(
    '/learning/new',
    {
      title: '',
      'heldOn-day': '30',
      'heldOn-month': '2',
      'heldOn-year': '2026',
      attended: 'about twenty',
      notes: 'Kept notes',
    },
    '/learning/new',
  );
  assert.equal(res.statusCode, 400);
  assert.match(res.body, /<title>Error: Record a learning session/);
  assert.deepEqual(errorSummaryItems(res.body), [
    { href: '#title', text: 'Enter a title for the learning session' },
    { href: '#heldOn-day', text: 'The date it was held must be a real date' },
    { href: '#format', text: 'Select the format of the session' },
    { href: '#attended', text: 'Enter how many people attended as a whole number, like 12' },
    { href: '#themes', text: 'Select at least one practice theme' },
  ]);
  assert.match(res.body, /id="heldOn-day"/);
  assert.match(res.body, /id="format"/);
  assert.match(res.body, /id="themes"/);
  assert.match(res.body, /value="about twenty"/);
  assert.match(res.body, />Kept notes<\/textarea>/);
  assert.match(res.body, /name="heldOn-day" type="text" value="30"/);
  assert.equal(await count(), before);

  const future = await wfd.post(
    '/learning/new',
    {
      title: 'Too far ahead',
      'heldOn-day': '1',
      'heldOn-month': '1',
      'heldOn-year': '2028',
      format: 'briefing',
      attended: '0',
      themes: 'neglect',
    },
    '/learning/new',
  );
  assert.equal(future.statusCode, 400);
  assert.deepEqual(errorSummaryItems(future.body), [
    { href: '#heldOn-day', text: 'The date it was held must be no more than a year from today' },
  ]);
  assert.match(future.body, /value="neglect" checked/);
  assert.match(future.body, /value="briefing" checked/);
  assert.equal(await count(), before);
});

test('workforce development changes a session; bad changes are refused and leave it as it was', async () => {
  const session = await sessionNamed('Neglect toolkit refresher');
  assert.ok(session);
  const editUrl = `/learning/${session.id}/edit`;
  const form = await wfd.get(editUrl);
  assert.equal(form.statusCode, 200);
  assert.equal(h1(form.body), 'Change Neglect toolkit refresher');
  assert.match(form.body, /value="Neglect toolkit refresher"/);
  assert.match(form.body, /value="neglect" checked/);
  assert.match(form.body, /value="17"/);

  const bad = await wfd.post(
    editUrl,
    {
      title: 'Neglect toolkit refresher',
      'heldOn-day': '3',
      'heldOn-month': '11',
      'heldOn-year': '2026',
      format: 'workshop',
      attended: '1001',
      themes: ['neglect'],
    },
    editUrl,
  );
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(errorSummaryItems(bad.body), [
    { href: '#attended', text: 'Number attended must be between 0 and 1,000' },
  ]);
  assert.equal((await sessionNamed('Neglect toolkit refresher'))?.attended, 17);

  const good = await wfd.post(
    editUrl,
    {
      title: 'Neglect toolkit refresher (repeat)',
      'heldOn-day': '4',
      'heldOn-month': '11',
      'heldOn-year': '2026',
      format: 'e-learning',
      attended: '21',
      themes: ['neglect'],
      notes: '',
    },
    editUrl,
  );
  assert.equal(good.statusCode, 302);
  const changed = await sessionNamed('Neglect toolkit refresher (repeat)');
  assert.ok(changed);
  assert.equal(changed.id, session.id);
  assert.equal(changed.held_on, '2026-11-04');
  assert.equal(changed.attended, 21);
  assert.equal(changed.format, 'e-learning');
  assert.deepEqual(await themesOf(session.id), ['neglect']);
});

test('deleting asks first, then removes the session and its themes', async () => {
  const session = await sessionNamed('Neglect toolkit refresher (repeat)');
  assert.ok(session);
  const confirm = await wfd.get(`/learning/${session.id}/delete`);
  assert.equal(confirm.statusCode, 200);
  assert.equal(h1(confirm.body), 'Delete Neglect toolkit refresher (repeat)?');
  assert.match(confirm.body, /name="_csrf"/);
  assert.ok(await sessionNamed('Neglect toolkit refresher (repeat)'), 'looking does not delete');
  const before = await count();
  const res = await wfd.post(`/learning/${session.id}/delete`, {}, `/learning/${session.id}/delete`);
  assert.equal(res.statusCode, 302);
  assert.equal(res.headers.location, '/learning');
  assert.equal(await count(), before - 1);
  assert.deepEqual(await themesOf(session.id), []);
  const list = await wfd.get('/learning');
  assert.match(list.body, /has been deleted/);
  const gone = await wfd.get(`/learning/${session.id}/edit`);
  assert.equal(gone.statusCode, 404);
});

test('a senior leader reads the sessions but cannot record, change or delete one', async () => {
  const page = await senior.get('/learning');
  assert.equal(page.statusCode, 200);
  assert.doesNotMatch(page.body, /href="\/learning\/new"/);
  assert.doesNotMatch(page.body, /\/edit"/);
  const anyId = (await t.db.selectFrom('learning_sessions').select('id').executeTakeFirstOrThrow()).id;
  assert.equal((await senior.get('/learning/new')).statusCode, 403);
  assert.equal((await senior.get(`/learning/${anyId}/edit`)).statusCode, 403);
  const before = await count();
  const res = await senior.post(
    '/learning/new',
    {
      title: 'Not allowed',
      'heldOn-day': '1',
      'heldOn-month': '11',
      'heldOn-year': '2026',
      format: 'workshop',
      attended: '5',
      themes: 'neglect',
    },
    '/learning',
  );
  assert.equal(res.statusCode, 403);
  assert.equal((await senior.post(`/learning/${anyId}/delete`, {}, '/learning')).statusCode, 403);
  assert.equal(await count(), before);
});

test('practitioners, case managers, auditors and scrutiny readers cannot open learning at all', async () => {
  const anyId = (await t.db.selectFrom('learning_sessions').select('id').executeTakeFirstOrThrow()).id;
  const before = await count();
  for (const role of ['practitioner', 'case_manager', 'auditor', 'scrutiny_reader']) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    for (const url of [
      '/learning',
      '/learning/new',
      `/learning/${anyId}/edit`,
      `/learning/${anyId}/delete`,
    ]) {
      const res = await agent.get(url);
      assert.equal(res.statusCode, 403, `${role} GET ${url}`);
      assert.match(res.body, /You cannot do this/);
    }
    const post = await agent.post(
      '/learning/new',
      {
        title: 'Intruder',
        'heldOn-day': '1',
        'heldOn-month': '11',
        'heldOn-year': '2026',
        format: 'workshop',
        attended: '5',
        themes: 'neglect',
      },
      '/',
    );
    assert.equal(post.statusCode, 403, `${role} POST /learning/new`);
    assert.equal((await agent.post(`/learning/${anyId}/delete`, {}, '/')).statusCode, 403);
    const home = await agent.get('/');
    assert.doesNotMatch(home.body, /href="\/learning"/, `${role} is not offered Learning`);
  }
  assert.equal(await count(), before);
});
