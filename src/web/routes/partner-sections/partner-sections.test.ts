import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestApp, errorSummaryItems, h1, TEST_TODAY } from '../../../../test/helpers/app.ts';
import { signedIn, userOf } from '../../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import {
  buildMultiAgencyFixture,
  expiryFields,
  type MultiAgencyFixture,
  partnerAnswerFields,
} from '../../../../test/helpers/multi-agency.ts';
import { addDays } from '../../../domain/dates.ts';
import { invitePartner } from '../../../services/multi-agency/invitations.ts';

let t: TestDb;
let f: MultiAgencyFixture;
let app: FastifyInstance;
let healthInv: string;
let policeInv: string;
let childName: string;

before(async () => {
  t = await createTestDb();
  f = await buildMultiAgencyFixture(t.db);
  app = await createTestApp(t.db, { demo: false });
  const qa = await userOf(t.db, f.people.qaLead);
  healthInv = await invitePartner(
    t.db,
    qa,
    f.maAudit,
    { partnerId: f.partners.health.staffId, sectionKey: 'health', ...expiryFields(addDays(TEST_TODAY, 14)) },
    TEST_TODAY,
  );
  policeInv = await invitePartner(
    t.db,
    qa,
    f.maAudit,
    { partnerId: f.partners.police.staffId, sectionKey: 'police', ...expiryFields(addDays(TEST_TODAY, 14)) },
    TEST_TODAY,
  );
  const c = await t.db
    .selectFrom('children')
    .select(['first_name', 'last_name'])
    .where('id', '=', f.maChild)
    .executeTakeFirstOrThrow();
  childName = [c.first_name, c.last_name].filter(Boolean).join(' ');
});
after(async () => {
  await app.close();
  await t.close();
});

const sectionUrl = (id: string) => `/partner-sections/${id}`;

test('a partner opens nothing of the app but their own sections', async () => {
  const partner = await signedIn(app, f.partners.health);
  const refused = [
    '/my-audits',
    '/audits',
    `/audits/${f.maAudit}`,
    `/audits/${f.maAudit}/parts/health`,
    `/audits/${f.maAudit}/child`,
    `/audits/${f.audits.submitted}`,
    '/children',
    '/reports',
    '/dashboards',
    '/programme',
    '/tools',
    '/practice-themes',
    '/returns',
    '/actions',
    '/escalations',
    '/learning',
    '/cohorts',
    '/multi-agency',
    `/multi-agency/audits/${f.maAudit}`,
    '/service-qa',
    '/check-and-challenge',
    '/access-log',
  ];
  for (const url of refused) {
    const res = await partner.get(url);
    assert.ok([403, 404].includes(res.statusCode), `${url}: ${res.statusCode}`);
    assert.notEqual(res.statusCode, 200, url);
  }
  for (const url of [
    '/my-audits',
    '/audits',
    `/audits/${f.maAudit}`,
    '/children',
    '/reports',
    '/dashboards',
  ]) {
    assert.equal((await partner.get(url)).statusCode, 403, url);
  }
});

test('a partner lists only their own invitations', async () => {
  const health = await signedIn(app, f.partners.health);
  const res = await health.get('/partner-sections');
  assert.equal(res.statusCode, 200);
  assert.equal(h1(res.body), 'Multi-agency audit sections');
  assert.ok(res.body.includes(sectionUrl(healthInv)));
  assert.ok(!res.body.includes(sectionUrl(policeInv)));
  const other = await signedIn(app, f.partners.otherHealth);
  const none = await other.get('/partner-sections');
  assert.equal(none.statusCode, 200);
  assert.match(none.body, /You have not been invited to answer any sections yet/);
  // staff of the council have no partner pages
  assert.equal((await (await signedIn(app, f.people.qaLead)).get('/partner-sections')).statusCode, 403);
});

test('a partner sees the child’s name, date of birth and reference, and only their section', async () => {
  const health = await signedIn(app, f.partners.health);
  const res = await health.get(sectionUrl(healthInv));
  assert.equal(res.statusCode, 200);
  assert.equal(h1(res.body), 'Health');
  if (childName) assert.ok(res.body.includes(childName));
  assert.match(res.body, /Date of birth/);
  assert.match(res.body, /Case reference/);
  for (const other of ['Children’s social care', 'Police', 'Education', 'Multi-agency working together']) {
    assert.ok(!res.body.includes(other) && !res.body.includes(other.replace('’', '&#39;')), other);
  }
  assert.ok(!res.body.includes('Worker north'), 'the practitioner is not named');
  const logged = await t.db
    .selectFrom('access_log')
    .select(['child_id', 'record_type'])
    .where('staff_id', '=', f.partners.health.staffId)
    .where('route', '=', '/partner-sections/:invitationId')
    .execute();
  assert.deepEqual(logged, [{ child_id: f.maChild, record_type: 'partner section' }]);
});

test('another partner’s invitation is not found, and a bad id is the 404 page', async () => {
  const police = await signedIn(app, f.partners.police);
  assert.equal((await police.get(sectionUrl(healthInv))).statusCode, 404);
  const other = await signedIn(app, f.partners.otherHealth);
  assert.equal((await other.get(sectionUrl(healthInv))).statusCode, 404);
  assert.equal((await other.get('/partner-sections/not-an-id')).statusCode, 404);
  const post = await other.post(
    sectionUrl(healthInv),
    { ...partnerAnswerFields(), action: 'submit' },
    '/partner-sections',
  );
  assert.equal(post.statusCode, 404);
  const row = await t.db
    .selectFrom('audit_invitations')
    .select('status')
    .where('id', '=', healthInv)
    .executeTakeFirstOrThrow();
  assert.equal(row.status, 'invited');
});

test('submitting with answers missing keeps what was typed, lists the errors, and saves nothing', async () => {
  const health = await signedIn(app, f.partners.health);
  const res = await health.post(
    sectionUrl(healthInv),
    { evaluation: 'Typed evidence that must not be lost', action: 'submit' },
    sectionUrl(healthInv),
  );
  assert.equal(res.statusCode, 400);
  assert.deepEqual(
    errorSummaryItems(res.body).map((e) => e.href),
    ['#grade', '#impactStatement'],
  );
  assert.match(res.body, /Typed evidence that must not be lost/);
  const row = await t.db
    .selectFrom('audit_invitations')
    .select(['draft', 'status'])
    .where('id', '=', healthInv)
    .executeTakeFirstOrThrow();
  assert.equal(row.draft, null);
  assert.equal(row.status, 'invited');
});

test('a partner saves a draft, then submits; the section is then read-only', async () => {
  const health = await signedIn(app, f.partners.health);
  let res = await health.post(
    sectionUrl(healthInv),
    { evaluation: 'A first draft', action: 'draft' },
    sectionUrl(healthInv),
  );
  assert.equal(res.statusCode, 302);
  res = await health.get(sectionUrl(healthInv));
  assert.match(res.body, /A first draft/);
  res = await health.post(
    sectionUrl(healthInv),
    { ...partnerAnswerFields('good'), action: 'submit' },
    sectionUrl(healthInv),
  );
  assert.equal(res.statusCode, 302);
  assert.equal(res.headers.location, '/partner-sections');
  res = await health.get(sectionUrl(healthInv));
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /can no longer be changed/);
  assert.ok(!res.body.includes('id="submit-section"'));
  res = await health.post(
    sectionUrl(healthInv),
    { ...partnerAnswerFields('inadequate'), action: 'submit' },
    '/partner-sections',
  );
  assert.equal(res.statusCode, 403);
  const row = await t.db
    .selectFrom('audit_invitations')
    .select('answers')
    .where('id', '=', healthInv)
    .executeTakeFirstOrThrow();
  assert.equal((row.answers as { grade: string }).grade, 'good');
});

test('an expired invitation is refused with a clear message', async () => {
  await t.db
    .updateTable('audit_invitations')
    .set({ expires_on: addDays(TEST_TODAY, -1) })
    .where('id', '=', policeInv)
    .execute();
  const police = await signedIn(app, f.partners.police);
  const res = await police.get(sectionUrl(policeInv));
  assert.equal(res.statusCode, 403);
  assert.match(res.body, /This invitation expired on 21 November 2026/);
  assert.ok(!res.body.includes('Case reference'));
  const list = await police.get('/partner-sections');
  assert.match(list.body, /Not shown: the invitation has expired/);
});

test('a withdrawn invitation is refused with a clear message', async () => {
  await t.db
    .updateTable('audit_invitations')
    .set({ expires_on: addDays(TEST_TODAY, 5), status: 'withdrawn' })
    .where('id', '=', policeInv)
    .execute();
  const police = await signedIn(app, f.partners.police);
  const res = await police.get(sectionUrl(policeInv));
  assert.equal(res.statusCode, 403);
  assert.match(res.body, /This invitation was withdrawn/);
});
