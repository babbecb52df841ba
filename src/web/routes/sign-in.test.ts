import assert from 'node:assert/strict';
import { after, before, mock, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { createCouncil } from '../../services/organisation/councils.ts';
import { addPerson } from '../../services/organisation/people.ts';

let t: TestDb;
let app: FastifyInstance;

before(async () => {
  t = await createTestDb();
  const council = await createCouncil(t.db, { code: 'c', name: 'Northmoor Council' });
  await addPerson(t.db, council.id, {
    name: 'Pat Lead',
    email: 'pat@northmoor.gov.uk',
    jobTitle: 'QA Lead',
    roles: ['qa_lead'],
    password: 'a long enough password',
  });
  await addPerson(t.db, council.id, {
    name: 'Kim Locks',
    email: 'kim@northmoor.gov.uk',
    jobTitle: 'QA Officer',
    roles: ['qa_lead'],
    password: 'a long enough password',
  });
  await addPerson(t.db, council.id, {
    name: 'Ada Admin',
    email: 'ada.admin@northmoor.gov.uk',
    jobTitle: 'Systems Administrator',
    roles: ['administrator'],
    password: 'admin password 1',
  });
  app = await createTestApp(t.db, { demo: false, sessionIdleMinutes: 30 });
});
after(async () => {
  await app.close();
  await t.close();
});

test('signing in with the right password takes you where you were going', async () => {
  const agent = new Agent(app);
  const first = await agent.get('/organisation');
  assert.equal(first.headers.location, '/sign-in?returnTo=%2Forganisation');
  const res = await agent.post('/sign-in', {
    email: 'PAT@northmoor.gov.uk',
    password: 'a long enough password',
    returnTo: '/organisation',
  });
  assert.equal(res.statusCode, 302);
  assert.equal(res.headers.location, '/organisation');
  const page = await agent.get('/organisation');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /Pat Lead/);
  assert.match(page.body, /Sign out/);
});

test('a stylesheet or icon asked for before signing in and answered after it does not sign you out', async () => {
  const agent = new Agent(app);
  await agent.get('/sign-in');
  const before = agent.cookies.get('qaloop.sid');
  assert.ok(before, 'the sign-in page gives a session for its form');
  const res = await agent.post('/sign-in', {
    email: 'pat@northmoor.gov.uk',
    password: 'a long enough password',
  });
  assert.equal(res.statusCode, 302);
  assert.notEqual(agent.cookies.get('qaloop.sid'), before, 'signing in starts a new session');
  // the sign-in page's assets, sent with the old cookie, come back now: they must set no cookie
  for (const url of ['/assets/images/favicon.ico', '/public/app.css', '/public/app.js']) {
    const late: LightMyRequestResponse = await app.inject({
      method: 'GET',
      url,
      headers: { cookie: `qaloop.sid=${before}` },
    });
    assert.equal(late.statusCode, 200, url);
    assert.equal(late.headers['set-cookie'], undefined, `${url} sets no cookie`);
  }
  const page = await agent.get('/');
  assert.equal(page.statusCode, 200, 'still signed in');
  assert.match(page.body, /Pat Lead/);
});

test('a return address outside QA Loop is ignored', async () => {
  const agent = new Agent(app);
  const res = await agent.post('/sign-in', {
    email: 'pat@northmoor.gov.uk',
    password: 'a long enough password',
    returnTo: '//evil.example/steal',
  });
  assert.equal(res.headers.location, '/');
});

test('a wrong password shows an error summary linked to the field, keeps the email and never the password', async () => {
  const agent = new Agent(app);
  const res = await agent.post('/sign-in', { email: 'pat@northmoor.gov.uk', password: 'not the password' });
  assert.equal(res.statusCode, 400);
  assert.match(res.body, /<title>Error: Sign in – QA Loop<\/title>/);
  const items = errorSummaryItems(res.body);
  assert.equal(items.length, 1);
  assert.equal(items[0].href, '#password');
  assert.match(items[0].text, /Enter a correct email address and password/);
  assert.match(res.body, /id="password-error"/);
  assert.match(res.body, /value="pat@northmoor.gov.uk"/);
  assert.doesNotMatch(res.body, /not the password/);
});

test('an unknown email address gets exactly the same page as a wrong password', async () => {
  const a = await new Agent(app).post('/sign-in', { email: 'pat@northmoor.gov.uk', password: 'wrong wrong' });
  const b = await new Agent(app).post('/sign-in', {
    email: 'nobody@northmoor.gov.uk',
    password: 'wrong wrong',
  });
  assert.deepEqual(errorSummaryItems(a.body), errorSummaryItems(b.body));
  assert.equal(a.statusCode, b.statusCode);
});

test('empty fields are each named in the error summary', async () => {
  const res = await new Agent(app).post('/sign-in', { email: '', password: '' });
  assert.deepEqual(errorSummaryItems(res.body), [
    { href: '#email', text: 'Enter your email address' },
    { href: '#password', text: 'Enter your password' },
  ]);
});

test('five wrong passwords from one address: the right one is then refused from there too, in the same words', async () => {
  const agent = new Agent(app);
  for (let i = 0; i < 5; i++)
    await agent.post('/sign-in', { email: 'kim@northmoor.gov.uk', password: `guess ${i}` });
  const res = await agent.post('/sign-in', {
    email: 'kim@northmoor.gov.uk',
    password: 'a long enough password',
  });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(errorSummaryItems(res.body), [
    {
      href: '#password',
      text: 'Enter a correct email address and password. After several wrong attempts you need to wait 15 minutes.',
    },
  ]);
  const account = await t.db
    .selectFrom('user_accounts')
    .select(['failed_attempts', 'locked_until'])
    .where('email', '=', 'kim@northmoor.gov.uk')
    .executeTakeFirstOrThrow();
  assert.deepEqual(account, { failed_attempts: 0, locked_until: null }, 'the account itself is never locked');
});

test('the demonstration sign-in does not exist when the demo is off', async () => {
  const agent = new Agent(app);
  const page = await agent.get('/sign-in');
  assert.doesNotMatch(page.body, /Demonstration/);
  const res = await agent.post('/sign-in/demo', { role: 'qa_lead' });
  assert.equal(res.statusCode, 404);
});

test('signing out ends the session: the old cookie no longer signs anyone in', async () => {
  const agent = new Agent(app);
  await agent.post('/sign-in', { email: 'pat@northmoor.gov.uk', password: 'a long enough password' });
  const stolen = new Map(agent.cookies);
  const out = await agent.post('/sign-out', {}, '/');
  assert.equal(out.headers.location, '/sign-in?signedOut=1');
  const page = await agent.get('/sign-in?signedOut=1');
  assert.match(page.body, /You have signed out/);
  const replay = new Agent(app);
  for (const [k, v] of stolen) replay.cookies.set(k, v);
  assert.equal((await replay.get('/')).statusCode, 302);
});

test('after 30 minutes without activity the session times out and the sign-in page says why', async () => {
  const agent = new Agent(app);
  await agent.post('/sign-in', { email: 'pat@northmoor.gov.uk', password: 'a long enough password' });
  assert.equal((await agent.get('/')).statusCode, 200);
  mock.timers.enable({ apis: ['Date'], now: Date.now() + 29 * 60_000 });
  try {
    assert.equal((await agent.get('/')).statusCode, 200, 'still signed in after 29 minutes');
    mock.timers.tick(31 * 60_000);
    const res = await agent.get('/');
    assert.equal(res.statusCode, 302);
    const signIn = await agent.get(res.headers.location as string);
    assert.equal(h1(signIn.body), 'Sign in to QA Loop');
    assert.match(signIn.body, /You were signed out because you had not done anything for a while/);
  } finally {
    mock.timers.reset();
  }
});

test('return addresses that a browser would take off the site are refused', async () => {
  const { safeReturnPath } = await import('../plugins/access.ts');
  for (const trick of [
    '//evil.example',
    '/\t/evil.example',
    '/%09/evil.example',
    '/\\evil.example',
    '/\n/evil',
    'https://evil.example',
    'javascript:alert(1)',
  ]) {
    const path = safeReturnPath(trick);
    assert.ok(
      path === '/' || new URL(path, 'https://qaloop.example').host === 'qaloop.example',
      `${JSON.stringify(trick)} gave ${path}`,
    );
  }
  assert.equal(safeReturnPath('/%09/evil.example'), '/%09/evil.example');
  assert.equal(safeReturnPath('/\t/evil.example'), '/');
  assert.equal(safeReturnPath('/admin/people?team=1'), '/admin/people?team=1');
  const agent = new Agent(app);
  const res = await agent.post('/sign-in', {
    email: 'pat@northmoor.gov.uk',
    password: 'a long enough password',
    returnTo: '/\t/evil.example',
  });
  assert.equal(res.headers.location, '/');
});

test('a form sent after the session timed out comes back filled in after signing in again, without the password', async () => {
  const admin = new Agent(app);
  await admin.post('/sign-in', { email: 'ada.admin@northmoor.gov.uk', password: 'admin password 1' });
  const token = await admin.csrf('/admin/people/new');
  mock.timers.enable({ apis: ['Date'], now: Date.now() + 31 * 60_000 });
  try {
    const sent = await admin.post(
      '/admin/people',
      {
        _csrf: token,
        name: 'Typed Before Timeout',
        email: 'typed@northmoor.gov.uk',
        jobTitle: 'Social Worker',
        roles: ['practitioner', 'auditor'],
        password: 'secret password 9',
      },
      '/admin/people/new',
    );
    assert.equal(sent.statusCode, 302);
    assert.equal(sent.headers.location, '/sign-in?returnTo=%2Fadmin%2Fpeople%2Fnew');
    const added = await t.db
      .selectFrom('staff')
      .select('id')
      .where('name', '=', 'Typed Before Timeout')
      .execute();
    assert.equal(added.length, 0, 'nothing is saved while signed out');
    const back = await admin.post('/sign-in', {
      email: 'ada.admin@northmoor.gov.uk',
      password: 'admin password 1',
      returnTo: '/admin/people/new',
    });
    assert.equal(back.headers.location, '/admin/people/new');
    const form = await admin.get('/admin/people/new');
    assert.match(form.body, /We kept what you typed/);
    assert.match(form.body, /value="Typed Before Timeout"/);
    assert.match(form.body, /value="typed@northmoor.gov.uk"/);
    assert.match(form.body, /value="auditor" checked/);
    assert.doesNotMatch(form.body, /secret password 9/);
    const again = await admin.get('/admin/people/new');
    assert.doesNotMatch(again.body, /Typed Before Timeout/, 'kept only until shown once');
  } finally {
    mock.timers.reset();
  }
});

test('signing out still works after the session has timed out', async () => {
  const agent = new Agent(app);
  await agent.post('/sign-in', { email: 'pat@northmoor.gov.uk', password: 'a long enough password' });
  const token = await agent.csrf('/');
  mock.timers.enable({ apis: ['Date'], now: Date.now() + 31 * 60_000 });
  try {
    const out = await agent.post('/sign-out', { _csrf: token }, '/');
    assert.equal(out.statusCode, 302);
    assert.equal(out.headers.location, '/sign-in?signedOut=1');
  } finally {
    mock.timers.reset();
  }
});

test('a session saved by a request that was still running after sign-out does not sign anyone back in', async () => {
  const { DatabaseSessionStore } = await import('../../data/session-store.ts');
  const store = new DatabaseSessionStore(t.db, 12 * 3_600_000);
  const call = <T>(fn: (cb: (err?: unknown, v?: T) => void) => void) =>
    new Promise<T | undefined>((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
  const account = await t.db.selectFrom('user_accounts').select('id').limit(1).executeTakeFirstOrThrow();
  const session = { userId: account.id, cookie: { expires: new Date(Date.now() + 3_600_000) } } as never;
  await call((cb) => store.set('late-sid', session, cb));
  assert.ok(await call((cb) => store.get('late-sid', cb)));
  await call((cb) => store.destroy('late-sid', cb));
  await call((cb) => store.set('late-sid', session, cb)); // the late save
  assert.equal(await call((cb) => store.get('late-sid', cb)), null);
});
