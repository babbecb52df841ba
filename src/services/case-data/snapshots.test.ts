import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { importLists } from '../../../test/helpers/snapshots.ts';
import { addServiceArea, addTeam, createCouncil } from '../organisation/councils.ts';
import { recordChildren } from './children.ts';
import { findSnapshot, latestSnapshot, listSnapshots } from './snapshots.ts';

let t: TestDb;
let councilId: string;
let otherCouncilId: string;
let analyst: string;

const CIN = { kind: 'cin_plan' as const, startDate: '2026-01-10' };

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'snap', name: 'Snapshot Council' })).id;
  otherCouncilId = (await createCouncil(t.db, { code: 'other', name: 'Other Council' })).id;
  analyst = (
    await t.db
      .insertInto('staff')
      .values({ council_id: councilId, name: 'Dana Analyst', job_title: 'Data analyst' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
});
after(() => t.close());

test('no snapshot yet: nothing to list and no latest', async () => {
  assert.deepEqual(await listSnapshots(t.db, councilId), []);
  assert.equal(await latestSnapshot(t.db, councilId), undefined);
});

test('snapshots newest first, with their sources, children and the imports into them', async () => {
  await importLists(
    t.db,
    councilId,
    '2026-10-01',
    [
      {
        source: 'annex_a:6',
        file: 'october.csv',
        rows: [
          { ref: 'A1', episode: CIN },
          { ref: 'A2', episode: CIN },
        ],
      },
    ],
    { startedBy: analyst },
  );
  // two imports into the same date: list 6 and, later, lists 7 and 8 from a workbook
  await importLists(
    t.db,
    councilId,
    '2026-11-01',
    [{ source: 'annex_a:6', file: 'list6.csv', rows: [{ ref: 'A1', episode: CIN }] }],
    { startedBy: analyst },
  );
  await importLists(t.db, councilId, '2026-11-01', [
    {
      source: 'annex_a:7',
      file: 'november.xlsx',
      rows: [
        { ref: 'A1', episode: { kind: 'cp_plan', startDate: '2026-10-20' } },
        { ref: 'A3', episode: { kind: 'cp_plan', startDate: '2026-10-20' } },
        { ref: '', rejected: 'Give the child’s ID' },
      ],
    },
    {
      source: 'annex_a:8',
      file: 'november.xlsx',
      rows: [{ ref: 'A4', episode: { kind: 'cla', startDate: '2026-01-01' } }],
    },
  ]);
  const snapshots = await listSnapshots(t.db, councilId);
  assert.deepEqual(
    snapshots.map((s) => [s.asOf, s.isLatest, s.children]),
    [
      ['2026-11-01', true, 3],
      ['2026-10-01', false, 2],
    ],
  );
  const [november] = snapshots;
  assert.deepEqual(
    november.sources.map((s) => [s.label, s.children]),
    [
      ['Annex A list 6 (Children in need)', 1],
      ['Annex A list 7 (Child protection)', 2],
      ['Annex A list 8 (Children in care)', 1],
    ],
  );
  assert.deepEqual(
    november.imports.map((i) => [i.fileName, i.startedBy, i.rowsRead, i.rowsAccepted, i.rowsRejected]),
    [
      ['november.xlsx', null, 4, 3, 1],
      ['list6.csv', 'Dana Analyst', 1, 1, 0],
    ],
  );
  assert.ok(november.imports[0].startedAt instanceof Date);
});

test('the latest snapshot, and a snapshot found by id or date only in its own council', async () => {
  const latest = await latestSnapshot(t.db, councilId);
  assert.equal(latest?.asOf, '2026-11-01');
  const october = await findSnapshot(t.db, councilId, { asOf: '2026-10-01' });
  assert.ok(october);
  assert.equal(october.isLatest, false);
  assert.deepEqual(await findSnapshot(t.db, councilId, { id: latest?.id as string }), latest);
  assert.equal(await findSnapshot(t.db, otherCouncilId, { id: october.id }), undefined);
  assert.equal(await findSnapshot(t.db, councilId, { asOf: '2026-10-02' }), undefined);
});

test('children recorded by hand make a snapshot of their date, with no import', async () => {
  const area = await addServiceArea(t.db, otherCouncilId, 'Area');
  const teamId = await addTeam(t.db, otherCouncilId, { name: 'Team', serviceAreaId: area });
  await recordChildren(
    t.db,
    otherCouncilId,
    [
      {
        externalId: 'R1',
        familyExternalId: null,
        firstName: 'R',
        lastName: 'One',
        dateOfBirth: '2015-01-01',
        gender: 'unknown',
        ethnicity: null,
        disability: false,
        uasc: false,
        involvements: [{ staffId: null, teamId, startDate: '2026-01-01', endDate: null }],
        episodes: [],
      },
    ],
    '2026-09-01',
  );
  const [snapshot] = await listSnapshots(t.db, otherCouncilId);
  assert.equal(snapshot.asOf, '2026-09-01');
  assert.equal(snapshot.children, 1);
  assert.deepEqual(snapshot.imports, []);
  assert.deepEqual(
    snapshot.sources.map((s) => s.label),
    ['Recorded before snapshots'],
  );
});
