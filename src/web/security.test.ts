import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, mock, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, h1 } from '../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { createLogger } from '../platform/log.ts';
import { govukTemplateScriptHash } from './plugins/security.ts';

let t: TestDb;
let app: FastifyInstance;

before(async () => {
  t = await createTestDb({ demo: true });
  app = await createTestApp(t.db);
});
after(async () => {
  await app.close();
  await t.close();
});

test('pages carry a strict Content-Security-Policy that allows no inline script but the template’s own line', async () => {
  const res = await new Agent(app).get('/sign-in');
  const csp = String(res.headers['content-security-policy']);
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /object-src 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src')) ?? '';
  assert.equal(scriptSrc.trim(), `script-src 'self' ${govukTemplateScriptHash()}`);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers['referrer-policy'], 'same-origin');
});

test('the session cookie is HttpOnly and SameSite, and Secure over HTTPS', async () => {
  const res = await app.inject({ method: 'GET', url: '/sign-in' });
  const cookie = String(res.headers['set-cookie']);
  assert.match(cookie, /qaloop\.sid=/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);

  const secureApp = await createTestApp(t.db, { secureCookies: 'auto', trustProxy: 1, ready: false });
  try {
    const https = await secureApp.inject({
      method: 'GET',
      url: '/sign-in',
      headers: { 'x-forwarded-proto': 'https' },
    });
    assert.match(String(https.headers['set-cookie']), /; Secure/);
  } finally {
    await secureApp.close();
  }
});

test('a form sent without its CSRF token is refused with the 403 page and changes nothing', async () => {
  const admin = new Agent(app);
  await admin.signInAs('administrator');
  const res = await admin.post('/admin/people', {
    _csrf: '',
    name: 'Forged Person',
    email: 'forged@westbrook.example.gov.uk',
    jobTitle: 'x',
    roles: 'administrator',
  });
  assert.equal(res.statusCode, 403);
  assert.equal(h1(res.body), 'You cannot do this');
  assert.match(res.body, /nothing was changed/);
  const wrongToken = await admin.post('/admin/people', {
    _csrf: 'not-the-token',
    name: 'Forged Person',
    email: 'forged@westbrook.example.gov.uk',
    jobTitle: 'x',
    roles: 'administrator',
  });
  assert.equal(wrongToken.statusCode, 403);
  const forged = await t.db.selectFrom('staff').select('id').where('name', '=', 'Forged Person').execute();
  assert.equal(forged.length, 0);
});

test('a sign-in attempt without a CSRF token is refused', async () => {
  const res = await app.inject({
    method: 'POST',
    url: '/sign-in',
    payload: 'email=a%40b.gov.uk&password=x',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
  });
  assert.equal(res.statusCode, 403);
});

test('sign-in attempts are rate limited per address', async () => {
  const agent = new Agent(app);
  const token = await agent.csrf('/sign-in');
  const statuses: number[] = [];
  for (let i = 0; i < 25; i++) {
    const res = await agent.post('/sign-in', { _csrf: token, email: `nobody${i}@x.gov.uk`, password: 'x' });
    statuses.push(res.statusCode);
  }
  assert.ok(statuses.includes(429), `statuses: ${statuses.join(',')}`);
  const limited = await agent.post('/sign-in', { _csrf: token, email: 'nobody@x.gov.uk', password: 'x' });
  assert.equal(h1(limited.body), 'Too many attempts');
});

test('logs say which route was used but carry no names, emails, child references or cookies', async () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const logged = await createTestApp(t.db, { logger: createLogger('info', stream), ready: false });
  try {
    logged.get('/fail-with-input', { config: { access: 'public' } }, async () => {
      throw new Error('invalid input syntax for type date: "Jamie Pupil 2014-02-30"');
    });
    await logged.ready();
    assert.equal((await new Agent(logged).get('/fail-with-input')).statusCode, 500);
    const agent = new Agent(logged);
    await agent.signInAs('qa_lead');
    const child = await t.db
      .selectFrom('children')
      .select(['id', 'external_id', 'first_name', 'last_name'])
      .limit(1)
      .executeTakeFirstOrThrow();
    const found = await agent.post('/children', { reference: child.external_id }, '/children');
    assert.equal(found.headers.location, `/children/${child.id}`);
    const page = await agent.get(`/children/${child.id}`);
    assert.equal(page.statusCode, 200);
    await new Agent(logged).post('/sign-in', {
      email: 'someone@westbrook.example.gov.uk',
      password: 'secret-password',
    });
    const text = lines.join('');
    assert.match(text, /"route":"\/children\/:childId"/);
    assert.match(text, /"msg":"request failed"/);
    for (const personal of [
      child.external_id,
      child.first_name ?? child.external_id,
      child.last_name ?? child.external_id,
      'someone@westbrook',
      'secret-password',
      'qaloop.sid',
      'Jamie Pupil',
    ]) {
      assert.equal(text.includes(personal), false, `log contains ${personal}`);
    }
  } finally {
    await logged.close();
  }
});

test('a signed-out visitor’s session is kept for 2 hours at most; a signed-in one for the cookie’s life', async () => {
  const visitor = new Agent(app);
  await visitor.get('/sign-in');
  const user = new Agent(app);
  await user.signInAs('qa_lead');
  await user.get('/');
  const expiry = async (agent: Agent) => {
    const sid = decodeURIComponent(agent.cookies.get('qaloop.sid') as string).split('.')[0];
    const row = await t.db
      .selectFrom('sessions')
      .select('expires_at')
      .where('sid', '=', sid)
      .executeTakeFirstOrThrow();
    return (row.expires_at.getTime() - Date.now()) / 3_600_000;
  };
  const anonymousHours = await expiry(visitor);
  assert.ok(anonymousHours > 1.9 && anonymousHours <= 2, `${anonymousHours} hours`);
  assert.ok((await expiry(user)) > 11, 'signed-in session lasts up to 12 hours after the last request');
});

test('a signed-in session is written back at most once a minute while its person works, and its life moves on then', async () => {
  const user = new Agent(app);
  await user.signInAs('auditor');
  const sid = decodeURIComponent(user.cookies.get('qaloop.sid') as string).split('.')[0];
  const stored = () =>
    t.db
      .selectFrom('sessions')
      .select(['expires_at', 'data'])
      .where('sid', '=', sid)
      .executeTakeFirstOrThrow();
  assert.equal((await user.get('/my-audits')).statusCode, 200);
  const first = await stored();
  mock.timers.enable({ apis: ['Date'], now: Date.now() + 30_000 });
  try {
    // half a minute on: the page reads the session and writes nothing back
    assert.equal((await user.get('/my-audits')).statusCode, 200);
    assert.deepEqual(await stored(), first);
    // over a minute on: the time last seen and the session's 12-hour expiry move on
    mock.timers.tick(40_000);
    assert.equal((await user.get('/my-audits')).statusCode, 200);
    const later = await stored();
    assert.ok(later.expires_at.getTime() - first.expires_at.getTime() >= 60_000);
    const seen = (data: unknown) => (typeof data === 'string' ? JSON.parse(data) : data).lastSeen as number;
    assert.ok(seen(later.data) - seen(first.data) >= 60_000);
  } finally {
    mock.timers.reset();
  }
});
