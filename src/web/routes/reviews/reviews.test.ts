import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { type AuditFixture, buildAuditFixture, signedIn } from '../../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { buildSamplingFixture, saveCohort } from '../../../../test/helpers/sampling.ts';
import { WEEKLY_PLACEMENT_REVIEW } from '../../../demo/reviews.ts';
import { copyTool, saveToolDefinition } from '../../../services/programme/tools.ts';
import { saveSchedule, scheduleForm } from '../../../services/reviews/schedules.ts';

let t: TestDb;
let f: AuditFixture;
let app: FastifyInstance;
let cohortId: string;
let toolId: string;
let otherCouncilSchedule: string;

async function reviewTool(db: TestDb['db'], councilId: string, staffId: string) {
  const dip = await db
    .selectFrom('audit_tools')
    .select('id')
    .where('council_id', '=', councilId)
    .where('name', '=', 'Dip sample: visits (seen and seen alone)')
    .executeTakeFirstOrThrow();
  const id = await copyTool(db, councilId, dip.id, WEEKLY_PLACEMENT_REVIEW.name, staffId);
  await saveToolDefinition(db, councilId, id, WEEKLY_PLACEMENT_REVIEW, staffId);
  return id;
}

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db);
  cohortId = await saveCohort(t.db, f.councilId, 'Looked after, reviewed weekly', { statuses: ['in_care'] });
  toolId = await reviewTool(t.db, f.councilId, f.people.qaLead.staffId);
  // another council's recurring review
  const other = await buildSamplingFixture(t.db, 'oth');
  const otherCohort = await saveCohort(t.db, other.councilId, 'Theirs', { statuses: ['in_care'] });
  otherCouncilSchedule = await saveSchedule(t.db, other.councilId, other.qaLead, null, {
    ...scheduleForm(null),
    name: 'Their review',
    cohortId: otherCohort,
    toolId: await reviewTool(t.db, other.councilId, other.qaLead),
    firstDay: '16',
    firstMonth: '11',
    firstYear: '2026',
    reviewerId: other.auditors[4],
  });
  app = await createTestApp(t.db);
});
after(async () => {
  await app.close();
  await t.close();
});

const valid = () => ({
  name: 'Children in care weekly',
  cohortId,
  toolId,
  frequency: 'weekly',
  firstDay: '16',
  firstMonth: '11',
  firstYear: '2026',
  size: 'all',
  sampleSize: '',
  reviewerId: f.people.auditor.staffId,
  concernAnswers: 'Inadequate',
  active: 'yes',
});

test('the form: mistakes are listed in the error summary, what was typed is kept, and nothing is saved', async () => {
  const qa = await signedIn(app, f.people.qaLead);
  const res = await qa.post(
    '/reviews',
    { ...valid(), name: '', firstDay: '31', firstMonth: '2', size: 'sample', sampleSize: 'a few' },
    '/reviews/new',
  );
  assert.equal(res.statusCode, 400);
  assert.deepEqual(errorSummaryItems(res.body), [
    { href: '#name', text: 'Enter a name for the review, like “Unregistered placements weekly”' },
    { href: '#first', text: 'The date of the first round must be a real date' },
    { href: '#sampleSize', text: 'Enter the number of children as a whole number, like 10' },
  ]);
  assert.match(res.body, /name="sampleSize" type="text" value="a few"|value="a few"/);
  assert.match(res.body, /value="31"/);
  const saved = await t.db
    .selectFrom('review_schedules')
    .select('id')
    .where('council_id', '=', f.councilId)
    .execute();
  assert.equal(saved.length, 0);
});

test('a form sent without its CSRF token is refused and changes nothing', async () => {
  const qa = await signedIn(app, f.people.qaLead);
  const res = await qa.post('/reviews', { ...valid(), _csrf: 'forged' }, '/reviews/new');
  assert.equal(res.statusCode, 403);
  const saved = await t.db
    .selectFrom('review_schedules')
    .select('id')
    .where('council_id', '=', f.councilId)
    .execute();
  assert.equal(saved.length, 0);
});

test('the QA lead sets up a review and starts its round; the reviewer has it in My audits; the report opens', async () => {
  const qa = await signedIn(app, f.people.qaLead);
  const created = await qa.post('/reviews', valid(), '/reviews/new');
  assert.equal(created.statusCode, 302);
  const page = String(created.headers.location);
  const schedule = await qa.get(page);
  assert.equal(h1(schedule.body), 'Children in care weekly');
  assert.match(schedule.body, /Start this round now/);
  const started = await qa.post(`${page}/rounds`, { roundOn: '2026-11-16' }, page);
  assert.equal(started.statusCode, 302);
  const round = await qa.get(String(started.headers.location));
  assert.equal(round.statusCode, 200);
  assert.match(round.body, /LAC0/);
  assert.match(round.body, /This is the first round, so no child is marked new/);
  // started once: the button sent again finds it started
  const again = await qa.post(`${page}/rounds`, { roundOn: '2026-11-16' }, page);
  assert.equal(again.headers.location, started.headers.location);
  const auditor = await signedIn(app, f.people.auditor);
  const mine = await auditor.get('/my-audits');
  assert.match(mine.body, /LAC0/);
  const leader = await signedIn(app, f.people.director);
  const report = await leader.get(`${page}/report`);
  assert.equal(report.statusCode, 200);
  assert.match(report.body, /1 round fell due from/);
  const published = await leader.get(`${page}/report?version=publication`);
  assert.equal(published.statusCode, 200);
  assert.match(published.body, /For publication/);
  const word = await leader.get(`${page}/report.docx`);
  assert.equal(word.statusCode, 200);
  const csv = await leader.get(`${page}/report.csv`);
  assert.equal(csv.statusCode, 200);
  assert.match(String(csv.headers['content-type']), /^text\/csv/);
  assert.match(String(csv.headers['content-disposition']), /\.csv"$/);
  // a senior leader reads but may not start or change
  assert.equal((await leader.get(`${page}/edit`)).statusCode, 403);
});

test('roles without the capability get 403; another council’s review is not found', async () => {
  const qa = await signedIn(app, f.people.qaLead);
  const id = await saveSchedule(t.db, f.councilId, f.people.qaLead.staffId, null, {
    ...scheduleForm(null),
    ...valid(),
    name: 'For the access test',
  });
  for (const person of [
    f.people.auditor,
    f.people.practitioner,
    f.people.scrutiny,
    f.people.workforce,
    f.people.admin,
  ]) {
    const agent = await signedIn(app, person);
    for (const url of ['/reviews', `/reviews/${id}`, `/reviews/${id}/report`, '/reviews/new'])
      assert.equal((await agent.get(url)).statusCode, 403, `${person.email} ${url}`);
    const post = await agent.post(`/reviews/${id}/rounds`, { roundOn: '2026-11-16' }, '/');
    assert.equal(post.statusCode, 403, person.email);
  }
  for (const url of [
    `/reviews/${otherCouncilSchedule}`,
    `/reviews/${otherCouncilSchedule}/edit`,
    `/reviews/${otherCouncilSchedule}/report`,
  ])
    assert.equal((await qa.get(url)).statusCode, 404, url);
  const edit = await qa.post(
    `/reviews/${otherCouncilSchedule}/edit`,
    { ...valid(), name: 'Taken over' },
    '/reviews/new',
  );
  assert.equal(edit.statusCode, 404);
  const start = await qa.post(
    `/reviews/${otherCouncilSchedule}/rounds`,
    { roundOn: '2026-11-16' },
    '/reviews/new',
  );
  assert.equal(start.statusCode, 404);
  const theirs = await t.db
    .selectFrom('review_schedules')
    .select('name')
    .where('id', '=', otherCouncilSchedule)
    .executeTakeFirstOrThrow();
  assert.equal(theirs.name, 'Their review');
  const anonymous = new Agent(app);
  assert.equal((await anonymous.get('/reviews')).statusCode, 302);
});
