import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestDb, type TestDbWithDemo } from '../../../test/helpers/db.ts';
import { TEST_TODAY } from '../../../test/helpers/today.ts';
import type { Db } from '../../data/db.ts';
import { ValidationError } from '../../domain/validation.ts';
import {
  addMeasure,
  changeMeasure,
  EMPTY_MEASURE_FORM,
  measureChoices,
  measuresPage,
  parseTarget,
  removeMeasure,
  setThresholds,
} from './measures.ts';
import { PlanAccessError } from './plan.ts';

let t: TestDbWithDemo;
let db: Db;
let councilId: string;
let outcomeId: string;
const lead = { staffId: '', roles: ['qa_lead'] as const };
const senior = { staffId: '', roles: ['senior_leader'] as const };

/** The field errors a call is refused with. */
async function fieldsRefused(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ValidationError) return err.errors.map((e) => e.field);
    throw err;
  }
  return [];
}

before(async () => {
  t = await createTestDb({ demo: true });
  db = t.db;
  councilId = t.demo.councilId;
  const staff = await db
    .selectFrom('staff')
    .select('id')
    .where('council_id', '=', councilId)
    .executeTakeFirstOrThrow();
  lead.staffId = staff.id;
  senior.staffId = staff.id;
  let plan = await db
    .selectFrom('improvement_plans')
    .select('id')
    .where('council_id', '=', councilId)
    .where('status', '=', 'current')
    .executeTakeFirst();
  if (!plan)
    plan = await db
      .insertInto('improvement_plans')
      .values({ council_id: councilId, title: 'Plan' })
      .returning('id')
      .executeTakeFirstOrThrow();
  const area = await db
    .insertInto('plan_areas')
    .values({ council_id: councilId, plan_id: plan.id, title: 'Test area' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const outcome = await db
    .insertInto('plan_outcomes')
    .values({
      council_id: councilId,
      plan_id: plan.id,
      area_id: area.id,
      ref: '99.1',
      outcome: 'Plans are SMART',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  outcomeId = outcome.id;
});
after(() => t.close());

describe('parseTarget', () => {
  test('a percentage as typed by a person', () => {
    assert.equal(parseTarget('80'), 0.8);
    assert.equal(parseTarget(' 80% '), 0.8);
    assert.equal(parseTarget('72.5'), 0.725);
    assert.equal(parseTarget('0'), 0);
    assert.equal(parseTarget('100'), 1);
    assert.equal(parseTarget('101'), null);
    assert.equal(parseTarget('0.8x'), null);
    assert.equal(parseTarget('-5'), null);
    assert.equal(parseTarget(''), null);
  });
});

describe('measures', () => {
  test('adds each kind, checking its fields, with a label from what is measured', async () => {
    const choices = await measureChoices(db, councilId);
    assert.ok(choices.sections.length && choices.questions.length && choices.themes.length);
    const section = choices.sections[0];
    const added = await addMeasure(db, councilId, lead, outcomeId, {
      ...EMPTY_MEASURE_FORM,
      kind: 'section',
      section: section.value,
      target: '80%',
    });
    assert.equal(added.label, `${section.toolName}: ${section.title} good or better`);
    const row = await db
      .selectFrom('plan_measures')
      .selectAll()
      .where('id', '=', added.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.target, 0.8);
    assert.equal(row.tool_id, section.toolId);
    assert.equal(row.section_lineage, section.lineage);
    assert.equal(row.better, 'higher');

    const theme = choices.themes[0];
    const t2 = await addMeasure(db, councilId, lead, outcomeId, {
      ...EMPTY_MEASURE_FORM,
      kind: 'theme',
      theme: theme.key,
      target: '20',
      better: 'lower',
      label: 'Drift found',
    });
    assert.equal(t2.label, 'Drift found');
    const q = choices.questions[0];
    const q2 = await addMeasure(db, councilId, lead, outcomeId, {
      ...EMPTY_MEASURE_FORM,
      kind: 'question',
      question: q.value,
      target: '90',
    });
    const qRow = await db
      .selectFrom('plan_measures')
      .selectAll()
      .where('id', '=', q2.id)
      .executeTakeFirstOrThrow();
    assert.equal(qRow.question_key, q.questionKey);
    assert.equal(qRow.answer, q.answer);
    const a = await addMeasure(db, councilId, lead, outcomeId, {
      ...EMPTY_MEASURE_FORM,
      kind: 'actions_on_time',
      target: '75',
    });
    assert.equal(a.label, 'Audit actions completed on time');

    const page = await measuresPage(db, councilId, outcomeId, TEST_TODAY);
    assert.deepEqual(
      page.evidence.measures.map((m) => m.measure.id),
      [added.id, t2.id, q2.id, a.id],
      'in the order added',
    );
  });

  test('refuses what the council does not have and says what to do', async () => {
    const base = { ...EMPTY_MEASURE_FORM, target: '80' };
    assert.deepEqual(await fieldsRefused(addMeasure(db, councilId, lead, outcomeId, base)), ['kind']);
    assert.deepEqual(
      await fieldsRefused(
        addMeasure(db, councilId, lead, outcomeId, { ...base, kind: 'section', section: 'x:y' }),
      ),
      ['section'],
    );
    const choices = await measureChoices(db, councilId);
    const q = choices.questions[0];
    assert.deepEqual(
      await fieldsRefused(
        addMeasure(db, councilId, lead, outcomeId, {
          ...base,
          kind: 'question',
          question: `${q.toolId}:${q.questionKey}:not-an-option`,
        }),
      ),
      ['question'],
    );
    assert.deepEqual(
      await fieldsRefused(
        addMeasure(db, councilId, lead, outcomeId, { ...base, kind: 'theme', theme: 'nope' }),
      ),
      ['theme'],
    );
    assert.deepEqual(
      await fieldsRefused(
        addMeasure(db, councilId, lead, outcomeId, {
          ...base,
          kind: 'oversight',
          target: '120',
          better: 'up',
        }),
      ),
      ['target', 'better'],
    );
    assert.deepEqual(
      await fieldsRefused(
        addMeasure(db, councilId, lead, outcomeId, { ...base, kind: 'oversight', target: '' }),
      ),
      ['target'],
    );
  });

  test('only the QA lead changes measures', async () => {
    await assert.rejects(
      addMeasure(db, councilId, senior as never, outcomeId, {
        ...EMPTY_MEASURE_FORM,
        kind: 'oversight',
        target: '80',
      }),
      PlanAccessError,
    );
    await assert.rejects(
      setThresholds(db, councilId, senior as never, {
        minimumCount: '5',
        greenWhen: 'figure_above',
        redWhen: 'figure_below',
      }),
      PlanAccessError,
    );
  });

  test('changes a target and label, and removes a measure', async () => {
    const m = await addMeasure(db, councilId, lead, outcomeId, {
      ...EMPTY_MEASURE_FORM,
      kind: 'oversight',
      target: '50',
    });
    await changeMeasure(db, councilId, lead, outcomeId, m.id, {
      target: '65',
      better: 'higher',
      label: 'Oversight',
    });
    const row = await db
      .selectFrom('plan_measures')
      .selectAll()
      .where('id', '=', m.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.target, 0.65);
    assert.equal(row.label, 'Oversight');
    assert.deepEqual(
      await fieldsRefused(
        changeMeasure(db, councilId, lead, outcomeId, m.id, { target: 'lots', better: 'higher', label: '' }),
      ),
      ['target'],
    );
    await removeMeasure(db, councilId, lead, outcomeId, m.id);
    assert.equal(
      await db.selectFrom('plan_measures').select('id').where('id', '=', m.id).executeTakeFirst(),
      undefined,
    );
  });
});

describe('thresholds', () => {
  test('sets the plan’s thresholds, which the suggestions then use', async () => {
    await setThresholds(db, councilId, lead, {
      minimumCount: '1000',
      greenWhen: 'figure_above',
      redWhen: 'figure_below',
    });
    const plan = await sql<{ minimum_count: number; green_when: string; red_when: string }>`
      select minimum_count, green_when, red_when from improvement_plans
      where council_id = ${councilId} and status = 'current'`.execute(db);
    assert.deepEqual(plan.rows[0], {
      minimum_count: 1000,
      green_when: 'figure_above',
      red_when: 'figure_below',
    });
    const page = await measuresPage(db, councilId, outcomeId, TEST_TODAY);
    assert.equal(page.evidence.suggestions.get('')?.rag, 'too_few');
    assert.deepEqual(
      await fieldsRefused(
        setThresholds(db, councilId, lead, { minimumCount: '0', greenWhen: 'x', redWhen: '' }),
      ),
      ['minimumCount', 'greenWhen', 'redWhen'],
    );
  });
});
