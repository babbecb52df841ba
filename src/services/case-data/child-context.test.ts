import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { buildSamplingFixture, type SamplingFixture, SNAPSHOT_DATE } from '../../../test/helpers/sampling.ts';
import { createCouncil } from '../organisation/councils.ts';
import { childContext } from './child-context.ts';
import { recordChildren } from './children.ts';

let t: TestDb;
let f: SamplingFixture;
/** F08C0: on a CP plan since 2026-06-01 after a CIN plan, held by Worker north of North CP */
let childId: string;
let snapshotId: string;

before(async () => {
  t = await createTestDb();
  f = await buildSamplingFixture(t.db, 'ctx');
  const child = await t.db
    .selectFrom('children')
    .select('id')
    .where('council_id', '=', f.councilId)
    .where('external_id', '=', 'F08C0')
    .executeTakeFirstOrThrow();
  childId = child.id;
  const snapshot = await t.db
    .selectFrom('snapshots')
    .select('id')
    .where('council_id', '=', f.councilId)
    .where('as_of', '=', SNAPSHOT_DATE)
    .executeTakeFirstOrThrow();
  snapshotId = snapshot.id;
});
after(() => t.close());

async function addVisit(date: string, seen: boolean | null, seenAlone: boolean | null) {
  await t.db
    .insertInto('child_visits')
    .values({
      council_id: f.councilId,
      snapshot_id: snapshotId,
      source: 'recorded',
      child_id: childId,
      kind: 'cp',
      visit_date: date,
      seen,
      seen_alone: seenAlone,
    })
    .execute();
}

async function addEpisode(
  kind: 'assessment' | 'early_help' | 'cin_episode',
  start: string,
  end: string | null,
  detail: string | null = null,
) {
  await t.db
    .insertInto('child_episodes')
    .values({
      council_id: f.councilId,
      snapshot_id: snapshotId,
      source: 'recorded',
      child_id: childId,
      kind,
      start_date: start,
      end_date: end,
      detail,
      attributes: JSON.stringify({}),
    })
    .execute();
}

test('the fixture child’s context: who they are, their plan, their worker and their episodes', async () => {
  const c = await childContext(t.db, f.councilId, childId);
  assert.ok(c);
  assert.equal(c.reference, 'F08C0');
  assert.equal(c.name, 'Child8 Family8');
  assert.equal(c.age, 8, 'born 2018-03-15, aged 8 on the date of the case data');
  assert.equal(c.asOf, SNAPSHOT_DATE);
  assert.equal(c.inLatestSnapshot, true);
  assert.equal(c.status, 'cp_plan');
  assert.equal(c.statusLabel, 'Child protection plan');
  assert.deepEqual(c.currentPlan, { kind: 'cp_plan', label: 'Child protection plan', since: '2026-06-01' });
  assert.equal(c.worker, 'Worker north');
  assert.equal(c.team, 'North CP');
  assert.deepEqual(
    c.timeline.map((e) => [e.date, e.title]),
    [
      ['2026-06-01', 'Child protection plan started'],
      ['2026-05-31', 'Child in need plan ended'],
      ['2025-09-01', 'Child in need plan started'],
    ],
  );
  assert.equal(c.olderEvents, 0);
  assert.deepEqual(c.counts, { visits: 0, seenAlone: 0, countsFrom: '2026-05-20' });
});

test('visits, placements and assessments join the timeline newest first; older events are counted, open episodes kept', async () => {
  await addVisit('2026-11-10', true, true);
  await addVisit('2026-10-20', true, false);
  await addVisit('2026-09-01', false, false);
  await addVisit('2026-04-01', true, true);
  await addVisit('2024-06-01', true, true);
  await t.db
    .insertInto('child_placements')
    .values({
      council_id: f.councilId,
      snapshot_id: snapshotId,
      source: 'recorded',
      child_id: childId,
      start_date: '2026-07-01',
      end_date: '2026-08-15',
      placement_type: 'U4: Foster placement - long term',
      provider: 'Westbrook Fostering',
      change_reason: 'Returned home',
    })
    .execute();
  await addEpisode('assessment', '2025-08-01', '2025-08-30', 'Outcome: child in need plan');
  await addEpisode('early_help', '2023-01-01', '2023-06-01');
  await addEpisode('cin_episode', '2022-01-01', null);

  const c = await childContext(t.db, f.councilId, childId);
  assert.ok(c);
  assert.deepEqual(
    c.timeline.map((e) => [e.date, e.kind, e.title]),
    [
      ['2026-11-10', 'visit', 'Visit: seen, seen alone'],
      ['2026-10-20', 'visit', 'Visit: seen, not alone'],
      ['2026-09-01', 'visit', 'Visit: not seen'],
      ['2026-08-15', 'placement_end', 'Placement ended: foster placement - long term'],
      ['2026-07-01', 'placement_start', 'Placement started: foster placement - long term'],
      ['2026-06-01', 'episode_start', 'Child protection plan started'],
      ['2026-05-31', 'episode_end', 'Child in need plan ended'],
      ['2026-04-01', 'visit', 'Visit: seen, seen alone'],
      ['2025-09-01', 'episode_start', 'Child in need plan started'],
      ['2025-08-30', 'assessment', 'Assessment completed'],
      ['2025-08-01', 'assessment', 'Assessment started'],
      ['2022-01-01', 'episode_start', 'Referral: children in need episode opened'],
    ],
  );
  const oldOpen = c.timeline[c.timeline.length - 1];
  assert.equal(oldOpen.open, true, 'an episode still open is shown however long ago it started');
  assert.equal(c.timelineFrom, '2024-11-20');
  assert.equal(c.olderEvents, 3, 'the 2024 visit and the early help of 2023 (start and end) are left out');
  const placement = c.timeline.find((e) => e.kind === 'placement_end');
  assert.equal(placement?.detail, 'Reason: Returned home');
  assert.equal(c.timeline.find((e) => e.kind === 'placement_start')?.detail, 'Provider: Westbrook Fostering');
  assert.deepEqual(c.counts, { visits: 3, seenAlone: 1, countsFrom: '2026-05-20' });
  const assessed = c.timeline.filter((e) => e.kind === 'assessment');
  assert.deepEqual(
    assessed.map((e) => e.detail),
    ['Outcome: child in need plan', undefined],
    'what the assessment found is told once, on its completion',
  );
  const notSeen = c.timeline.find((e) => e.title === 'Visit: not seen');
  assert.equal(notSeen?.seen, false);
});

test('the timeline and the child’s facts say names and words, not the extract’s codes', async () => {
  // the extract names the team and the worker by its own IDs for them, as the SSD does
  await t.db.updateTable('teams').set({ external_id: 'T03' }).where('id', '=', f.teams.north).execute();
  await t.db
    .updateTable('staff')
    .set({ external_id: 'W1051' })
    .where('id', '=', f.practitioners.north)
    .execute();
  await t.db.updateTable('children').set({ ethnicity: 'WOTH' }).where('id', '=', childId).execute();
  const episode = (
    kind: 'cin_episode' | 'pre_proceedings' | 'cla',
    start: string,
    detail: string | null,
    attributes: Record<string, unknown>,
  ) =>
    t.db
      .insertInto('child_episodes')
      .values({
        council_id: f.councilId,
        snapshot_id: snapshotId,
        source: 'recorded',
        child_id: childId,
        kind,
        start_date: start,
        end_date: '2026-10-01',
        detail,
        attributes: JSON.stringify(attributes),
      })
      .execute();
  await episode('pre_proceedings', '2026-04-15', null, {
    referral_id: 'R77',
    initial_meeting_date: '2026-04-23',
    team: 'T03',
    worker: 'W1051',
  });
  await episode('cin_episode', '2026-02-01', 'N1', { team: 'T03' });
  await episode('cla', '2026-03-01', null, {
    start_reason: 'S',
    primary_need_code: 'N2',
    ceased_reason: 'E13',
    nfa: false,
  });

  const c = await childContext(t.db, f.councilId, childId);
  assert.ok(c);
  assert.equal(c.ethnicity, 'Any other White background');
  const detailOf = (title: string) => c.timeline.find((e) => e.title === title)?.detail;
  assert.equal(
    detailOf('Pre-proceedings (Public Law Outline) started'),
    'Initial meeting: 23 April 2026; Team: North CP; Worker: Worker north',
  );
  assert.equal(detailOf('Referral: children in need episode opened'), 'Primary need: Abuse or neglect');
  assert.equal(
    detailOf('Came into care'),
    'Primary need: Child’s disability or illness; No further action: No; ' +
      'Reason the period began: Started to be looked after; ' +
      'Why care ended: Left care to live with parents, relatives or others with parental responsibility',
  );
  for (const e of c.timeline) {
    assert.doesNotMatch(e.detail ?? '', /T03|W1051|R77|\d{4}-\d{2}-\d{2}|_/, `${e.title}: ${e.detail}`);
  }
});

test('a child of another council, or no child at all, has no context', async () => {
  const other = await createCouncil(t.db, { code: 'ctx2', name: 'Another council' });
  assert.equal(await childContext(t.db, other.id, childId), undefined);
  assert.equal(await childContext(t.db, f.councilId, '00000000-0000-0000-0000-000000000001'), undefined);
});

test('a child the latest case data no longer lists keeps the picture of the last data that did', async () => {
  await recordChildren(
    t.db,
    f.councilId,
    [
      {
        externalId: 'NEW1',
        familyExternalId: null,
        firstName: 'New',
        lastName: 'Child',
        dateOfBirth: '2020-01-01',
        gender: 'female',
        ethnicity: null,
        disability: false,
        uasc: false,
        involvements: [{ staffId: null, teamId: f.teams.north, startDate: '2026-11-01', endDate: null }],
        episodes: [{ kind: 'cin_plan', startDate: '2026-11-01', endDate: null }],
      },
    ],
    '2026-11-27',
  );
  const c = await childContext(t.db, f.councilId, childId);
  assert.ok(c);
  assert.equal(c.asOf, SNAPSHOT_DATE);
  assert.equal(c.latestAsOf, '2026-11-27');
  assert.equal(c.inLatestSnapshot, false);
  assert.equal(c.status, 'cp_plan');
  assert.equal(c.worker, 'Worker north');
  assert.equal(c.timeline[0].title, 'Visit: seen, seen alone');
});
