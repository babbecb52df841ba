import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { type AuditFixture, buildAuditFixture, signedIn } from '../../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { submittedAudit } from '../../../../test/helpers/moderations.ts';

let t: TestDb;
let app: FastifyInstance;
let f: AuditFixture;
const moderated: { id: string; ref: string }[] = [];

const views = (route: string, staffId: string) =>
  t.db
    .selectFrom('access_log')
    .select(['record_type', 'record_id', 'child_id'])
    .where('route', '=', route)
    .where('staff_id', '=', staffId)
    .execute();

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db, 'apr');
  for (const [grade, final, outcome, reason] of [
    ['good', 'good', 'supported', 'The evidence bears out good.'],
    ['good', 'requires_improvement', 'downgraded', 'The plan had drifted: requires improvement.'],
  ] as const) {
    const id = await submittedAudit(t.db, f, { overall: grade });
    await t.db
      .insertInto('moderations')
      .values({
        council_id: f.councilId,
        audit_id: id,
        chosen_because: 'random',
        moderator_id: f.qaLead,
        status: 'decided',
        overall_grade: final,
        final_grade: final,
        outcome,
        panel_reason: reason,
        decided_by: f.qaLead,
        decided_at: new Date('2026-11-21T10:00:00Z'),
      })
      .execute();
    const child = await t.db
      .selectFrom('audits as a')
      .innerJoin('children as c', 'c.id', 'a.child_id')
      .select('c.external_id')
      .where('a.id', '=', id)
      .executeTakeFirstOrThrow();
    moderated.push({ id, ref: child.external_id });
  }
  app = await createTestApp(t.db, { demo: false });
});
after(async () => {
  await app.close();
  await t.close();
});

test('an auditor sees their own picture from My audits: outcomes in words, the panel’s reasons, each audit logged', async () => {
  const me = await signedIn(app, f.people.auditor);
  const list = await me.get('/my-audits');
  assert.match(list.body, /href="\/my-audits\/picture"/);
  const res = await me.get('/my-audits/picture');
  assert.equal(res.statusCode, 200);
  assert.equal(h1(res.body), 'Your picture as an auditor');
  assert.match(
    res.body,
    /Too few of your audits have been moderated to give a rate: 1 of 2 were supported, 1 downgraded\./,
  );
  assert.match(res.body, /The plan had drifted: requires improvement\./);
  for (const a of moderated) {
    assert.match(res.body, new RegExp(`href="/audits/${a.id}">${a.ref}<`));
  }
  const logged = await views('/my-audits/picture', f.people.auditor.staffId);
  assert.deepEqual(
    logged.map((v) => v.record_id).sort(),
    moderated.map((a) => a.id).sort(),
    'every audit listed is written to the access log',
  );
  assert.ok(logged.every((v) => v.record_type === 'audit' && v.child_id));
});

test('another auditor sees only their own at /my-audits/picture, and is refused anyone else’s', async () => {
  const other = await signedIn(app, f.people.otherManager);
  const own = await other.get('/my-audits/picture');
  assert.equal(own.statusCode, 200);
  assert.doesNotMatch(own.body, /The plan had drifted/);
  for (const a of moderated) assert.doesNotMatch(own.body, new RegExp(a.ref));
  assert.match(own.body, /None of your audits has been moderated in these months\./);
  const theirs = await other.get(`/auditors/${f.people.auditor.staffId}/picture`);
  assert.equal(theirs.statusCode, 403);
  assert.doesNotMatch(theirs.body, /The plan had drifted/);
  // an auditor's own picture at the QA address is QA's only, too
  assert.equal((await other.get(`/auditors/${f.people.otherManager.staffId}/picture`)).statusCode, 403);
});

test('managers, senior leaders, practitioners, scrutiny readers and others get 403; nothing is logged', async () => {
  const route = '/auditors/:staffId/picture';
  for (const person of [
    f.people.manager,
    f.people.practitioner,
    f.people.headOfService,
    f.people.director,
    f.people.scrutiny,
    f.people.workforce,
    f.people.admin,
  ]) {
    const agent = await signedIn(app, person);
    const qaAddress = await agent.get(`/auditors/${f.people.auditor.staffId}/picture`);
    assert.equal(qaAddress.statusCode, 403, `${person.email} at the QA address`);
    assert.equal((await views(route, person.staffId)).length, 0);
  }
  for (const person of [
    f.people.practitioner,
    f.people.headOfService,
    f.people.director,
    f.people.scrutiny,
  ]) {
    const agent = await signedIn(app, person);
    const mine = await agent.get('/my-audits/picture');
    assert.equal(mine.statusCode, 403, `${person.email} has no audits of their own`);
  }
});

test('QA see any auditor’s picture, linked from the auditors list; someone not an auditor is not found', async () => {
  const qa = await signedIn(app, f.people.qaLead);
  const list = await qa.get('/auditors');
  assert.match(list.body, new RegExp(`href="/auditors/${f.people.auditor.staffId}/picture"`));
  const edit = await qa.get(`/auditors/${f.people.auditor.staffId}`);
  assert.match(edit.body, new RegExp(`href="/auditors/${f.people.auditor.staffId}/picture"`));
  const res = await qa.get(`/auditors/${f.people.auditor.staffId}/picture`);
  assert.equal(res.statusCode, 200);
  assert.match(h1(res.body), /: picture as an auditor$/);
  assert.match(res.body, /Too few of .+’s audits have been moderated to give a rate/);
  for (const a of moderated) assert.match(res.body, new RegExp(`href="/audits/${a.id}">${a.ref}<`));
  const logged = await views('/auditors/:staffId/picture', f.people.qaLead.staffId);
  assert.equal(logged.length, moderated.length);
  assert.equal((await qa.get(`/auditors/${f.people.scrutiny.staffId}/picture`)).statusCode, 404);
  assert.equal((await qa.get('/auditors/00000000-0000-4000-8000-000000000000/picture')).statusCode, 404);
});

test('months can be chosen; months that are not right show the error summary and keep what was typed', async () => {
  const me = await signedIn(app, f.people.auditor);
  const none = await me.get('/my-audits/picture?from=2025-01&to=2025-03');
  assert.equal(none.statusCode, 200);
  assert.match(none.body, /January 2025 to March 2025/);
  assert.match(none.body, /None of your audits has been moderated in these months\./);
  const bad = await me.get('/my-audits/picture?from=last+year&to=2026-11');
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(
    errorSummaryItems(bad.body).map((e) => e.href),
    ['#from'],
  );
  assert.match(bad.body, /value="last year"/);
});
