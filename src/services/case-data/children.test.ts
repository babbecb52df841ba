import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { caseStatusOn, type EpisodeKind } from '../../domain/child-status.ts';
import { addDays } from '../../domain/dates.ts';
import { addServiceArea, addTeam, createCouncil } from '../organisation/councils.ts';
import {
  currentStatusesSql,
  findChildByReference,
  latestSnapshotOf,
  openChildrenByStatus,
  recordChildren,
} from './children.ts';

let t: TestDb;
let councilId: string;
let teamId: string;
let serial = 0;

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'c', name: 'Council' })).id;
  teamId = await addTeam(t.db, councilId, {
    name: 'Team',
    serviceAreaId: await addServiceArea(t.db, councilId, 'Area'),
  });
});
after(() => t.close());

const KINDS: EpisodeKind[] = ['early_help', 'assessment', 'cin_plan', 'cp_plan', 'cla', 'care_leaver'];
const ON = '2026-06-15';

const episode = fc.record({
  kind: fc.constantFrom(...KINDS),
  startOffset: fc.integer({ min: -900, max: 60 }),
  length: fc.option(fc.integer({ min: 0, max: 900 }), { nil: null }),
});

test('the database counts each child’s status exactly as the rule in src/domain says', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(episode, { maxLength: 5 }), async (eps) => {
      const ref = `P${++serial}`;
      const episodes = eps.map((e) => ({
        kind: e.kind,
        startDate: addDays(ON, e.startOffset),
        endDate: e.length === null ? null : addDays(ON, e.startOffset + e.length),
      }));
      await recordChildren(t.db, councilId, [
        {
          externalId: ref,
          familyExternalId: null,
          firstName: 'A',
          lastName: 'B',
          dateOfBirth: '2015-01-01',
          gender: 'unknown',
          ethnicity: null,
          disability: false,
          uasc: false,
          involvements: [{ staffId: null, teamId, startDate: '2020-01-01', endDate: null }],
          episodes,
        },
      ]);
      const { rows } = await sql<{ status: string }>`
        select coalesce(st.status, 'no_current_plan') as status from children c
        left join (${currentStatusesSql(latestSnapshotOf(councilId), ON)}) st on st.child_id = c.id
        where c.council_id = ${councilId} and c.external_id = ${ref}`.execute(t.db);
      const row = rows[0] as { status: string };
      const expected = caseStatusOn(
        episodes.map((e) => ({ kind: e.kind, start_date: e.startDate, end_date: e.endDate })),
        ON,
      );
      assert.equal(row.status, expected, JSON.stringify(episodes));
    }),
    { numRuns: 60, seed: 2026 },
  );
});

test('open children are counted by status for a team, and a child whose allocation ended is not open', async () => {
  const before = await openChildrenByStatus(t.db, councilId, { teamId }, ON);
  await recordChildren(t.db, councilId, [
    {
      externalId: 'CLOSED-1',
      familyExternalId: 'F-CLOSED',
      firstName: 'Closed',
      lastName: 'Case',
      dateOfBirth: '2012-03-04',
      gender: 'female',
      ethnicity: 'WBRI',
      disability: false,
      uasc: false,
      involvements: [{ staffId: null, teamId, startDate: '2025-01-01', endDate: '2026-01-01' }],
      episodes: [{ kind: 'cp_plan', startDate: '2025-01-01', endDate: null }],
    },
    {
      externalId: 'OPEN-CP',
      familyExternalId: 'F-CLOSED',
      firstName: 'Open',
      lastName: 'Case',
      dateOfBirth: '2014-03-04',
      gender: 'male',
      ethnicity: 'WBRI',
      disability: true,
      uasc: false,
      involvements: [{ staffId: null, teamId, startDate: '2025-01-01', endDate: null }],
      episodes: [{ kind: 'cp_plan', startDate: '2025-01-01', endDate: null }],
    },
  ]);
  const after = await openChildrenByStatus(t.db, councilId, { teamId }, ON);
  assert.equal(after.total, before.total + 1);
  assert.equal(after.cp_plan, before.cp_plan + 1);

  const open = await findChildByReference(t.db, councilId, 'OPEN-CP');
  assert.equal(open?.status, 'cp_plan');
  assert.deepEqual(
    open?.siblings.map((x) => x.reference),
    ['CLOSED-1'],
  );
});

test('a child of another council is not found', async () => {
  const other = (await createCouncil(t.db, { code: 'other', name: 'Other' })).id;
  assert.equal(await findChildByReference(t.db, other, 'OPEN-CP'), undefined);
});
