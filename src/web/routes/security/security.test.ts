import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDbWithDemo } from '../../../../test/helpers/db.ts';
import { ROLES, type Role } from '../../../domain/roles.ts';
import { hashPassword } from '../../../services/organisation/passwords.ts';

let t: TestDbWithDemo;
let app: FastifyInstance;
let admin: Agent;
let qa: Agent;

before(async () => {
  t = await createTestDb({ demo: true });
  app = await createTestApp(t.db);
  admin = new Agent(app);
  await admin.signInAs('administrator');
  qa = new Agent(app);
  await qa.signInAs('qa_lead');
});
after(async () => {
  await app.close();
  await t.close();
});

async function grantIdOf(email: string, role: Role) {
  return (
    await t.db
      .selectFrom('role_grants as g')
      .innerJoin('staff as s', 's.id', 'g.staff_id')
      .select('g.id')
      .where('s.email', '=', email)
      .where('g.role', '=', role)
      .where('g.outcome', 'is', null)
      .executeTakeFirstOrThrow()
  ).id;
}

/** Signs in as someone with a password, as the attacker would once they control the account. */
async function signInWithPassword(email: string) {
  const password = 'correct horse battery staple 42';
  await t.db
    .updateTable('user_accounts')
    .set({ password_hash: await hashPassword(password) })
    .where('email', '=', email)
    .execute();
  const agent = new Agent(app);
  const res = await agent.post('/sign-in', { email, password });
  assert.equal(res.statusCode, 302, 'signed in');
  return agent;
}

test('the security page is the QA lead’s: every other role is refused, and so is a change without the form’s token', async () => {
  for (const role of ROLES) {
    const held = await t.db
      .selectFrom('staff_roles as r')
      .innerJoin('staff as s', 's.id', 'r.staff_id')
      .select('r.role')
      .where('s.external_id', '=', `DEMO-${role}`)
      .execute();
    if (held.some((h) => h.role === 'qa_lead')) continue;
    const agent = new Agent(app);
    await agent.signInAs(role);
    assert.equal((await agent.get('/security')).statusCode, 403, role);
    assert.doesNotMatch((await agent.get('/')).body, /href="\/security"/, role);
  }
  const anonymous = new Agent(app);
  assert.equal((await anonymous.get('/security')).headers.location, '/sign-in?returnTo=%2Fsecurity');

  const page = await qa.get('/security');
  assert.equal(page.statusCode, 200);
  assert.equal(h1(page.body), 'Security');
  assert.match(page.body, /href="\/security"/, 'in the QA lead’s navigation');

  const none = '00000000-0000-4000-8000-000000000000';
  for (const url of [`/security/grants/${none}/confirm`, `/security/grants/${none}/refuse`]) {
    const res = await qa.request({
      method: 'POST',
      url,
      payload: 'note=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(res.statusCode, 403, `${url} without a CSRF token`);
    assert.equal(
      (await admin.post(url, { note: 'x' }, '/admin/people')).statusCode,
      403,
      `${url} by an administrator`,
    );
  }
});

test('the attack: an administrator makes a QA-lead account and cannot list audits with it until another QA lead confirms', async () => {
  const email = 'mallory@westbrook.example.gov.uk';
  const added = await admin.post(
    '/admin/people',
    { name: 'Mallory Sneak', email, jobTitle: 'QA Officer', roles: ['qa_lead'] },
    '/admin/people/new',
  );
  assert.equal(added.statusCode, 302);
  const list = await admin.get('/admin/people');
  assert.match(list.body, /Mallory Sneak has been added/);
  assert.match(list.body, /Waiting for a QA lead to confirm: QA lead or QA officer/);

  const mallory = await signInWithPassword(email);
  assert.equal((await mallory.get('/audits')).statusCode, 403, 'no audits before a QA lead confirms');
  assert.equal((await mallory.get('/security')).statusCode, 403);
  assert.equal((await mallory.get('/children')).statusCode, 403);

  // the administrator sees it waiting on the person's page, and cannot confirm it
  const staff = await t.db
    .selectFrom('staff')
    .select('id')
    .where('email', '=', email)
    .executeTakeFirstOrThrow();
  const personPage = await admin.get(`/admin/people/${staff.id}`);
  assert.match(personPage.body, /Waiting for a QA lead to confirm/);
  assert.match(personPage.body, /Withdraw/);
  const grantId = await grantIdOf(email, 'qa_lead');
  assert.equal(
    (await admin.post(`/security/grants/${grantId}/confirm`, {}, `/admin/people/${staff.id}`)).statusCode,
    403,
  );

  // the QA lead is told on their home page, sees who asked, and confirms
  assert.match((await qa.get('/')).body, /1 role grant is waiting for you to confirm/);
  const security = await qa.get('/security');
  assert.match(security.body, /Mallory Sneak/);
  assert.match(security.body, new RegExp(`action="/security/grants/${grantId}/confirm"`));
  const confirmed = await qa.post(`/security/grants/${grantId}/confirm`, {}, '/security');
  assert.equal(confirmed.statusCode, 302);
  const after = await qa.get('/security');
  assert.match(after.body, /Mallory Sneak now has the role QA lead or QA officer/);
  assert.match(after.body, /<td class="govuk-table__cell">Role requested<\/td>/);
  assert.match(after.body, /<td class="govuk-table__cell">Role confirmed<\/td>/);
  assert.match(after.body, /No roles are waiting to be confirmed/);

  assert.equal((await mallory.get('/audits')).statusCode, 200, 'in effect once confirmed');
  const told = await t.db
    .selectFrom('notifications')
    .select('kind')
    .where('staff_id', '=', staff.id)
    .orderBy('created_at')
    .execute();
  assert.deepEqual(
    told
      .map((n) => n.kind)
      .filter((k) => k.startsWith('role_'))
      .sort(),
    ['role_granted', 'role_requested'],
  );
});

test('an administrator’s role change says what took effect and what waits; the requester can withdraw', async () => {
  const practitioner = t.demo.demoPeople.find((p) => p.role === 'practitioner');
  assert.ok(practitioner);
  const page = `/admin/people/${practitioner.staffId}`;
  const saved = await admin.post(
    `${page}/roles`,
    { roles: ['practitioner', 'auditor', 'scrutiny_reader'] },
    page,
  );
  assert.equal(saved.statusCode, 302);
  const after = await admin.get(page);
  assert.match(after.body, /Now in effect: Scrutiny reader\. Waiting for a QA lead to confirm: Auditor\./);
  assert.match(after.body, /value="auditor" checked/, 'a waiting role stays ticked');
  const held = await t.db
    .selectFrom('staff_roles')
    .select('role')
    .where('staff_id', '=', practitioner.staffId)
    .execute();
  assert.deepEqual(held.map((r) => r.role).sort(), ['practitioner', 'scrutiny_reader']);

  const grantId = await grantIdOf(
    (
      await t.db
        .selectFrom('staff')
        .select('email')
        .where('id', '=', practitioner.staffId)
        .executeTakeFirstOrThrow()
    ).email as string,
    'auditor',
  );
  const withdrawn = await admin.post(`${page}/grants/${grantId}/withdraw`, {}, page);
  assert.equal(withdrawn.statusCode, 302);
  const again = await admin.get(page);
  assert.match(again.body, /Your request for the role Auditor has been withdrawn/);
  assert.doesNotMatch(again.body, /Waiting for a QA lead to confirm/);
  assert.match(
    (await qa.get('/security?kind=role_withdrawn')).body,
    /<td class="govuk-table__cell">Role request withdrawn<\/td>/,
  );
});

test('refusing asks why, keeps what was typed, and records the reason', async () => {
  const email = 'casey.new@westbrook.example.gov.uk';
  await admin.post(
    '/admin/people',
    { name: 'Casey New', email, jobTitle: 'Team Manager', roles: ['case_manager'] },
    '/admin/people/new',
  );
  const grantId = await grantIdOf(email, 'case_manager');
  const form = await qa.get(`/security/grants/${grantId}/refuse`);
  assert.equal(h1(form.body), 'Refuse Case manager for Casey New');
  const empty = await qa.post(
    `/security/grants/${grantId}/refuse`,
    { note: '  ' },
    `/security/grants/${grantId}/refuse`,
  );
  assert.equal(empty.statusCode, 400);
  assert.deepEqual(errorSummaryItems(empty.body), [
    { text: 'Enter why you are refusing this role', href: '#note' },
  ]);
  const refused = await qa.post(
    `/security/grants/${grantId}/refuse`,
    { note: 'Not a manager yet' },
    `/security/grants/${grantId}/refuse`,
  );
  assert.equal(refused.statusCode, 302);
  const log = await qa.get('/security?kind=role_refused');
  assert.match(log.body, /The role Case manager has been refused for Casey New/);
  assert.match(log.body, /Reason: Not a manager yet/);
  assert.match(log.body, /<td class="govuk-table__cell">Role refused<\/td>/);
  assert.doesNotMatch(log.body, /<td class="govuk-table__cell">Role requested<\/td>/, 'filtered by kind');
  const held = await t.db
    .selectFrom('staff_roles as r')
    .innerJoin('staff as s', 's.id', 'r.staff_id')
    .select('r.role')
    .where('s.email', '=', email)
    .execute();
  assert.deepEqual(held, []);
});
