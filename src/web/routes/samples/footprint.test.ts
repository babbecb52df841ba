import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';

/**
 * The QA lead draws a footprint dip sample from the draw form, and its audits go to each reviewing
 * officer's service manager; nobody else may draw one; a footprint that cannot be drawn is refused
 * with a message and nothing written. The quality dashboard shows the panel to QA and Heads of
 * Service (with the demo's returned footprint audits).
 */

let t: TestDb;
let app: Awaited<ReturnType<typeof createTestApp>>;

before(async () => {
  t = await createTestDb({ demo: true });
  app = await createTestApp(t.db);
});
after(async () => {
  await app.close();
  await t.close();
});

async function ids() {
  const month = await t.db
    .selectFrom('programme_months')
    .select('id')
    .where('month', '=', '2026-11-01')
    .executeTakeFirstOrThrow();
  const cohort = async (name: string) =>
    (await t.db.selectFrom('cohorts').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
  const tool = await t.db
    .selectFrom('audit_tools')
    .select('id')
    .where('name', '=', 'Dip sample: IRO footprint')
    .executeTakeFirstOrThrow();
  return {
    monthId: month.id,
    inCare: await cohort('Children in care'),
    earlyHelp: await cohort('Early help and family support'),
    toolId: tool.id,
  };
}

const form = (x: Awaited<ReturnType<typeof ids>>, cohortId: string) => ({
  monthId: x.monthId,
  cohortId,
  kind: 'dip_sample',
  toolDipSample: x.toolId,
  footprint: 'iro',
  sizeKind: 'count',
  count: '3',
  method: 'simple',
  seed: '777',
});

const sampleCount = async () =>
  Number(
    (
      await t.db
        .selectFrom('samples')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

test('the QA lead draws an IRO footprint dip sample: each audit goes to the officer’s service manager', async () => {
  const x = await ids();
  const qa = new Agent(app);
  await qa.signInAs('qa_lead');
  const page = await qa.get('/samples/new');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /Whose footprint does it look at\?/);
  assert.match(page.body, /IRO footprint \(children looked after\)/);

  const drawn = await qa.post('/samples', form(x, x.inCare), '/samples/new');
  assert.equal(drawn.statusCode, 302, drawn.body.slice(0, 400));
  const sampleId = String(drawn.headers.location).split('/').pop() as string;
  const audits = await sql<{ auditor_id: string | null; manager_id: string | null; status: string }>`
    select a.auditor_id, o.line_manager_id as manager_id, a.status from audits a
    join staff o on o.id = a.reviewing_officer_id where a.sample_id = ${sampleId}`.execute(t.db);
  assert.equal(audits.rows.length, 3);
  for (const a of audits.rows) {
    assert.equal(a.status, 'allocated');
    assert.equal(a.auditor_id, a.manager_id);
  }
  const shown = await qa.get(`/samples/${sampleId}`);
  assert.equal(shown.statusCode, 200);
  assert.match(shown.body, /Reviewing officer/);
  assert.match(shown.body, /Rosalind Achebe/);
  assert.match(shown.body, /each audit with the officer’s service manager/);
});

test('a footprint nobody in the cohort has is refused with a message, and nothing is drawn', async () => {
  const x = await ids();
  const qa = new Agent(app);
  await qa.signInAs('qa_lead');
  const before = await sampleCount();
  const res = await qa.post('/samples', form(x, x.earlyHelp), '/samples/new');
  assert.equal(res.statusCode, 400);
  const errors = errorSummaryItems(res.body);
  assert.equal(errors[0]?.href, '#footprint');
  assert.match(errors[0]?.text ?? '', /has an independent reviewing officer/);
  // what was typed is kept
  assert.match(res.body, /value="iro" checked/);
  assert.equal(await sampleCount(), before);
});

test('only the QA lead may draw one: a team manager and a Head of Service are refused', async () => {
  const x = await ids();
  const before = await sampleCount();
  for (const role of ['case_manager', 'senior_leader']) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    const res = await agent.post('/samples', { _csrf: await agent.csrf('/account'), ...form(x, x.inCare) });
    assert.equal(res.statusCode, 403, role);
  }
  assert.equal(await sampleCount(), before);
});

test('the quality dashboard shows the footprint panel to QA, by officer’s team, and to a Head of Service', async () => {
  const qa = new Agent(app);
  await qa.signInAs('qa_lead');
  const mine = await qa.get('/dashboards/quality');
  assert.equal(mine.statusCode, 200);
  assert.match(mine.body, /IRO and CP adviser footprint/);
  assert.match(mine.body, /Independent reviewing officers: by the officer’s team/);
  // the demo's IRO sample: 5 of 8 returned (and the 3 drawn above still with the manager)
  assert.match(mine.body, /5 audits returned this quarter; 6 still with service managers/);
  assert.match(mine.body, /Did the IRO consult the child before the review\?/);
  assert.match(mine.body, /\d+ of \d+ \(\d+%, 95% CI \d+% to \d+%\)/);

  const head = new Agent(app);
  await head.signInAs('senior_leader');
  const theirs = await head.get('/dashboards/quality');
  assert.equal(theirs.statusCode, 200);
  assert.equal(h1(theirs.body).length > 0, true);
  assert.match(theirs.body, /IRO and CP adviser footprint/);
  assert.doesNotMatch(theirs.body, /by the officer’s team/);
});
