import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestApp, h1 } from '../../../../test/helpers/app.ts';
import { docxParts, FILLED, fillSubmittedAudit, wordText } from '../../../../test/helpers/audit-document.ts';
import {
  type AuditFixture,
  buildAuditFixture,
  type FixturePerson,
  signedIn,
} from '../../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';

let t: TestDb;
let app: FastifyInstance;
let f: AuditFixture;

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db, 'adoc');
  await fillSubmittedAudit(t.db, f);
  await t.db
    .insertInto('child_visits')
    .values({
      council_id: f.councilId,
      snapshot_id: (
        await t.db
          .selectFrom('latest_snapshots')
          .select('id')
          .where('council_id', '=', f.councilId)
          .executeTakeFirstOrThrow()
      ).id,
      source: 'recorded',
      child_id: f.children.allocated,
      kind: 'cp',
      visit_date: '2026-11-03',
      seen: true,
      seen_alone: true,
    })
    .execute();
  app = await createTestApp(t.db);
});
after(async () => {
  await app.close();
  await t.close();
});

async function accessLog() {
  return t.db
    .selectFrom('access_log')
    .select(['staff_id', 'record_type', 'record_id', 'child_id', 'reason', 'route'])
    .where('council_id', '=', f.councilId)
    .orderBy('id')
    .execute();
}

async function get(person: FixturePerson, url: string) {
  const agent = await signedIn(app, person);
  return agent.get(url);
}

test('the auditor opens the child’s context from their audit: status, plan, worker, timeline, and the view is logged', async () => {
  const before = (await accessLog()).length;
  const res = await get(f.people.auditor, `/audits/${f.audits.allocated}/child`);
  assert.equal(res.statusCode, 200);
  assert.equal(h1(res.body), 'The child’s context');
  assert.match(res.body, /<title>The child’s context – QA Loop/);
  assert.match(res.body, /<h2 class="govuk-heading-m" id="child-context-heading">The child<\/h2>/);
  assert.match(res.body, /From the case data of 20 November 2026/);
  assert.match(res.body, /F00C0/);
  assert.match(res.body, /Child protection plan since 1 June 2026/);
  assert.match(res.body, /Worker north, North CP/);
  assert.match(res.body, /1 visit in the 6 months to 20 November 2026, seen alone on 1/);
  assert.match(res.body, /<h3 class="govuk-heading-s">Timeline<\/h3>/);
  const titles = [...res.body.matchAll(/<p class="app-timeline__title">([^<]*)/g)].map((m) => m[1].trim());
  assert.deepEqual(titles, ['Visit: seen, seen alone', 'Child protection plan started']);
  assert.match(res.body, /govuk-tag--green app-timeline__tag">\s*Seen alone/);
  assert.match(res.body, new RegExp(`href="/audits/${f.audits.allocated}"`), 'a way back to the audit');

  const log = (await accessLog()).slice(before);
  assert.deepEqual(log, [
    {
      staff_id: f.people.auditor.staffId,
      record_type: 'child',
      record_id: f.children.allocated,
      child_id: f.children.allocated,
      reason: 'Child’s context opened from their audit',
      route: '/audits/:auditId/child',
    },
  ]);
});

test('the case holder sees the child’s context once the audit is submitted, not before', async () => {
  const submitted = await get(f.people.practitioner, `/audits/${f.audits.submitted}/child`);
  assert.equal(submitted.statusCode, 200);
  assert.match(submitted.body, /F08C0/);
  const draft = await get(f.people.practitioner, `/audits/${f.audits.allocated}/child`);
  assert.equal(draft.statusCode, 403);
  assert.match(draft.body, /Only the allocated auditor and QA can see an audit before it is submitted/);
});

test('the case holder downloads the submitted audit as a Word document for the child’s file', async () => {
  const before = (await accessLog()).length;
  const res = await get(f.people.practitioner, `/audits/${f.audits.submitted}/document.docx`);
  assert.equal(res.statusCode, 200);
  assert.equal(
    res.headers['content-type'],
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  );
  assert.equal(res.headers['content-disposition'], 'attachment; filename="audit-F08C0-2026-11-20.docx"');
  assert.equal(res.headers['cache-control'], 'no-store');

  // the file as bytes, downloaded by the line manager
  const manager = await signedIn(app, f.people.manager);
  const file = await app.inject({
    url: `/audits/${f.audits.submitted}/document.docx`,
    headers: { cookie: [...manager.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  assert.equal(file.statusCode, 200);
  const parts = await docxParts(file.rawPayload);
  const text = wordText(parts.get('word/document.xml') ?? '');
  assert.ok(text.includes('Case file audit: F08C0'));
  assert.ok(text.includes('Requires improvement'));
  assert.ok(text.includes(FILLED.planEvaluation));
  assert.ok(text.includes('Inadequate'));

  const log = (await accessLog()).slice(before);
  assert.deepEqual(
    log.map((l) => [l.staff_id, l.record_type, l.record_id, l.child_id, l.reason, l.route]),
    [f.people.practitioner.staffId, f.people.manager.staffId].map((staff) => [
      staff,
      'audit',
      f.audits.submitted,
      f.children.submitted,
      'Audit downloaded as a Word document for the child’s file',
      '/audits/:auditId/document.docx',
    ]),
  );
});

test('there is no Word document of an audit not yet submitted, even for its auditor', async () => {
  const before = (await accessLog()).length;
  const practitioner = await get(f.people.practitioner, `/audits/${f.audits.allocated}/document.docx`);
  assert.equal(practitioner.statusCode, 403);
  const auditor = await get(f.people.auditor, `/audits/${f.audits.allocated}/document.docx`);
  assert.equal(auditor.statusCode, 403);
  assert.match(auditor.body, /can only be downloaded once the audit has been submitted/);
  assert.equal((await accessLog()).length, before, 'nothing is logged as opened');
});

test('people with no relationship to the audit, or no right to child-level data, are refused both', async () => {
  const before = (await accessLog()).length;
  const refused: [string, FixturePerson][] = [
    ['scrutiny reader', f.people.scrutiny],
    ['workforce development', f.people.workforce],
    ['administrator', f.people.admin],
    ['manager of another team', f.people.otherManager],
    ['another practitioner', f.people.otherPractitioner],
    ['Head of Service for another service', f.people.headOfCare],
  ];
  for (const [who, person] of refused) {
    const agent = await signedIn(app, person);
    for (const url of [
      `/audits/${f.audits.submitted}/child`,
      `/audits/${f.audits.submitted}/document.docx`,
    ]) {
      const res = await agent.get(url);
      assert.equal(res.statusCode, 403, `${who} is refused ${url}`);
      assert.doesNotMatch(res.body, /F08C0|Child8/, `${who} is shown nothing about the child`);
    }
  }
  assert.equal((await accessLog()).length, before, 'a refusal writes no access log line');
});

test('the line manager, the Head of Service and QA may have both', async () => {
  for (const person of [f.people.manager, f.people.headOfService, f.people.director, f.people.qaLead]) {
    const agent = await signedIn(app, person);
    assert.equal((await agent.get(`/audits/${f.audits.submitted}/child`)).statusCode, 200);
    assert.equal((await agent.get(`/audits/${f.audits.submitted}/document.docx`)).statusCode, 200);
  }
});

test('signed out, both send the person to sign in; an unknown audit is not found', async () => {
  for (const url of [`/audits/${f.audits.submitted}/child`, `/audits/${f.audits.submitted}/document.docx`]) {
    const res = await app.inject({ url, headers: { accept: 'text/html' } });
    assert.equal(res.statusCode, 302);
    assert.match(String(res.headers.location), /^\/sign-in/);
  }
  const agent = await signedIn(app, f.people.qaLead);
  assert.equal((await agent.get('/audits/00000000-0000-0000-0000-000000000000/child')).statusCode, 404);
  assert.equal((await agent.get('/audits/not-an-id/document.docx')).statusCode, 404);
});

test('beside the audit, the child’s context links to its own page', async () => {
  const agent = await signedIn(app, f.people.auditor);
  const res = await agent.get(`/audits/${f.audits.allocated}`);
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /<section class="app-child-context app-child-context--column"/);
  assert.match(
    res.body,
    new RegExp(`href="/audits/${f.audits.allocated}/child">Open the child’s context in its own page`),
  );
});

test('the document shows escalations only to those who may open them: QA, who raised them, who they went to', async () => {
  const download = async (person: typeof f.people.qaLead) => {
    const agent = await signedIn(app, person);
    const file = await app.inject({
      url: `/audits/${f.audits.submitted}/document.docx`,
      headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    assert.equal(file.statusCode, 200);
    return wordText((await docxParts(file.rawPayload)).get('word/document.xml') ?? '');
  };
  assert.ok((await download(f.people.qaLead)).includes(FILLED.found));
  assert.ok((await download(f.people.auditor)).includes(FILLED.found), 'the auditor raised it');
  assert.ok(!(await download(f.people.practitioner)).includes(FILLED.found));
});
