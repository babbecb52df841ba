import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { buildSamplingFixture, type SamplingFixture, saveCohort } from '../../test/helpers/sampling.ts';
import { appDb } from '../data/db.ts';
import { type JobQueue, startQueue } from '../data/queue.ts';
import { WEEKLY_PLACEMENT_REVIEW } from '../demo/reviews.ts';
import { copyTool, saveToolDefinition } from '../services/programme/tools.ts';
import { saveSchedule, scheduleForm } from '../services/reviews/schedules.ts';
import { runReviewRounds, startReviewRoundsWorker } from './review-rounds-worker.ts';

let t: TestDb;
let f: SamplingFixture;
let scheduleId: string;

before(async () => {
  t = await createTestDb();
  f = await buildSamplingFixture(t.db, 'job');
  const dip = await t.db
    .selectFrom('audit_tools')
    .select('id')
    .where('council_id', '=', f.councilId)
    .where('name', '=', 'Dip sample: visits (seen and seen alone)')
    .executeTakeFirstOrThrow();
  const toolId = await copyTool(t.db, f.councilId, dip.id, WEEKLY_PLACEMENT_REVIEW.name, f.qaLead);
  await saveToolDefinition(t.db, f.councilId, toolId, WEEKLY_PLACEMENT_REVIEW, f.qaLead);
  scheduleId = await saveSchedule(t.db, f.councilId, f.qaLead, null, {
    ...scheduleForm(null),
    name: 'Looked after weekly',
    cohortId: await saveCohort(t.db, f.councilId, 'Looked after, weekly', { statuses: ['in_care'] }),
    toolId,
    firstDay: '16',
    firstMonth: '11',
    firstYear: '2026',
    reviewerId: f.auditors[4],
  });
});
after(() => t.close());

test('the periodic job starts the round due, as the app’s role in the council’s scope, and only once', async () => {
  const queue: JobQueue = await startQueue(t.db, { background: false, pollingIntervalSeconds: 0.5 });
  const workerDb = appDb(t.db);
  const rounds = () =>
    t.db
      .selectFrom('review_rounds')
      .select(['id', 'sample_id'])
      .where('schedule_id', '=', scheduleId)
      .execute();
  try {
    await startReviewRoundsWorker(queue, { db: workerDb, cron: null });
    await runReviewRounds(queue, '2026-11-22');
    while ((await rounds()).length < 1) await new Promise((r) => setTimeout(r, 200));
    // asked again (a second instance, the next hour): nothing more
    const again = await runReviewRounds(queue, '2026-11-22');
    assert.ok(again === null || typeof again === 'string');
    await new Promise((r) => setTimeout(r, 2000));
  } finally {
    await queue.stop();
    await workerDb.destroy();
  }
  const started = await rounds();
  assert.equal(started.length, 1);
  const audits = await t.db
    .selectFrom('audits')
    .select(['auditor_id', 'status'])
    .where('sample_id', '=', started[0].sample_id)
    .execute();
  assert.equal(audits.length, 20);
  assert.ok(audits.every((a) => a.auditor_id === f.auditors[4] && a.status === 'allocated'));
  const round = await t.db
    .selectFrom('review_rounds')
    .select(['round_on', 'started_by'])
    .where('id', '=', started[0].id)
    .executeTakeFirstOrThrow();
  assert.deepEqual(round, { round_on: '2026-11-16', started_by: null });
});
