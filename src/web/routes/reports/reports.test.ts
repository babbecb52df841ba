/**
 * The report and dashboard pages on the demo council: who may open which, what each sees (scrutiny
 * readers only ever the versions for publication, a Head of Service their services), downloads in
 * every format, refusals of bad input, and figures that move as soon as an audit is submitted.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { DEMO_PASSWORD } from '../../../demo/council.ts';
import type { Role } from '../../../domain/roles.ts';
import { hashPassword } from '../../../services/organisation/passwords.ts';

let t: TestDb;
let app: FastifyInstance;
const agents = new Map<Role, Agent>();
let councilId: string;
/** a practitioner whose name must never reach a scrutiny reader */
let workerName: string;

before(async () => {
  t = await createTestDb({ demo: true });
  app = await createTestApp(t.db);
  for (const role of [
    'qa_lead',
    'senior_leader',
    'scrutiny_reader',
    'workforce_development',
    'practitioner',
    'case_manager',
    'auditor',
    'administrator',
  ] as Role[]) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    agents.set(role, agent);
  }
  councilId = (await t.db.selectFrom('councils').select('id').executeTakeFirstOrThrow()).id;
  const worker = await t.db
    .selectFrom('audits as a')
    .innerJoin('staff as s', 's.id', 'a.practitioner_id')
    .select('s.name')
    .where('a.status', '=', 'submitted')
    .executeTakeFirstOrThrow();
  workerName = worker.name;
});
after(async () => {
  await app.close();
  await t.close();
});

const agent = (role: Role) => agents.get(role) as Agent;
const RANGE = 'from=2026-04&to=2026-11';

test('the QA lead reads a report with its charts and tables, every percentage with its count', async () => {
  const res = await agent('qa_lead').get(`/reports?name=grades&${RANGE}`);
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /<h2 class="govuk-heading-l">Audit grades, April 2026 to November 2026<\/h2>/);
  assert.match(res.body, /<svg role="img" aria-label="Audits graded good or better/);
  assert.match(res.body, /\d+ of \d+ \(\d+%, 95% CI \d+% to \d+%\)/, 'shares carry counts and intervals');
  assert.ok(res.body.includes(workerName), 'the QA lead sees grades by worker');
  for (const format of ['json', 'csv', 'xlsx', 'docx', 'html']) {
    assert.ok(res.body.includes(`/reports/grades.${format}?`), `offers ${format}`);
  }
});

test('each report downloads in each format as a file', async () => {
  const types: Record<string, RegExp> = {
    json: /^application\/json/,
    csv: /^text\/csv/,
    xlsx: /spreadsheetml/,
    docx: /wordprocessingml/,
    html: /^text\/html/,
  };
  for (const name of [
    'returns',
    'grades',
    'sections',
    'moderation',
    'escalations',
    'feedback',
    'themes',
    'actions',
  ]) {
    for (const [format, type] of Object.entries(types)) {
      const res = await agent('qa_lead').request({
        method: 'GET',
        url: `/reports/${name}.${format}?${RANGE}`,
      });
      assert.equal(res.statusCode, 200, `${name}.${format}`);
      assert.match(String(res.headers['content-type']), type, `${name}.${format}`);
      assert.match(
        String(res.headers['content-disposition']),
        new RegExp(`attachment; filename="${name}-2026-04-to-2026-11`),
      );
      assert.equal(res.headers['cache-control'], 'no-store');
    }
  }
  const json = JSON.parse((await agent('qa_lead').get(`/reports/grades.json?${RANGE}`)).body);
  assert.equal(json.report, 'grades');
  assert.equal(json.from, '2026-04');
  assert.equal(json.publication, false);
});

test('a scrutiny reader and workforce development only ever get the version for publication', async () => {
  for (const role of ['scrutiny_reader', 'workforce_development'] as Role[]) {
    const page = await agent(role).get(`/reports?name=grades&${RANGE}`);
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes('For publication'), role);
    assert.ok(!page.body.includes(workerName), `${role} sees no worker named`);
    assert.ok(!page.body.includes('By team'), `${role} sees nothing below service level`);
    assert.doesNotMatch(page.body, /name="worker"/, 'no worker to choose');
    // asking for the full version changes nothing
    const json = JSON.parse((await agent(role).get(`/reports/grades.json?${RANGE}&public=0`)).body);
    assert.equal(json.publication, true);
    assert.deepEqual(json.byTeam, []);
    assert.deepEqual(json.byWorker, []);
    const counts = json.months.flatMap((m: { counts: Record<string, unknown> }) => Object.values(m.counts));
    assert.ok(
      counts.every((c: unknown) => typeof c !== 'number' || c === 0 || c >= 5),
      'no count from 1 to 4 is shown',
    );
    const feedback = JSON.parse((await agent(role).get(`/reports/feedback.json?${RANGE}`)).body);
    assert.deepEqual(feedback.practitioner.answers, [], 'no written answers');
  }
});

test('a Head of Service sees their own service area’s figures, whatever they ask for', async () => {
  const head = await t.db
    .selectFrom('staff as s')
    .innerJoin('service_areas as sa', 'sa.id', 's.service_area_id')
    .select(['s.id', 's.email', 'sa.id as areaId', 'sa.name as area'])
    .where('s.job_title', 'like', 'Head of Service, %')
    .where('s.council_id', '=', councilId)
    .orderBy('s.job_title')
    .executeTakeFirstOrThrow();
  const other = await t.db
    .selectFrom('service_areas')
    .select('id')
    .where('council_id', '=', councilId)
    .where('id', '!=', head.areaId)
    .executeTakeFirstOrThrow();
  // only the demo's person for each role has a password: give this Head of Service one
  await t.db
    .updateTable('user_accounts')
    .set({ password_hash: await hashPassword(DEMO_PASSWORD) })
    .where('staff_id', '=', head.id)
    .execute();
  const hos = new Agent(app);
  const signIn = await hos.post('/sign-in', { email: head.email as string, password: DEMO_PASSWORD });
  assert.equal(signIn.statusCode, 302);
  const json = JSON.parse((await hos.get(`/reports/grades.json?${RANGE}&serviceArea=${other.id}`)).body);
  assert.deepEqual(json.filters, [`${head.area} service area`]);
  assert.ok(json.byServiceArea.every((g: { name: string }) => g.name === head.area));
  const page = await hos.get('/dashboards/quality');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<h1 class="govuk-heading-xl">Your services<\/h1>/);
});

test('a backwards range or a filter the council does not have is refused with an error summary', async () => {
  const backwards = await agent('qa_lead').get('/reports?name=grades&from=2026-11&to=2026-04');
  assert.equal(backwards.statusCode, 400);
  assert.deepEqual(errorSummaryItems(backwards.body), [
    { text: 'The last month must be the same as or after the first month', href: '#to' },
  ]);
  const unknownTeam = await agent('qa_lead').get(
    `/reports?name=grades&${RANGE}&team=00000000-0000-4000-8000-000000000000`,
  );
  assert.equal(unknownTeam.statusCode, 400);
  assert.deepEqual(errorSummaryItems(unknownTeam.body), [
    { text: 'Choose a team from the list', href: '#team' },
  ]);
  const badMonth = await agent('qa_lead').get('/reports?name=grades&from=April&to=2026-11');
  assert.equal(badMonth.statusCode, 400);
  assert.equal(errorSummaryItems(badMonth.body)[0].href, '#from');
  const download = await agent('qa_lead').get('/reports/grades.csv?from=2026-11&to=2026-04');
  assert.equal(download.statusCode, 400);
  assert.match(download.body, /The last month must be the same as or after the first month/);
  assert.equal((await agent('qa_lead').get('/reports/nonsense.csv')).statusCode, 404);
  assert.equal((await agent('qa_lead').get('/reports/grades.pdf')).statusCode, 404);
});

test('practitioners, case managers, auditors and administrators cannot open reports', async () => {
  for (const role of ['practitioner', 'case_manager', 'auditor', 'administrator'] as Role[]) {
    // the demo QA lead is an auditor too; the demo auditor holds no reporting role
    assert.equal((await agent(role).get('/reports')).statusCode, 403, role);
    assert.equal((await agent(role).get(`/reports/grades.json?${RANGE}`)).statusCode, 403, role);
  }
});

test('dashboards by role: the QA lead’s cycle and quality dashboards, a team manager’s team', async () => {
  const index = await agent('qa_lead').get('/dashboards');
  assert.equal(index.statusCode, 200);
  assert.ok(index.body.includes('/dashboards/cycle'));
  assert.ok(index.body.includes('/dashboards/quality'));
  const cycle = await agent('qa_lead').get('/dashboards/cycle');
  assert.equal(cycle.statusCode, 200);
  assert.match(cycle.body, /Escalations waiting/);
  assert.match(cycle.body, /Moderation progress/);
  assert.match(cycle.body, /By auditor/);
  const quality = await agent('qa_lead').get(`/dashboards/quality?${RANGE}`);
  assert.equal(quality.statusCode, 200);
  for (const part of ['Audit grades', 'Audit sections', 'Practice themes in audits below good', 'Feedback']) {
    assert.ok(quality.body.includes(part), part);
  }
  const team = await agent('case_manager').get('/dashboards/team');
  assert.equal(team.statusCode, 200);
  assert.match(team.body, /Your team: Safeguarding North/);
  assert.equal((await agent('case_manager').get('/dashboards/quality')).statusCode, 403);
  assert.equal((await agent('case_manager').get('/dashboards/cycle')).statusCode, 403);
  assert.equal((await agent('senior_leader').get('/dashboards/cycle')).statusCode, 403);
  for (const role of [
    'practitioner',
    'scrutiny_reader',
    'workforce_development',
    'administrator',
  ] as Role[]) {
    assert.equal((await agent(role).get('/dashboards')).statusCode, 403, role);
    assert.equal((await agent(role).get('/dashboards/quality')).statusCode, 403, role);
  }
});

test('an audit submitted a moment ago is in the dashboard the next time it opens', async () => {
  const count = async () => {
    const json = JSON.parse(
      (await agent('qa_lead').get('/reports/grades.json?from=2026-11&to=2026-11')).body,
    );
    return json.goodOrBetter.total.total as number;
  };
  const before = await count();
  const waiting = await t.db
    .selectFrom('audits as a')
    .innerJoin('programme_months as pm', 'pm.id', 'a.month_id')
    .select('a.id')
    .where('pm.month', '=', '2026-11-01')
    .where('a.kind', '=', 'full_audit')
    .where('a.status', 'in', ['allocated', 'in_progress'])
    .executeTakeFirstOrThrow();
  await t.db
    .updateTable('audits')
    .set({
      status: 'submitted',
      submitted_at: new Date(),
      overall_grade: 'good',
      overall_good_or_better: true,
      final_grade: 'good',
      final_good_or_better: true,
    })
    .where('id', '=', waiting.id)
    .execute();
  assert.equal(await count(), before + 1);
});

test('any figure can be traced to its audits: the list behind a report, each download in the access log', async () => {
  const page = await agent('qa_lead').get(`/reports?name=grades&${RANGE}`);
  assert.ok(page.body.includes(`/reports/audit-list/csv?`), 'the report offers the audits behind it');
  const logged = async () =>
    Number(
      (
        await t.db
          .selectFrom('access_log')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('record_type', '=', 'audit list download')
          .executeTakeFirstOrThrow()
      ).n,
    );
  const before = await logged();
  const res = await agent('qa_lead').get(`/reports/audit-list/csv?${RANGE}&kind=full_audit`);
  assert.equal(res.statusCode, 200);
  assert.match(
    String(res.headers['content-disposition']),
    /attachment; filename="audits-2026-04-to-2026-11.csv"/,
  );
  const lines = res.body
    .replace(/^\ufeff/, '')
    .trim()
    .split('\n');
  assert.match(lines[0], /^table,group,childReference,reference,source,kind,status/);
  const returned = lines.filter((l) => l.includes(',Returned,')).length;
  // the grades report of the same months and filter counts the same returned, graded audits
  const grades = JSON.parse(
    (await agent('qa_lead').get(`/reports/grades.json?${RANGE}&kind=full_audit`)).body,
  );
  const graded = lines.filter((l) => /,Returned,/.test(l) && /,(Yes|No),(Yes|No)$/.test(l)).length;
  assert.equal(graded, grades.goodOrBetter.total.total);
  assert.ok(returned >= graded);
  assert.equal(await logged(), before + lines.length - 1, 'every child listed is in the access log');

  const publication = await agent('qa_lead').get(`/reports/audit-list/csv?${RANGE}&public=1`);
  assert.equal(publication.statusCode, 400);
  assert.match(publication.body, /cannot be prepared for publication/);
  for (const role of ['scrutiny_reader', 'workforce_development', 'practitioner', 'case_manager'] as Role[]) {
    assert.equal((await agent(role).get(`/reports/audit-list/csv?${RANGE}`)).statusCode, 403, role);
  }
  assert.equal((await agent('qa_lead').get(`/reports/audits.csv?${RANGE}`)).statusCode, 404);
  assert.equal(await logged(), before + lines.length - 1, 'nothing more was logged');
});

test('a report for publication is never narrowed to a team or a worker', async () => {
  const team = await t.db
    .selectFrom('teams')
    .select('id')
    .where('council_id', '=', councilId)
    .executeTakeFirstOrThrow();
  const refused = await agent('qa_lead').get(`/reports?name=grades&${RANGE}&public=1&team=${team.id}`);
  assert.equal(refused.statusCode, 400);
  assert.deepEqual(errorSummaryItems(refused.body), [
    {
      text: 'A report for publication cannot be narrowed to a team: choose a service area or locality instead',
      href: '#team',
    },
  ]);
  // a scrutiny reader is never offered it, and asking for it gives the council's figures
  const page = await agent('scrutiny_reader').get(`/reports?name=grades&${RANGE}`);
  assert.doesNotMatch(page.body, /name="team"/);
  const json = JSON.parse(
    (await agent('scrutiny_reader').get(`/reports/grades.json?${RANGE}&team=${team.id}`)).body,
  );
  assert.deepEqual(json.filters, []);
});
