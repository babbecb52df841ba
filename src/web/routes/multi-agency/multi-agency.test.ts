import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestApp, errorSummaryItems, h1, TEST_TODAY } from '../../../../test/helpers/app.ts';
import { signedIn } from '../../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import {
  buildMultiAgencyFixture,
  expiryFields,
  type MultiAgencyFixture,
  partnerAnswerFields,
} from '../../../../test/helpers/multi-agency.ts';
import { addDays } from '../../../domain/dates.ts';

let t: TestDb;
let f: MultiAgencyFixture;
let app: FastifyInstance;

before(async () => {
  t = await createTestDb();
  f = await buildMultiAgencyFixture(t.db);
  app = await createTestApp(t.db, { demo: false });
});
after(async () => {
  await app.close();
  await t.close();
});

const qa = () => signedIn(app, f.people.qaLead);
const auditPage = () => `/multi-agency/audits/${f.maAudit}`;
const invitations = () =>
  t.db
    .selectFrom('audit_invitations')
    .selectAll()
    .where('audit_id', '=', f.maAudit)
    .orderBy('invited_at')
    .execute();

test('only QA open the multi-agency pages: an auditor, a practitioner and a partner are refused', async () => {
  for (const who of [f.people.auditor, f.people.practitioner, f.people.headOfService, f.partners.health]) {
    const agent = await signedIn(app, who);
    for (const url of ['/multi-agency', '/multi-agency/partners/new', auditPage()]) {
      assert.equal((await agent.get(url)).statusCode, 403, `${who.email} ${url}`);
    }
  }
});

test('the QA lead lists the multi-agency audits and the partners, and each child listed is in the access log', async () => {
  const agent = await qa();
  const res = await agent.get('/multi-agency');
  assert.equal(res.statusCode, 200);
  assert.equal(h1(res.body), 'Multi-agency audits');
  assert.match(res.body, new RegExp(`href="/multi-agency/audits/${f.maAudit}"`));
  assert.match(res.body, /Hana Nurse/);
  assert.match(res.body, /Westbrook Constabulary/);
  const logged = await t.db
    .selectFrom('access_log')
    .select(['child_id', 'route'])
    .where('staff_id', '=', f.people.qaLead.staffId)
    .where('route', '=', '/multi-agency')
    .execute();
  assert.ok(logged.some((l) => l.child_id === f.maChild));
});

test('adding a partner with missing details keeps what was typed, says what is wrong and writes nothing', async () => {
  const agent = await qa();
  const before = await t.db.selectFrom('staff').select('id').where('council_id', '=', f.councilId).execute();
  const res = await agent.post(
    '/multi-agency/partners',
    { name: 'Sam Typed', email: 'not-an-email', jobTitle: '', agency: '', organisation: 'Westbrook Academy' },
    '/multi-agency/partners/new',
  );
  assert.equal(res.statusCode, 400);
  const errors = errorSummaryItems(res.body).map((e) => e.href);
  assert.deepEqual(errors.sort(), ['#agency', '#email', '#jobTitle']);
  assert.match(res.body, /value="Sam Typed"/);
  assert.match(res.body, /value="Westbrook Academy"/);
  const afterRows = await t.db
    .selectFrom('staff')
    .select('id')
    .where('council_id', '=', f.councilId)
    .execute();
  assert.equal(afterRows.length, before.length);
});

test('the QA lead adds a partner, who is sent a link to sign in', async () => {
  const agent = await qa();
  const res = await agent.post(
    '/multi-agency/partners',
    {
      name: 'Sam Teacher',
      email: 'sam.teacher@academy.example.org',
      jobTitle: 'Designated Safeguarding Lead',
      agency: 'education',
      organisation: 'Westbrook Academy',
    },
    '/multi-agency/partners/new',
  );
  assert.equal(res.statusCode, 302);
  assert.equal(res.headers.location, '/multi-agency');
  const staff = await t.db
    .selectFrom('staff as s')
    .innerJoin('staff_roles as r', 'r.staff_id', 's.id')
    .innerJoin('user_accounts as u', 'u.staff_id', 's.id')
    .innerJoin('sign_in_links as l', 'l.user_id', 'u.id')
    .select(['r.role', 's.partner_agency', 's.team_id'])
    .where('s.email', '=', 'sam.teacher@academy.example.org')
    .execute();
  assert.deepEqual(staff, [{ role: 'partner_contributor', partner_agency: 'education', team_id: null }]);
});

test('the audit page shows the child and each section; a bad id or another kind of audit is not found', async () => {
  const agent = await qa();
  const res = await agent.get(auditPage());
  assert.equal(res.statusCode, 200);
  assert.match(h1(res.body), /^Multi-agency audit of /);
  for (const s of [
    'Children’s social care',
    'Health',
    'Police',
    'Education',
    'Multi-agency working together',
  ]) {
    assert.ok(res.body.includes(s.replace('’', '&#39;')) || res.body.includes(s), s);
  }
  assert.equal((await agent.get('/multi-agency/audits/not-an-id')).statusCode, 404);
  assert.equal((await agent.get(`/multi-agency/audits/${f.audits.allocated}`)).statusCode, 404);
  const logged = await t.db
    .selectFrom('access_log')
    .select('reason')
    .where('staff_id', '=', f.people.qaLead.staffId)
    .where('record_id', '=', f.maAudit)
    .where('route', '=', '/multi-agency/audits/:maAuditId')
    .execute();
  assert.ok(logged.length >= 1);
});

test('an invitation with nothing chosen is refused with each reason, and nothing is written', async () => {
  const agent = await qa();
  const res = await agent.post(
    `${auditPage()}/invitations`,
    {
      partnerId: '',
      sectionKey: '',
      'expiresOn-day': '31',
      'expiresOn-month': '2',
      'expiresOn-year': '2027',
    },
    auditPage(),
  );
  assert.equal(res.statusCode, 400);
  assert.deepEqual(
    errorSummaryItems(res.body).map((e) => e.text),
    [
      'Choose the partner to invite from the list',
      'Choose the section the partner will answer',
      'The date the invitation expires must be a real date',
    ],
  );
  assert.match(res.body, /name="expiresOn-day" type="text" value="31"|value="31"/);
  assert.equal((await invitations()).length, 0);
});

test('the QA lead invites, extends, withdraws and collates', async () => {
  const agent = await qa();
  let res = await agent.post(
    `${auditPage()}/invitations`,
    { partnerId: f.partners.health.staffId, sectionKey: 'health', ...expiryFields(addDays(TEST_TODAY, 21)) },
    auditPage(),
  );
  assert.equal(res.statusCode, 302);
  res = await agent.post(
    `${auditPage()}/invitations`,
    { partnerId: f.partners.police.staffId, sectionKey: 'police', ...expiryFields(addDays(TEST_TODAY, 7)) },
    auditPage(),
  );
  assert.equal(res.statusCode, 302);
  const [health, police] = await invitations();

  res = await agent.post(
    `${auditPage()}/invitations/${police.id}/extend`,
    expiryFields(addDays(TEST_TODAY, -3)),
    auditPage(),
  );
  assert.equal(res.statusCode, 400);
  assert.match(res.body, /must be today or later/);
  res = await agent.post(
    `${auditPage()}/invitations/${police.id}/extend`,
    expiryFields(addDays(TEST_TODAY, 30)),
    auditPage(),
  );
  assert.equal(res.statusCode, 302);
  res = await agent.post(`${auditPage()}/invitations/${police.id}/withdraw`, {}, auditPage());
  assert.equal(res.statusCode, 302);
  const [, policeAfter] = await invitations();
  assert.equal(policeAfter.status, 'withdrawn');
  assert.equal(policeAfter.expires_on, addDays(TEST_TODAY, 30));

  // an invitation of this audit named under another audit's address is not found
  res = await agent.post(
    `/multi-agency/audits/${f.audits.allocated}/invitations/${health.id}/withdraw`,
    {},
    auditPage(),
  );
  assert.equal(res.statusCode, 404);

  // the partner answers; the QA lead copies the answers into the audit
  const partner = await signedIn(app, f.partners.health);
  res = await partner.post(
    `/partner-sections/${health.id}`,
    { ...partnerAnswerFields('good'), action: 'submit' },
    `/partner-sections/${health.id}`,
  );
  assert.equal(res.statusCode, 302);
  res = await agent.get(auditPage());
  assert.match(res.body, /Copy into the audit/);
  assert.match(res.body, /Health visitor saw the child at home/);
  res = await agent.post(`${auditPage()}/invitations/${health.id}/collate`, {}, auditPage());
  assert.equal(res.statusCode, 302);
  const draft = await t.db
    .selectFrom('audit_drafts')
    .select('fields')
    .where('audit_id', '=', f.maAudit)
    .where('part', '=', 'health')
    .executeTakeFirstOrThrow();
  assert.equal(draft.fields.grade, 'good');

  // the audit's own page says which section came from which partner
  res = await agent.get(`/audits/${f.maAudit}`);
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /Sections from partners/);
  assert.match(res.body, /Health: answered by Hana Nurse, Health \(Westbrook Integrated Care Board\)/);
});
