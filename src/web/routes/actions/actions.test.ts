import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import {
  type Agent,
  createTestApp,
  errorSummaryItems,
  h1,
  Agent as PlainAgent,
} from '../../../../test/helpers/app.ts';
import {
  type AuditFixture,
  buildAuditFixture,
  type FixturePerson,
  signedIn,
} from '../../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { buildSamplingFixture } from '../../../../test/helpers/sampling.ts';
import { scheduleReaudit } from '../../../services/audits/reaudits.ts';

let t: TestDb;
let app: FastifyInstance;
let f: AuditFixture;
/** an overdue action owned by the practitioner, on the fixture's submitted audit */
let overdueAction: string;
const agents = new Map<FixturePerson, Agent>();

async function as(person: FixturePerson): Promise<Agent> {
  let agent = agents.get(person);
  if (!agent) {
    agent = await signedIn(app, person);
    agents.set(person, agent);
  }
  return agent;
}

/** The text of a table's rows, tags removed and white space tidied. */
function rows(html: string, id: string): string[] {
  const table = html.match(new RegExp(`<table[^>]*id="${id}"[\\s\\S]*?</table>`))?.[0] ?? '';
  return [...table.matchAll(/<tbody[\s\S]*?<\/tbody>/g)]
    .flatMap((b) => [...b[0].matchAll(/<tr[\s\S]*?<\/tr>/g)])
    .map((r) =>
      r[0]
        .replace(/<span class="govuk-visually-hidden">[^<]*<\/span>/g, '')
        .replace(/<[^>]+>/g, ' ')
        .replace(/&#39;|&rsquo;/g, '’')
        .replace(/\s+/g, ' ')
        .trim(),
    );
}

const actionRow = (id: string) =>
  t.db
    .selectFrom('audit_actions')
    .select(['status', 'done_on', 'done_by', 'done_note'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

const views = (route: string) =>
  t.db
    .selectFrom('access_log')
    .select(['record_type', 'record_id', 'child_id', 'staff_id'])
    .where('route', '=', route)
    .execute();

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db, 'aweb');
  overdueAction = (
    await t.db
      .insertInto('audit_actions')
      .values({
        council_id: f.councilId,
        audit_id: f.audits.submitted,
        section_key: 'voice_and_lived_experience',
        text: 'Visit the child at school and record their wishes',
        owner_id: f.practitioners.north,
        due_on: '2026-11-18',
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  app = await createTestApp(t.db, { demo: false });
});
after(async () => {
  await app.close();
  await t.close();
});

test('the actions page: your own actions, and the overdue actions you oversee, each logged', async () => {
  const manager = await (await as(f.people.manager)).get('/actions');
  assert.equal(manager.statusCode, 200);
  assert.equal(h1(manager.body), 'Actions');
  assert.deepEqual(rows(manager.body, 'your-actions-table'), [
    'Review the plan with the family and make it SMART The plan: SMART and matching the assessment F08C0 Audit graded inadequate 4 December 2026 Open Mark as done',
  ]);
  assert.deepEqual(rows(manager.body, 'overdue-actions-table'), [
    'Visit the child at school and record their wishes Voice, wishes and lived experience of the child F08C0 Audit graded inadequate Worker north 18 November 2026 4 days overdue Mark as done',
  ]);
  assert.match(manager.body, new RegExp(`href="/actions/${overdueAction}/done"`));
  assert.match(manager.body, /Overdue actions from your team’s audits \(North CP\)/);

  const practitioner = await (await as(f.people.practitioner)).get('/actions');
  assert.deepEqual(rows(practitioner.body, 'your-actions-table'), [
    'Visit the child at school and record their wishes Voice, wishes and lived experience of the child F08C0 Audit graded inadequate 18 November 2026 Overdue by 4 days Mark as done',
  ]);
  assert.doesNotMatch(practitioner.body, /Overdue actions/);

  const qa = await (await as(f.people.qaLead)).get('/actions');
  assert.match(qa.body, /You do not own any actions from audits/);
  assert.equal(rows(qa.body, 'overdue-actions-table').length, 1);
  assert.match(qa.body, /Every overdue action in the council/);

  const head = await (await as(f.people.headOfCare)).get('/actions');
  assert.match(head.body, /No actions are overdue/, 'another service area’s Head of Service sees none');
  assert.doesNotMatch(head.body, /F08C0/);

  const logged = await views('/actions');
  assert.ok(
    logged.some((v) => v.staff_id === f.managers.north && v.child_id === f.children.submitted),
    'the manager’s view of the child’s actions is logged',
  );
  assert.ok(logged.some((v) => v.staff_id === f.people.headOfCare.staffId && v.child_id === null));
});

test('people without the actions page, and people signed out, cannot open it', async () => {
  for (const person of [f.people.scrutiny, f.people.workforce, f.people.admin]) {
    const res = await (await as(person)).get('/actions');
    assert.equal(res.statusCode, 403, person.email);
    assert.match(res.body, /You cannot do this/);
  }
  const signedOut = await new PlainAgent(app).get('/actions');
  assert.equal(signedOut.statusCode, 302);
  assert.equal(signedOut.headers.location, '/sign-in?returnTo=%2Factions');
});

test('marking an action done: refused for anyone but the owner, the case’s manager and QA', async () => {
  const page = `/actions/${f.actions.open}/done`;
  for (const person of [
    f.people.practitioner,
    f.people.otherManager,
    f.people.headOfService,
    f.people.auditor,
  ]) {
    const agent = await as(person);
    assert.equal((await agent.get(page)).statusCode, 403, `${person.email} GET`);
    const post = await agent.post(
      page,
      { 'doneOn-day': '20', 'doneOn-month': '11', 'doneOn-year': '2026' },
      '/actions',
    );
    assert.equal(post.statusCode, 403, `${person.email} POST`);
  }
  for (const person of [f.people.scrutiny, f.people.workforce, f.people.admin]) {
    const agent = await as(person);
    assert.equal((await agent.get(page)).statusCode, 403, `${person.email} GET`);
    assert.equal((await agent.post(page, {}, '/')).statusCode, 403, `${person.email} POST`);
  }
  assert.equal((await actionRow(f.actions.open)).status, 'open');
  const manager = await as(f.people.manager);
  assert.equal((await manager.get('/actions/not-an-id/done')).statusCode, 404);
  assert.equal((await manager.get(`/actions/${crypto.randomUUID()}/done`)).statusCode, 404);
});

test('marking an action done: a bad date is refused clearly and changes nothing', async () => {
  const manager = await as(f.people.manager);
  const page = `/actions/${f.actions.open}/done`;
  const form = await manager.get(page);
  assert.equal(form.statusCode, 200);
  assert.equal(h1(form.body), 'Mark the action as done');
  // today's date is filled in
  assert.match(form.body, /name="doneOn-day"[^>]*value="22"/);
  assert.match(form.body, /name="doneOn-year"[^>]*value="2026"/);

  const future = await manager.post(
    page,
    { 'doneOn-day': '23', 'doneOn-month': '11', 'doneOn-year': '2026', note: 'Typed note' },
    page,
  );
  assert.equal(future.statusCode, 400);
  assert.deepEqual(errorSummaryItems(future.body), [
    { href: '#doneOn-day', text: 'The date it was done must be today or in the past' },
  ]);
  assert.match(future.body, /Typed note/, 'what was typed is kept');
  const notADate = await manager.post(
    page,
    { 'doneOn-day': '31', 'doneOn-month': 'June', 'doneOn-year': '2026' },
    page,
  );
  assert.equal(notADate.statusCode, 400);
  assert.deepEqual(errorSummaryItems(notADate.body), [
    { href: '#doneOn-day', text: 'The date it was done must be a real date' },
  ]);
  const long = await manager.post(page, { note: 'x'.repeat(2001) }, page);
  assert.deepEqual(errorSummaryItems(long.body), [
    { href: '#note', text: 'The note must be 2000 characters or fewer' },
  ]);
  assert.deepEqual(await actionRow(f.actions.open), {
    status: 'open',
    done_on: null,
    done_by: null,
    done_note: null,
  });
  const logged = await views('/actions/:actionId/done');
  assert.ok(logged.every((v) => v.record_id === f.actions.open && v.child_id === f.children.submitted));
});

test('the case’s manager marks an action done; it stays listed as done; a second time is refused', async () => {
  const manager = await as(f.people.manager);
  const page = `/actions/${f.actions.open}/done`;
  const done = await manager.post(
    page,
    {
      'doneOn-day': '20',
      'doneOn-month': '11',
      'doneOn-year': '2026',
      note: 'Plan reviewed with the family',
    },
    page,
  );
  assert.equal(done.statusCode, 302);
  assert.equal(done.headers.location, '/actions');
  assert.deepEqual(await actionRow(f.actions.open), {
    status: 'done',
    done_on: '2026-11-20',
    done_by: f.managers.north,
    done_note: 'Plan reviewed with the family',
  });
  const list = await manager.get('/actions');
  assert.match(list.body, /The action has been marked as done on 20 November 2026/);
  assert.deepEqual(rows(list.body, 'your-actions-table'), [
    'Review the plan with the family and make it SMART The plan: SMART and matching the assessment F08C0 Audit graded inadequate 4 December 2026 Done on 20 November 2026',
  ]);

  const again = await manager.post(page, {}, '/actions');
  assert.equal(again.statusCode, 409);
  assert.deepEqual(errorSummaryItems(again.body), [
    {
      href: '#action-status',
      text: 'This action has already been marked as done on 20 November 2026 by Manager north',
    },
  ]);
  assert.match(again.body, /id="action-status"/);
  assert.equal((await actionRow(f.actions.open)).done_on, '2026-11-20');
  // the page of a done action says so, with no form
  const view = await manager.get(page);
  assert.equal(h1(view.body), 'This action is done');
  assert.doesNotMatch(view.body, /name="doneOn-day"/);
});

test('the owner and QA mark actions done too, and from the audit page go back to it', async () => {
  const practitioner = await as(f.people.practitioner);
  const page = `/actions/${overdueAction}/done?from=audit`;
  const form = await practitioner.get(page);
  assert.match(form.body, new RegExp(`href="/audits/${f.audits.submitted}"[^>]*>Back to the audit`));
  const res = await practitioner.post(`/actions/${overdueAction}/done`, { from: 'audit', note: '' }, page);
  assert.equal(res.statusCode, 302);
  assert.equal(res.headers.location, `/audits/${f.audits.submitted}`);
  assert.deepEqual(await actionRow(overdueAction), {
    status: 'done',
    done_on: '2026-11-22',
    done_by: f.practitioners.north,
    done_note: null,
  });

  const qaAction = await t.db
    .insertInto('audit_actions')
    .values({
      council_id: f.councilId,
      audit_id: f.audits.submitted,
      text: 'Share the plan with the school',
      owner_id: f.practitioners.north,
      due_on: '2026-12-18',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const qa = await as(f.people.qaLead);
  const qaPage = `/actions/${qaAction.id}/done`;
  const byQa = await qa.post(
    qaPage,
    { 'doneOn-day': '21', 'doneOn-month': '11', 'doneOn-year': '2026' },
    qaPage,
  );
  assert.equal(byQa.statusCode, 302);
  assert.equal((await actionRow(qaAction.id)).done_by, f.qaLead);
});

test('management oversight: only the case’s manager, only on a submitted audit, and never blank', async () => {
  const page = `/audits/${f.audits.submitted}/oversight`;
  for (const person of [
    f.people.practitioner,
    f.people.otherManager,
    f.people.qaLead,
    f.people.headOfService,
    f.people.auditor,
  ]) {
    const agent = await as(person);
    assert.equal((await agent.get(page)).statusCode, 403, `${person.email} GET`);
    assert.equal(
      (await agent.post(page, { note: 'Seen' }, '/actions')).statusCode,
      403,
      `${person.email} POST`,
    );
  }
  for (const person of [f.people.scrutiny, f.people.workforce, f.people.admin]) {
    const agent = await as(person);
    assert.equal((await agent.get(page)).statusCode, 403, `${person.email} GET`);
    assert.equal((await agent.post(page, { note: 'Seen' }, '/')).statusCode, 403, `${person.email} POST`);
  }
  const manager = await as(f.people.manager);
  // the audit still being done: not yet
  assert.equal((await manager.get(`/audits/${f.audits.allocated}/oversight`)).statusCode, 403);
  assert.equal((await manager.get(`/audits/${crypto.randomUUID()}/oversight`)).statusCode, 404);

  const form = await manager.get(page);
  assert.equal(form.statusCode, 200);
  assert.equal(h1(form.body), 'Record management oversight');
  assert.match(form.body, /Audit of F08C0, November 2026 cycle/);
  assert.match(form.body, /<label[^>]*for="note"[^>]*>\s*Management oversight\s*<\/label>/);

  const blank = await manager.post(page, { note: '   ' }, page);
  assert.equal(blank.statusCode, 400);
  assert.deepEqual(errorSummaryItems(blank.body), [
    { href: '#note', text: 'Enter the management oversight' },
  ]);
  const long = await manager.post(page, { note: 'y'.repeat(5001) }, page);
  assert.deepEqual(errorSummaryItems(long.body), [
    { href: '#note', text: 'Management oversight must be 5,000 characters or fewer' },
  ]);
  const none = await t.db
    .selectFrom('audit_oversight')
    .select('id')
    .where('audit_id', '=', f.audits.submitted)
    .execute();
  assert.equal(none.length, 0);

  const saved = await manager.post(
    page,
    { note: 'Discussed in supervision; plan to be reviewed at core group.' },
    page,
  );
  assert.equal(saved.statusCode, 302);
  assert.equal(saved.headers.location, `/audits/${f.audits.submitted}`);
  const entries = await t.db
    .selectFrom('audit_oversight')
    .select(['manager_id', 'note'])
    .where('audit_id', '=', f.audits.submitted)
    .execute();
  assert.deepEqual(entries, [
    { manager_id: f.managers.north, note: 'Discussed in supervision; plan to be reviewed at core group.' },
  ]);
  const auditPage = await manager.get(`/audits/${f.audits.submitted}`);
  assert.match(auditPage.body, /Management oversight has been recorded/);
  assert.match(auditPage.body, /Discussed in supervision; plan to be reviewed at core group\./);
  const logged = await views('/audits/:auditId/oversight');
  assert.ok(logged.length >= 1 && logged.every((v) => v.child_id === f.children.submitted));
});

test('the audit page shows the actions, management oversight and the re-audit', async () => {
  await scheduleReaudit(t.db, f.councilId, f.audits.submitted);
  const manager = await (await as(f.people.manager)).get(`/audits/${f.audits.submitted}`);
  assert.equal(manager.statusCode, 200);
  assert.match(manager.body, /<h2[^>]*>Actions<\/h2>/);
  const actions = rows(manager.body, 'audit-actions');
  assert.ok(
    actions.includes(
      'Review the plan with the family and make it SMART The plan: SMART and matching the assessment Plan reviewed with the family Manager north 4 December 2026 Done on 20 November 2026',
    ),
    actions.join('\n'),
  );
  assert.ok(
    actions.some(
      (r) => r.startsWith('Share the plan with the school') && r.endsWith('Done on 21 November 2026'),
    ),
  );
  assert.match(manager.body, /<h2[^>]*>Management oversight<\/h2>/);
  assert.match(manager.body, /Discussed in supervision; plan to be reviewed at core group\./);
  assert.match(
    manager.body,
    new RegExp(`href="/audits/${f.audits.submitted}/oversight"[^>]*>\\s*Record management oversight`),
  );
  assert.match(manager.body, /A re-audit is due in February 2027\./);

  const practitioner = await (await as(f.people.practitioner)).get(`/audits/${f.audits.submitted}`);
  assert.doesNotMatch(practitioner.body, /Record management oversight/);
  const qa = await (await as(f.people.qaLead)).get(`/audits/${f.audits.submitted}`);
  const reaudit = await t.db
    .selectFrom('audits')
    .select('id')
    .where('reaudit_of_id', '=', f.audits.submitted)
    .executeTakeFirstOrThrow();
  assert.match(qa.body, new RegExp(`href="/audits/${reaudit.id}/allocation"[^>]*>Allocate the re-audit`));
});

test('the programme month lists its re-audits for QA to allocate, making any now due', async () => {
  const feb = await t.db
    .selectFrom('programme_months')
    .select('id')
    .where('council_id', '=', f.councilId)
    .where('month', '=', '2027-02-01')
    .executeTakeFirstOrThrow();
  const mar = await t.db
    .selectFrom('programme_months')
    .select('id')
    .where('council_id', '=', f.councilId)
    .where('month', '=', '2027-03-01')
    .executeTakeFirstOrThrow();
  const reaudit = await t.db
    .selectFrom('audits')
    .select('id')
    .where('reaudit_of_id', '=', f.audits.submitted)
    .executeTakeFirstOrThrow();
  const qa = await as(f.people.qaLead);
  const page = await qa.get(`/programme/months/${feb.id}`);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /Re-audits due this cycle/);
  assert.match(page.body, /F08C0/);
  assert.match(page.body, new RegExp(`href="/audits/${reaudit.id}/allocation"`));
  const logged = await views('/programme/months/:monthId');
  assert.ok(logged.some((v) => v.record_id === reaudit.id && v.child_id === f.children.submitted));

  // a practitioner reads the programme but not which children are re-audited
  const practitioner = await (await as(f.people.practitioner)).get(`/programme/months/${feb.id}`);
  assert.equal(practitioner.statusCode, 200);
  assert.doesNotMatch(practitioner.body, /Re-audits due this cycle|F08C0/);

  // an audit whose re-audit was due before its month was planned is added when the month is opened
  const child = await t.db
    .selectFrom('children')
    .select('id')
    .where('council_id', '=', f.councilId)
    .where('external_id', '=', 'F12C0')
    .executeTakeFirstOrThrow();
  const waiting = await t.db
    .insertInto('audits')
    .values({
      council_id: f.councilId,
      month_id: f.monthId,
      child_id: child.id,
      kind: 'full_audit',
      tool_id: f.tools.fourPoint,
      team_id: f.teams.north,
      auditor_id: f.managers.south,
      status: 'submitted',
      overall_grade: 'inadequate',
      reaudit_due_month: '2027-03-01',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const march = await qa.get(`/programme/months/${mar.id}`);
  assert.match(march.body, /Re-audits due this cycle/);
  assert.match(march.body, /F12C0/);
  const made = await t.db
    .selectFrom('audits')
    .select(['month_id', 'status'])
    .where('reaudit_of_id', '=', waiting.id)
    .execute();
  assert.deepEqual(made, [{ month_id: mar.id, status: 'unallocated' }]);
  await qa.get(`/programme/months/${mar.id}`);
  assert.equal(
    (await t.db.selectFrom('audits').select('id').where('reaudit_of_id', '=', waiting.id).execute()).length,
    1,
  );
});

test('council settings: re-audits and the Assistant Director for escalations, validated, QA lead only', async () => {
  const qa = await as(f.people.qaLead);
  const settings = await qa.get('/settings/calendar');
  assert.match(settings.body, /<h2[^>]*>Re-audits<\/h2>/);
  assert.match(settings.body, /<h2[^>]*>Escalations<\/h2>/);
  assert.match(settings.body, /name="reauditMonths"[^>]*value="3"/);
  assert.match(settings.body, /<option value="" selected>Find by job title<\/option>/);
  assert.match(settings.body, /Ada Director, Assistant Director, Quality and Practice/);

  const saved = () =>
    t.db
      .selectFrom('council_settings')
      .select(['reaudit_months', 'reaudit_requires_improvement', 'escalation_director_id'])
      .where('council_id', '=', f.councilId)
      .executeTakeFirst();
  const wrong = await qa.post('/settings/reaudits', { reauditMonths: '13' }, '/settings/calendar');
  assert.equal(wrong.statusCode, 400);
  assert.deepEqual(errorSummaryItems(wrong.body), [
    { href: '#reauditMonths', text: 'Enter the number of months until a re-audit, from 1 to 12' },
    {
      href: '#reauditRequiresImprovement',
      text: 'Choose whether audits graded requires improvement are re-audited too',
    },
  ]);
  assert.match(wrong.body, /name="reauditMonths"[^>]*value="13"/);
  assert.equal((await saved())?.reaudit_months ?? 3, 3);

  const ok = await qa.post(
    '/settings/reaudits',
    { reauditMonths: '6', reauditRequiresImprovement: 'yes' },
    '/settings/calendar',
  );
  assert.equal(ok.statusCode, 302);
  assert.deepEqual(await saved(), {
    reaudit_months: 6,
    reaudit_requires_improvement: true,
    escalation_director_id: null,
  });
  const after = await qa.get('/settings/calendar');
  assert.match(after.body, /Re-audit settings have been saved/);
  assert.match(after.body, /value="yes" checked/);

  const notALeader = await qa.post(
    '/settings/escalations',
    { escalationDirectorId: f.people.practitioner.staffId },
    '/settings/calendar',
  );
  assert.equal(notALeader.statusCode, 400);
  assert.deepEqual(errorSummaryItems(notALeader.body), [
    {
      href: '#escalationDirectorId',
      text: 'Choose an active Head of Service or Assistant Director from the list',
    },
  ]);
  assert.equal((await saved())?.escalation_director_id, null);
  const chosen = await qa.post(
    '/settings/escalations',
    { escalationDirectorId: f.people.director.staffId },
    '/settings/calendar',
  );
  assert.equal(chosen.statusCode, 302);
  assert.equal((await saved())?.escalation_director_id, f.people.director.staffId);
  const shown = await qa.get('/settings/calendar');
  assert.match(shown.body, /Ada Director will receive every escalation/);
  assert.match(shown.body, new RegExp(`<option value="${f.people.director.staffId}" selected>`));

  // back to the defaults for the other tests
  await qa.post(
    '/settings/reaudits',
    { reauditMonths: '3', reauditRequiresImprovement: 'no' },
    '/settings/calendar',
  );

  const manager = await as(f.people.manager);
  assert.equal(
    (await manager.post('/settings/reaudits', { reauditMonths: '1', reauditRequiresImprovement: 'no' }, '/'))
      .statusCode,
    403,
  );
  assert.equal(
    (await manager.post('/settings/escalations', { escalationDirectorId: '' }, '/')).statusCode,
    403,
  );
  assert.equal((await saved())?.reaudit_months, 3);
});

test('another council’s actions and audits cannot be opened or changed', async () => {
  const other = await buildSamplingFixture(t.db, 'aoth');
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
      team_id: other.teams.north,
      practitioner_manager_id: other.managers.north,
      auditor_id: other.managers.south,
      status: 'submitted',
      overall_grade: 'inadequate',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const action = await t.db
    .insertInto('audit_actions')
    .values({
      council_id: other.councilId,
      audit_id: audit.id,
      text: 'Elsewhere',
      owner_id: other.managers.north,
      due_on: '2026-11-01',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const qa = await as(f.people.qaLead);
  assert.equal((await qa.get(`/actions/${action.id}/done`)).statusCode, 404);
  assert.equal((await qa.post(`/actions/${action.id}/done`, {}, '/actions')).statusCode, 404);
  assert.doesNotMatch((await qa.get('/actions')).body, /Elsewhere/);
  const manager = await as(f.people.manager);
  assert.equal((await manager.get(`/audits/${audit.id}/oversight`)).statusCode, 404);
  assert.equal(
    (await manager.post(`/audits/${audit.id}/oversight`, { note: 'x' }, '/actions')).statusCode,
    404,
  );
  assert.equal((await actionRow(action.id)).status, 'open');
  const notes = await t.db
    .selectFrom('audit_oversight')
    .select('id')
    .where('audit_id', '=', audit.id)
    .execute();
  assert.equal(notes.length, 0);
});
