import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1, TEST_TODAY } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import type { Role } from '../../../domain/roles.ts';
import { outcomeEvidence } from '../../../metrics/plan-evidence.ts';
import { createCouncil } from '../../../services/organisation/councils.ts';

let t: TestDb;
let app: FastifyInstance;
let councilId: string;
const agents = new Map<Role, Agent>();
const as = (role: Role) => agents.get(role) as Agent;
let areaId: string;
let outcomeId: string;
let localities: { id: string; name: string }[];

const staffId = async (role: Role) =>
  (
    await t.db
      .selectFrom('staff')
      .select('id')
      .where('external_id', '=', `DEMO-${role}`)
      .executeTakeFirstOrThrow()
  ).id;

before(async () => {
  t = await createTestDb({ demo: true });
  councilId = (await t.db.selectFrom('councils').select('id').executeTakeFirstOrThrow()).id;
  // these tests start the plan themselves: any plan the demo council came with is set aside
  await t.db
    .updateTable('improvement_plans')
    .set({ status: 'archived' })
    .where('council_id', '=', councilId)
    .execute();
  localities = await t.db
    .selectFrom('localities')
    .select(['id', 'name'])
    .where('council_id', '=', councilId)
    .orderBy('name')
    .execute();
  // the demo's auditor also manages a team; here they are an auditor only
  await t.db
    .deleteFrom('staff_roles')
    .where('staff_id', '=', await staffId('auditor'))
    .where('role', '<>', 'auditor')
    .execute();
  app = await createTestApp(t.db);
  for (const role of [
    'qa_lead',
    'senior_leader',
    'case_manager',
    'workforce_development',
    'auditor',
    'practitioner',
  ] as const) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    agents.set(role, agent);
  }
});
after(async () => {
  await app.close();
  await t.close();
});

test('with no plan, the page says so; the QA lead is offered to start or import one', async () => {
  const page = await as('qa_lead').get('/plan');
  assert.equal(page.statusCode, 200);
  assert.equal(h1(page.body), 'Improvement plan');
  assert.match(page.body, /no improvement plan in QA Loop yet/);
  assert.match(page.body, /href="\/plan\/new"[^>]*>\s*Start a plan/);
  assert.match(page.body, /href="\/plan\/import"[^>]*>\s*Import your plan/);
  const senior = await as('senior_leader').get('/plan');
  assert.equal(senior.statusCode, 200);
  assert.doesNotMatch(senior.body, /href="\/plan\/new"/);
  assert.doesNotMatch(senior.body, /href="\/plan\/import"/);
});

test('auditors and practitioners cannot open the plan; only the QA lead starts and shapes it', async () => {
  for (const role of ['auditor', 'practitioner'] as const)
    assert.equal((await as(role).get('/plan')).statusCode, 403, role);
  for (const role of ['senior_leader', 'case_manager', 'workforce_development', 'auditor'] as const) {
    assert.equal((await as(role).get('/plan/new')).statusCode, 403, `${role} /plan/new`);
    assert.equal((await as(role).get('/plan/areas/new')).statusCode, 403, `${role} /plan/areas/new`);
    assert.equal((await as(role).get('/plan/outcomes/new')).statusCode, 403, `${role} /plan/outcomes/new`);
  }
  const refused = await as('senior_leader').post('/plan/new', { title: 'Not mine to start' }, '/plan');
  assert.equal(refused.statusCode, 403);
  assert.equal(
    await t.db
      .selectFrom('improvement_plans')
      .select('id')
      .where('council_id', '=', councilId)
      .where('status', '=', 'current')
      .executeTakeFirst(),
    undefined,
  );
});

test('the QA lead starts a plan, adds an area and an outcome; a mistake keeps what was typed', async () => {
  const qa = as('qa_lead');
  const empty = await qa.post('/plan/new', { title: '' }, '/plan/new');
  assert.equal(empty.statusCode, 400);
  assert.deepEqual(errorSummaryItems(empty.body), [{ text: 'Enter a title for the plan', href: '#title' }]);
  const started = await qa.post('/plan/new', { title: 'Improvement plan 2026 to 2027' }, '/plan/new');
  assert.equal(started.statusCode, 302);
  assert.equal(started.headers.location, '/plan/areas/new');
  // a second plan is refused: /plan/new says there is one
  const again = await qa.get('/plan/new');
  assert.equal(again.statusCode, 200);
  assert.match(
    again.body,
    /already has a plan: <a class="govuk-link" href="\/plan">Improvement plan 2026 to 2027<\/a>/,
  );
  assert.doesNotMatch(again.body, /action="\/plan\/new"/);

  const badArea = await qa.post(
    '/plan/areas/new',
    { number: '2', title: '', wantToSee: 'Plans are SMART\nChildren are seen alone', needsToChange: '' },
    '/plan/areas/new',
  );
  assert.equal(badArea.statusCode, 400);
  assert.deepEqual(
    errorSummaryItems(badArea.body).map((e) => e.href),
    ['#title'],
  );
  assert.match(badArea.body, /Plans are SMART\nChildren are seen alone<\/textarea>/);
  const area = await qa.post(
    '/plan/areas/new',
    {
      number: '2',
      title: 'Assessment teams',
      wantToSee: 'Plans are SMART\nChildren are seen alone',
      needsToChange: 'Contingency plans are not always in place',
    },
    '/plan/areas/new',
  );
  assert.equal(area.statusCode, 302);
  areaId = (
    await t.db
      .selectFrom('plan_areas')
      .select('id')
      .where('council_id', '=', councilId)
      .where('title', '=', 'Assessment teams')
      .executeTakeFirstOrThrow()
  ).id;

  const form = await qa.get(`/plan/outcomes/new?area=${areaId}`);
  assert.equal(form.statusCode, 200);
  assert.match(form.body, new RegExp(`<option value="${areaId}" selected>2 Assessment teams</option>`));
  const lead = await staffId('case_manager');
  const bad = await qa.post(
    '/plan/outcomes/new',
    {
      area: areaId,
      ref: '2.5',
      outcome: '',
      lead: 'Social Workers',
      leadStaffId: lead,
      'dueOn-day': '31',
      'dueOn-month': '2',
      'dueOn-year': '2027',
    },
    '/plan/outcomes/new',
  );
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(
    errorSummaryItems(bad.body).map((e) => e.href),
    ['#outcome', '#dueOn-day'],
  );
  assert.match(bad.body, /value="Social Workers"/);
  assert.match(bad.body, new RegExp(`<option value="${lead}" selected>`));

  const added = await qa.post(
    '/plan/outcomes/new',
    {
      area: areaId,
      ref: '2.5',
      outcome: 'Child-centred plans are SMART',
      lead: 'Social Workers',
      leadStaffId: lead,
      'dueOn-day': '31',
      'dueOn-month': '3',
      'dueOn-year': '2027',
    },
    '/plan/outcomes/new',
  );
  assert.equal(added.statusCode, 302);
  outcomeId = String(added.headers.location).split('/').pop() as string;

  const plan = await as('senior_leader').get('/plan');
  assert.equal(h1(plan.body), 'Improvement plan 2026 to 2027');
  assert.match(plan.body, /<h2[^>]*>2 Assessment teams<\/h2>/);
  assert.match(plan.body, /<li>Plans are SMART<\/li><li>Children are seen alone<\/li>/);
  assert.match(plan.body, /Child-centred plans are SMART/);
  assert.match(plan.body, /31 March 2027/);
  for (const l of localities)
    assert.match(plan.body, new RegExp(`<th scope="col" class="govuk-table__header">${l.name}</th>`));
  assert.match(plan.body, /<th scope="col" class="govuk-table__header">Overall<\/th>/);
  assert.equal([...plan.body.matchAll(/>\s*Not rated\s*</g)].length, localities.length + 1);
  assert.doesNotMatch(plan.body, /href="\/plan\/areas\/new"/, 'a senior leader is not offered changes');
});

test('who may change an outcome: the QA lead and its lead; other readers are refused', async () => {
  const ok = { locality: 'overall', rag: 'not_started', reason: '' };
  for (const role of ['senior_leader', 'workforce_development'] as const) {
    const agent = as(role);
    assert.equal((await agent.get(`/plan/outcomes/${outcomeId}`)).statusCode, 200, `${role} reads it`);
    assert.equal((await agent.get(`/plan/outcomes/${outcomeId}/edit`)).statusCode, 403, `${role} edit`);
    const page = `/plan/outcomes/${outcomeId}`;
    // the token comes from a page with a form; the outcome page has none for them
    const csrf = await agent.csrf('/account');
    assert.equal(
      (await agent.post(`${page}/rating`, { ...ok, _csrf: csrf }, page)).statusCode,
      403,
      `${role} rates`,
    );
    assert.equal(
      (
        await agent.post(
          `${page}/updates`,
          {
            'writtenOn-day': '1',
            'writtenOn-month': '11',
            'writtenOn-year': '2026',
            text: 'No',
            _csrf: csrf,
          },
          page,
        )
      ).statusCode,
      403,
      `${role} adds an update`,
    );
    assert.equal(
      (await agent.post(`${page}/edit`, { evidenceNotes: 'Not mine', _csrf: csrf }, page)).statusCode,
      403,
      `${role} changes the notes`,
    );
  }
  for (const role of ['auditor', 'practitioner'] as const)
    assert.equal((await as(role).get(`/plan/outcomes/${outcomeId}`)).statusCode, 403, role);
  assert.equal((await as('senior_leader').get(`/plan/areas/${areaId}/edit`)).statusCode, 403);
  assert.equal((await as('qa_lead').get(`/plan/areas/${areaId}/edit`)).statusCode, 200);

  // a case manager who is not the lead cannot rate
  await t.db.updateTable('plan_outcomes').set({ lead_staff_id: null }).where('id', '=', outcomeId).execute();
  const manager = as('case_manager');
  const notLead = await manager.get(`/plan/outcomes/${outcomeId}`);
  assert.doesNotMatch(notLead.body, /action="\/plan\/outcomes\/[^"]+\/rating"/);
  const csrf = await manager.csrf('/account');
  assert.equal(
    (await manager.post(`/plan/outcomes/${outcomeId}/rating`, { ...ok, _csrf: csrf }, '/plan')).statusCode,
    403,
  );
  // made the lead, they can
  await t.db
    .updateTable('plan_outcomes')
    .set({ lead_staff_id: await staffId('case_manager') })
    .where('id', '=', outcomeId)
    .execute();
  const asLead = await manager.get(`/plan/outcomes/${outcomeId}`);
  assert.match(asLead.body, /action="\/plan\/outcomes\/[^"]+\/rating"/);
  assert.doesNotMatch(asLead.body, /\/measures"/, 'the measures page is the QA lead’s');
  const rated = await manager.post(`/plan/outcomes/${outcomeId}/rating`, ok, `/plan/outcomes/${outcomeId}`);
  assert.equal(rated.statusCode, 302);
  const notes = await manager.post(
    `/plan/outcomes/${outcomeId}/edit`,
    { evidenceNotes: 'Monthly audits of plans', ref: 'X', outcome: 'Changed by the lead' },
    `/plan/outcomes/${outcomeId}/edit`,
  );
  assert.equal(notes.statusCode, 302);
  const saved = await t.db
    .selectFrom('plan_outcomes')
    .selectAll()
    .where('id', '=', outcomeId)
    .executeTakeFirstOrThrow();
  assert.equal(saved.evidence_notes, 'Monthly audits of plans');
  assert.equal(saved.ref, '2.5', 'the lead changes only the notes');
  const update = await manager.post(
    `/plan/outcomes/${outcomeId}/updates`,
    {
      'writtenOn-day': '20',
      'writtenOn-month': '11',
      'writtenOn-year': '2026',
      text: 'Plan template training held',
    },
    `/plan/outcomes/${outcomeId}`,
  );
  assert.equal(update.statusCode, 302);
  const page = await as('senior_leader').get(`/plan/outcomes/${outcomeId}`);
  assert.match(page.body, /Plan template training held/);
  assert.match(page.body, /20 November 2026/);
});

test('a rating that differs from the suggestion needs a reason; both are shown and the history kept', async () => {
  const qa = as('qa_lead');
  await t.db
    .insertInto('plan_measures')
    .values({
      council_id: councilId,
      outcome_id: outcomeId,
      kind: 'oversight',
      target: 0.999,
      better: 'higher',
      label: 'Oversight recorded',
    })
    .execute();
  const suggested = (await outcomeEvidence(t.db, councilId, [outcomeId], TEST_TODAY))
    .get(outcomeId)
    ?.suggestions.get('')?.rag;
  assert.ok(suggested && suggested !== 'too_few', `overall suggestion ${suggested}`);
  const other = suggested === 'green' ? 'red' : 'green';
  const label = (r: string) => r[0].toUpperCase() + r.slice(1);
  const page = `/plan/outcomes/${outcomeId}`;

  const shown = await qa.get(page);
  assert.match(shown.body, /Suggested from the evidence/);
  assert.match(shown.body, new RegExp(`govuk-tag--[a-z]+">\\s*${label(suggested)}\\s*</strong>`));

  const refused = await qa.post(`${page}/rating`, { locality: 'overall', rag: other, reason: '' }, page);
  assert.equal(refused.statusCode, 400);
  assert.deepEqual(errorSummaryItems(refused.body), [
    {
      text: `The evidence suggests ${label(suggested)}: give a reason for rating it ${label(other)}`,
      href: '#reason',
    },
  ]);
  assert.match(refused.body, new RegExp(`name="rag" type="radio" value="${other}" checked`));

  const set = await qa.post(
    `${page}/rating`,
    { locality: 'overall', rag: other, reason: 'Audited before the new template' },
    page,
  );
  assert.equal(set.statusCode, 302);
  const after = await qa.get(page);
  assert.match(after.body, /Audited before the new template/);
  assert.match(after.body, /Differs from the rating/);
  // the history: not started by the lead, then the QA lead's rating with the suggestion then
  const history = after.body.slice(after.body.indexOf('id="history"'));
  assert.match(
    history,
    new RegExp(
      `Not started[\\s\\S]*?${label(other)}[\\s\\S]*?${label(suggested)}[\\s\\S]*?Audited before the new template`,
    ),
  );
  assert.equal(
    Number(
      (
        await t.db
          .selectFrom('plan_ratings')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('outcome_id', '=', outcomeId)
          .executeTakeFirstOrThrow()
      ).n,
    ),
    2,
  );
  const plan = await qa.get('/plan');
  assert.match(
    plan.body,
    new RegExp(
      `${label(other)}\\s*</strong>\\s*<br><span class="govuk-body-s">Suggested: ${label(suggested)}`,
    ),
  );
});

test('another council’s outcome and area are not found', async () => {
  const other = (await createCouncil(t.db, { code: 'elsewhere', name: 'Another Council' })).id;
  const theirs = await t.db
    .insertInto('improvement_plans')
    .values({ council_id: other, title: 'Theirs' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const area = await t.db
    .insertInto('plan_areas')
    .values({ council_id: other, plan_id: theirs.id, title: 'Their area' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const outcome = await t.db
    .insertInto('plan_outcomes')
    .values({ council_id: other, plan_id: theirs.id, area_id: area.id, ref: '1.1', outcome: 'Theirs' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const qa = as('qa_lead');
  assert.equal((await qa.get(`/plan/outcomes/${outcome.id}`)).statusCode, 404);
  assert.equal((await qa.get(`/plan/outcomes/${outcome.id}/edit`)).statusCode, 404);
  assert.equal((await qa.get(`/plan/areas/${area.id}/edit`)).statusCode, 404);
  const rated = await qa.post(
    `/plan/outcomes/${outcome.id}/rating`,
    { locality: 'overall', rag: 'red' },
    '/plan',
  );
  assert.equal(rated.statusCode, 404);
  assert.equal((await qa.get('/plan/outcomes/not-an-id')).statusCode, 404);
});
