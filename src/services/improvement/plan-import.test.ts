import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTestDb, type TestDbWithDemo } from '../../../test/helpers/db.ts';
import { writeExamplePlan } from '../../../test/helpers/improvement-plan-files.ts';
import { NotFoundError } from '../../domain/validation.ts';
import { UnreadableFileError } from '../../import/types.ts';
import {
  applyPlanImport,
  discardPlanImport,
  getPlanImport,
  PlanImportRefusedError,
  previewPlanImport,
} from './plan-import.ts';

let t: TestDbWithDemo;
let dir: string;
let councilId: string;
let qaLead: { staffId: string };
let localities: { id: string; name: string }[];
let planPath: string;

before(async () => {
  t = await createTestDb({ demo: true });
  dir = await mkdtemp(join(tmpdir(), 'plan-import-service-'));
  const lead = await t.db
    .selectFrom('staff as s')
    .innerJoin('staff_roles as r', 'r.staff_id', 's.id')
    .where('r.role', '=', 'qa_lead')
    .select(['s.id', 's.council_id'])
    .executeTakeFirstOrThrow();
  councilId = lead.council_id;
  qaLead = { staffId: lead.id };
  localities = await t.db
    .selectFrom('localities')
    .select(['id', 'name'])
    .where('council_id', '=', councilId)
    .orderBy('name')
    .execute();
  assert.ok(localities.length >= 2, 'the demo council has localities');
  planPath = join(dir, 'improvement-plan.docx');
  // the first locality written in capitals, the second with spaces round it, and one the council does not have
  await writeExamplePlan(planPath, [
    localities[0].name.toUpperCase(),
    ` ${localities[1].name} `,
    'Eastfield',
  ]);
});
after(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

const counts = async () => {
  const one = async (table: 'improvement_plans' | 'plan_areas' | 'plan_outcomes' | 'plan_ratings') =>
    Number(
      (
        await t.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('council_id', '=', councilId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    plans: await one('improvement_plans'),
    areas: await one('plan_areas'),
    outcomes: await one('plan_outcomes'),
    ratings: await one('plan_ratings'),
  };
};

const preview = () =>
  previewPlanImport(t.db, councilId, planPath, {
    fileName: 'improvement-plan.docx',
    uploadedBy: qaLead.staffId,
  });

describe('previewing an imported plan', () => {
  it('keeps what was read, matching rating columns to localities by name and listing a column that matches none', async () => {
    const p = await preview();
    assert.equal(p.status, 'preview');
    assert.equal(p.format, 'docx');
    assert.deepEqual(
      p.columns.map((c) => [c.column, c.name]),
      [
        [localities[0].name.toUpperCase(), localities[0].name],
        [localities[1].name, localities[1].name],
        ['Eastfield', null],
        ['Overall', 'Overall'],
        ['RAG', 'Overall'],
      ],
    );
    assert.equal(p.columns[4].localityId, null, 'a single RAG column is the overall rating too');
    assert.equal(p.columns[0].localityId, localities[0].id);
    assert.equal(p.columns[3].localityId, null);
    const eastfield = p.problems.find((x) => x.where === 'The column “Eastfield”');
    assert.ok(eastfield);
    for (const l of localities) assert.ok(eastfield.message.includes(l.name), `names ${l.name}`);
    // the rows the reader could not read are kept too
    assert.ok(p.problems.some((x) => x.where === 'Table 1, row 6'));
    assert.deepEqual(p.counts, { areas: 2, outcomes: 6, ratings: 12 });
    const again = await getPlanImport(t.db, councilId, p.id);
    assert.deepEqual(again.plan, p.plan);
  });

  it('refuses a file that is not a plan and keeps nothing', async () => {
    const before = Number(
      (
        await t.db
          .selectFrom('plan_imports')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    const path = join(dir, 'notes.txt');
    await writeFile(path, 'Some notes');
    await assert.rejects(
      previewPlanImport(t.db, councilId, path, { fileName: 'notes.txt', uploadedBy: null }),
      UnreadableFileError,
    );
    const after = Number(
      (
        await t.db
          .selectFrom('plan_imports')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    assert.equal(after, before);
  });
});

describe('saving an imported plan', () => {
  it('writes the plan, its areas, outcomes and ratings from the import, and archives the plan before it', async () => {
    const first = await preview();
    const saved = await applyPlanImport(t.db, councilId, first.id, qaLead);
    const plan = await t.db
      .selectFrom('improvement_plans')
      .selectAll()
      .where('id', '=', saved.planId)
      .executeTakeFirstOrThrow();
    assert.equal(plan.status, 'current');
    assert.equal(plan.title, 'Children’s Services Improvement Plan 2026 to 2027');
    assert.match(plan.source, /^Imported from improvement-plan\.docx on \d{1,2} \w+ \d{4}$/);
    assert.equal(plan.created_by, qaLead.staffId);
    const areas = await t.db
      .selectFrom('plan_areas')
      .selectAll()
      .where('plan_id', '=', saved.planId)
      .orderBy('position')
      .execute();
    assert.deepEqual(
      areas.map((a) => [a.number, a.title]),
      [
        ['2', 'Assessment teams'],
        ['6', 'Quality and performance'],
      ],
    );
    assert.equal(
      areas[0].want_to_see,
      'Assessments are timely and proportionate to risk and informed by the child’s history\nChildren are seen and seen alone',
    );
    const ratings = await t.db
      .selectFrom('plan_ratings as r')
      .innerJoin('plan_outcomes as o', 'o.id', 'r.outcome_id')
      .leftJoin('localities as l', 'l.id', 'r.locality_id')
      .where('o.plan_id', '=', saved.planId)
      .select(['o.ref', 'l.name as locality', 'r.rag', 'r.source', 'r.set_by'])
      .orderBy('o.ref')
      .orderBy('l.name')
      .execute();
    assert.ok(ratings.every((r) => r.source === 'import' && r.set_by === qaLead.staffId));
    const of = (ref: string) =>
      ratings.filter((r) => r.ref === ref).map((r) => [r.locality ?? 'Overall', r.rag]);
    assert.deepEqual(of('2.1'), [
      [localities[0].name, 'red'],
      [localities[1].name, 'amber'],
      ['Overall', 'amber'],
    ]);
    assert.deepEqual(of('6.1'), [['Overall', 'complete']]);
    assert.equal(saved.ratings, 12);
    assert.equal(saved.outcomes, 6);

    const second = await preview();
    assert.deepEqual(second.currentPlan, { id: saved.planId, title: plan.title });
    const next = await applyPlanImport(t.db, councilId, second.id, qaLead);
    assert.equal(next.archivedPlanId, saved.planId);
    const statuses = await t.db
      .selectFrom('improvement_plans')
      .select(['id', 'status'])
      .where('id', 'in', [saved.planId, next.planId])
      .execute();
    assert.deepEqual(Object.fromEntries(statuses.map((s) => [s.id, s.status])), {
      [saved.planId]: 'archived',
      [next.planId]: 'current',
    });
  });

  it('refuses a preview already saved or discarded, and another council’s', async () => {
    const saved = await preview();
    await applyPlanImport(t.db, councilId, saved.id, qaLead);
    await assert.rejects(applyPlanImport(t.db, councilId, saved.id, qaLead), {
      name: 'Error',
      message: 'This plan has already been saved.',
    });
    await assert.rejects(discardPlanImport(t.db, councilId, saved.id), PlanImportRefusedError);
    const dropped = await preview();
    await discardPlanImport(t.db, councilId, dropped.id);
    assert.equal((await getPlanImport(t.db, councilId, dropped.id)).status, 'discarded');
    await assert.rejects(applyPlanImport(t.db, councilId, dropped.id, qaLead), PlanImportRefusedError);

    const other = await t.db
      .insertInto('councils')
      .values({ code: 'OTHERPLAN', name: 'Other council' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const mine = await preview();
    const before = await counts();
    await assert.rejects(applyPlanImport(t.db, other.id, mine.id, null), NotFoundError);
    await assert.rejects(getPlanImport(t.db, other.id, mine.id), NotFoundError);
    await assert.rejects(discardPlanImport(t.db, other.id, mine.id), NotFoundError);
    assert.deepEqual(await counts(), before);
    assert.equal((await getPlanImport(t.db, councilId, mine.id)).status, 'preview');
  });

  it('changes nothing when saving fails part way', async () => {
    const p = await preview();
    const current = await t.db
      .selectFrom('improvement_plans')
      .select('id')
      .where('council_id', '=', councilId)
      .where('status', '=', 'current')
      .executeTakeFirst();
    // the last outcome of the stored preview made too long a reference to save, so the failure
    // comes after the plan before it is archived and the new plan's areas and outcomes are written
    await sql`
      update plan_imports
      set read = jsonb_set(read, '{plan,areas,1,outcomes,1,ref}', to_jsonb(repeat('9', 30)))
      where id = ${p.id}
    `.execute(t.db);
    const before = await counts();
    await assert.rejects(applyPlanImport(t.db, councilId, p.id, qaLead));
    assert.deepEqual(await counts(), before);
    const still = await t.db
      .selectFrom('improvement_plans')
      .select('id')
      .where('council_id', '=', councilId)
      .where('status', '=', 'current')
      .executeTakeFirst();
    assert.deepEqual(still, current);
    assert.equal((await getPlanImport(t.db, councilId, p.id)).status, 'preview');
  });
});
