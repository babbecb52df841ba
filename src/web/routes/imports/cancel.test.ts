import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDbWithDemo } from '../../../../test/helpers/db.ts';
import { ImportRunner, importsIdle } from '../../../jobs/import-runner.ts';
import { discardUpload, queueImportJob, stageUpload } from '../../../services/case-data/import-jobs.ts';
import { createCouncil } from '../../../services/organisation/councils.ts';

// Issue 22: an import nobody could stop held the queue for 40 minutes. Whoever may send imports
// (QA lead, administrator) may cancel one waiting or being read: nothing from it is imported.

let t: TestDbWithDemo;
let app: FastifyInstance;
let dataDir: string;
let qa: Agent;
let councilId: string;
let qaLead: { id: string; name: string };

before(async () => {
  t = await createTestDb({ demo: true });
  dataDir = mkdtempSync(join(tmpdir(), 'qaloop-cancel-web-'));
  app = await createTestApp(t.db, { dataDir });
  qa = new Agent(app);
  await qa.signInAs('qa_lead');
  const lead = await t.db
    .selectFrom('staff')
    .select(['id', 'name', 'council_id'])
    .where('external_id', '=', 'DEMO-qa_lead')
    .executeTakeFirstOrThrow();
  councilId = lead.council_id;
  qaLead = { id: lead.id, name: lead.name };
});
after(async () => {
  await importsIdle();
  await app.close();
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const HISTORY = [
  'child_id,month,activity,status,scale,completed_on,grade',
  '900101,2025-04,full,completed,four_point,2025-04-20,good',
].join('\n');

/** A job queued as the upload page queues one, but left waiting (no runner is told of it). */
async function waitingJob(council = councilId, staffId = qaLead.id) {
  const staged = await stageUpload(dataDir, Readable.from([HISTORY]), 'history.csv');
  try {
    return await queueImportJob(
      t.db,
      staged,
      { format: undefined, mappingId: undefined, asOf: '2026-11-20', strict: false },
      { source: 'web', councilId: council, staffId },
    );
  } finally {
    await discardUpload(staged);
  }
}

const jobRow = (id: string) =>
  t.db.selectFrom('import_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const chunks = async (id: string) =>
  (await t.db.selectFrom('import_upload_chunks').select('seq').where('job_id', '=', id).execute()).length;
const counts = async () => ({
  imports: (await t.db.selectFrom('imports').select('id').execute()).length,
  history: (await t.db.selectFrom('audit_history').select('id').execute()).length,
});

test('a waiting job is cancelled from its page: it never runs, its file goes, and the page says who and when', async () => {
  const jobId = await waitingJob();
  const before = await counts();
  const page = await qa.get(`/imports/jobs/${jobId}`);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<form method="post" action="\/imports\/jobs\/[^"]+\/cancel"/);
  assert.match(page.body, /Cancel this import/);
  const list = await qa.get('/imports');
  assert.match(list.body, new RegExp(`action="/imports/jobs/${jobId}/cancel"`), 'cancellable from the list');

  const res = await qa.post(`/imports/jobs/${jobId}/cancel`, {}, `/imports/jobs/${jobId}`);
  assert.equal(res.statusCode, 303);
  assert.equal(res.headers.location, `/imports/jobs/${jobId}`);
  const job = await jobRow(jobId);
  assert.equal(job.state, 'cancelled');
  assert.equal(job.cancelled_by, qaLead.id);
  assert.equal(await chunks(jobId), 0, 'its upload is removed');

  // a runner told of it later (the queue, or the app starting again) leaves it alone
  const runner = new ImportRunner({ db: t.db, dataDir, log: { info() {}, error() {} } });
  await runner.start(jobId);
  await runner.runPending();
  assert.equal((await jobRow(jobId)).state, 'cancelled');
  assert.deepEqual(await counts(), before, 'nothing was imported');

  const after = await qa.get(`/imports/jobs/${jobId}`);
  assert.equal(h1(after.body), 'Import cancelled');
  assert.match(
    after.body,
    new RegExp(
      `Cancelled by ${qaLead.name} at \\d{1,2}:\\d\\d [ap]m on \\d{1,2} \\w+ \\d{4}\\. Nothing was imported\\.`,
    ),
  );
  assert.doesNotMatch(after.body, /Cancel this import/);
  const listed = await qa.get('/imports');
  assert.match(listed.body, /govuk-tag--grey">\s*Cancelled\s*</);

  const event = await t.db
    .selectFrom('security_events')
    .select(['actor_id', 'detail'])
    .where('kind', '=', 'import_cancelled')
    .executeTakeFirstOrThrow();
  assert.equal(event.actor_id, qaLead.id);
  assert.deepEqual(event.detail, { file: 'history.csv', stage: 'waiting to be read' });

  // cancelling again changes nothing
  const again = await qa.post(`/imports/jobs/${jobId}/cancel`, {}, `/imports/jobs/${jobId}`);
  assert.equal(again.statusCode, 303);
  assert.equal((await jobRow(jobId)).cancelled_by, qaLead.id);
});

test('only those who may send imports may cancel one; another council’s job is not found; CSRF is needed', async () => {
  const jobId = await waitingJob();
  for (const role of ['practitioner', 'senior_leader', 'auditor']) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    const res = await agent.post(`/imports/jobs/${jobId}/cancel`, {}, '/account');
    assert.equal(res.statusCode, 403, role);
  }
  const noToken = await qa.request({
    method: 'POST',
    url: `/imports/jobs/${jobId}/cancel`,
    payload: '',
    headers: { 'content-type': 'application/x-www-form-urlencoded', referer: 'http://localhost/imports' },
  });
  assert.equal(noToken.statusCode, 403);
  assert.equal((await jobRow(jobId)).state, 'queued', 'still waiting');

  const other = await createCouncil(t.db, { code: 'other-cancel', name: 'Other Council' });
  const otherStaff = await t.db
    .insertInto('staff')
    .values({ council_id: other.id, name: 'Olive Other', job_title: 'QA lead' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const theirs = await waitingJob(other.id, otherStaff.id);
  const res = await qa.post(`/imports/jobs/${theirs}/cancel`, {}, '/imports');
  assert.equal(res.statusCode, 404);
  assert.equal((await jobRow(theirs)).state, 'queued');

  const admin = new Agent(app);
  await admin.signInAs('administrator');
  const ok = await admin.post(`/imports/jobs/${jobId}/cancel`, {}, `/imports/jobs/${jobId}`);
  assert.equal(ok.statusCode, 303);
  assert.equal((await jobRow(jobId)).state, 'cancelled');
});

test('a job being read elsewhere, once cancelled, says it is stopping until its reader ends it', async () => {
  const jobId = await waitingJob();
  // as another instance has it: running, its lock held elsewhere
  await t.db
    .updateTable('import_jobs')
    .set({ state: 'running', attempts: 1 })
    .where('id', '=', jobId)
    .execute();
  const res = await qa.post(`/imports/jobs/${jobId}/cancel`, {}, `/imports/jobs/${jobId}`);
  assert.equal(res.statusCode, 303);
  const job = await jobRow(jobId);
  assert.equal(job.state, 'running', 'its reader ends it');
  assert.equal(job.cancelled_by, qaLead.id);
  const page = await qa.get(`/imports/jobs/${jobId}`);
  assert.equal(h1(page.body), 'Cancelling the import');
  assert.match(
    page.body,
    new RegExp(`Cancelled by ${qaLead.name} at .* The import stops at its next batch of rows`),
  );
  assert.doesNotMatch(page.body, /Cancel this import/);
  // the app starting again (its reader gone) ends it cancelled without reading it
  const runner = new ImportRunner({ db: t.db, dataDir, log: { info() {}, error() {} } });
  await runner.runPending();
  assert.equal((await jobRow(jobId)).state, 'cancelled');
  assert.equal(await chunks(jobId), 0);
  assert.equal(h1((await qa.get(`/imports/jobs/${jobId}`)).body), 'Import cancelled');
});
