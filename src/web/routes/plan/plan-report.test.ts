import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp } from '../../../../test/helpers/app.ts';
import { docxParts, wordText } from '../../../../test/helpers/audit-document.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';

let t: TestDb;
let app: FastifyInstance;
let councilId: string;
let planId: string;
const agents = new Map<string, Agent>();

async function agent(role: string): Promise<Agent> {
  let a = agents.get(role);
  if (!a) {
    a = new Agent(app);
    await a.signInAs(role);
    agents.set(role, a);
  }
  return a;
}

/** A Word download's text (the raw bytes, not the page text the Agent gives). */
async function wordOf(role: string, url: string) {
  const a = await agent(role);
  const res = await app.inject({
    method: 'GET',
    url,
    headers: { cookie: [...a.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  return {
    res,
    text:
      res.statusCode === 200
        ? wordText((await docxParts(res.rawPayload)).get('word/document.xml') ?? '')
        : '',
  };
}

const reports = async () =>
  (await t.db.selectFrom('plan_reports').select('id').where('council_id', '=', councilId).execute()).length;

before(async () => {
  t = await createTestDb({ demo: true });
  app = await createTestApp(t.db);
  councilId = (await t.db.selectFrom('councils').select('id').executeTakeFirstOrThrow()).id;
  const current = await t.db
    .selectFrom('improvement_plans')
    .select('id')
    .where('council_id', '=', councilId)
    .where('status', '=', 'current')
    .executeTakeFirst();
  planId =
    current?.id ??
    (
      await t.db
        .insertInto('improvement_plans')
        .values({ council_id: councilId, title: 'Westbrook improvement plan' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  // an outcome of our own, led by a named person, with a rating that differs from the evidence
  const lead = await t.db
    .selectFrom('staff')
    .select(['id', 'name', 'job_title'])
    .where('council_id', '=', councilId)
    .where('external_id', '=', 'DEMO-case_manager')
    .executeTakeFirstOrThrow();
  const area = await t.db
    .insertInto('plan_areas')
    .values({
      council_id: councilId,
      plan_id: planId,
      number: '9',
      title: 'Testing area',
      want_to_see: 'Purposeful visits',
      needs_to_change: 'Visits are not recorded promptly',
      position: 99,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const outcome = await t.db
    .insertInto('plan_outcomes')
    .values({
      council_id: councilId,
      plan_id: planId,
      area_id: area.id,
      ref: '9.1',
      outcome: 'Visits are recorded within three days',
      lead: '',
      lead_staff_id: lead.id,
      due_on: '2027-01-31',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto('plan_ratings')
    .values({
      council_id: councilId,
      outcome_id: outcome.id,
      locality_id: null,
      rag: 'amber',
      reason: 'Recording has improved in two teams only',
      set_by: lead.id,
      set_at: new Date('2026-11-15T10:00:00Z'),
    })
    .execute();
  await t.db
    .insertInto('plan_updates')
    .values({
      council_id: councilId,
      outcome_id: outcome.id,
      written_on: '2026-11-16',
      text: 'Recording clinic held weekly.',
      written_by: lead.id,
      created_at: new Date('2026-11-16T10:00:00Z'),
    })
    .execute();
});
after(async () => {
  await app.close();
  await t.close();
});

test('the QA lead reads the report as a page, with Word and publication links', async () => {
  const page = await (await agent('qa_lead')).get('/plan/report');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /progress report<\/h1>/);
  assert.match(page.body, /9\.1 Visits are recorded within three days/);
  assert.match(page.body, /href="\/plan\/report\.docx"[^>]*>Download as Word/);
  assert.match(page.body, /href="\/plan\/report\/for-publication">Publication version/);
  assert.match(page.body, /What changed since the last report/);
  assert.match(page.body, /This is the first progress report of the plan/);
  assert.equal((page.body.match(/<h1[ >]/g) ?? []).length, 1, 'one h1');
});

test('who may read the full report, and who only the version for publication', async () => {
  for (const role of ['qa_lead', 'senior_leader', 'case_manager', 'workforce_development']) {
    const a = await agent(role);
    assert.equal((await a.get('/plan/report')).statusCode, 200, `${role} reads the full report`);
    assert.equal((await a.get('/plan/report/for-publication')).statusCode, 200, role);
  }
  const scrutiny = await agent('scrutiny_reader');
  assert.equal(
    (await scrutiny.get('/plan/report')).statusCode,
    403,
    'a councillor is refused the full report',
  );
  assert.equal((await scrutiny.get('/plan/report.docx')).statusCode, 403);
  const published = await scrutiny.get('/plan/report/for-publication');
  assert.equal(published.statusCode, 200);
  assert.doesNotMatch(
    published.body,
    /href="\/plan\/report"/,
    'no link to the full version they cannot open',
  );
  // (the demo's auditor is also a team manager, so reads the plan)
  for (const role of ['practitioner', 'administrator']) {
    const a = await agent(role);
    for (const url of [
      '/plan/report',
      '/plan/report.docx',
      '/plan/report/for-publication',
      '/plan/report/for-publication.docx',
    ])
      assert.equal((await a.get(url)).statusCode, 403, `${role} ${url}`);
  }
  const signedOut = await app.inject({ method: 'GET', url: '/plan/report' });
  assert.equal(signedOut.statusCode, 302);
});

test('the version for publication names no one and gives the lead as a job title', async () => {
  const lead = await t.db
    .selectFrom('staff')
    .select(['name', 'job_title'])
    .where('external_id', '=', 'DEMO-case_manager')
    .executeTakeFirstOrThrow();
  const page = await (await agent('scrutiny_reader')).get('/plan/report/for-publication');
  assert.doesNotMatch(page.body, new RegExp(lead.name));
  assert.match(page.body, new RegExp(lead.job_title));
  const full = await (await agent('qa_lead')).get('/plan/report');
  assert.match(full.body, new RegExp(lead.name), 'the full version names the lead');
  const { res, text } = await wordOf('scrutiny_reader', '/plan/report/for-publication.docx');
  assert.equal(res.statusCode, 200);
  assert.match(
    String(res.headers['content-disposition']),
    /improvement-plan-progress-2026-11-22-for-publication\.docx/,
  );
  assert.match(text, /For publication/);
  assert.doesNotMatch(text, new RegExp(lead.name));
});

test('the QA lead’s Word download is recorded, and the next report says what changed since', async () => {
  const before = await reports();
  // a councillor's download is not the board's report
  await wordOf('scrutiny_reader', '/plan/report/for-publication.docx');
  assert.equal(await reports(), before);
  const { res, text } = await wordOf('qa_lead', '/plan/report.docx');
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /wordprocessingml/);
  assert.match(text, /Visits are recorded within three days/);
  assert.equal(await reports(), before + 1);
  // produced today: it counts as today's report, so this is still the first
  let page = await (await agent('qa_lead')).get('/plan/report');
  assert.match(page.body, /This is the first progress report of the plan/);
  // produced on 14 November: the rating of 15 November and the update of 16 November are listed
  const producedOn = async (when: Date) =>
    t.db.updateTable('plan_reports').set({ produced_at: when }).where('council_id', '=', councilId).execute();
  await producedOn(new Date('2026-11-14T10:00:00Z'));
  page = await (await agent('qa_lead')).get('/plan/report');
  assert.match(page.body, /Since the last report, produced 14 November 2026/);
  assert.match(
    page.body,
    /<th scope="row" class="govuk-table__header">9\.1<\/th><td class="govuk-table__cell">Overall<\/td><td class="govuk-table__cell">Not rated<\/td><td class="govuk-table__cell">Amber<\/td>/,
  );
  assert.match(
    page.body,
    /<strong>9\.1<\/strong>, 16 November 2026 by [^:]+: Recording clinic held weekly\./,
  );
  // produced on 17 November, after them: neither is listed
  await producedOn(new Date('2026-11-17T10:00:00Z'));
  page = await (await agent('qa_lead')).get('/plan/report');
  assert.match(page.body, /Since the last report, produced 17 November 2026/);
  assert.doesNotMatch(page.body, /<th scope="row" class="govuk-table__header">9\.1<\/th>/);
  assert.doesNotMatch(page.body, /Recording clinic held weekly/);
});

test('with no plan the page says so and the Word version is not found', async () => {
  await t.db
    .updateTable('improvement_plans')
    .set({ status: 'archived' })
    .where('council_id', '=', councilId)
    .execute();
  const page = await (await agent('qa_lead')).get('/plan/report');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /There is no improvement plan yet/);
  assert.equal((await (await agent('qa_lead')).get('/plan/report.docx')).statusCode, 404);
  await t.db.updateTable('improvement_plans').set({ status: 'current' }).where('id', '=', planId).execute();
});

test('the reports page lists the progress report for those who may read it', async () => {
  const lead = await (await agent('qa_lead')).get('/reports');
  assert.match(lead.body, /href="\/plan\/report"/);
  const scrutiny = await (await agent('scrutiny_reader')).get('/reports');
  assert.match(scrutiny.body, /href="\/plan\/report\/for-publication"/);
  assert.doesNotMatch(scrutiny.body, /href="\/plan\/report"/);
});
