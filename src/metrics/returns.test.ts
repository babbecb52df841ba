import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { RETURNS_FIXTURE, type ReturnsSeed, seedReturns } from '../../test/helpers/returns.ts';
import { recordChildren } from '../services/case-data/children.ts';
import { addServiceArea, addTeam, createCouncil } from '../services/organisation/councils.ts';
import { createProgrammeYear } from '../services/programme/programme.ts';
import {
  currentCycle,
  cycleReturns,
  listReturnCycles,
  monthlyReturns,
  owedAudits,
  type ReturnCycle,
  returnsBreakdown,
} from './returns.ts';

let t: TestDb;
let councilId: string;
let seed: ReturnsSeed;
const fixture = RETURNS_FIXTURE;

/** The figures a table row shows, without the key fields. */
const figures = <T extends object>(rows: T[], keys: string[]) =>
  rows.map((r) => Object.fromEntries(keys.map((k) => [k, (r as Record<string, unknown>)[k]])));

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'rt', name: 'Returns Council' })).id;
  await createProgrammeYear(t.db, councilId, { startMonth: '2026-04' }, '2026-03-01');
  seed = await seedReturns(t.db, councilId);

  // Another council's audit in the same month must never be counted here.
  const other = (await createCouncil(t.db, { code: 'other', name: 'Other Council' })).id;
  await createProgrammeYear(t.db, other, { startMonth: '2026-04' }, '2026-03-01');
  const area = await addServiceArea(t.db, other, 'Area One');
  const team = await addTeam(t.db, other, { name: 'Alder Team', serviceAreaId: area });
  await recordChildren(
    t.db,
    other,
    [
      {
        externalId: 'RT-01',
        familyExternalId: null,
        firstName: 'Other',
        lastName: 'Child',
        dateOfBirth: null,
        gender: 'unknown',
        ethnicity: null,
        disability: false,
        uasc: false,
        involvements: [],
        episodes: [],
      },
    ],
    '2026-11-01',
  );
  const child = await t.db
    .selectFrom('children')
    .select('id')
    .where('council_id', '=', other)
    .executeTakeFirstOrThrow();
  const month = await t.db
    .selectFrom('programme_months')
    .select('id')
    .where('council_id', '=', other)
    .where('month', '=', '2026-11-01')
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto('audits')
    .values({
      council_id: other,
      month_id: month.id,
      child_id: child.id,
      kind: 'full_audit',
      team_id: team,
      status: 'unallocated',
    })
    .execute();
});
after(() => t.close());

test('a cycle’s totals match the hand count: planned, exempted, scheduled, returned, rate', async () => {
  const returns = await cycleReturns(t.db, councilId, seed.novemberId);
  assert.ok(returns);
  assert.equal(returns.cycle.name, 'November 2026');
  assert.deepEqual(returns.totals, fixture.november.totals);
  assert.deepEqual(returns.sources, ['audits']);
});

test('by auditor, team and service area: each group’s figures, by name, with no auditor last', async () => {
  const returns = await cycleReturns(t.db, councilId, seed.novemberId);
  assert.ok(returns);
  const keys = ['name', 'planned', 'exempted', 'scheduled', 'returned', 'unallocated', 'owed'];
  assert.deepEqual(figures(returns.byAuditor, keys), fixture.november.byAuditor);
  assert.deepEqual(
    returns.byAuditor.map((a) => a.staffId),
    [seed.staff.ann, seed.staff.bob, null],
    'QA Loop’s own auditors carry their staff id',
  );
  const areaKeys = ['name', 'planned', 'exempted', 'scheduled', 'returned'];
  assert.deepEqual(figures(returns.byTeam, areaKeys), fixture.november.byTeam);
  assert.deepEqual(figures(returns.byServiceArea, areaKeys), fixture.november.byServiceArea);
});

test('by kind of activity; a kind with nothing scheduled has no rate', async () => {
  const returns = await cycleReturns(t.db, councilId, seed.novemberId);
  assert.ok(returns);
  assert.deepEqual(
    figures(returns.byKind, ['kind', 'planned', 'exempted', 'scheduled', 'returned', 'returnRate']),
    fixture.november.byKind,
  );
  assert.deepEqual(
    returns.byKind.map((k) => k.name),
    ['Full case file audit', 'Dip sample', 'Themed audit'],
  );
});

test('a month with no audits in QA Loop is counted from the imported history, names matched to the council’s people', async () => {
  const october = await t.db
    .selectFrom('programme_months')
    .select('id')
    .where('council_id', '=', councilId)
    .where('month', '=', '2026-10-01')
    .executeTakeFirstOrThrow();
  const returns = await cycleReturns(t.db, councilId, october.id);
  assert.ok(returns);
  assert.deepEqual(returns.sources, ['history']);
  const { planned, exempted, scheduled, returned, returnRate } = returns.totals;
  assert.deepEqual({ planned, exempted, scheduled, returned, returnRate }, fixture.october);
  assert.deepEqual(
    figures(returns.byAuditor, ['name', 'planned', 'exempted', 'returned', 'owed', 'staffId']),
    [
      { name: 'Ann Auditor', planned: 2, exempted: 0, returned: 2, owed: 0, staffId: seed.staff.ann },
      { name: 'Bob Auditor', planned: 1, exempted: 0, returned: 1, owed: 0, staffId: seed.staff.bob },
      // a name that matches nobody in the council is a group of its own
      { name: 'Eve Former', planned: 2, exempted: 1, returned: 0, owed: 1, staffId: null },
    ],
  );
  assert.deepEqual(
    returns.byKind.map((k) => [k.name, k.planned]),
    [
      ['Full case file audit', 3],
      ['Dip sample', 1],
      ['Re-audit', 1],
    ],
  );
});

test('month by month over a range: history where there are no audits, zeros where there is nothing, totals summed', async () => {
  const range = await monthlyReturns(t.db, councilId, { from: '2026-08-01', to: '2026-12-01' });
  assert.deepEqual(
    range.months.map((m) => [m.month, m.source, m.planned, m.scheduled, m.returned, m.returnRate]),
    [
      ['2026-08-01', null, 0, 0, 0, null],
      ['2026-09-01', 'history', 1, 1, 1, 1],
      ['2026-10-01', 'history', 5, 4, 3, 0.75],
      // November's history row is not counted: the month's audits are in QA Loop
      ['2026-11-01', 'audits', 8, 6, 3, 0.5],
      ['2026-12-01', null, 0, 0, 0, null],
    ],
  );
  assert.deepEqual(range.total, {
    planned: 14,
    exempted: 3,
    scheduled: 11,
    returned: 7,
    returnRate: 0.636,
    unallocated: 1,
    owed: 3,
  });
  const both = await returnsBreakdown(t.db, councilId, { from: '2026-09-01', to: '2026-11-01' });
  assert.deepEqual(both.sources, ['audits', 'history']);
  assert.equal(both.totals.planned, 14);
});

test('a range must run forwards between firsts of months', async () => {
  await assert.rejects(monthlyReturns(t.db, councilId, { from: '2026-11-01', to: '2026-10-01' }), RangeError);
  await assert.rejects(monthlyReturns(t.db, councilId, { from: '2026-11-05', to: '2026-12-01' }), RangeError);
});

test('who owes what: audits with an auditor not yet returned, with days overdue and the child’s reference only', async () => {
  const owed = await owedAudits(t.db, councilId, seed.novemberId, '2026-11-22');
  assert.deepEqual(
    owed.map((o) => [
      o.auditor,
      o.auditorEmail,
      o.childReference,
      o.team,
      o.kindName,
      o.dueOn,
      o.daysOverdue,
    ]),
    [
      [
        'Ann Auditor',
        'ann.auditor@rt.example.gov.uk',
        'RT-02',
        'Alder Team',
        'Full case file audit',
        '2026-11-20',
        2,
      ],
      ['Bob Auditor', 'bob.auditor@rt.example.gov.uk', 'RT-03', 'Birch Team', 'Dip sample', '2026-11-27', 0],
    ],
  );
  assert.ok(!JSON.stringify(owed).match(/Zebedee|Quintrell|Persephone|Ravensworth/));
});

test('the current cycle is the newest under way with audits; else the newest with audits', async () => {
  const cycles = await listReturnCycles(t.db, councilId);
  assert.equal(cycles.length, 12);
  assert.equal(currentCycle(cycles, '2026-11-22')?.month, '2026-11-01');
  // January: November's cycle is still under way (learning and development), January's has no audits yet
  assert.equal(currentCycle(cycles, '2027-01-20')?.month, '2026-11-01');
  // March: November's cycle is over; of those under way, none has audits, so the newest
  assert.equal(currentCycle(cycles, '2027-03-20')?.month, '2027-03-01');
  const over: ReturnCycle[] = cycles.map((c) => ({ ...c, phases: null }));
  assert.equal(
    currentCycle(over, '2027-06-01')?.month,
    '2026-11-01',
    'none under way: the latest with audits',
  );
  assert.equal(currentCycle([], '2026-11-22'), undefined);
});

test('another council’s cycle is not found', async () => {
  const other = await t.db
    .selectFrom('programme_months')
    .select('id')
    .where('council_id', '<>', councilId)
    .executeTakeFirstOrThrow();
  assert.equal(await cycleReturns(t.db, councilId, other.id), undefined);
  assert.deepEqual(await owedAudits(t.db, councilId, other.id, '2026-11-22'), []);
});
