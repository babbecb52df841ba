import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { createTestDb, type TestDbWithDemo } from '../../test/helpers/db.ts';
import { FOUR_POINT, THREE_POINT } from '../domain/grade-scales.ts';
import { actionsOnTime, gradeGroupOf } from './actions-on-time.ts';

let t: TestDbWithDemo;
let councilId: string;
/** a submitted audit of each group, with its service area */
const audits: Record<'good' | 'ri' | 'inadequate', { id: string; owner: string; areaId: string | null }> =
  {} as never;

const range = { from: '2026-04-01', to: '2026-09-01' };

async function auditGraded(grades: string[]) {
  const row = await sql<{ id: string; owner: string; area_id: string | null }>`
    select a.id, a.auditor_id as owner, coalesce(a.service_area_id, t.service_area_id)::text as area_id
    from audits a left join teams t on t.id = a.team_id
    where a.council_id = ${councilId} and a.status = 'submitted' and a.auditor_id is not null
      and a.final_grade in (${sql.join(grades)})
    order by a.id limit 1`.execute(t.db);
  assert.ok(row.rows[0], `the demo has a submitted audit graded ${grades.join(' or ')}`);
  return { id: row.rows[0].id, owner: row.rows[0].owner, areaId: row.rows[0].area_id };
}

async function action(auditId: string, owner: string, dueOn: string, doneOn: string | null) {
  await t.db
    .insertInto('audit_actions')
    .values({
      council_id: councilId,
      audit_id: auditId,
      text: 'Update the plan',
      owner_id: owner,
      due_on: dueOn,
      status: doneOn ? 'done' : 'open',
      done_on: doneOn,
    })
    .execute();
}

before(async () => {
  t = await createTestDb({ demo: true });
  councilId = t.demo.councilId;
  audits.good = await auditGraded(['good', 'outstanding']);
  audits.ri = await auditGraded(['requires_improvement']);
  audits.inadequate = await auditGraded(['inadequate']);
  // only the actions this test sets
  await t.db.deleteFrom('audit_actions').where('council_id', '=', councilId).execute();
  const { good, ri, inadequate } = audits;
  // good: 3 due in the period, 2 on time, 1 late; 1 due after the period but done in it (on time)
  await action(good.id, good.owner, '2026-05-10', '2026-05-01');
  await action(good.id, good.owner, '2026-06-10', '2026-06-10');
  await action(good.id, good.owner, '2026-07-10', '2026-07-20');
  await action(good.id, good.owner, '2026-12-01', '2026-08-15');
  // requires improvement: 1 on time, 1 overdue and still open
  await action(ri.id, ri.owner, '2026-05-10', '2026-05-09');
  await action(ri.id, ri.owner, '2026-08-01', null);
  // inadequate: 1 done late after the period; 1 due before the period (not counted); 1 not yet due
  await action(inadequate.id, inadequate.owner, '2026-09-20', '2026-10-05');
  await action(inadequate.id, inadequate.owner, '2026-02-01', '2026-02-01');
  await action(inadequate.id, inadequate.owner, '2027-01-10', null);
});

after(async () => {
  await t.close();
});

test('grades are grouped as good or better, requires improvement and inadequate', () => {
  assert.equal(gradeGroupOf(FOUR_POINT.grades, 'outstanding'), 'good');
  assert.equal(gradeGroupOf(FOUR_POINT.grades, 'requires_improvement'), 'requires_improvement');
  assert.equal(gradeGroupOf(FOUR_POINT.grades, 'inadequate'), 'inadequate');
  assert.equal(gradeGroupOf(THREE_POINT.grades, 'met_good'), 'good');
  // one grade below good: not inadequate
  assert.equal(gradeGroupOf(THREE_POINT.grades, 'did_not_meet_good'), 'requires_improvement');
  assert.equal(gradeGroupOf(FOUR_POINT.grades, null), 'ungraded');
});

test('the share done on time counts actions of every grade due in the period or done in it', async () => {
  const f = await actionsOnTime(t.db, councilId, range, {}, '2026-11-22');
  assert.equal(f.countedTo, '2026-09-30');
  const by = Object.fromEntries(f.byGrade.map((g) => [g.group, g]));
  assert.deepEqual([by.good.onTime.count, by.good.onTime.total], [3, 4]);
  assert.deepEqual([by.requires_improvement.onTime.count, by.requires_improvement.onTime.total], [1, 2]);
  assert.equal(by.requires_improvement.overdueOpen, 1);
  assert.deepEqual([by.inadequate.onTime.count, by.inadequate.onTime.total], [0, 1]);
  assert.deepEqual([f.total.onTime.count, f.total.onTime.total], [4, 7]);
  assert.equal(f.total.overdueOpen, 1);
  // every share carries its 95% Wilson interval
  assert.deepEqual(f.total.onTime.ci95, [0.25, 0.842]);
  assert.equal(by.ungraded.onTime.total, 0);
  assert.equal(by.ungraded.onTime.rate, null);
});

test('an action due on the day counted to and still open is not late yet', async () => {
  const f = await actionsOnTime(t.db, councilId, range, {}, '2026-08-01');
  assert.equal(f.countedTo, '2026-08-01');
  const ri = f.byGrade.find((g) => g.group === 'requires_improvement');
  assert.deepEqual([ri?.onTime.count, ri?.onTime.total, ri?.overdueOpen], [1, 1, 0]);
});

test('by service area, the areas add up to the whole', async () => {
  const f = await actionsOnTime(t.db, councilId, range, {}, '2026-11-22');
  const total = f.byServiceArea.reduce((n, a) => n + a.onTime.total, 0);
  assert.equal(total, f.total.onTime.total);
  assert.ok(f.byServiceArea.every((a) => a.name));
  const area = audits.good.areaId;
  if (area) {
    const only = await actionsOnTime(t.db, councilId, range, { serviceAreaId: area }, '2026-11-22');
    const row = f.byServiceArea.find((a) => a.serviceAreaId === area);
    assert.equal(only.total.onTime.total, row?.onTime.total);
    assert.deepEqual(
      only.byServiceArea.map((a) => a.serviceAreaId),
      [area],
    );
  }
});

test('another council’s actions are never counted', async () => {
  const f = await actionsOnTime(t.db, '00000000-0000-0000-0000-000000000000', range, {}, '2026-11-22');
  assert.equal(f.total.onTime.total, 0);
  assert.equal(f.byServiceArea.length, 0);
});
