import assert from 'node:assert/strict';
import { after, before, mock, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import {
  AUDIT_PASSWORD,
  type AuditFixture,
  buildAuditFixture,
  completeSectionFields,
  signedIn,
} from '../../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';

let t: TestDb;
let f: AuditFixture;
let app: FastifyInstance;

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db, 'audweb');
  app = await createTestApp(t.db, { demo: false });
});
after(async () => {
  await app.close();
  await t.close();
});

const views = (auditId: string) =>
  t.db
    .selectFrom('access_log')
    .select(['staff_id', 'reason', 'record_type'])
    .where('record_id', '=', auditId)
    .execute();

const draftOf = async (auditId: string, part: string) =>
  t.db
    .selectFrom('audit_drafts')
    .selectAll()
    .where('audit_id', '=', auditId)
    .where('part', '=', part)
    .executeTakeFirst();

test('My audits shows the auditor their audits with team, activity, theme and deadline', async () => {
  const auditor = await signedIn(app, f.people.auditor);
  const page = await auditor.get('/my-audits');
  assert.equal(page.statusCode, 200);
  assert.equal(h1(page.body), 'My audits');
  assert.match(page.body, /F00C0/);
  assert.match(page.body, /F04C0/);
  assert.match(page.body, /North CP/);
  assert.match(page.body, /Dip sample/);
  assert.match(page.body, /11 December 2026/);
  assert.doesNotMatch(page.body, /Child0 Family0/, 'no child names on the list');
});

test('only auditors have My audits', async () => {
  for (const person of [f.people.practitioner, f.people.scrutiny, f.people.workforce, f.people.admin]) {
    const agent = await signedIn(app, person);
    assert.equal((await agent.get('/my-audits')).statusCode, 403, person.email);
  }
});

test('an audit in progress: its auditor and QA open it, and each view is logged; nobody else can', async () => {
  const auditor = await signedIn(app, f.people.auditor);
  const page = await auditor.get(`/audits/${f.audits.allocated}`);
  assert.equal(page.statusCode, 200);
  assert.equal(h1(page.body), 'Audit of F00C0');
  assert.match(page.body, /1\. The conversation with the practitioner/);
  assert.match(page.body, /14\. Overall grade/);
  const qa = await signedIn(app, f.people.qaLead);
  assert.equal((await qa.get(`/audits/${f.audits.allocated}`)).statusCode, 200);
  const logged = await views(f.audits.allocated);
  assert.ok(logged.some((v) => v.staff_id === f.people.auditor.staffId && /auditor/.test(v.reason)));
  assert.ok(logged.some((v) => v.staff_id === f.people.qaLead.staffId));

  for (const person of [
    f.people.practitioner,
    f.people.manager,
    f.people.headOfService,
    f.people.otherManager,
    f.people.scrutiny,
    f.people.workforce,
    f.people.admin,
  ]) {
    const agent = await signedIn(app, person);
    for (const url of [
      `/audits/${f.audits.allocated}`,
      `/audits/${f.audits.allocated}/parts/assessment`,
      `/audits/${f.audits.allocated}/check`,
    ]) {
      assert.equal((await agent.get(url)).statusCode, 403, `${person.email} ${url}`);
    }
    const csrf = await agent.csrf('/');
    const save = await agent.post(
      `/audits/${f.audits.allocated}/parts/assessment`,
      { _csrf: csrf, grade: 'good' },
      '/',
    );
    assert.equal(save.statusCode, 403, `${person.email} saving`);
    const submit = await agent.post(`/audits/${f.audits.allocated}/submit`, { _csrf: csrf }, '/');
    assert.equal(submit.statusCode, 403, `${person.email} submitting`);
  }
  assert.equal(await draftOf(f.audits.allocated, 'assessment'), undefined);
});

test('signed out, an audit page sends you to sign in', async () => {
  const res = await app.inject({ method: 'GET', url: `/audits/${f.audits.allocated}` });
  assert.equal(res.statusCode, 302);
  assert.match(String(res.headers.location), /^\/sign-in/);
});

test('without JavaScript every page change saves: Save and continue stores the part and opens the next', async () => {
  const auditor = await signedIn(app, f.people.auditor);
  const url = `/audits/${f.audits.allocated}/parts/assessment`;
  const form = await auditor.get(url);
  assert.equal(form.statusCode, 200);
  assert.match(form.body, /Assessment: analysis/);
  assert.match(form.body, /The child/, 'the child’s context beside the form');
  const res = await auditor.post(
    url,
    { ...completeSectionFields('good', f.people.manager.staffId), revision: '0', next: 'continue' },
    url,
  );
  assert.equal(res.statusCode, 302);
  assert.equal(res.headers.location, `/audits/${f.audits.allocated}/parts/identity_and_diversity`);
  const saved = await draftOf(f.audits.allocated, 'assessment');
  assert.equal(
    saved?.fields.evaluation,
    'The record shows: visits on time, the child seen alone, analysis weak.',
  );
  const again = await auditor.get(url);
  assert.match(again.body, /visits on time, the child seen alone/);
});

test('a dip sample’s date typed as 20/11/2026 reads “20 November 2026” on the check page, never “Invalid Date”', async () => {
  const auditor = await signedIn(app, f.people.auditor);
  const url = `/audits/${f.audits.dip}/parts/visits`;
  await auditor.get(url);
  const saved = await auditor.post(
    url,
    {
      revision: '0',
      next: 'overview',
      'q-plan_type': 'Child protection plan',
      'q-last_visit_date-day': '20',
      'q-last_visit_date-month': '11',
      'q-last_visit_date-year': '2026',
    },
    url,
  );
  assert.equal(saved.statusCode, 302);
  const check = await auditor.get(`/audits/${f.audits.dip}/check`);
  assert.equal(check.statusCode, 200);
  assert.doesNotMatch(check.body, /Invalid Date/);
  assert.doesNotMatch(check.body, /20\/11\/2026/);
  assert.match(check.body, /Date of the most recent visit<\/dt>\s*<dd[^>]*>\s*20 November 2026/);

  // a date that is not one reads back as typed, saying so
  const revision = String((await draftOf(f.audits.dip, 'visits'))?.revision);
  await auditor.post(
    url,
    {
      revision,
      next: 'overview',
      'q-plan_type': 'Child protection plan',
      'q-last_visit_date-day': '31',
      'q-last_visit_date-month': '2',
      'q-last_visit_date-year': '2026',
    },
    url,
  );
  const again = await auditor.get(`/audits/${f.audits.dip}/check`);
  assert.doesNotMatch(again.body, /Invalid Date/);
  assert.match(again.body, /31 2 2026 \(not a real date\)/);
});

test('the page’s script saves as the auditor types, answered in JSON with the new revision', async () => {
  const auditor = await signedIn(app, f.people.auditor);
  const url = `/audits/${f.audits.allocated}/parts/the_plan`;
  const csrf = await auditor.csrf(url);
  const res = await auditor.post(
    `${url}/autosave`,
    { _csrf: csrf, revision: '0', evaluation: 'Typing…' },
    url,
  );
  assert.equal(res.statusCode, 200);
  const json = JSON.parse(res.body);
  assert.equal(json.revision, 1);
  assert.equal((await draftOf(f.audits.allocated, 'the_plan'))?.fields.evaluation, 'Typing…');
});

test('two people saving the same part: the second is told and shown both, and nothing is overwritten', async () => {
  const auditor = await signedIn(app, f.people.auditor);
  const qa = await signedIn(app, f.people.qaLead);
  const url = `/audits/${f.audits.allocated}/parts/family_and_network`;
  const auditorCsrf = await auditor.csrf(url);
  const qaCsrf = await qa.csrf(url);
  const first = await auditor.post(
    url,
    { _csrf: auditorCsrf, revision: '0', evaluation: 'The auditor’s words', next: 'overview' },
    url,
  );
  assert.equal(first.statusCode, 302);
  const second = await qa.post(
    url,
    { _csrf: qaCsrf, revision: '0', evaluation: 'QA’s words', next: 'overview' },
    url,
  );
  assert.equal(second.statusCode, 409);
  assert.match(second.body, /saved this part at/);
  assert.match(second.body, /The auditor’s words/, 'theirs is shown');
  assert.match(second.body, /QA’s words/, 'yours is kept in the form');
  assert.equal(
    (await draftOf(f.audits.allocated, 'family_and_network'))?.fields.evaluation,
    'The auditor’s words',
  );
  // the form now carries their revision: saving again replaces theirs, deliberately
  const revision = second.body.match(/name="revision" value="(\d+)"/)?.[1];
  assert.equal(revision, '1');
  const third = await qa.post(
    url,
    { _csrf: qaCsrf, revision: '1', evaluation: 'QA’s words', next: 'overview' },
    url,
  );
  assert.equal(third.statusCode, 302);
  assert.equal((await draftOf(f.audits.allocated, 'family_and_network'))?.fields.evaluation, 'QA’s words');
});

test('a tampered form is refused with a clear message and changes nothing', async () => {
  const auditor = await signedIn(app, f.people.auditor);
  const url = `/audits/${f.audits.allocated}/parts/recording_and_language`;
  const csrf = await auditor.csrf(url);
  const offScale = await auditor.post(url, { _csrf: csrf, revision: '0', grade: 'met_good' }, url);
  assert.equal(offScale.statusCode, 400);
  assert.deepEqual(
    errorSummaryItems(offScale.body).map((e) => e.text),
    [
      'Choose a grade on the Four-point (Ofsted language) scale for "Recording quality and language that respects the child and family"',
    ],
  );
  const otherTool = await auditor.post(
    `/audits/${f.audits.allocated}/parts/visits`,
    { _csrf: csrf, revision: '0', 'q-child_seen': 'yes' },
    url,
  );
  assert.equal(otherTool.statusCode, 400);
  assert.match(otherTool.body, /not in this audit’s tool/);
  assert.equal(await draftOf(f.audits.allocated, 'recording_and_language'), undefined);
  assert.equal(await draftOf(f.audits.allocated, 'visits'), undefined);
});

test('submitting with answers missing shows an error summary linked to each missing answer', async () => {
  const auditor = await signedIn(app, f.people.auditor);
  const check = `/audits/${f.audits.allocated}/check`;
  const page = await auditor.get(check);
  assert.equal(page.statusCode, 200);
  const res = await auditor.post(`/audits/${f.audits.allocated}/submit`, {}, check);
  assert.equal(res.statusCode, 400);
  const items = errorSummaryItems(res.body);
  assert.ok(items.length > 10);
  assert.deepEqual(items[0], {
    text: 'Enter the date of the conversation',
    href: `/audits/${f.audits.allocated}/parts/conversation#conversationOn-day`,
  });
  assert.ok(
    items.some((i) => i.href === `/audits/${f.audits.allocated}/parts/case_summary_and_chronology#grade`),
  );
  const status = await t.db
    .selectFrom('audits')
    .select('status')
    .where('id', '=', f.audits.allocated)
    .executeTakeFirstOrThrow();
  assert.equal(status.status, 'in_progress');
});

test('a submitted audit: the case holder, their manager, the Head of Service and QA read it; others are refused', async () => {
  const url = `/audits/${f.audits.submitted}`;
  for (const person of [
    f.people.practitioner,
    f.people.manager,
    f.people.headOfService,
    f.people.director,
    f.people.qaLead,
    f.people.auditor,
  ]) {
    const agent = await signedIn(app, person);
    const page = await agent.get(url);
    assert.equal(page.statusCode, 200, person.email);
    assert.match(page.body, /Overall grade: <strong>Inadequate<\/strong>/);
  }
  for (const person of [
    f.people.headOfCare,
    f.people.otherManager,
    f.people.otherPractitioner,
    f.people.scrutiny,
    f.people.workforce,
    f.people.admin,
  ]) {
    const agent = await signedIn(app, person);
    assert.equal((await agent.get(url)).statusCode, 403, person.email);
  }
  const logged = await views(f.audits.submitted);
  assert.ok(logged.some((v) => v.staff_id === f.people.practitioner.staffId && /case holder/.test(v.reason)));
  // a submitted audit cannot be edited any more
  const auditor = await signedIn(app, f.people.auditor);
  const part = await auditor.get(`${url}/parts/assessment`);
  assert.equal(part.statusCode, 302);
});

test('a timed-out session loses nothing: the saved draft is there after signing in, and what was typed since comes back', async () => {
  const auditor = await signedIn(app, f.people.auditor);
  const url = `/audits/${f.audits.allocated}/parts/impact_and_outcomes`;
  const csrf = await auditor.csrf(url);
  const saved = await auditor.post(
    `${url}/autosave`,
    { _csrf: csrf, revision: '0', evaluation: 'Saved before the break' },
    url,
  );
  assert.equal(saved.statusCode, 200);
  mock.timers.enable({ apis: ['Date'], now: Date.now() + 31 * 60_000 });
  try {
    const late = await auditor.post(
      url,
      {
        _csrf: csrf,
        revision: '1',
        evaluation: 'Saved before the break, and typed after it',
        next: 'continue',
      },
      url,
    );
    assert.equal(late.statusCode, 302);
    assert.equal(late.headers.location, `/sign-in?returnTo=${encodeURIComponent(url)}`);
    assert.equal(
      (await draftOf(f.audits.allocated, 'impact_and_outcomes'))?.fields.evaluation,
      'Saved before the break',
      'nothing is saved while signed out',
    );
    const back = await auditor.post('/sign-in', {
      email: f.people.auditor.email,
      password: AUDIT_PASSWORD,
      returnTo: url,
    });
    assert.equal(back.headers.location, url);
    const form = await auditor.get(url);
    assert.match(form.body, /We kept what you typed/);
    assert.match(form.body, /Saved before the break, and typed after it/);
    const again = await auditor.get(url);
    assert.match(again.body, />Saved before the break</, 'the saved draft is there');
  } finally {
    mock.timers.reset();
  }
});

test('Audits lists the submitted audits a person may read, with what is waiting for them, each child logged', async () => {
  const practitioner = await signedIn(app, f.people.practitioner);
  const page = await practitioner.get('/audits');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /F08C0/);
  assert.match(page.body, /Your feedback/);
  const logged = await views(f.audits.submitted);
  assert.ok(logged.some((v) => v.staff_id === f.people.practitioner.staffId && /Listed/.test(v.reason)));
  const manager = await signedIn(app, f.people.manager);
  assert.match((await manager.get('/audits')).body, /Management oversight/);
  for (const person of [f.people.otherPractitioner, f.people.otherManager, f.people.headOfCare]) {
    const agent = await signedIn(app, person);
    const res = await agent.get('/audits');
    assert.equal(res.statusCode, 200);
    assert.doesNotMatch(res.body, /F08C0/, person.email);
  }
  for (const person of [f.people.scrutiny, f.people.workforce, f.people.admin]) {
    const agent = await signedIn(app, person);
    assert.equal((await agent.get('/audits')).statusCode, 403, person.email);
  }
});

test('a form field sent twice keeps its first value; only practice themes are a list', async () => {
  const auditor = await signedIn(app, f.people.auditor);
  const url = `/audits/${f.audits.allocated}/parts/multi_agency_working`;
  const csrf = await auditor.csrf(url);
  const res = await auditor.post(
    `${url}/autosave`,
    { _csrf: csrf, revision: '0', grade: ['good', 'nonsense'], evaluation: ['first', 'second'] },
    url,
  );
  assert.equal(res.statusCode, 200);
  const saved = await draftOf(f.audits.allocated, 'multi_agency_working');
  assert.deepEqual(saved?.fields, { grade: 'good', evaluation: 'first' });
});

test('without JavaScript, leaving the part by its list of parts, the back link or the escalation link saves first, and goes only to the audit’s own pages', async () => {
  const auditor = await signedIn(app, f.people.auditor);
  const audit = `/audits/${f.audits.allocated}`;
  const url = `${audit}/parts/multi_agency_working`;
  const form = await auditor.get(url);
  assert.equal(form.statusCode, 200);
  // every way out that belongs to the audit is a button of the form, with the hint to use them
  assert.match(form.body, /Use “Save and go to” to keep what you typed/);
  assert.match(
    form.body,
    new RegExp(
      `<button type="submit" class="app-link-button" name="next" value="${audit}/parts/assessment">Save and go to`,
    ),
  );
  assert.match(
    form.body,
    /<button type="submit" form="part-form" name="next" value="overview" class="govuk-back-link"/,
  );
  assert.match(form.body, new RegExp(`form="part-form" name="next" value="${audit}/escalate"`));
  assert.doesNotMatch(form.body, new RegExp(`<a [^>]*href="${audit}/escalate"`));
  const revision = () =>
    draftOf(f.audits.allocated, 'multi_agency_working').then((d) => String(d?.revision ?? 0));

  const go = async (next: string, evaluation: string) =>
    auditor.post(url, { revision: await revision(), evaluation, next }, url);

  const toPart = await go(`${audit}/parts/assessment`, 'Typed, then left by the list of parts');
  assert.equal(toPart.statusCode, 302);
  assert.equal(toPart.headers.location, `${audit}/parts/assessment`);
  assert.equal(
    (await draftOf(f.audits.allocated, 'multi_agency_working'))?.fields.evaluation,
    'Typed, then left by the list of parts',
  );

  const toEscalate = await go(`${audit}/escalate`, 'Typed, then escalated');
  assert.equal(toEscalate.headers.location, `${audit}/escalate`);
  assert.equal(
    (await draftOf(f.audits.allocated, 'multi_agency_working'))?.fields.evaluation,
    'Typed, then escalated',
  );

  // another site, or another audit, is refused: what was typed is saved, and the audit's page opens
  for (const next of [
    'https://example.com/',
    '//example.com/audits',
    `/audits/${f.audits.dip}`,
    `${audit}/parts/nope`,
    'javascript:alert(1)',
  ]) {
    const refused = await go(next, `Typed, then sent to ${next}`);
    assert.equal(refused.statusCode, 302, next);
    assert.equal(refused.headers.location, audit, next);
    assert.equal(
      (await draftOf(f.audits.allocated, 'multi_agency_working'))?.fields.evaluation,
      `Typed, then sent to ${next}`,
    );
  }
});
