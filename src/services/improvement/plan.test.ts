import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TEST_TODAY } from '../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import type { Role } from '../../domain/roles.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';
import { outcomeEvidence } from '../../metrics/plan-evidence.ts';
import { createCouncil } from '../organisation/councils.ts';
import {
  addUpdate,
  canEditOutcome,
  createArea,
  createOutcome,
  createPlan,
  currentPlan,
  leadChoices,
  listLines,
  OVERALL,
  outcomePage,
  PlanAccessError,
  type PlanPerson,
  planOverview,
  setRating,
  updateArea,
  updateOutcome,
} from './plan.ts';

let t: TestDb;
let councilId: string;
let qa: PlanPerson;
let manager: PlanPerson;
let senior: PlanPerson;
let practitionerId: string;
let localities: { id: string; name: string }[];

async function person(role: Role): Promise<PlanPerson> {
  const staff = await t.db
    .selectFrom('staff')
    .select('id')
    .where('external_id', '=', `DEMO-${role}`)
    .executeTakeFirstOrThrow();
  const roles = await t.db
    .selectFrom('staff_roles')
    .select('role')
    .where('staff_id', '=', staff.id)
    .execute();
  return { staffId: staff.id, roles: roles.map((r) => r.role) };
}

const fieldsOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    if (err instanceof ValidationError) return err.errors.map((e) => e.field);
    throw err;
  }
  assert.fail('expected field errors');
};

const count = async (table: 'plan_outcomes' | 'plan_ratings' | 'plan_updates') =>
  Number(
    (
      await t.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('council_id', '=', councilId)
        .executeTakeFirstOrThrow()
    ).n,
  );

before(async () => {
  t = await createTestDb({ demo: true });
  councilId = (await t.db.selectFrom('councils').select('id').executeTakeFirstOrThrow()).id;
  // each test here starts its own plan: any the demo council came with is set aside
  await t.db
    .updateTable('improvement_plans')
    .set({ status: 'archived' })
    .where('council_id', '=', councilId)
    .execute();
  qa = await person('qa_lead');
  manager = await person('case_manager');
  senior = await person('senior_leader');
  practitionerId = (await person('practitioner')).staffId;
  localities = await t.db
    .selectFrom('localities')
    .select(['id', 'name'])
    .where('council_id', '=', councilId)
    .orderBy('name')
    .execute();
});
after(async () => {
  await t.close();
});

let areaId: string;
let outcomeId: string;

test('a list typed one item a line keeps its items, without blank lines or stray spaces', () => {
  assert.deepEqual(listLines('  Children are seen alone \r\n\r\nPlans are SMART\n  '), [
    'Children are seen alone',
    'Plans are SMART',
  ]);
  assert.deepEqual(listLines(''), []);
});

test('only the QA lead starts a plan, with a title; a council has one current plan', async () => {
  await assert.rejects(createPlan(t.db, councilId, senior, { title: 'Ours' }), PlanAccessError);
  assert.deepEqual(await fieldsOf(createPlan(t.db, councilId, qa, { title: '  ' })), ['title']);
  assert.equal(await currentPlan(t.db, councilId), undefined);
  const id = await createPlan(t.db, councilId, qa, { title: 'Improvement plan 2026 to 2027' });
  const plan = await currentPlan(t.db, councilId);
  assert.equal(plan?.id, id);
  assert.equal(plan?.title, 'Improvement plan 2026 to 2027');
  assert.equal(plan?.created_by, qa.staffId);
  const errors = await fieldsOf(createPlan(t.db, councilId, qa, { title: 'A second plan' }));
  assert.deepEqual(errors, ['title']);
});

test('areas keep their two lists and come in the order the QA lead gives', async () => {
  await assert.rejects(createArea(t.db, councilId, manager, { title: 'Assessment' }), PlanAccessError);
  const assessment = await createArea(t.db, councilId, qa, {
    number: '2',
    title: 'Assessment teams',
    wantToSee: 'Assessments are timely\r\n\r\nChildren are seen and seen alone\n',
    needsToChange: 'Plans include too many actions',
  });
  const firstResponse = await createArea(t.db, councilId, qa, {
    number: '1',
    title: 'First Response',
    position: '1',
  });
  areaId = assessment;
  let overview = await planOverview(t.db, councilId);
  assert.deepEqual(
    overview.areas.map((a) => a.title),
    ['First Response', 'Assessment teams'],
  );
  assert.deepEqual(overview.areas[1].wantToSeeItems, [
    'Assessments are timely',
    'Children are seen and seen alone',
  ]);
  assert.deepEqual(overview.areas[1].needsToChangeItems, ['Plans include too many actions']);

  // moved to last, then a place outside the plan is refused and nothing moves
  await updateArea(t.db, councilId, qa, firstResponse, {
    number: '1',
    title: 'First Response (MASH)',
    position: '2',
  });
  assert.deepEqual(await fieldsOf(createArea(t.db, councilId, qa, { title: '', position: '9' })), [
    'title',
    'position',
  ]);
  overview = await planOverview(t.db, councilId);
  assert.deepEqual(
    overview.areas.map((a) => a.title),
    ['Assessment teams', 'First Response (MASH)'],
  );
});

test('an outcome has its own reference in the plan, a real due date and a lead who can read the plan', async () => {
  const before = await count('plan_outcomes');
  const errors = await fieldsOf(
    createOutcome(t.db, councilId, qa, {
      area: areaId,
      ref: '',
      outcome: '',
      leadStaffId: practitionerId,
      'dueOn-day': '31',
      'dueOn-month': '2',
      'dueOn-year': '2027',
    }),
  );
  assert.deepEqual(errors, ['ref', 'outcome', 'leadStaffId', 'dueOn-day']);
  assert.equal(await count('plan_outcomes'), before, 'nothing written');
  assert.ok(!(await leadChoices(t.db, councilId)).some((c) => c.id === practitionerId));
  assert.ok((await leadChoices(t.db, councilId)).some((c) => c.id === manager.staffId));

  outcomeId = await createOutcome(t.db, councilId, qa, {
    area: areaId,
    ref: '2.5',
    outcome: 'Child-centred plans are SMART and reviewed to avoid drift and delay',
    lead: 'Social Workers',
    leadStaffId: manager.staffId,
    'dueOn-day': '31',
    'dueOn-month': '3',
    'dueOn-year': '2027',
    evidenceNotes: 'Audits of plans each month',
  });
  await createOutcome(t.db, councilId, qa, { area: areaId, ref: '2.10', outcome: 'Chronologies are kept' });
  await createOutcome(t.db, councilId, qa, { area: areaId, ref: '2.2', outcome: 'Oversight is recorded' });
  assert.deepEqual(
    await fieldsOf(createOutcome(t.db, councilId, qa, { area: areaId, ref: '2.5', outcome: 'Again' })),
    ['ref'],
  );
  const overview = await planOverview(t.db, councilId);
  const area = overview.areas.find((a) => a.id === areaId);
  assert.deepEqual(
    area?.outcomes.map((o) => o.ref),
    ['2.2', '2.5', '2.10'],
  );
  const saved = area?.outcomes.find((o) => o.id === outcomeId);
  assert.equal(saved?.due_on, '2027-03-31');
  assert.equal(saved?.lead, 'Social Workers');
  assert.equal(saved?.leadName !== null, true);
});

test('the outcome’s lead may rate it, keep its notes and add updates; others who read the plan may not', async () => {
  const outcome = await t.db
    .selectFrom('plan_outcomes')
    .selectAll()
    .where('id', '=', outcomeId)
    .executeTakeFirstOrThrow();
  assert.equal(canEditOutcome(qa, outcome), true);
  assert.equal(canEditOutcome(manager, outcome), true);
  assert.equal(canEditOutcome(senior, outcome), false);
  assert.equal(canEditOutcome(manager, { ...outcome, lead_staff_id: null }), false);

  await assert.rejects(
    setRating(t.db, councilId, senior, outcomeId, { locality: OVERALL, rag: 'green' }, { today: TEST_TODAY }),
    PlanAccessError,
  );
  await assert.rejects(
    addUpdate(
      t.db,
      councilId,
      senior,
      outcomeId,
      { 'writtenOn-day': '1', 'writtenOn-month': '11', 'writtenOn-year': '2026', text: 'x' },
      TEST_TODAY,
    ),
    PlanAccessError,
  );
  // the lead changes the notes only, whatever else is sent
  await updateOutcome(t.db, councilId, manager, outcomeId, {
    ref: '9.9',
    outcome: 'Something else',
    evidenceNotes: 'Monthly audits and the dip sample of plans',
  });
  const after = await t.db
    .selectFrom('plan_outcomes')
    .selectAll()
    .where('id', '=', outcomeId)
    .executeTakeFirstOrThrow();
  assert.equal(after.ref, '2.5');
  assert.equal(after.evidence_notes, 'Monthly audits and the dip sample of plans');

  await addUpdate(
    t.db,
    councilId,
    manager,
    outcomeId,
    { 'writtenOn-day': '20', 'writtenOn-month': '11', 'writtenOn-year': '2026', text: 'Plan training held' },
    TEST_TODAY,
  );
  assert.deepEqual(
    await fieldsOf(
      addUpdate(
        t.db,
        councilId,
        manager,
        outcomeId,
        { 'writtenOn-day': '1', 'writtenOn-month': '1', 'writtenOn-year': '2099', text: '' },
        TEST_TODAY,
      ),
    ),
    ['writtenOn-day', 'text'],
  );
  const page = await outcomePage(t.db, councilId, manager, outcomeId, TEST_TODAY);
  assert.deepEqual(
    page.updates.map((u) => u.text),
    ['Plan training held'],
  );
});

test('a rating with no measures needs no reason, and every rating is kept: the latest is current', async () => {
  const [first] = localities;
  assert.deepEqual(
    await fieldsOf(
      setRating(
        t.db,
        councilId,
        qa,
        outcomeId,
        { locality: 'nowhere', rag: 'purple' },
        { today: TEST_TODAY },
      ),
    ),
    ['locality', 'rag'],
  );
  const set = await setRating(
    t.db,
    councilId,
    manager,
    outcomeId,
    { locality: first.id, rag: 'red' },
    { today: TEST_TODAY },
  );
  assert.deepEqual(set, { rag: 'red', suggested: null, place: first.name });
  await setRating(
    t.db,
    councilId,
    qa,
    outcomeId,
    { locality: first.id, rag: 'amber', reason: 'Better since the training' },
    { today: TEST_TODAY },
  );
  await setRating(
    t.db,
    councilId,
    qa,
    outcomeId,
    { locality: OVERALL, rag: 'not_started' },
    { today: TEST_TODAY },
  );
  const overview = await planOverview(t.db, councilId);
  const ratings = overview.areas.flatMap((a) => a.outcomes).find((o) => o.id === outcomeId)?.ratings;
  assert.equal(ratings?.get(first.id)?.rag, 'amber');
  assert.equal(ratings?.get(first.id)?.reason, 'Better since the training');
  assert.equal(ratings?.get('')?.rag, 'not_started');
  assert.equal(ratings?.has(localities[1].id), false);

  const page = await outcomePage(t.db, councilId, qa, outcomeId, TEST_TODAY);
  assert.deepEqual(
    page.history.map((h) => [h.place, h.from, h.to]),
    [
      ['Overall', null, 'not_started'],
      [first.name, 'red', 'amber'],
      [first.name, null, 'red'],
    ],
  );
  assert.equal(page.grid.length, localities.length + 1);
  assert.equal(page.grid.at(-1)?.place, 'Overall');
});

test('a rating that differs from the evidence’s suggestion needs a reason; the suggestion is kept with it', async () => {
  // every submitted audit's oversight, judged against a target no council meets: the evidence can tell
  await t.db
    .insertInto('plan_measures')
    .values({
      council_id: councilId,
      outcome_id: outcomeId,
      kind: 'oversight',
      target: 0.999,
      better: 'higher',
      label: 'Oversight recorded',
      created_by: qa.staffId,
    })
    .execute();
  const evidence = (await outcomeEvidence(t.db, councilId, [outcomeId], TEST_TODAY)).get(outcomeId);
  const suggested = evidence?.suggestions.get('')?.rag;
  assert.ok(suggested && suggested !== 'too_few', `the overall suggestion is ${suggested}`);
  const other = suggested === 'green' ? 'red' : 'green';
  const before = await count('plan_ratings');
  const errors = await fieldsOf(
    setRating(
      t.db,
      councilId,
      manager,
      outcomeId,
      { locality: OVERALL, rag: other, reason: ' ' },
      { today: TEST_TODAY },
    ),
  );
  assert.deepEqual(errors, ['reason']);
  assert.equal(await count('plan_ratings'), before, 'nothing written');

  await setRating(
    t.db,
    councilId,
    manager,
    outcomeId,
    { locality: OVERALL, rag: other, reason: 'The audits were before the new plan template' },
    { today: TEST_TODAY },
  );
  // the same rating as suggested needs none; nor does Complete
  await setRating(
    t.db,
    councilId,
    manager,
    outcomeId,
    { locality: OVERALL, rag: suggested },
    { today: TEST_TODAY },
  );
  await setRating(
    t.db,
    councilId,
    manager,
    outcomeId,
    { locality: OVERALL, rag: 'complete' },
    { today: TEST_TODAY },
  );
  const rows = await t.db
    .selectFrom('plan_ratings')
    .select(['rag', 'suggested', 'reason', 'set_by'])
    .where('outcome_id', '=', outcomeId)
    .where('locality_id', 'is', null)
    .orderBy('set_at')
    .execute();
  assert.deepEqual(
    rows.slice(-3).map((r) => [r.rag, r.suggested, r.reason, r.set_by]),
    [
      [other, suggested, 'The audits were before the new plan template', manager.staffId],
      [suggested, suggested, '', manager.staffId],
      ['complete', suggested, '', manager.staffId],
    ],
  );
});

test('another council cannot read or change this council’s plan', async () => {
  const other = (await createCouncil(t.db, { code: 'elsewhere', name: 'Another Council' })).id;
  assert.equal(await currentPlan(t.db, other), undefined);
  assert.deepEqual((await planOverview(t.db, other)).areas, []);
  await assert.rejects(outcomePage(t.db, other, qa, outcomeId, TEST_TODAY), NotFoundError);
  await assert.rejects(
    setRating(t.db, other, qa, outcomeId, { locality: OVERALL, rag: 'green' }, { today: TEST_TODAY }),
    NotFoundError,
  );
  await assert.rejects(updateArea(t.db, other, qa, areaId, { title: 'Taken' }), NotFoundError);
});
