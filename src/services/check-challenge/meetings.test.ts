import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { type ReturnsSeed, seedReturns } from '../../../test/helpers/returns.ts';
import { recordChildren } from '../case-data/children.ts';
import { addServiceArea, addTeam, createCouncil } from '../organisation/councils.ts';
import { addPerson } from '../organisation/people.ts';
import { createProgrammeYear } from '../programme/programme.ts';
import { type CheckChallengePerson, mustSeeTeam, teamsFor } from './access.ts';
import { closeGoal, recordMeeting, teamHistory, teamsThisWeek } from './meetings.ts';
import { buildPack, goalsForWeek } from './pack.ts';

// The app's today in these tests: Sunday 22 November 2026, in the week of Monday 16 November.
const TODAY = '2026-11-22';
const WEEK = '2026-11-16';
const LAST_WEEK = '2026-11-09';

let t: TestDb;
let councilId: string;
let seed: ReturnsSeed;
let teams: Record<'alder' | 'birch' | 'cedar', string>;
let areaOne: string;
let sam: string;
let otherCouncilTeam: string;

const person = (p: Partial<CheckChallengePerson>): CheckChallengePerson => ({
  councilId,
  staffId: seed.staff.ann,
  roles: ['case_manager'],
  teamId: null,
  serviceAreaId: null,
  ...p,
});

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'cc', name: 'Check Council' })).id;
  await createProgrammeYear(t.db, councilId, { startMonth: '2026-04' }, '2026-03-01');
  seed = await seedReturns(t.db, councilId);
  const rows = await t.db
    .selectFrom('teams')
    .select(['id', 'name', 'service_area_id'])
    .where('council_id', '=', councilId)
    .execute();
  const byName = (n: string) => rows.find((r) => r.name === n) as (typeof rows)[number];
  teams = { alder: byName('Alder Team').id, birch: byName('Birch Team').id, cedar: byName('Cedar Team').id };
  areaOne = byName('Alder Team').service_area_id;
  sam = (
    await addPerson(t.db, councilId, {
      name: 'Sam Social',
      email: 'sam.social@cc.example.gov.uk',
      jobTitle: 'Social Worker',
      teamId: teams.alder,
      roles: ['practitioner'],
    })
  ).staffId;
  // RT-01 (Alder, November) returned good; the history has Alder good and requires improvement in October
  await t.db
    .updateTable('audits')
    .set({
      final_grade: 'good',
      final_good_or_better: true,
      overall_grade: 'good',
      overall_good_or_better: true,
    })
    .where('id', '=', seed.audits['RT-01'])
    .execute();
  // the latest extract: three children open to Alder
  await recordChildren(
    t.db,
    councilId,
    [
      ['DQ-1', null, 'cla', '2026-11-15'],
      ['DQ-2', seed.staff.bob, 'cin_plan', '2026-01-01'],
      ['DQ-3', sam, 'cp_plan', '2026-09-01'],
    ].map(([ref, staffId, kind, start]) => ({
      externalId: ref as string,
      familyExternalId: null,
      firstName: 'Zebedee',
      lastName: 'Quintrell',
      dateOfBirth: '2016-01-01',
      gender: 'unknown' as const,
      ethnicity: null,
      disability: false,
      uasc: false,
      involvements: [
        { staffId: staffId as string | null, teamId: teams.alder, startDate: '2026-01-01', endDate: null },
      ],
      episodes: [{ kind: kind as 'cla', startDate: start as string, endDate: null }],
    })),
    '2026-11-20',
  );
  const snap = await t.db
    .selectFrom('snapshots')
    .select('id')
    .where('council_id', '=', councilId)
    .where('as_of', '=', '2026-11-20')
    .executeTakeFirstOrThrow();
  const child = async (ref: string) =>
    (
      await t.db
        .selectFrom('children')
        .select('id')
        .where('council_id', '=', councilId)
        .where('external_id', '=', ref)
        .executeTakeFirstOrThrow()
    ).id;
  await t.db
    .insertInto('child_visits')
    .values([
      {
        council_id: councilId,
        snapshot_id: snap.id,
        source: 'recorded',
        child_id: await child('DQ-2'),
        kind: 'cin',
        visit_date: '2026-11-10',
        seen: true,
        seen_alone: null,
      },
      {
        council_id: councilId,
        snapshot_id: snap.id,
        source: 'recorded',
        child_id: await child('DQ-3'),
        kind: 'cp',
        visit_date: '2026-11-01',
        seen: true,
        seen_alone: null,
      },
    ])
    .execute();

  const other = (await createCouncil(t.db, { code: 'other', name: 'Other Council' })).id;
  const otherArea = await addServiceArea(t.db, other, 'Area One');
  otherCouncilTeam = await addTeam(t.db, other, { name: 'Alder Team', serviceAreaId: otherArea });
});
after(async () => {
  await t.close();
});

test('who sees which team: QA every team, a Head of Service their area, a team manager their own', async () => {
  const names = async (p: CheckChallengePerson) => (await teamsFor(t.db, p)).map((x) => x.name);
  assert.deepEqual(await names(person({ roles: ['qa_lead'] })), ['Alder Team', 'Birch Team', 'Cedar Team']);
  assert.deepEqual(await names(person({ roles: ['senior_leader'], serviceAreaId: areaOne })), [
    'Alder Team',
    'Birch Team',
  ]);
  assert.deepEqual(await names(person({ roles: ['senior_leader'] })), [
    'Alder Team',
    'Birch Team',
    'Cedar Team',
  ]);
  assert.deepEqual(await names(person({ teamId: teams.cedar })), ['Cedar Team']);

  const hos = person({ roles: ['senior_leader'], serviceAreaId: areaOne });
  await assert.rejects(mustSeeTeam(t.db, hos, teams.cedar), { statusCode: 403 });
  await assert.rejects(mustSeeTeam(t.db, person({ teamId: teams.cedar }), teams.alder), { statusCode: 403 });
  await assert.rejects(mustSeeTeam(t.db, person({ roles: ['qa_lead'] }), otherCouncilTeam), {
    statusCode: 404,
  });
  assert.equal((await mustSeeTeam(t.db, hos, teams.birch)).name, 'Birch Team');
});

test('the pack counts the team’s returns owed, grades this quarter against last, and its data quality', async () => {
  const team = await mustSeeTeam(t.db, person({ roles: ['qa_lead'] }), teams.alder);
  const pack = await buildPack(t.db, councilId, team, WEEK, TODAY);
  assert.equal(pack.asOf, TODAY);
  assert.equal(pack.quarter.label, 'Q3 2026 to 2027');
  assert.equal(pack.previousQuarter.label, 'Q2 2026 to 2027');
  // Bob and Fay audit from Alder: Bob owes RT-03, due 27 November
  assert.deepEqual(pack.returns, {
    owed: 1,
    overdue: 0,
    byAuditor: [{ name: 'Bob Auditor', owed: 1, overdue: 0, oldestDue: '2026-11-27' }],
  });
  // Alder this quarter: RT-01 good (November), the history's good and requires improvement (October)
  assert.equal(pack.grades.quarter.audits, 3);
  assert.deepEqual(
    { count: pack.grades.quarter.goodOrBetter.count, total: pack.grades.quarter.goodOrBetter.total },
    { count: 2, total: 3 },
  );
  assert.ok(pack.grades.quarter.goodOrBetter.ci95, 'an interval');
  assert.equal(pack.grades.previous.audits, 0);
  assert.equal(pack.grades.change, null);
  // oversight: RT-01 returned with none recorded
  assert.deepEqual(pack.oversight, { submitted: 1, missing: 1 });
  assert.deepEqual(pack.escalations, { open: 0, immediate: 0, driftDelay: 0, oldestRaisedOn: null });
  assert.deepEqual(pack.dataQuality, {
    snapshotAsOf: '2026-11-20',
    children: 3,
    unallocated: 1,
    heldByManagers: 1,
    // DQ-3's child protection visit was 19 days before; DQ-2's child in need visit 10; DQ-1 in care 5 days
    visits: { due: 3, outOfTimescale: 1 },
  });

  // Cedar: Ann owes RT-02, due 20 November, overdue on the 22nd
  const cedar = await buildPack(
    t.db,
    councilId,
    await mustSeeTeam(t.db, person({ roles: ['qa_lead'] }), teams.cedar),
    WEEK,
    TODAY,
  );
  assert.deepEqual(cedar.returns.byAuditor, [
    { name: 'Ann Auditor', owed: 1, overdue: 1, oldestDue: '2026-11-20' },
  ]);
  assert.equal(cedar.dataQuality.children, 0);
  assert.equal(cedar.dataQuality.visits?.due, 0);
});

test('goals carry into the next pack until closed with a note; the history keeps each pack', async () => {
  const manager = person({ roles: ['case_manager'], staffId: seed.staff.bob, teamId: teams.alder });
  const meetingId = await recordMeeting(
    t.db,
    manager,
    teams.alder,
    LAST_WEEK,
    {
      'heldOn-day': '10',
      'heldOn-month': '11',
      'heldOn-year': '2026',
      attendees: [seed.staff.bob, sam],
      goal1Text: 'Oversight on every returned audit',
      goal1Owner: seed.staff.bob,
      'goal1Due-day': '13',
      'goal1Due-month': '11',
      'goal1Due-year': '2026',
      goal2Text: 'Visits back within timescale',
      goal2Owner: sam,
      'goal2Due-day': '4',
      'goal2Due-month': '12',
      'goal2Due-year': '2026',
    },
    TODAY,
  );
  const stored = await t.db
    .selectFrom('check_challenge_meetings')
    .select('pack')
    .where('id', '=', meetingId)
    .executeTakeFirstOrThrow();
  assert.equal((stored.pack as { weekOf: string }).weekOf, LAST_WEEK);
  assert.equal((stored.pack as { asOf: string }).asOf, '2026-11-15');

  let goals = await goalsForWeek(t.db, councilId, teams.alder, WEEK, TODAY);
  assert.deepEqual(
    goals.map((g) => [g.text, g.status, g.overdue]),
    [
      ['Oversight on every returned audit', 'open', true],
      ['Visits back within timescale', 'open', false],
    ],
  );
  const state = await teamsThisWeek(t.db, manager, TODAY);
  assert.deepEqual(
    state.teams.map((s) => [s.team.name, s.meeting, s.openGoals, s.overdueGoals]),
    [['Alder Team', null, 2, 1]],
  );

  // a note is needed; another team's manager may not close it
  const first = goals[0].id;
  await assert.rejects(
    closeGoal(t.db, manager, first, { outcome: 'done', note: ' ' }, TODAY),
    /Enter a note/,
  );
  await assert.rejects(
    closeGoal(t.db, person({ teamId: teams.cedar }), first, { outcome: 'done', note: 'x' }, TODAY),
    { statusCode: 403 },
  );
  await closeGoal(
    t.db,
    manager,
    first,
    { outcome: 'done', note: 'Recorded on RT-01' },
    TODAY,
    new Date('2026-11-18T10:00:00Z'),
  );
  goals = await goalsForWeek(t.db, councilId, teams.alder, WEEK, TODAY);
  assert.deepEqual(
    goals.map((g) => [g.text, g.status, g.closedNote]),
    [
      ['Oversight on every returned audit', 'done', 'Recorded on RT-01'],
      ['Visits back within timescale', 'open', ''],
    ],
  );
  // two weeks on, only the open goal is carried
  const later = await goalsForWeek(t.db, councilId, teams.alder, '2026-11-30', '2026-12-01');
  assert.deepEqual(
    later.map((g) => g.text),
    ['Visits back within timescale'],
  );

  const history = await teamHistory(t.db, manager, teams.alder);
  assert.deepEqual(
    history.meetings.map((m) => [m.week_of, m.held_on, m.attendees, m.goals_set, m.goals_open]),
    [[LAST_WEEK, '2026-11-10', 2, 2, 1]],
  );
  await assert.rejects(teamHistory(t.db, person({ teamId: teams.cedar }), teams.alder), { statusCode: 403 });
});

test('a meeting is refused with errors for a week not yet come, a goal owner outside the team, or twice', async () => {
  const manager = person({ roles: ['case_manager'], staffId: seed.staff.bob, teamId: teams.alder });
  await assert.rejects(
    recordMeeting(t.db, manager, teams.alder, '2026-11-23', { othersPresent: 'x' }, TODAY),
    { statusCode: 404 },
  );
  await assert.rejects(
    recordMeeting(
      t.db,
      manager,
      teams.alder,
      WEEK,
      {
        'heldOn-day': '17',
        'heldOn-month': '11',
        'heldOn-year': '2026',
        attendees: sam,
        goal1Text: 'Something',
        goal1Owner: seed.staff.ann,
        'goal1Due-day': '1',
        'goal1Due-month': '12',
        'goal1Due-year': '2026',
      },
      TODAY,
    ),
    (err: { errors?: { field: string; message: string }[] }) => {
      assert.deepEqual(err.errors, [
        { field: 'goal1Owner', message: 'Choose someone in the team to own goal 1' },
      ]);
      return true;
    },
  );
  await assert.rejects(
    recordMeeting(
      t.db,
      manager,
      teams.alder,
      LAST_WEEK,
      { 'heldOn-day': '11', 'heldOn-month': '11', 'heldOn-year': '2026', attendees: sam },
      TODAY,
    ),
    /already recorded/,
  );
  const count = await t.db
    .selectFrom('check_challenge_meetings')
    .select('id')
    .where('council_id', '=', councilId)
    .execute();
  assert.equal(count.length, 1);
});
