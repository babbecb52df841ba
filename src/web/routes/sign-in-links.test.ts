import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Secret, TOTP } from 'otpauth';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../test/helpers/app.ts';
import { createTestDb, type TestDb, type TestDbWithDemo } from '../../../test/helpers/db.ts';
import { emailedLinkToken } from '../../../test/helpers/sign-in-links.ts';
import { createCouncil } from '../../services/organisation/councils.ts';

let t: TestDbWithDemo;
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

const demoPerson = (role: string) => {
  const p = t.demo.demoPeople.find((x) => x.role === role);
  assert.ok(p, role);
  return p;
};

async function sendLink(staffId: string) {
  const page = `/admin/people/${staffId}`;
  const res = await admin.post(`${page}/sign-in-link`, {}, page);
  assert.equal(res.statusCode, 302);
  return emailedLinkToken(t.db, staffId);
}

test('opening a link does not use it (mail filters open links first); its button does, once', async () => {
  const person = demoPerson('auditor');
  const token = await sendLink(person.staffId);
  const visitor = new Agent(app);
  const page = await visitor.get(`/sign-in/link/${token}`);
  assert.equal(page.statusCode, 200);
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.match(page.body, /Continue to QA Loop/);
  await visitor.get(`/sign-in/link/${token}`);
  const link = await t.db
    .selectFrom('sign_in_links')
    .select('used_at')
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
  assert.equal(link.used_at, null, 'opening the page twice used nothing');

  const used = await visitor.post(`/sign-in/link/${token}`, {}, `/sign-in/link/${token}`);
  assert.equal(used.statusCode, 302);
  assert.equal(used.headers.location, '/account/password');
  const home = await visitor.get('/');
  assert.equal(home.statusCode, 200);
  assert.match(home.body, new RegExp(person.name));

  const again = new Agent(app);
  const refused = await again.post(`/sign-in/link/${token}`, {}, `/sign-in/link/${token}`);
  assert.equal(refused.statusCode, 410);
  assert.equal(h1(refused.body), 'This sign-in link cannot be used');
  assert.match(refused.body, /Links work once and for 24 hours/);
  assert.match(refused.body, /Ask your QA Loop administrator to send you a new one/);
});

test('a changed link is refused with the same words, and a link without its form token is refused', async () => {
  const person = demoPerson('senior_leader');
  const token = await sendLink(person.staffId);
  const visitor = new Agent(app);
  const tampered = `${token.slice(0, -2)}xx`;
  const refused = await visitor.post(`/sign-in/link/${tampered}`, {}, `/sign-in/link/${tampered}`);
  assert.equal(refused.statusCode, 410);
  assert.match(refused.body, /Links work once and for 24 hours/);
  const forged = await visitor.post(`/sign-in/link/${token}`, { _csrf: 'forged' });
  assert.equal(forged.statusCode, 403);
  const works = await visitor.post(`/sign-in/link/${token}`, {}, `/sign-in/link/${token}`);
  assert.equal(works.statusCode, 302, 'the real link was not used up by the refused tries');
});

test('using a link signs the person out everywhere else', async () => {
  const person = demoPerson('case_manager');
  const laptop = new Agent(app);
  const first = await sendLink(person.staffId);
  await laptop.post(`/sign-in/link/${first}`, {}, `/sign-in/link/${first}`);
  assert.equal((await laptop.get('/')).statusCode, 200);

  const phone = new Agent(app);
  const second = await sendLink(person.staffId);
  await phone.post(`/sign-in/link/${second}`, {}, `/sign-in/link/${second}`);
  assert.equal((await phone.get('/')).statusCode, 200);
  const onLaptop = await laptop.get('/');
  assert.equal(onLaptop.statusCode, 302);
  assert.match(String(onLaptop.headers.location), /^\/sign-in/);
});

test('a disabled person is signed out at their next request, cannot use a link, and is enabled again', async () => {
  const person = demoPerson('practitioner');
  const them = new Agent(app);
  await them.signInAs('practitioner');
  assert.equal((await them.get('/')).statusCode, 200);
  const page = `/admin/people/${person.staffId}`;

  const noReason = await admin.post(`${page}/disable`, { reason: '' }, page);
  assert.equal(noReason.statusCode, 400);
  assert.deepEqual(errorSummaryItems(noReason.body), [
    { text: 'Enter why the account is being disabled', href: '#reason' },
  ]);
  const disabled = await admin.post(`${page}/disable`, { reason: 'Suspended pending review' }, page);
  assert.equal(disabled.statusCode, 302);
  const shown = await admin.get(page);
  assert.match(shown.body, /The account has been disabled and every session ended/);
  assert.match(shown.body, /Disabled on/);
  assert.match(shown.body, /Enable account/);
  assert.doesNotMatch(shown.body, /Send a one-time sign-in link/);

  const next = await them.get('/');
  assert.equal(next.statusCode, 302);
  assert.match(String(next.headers.location), /^\/sign-in/);

  const list = await admin.get('/admin/people');
  assert.match(list.body, /Disabled/);
  const refusedLink = await admin.post(`${page}/sign-in-link`, {}, page);
  assert.equal(refusedLink.statusCode, 400);

  const enabled = await admin.post(`${page}/enable`, {}, page);
  assert.equal(enabled.statusCode, 302);
  assert.match((await admin.get(page)).body, /The account has been enabled/);
  await them.signInAs('practitioner');
  assert.equal((await them.get('/')).statusCode, 200);

  const events = await t.db
    .selectFrom('security_events')
    .select('kind')
    .where('subject_id', '=', person.staffId)
    .where('kind', 'in', ['account_disabled', 'account_enabled'])
    .orderBy('id')
    .execute();
  assert.deepEqual(
    events.map((e) => e.kind),
    ['account_disabled', 'account_enabled'],
  );
});

test('an administrator cannot disable themselves', async () => {
  const me = demoPerson('administrator');
  const page = `/admin/people/${me.staffId}`;
  const ownPage = await admin.get(page);
  assert.doesNotMatch(ownPage.body, /Disable account/);
  const refused = await admin.post(`${page}/disable`, { reason: 'Testing' }, page);
  assert.equal(refused.statusCode, 400);
  assert.match(errorSummaryItems(refused.body)[0].text, /cannot disable your own account/);
});

test('people and person pages show the last sign-in and how each person signs in', async () => {
  const list = await admin.get('/admin/people');
  assert.match(list.body, /Last signed in/);
  assert.match(list.body, /Never signed in/);
  const person = demoPerson('auditor');
  const page = await admin.get(`/admin/people/${person.staffId}`);
  assert.match(page.body, /Second factor/);
  assert.match(page.body, /Single sign-on/);
  assert.doesNotMatch(page.body, /Unlock|Set password/);
});

test('only administrators send links, disable and enable', async () => {
  const target = demoPerson('practitioner');
  const base = `/admin/people/${target.staffId}`;
  for (const role of ['qa_lead', 'auditor', 'senior_leader']) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    for (const [path, fields] of [
      ['sign-in-link', {}],
      ['disable', { reason: 'x' }],
      ['enable', {}],
    ] as const) {
      const res = await agent.post(`${base}/${path}`, fields, '/');
      assert.equal(res.statusCode, 403, `${role} ${path}`);
    }
  }
  const anonymous = new Agent(app);
  const res = await anonymous.post(`${base}/disable`, { reason: 'x' }, '/sign-in');
  assert.ok([302, 403].includes(res.statusCode));
  const account = await t.db
    .selectFrom('user_accounts')
    .select('disabled')
    .where('staff_id', '=', target.staffId)
    .executeTakeFirstOrThrow();
  assert.equal(account.disabled, false);
});

test('with single sign-on only, a new person gets no link and the page says how they sign in', async () => {
  const ssoApp = await createTestApp(t.db, { localPasswords: false });
  try {
    const ssoAdmin = new Agent(ssoApp);
    await ssoAdmin.signInAs('administrator');
    const form = await ssoAdmin.get('/admin/people/new');
    assert.match(form.body, /sign in with their council account/);
    const added = await ssoAdmin.post(
      '/admin/people',
      {
        name: 'Sam Single',
        email: 'sam.single@westbrook.example.gov.uk',
        jobTitle: 'Social Worker',
        roles: 'practitioner',
      },
      '/admin/people/new',
    );
    assert.equal(added.statusCode, 302);
    assert.match((await ssoAdmin.get('/admin/people')).body, /they sign in with their council account/);
    const sam = await t.db
      .selectFrom('user_accounts')
      .select('id')
      .where('email', '=', 'sam.single@westbrook.example.gov.uk')
      .executeTakeFirstOrThrow();
    const links = await t.db.selectFrom('sign_in_links').select('id').where('user_id', '=', sam.id).execute();
    assert.equal(links.length, 0);
  } finally {
    await ssoApp.close();
  }
});

test('an empty database shows how to set up the council on every page, until one exists', async () => {
  const empty: TestDb = await createTestDb();
  const emptyApp = await createTestApp(empty.db, { demo: false });
  try {
    for (const url of ['/', '/sign-in', '/admin/people', '/no-such-page']) {
      const res = await emptyApp.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 503, url);
      assert.equal(h1(res.body), 'QA Loop has no council yet');
      assert.match(
        res.body,
        /npx qaloop council create --code CODE --name "COUNCIL NAME" --admin-email EMAIL/,
      );
      assert.doesNotMatch(res.body, /<form/, 'no setup form');
    }
    assert.equal((await emptyApp.inject({ method: 'GET', url: '/health/live' })).statusCode, 200);
    await createCouncil(empty.db, { code: 'NEW', name: 'New Council' });
    const after = await emptyApp.inject({ method: 'GET', url: '/' });
    assert.equal(after.statusCode, 302);
    assert.match(String(after.headers.location), /^\/sign-in/);
  } finally {
    await emptyApp.close();
    await empty.close();
  }
});

test('a link stands in for the password only: someone with a second factor still gives the code', async () => {
  const person = demoPerson('qa_lead');
  const secret = new Secret({ size: 20 }).base32;
  await t.db
    .updateTable('user_accounts')
    .set({ totp_secret: secret, totp_enabled_at: new Date() })
    .where('staff_id', '=', person.staffId)
    .execute();
  const token = await sendLink(person.staffId);
  const visitor = new Agent(app);
  const used = await visitor.post(`/sign-in/link/${token}`, {}, `/sign-in/link/${token}`);
  assert.equal(used.statusCode, 302);
  assert.equal(used.headers.location, '/sign-in/code');
  const notYet = await visitor.get('/');
  assert.equal(notYet.statusCode, 302, 'not signed in before the code');
  assert.match(String(notYet.headers.location), /^\/sign-in/);

  const code = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate();
  const done = await visitor.post('/sign-in/code', { code }, '/sign-in/code');
  assert.equal(done.statusCode, 302);
  assert.equal(done.headers.location, '/account/password');
  const choose = await visitor.get('/account/password');
  assert.equal(choose.statusCode, 200);
  assert.doesNotMatch(
    choose.body,
    /name="currentPassword"/,
    'signed in by the link: no current password asked',
  );
});
