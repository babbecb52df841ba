import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Secret, TOTP } from 'otpauth';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { createCouncil } from '../../../services/organisation/councils.ts';
import { addPerson } from '../../../services/organisation/people.ts';
import { createSignInLink } from '../../../services/organisation/sign-in-links.ts';

let t: TestDb;
let app: FastifyInstance;
let councilId: string;

const REFUSED =
  'Enter a correct email address and password. After several wrong attempts you need to wait 15 minutes.';

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'acc', name: 'Northmoor Council' })).id;
  // One proxy in front: X-Forwarded-For gives each request its own client address.
  app = await createTestApp(t.db, { demo: false, trustProxy: 1 });
});
after(async () => {
  await app.close();
  await t.close();
});

let addressCount = 0;
/** A new client address for each agent, so that the per-address limits of one test leave the others alone. */
function newAddress() {
  addressCount += 1;
  return `198.51.100.${addressCount}`;
}

/** Posts a form from a given client address (through the proxy). */
async function postFrom(
  agent: Agent,
  address: string,
  url: string,
  fields: Record<string, string>,
  formPage = '/sign-in',
) {
  const body = new URLSearchParams({ _csrf: await agent.csrf(formPage), ...fields });
  return agent.request({
    method: 'POST',
    url,
    payload: body.toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      referer: `http://localhost${formPage}`,
      'x-forwarded-for': address,
    },
  });
}

async function person(name: string, email: string, password = 'otter lantern mirror') {
  return addPerson(t.db, councilId, { name, email, jobTitle: 'Social Worker', roles: ['auditor'], password });
}

async function signedIn(email: string, password = 'otter lantern mirror', address = newAddress()) {
  const agent = new Agent(app);
  const res = await postFrom(agent, address, '/sign-in', { email, password });
  assert.equal(res.statusCode, 302, `signed in as ${email}`);
  return agent;
}

function totpFor(key: string) {
  return new TOTP({
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    secret: Secret.fromBase32(key.replaceAll(' ', '')),
  });
}

test('the account pages are for signed-in people only, and their forms need the CSRF token', async () => {
  const visitor = new Agent(app);
  for (const page of ['/account', '/account/password', '/account/second-factor']) {
    const res = await visitor.get(page);
    assert.equal(res.statusCode, 302, page);
    assert.equal(res.headers.location, `/sign-in?returnTo=${encodeURIComponent(page)}`);
  }
  await person('Tess Token', 'tess@northmoor.gov.uk');
  const agent = await signedIn('tess@northmoor.gov.uk');
  for (const url of ['/account/password', '/account/second-factor', '/account/second-factor/off']) {
    const res = await agent.request({
      method: 'POST',
      url,
      payload: 'newPassword=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(res.statusCode, 403, url);
  }
  const signedOut = await visitor.request({
    method: 'POST',
    url: '/account/password',
    payload: 'newPassword=x',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(signedOut.statusCode, 403);
});

test('your account shows your name, email address, roles, last sign-in, password, second factor and single sign-on', async () => {
  await person('Ola Own', 'ola@northmoor.gov.uk');
  const agent = await signedIn('ola@northmoor.gov.uk');
  const page = await agent.get('/account');
  assert.equal(page.statusCode, 200);
  assert.equal(h1(page.body), 'Your account');
  const text = page.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  assert.match(text, /Name Ola Own/);
  assert.match(text, /Email address ola@northmoor.gov.uk/);
  assert.match(text, /Roles Auditor/);
  assert.doesNotMatch(text, /Last signed in Not yet/);
  assert.match(text, /Password Set/);
  assert.match(text, /Second factor Off/);
  assert.match(text, /Single sign-on Not linked/);
});

test('changing your password: the current one is checked, the new one follows the rules, other sessions end', async () => {
  const { userId, staffId } = await person('Cara Change', 'cara@northmoor.gov.uk');
  const agent = await signedIn('cara@northmoor.gov.uk');
  const elsewhere = await signedIn('cara@northmoor.gov.uk');
  const send = (fields: Record<string, string>) =>
    agent.post('/account/password', fields, '/account/password');

  const wrong = await send({
    currentPassword: 'not it at all',
    newPassword: 'vivid cactus harbour',
    confirmPassword: 'vivid cactus harbour',
  });
  assert.equal(wrong.statusCode, 400);
  assert.deepEqual(errorSummaryItems(wrong.body), [
    { href: '#currentPassword', text: 'Enter your current password correctly' },
  ]);
  const common = await send({
    currentPassword: 'otter lantern mirror',
    newPassword: 'password1234',
    confirmPassword: 'password1234',
  });
  assert.deepEqual(errorSummaryItems(common.body), [
    {
      href: '#newPassword',
      text: 'Choose a password that is harder to guess: this one is in lists of common passwords',
    },
  ]);
  assert.doesNotMatch(common.body, /password1234/, 'passwords are never shown back');
  const own = await send({
    currentPassword: 'otter lantern mirror',
    newPassword: 'Cara Change 2026',
    confirmPassword: 'Cara Change 2026',
  });
  assert.match(errorSummaryItems(own.body)[0].text, /made from your name or email address/);
  const mismatch = await send({
    currentPassword: 'otter lantern mirror',
    newPassword: 'vivid cactus harbour',
    confirmPassword: 'vivid cactus harbor',
  });
  assert.deepEqual(errorSummaryItems(mismatch.body), [
    { href: '#confirmPassword', text: 'The passwords do not match: enter the same new password twice' },
  ]);

  const done = await send({
    currentPassword: 'otter lantern mirror',
    newPassword: 'vivid cactus harbour',
    confirmPassword: 'vivid cactus harbour',
  });
  assert.equal(done.statusCode, 302);
  assert.equal(done.headers.location, '/account');
  assert.match((await agent.get('/account')).body, /Your password has been changed/);
  assert.equal((await agent.get('/account')).statusCode, 200, 'this session carries on');
  assert.equal((await elsewhere.get('/account')).statusCode, 302, 'the other session has ended');

  const account = await t.db
    .selectFrom('user_accounts')
    .select('password_changed_at')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  assert.ok(account.password_changed_at);
  const events = await t.db
    .selectFrom('security_events')
    .select(['kind', 'actor_id'])
    .where('subject_id', '=', staffId)
    .execute();
  assert.deepEqual(events, [{ kind: 'password_changed', actor_id: staffId }]);

  const old = await postFrom(new Agent(app), newAddress(), '/sign-in', {
    email: 'cara@northmoor.gov.uk',
    password: 'otter lantern mirror',
  });
  assert.equal(old.statusCode, 400, 'the old password no longer works');
  await signedIn('cara@northmoor.gov.uk', 'vivid cactus harbour');
});

test('someone with no password yet chooses one without being asked for a current one', async () => {
  const { userId } = await person('Noa New', 'noa@northmoor.gov.uk');
  const agent = await signedIn('noa@northmoor.gov.uk');
  await t.db.updateTable('user_accounts').set({ password_hash: null }).where('id', '=', userId).execute();
  const page = await agent.get('/account/password');
  assert.equal(h1(page.body), 'Choose a password');
  assert.doesNotMatch(page.body, /name="currentPassword"/);
  const res = await agent.post(
    '/account/password',
    { newPassword: 'quiet pebble orchard', confirmPassword: 'quiet pebble orchard' },
    '/account/password',
  );
  assert.equal(res.statusCode, 302);
  await signedIn('noa@northmoor.gov.uk', 'quiet pebble orchard');
});

test('signed in with a one-time link, a person chooses a new password without the current one, once', async () => {
  const { userId } = await person('Lin Link', 'lin@northmoor.gov.uk');
  const { token } = await createSignInLink(t.db, { councilId, userId, purpose: 'reset', createdBy: null });
  const agent = new Agent(app);
  const used = await agent.post(`/sign-in/link/${token}`, {}, `/sign-in/link/${token}`);
  assert.equal(used.statusCode, 302);
  const page = await agent.get('/account/password');
  assert.equal(page.statusCode, 200);
  assert.doesNotMatch(page.body, /name="currentPassword"/);
  const res = await agent.post(
    '/account/password',
    { newPassword: 'amber kettle meadow', confirmPassword: 'amber kettle meadow' },
    '/account/password',
  );
  assert.equal(res.statusCode, 302);
  assert.match(
    (await agent.get('/account/password')).body,
    /name="currentPassword"/,
    'asked again next time',
  );
  await signedIn('lin@northmoor.gov.uk', 'amber kettle meadow');
});

test('with local passwords turned off, the password page says the council signs people in and refuses changes', async () => {
  await person('Sol Single', 'sol@northmoor.gov.uk');
  const agent = await signedIn('sol@northmoor.gov.uk');
  const off = await createTestApp(t.db, { demo: false, localPasswords: false });
  try {
    const there = new Agent(off);
    for (const [k, v] of agent.cookies) there.cookies.set(k, v);
    const page = await there.get('/account/password');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Your council signs you in to QA Loop with its own accounts/);
    assert.doesNotMatch(page.body, /name="newPassword"/);
    const token = await there.csrf('/account');
    const res = await there.post(
      '/account/password',
      {
        _csrf: token,
        currentPassword: 'otter lantern mirror',
        newPassword: 'vivid cactus harbour',
        confirmPassword: 'vivid cactus harbour',
      },
      '/account/password',
    );
    assert.equal(res.statusCode, 403);
    assert.match(
      (await there.get('/account/second-factor')).body,
      /your council’s own accounts look after this/,
    );
  } finally {
    await off.close();
  }
  await signedIn('sol@northmoor.gov.uk');
});

test('a second factor: set up with a QR code and key, confirmed with a code, asked for at sign-in, each code used once, turned off with password and code', async () => {
  const { staffId } = await person('Tomi Two', 'tomi@northmoor.gov.uk');
  const agent = await signedIn('tomi@northmoor.gov.uk');
  const setup = await agent.get('/account/second-factor');
  assert.equal(setup.statusCode, 200);
  assert.match(setup.body, /<svg role="img" aria-label="QR code/);
  const key = setup.body.match(/id="second-factor-key">([A-Z2-7 ]+)</)?.[1];
  assert.ok(key, 'the key is written out for people who cannot scan');
  const app1 = totpFor(key);

  const wrongOn = await agent.post(
    '/account/second-factor',
    { code: '000000' === app1.generate() ? '111111' : '000000' },
    '/account/second-factor',
  );
  assert.equal(wrongOn.statusCode, 400);
  assert.match(errorSummaryItems(wrongOn.body)[0].text, /not right or has already been used/);
  const sameKey = wrongOn.body.match(/id="second-factor-key">([A-Z2-7 ]+)</)?.[1];
  assert.equal(sameKey, key, 'the same key until it is confirmed');
  const on = await agent.post('/account/second-factor', { code: app1.generate() }, '/account/second-factor');
  assert.equal(on.statusCode, 302);
  assert.match((await agent.get('/account')).body, /Second factor[\s\S]*On since/);

  // Signing in: the password alone does not sign in.
  const address = newAddress();
  const next = new Agent(app);
  const password = await postFrom(next, address, '/sign-in', {
    email: 'tomi@northmoor.gov.uk',
    password: 'otter lantern mirror',
    returnTo: '/account',
  });
  assert.equal(password.headers.location, '/sign-in/code');
  assert.equal((await next.get('/account')).statusCode, 302, 'not signed in before the code');
  const codePage = await next.get('/sign-in/code');
  assert.equal(h1(codePage.body), 'Enter the code from your authenticator app');
  const wrong = await postFrom(next, address, '/sign-in/code', { code: '12345x' }, '/sign-in/code');
  assert.equal(wrong.statusCode, 400);
  assert.deepEqual(errorSummaryItems(wrong.body), [
    { href: '#code', text: 'Enter the code as 6 digits, for example 123456' },
  ]);
  // The code used to turn it on cannot be used again; the next step's code can.
  const replayed = await postFrom(next, address, '/sign-in/code', { code: app1.generate() }, '/sign-in/code');
  assert.equal(replayed.statusCode, 400);
  assert.match(
    errorSummaryItems(replayed.body)[0].text,
    /After several wrong attempts you need to wait 15 minutes/,
  );
  const nextCode = app1.generate({ timestamp: Date.now() + 30_000 });
  const right = await postFrom(next, address, '/sign-in/code', { code: nextCode }, '/sign-in/code');
  assert.equal(right.statusCode, 302);
  assert.equal(right.headers.location, '/account');
  assert.equal((await next.get('/account')).statusCode, 200);

  // The same code a second time, from a fresh sign-in, is refused.
  const again = new Agent(app);
  await postFrom(again, address, '/sign-in', {
    email: 'tomi@northmoor.gov.uk',
    password: 'otter lantern mirror',
  });
  const reused = await postFrom(again, address, '/sign-in/code', { code: nextCode }, '/sign-in/code');
  assert.equal(reused.statusCode, 400);
  assert.equal((await again.get('/account')).statusCode, 302);

  // Turning it off needs the password and a code.
  const noPassword = await next.post(
    '/account/second-factor/off',
    { password: 'wrong password here', code: app1.generate({ timestamp: Date.now() - 30_000 }) },
    '/account/second-factor',
  );
  assert.deepEqual(errorSummaryItems(noPassword.body), [
    { href: '#password', text: 'Enter your correct password' },
  ]);
  const offCode = app1.generate({ timestamp: Date.now() + 30_000 });
  const stale = await next.post(
    '/account/second-factor/off',
    { password: 'otter lantern mirror', code: offCode },
    '/account/second-factor',
  );
  assert.equal(stale.statusCode, 400, 'a code already used is refused');
  // Half a minute later (the last step used moved back instead of waiting), the code of the moment works.
  await t.db
    .updateTable('user_accounts')
    .set({ totp_last_step: Math.floor(Date.now() / 30_000) - 1 })
    .where('staff_id', '=', staffId)
    .execute();
  const off = await next.post(
    '/account/second-factor/off',
    { password: 'otter lantern mirror', code: app1.generate() },
    '/account/second-factor',
  );
  assert.equal(off.statusCode, 302);
  assert.match((await next.get('/account')).body, /Second factor[\s\S]*Off/);
  const kinds = await t.db
    .selectFrom('security_events')
    .select('kind')
    .where('subject_id', '=', staffId)
    .orderBy('id')
    .execute();
  assert.deepEqual(
    kinds.map((k) => k.kind),
    ['second_factor_on', 'second_factor_off'],
  );
});

test('wrong codes count towards the throttle: after five, even the right code is refused from that address', async () => {
  await person('Wren Wrong', 'wren@northmoor.gov.uk');
  const agent = await signedIn('wren@northmoor.gov.uk');
  const key = (await agent.get('/account/second-factor')).body.match(
    /id="second-factor-key">([A-Z2-7 ]+)</,
  )?.[1] as string;
  const totp = totpFor(key);
  await agent.post('/account/second-factor', { code: totp.generate() }, '/account/second-factor');
  const address = newAddress();
  const next = new Agent(app);
  await postFrom(next, address, '/sign-in', {
    email: 'wren@northmoor.gov.uk',
    password: 'otter lantern mirror',
  });
  const right = totp.generate({ timestamp: Date.now() + 30_000 });
  const wrongCode = right === '999999' ? '999998' : '999999';
  for (let i = 0; i < 5; i++) {
    assert.equal(
      (await postFrom(next, address, '/sign-in/code', { code: wrongCode }, '/sign-in/code')).statusCode,
      400,
    );
  }
  const refused = await postFrom(next, address, '/sign-in/code', { code: right }, '/sign-in/code');
  assert.equal(refused.statusCode, 400);
  assert.equal((await next.get('/account')).statusCode, 302);
});

test("failing five times on another person's account from address A does not stop them signing in from address B; the sixth from A is refused even with the right password", async () => {
  await person('Vic Victim', 'vic@northmoor.gov.uk');
  const attacker = new Agent(app);
  const a = newAddress();
  for (let i = 0; i < 5; i++) {
    const res = await postFrom(attacker, a, '/sign-in', {
      email: 'vic@northmoor.gov.uk',
      password: `guess number ${i}`,
    });
    assert.equal(res.statusCode, 400);
  }
  const sixth = await postFrom(attacker, a, '/sign-in', {
    email: 'vic@northmoor.gov.uk',
    password: 'otter lantern mirror',
  });
  assert.equal(sixth.statusCode, 400);
  assert.deepEqual(errorSummaryItems(sixth.body), [{ href: '#password', text: REFUSED }]);
  // Vic, from their own address, signs in as usual.
  await signedIn('vic@northmoor.gov.uk', 'otter lantern mirror', newAddress());
  // An unknown account gets the same words and status, every time.
  const unknown = await postFrom(attacker, a, '/sign-in', {
    email: 'nobody@northmoor.gov.uk',
    password: 'otter lantern mirror',
  });
  assert.equal(unknown.statusCode, sixth.statusCode);
  assert.deepEqual(errorSummaryItems(unknown.body), errorSummaryItems(sixth.body));
});

test('a pending sign-in alone opens nothing, and the code page without one goes back to sign in', async () => {
  const visitor = new Agent(app);
  const res = await visitor.get('/sign-in/code');
  assert.equal(res.statusCode, 302);
  assert.equal(res.headers.location, '/sign-in');
  const sent = await postFrom(visitor, newAddress(), '/sign-in/code', { code: '123456' }, '/sign-in');
  assert.equal(sent.statusCode, 302);
  assert.equal(sent.headers.location, '/sign-in');
});

test("with the demo turned on, a real council's people are not told their council is invented", async () => {
  await person('Rhea Real', 'rhea@northmoor.gov.uk');
  const withDemo = await createTestApp(t.db, { demo: true, trustProxy: 1 });
  try {
    const visitor = new Agent(withDemo);
    assert.match((await visitor.get('/sign-in')).body, /You are using a demonstration council/);
    const rhea = new Agent(withDemo);
    const signIn = await rhea.post('/sign-in', {
      email: 'rhea@northmoor.gov.uk',
      password: 'otter lantern mirror',
    });
    assert.equal(signIn.statusCode, 302);
    const home = await rhea.get('/');
    assert.equal(home.statusCode, 200);
    assert.doesNotMatch(home.body, /demonstration council/);
    assert.match(home.body, /Tell the QA team what could be better/);
  } finally {
    await withDemo.close();
  }
});
