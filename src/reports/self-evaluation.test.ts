import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { docxParts, wordText } from '../../test/helpers/audit-document.ts';
import { createTestDb, type TestDbWithDemo } from '../../test/helpers/db.ts';
import {
  buildSelfEvaluation,
  defaultPeriod,
  judgementAreaOf,
  selfEvaluationDocx,
} from './self-evaluation.ts';

let t: TestDbWithDemo;
let councilId: string;
const TODAY = '2026-11-22';
const period = { from: '2025-12', to: '2026-11' };

async function packText() {
  const docx = await selfEvaluationDocx(await buildSelfEvaluation(t.db, councilId, period, TODAY));
  if (process.env.SELF_EVALUATION_OUT) writeFileSync(process.env.SELF_EVALUATION_OUT, docx);
  return wordText((await docxParts(docx)).get('word/document.xml') as string);
}

before(async () => {
  t = await createTestDb({ demo: true });
  councilId = t.demo.councilId;
});

after(async () => {
  await t.close();
});

test('the period is the 12 months to this month unless chosen', () => {
  assert.deepEqual(defaultPeriod('2026-11-22'), { from: '2025-12', to: '2026-11' });
});

test('a child’s status puts their audit under one judgement area', () => {
  assert.equal(judgementAreaOf('in_care'), 'children_in_care');
  assert.equal(judgementAreaOf('care_leaver'), 'care_leavers');
  assert.equal(judgementAreaOf('cp_plan'), 'help_and_protection');
  assert.equal(judgementAreaOf('cin_plan'), 'help_and_protection');
  assert.equal(judgementAreaOf('early_help'), 'help_and_protection');
});

test('every graded audit of the period is counted under one judgement area, with intervals', async () => {
  const s = await buildSelfEvaluation(t.db, councilId, period, TODAY);
  const graded = await sql<{ n: number }>`
    select count(*)::int as n from audits a join programme_months pm on pm.id = a.month_id
    where a.council_id = ${councilId} and a.status = 'submitted' and a.final_grade is not null
      and pm.month between '2025-12-01' and '2026-11-01'`.execute(t.db);
  assert.ok(graded.rows[0].n > 0, 'the demo has graded audits');
  assert.equal(
    s.areas.reduce((n, a) => n + a.graded, 0),
    graded.rows[0].n,
  );
  assert.deepEqual(
    s.areas.slice(0, 3).map((a) => a.key),
    ['help_and_protection', 'children_in_care', 'care_leavers'],
  );
  for (const a of s.areas) {
    assert.equal(a.goodOrBetter.total, a.graded);
    if (a.graded) assert.ok(a.goodOrBetter.ci95, `${a.name} has an interval`);
    assert.equal(
      a.goodOrBetter.count + a.requiresImprovement.count + a.inadequate.count,
      a.graded,
      `${a.name}: the grade groups add up`,
    );
  }
  // the demo's samples are drawn from snapshots, so children in care are found
  assert.ok(s.areas[1].graded > 0, 'audits of children in care');
  assert.ok(s.programme.returned > 0 && s.programme.returnRate.ci95);
});

test('the Word pack answers the three questions in each section, and names no child or practitioner', async () => {
  const text = await packText();
  for (const heading of [
    '1. The audit programme and returns',
    '2. What audits found, by inspection judgement area',
    '3. The impact of leaders on social work practice',
    '4. Learning from audits',
    '5. What families and practitioners tell us',
    '6. The improvement plan’s progress',
  ])
    assert.ok(text.includes(heading), heading);
  // each once in the introduction too
  assert.equal(text.match(/What we know/g)?.length, 6 + 1);
  assert.equal(text.match(/How we know/g)?.length, 6 + 1);
  assert.equal(text.match(/Our plans/g)?.length, 6 + 1);
  assert.match(text, /children in care/);
  assert.match(text, /Actions done on time, by grade of audit/);
  assert.match(text, /Each audit is counted under one judgement area/);
  assert.match(text, /95% CI/);
  const children = await t.db
    .selectFrom('children')
    .select(['first_name', 'last_name', 'external_id'])
    .where('council_id', '=', councilId)
    .execute();
  for (const c of children) {
    if (c.last_name) assert.ok(!text.includes(`${c.first_name} ${c.last_name}`), 'no child named');
    assert.ok(!text.includes(c.external_id), 'no child’s reference');
  }
  const staff = await t.db.selectFrom('staff').select('name').where('council_id', '=', councilId).execute();
  for (const s of staff) assert.ok(!text.includes(s.name), `no one named: ${s.name}`);
});

test('the plan’s progress: the latest rating of each outcome, or no plan recorded', async () => {
  // the plan's areas, outcomes, ratings and measures go with it
  await t.db.deleteFrom('improvement_plans').where('council_id', '=', councilId).execute();
  assert.match(await packText(), /No improvement plan recorded/);

  const plan = await t.db
    .insertInto('improvement_plans')
    .values({ council_id: councilId, title: 'Improving help and protection' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const area = await t.db
    .insertInto('plan_areas')
    .values({ council_id: councilId, plan_id: plan.id, number: '1', title: 'First Response' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const outcome = await t.db
    .insertInto('plan_outcomes')
    .values({
      council_id: councilId,
      plan_id: plan.id,
      area_id: area.id,
      ref: '1.1',
      outcome: 'Thresholds are applied consistently',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const locality = await t.db
    .selectFrom('localities')
    .select(['id', 'name'])
    .where('council_id', '=', councilId)
    .orderBy('name')
    .executeTakeFirstOrThrow();
  const rate = (rag: 'red' | 'amber' | 'green', at: string, localityId: string | null) =>
    t.db
      .insertInto('plan_ratings')
      .values({
        council_id: councilId,
        outcome_id: outcome.id,
        locality_id: localityId,
        rag,
        set_at: new Date(at),
      })
      .execute();
  await rate('red', '2026-06-01T10:00:00Z', null);
  await rate('amber', '2026-09-01T10:00:00Z', null);
  await rate('green', '2026-10-01T10:00:00Z', locality.id);

  const s = await buildSelfEvaluation(t.db, councilId, period, TODAY);
  const rated = s.plan?.areas[0].outcomes[0];
  assert.equal(rated?.ratings[''], 'amber');
  assert.equal(rated?.ratings[locality.id], 'green');
  const text = await packText();
  assert.match(text, /Improving help and protection/);
  assert.match(text, /1\. First Response/);
  assert.match(text, /Outcomes rated overall: amber 1/);
  assert.ok(text.includes(locality.name));
});
