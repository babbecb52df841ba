import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { type AuditFixture, buildAuditFixture, signedIn } from '../../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { buildSamplingFixture } from '../../../../test/helpers/sampling.ts';
import { RECIPIENT_WHY } from '../../../services/audits/escalations.ts';

let t: TestDb;
let app: FastifyInstance;
let f: AuditFixture;
const agents = {} as Record<keyof AuditFixture['people'], Agent>;
/** an audit and an escalation of another council */
let elsewhere: { auditId: string; escalationId: string };

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db);
  app = await createTestApp(t.db, { demo: false });
  for (const key of Object.keys(f.people) as (keyof AuditFixture['people'])[]) {
    agents[key] = await signedIn(app, f.people[key]);
  }
  const other = await buildSamplingFixture(t.db, 'oth');
  const child = await t.db
    .selectFrom('children')
    .select('id')
    .where('council_id', '=', other.councilId)
    .limit(1)
    .executeTakeFirstOrThrow();
  const audit = await t.db
    .insertInto('audits')
    .values({
      council_id: other.councilId,
      month_id: other.monthId,
      child_id: child.id,
      kind: 'full_audit',
      position: 1,
      auditor_id: other.managers.south,
      status: 'allocated',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const escalation = await t.db
    .insertInto('escalations')
    .values({
      council_id: other.councilId,
      audit_id: audit.id,
      child_id: child.id,
      kind: 'immediate',
      found: 'Elsewhere',
      raised_by: other.managers.south,
      raised_before_submission: true,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  elsewhere = { auditId: audit.id, escalationId: escalation.id };
});
after(async () => {
  await app.close();
  await t.close();
});

const escalate = (auditId: string) => `/audits/${auditId}/escalate`;
const defaultIds = () => [
  f.people.manager.staffId,
  f.people.headOfService.staffId,
  f.people.director.staffId,
];
const escalationCount = async () =>
  (await t.db.selectFrom('escalations').select('id').where('council_id', '=', f.councilId).execute()).length;

test('the auditor opens the form from the audit: the default people are ticked, with why, and the view is logged', async () => {
  const res = await agents.auditor.get(escalate(f.audits.allocated));
  assert.equal(res.statusCode, 200);
  assert.equal(h1(res.body), 'Raise an escalation');
  assert.match(res.body, /<title>Raise an escalation – QA Loop/);
  assert.match(res.body, /Audit of F00C0/);
  assert.match(res.body, /Immediate safety concern/);
  assert.match(res.body, /Drift and delay/);
  assert.match(res.body, /What did you find\?/);
  for (const id of defaultIds()) {
    assert.match(res.body, new RegExp(`value="${id}" checked`), 'ticked by default');
  }
  assert.match(res.body, /Hal Head, Head of Service, Safeguarding/);
  assert.match(res.body, new RegExp(RECIPIENT_WHY.director));
  // someone else can be added from the list
  assert.match(res.body, new RegExp(`<option value="${f.people.otherManager.staffId}"`));
  const log = await t.db
    .selectFrom('access_log')
    .selectAll()
    .where('route', '=', '/audits/:auditId/escalate')
    .where('staff_id', '=', f.people.auditor.staffId)
    .execute();
  assert.equal(log.length, 1);
  assert.equal(log[0].child_id, f.children.allocated);
});

test('raising one before submission sends it to the Head of Service and the others, and goes back to the audit', async () => {
  const page = escalate(f.audits.allocated);
  const res = await agents.auditor.post(
    page,
    {
      kind: 'immediate',
      found: 'The child told me that she is afraid to go home.',
      recipients: defaultIds(),
      addRecipient: f.people.otherManager.staffId,
    },
    page,
  );
  assert.equal(res.statusCode, 302);
  assert.equal(res.headers.location, `/audits/${f.audits.allocated}`);
  const row = await t.db
    .selectFrom('escalations')
    .selectAll()
    .where('audit_id', '=', f.audits.allocated)
    .executeTakeFirstOrThrow();
  assert.equal(row.kind, 'immediate');
  assert.equal(row.raised_before_submission, true);
  assert.equal(row.found, 'The child told me that she is afraid to go home.');
  const recipients = await t.db
    .selectFrom('escalation_recipients')
    .select(['staff_id', 'why'])
    .where('escalation_id', '=', row.id)
    .execute();
  assert.equal(recipients.length, 4);
  assert.equal(
    recipients.find((r) => r.staff_id === f.people.otherManager.staffId)?.why,
    RECIPIENT_WHY.added,
  );
  const message = await t.db
    .selectFrom('notifications')
    .selectAll()
    .where('staff_id', '=', f.people.headOfService.staffId)
    .where('kind', '=', 'escalation_raised')
    .where('about_id', '=', row.id)
    .executeTakeFirst();
  assert.ok(message, 'the Head of Service is sent a message');
});

test('QA can escalate an audit that has been submitted', async () => {
  const page = escalate(f.audits.submitted);
  const form = await agents.qaLead.get(page);
  assert.equal(form.statusCode, 200);
  const res = await agents.qaLead.post(
    page,
    {
      kind: 'drift_delay',
      found: 'No review of the plan since June.',
      recipients: [f.people.manager.staffId],
    },
    page,
  );
  assert.equal(res.statusCode, 302);
  assert.equal(res.headers.location, `/audits/${f.audits.submitted}`);
  const row = await t.db
    .selectFrom('escalations')
    .selectAll()
    .where('audit_id', '=', f.audits.submitted)
    .executeTakeFirstOrThrow();
  assert.equal(row.raised_before_submission, false);
  assert.equal(row.kind, 'drift_delay');
});

test('mistakes in the form are listed, what was typed is kept, and nothing is sent', async () => {
  const page = escalate(f.audits.allocated);
  const before = await escalationCount();
  const messages = async () =>
    (await t.db.selectFrom('notifications').select('id').where('kind', '=', 'escalation_raised').execute())
      .length;
  const sent = await messages();

  const empty = await agents.auditor.post(page, { found: '' }, page);
  assert.equal(empty.statusCode, 400);
  assert.deepEqual(errorSummaryItems(empty.body), [
    { href: '#kind', text: 'Choose whether this is an immediate safety concern or drift and delay' },
    { href: '#found', text: 'Enter what you found' },
    { href: '#recipients', text: 'Choose at least one person to send the escalation to' },
  ]);
  assert.match(empty.body, /<title>Error: Raise an escalation/);
  // no one is ticked once they were all unticked
  assert.doesNotMatch(empty.body, /value="[0-9a-f-]{36}" checked/);

  const noKind = await agents.auditor.post(
    page,
    { kind: 'urgent', found: 'Bruises <seen> on both arms', recipients: defaultIds() },
    page,
  );
  assert.equal(noKind.statusCode, 400);
  assert.deepEqual(
    errorSummaryItems(noKind.body).map((e) => e.href),
    ['#kind'],
  );
  assert.match(noKind.body, /Bruises &lt;seen&gt; on both arms<\/textarea>/);
  assert.match(noKind.body, new RegExp(`value="${f.people.headOfService.staffId}" checked`));

  const noText = await agents.auditor.post(
    page,
    { kind: 'drift_delay', found: '  ', recipients: defaultIds() },
    page,
  );
  assert.deepEqual(
    errorSummaryItems(noText.body).map((e) => e.href),
    ['#found'],
  );
  assert.match(noText.body, /value="drift_delay" checked/);

  const unknown = await agents.auditor.post(
    page,
    {
      kind: 'immediate',
      found: 'Worrying',
      recipients: [f.people.manager.staffId],
      addRecipient: '7b0f8a1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b',
    },
    page,
  );
  assert.equal(unknown.statusCode, 400);
  assert.deepEqual(errorSummaryItems(unknown.body), [
    {
      href: '#recipients',
      text: 'Choose people from the list: one of the people chosen cannot be sent an escalation',
    },
  ]);
  const practitioner = await agents.auditor.post(
    page,
    { kind: 'immediate', found: 'Worrying', recipients: ['not-a-person'] },
    page,
  );
  assert.equal(practitioner.statusCode, 400);

  assert.equal(await escalationCount(), before);
  assert.equal(await messages(), sent);
});

test('no one else may raise one: 403 for the wrong auditor, the case holder, and roles without escalations', async () => {
  const before = await escalationCount();
  const fields = { kind: 'immediate', found: 'Worrying', recipients: defaultIds() };
  const cases: [keyof AuditFixture['people'], string][] = [
    ['auditor', f.audits.submitted],
    ['otherManager', f.audits.allocated],
    ['practitioner', f.audits.allocated],
    ['practitioner', f.audits.submitted],
    ['manager', f.audits.submitted],
    ['headOfService', f.audits.allocated],
    ['scrutiny', f.audits.allocated],
    ['workforce', f.audits.allocated],
    ['admin', f.audits.allocated],
  ];
  for (const [who, auditId] of cases) {
    const get = await agents[who].get(escalate(auditId));
    assert.equal(get.statusCode, 403, `${who} GET`);
    const post = await agents[who].post(escalate(auditId), fields, '/');
    assert.equal(post.statusCode, 403, `${who} POST`);
  }
  const refused = await agents.auditor.get(escalate(f.audits.submitted));
  assert.match(refused.body, /Ask the QA team to raise an escalation/);
  // signed out: sent to sign in
  const visitor = new Agent(app);
  const out = await visitor.get(escalate(f.audits.allocated));
  assert.equal(out.statusCode, 302);
  assert.match(String(out.headers.location), /^\/sign-in/);
  // another council's audit, or an address that is not an audit's
  assert.equal((await agents.qaLead.get(escalate(elsewhere.auditId))).statusCode, 404);
  assert.equal((await agents.qaLead.get('/audits/nonsense/escalate')).statusCode, 404);
  assert.equal(await escalationCount(), before);
});

test('the escalations page: waiting for your response, raised by you, and for QA those not yet answered', async () => {
  const head = await agents.headOfService.get('/escalations');
  assert.equal(head.statusCode, 200);
  assert.equal(h1(head.body), 'Escalations');
  assert.match(head.body, /Waiting for your response/);
  const open = await t.db
    .selectFrom('escalations')
    .select('id')
    .where('audit_id', '=', f.audits.allocated)
    .executeTakeFirstOrThrow();
  assert.match(head.body, new RegExp(`href="/escalations/${open.id}"`));
  assert.doesNotMatch(head.body, /Not yet answered/);
  // the lists name no child
  assert.doesNotMatch(head.body, /F00C0|F08C0/);

  const auditor = await agents.auditor.get('/escalations');
  assert.match(auditor.body, /Raised by you/);
  assert.match(auditor.body, new RegExp(`href="/escalations/${open.id}"`));
  assert.match(auditor.body, /No escalations sent to you are waiting for a response/);

  const qa = await agents.qaLead.get('/escalations');
  assert.match(qa.body, /Not yet answered/);
  assert.match(qa.body, /working day/);
  assert.match(qa.body, /Hal Head/);

  for (const who of ['scrutiny', 'workforce', 'admin', 'practitioner'] as const) {
    assert.equal((await agents[who].get('/escalations')).statusCode, 403, who);
  }
});

test('an escalation’s page shows what was found to those it concerns, and logs the view', async () => {
  const e = await t.db
    .selectFrom('escalations')
    .select(['id', 'child_id'])
    .where('audit_id', '=', f.audits.allocated)
    .executeTakeFirstOrThrow();
  const res = await agents.headOfService.get(`/escalations/${e.id}`);
  assert.equal(res.statusCode, 200);
  assert.equal(h1(res.body), 'Immediate safety concern');
  assert.match(res.body, /The child told me that she is afraid to go home\./);
  assert.match(res.body, /F00C0/);
  assert.doesNotMatch(res.body.match(/<title>[^<]*<\/title>/)?.[0] ?? '', /F00C0/);
  assert.match(res.body, /Raised by/);
  assert.match(res.body, /Manager south/);
  assert.match(res.body, /Waiting for a response/);
  assert.match(res.body, /action="\/escalations\/[0-9a-f-]{36}\/response"/);
  const log = await t.db
    .selectFrom('access_log')
    .selectAll()
    .where('record_type', '=', 'escalation')
    .where('record_id', '=', e.id)
    .execute();
  assert.equal(log.length, 1);
  assert.equal(log[0].child_id, e.child_id);

  // the person who raised it sees it, but records no response
  const auditor = await agents.auditor.get(`/escalations/${e.id}`);
  assert.equal(auditor.statusCode, 200);
  assert.doesNotMatch(auditor.body, /\/response"/);
  assert.equal((await agents.qaLead.get(`/escalations/${e.id}`)).statusCode, 200);

  // in the council but not concerned; without the role; another council's; not an escalation
  assert.equal((await agents.headOfCare.get(`/escalations/${e.id}`)).statusCode, 403);
  assert.match((await agents.headOfCare.get(`/escalations/${e.id}`)).body, /people it was sent to/);
  assert.equal((await agents.otherManager.get(`/escalations/${e.id}`)).statusCode, 200, 'added to this one');
  for (const who of ['scrutiny', 'workforce', 'admin', 'practitioner'] as const) {
    assert.equal((await agents[who].get(`/escalations/${e.id}`)).statusCode, 403, who);
    const post = await agents[who].post(`/escalations/${e.id}/response`, { response: 'x' }, '/');
    assert.equal(post.statusCode, 403, `${who} POST`);
  }
  assert.equal((await agents.qaLead.get(`/escalations/${elsewhere.escalationId}`)).statusCode, 404);
  assert.equal((await agents.qaLead.get('/escalations/nonsense')).statusCode, 404);
  const visitor = new Agent(app);
  assert.match(String((await visitor.get(`/escalations/${e.id}`)).headers.location), /^\/sign-in/);
});

test('the home page tells the Head of Service and QA that escalations are waiting', async () => {
  const head = await agents.headOfService.get('/');
  assert.match(head.body, /govuk-notification-banner/);
  assert.match(
    head.body,
    /<a class="govuk-notification-banner__link" href="\/escalations">1 escalation is waiting for your response<\/a>/,
  );
  const qa = await agents.qaLead.get('/');
  assert.match(qa.body, /2 escalations have not been answered yet/);
  const care = await agents.headOfCare.get('/');
  assert.doesNotMatch(care.body, /waiting for your response/);
});

test('a response is recorded once by someone it was sent to; a second one is refused', async () => {
  const e = await t.db
    .selectFrom('escalations')
    .select('id')
    .where('audit_id', '=', f.audits.allocated)
    .executeTakeFirstOrThrow();
  const page = `/escalations/${e.id}`;
  // not sent to them
  const care = await agents.headOfCare.post(`${page}/response`, { response: 'Not mine' }, '/');
  assert.equal(care.statusCode, 403);
  // the person who raised it is not one it was sent to
  const raiser = await agents.auditor.post(`${page}/response`, { response: 'Mine' }, page);
  assert.equal(raiser.statusCode, 403);

  const empty = await agents.headOfService.post(`${page}/response`, { response: ' ' }, page);
  assert.equal(empty.statusCode, 400);
  assert.deepEqual(errorSummaryItems(empty.body), [{ href: '#response', text: 'Enter the response' }]);

  const done = await agents.headOfService.post(
    `${page}/response`,
    { response: 'Strategy discussion today. The child is with her aunt tonight.' },
    page,
  );
  assert.equal(done.statusCode, 302);
  assert.equal(done.headers.location, page);
  const after = await agents.headOfService.get(page);
  assert.match(after.body, /Your response has been recorded/);
  assert.match(after.body, /Strategy discussion today\. The child is with her aunt tonight\./);
  assert.match(after.body, /Answered/);
  assert.doesNotMatch(after.body, /\/response"/);

  const again = await agents.director.post(`${page}/response`, { response: 'Me too' }, page);
  assert.equal(again.statusCode, 400);
  assert.match(errorSummaryItems(again.body)[0].text, /already been answered by Hal Head/);
  const row = await t.db
    .selectFrom('escalations')
    .selectAll()
    .where('id', '=', e.id)
    .executeTakeFirstOrThrow();
  assert.equal(row.response, 'Strategy discussion today. The child is with her aunt tonight.');
  assert.equal(row.responded_by, f.people.headOfService.staffId);

  // answered, it no longer waits on the home page
  const head = await agents.headOfService.get('/');
  assert.doesNotMatch(head.body, /waiting for your response/);
});

test('the audit page’s panel shows each escalation with its kind, who it went to and its answer, and the button to raise one', async () => {
  const render = await createTestApp(t.db, { demo: false, ready: false });
  const { escalationPanel } = await import('../../../services/audits/escalations.ts');
  const { auditAccess } = await import('../../../services/audits/audit-access.ts');
  render.get('/panel-for-test', { config: { access: 'signedIn' } }, async (request, reply) => {
    const user = request.user;
    if (!user) return reply.callNotFound();
    const access = await auditAccess(t.db, user, f.audits.allocated);
    return reply.render('partials/audit/escalations.njk', {
      escalationPanel: await escalationPanel(t.db, access, user),
    });
  });
  try {
    const qa = await signedIn(render, f.people.qaLead);
    const html = (await qa.get('/panel-for-test')).body;
    assert.match(html, /<h2 class="govuk-heading-m" id="escalations-heading">Escalations<\/h2>/);
    assert.match(html, /govuk-tag--red[^>]*>\s*Immediate safety concern/);
    assert.match(html, /The child told me that she is afraid to go home\./);
    assert.match(html, /Hal Head, Head of Service, Safeguarding/);
    assert.match(html, /Answered/);
    assert.match(
      html,
      new RegExp(
        `href="/audits/${f.audits.allocated}/escalate"[^>]*govuk-button--secondary|govuk-button--secondary[^>]*href="/audits/${f.audits.allocated}/escalate"`,
      ),
    );

    // the case holder has nothing to see here and cannot raise one
    const practitioner = await signedIn(render, f.people.practitioner);
    assert.doesNotMatch((await practitioner.get('/panel-for-test')).body, /Escalations/);
  } finally {
    await render.close();
  }
});

test('an Assistant Director’s escalations page lists every open immediate safety concern in their services; a Head of another service’s does not', async () => {
  const PAGE = escalate(f.audits.allocated);
  const raised = await agents.auditor.post(
    PAGE,
    {
      kind: 'immediate',
      found: 'The baby was left with an unassessed adult',
      recipients: [f.people.manager.staffId],
    },
    PAGE,
  );
  assert.equal(raised.statusCode, 302);
  const row = await t.db
    .selectFrom('escalations')
    .select('id')
    .where('found', '=', 'The baby was left with an unassessed adult')
    .executeTakeFirstOrThrow();
  const link = new RegExp(`href="/escalations/${row.id}"`);

  const director = await agents.director.get('/escalations');
  assert.equal(director.statusCode, 200);
  assert.match(director.body, /Immediate safety concerns in your services/);
  assert.match(director.body, link);
  assert.doesNotMatch(
    director.body,
    /F00C0|unassessed adult/,
    'the list names no child and says nothing found',
  );
  const head = await agents.headOfService.get('/escalations');
  assert.match(head.body, /Immediate safety concerns in /);
  assert.match(head.body, link);
  const opened = await agents.director.get(`/escalations/${row.id}`);
  assert.equal(opened.statusCode, 200);
  assert.match(opened.body, /unassessed adult/);

  // others: a Head of another service, and people without the role
  const care = await agents.headOfCare.get('/escalations');
  assert.doesNotMatch(care.body, link);
  assert.equal((await agents.headOfCare.get(`/escalations/${row.id}`)).statusCode, 403);
  assert.doesNotMatch((await agents.otherManager.get('/escalations')).body, /Immediate safety concerns in/);
  assert.doesNotMatch((await agents.qaLead.get('/escalations')).body, /Immediate safety concerns in/);

  await agents.manager.post(
    `/escalations/${row.id}/response`,
    { response: 'Visited the same day' },
    `/escalations/${row.id}`,
  );
  assert.doesNotMatch((await agents.director.get('/escalations')).body, link);
});

test('the practitioner’s audit page says an immediate safety concern was raised, when and its status, without what it says', async () => {
  const PAGE = escalate(f.audits.submitted);
  const raised = await agents.qaLead.post(
    PAGE,
    {
      kind: 'immediate',
      found: 'Domestic abuse incident not followed up',
      recipients: [f.people.manager.staffId],
    },
    PAGE,
  );
  assert.equal(raised.statusCode, 302);
  const row = await t.db
    .selectFrom('escalations')
    .select('id')
    .where('found', '=', 'Domestic abuse incident not followed up')
    .executeTakeFirstOrThrow();

  const page = await agents.practitioner.get(`/audits/${f.audits.submitted}`);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /raised an immediate safety concern about this child/);
  assert.match(page.body, /govuk-tag--red[^>]*>\s*Immediate safety concern/);
  assert.match(page.body, /Waiting for a response/);
  assert.doesNotMatch(page.body, /Domestic abuse incident/);
  assert.doesNotMatch(page.body, new RegExp(`/escalations/${row.id}`));

  await agents.manager.post(
    `/escalations/${row.id}/response`,
    { response: 'Referred to MARAC' },
    `/escalations/${row.id}`,
  );
  const after = await agents.practitioner.get(`/audits/${f.audits.submitted}`);
  assert.match(after.body, /Answered/);
  assert.doesNotMatch(after.body, /MARAC|Domestic abuse incident/);
  assert.equal((await agents.practitioner.get(`/escalations/${row.id}`)).statusCode, 403);
  // another practitioner cannot open the audit at all
  assert.equal((await agents.otherPractitioner.get(`/audits/${f.audits.submitted}`)).statusCode, 403);
});

test('a response can set a follow-up date: a bad or past date is refused with nothing recorded, and the follow-up is recorded by those it concerns', async () => {
  const raised = await t.db
    .insertInto('escalations')
    .values({
      council_id: f.councilId,
      audit_id: f.audits.allocated,
      child_id: (
        await t.db
          .selectFrom('audits')
          .select('child_id')
          .where('id', '=', f.audits.allocated)
          .executeTakeFirstOrThrow()
      ).child_id,
      kind: 'drift_delay',
      found: 'No plan review for five months',
      raised_by: f.people.auditor.staffId,
      raised_before_submission: true,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto('escalation_recipients')
    .values(defaultIds().map((staffId) => ({ escalation_id: raised.id, staff_id: staffId, why: 'Test' })))
    .execute();
  const page = `/escalations/${raised.id}`;
  const row = () =>
    t.db.selectFrom('escalations').selectAll().where('id', '=', raised.id).executeTakeFirstOrThrow();
  const respond = (day: string, month: string, year: string) =>
    agents.manager.post(
      `${page}/response`,
      {
        response: 'Review booked',
        'followUpOn-day': day,
        'followUpOn-month': month,
        'followUpOn-year': year,
      },
      page,
    );

  const past = await respond('21', '11', '2026');
  assert.equal(past.statusCode, 400);
  assert.deepEqual(errorSummaryItems(past.body), [
    { href: '#followUpOn-day', text: 'The follow-up date must be today or in the future' },
  ]);
  assert.match(past.body, /Review booked/, 'what was typed is kept');
  assert.match(past.body, /value="21"/);
  const notADate = await respond('31', '11', '2026');
  assert.equal(notADate.statusCode, 400);
  assert.deepEqual(errorSummaryItems(notADate.body), [
    { href: '#followUpOn-day', text: 'The follow-up date must be a real date' },
  ]);
  assert.equal((await row()).responded_at, null, 'nothing is recorded');
  assert.equal((await row()).follow_up_on, null);

  const done = await respond('12', '12', '2026');
  assert.equal(done.statusCode, 302);
  assert.equal((await row()).follow_up_on, '2026-12-12');
  const shown = await agents.manager.get(page);
  assert.match(shown.body, /From 12 December 2026, the people it went to will be reminded/);
  assert.match(shown.body, /Follow-up due 12 December 2026/);
  assert.match(shown.body, /action="\/escalations\/[0-9a-f-]{36}\/follow-up"/);
  const list = await agents.manager.get('/escalations');
  assert.match(list.body, /Follow-up due 12 December 2026/);
  assert.match(list.body, /<h2[^>]*>Follow-ups to record<\/h2>/, 'listed apart from the answered ones');

  // only the people it was sent to and QA record the follow-up
  for (const who of ['headOfCare', 'auditor', 'practitioner', 'otherManager'] as const) {
    const refused = await agents[who].post(`${page}/follow-up`, { note: 'Checked' }, '/');
    assert.equal(refused.statusCode, 403, who);
  }
  const auditorPage = await agents.auditor.get(page);
  assert.doesNotMatch(auditorPage.body, /\/follow-up"/, 'the person who raised it has no form');
  const empty = await agents.qaLead.post(`${page}/follow-up`, { note: ' ' }, page);
  assert.equal(empty.statusCode, 400);
  assert.deepEqual(errorSummaryItems(empty.body), [
    { href: '#note', text: 'Enter what was found when it was followed up' },
  ]);
  assert.equal((await row()).follow_up_at, null);

  const followed = await agents.qaLead.post(`${page}/follow-up`, { note: 'Plan reviewed on time' }, page);
  assert.equal(followed.statusCode, 302);
  assert.equal(followed.headers.location, page);
  const after = await agents.qaLead.get(page);
  assert.match(after.body, /The follow-up has been recorded/);
  assert.match(after.body, /Plan reviewed on time/);
  assert.match(after.body, /Followed up/);
  assert.doesNotMatch(after.body, /Follow-up due/);
  assert.doesNotMatch(after.body, /\/follow-up"/);
  assert.doesNotMatch((await agents.manager.get('/escalations')).body, /Follow-ups to record/);
  const again = await agents.manager.post(`${page}/follow-up`, { note: 'Again' }, page);
  assert.equal(again.statusCode, 400);
  assert.match(errorSummaryItems(again.body)[0].text, /already been recorded by/);
});
