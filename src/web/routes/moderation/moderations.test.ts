import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import {
  type AuditFixture,
  buildAuditFixture,
  type FixturePerson,
  signedIn,
} from '../../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import {
  addModerator,
  EVIDENCE,
  moderationOf,
  regradeForm,
  SECTION_KEYS,
  submittedAudit,
} from '../../../../test/helpers/moderations.ts';

let t: TestDb;
let app: FastifyInstance;
let f: AuditFixture;
let moderator: FixturePerson;

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db);
  moderator = await addModerator(t.db, f);
  app = await createTestApp(t.db, { demo: false });
});
after(async () => {
  await app.close();
  await t.close();
});

const row = (id: string) =>
  t.db.selectFrom('moderations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const childRef = async (auditId: string) =>
  (
    await t.db
      .selectFrom('audits as a')
      .innerJoin('children as c', 'c.id', 'a.child_id')
      .select('c.external_id')
      .where('a.id', '=', auditId)
      .executeTakeFirstOrThrow()
  ).external_id;

test('the moderator’s list, and the blind re-grade: the evidence beside the child’s record, none of the auditor’s grades', async () => {
  const auditId = await submittedAudit(t.db, f, { overall: 'outstanding', sectionGrade: 'outstanding' });
  const id = await moderationOf(t.db, f, auditId, moderator.staffId);
  const agent = await signedIn(app, moderator);
  const list = await agent.get('/moderation');
  assert.equal(list.statusCode, 200);
  assert.equal(h1(list.body), 'Moderation');
  assert.match(list.body, new RegExp(`href="/moderations/${id}">${await childRef(auditId)}`));
  assert.match(list.body, /href="\/moderation\/consistency"/);

  const res = await agent.get(`/moderations/${id}`);
  assert.equal(res.statusCode, 200);
  assert.equal(h1(res.body), `Moderate the audit of ${await childRef(auditId)}`);
  assert.match(res.body, new RegExp(EVIDENCE));
  assert.match(res.body, /For the child: impact of the_plan/);
  assert.match(res.body, /id="child-context-heading"/);
  assert.match(res.body, /Your grade for The plan/);
  assert.match(res.body, /<button[^>]*value="draft"[^>]*>\s*Save draft/);
  // blind: no grade shown as the auditor's, none chosen for the moderator
  assert.doesNotMatch(res.body, /checked/);
  assert.doesNotMatch(res.body, /<dt class="govuk-summary-list__key">\s*(Grade|Overall grade)/);
  assert.doesNotMatch(res.body, /Overall grade:/);
  // "Outstanding" appears only as a choice: once per section and once overall
  assert.equal(res.body.match(/Outstanding/g)?.length, SECTION_KEYS.length + 1);
  const log = await t.db
    .selectFrom('access_log')
    .select('child_id')
    .where('route', '=', '/moderations/:moderationId')
    .where('staff_id', '=', moderator.staffId)
    .execute();
  assert.ok(log.length >= 1);
});

test('a draft keeps what was typed; a submission with grades or comments missing says what, links each field, and changes nothing', async () => {
  const id = await moderationOf(t.db, f, await submittedAudit(t.db, f), moderator.staffId);
  const agent = await signedIn(app, moderator);
  const page = `/moderations/${id}`;
  const draft = await agent.post(
    page,
    { [`grade-${SECTION_KEYS[1]}`]: 'good', qualityComments: 'So far', action: 'draft' },
    page,
  );
  assert.equal(draft.statusCode, 302);
  const again = await agent.get(page);
  assert.match(again.body, new RegExp(`name="grade-${SECTION_KEYS[1]}" type="radio" value="good" checked`));
  assert.match(again.body, /So far<\/textarea>/);

  const form = { ...regradeForm('good', 'good'), qualityComments: '', action: 'submit' };
  delete (form as Record<string, string>)[`grade-${SECTION_KEYS[4]}`];
  const res = await agent.post(page, form, page);
  assert.equal(res.statusCode, 400);
  assert.deepEqual(errorSummaryItems(res.body), [
    { text: 'Choose a grade for Risk, safety and contingency planning', href: `#grade-${SECTION_KEYS[4]}` },
    {
      text: 'Say what you thought of the audit’s evaluation, impact statements and actions',
      href: '#qualityComments',
    },
  ]);
  // what was typed is shown again
  assert.match(res.body, new RegExp(`name="grade-${SECTION_KEYS[0]}" type="radio" value="good" checked`));
  const r = await row(id);
  assert.equal(r.status, 'allocated');
  assert.equal(r.section_grades, null);
  assert.deepEqual(r.draft, { [`grade-${SECTION_KEYS[1]}`]: 'good', qualityComments: 'So far' });

  const done = await agent.post(page, { ...regradeForm('good', 'good'), action: 'submit' }, page);
  assert.equal(done.statusCode, 302);
  assert.equal(done.headers.location, '/moderation');
  assert.equal((await row(id)).status, 'submitted');
  // submitted: the re-grade is closed
  assert.equal((await agent.get(page)).statusCode, 403);
});

test('another QA lead cannot open someone else’s re-grade; the audit’s own auditor cannot moderate it', async () => {
  const id = await moderationOf(t.db, f, await submittedAudit(t.db, f), moderator.staffId);
  const qa = await signedIn(app, f.people.qaLead);
  const get = await qa.get(`/moderations/${id}`);
  assert.equal(get.statusCode, 403);
  assert.match(get.body, /Only the moderator this audit is allocated to/);
  const post = await qa.post(
    `/moderations/${id}`,
    { ...regradeForm('good', 'good'), action: 'submit' },
    '/moderation',
  );
  assert.equal(post.statusCode, 403);
  assert.equal((await row(id)).status, 'allocated');

  // the fixture's QA lead did this audit
  const auditId = await submittedAudit(t.db, f);
  await t.db
    .updateTable('audits')
    .set({ auditor_id: f.people.qaLead.staffId })
    .where('id', '=', auditId)
    .execute();
  const own = await moderationOf(t.db, f, auditId, f.people.qaLead.staffId);
  const refused = await qa.get(`/moderations/${own}`);
  assert.equal(refused.statusCode, 403);
  assert.match(refused.body, /You did this audit, so you cannot moderate it/);
});

test('an audit not yet submitted cannot be moderated', async () => {
  const auditId = await submittedAudit(t.db, f, { status: 'in_progress' });
  const id = await moderationOf(t.db, f, auditId, moderator.staffId);
  const res = await (await signedIn(app, moderator)).get(`/moderations/${id}`);
  assert.equal(res.statusCode, 403);
  assert.match(res.body, /has not been submitted yet, so it cannot be moderated/);
});

test('the panel: both overall grades and the differences; a decision without a reason is refused; one with it sets the final grade and tells the auditor', async () => {
  const auditId = await submittedAudit(t.db, f, { overall: 'requires_improvement', sectionGrade: 'good' });
  const id = await moderationOf(t.db, f, auditId, moderator.staffId);
  const mod = await signedIn(app, moderator);
  await mod.post(
    `/moderations/${id}`,
    { ...regradeForm('good', 'good'), action: 'submit' },
    `/moderations/${id}`,
  );
  const qa = await signedIn(app, f.people.qaLead);
  const ref = await childRef(auditId);

  const list = await qa.get('/moderation');
  assert.match(list.body, new RegExp(`href="/moderation/panel/${f.monthId}"`));
  const panel = await qa.get(`/moderation/panel/${f.monthId}`);
  assert.equal(panel.statusCode, 200);
  assert.equal(h1(panel.body), 'Moderation panel, November 2026');
  const rowHtml = panel.body.slice(panel.body.indexOf(`/moderations/${id}/decision`)).split('</tr>')[0];
  assert.match(rowHtml, new RegExp(ref));
  assert.match(rowHtml, /Requires improvement<\/td>\s*<td class="govuk-table__cell">Good<\/td>/);
  // the auditor graded the first section inadequate, the rest good, as the moderator did
  assert.match(rowHtml, /1 of 12/);

  const page = `/moderations/${id}/decision`;
  const form = await qa.get(page);
  assert.equal(form.statusCode, 200);
  assert.match(form.body, /The grades side by side/);
  assert.match(form.body, /id="auditor-overall">Requires improvement/);
  assert.match(form.body, /id="moderator-overall">Good/);
  assert.match(form.body, /impact statements rarely say what it meant for the child/);

  // issue 16: the panel's date and members are recorded with its decision
  const sat = {
    'panelDate-day': '20',
    'panelDate-month': '11',
    'panelDate-year': '2026',
    members: [f.people.qaLead.staffId],
  };
  const bad = await qa.post(page, { finalGrade: 'good', reason: ' ', ...sat }, page);
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(errorSummaryItems(bad.body), [
    { text: 'Say why the panel reached this grade', href: '#reason' },
  ]);
  assert.match(bad.body, /value="good" checked/);
  assert.equal((await row(id)).status, 'submitted');

  const ok = await qa.post(
    page,
    { finalGrade: 'good', reason: 'The plan is working for the child.', ...sat },
    page,
  );
  assert.equal(ok.statusCode, 302);
  assert.equal(ok.headers.location, `/moderation/panel/${f.monthId}`);
  const r = await row(id);
  assert.deepEqual([r.status, r.outcome, r.final_grade], ['decided', 'upgraded', 'good']);
  const audit = await t.db
    .selectFrom('audits')
    .select(['final_grade', 'final_good_or_better'])
    .where('id', '=', auditId)
    .executeTakeFirstOrThrow();
  assert.deepEqual(audit, { final_grade: 'good', final_good_or_better: true });
  const told = await t.db
    .selectFrom('notifications')
    .select(['staff_id', 'kind'])
    .where('about_id', '=', id)
    .execute();
  assert.deepEqual(told, [{ staff_id: f.people.auditor.staffId, kind: 'moderation_outcome' }]);
  const decided = await qa.get(page);
  assert.match(decided.body, /The panel’s decision/);
  assert.doesNotMatch(decided.body, /Record the decision/);
  // decided once: a second decision is refused
  const twice = await qa.post(
    page,
    { finalGrade: 'outstanding', reason: 'Again' },
    `/moderation/panel/${f.monthId}`,
  );
  assert.equal(twice.statusCode, 403);
  assert.equal((await row(id)).final_grade, 'good');
});

test('the panel records who sat on it and when, chosen from staff, and the decision page shows them (issue 16)', async () => {
  const auditId = await submittedAudit(t.db, f, { overall: 'good', sectionGrade: 'good' });
  const id = await moderationOf(t.db, f, auditId, moderator.staffId);
  await (await signedIn(app, moderator)).post(
    `/moderations/${id}`,
    { ...regradeForm('good', 'good'), action: 'submit' },
    `/moderations/${id}`,
  );
  const qa = await signedIn(app, f.people.qaLead);
  const page = `/moderations/${id}/decision`;
  const form = await qa.get(page);
  assert.equal(form.statusCode, 200);
  assert.match(form.body, /Who sat on the panel\?/);
  assert.match(form.body, /When did the panel sit\?/);
  // chosen from QA, auditors and senior leaders; the person recording it ticked to start with
  assert.match(form.body, new RegExp(`value="${f.people.qaLead.staffId}" checked`));
  assert.match(form.body, new RegExp(`value="${f.people.headOfService.staffId}"`));
  assert.doesNotMatch(form.body, new RegExp(`value="${f.people.practitioner.staffId}"`));

  const decide = { finalGrade: 'good', reason: 'Agreed at panel.' };
  // no members, a date in the future, someone not on the list: each refused, nothing recorded
  const none = await qa.post(
    page,
    { ...decide, 'panelDate-day': '31', 'panelDate-month': '12', 'panelDate-year': '2026' },
    page,
  );
  assert.equal(none.statusCode, 400);
  assert.deepEqual(errorSummaryItems(none.body), [
    { text: 'The date the panel sat must be today or in the past', href: '#panelDate' },
    { text: 'Choose who sat on the panel', href: '#members' },
  ]);
  const stranger = await qa.post(
    page,
    {
      ...decide,
      'panelDate-day': '20',
      'panelDate-month': '11',
      'panelDate-year': '2026',
      members: [f.people.qaLead.staffId, f.people.practitioner.staffId],
    },
    page,
  );
  assert.equal(stranger.statusCode, 400);
  assert.deepEqual(errorSummaryItems(stranger.body), [
    { text: 'Choose the panel members from the list', href: '#members' },
  ]);
  assert.match(stranger.body, new RegExp(`value="${f.people.headOfService.staffId}"(?! checked)`));
  assert.equal((await row(id)).status, 'submitted');

  const ok = await qa.post(
    page,
    {
      ...decide,
      'panelDate-day': '20',
      'panelDate-month': '11',
      'panelDate-year': '2026',
      members: [f.people.qaLead.staffId, f.people.headOfService.staffId],
    },
    page,
  );
  assert.equal(ok.statusCode, 302);
  assert.equal((await row(id)).panel_date, '2026-11-20');
  const decided = await qa.get(page);
  const summary = decided.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  assert.match(summary, /Panel sat on 20 November 2026/);
  const members = decided.body.match(/<ul class="govuk-list" id="panel-members">([\s\S]*?)<\/ul>/)?.[1] ?? '';
  const names = await t.db
    .selectFrom('staff')
    .select('name')
    .where('id', 'in', [f.people.qaLead.staffId, f.people.headOfService.staffId])
    .orderBy('name')
    .execute();
  assert.deepEqual(
    [...members.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]),
    names.map((n) => n.name),
  );
});

test('no one but QA may use moderation: 403 for every other role on every page and form; signed out, sign in', async () => {
  const id = await moderationOf(t.db, f, await submittedAudit(t.db, f), moderator.staffId);
  const others: (keyof AuditFixture['people'])[] = [
    'auditor',
    'practitioner',
    'manager',
    'otherManager',
    'headOfService',
    'director',
    'scrutiny',
    'workforce',
    'admin',
  ];
  const gets = [
    '/moderation',
    `/moderations/${id}`,
    `/moderation/panel/${f.monthId}`,
    `/moderations/${id}/decision`,
  ];
  for (const who of others) {
    const agent = await signedIn(app, f.people[who]);
    for (const url of gets) assert.equal((await agent.get(url)).statusCode, 403, `${who} GET ${url}`);
    const regrade = await agent.post(
      `/moderations/${id}`,
      { ...regradeForm('good', 'good'), action: 'submit' },
      '/',
    );
    assert.equal(regrade.statusCode, 403, `${who} POST re-grade`);
    const decide = await agent.post(`/moderations/${id}/decision`, { finalGrade: 'good', reason: 'x' }, '/');
    assert.equal(decide.statusCode, 403, `${who} POST decision`);
  }
  assert.equal((await row(id)).status, 'allocated');
  const visitor = new Agent(app);
  for (const url of gets) {
    const res = await visitor.get(url);
    assert.equal(res.statusCode, 302, url);
    assert.match(String(res.headers.location), /^\/sign-in/);
  }
  // an address that is no moderation's
  const qa = await signedIn(app, f.people.qaLead);
  assert.equal((await qa.get('/moderations/nonsense')).statusCode, 404);
  assert.equal((await qa.get(`/moderations/${f.audits.submitted}/decision`)).statusCode, 404);
});
