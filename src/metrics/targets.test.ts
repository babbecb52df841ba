import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { type ReturnsSeed, seedReturns } from '../../test/helpers/returns.ts';
import { createCouncil } from '../services/organisation/councils.ts';
import { createProgrammeYear } from '../services/programme/programme.ts';
import { cycleTargets, targetsAgainstActuals } from './targets.ts';

let t: TestDb;
let councilId: string;
let seed: ReturnsSeed;

const counts = (r: {
  target: number | null;
  drawn: number;
  allocated: number;
  returned: number;
  exempted: number;
  toDraw: number;
}) => ({
  target: r.target,
  drawn: r.drawn,
  allocated: r.allocated,
  returned: r.returned,
  exempted: r.exempted,
  toDraw: r.toDraw,
});

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'tg', name: 'Targets Council' })).id;
  await createProgrammeYear(t.db, councilId, { startMonth: '2026-04' }, '2026-03-01');
  seed = await seedReturns(t.db, councilId, 'tg');
});

after(() => t?.close());

const monthId = async (month: string) =>
  (
    await t.db
      .selectFrom('programme_months')
      .select('id')
      .where('council_id', '=', councilId)
      .where('month', '=', month)
      .executeTakeFirstOrThrow()
  ).id;

test('a planned dip sample that was never drawn shows its target of 32 and none drawn', async () => {
  const december = await monthId('2026-12-01');
  await t.db
    .insertInto('planned_activities')
    .values({ council_id: councilId, month_id: december, kind: 'dip_sample', target: 32, position: 0 })
    .execute();
  const targets = await cycleTargets(t.db, councilId, december);
  assert.deepEqual(
    targets.rows.map((r) => ({ name: r.name, ...counts(r) })),
    [{ name: 'Dip samples', target: 32, drawn: 0, allocated: 0, returned: 0, exempted: 0, toDraw: 32 }],
  );
  assert.equal(targets.total.toDraw, 32);
});

test('each planned activity of November against what was drawn, allocated, returned and exempted', async () => {
  await t.db
    .insertInto('planned_activities')
    .values([
      { council_id: councilId, month_id: seed.novemberId, kind: 'full_audit', target: 6, position: 0 },
      { council_id: councilId, month_id: seed.novemberId, kind: 'themed', target: 1, position: 1 },
    ])
    .execute();
  const targets = await cycleTargets(t.db, councilId, seed.novemberId);
  // the fixture (test/helpers/returns.ts): five full audits (two returned, one allocated, one
  // exempted, one not yet allocated), one themed audit exempted, two dip samples the plan left out
  assert.deepEqual(
    targets.rows.map((r) => ({ name: r.name, ...counts(r) })),
    [
      {
        name: 'Full case file audits',
        target: 6,
        drawn: 5,
        allocated: 3,
        returned: 2,
        exempted: 1,
        toDraw: 1,
      },
      { name: 'Themed audit', target: 1, drawn: 1, allocated: 0, returned: 0, exempted: 1, toDraw: 0 },
      {
        name: 'Dip samples (not in the plan)',
        target: null,
        drawn: 2,
        allocated: 2,
        returned: 1,
        exempted: 0,
        toDraw: 0,
      },
    ],
  );
  assert.deepEqual(counts(targets.total), {
    target: 7,
    drawn: 8,
    allocated: 5,
    returned: 3,
    exempted: 2,
    toDraw: 1,
  });
});

test('audits count towards the activity using their tool, else the first of their kind with no tool', () => {
  const result = targetsAgainstActuals(
    [
      { kind: 'themed', toolId: null, toolName: null, description: '', target: 4 },
      { kind: 'themed', toolId: 'tool-b', toolName: 'Neglect', description: '', target: 10 },
    ],
    [
      { kind: 'themed', toolId: 'tool-b', drawn: 10, allocated: 9, returned: 5, exempted: 1 },
      { kind: 'themed', toolId: 'tool-c', drawn: 3, allocated: 3, returned: 0, exempted: 0 },
    ],
  );
  assert.deepEqual(
    result.rows.map((r) => [r.name, r.target, r.drawn, r.toDraw]),
    [
      ['Themed audit', 4, 3, 1],
      ['Themed audit, using Neglect', 10, 10, 0],
    ],
  );
});
