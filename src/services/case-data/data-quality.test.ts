import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { importLists, type ListRow } from '../../../test/helpers/snapshots.ts';
import { addServiceArea, addTeam, createCouncil } from '../organisation/councils.ts';
import { dataQualityReport, EXAMPLES_LISTED } from './data-quality.ts';

let t: TestDb;
let councilId: string;
let otherCouncilId: string;
let octoberId: string;
let novemberId: string;

const CIN = { kind: 'cin_plan' as const, startDate: '2026-01-10' };

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'dq', name: 'Quality Council' })).id;
  otherCouncilId = (await createCouncil(t.db, { code: 'other', name: 'Other Council' })).id;
  const area = await addServiceArea(t.db, councilId, 'Children in need');
  const westbrook = await addTeam(t.db, councilId, { name: 'Westbrook North CIN', serviceAreaId: area });
  await t.db
    .insertInto('staff')
    .values([
      { council_id: councilId, name: 'Sam Carter', job_title: 'Social Worker', team_id: westbrook },
      { council_id: councilId, name: 'Pat Jones', job_title: 'Team Manager', team_id: westbrook },
    ])
    .execute();

  // October: three children in need, all with Sam Carter
  const october = await importLists(t.db, councilId, '2026-10-01', [
    {
      source: 'annex_a:6',
      file: 'october.csv',
      rows: ['A1', 'A2', 'A3'].map((ref) => ({
        ref,
        dateOfBirth: '2016-05-05',
        episode: CIN,
        team: 'Westbrook North CIN',
        worker: 'Sam Carter',
      })),
    },
  ]);
  octoberId = october.snapshot?.id as string;

  // November: one child gone, four new ones, each with a problem, and a child protection list
  const sam = { team: 'Westbrook North CIN', worker: 'Sam Carter' };
  const list6: ListRow[] = [
    { ref: 'A1', dateOfBirth: '2016-05-05', episode: CIN, ...sam },
    { ref: 'A2', dateOfBirth: '2016-05-05', episode: CIN, ...sam },
    { ref: 'C1', dateOfBirth: '2015-03-01', gender: 'female', ethnicity: 'WBRI', episode: CIN, ...sam },
    // open on a plan, and nobody allocated
    { ref: 'C2', dateOfBirth: '2017-01-01', episode: CIN },
    // held by a team manager
    { ref: 'C3', dateOfBirth: '2014-02-02', episode: CIN, team: 'Westbrook North CIN', worker: 'Pat Jones' },
  ];
  const november = await importLists(t.db, councilId, '2026-11-01', [
    { source: 'annex_a:6', file: 'lists.xlsx', sheet: 'List 6', rows: list6 },
    {
      source: 'annex_a:7',
      file: 'lists.xlsx',
      sheet: 'List 7',
      rows: [
        // C1 again, born a month later by this list
        { ref: 'C1', dateOfBirth: '2015-04-01', gender: 'female', ethnicity: 'WBRI' },
      ],
    },
    {
      source: 'annex_a:9',
      file: 'lists.xlsx',
      sheet: 'List 9',
      rows: [
        {
          ref: 'C4',
          dateOfBirth: '2012-06-01',
          episode: { kind: 'care_leaver', startDate: '2026-06-01' },
          team: 'Westbrook Nth CIN',
          worker: 'Jo Bloggs',
        },
      ],
    },
  ]);
  novemberId = november.snapshot?.id as string;
});
after(() => t.close());

test('a child listed twice with different dates of birth is one conflict naming both rows', async () => {
  const report = await dataQualityReport(t.db, councilId, novemberId);
  assert.equal(report.conflicts.count, 1);
  const [conflict] = report.conflicts.examples;
  assert.equal(conflict.childRef, 'C1');
  assert.deepEqual(conflict.fields, ['date of birth']);
  assert.deepEqual(
    conflict.rows.map((r) => [r.source, r.file, r.sheet, r.row, r.dateOfBirth]),
    [
      ['Annex A list 6 (Children in need)', 'lists.xlsx', 'List 6', 4, '2015-03-01'],
      ['Annex A list 7 (Child protection)', 'lists.xlsx', 'List 7', 2, '2015-04-01'],
    ],
  );
});

test('an open case with no worker is listed as not allocated; allocated ones are not', async () => {
  const report = await dataQualityReport(t.db, councilId, novemberId);
  assert.deepEqual(
    report.unallocated.examples.map((e) => e.childRef),
    ['C2'],
  );
  assert.equal(report.unallocated.count, 1);
});

test('a case held by a worker titled "Team Manager" is listed with the worker and title', async () => {
  const report = await dataQualityReport(t.db, councilId, novemberId);
  assert.equal(report.allocatedToManagers.count, 1);
  assert.deepEqual(
    report.allocatedToManagers.examples.map((e) => [e.childRef, e.worker, e.jobTitle]),
    [['C3', 'Pat Jones', 'Team Manager']],
  );
});

test('a care leaver aged 14 does not fit the list', async () => {
  const report = await dataQualityReport(t.db, councilId, novemberId);
  assert.equal(report.ageMismatches.count, 1);
  const [mismatch] = report.ageMismatches.examples;
  assert.equal(mismatch.childRef, 'C4');
  assert.equal(mismatch.age, 14);
  assert.equal(mismatch.list, 'care leavers');
  assert.match(mismatch.message, /Aged 14 among care leavers, who are 16 to 25/);
});

test('a team or worker name not matched is reported with its number of children', async () => {
  const report = await dataQualityReport(t.db, councilId, novemberId);
  assert.deepEqual(report.unmatchedNames.teams, [{ name: 'Westbrook Nth CIN', children: 1 }]);
  assert.deepEqual(report.unmatchedNames.workers, [{ name: 'Jo Bloggs', children: 1 }]);
});

test('headline counts: every child listed, and the open ones', async () => {
  const report = await dataQualityReport(t.db, councilId, novemberId);
  assert.equal(report.asOf, '2026-11-01');
  assert.equal(report.previousAsOf, '2026-10-01');
  assert.equal(report.children, 6);
  assert.equal(report.openChildren, 6);
});

test('counts per list, team and service area are compared with the snapshot before', async () => {
  const report = await dataQualityReport(t.db, councilId, novemberId);
  const byList = Object.fromEntries(
    report.counts.byList.map((c) => [c.name, [c.count, c.previous, c.change]]),
  );
  assert.deepEqual(byList, {
    'Annex A list 6 (Children in need)': [5, 3, 2],
    'Annex A list 7 (Child protection)': [1, 0, 1],
    'Annex A list 9 (Care leavers)': [1, 0, 1],
  });
  const byTeam = Object.fromEntries(
    report.counts.byTeam.map((c) => [c.name, [c.count, c.previous, c.change]]),
  );
  // a team name not matched is counted as written
  assert.deepEqual(byTeam, { 'Westbrook North CIN': [4, 3, 1], 'Westbrook Nth CIN': [1, 0, 1] });
  const byArea = Object.fromEntries(
    report.counts.byServiceArea.map((c) => [c.name, [c.count, c.previous, c.change]]),
  );
  assert.deepEqual(byArea, { 'Children in need': [4, 3, 1], 'Team not matched': [1, 0, 1] });
});

test('the first snapshot has nothing to compare with', async () => {
  const report = await dataQualityReport(t.db, councilId, octoberId);
  assert.equal(report.previousAsOf, null);
  for (const c of [...report.counts.byList, ...report.counts.byTeam, ...report.counts.byServiceArea]) {
    assert.equal(c.previous, null);
    assert.equal(c.change, null);
  }
  assert.equal(report.conflicts.count, 0);
  assert.equal(report.unallocated.count, 0);
});

test('a list that shrinks shows the fall, and a list that empties shows 0', async () => {
  const db = t.db;
  const first = await importLists(db, otherCouncilId, '2026-09-01', [
    { source: 'annex_a:6', file: 'a.csv', rows: ['X1', 'X2', 'X3'].map((ref) => ({ ref, episode: CIN })) },
    {
      source: 'annex_a:8',
      file: 'b.csv',
      rows: [{ ref: 'X4', episode: { kind: 'cla', startDate: '2026-01-01' } }],
    },
  ]);
  const second = await importLists(db, otherCouncilId, '2026-09-08', [
    { source: 'annex_a:6', file: 'a.csv', rows: [{ ref: 'X1', episode: CIN }] },
  ]);
  const report = await dataQualityReport(db, otherCouncilId, second.snapshot?.id as string);
  assert.deepEqual(
    report.counts.byList.map((c) => [c.name, c.count, c.previous, c.change]),
    [
      ['Annex A list 6 (Children in need)', 1, 3, -2],
      ['Annex A list 8 (Children in care)', 0, 1, -1],
    ],
  );
  // the other council's snapshots are not this council's "previous"
  const own = await dataQualityReport(db, otherCouncilId, first.snapshot?.id as string);
  assert.equal(own.previousAsOf, null);
});

test('another council’s snapshot is not reported', async () => {
  await assert.rejects(dataQualityReport(t.db, otherCouncilId, novemberId));
});

test(`each finding lists at most ${EXAMPLES_LISTED} examples but counts them all`, async () => {
  const council = (await createCouncil(t.db, { code: 'many', name: 'Many Council' })).id;
  const rows = Array.from({ length: EXAMPLES_LISTED + 5 }, (_, i) => ({
    ref: `N${String(i).padStart(4, '0')}`,
    dateOfBirth: '2000-01-01',
    episode: CIN,
  }));
  const imported = await importLists(t.db, council, '2026-11-01', [
    { source: 'annex_a:6', file: 'many.csv', rows },
    { source: 'annex_a:7', file: 'cp.csv', rows: rows.map((r) => ({ ...r, dateOfBirth: '2001-01-01' })) },
  ]);
  const report = await dataQualityReport(t.db, council, imported.snapshot?.id as string);
  for (const finding of [report.conflicts, report.unallocated, report.ageMismatches]) {
    assert.equal(finding.count, EXAMPLES_LISTED + 5);
    assert.equal(finding.examples.length, EXAMPLES_LISTED);
  }
  assert.equal(report.conflicts.examples[0].rows.length, 2);
});
