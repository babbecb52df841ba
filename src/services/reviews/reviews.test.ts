import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { buildSamplingFixture, type SamplingFixture, saveCohort } from '../../../test/helpers/sampling.ts';
import { asDemoPerson } from '../../demo/audits.ts';
import { WEEKLY_PLACEMENT_REVIEW, WEEKLY_REVIEW_CONCERNS } from '../../demo/reviews.ts';
import { proportion } from '../../domain/statistics.ts';
import { ValidationError } from '../../domain/validation.ts';
import { reviewFigures } from '../../metrics/review-rounds.ts';
import { reviewReportDocument } from '../../reports/review-report.ts';
import { raiseEscalation } from '../audits/escalations.ts';
import { copyTool, saveToolDefinition } from '../programme/tools.ts';
import { roundPage, startDueRounds, startRound } from './rounds.ts';
import { type ScheduleForm, saveSchedule, scheduleForm } from './schedules.ts';

let t: TestDb;
let f: SamplingFixture;
let toolId: string;
let cohortId: string;
let reviewer: string;

/** Children in care (20 of them, LAC0 to LAC19). */
before(async () => {
  t = await createTestDb();
  f = await buildSamplingFixture(t.db, 'rev');
  const dip = await t.db
    .selectFrom('audit_tools')
    .select('id')
    .where('council_id', '=', f.councilId)
    .where('name', '=', 'Dip sample: visits (seen and seen alone)')
    .executeTakeFirstOrThrow();
  toolId = await copyTool(t.db, f.councilId, dip.id, WEEKLY_PLACEMENT_REVIEW.name, f.qaLead);
  await saveToolDefinition(t.db, f.councilId, toolId, WEEKLY_PLACEMENT_REVIEW, f.qaLead);
  cohortId = await saveCohort(t.db, f.councilId, 'Looked after, reviewed', { statuses: ['in_care'] });
  reviewer = f.auditors[4]; // Head of Safeguarding: trained, an auditor
});
after(() => t.close());

const form = (over: Partial<ScheduleForm>): ScheduleForm => ({
  ...scheduleForm(null),
  name: 'Children in care weekly',
  cohortId,
  toolId,
  frequency: 'weekly',
  firstDay: '9',
  firstMonth: '11',
  firstYear: '2026',
  size: 'all',
  reviewerId: reviewer,
  concernAnswers: WEEKLY_REVIEW_CONCERNS.join('\n'),
  ...over,
});

async function refusal(p: Promise<unknown>): Promise<Record<string, string>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ValidationError)
      return Object.fromEntries(err.errors.map((e) => [e.field, e.message]));
    throw err;
  }
  assert.fail('expected a refusal');
}

const schedules = () =>
  t.db.selectFrom('review_schedules').select('id').where('council_id', '=', f.councilId).execute();

test('a form with mistakes is refused field by field, and nothing is saved', async () => {
  const errors = await refusal(
    saveSchedule(
      t.db,
      f.councilId,
      f.qaLead,
      null,
      form({
        name: ' ',
        cohortId: '',
        frequency: 'daily',
        firstDay: '31',
        firstMonth: '2',
        size: 'sample',
        sampleSize: 'ten',
        reviewerId: f.auditors[5], // not trained
      }),
    ),
  );
  assert.deepEqual(Object.keys(errors).sort(), [
    'cohortId',
    'first',
    'frequency',
    'name',
    'reviewerId',
    'sampleSize',
  ]);
  assert.match(errors.first, /must be a real date/);
  assert.equal((await schedules()).length, 0);
});

test('a round: every child of the cohort, all given to the reviewer, due before the next; started once', async () => {
  const id = await saveSchedule(t.db, f.councilId, f.qaLead, null, form({ name: 'Once only' }));
  // a round not yet due, or an earlier one, cannot be started
  assert.match(
    (await refusal(startRound(t.db, f.councilId, id, '2026-11-09', '2026-11-16', f.qaLead, null))).round,
    /Only the round due now/,
  );
  const [a, b] = await Promise.all([
    startRound(t.db, f.councilId, id, '2026-11-16', '2026-11-17', f.qaLead, null),
    startRound(t.db, f.councilId, id, '2026-11-16', '2026-11-17', null, null),
  ]);
  assert.equal(a.id, b.id);
  assert.deepEqual([a.started, b.started].sort(), [false, true]);
  const audits = await t.db
    .selectFrom('audits')
    .select(['auditor_id', 'status', 'due_on', 'month_id'])
    .where('sample_id', '=', a.sampleId)
    .execute();
  assert.equal(audits.length, 20);
  for (const x of audits)
    assert.deepEqual(x, {
      auditor_id: reviewer,
      status: 'allocated',
      due_on: '2026-11-22',
      month_id: f.monthId,
    });
  const sample = await t.db
    .selectFrom('samples')
    .select('review_schedule_id')
    .where('id', '=', a.sampleId)
    .executeTakeFirstOrThrow();
  assert.equal(sample.review_schedule_id, id);
  // the periodic job finds it started, and starts nothing twice
  const again = await startDueRounds(t.db, '2026-11-18', null);
  assert.equal(again.alreadyStarted >= 1, true);
  const rounds = await t.db.selectFrom('review_rounds').select('id').where('schedule_id', '=', id).execute();
  assert.equal(rounds.length, 1);
});

test('a child found at immediate risk in a review is escalated as from any audit, at once', async () => {
  const id = await saveSchedule(t.db, f.councilId, f.qaLead, null, form({ name: 'Escalates' }));
  const round = await startRound(t.db, f.councilId, id, '2026-11-16', '2026-11-17', f.qaLead, null);
  const review = await t.db
    .selectFrom('audits')
    .select(['id', 'practitioner_manager_id'])
    .where('sample_id', '=', round.sampleId)
    .where('practitioner_manager_id', 'is not', null)
    .orderBy('position')
    .executeTakeFirstOrThrow();
  const asReviewer = await asDemoPerson(t.db, f.councilId, reviewer);
  // the reviewer has not submitted the review: escalating does not wait for it
  const escalationId = await raiseEscalation(t.db, null, asReviewer, review.id, {
    kind: 'immediate',
    found: 'The child told the reviewer they are frightened to go back to the placement tonight.',
    recipients: [review.practitioner_manager_id as string],
  });
  const raised = await t.db
    .selectFrom('escalations')
    .select(['audit_id', 'kind', 'raised_before_submission'])
    .where('id', '=', escalationId)
    .executeTakeFirstOrThrow();
  assert.deepEqual(raised, { audit_id: review.id, kind: 'immediate', raised_before_submission: true });
  const told = await t.db
    .selectFrom('notifications')
    .select('staff_id')
    .where('audit_id', '=', review.id)
    .where('kind', '=', 'escalation_raised')
    .execute();
  assert.deepEqual(
    told.map((n) => n.staff_id),
    [review.practitioner_manager_id],
  );
});

test('a round in a month the programme does not hold is refused, saying what to do', async () => {
  const id = await saveSchedule(
    t.db,
    f.councilId,
    f.qaLead,
    null,
    form({ name: 'Next summer', firstDay: '7', firstMonth: '6', firstYear: '2027' }),
  );
  const errors = await refusal(startRound(t.db, f.councilId, id, '2027-06-07', '2027-06-07', f.qaLead, null));
  assert.match(
    errors.round,
    /The programme has no month for June 2027.*Add the programme year holding it on the Programme page/,
  );
  const refused = await startDueRounds(t.db, '2027-06-07', null);
  assert.equal(refused.refused >= 1, true);
  assert.equal(
    (await t.db.selectFrom('review_rounds').select('id').where('schedule_id', '=', id).execute()).length,
    0,
  );
});

test('children not in the round before are marked new', async () => {
  const id = await saveSchedule(
    t.db,
    f.councilId,
    f.qaLead,
    null,
    form({ name: 'Sampled', size: 'sample', sampleSize: '12' }),
  );
  const first = await startRound(t.db, f.councilId, id, '2026-11-09', '2026-11-09', f.qaLead, null);
  const second = await startRound(t.db, f.councilId, id, '2026-11-16', '2026-11-16', f.qaLead, null);
  const one = await roundPage(t.db, f.councilId, id, first.id, '2026-11-16');
  const two = await roundPage(t.db, f.councilId, id, second.id, '2026-11-16');
  assert.equal(one.firstRound, true);
  assert.equal(one.newCount, 0);
  assert.equal(two.reviews.length, 12);
  const before = new Set(one.reviews.map((r) => r.ref));
  assert.deepEqual(
    two.reviews.filter((r) => r.isNew).map((r) => r.ref),
    two.reviews.filter((r) => !before.has(r.ref)).map((r) => r.ref),
  );
  // a sample larger than the cohort reviews every child
  const big = await saveSchedule(
    t.db,
    f.councilId,
    f.qaLead,
    null,
    form({ name: 'Big', size: 'sample', sampleSize: '50' }),
  );
  assert.equal(
    (await startRound(t.db, f.councilId, big, '2026-11-16', '2026-11-16', f.qaLead, null)).reviews,
    20,
  );
});

test('the report: rounds on time, answers by round with intervals, children with a repeated concern', async () => {
  const id = await saveSchedule(t.db, f.councilId, f.qaLead, null, form({ name: 'Reported' }));
  const version = await t.db
    .selectFrom('audit_tool_versions')
    .select('id')
    .where('tool_id', '=', toolId)
    .orderBy('version', 'desc')
    .executeTakeFirstOrThrow();
  const answer = async (
    roundId: string,
    byRef: (ref: string) => { seen: string; oversight: string; on: string },
  ) => {
    const round = await t.db
      .selectFrom('review_rounds')
      .select('sample_id')
      .where('id', '=', roundId)
      .executeTakeFirstOrThrow();
    const audits = await t.db
      .selectFrom('audits as a')
      .innerJoin('children as c', 'c.id', 'a.child_id')
      .select(['a.id', 'c.external_id'])
      .where('a.sample_id', '=', round.sample_id)
      .execute();
    for (const a of audits) {
      const x = byRef(a.external_id);
      await t.db
        .updateTable('audits')
        .set({
          status: 'submitted',
          submitted_at: new Date(`${x.on}T12:00:00Z`),
          tool_version_id: version.id,
          answers: JSON.stringify({
            this_week: { answers: { seen: x.seen, safe_now: 'yes', oversight: x.oversight } },
          }),
        })
        .where('id', '=', a.id)
        .execute();
    }
  };
  const n = (ref: string) => Number(ref.replace('LAC', ''));
  // round 1 (9 November, due 15th): seen no for LAC0–4; oversight inadequate for LAC0 and LAC1; all on time
  const r1 = await startRound(t.db, f.councilId, id, '2026-11-09', '2026-11-09', f.qaLead, null);
  await answer(r1.id, (ref) => ({
    seen: n(ref) < 5 ? 'no' : 'yes',
    oversight: n(ref) < 2 ? 'Inadequate' : 'Good',
    on: '2026-11-12',
  }));
  // round 2 (16th, due 22nd): seen no for LAC0 and LAC2; oversight inadequate for LAC0; LAC19 submitted late
  const r2 = await startRound(t.db, f.councilId, id, '2026-11-16', '2026-11-16', f.qaLead, null);
  await answer(r2.id, (ref) => ({
    seen: n(ref) === 0 || n(ref) === 2 ? 'no' : 'yes',
    oversight: n(ref) === 0 ? 'Inadequate' : 'Good',
    on: n(ref) === 19 ? '2026-11-24' : '2026-11-20',
  }));
  const fig = await reviewFigures(t.db, f.councilId, id, '2026-11-01', '2026-11-30', '2026-11-30');
  assert.ok(fig);
  // rounds of 9, 16, 23 and 30 November: on time, late, never started (due 29th), not yet due
  assert.deepEqual(
    fig.rounds.map((r) => [r.roundOn, r.started, r.state]),
    [
      ['2026-11-09', true, 'on_time'],
      ['2026-11-16', true, 'late'],
      ['2026-11-23', false, 'overdue'],
      ['2026-11-30', false, 'open'],
    ],
  );
  const seen = (i: number) => fig.rounds[i].tallies.find((q) => q.questionKey === 'seen');
  assert.deepEqual(seen(0)?.counts, { yes: 15, no: 5 });
  assert.deepEqual(seen(1)?.counts, { yes: 18, no: 2 });
  assert.deepEqual(
    fig.repeated.map((r) => [r.childRef, r.lineage, r.rounds.length]),
    [
      ['LAC0', 'this_week/oversight', 2],
      ['LAC0', 'this_week/seen', 2],
      ['LAC2', 'this_week/seen', 2],
    ],
  );
  const full = reviewReportDocument(fig, 'Council', false);
  assert.match(
    full.summary[0],
    /4 rounds fell due from 1 November 2026 to 30 November 2026; of the 3 past their due date, 1 of 3 \(33%, 95% CI 6% to 79%\) were done on time, 1 late, 1 never started/,
  );
  assert.match(
    full.summary[1],
    /20 children were reviewed in the period; 2 were found with the same concern in two rounds or more/,
  );
  const seenTable = full.sections.find((s) =>
    s.heading.endsWith('Was the child seen by their social worker this week?'),
  )?.tables[0];
  assert.ok(seenTable);
  assert.deepEqual(
    seenTable.rows.map((r) => [r.cells.round, r.cells.answered, r.cells.o0]),
    [
      ['9 November 2026', 20, proportion(15, 20)],
      ['16 November 2026', 20, proportion(18, 20)],
      ['All rounds', 40, proportion(33, 40)],
    ],
  );
  const children = full.sections.at(-1)?.tables[1];
  assert.deepEqual(
    children?.rows.map((r) => r.cells.child),
    ['LAC0', 'LAC0', 'LAC2'],
  );
  // for publication: no child named; the small counts of children hidden; the headline kept
  const published = reviewReportDocument(fig, 'Council', true);
  assert.equal(JSON.stringify(published).includes('LAC'), false);
  assert.match(published.summary[0], /1 of 3 \(33%/);
  assert.deepEqual(
    published.sections.at(-1)?.tables[0].rows.map((r) => r.cells.children),
    ['fewer than 5', 'fewer than 5'],
  );
  const pubSeen = published.sections.find((s) => s.heading.endsWith('this week?'))?.tables[0];
  assert.ok(pubSeen);
  // 15 of 20 yes, 5 no: both shown; 18 yes and 2 no: the 2 hidden, with a partner (a none of
  // partly or not applicable) so the total cannot give it back; the 18 (10 or more) kept
  const count = (row: number, o: number) => (pubSeen.rows[row].cells[`o${o}`] as { count: unknown }).count;
  assert.deepEqual(pubSeen?.rows[0].cells.o1, proportion(5, 20));
  assert.equal(count(1, 1), 'fewer than 5');
  assert.deepEqual(pubSeen?.rows[1].cells.o0, proportion(18, 20));
  assert.ok([count(1, 2), count(1, 3)].includes('withheld'));
});
