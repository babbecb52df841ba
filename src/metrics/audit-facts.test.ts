import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { type ReturnsSeed, seedReturns } from '../../test/helpers/returns.ts';
import { createCouncil } from '../services/organisation/councils.ts';
import { createProgrammeYear } from '../services/programme/programme.ts';
import { allocationFacts, auditsLeftOutBlind, type FactRow } from './audit-facts.ts';

let t: TestDb;
let councilId: string;
let seed: ReturnsSeed;

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'af', name: 'Facts Council' })).id;
  await createProgrammeYear(t.db, councilId, { startMonth: '2026-04' }, '2026-03-01');
  seed = await seedReturns(t.db, councilId);
});

after(() => t.close());

const idOf = async (table: 'teams' | 'service_areas', name: string) =>
  (
    await t.db
      .selectFrom(table)
      .select('id')
      .where('council_id', '=', councilId)
      .where('name', '=', name)
      .executeTakeFirstOrThrow()
  ).id;

test('history names are matched to the council’s people and teams whatever their case or spacing, or by staff id', async () => {
  const { rows } = await sql<FactRow>`
    select * from ${allocationFacts(councilId, { from: '2026-09-01', to: '2026-10-01' })} f
    order by f.month, f.ref`.execute(t.db);
  const byRef = new Map<string, FactRow>();
  for (const r of rows) {
    const ref = (
      await t.db
        .selectFrom('audit_history')
        .select('audit_ref')
        .where('id', '=', r.ref)
        .executeTakeFirstOrThrow()
    ).audit_ref;
    byRef.set(ref, r);
  }
  const [alder, birch, areaOne] = [
    await idOf('teams', 'Alder Team'),
    await idOf('teams', 'Birch Team'),
    await idOf('service_areas', 'Area One'),
  ];
  const keys = (ref: string) => {
    const r = byRef.get(ref);
    return r && [r.source, r.auditor_key, r.auditor, r.team_key, r.team, r.area_key, r.service_area];
  };
  // written two ways, both Ann's
  assert.deepEqual(keys('RTH-1'), [
    'history',
    seed.staff.ann,
    'Ann Auditor',
    alder,
    'Alder Team',
    areaOne,
    'Area One',
  ]);
  assert.deepEqual(keys('RTH-2'), [
    'history',
    seed.staff.ann,
    'Ann Auditor',
    alder,
    'Alder Team',
    areaOne,
    'Area One',
  ]);
  // no longer on the staff, in a team that is gone: groups of their own, named as written
  assert.deepEqual(keys('RTH-3'), [
    'history',
    'name:eve former',
    'Eve Former',
    'name:old team',
    'Old Team',
    areaOne,
    'Area One',
  ]);
  assert.deepEqual(keys('RTH-5')?.slice(0, 4), ['history', seed.staff.bob, 'Bob Auditor', birch]);
  // named by her staff identifier
  assert.deepEqual(keys('RTH-7')?.slice(0, 3), ['history', seed.staff.fay, 'Fay Formerly']);
  assert.equal(rows.length, 6);
});

test('a name two people share is matched to the first of them by id, as before', async () => {
  const other = await t.db
    .insertInto('staff')
    .values({ council_id: councilId, name: 'ANN   AUDITOR', job_title: 'Social worker' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const first = [seed.staff.ann, other.id].sort()[0];
  const { rows } = await sql<FactRow>`
    select * from ${allocationFacts(councilId, { from: '2026-10-01', to: '2026-10-01' })} f
    where f.auditor = 'Ann Auditor' or f.auditor = 'ANN   AUDITOR'`.execute(t.db);
  assert.equal(rows.length, 2);
  for (const r of rows) assert.equal(r.auditor_key, first);
  await t.db.deleteFrom('staff').where('id', '=', other.id).execute();
});

test('someone moderating nothing blind has nothing left out; an audit they are moderating blind is counted', async () => {
  const range = { from: '2026-11-01', to: '2026-11-01' };
  assert.equal(await auditsLeftOutBlind(t.db, councilId, range, {}), 0);
  assert.equal(await auditsLeftOutBlind(t.db, councilId, range, { viewerId: seed.staff.cat }), 0);
  await t.db
    .insertInto('moderations')
    .values({
      council_id: councilId,
      audit_id: seed.audits['RT-01'],
      chosen_because: 'random',
      moderator_id: seed.staff.cat,
      status: 'allocated',
    })
    .execute();
  try {
    assert.equal(await auditsLeftOutBlind(t.db, councilId, range, { viewerId: seed.staff.cat }), 1);
    assert.equal(await auditsLeftOutBlind(t.db, councilId, range, { viewerId: seed.staff.bob }), 0);
  } finally {
    await t.db.deleteFrom('moderations').where('audit_id', '=', seed.audits['RT-01']).execute();
  }
});
