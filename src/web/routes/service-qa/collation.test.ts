import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { docxParts, wordText } from '../../../../test/helpers/audit-document.ts';
import { createTestDb, type TestDbWithDemo } from '../../../../test/helpers/db.ts';

let t: TestDbWithDemo;
let app: FastifyInstance;
let qa: Agent;

async function entry(
  key: string,
  end: string,
  count: number,
  themes: string[],
  grades: Record<string, number> | null,
) {
  const council = t.demo.councilId;
  const service = await t.db
    .selectFrom('qa_services')
    .select('id')
    .where('council_id', '=', council)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  const contributor = await t.db
    .selectFrom('staff')
    .select('id')
    .where('council_id', '=', council)
    .where('external_id', '=', 'DEMO-service_contributor')
    .executeTakeFirst();
  const row = await t.db
    .insertInto('service_qa_entries')
    .values({
      council_id: council,
      service_id: service.id,
      period_start: `${end.slice(0, 7)}-01`,
      period_end: end,
      quarter_start: end >= '2026-10-01' ? '2026-10-01' : '2026-07-01',
      reviewed: `Collation test: ${key} case files`,
      reviewed_count: count,
      strengths: `Collation test strengths of ${key}`,
      development: `Collation test development of ${key}`,
      grades: grades ? JSON.stringify(grades) : null,
      contributor_id: key === 'lado' ? (contributor?.id ?? null) : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto('service_qa_entry_themes')
    .values(themes.map((k) => ({ entry_id: row.id, council_id: council, theme_key: k })))
    .execute();
}

before(async () => {
  t = await createTestDb({ demo: true });
  app = await createTestApp(t.db);
  qa = new Agent(app);
  await qa.signInAs('qa_lead');
  // the demo's own entries are left out, so the figures here are the test's
  await t.db.deleteFrom('service_qa_entries').where('council_id', '=', t.demo.councilId).execute();
  await entry('lado', '2026-10-31', 7, ['chronologies'], null);
  await entry('sen', '2026-11-15', 11, ['chronologies', 'voice_of_the_child'], {
    outstanding: 1,
    good: 6,
    requires_improvement: 3,
    inadequate: 1,
  });
  await entry('youth_justice', '2026-11-20', 9, ['management_oversight', 'smart_planning'], {
    good: 5,
    requires_improvement: 4,
  });
  await entry('sen', '2026-08-31', 5, ['chronologies'], { good: 5 });
});
after(async () => {
  await app.close();
  await t.close();
});

test('QA, senior leaders and workforce development read the collation; others are refused', async () => {
  for (const role of ['qa_lead', 'senior_leader', 'workforce_development']) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    const page = await agent.get('/service-qa/collation');
    assert.equal(page.statusCode, 200, role);
    assert.equal(h1(page.body), 'QA from across services, Q3 2026 to 2027');
  }
  for (const role of [
    'auditor',
    'practitioner',
    'case_manager',
    'scrutiny_reader',
    'administrator',
    'service_contributor',
    'partner_contributor',
  ]) {
    const agent = new Agent(app);
    try {
      await agent.signInAs(role);
    } catch {
      continue; // a role the demo has nobody for
    }
    for (const url of ['/service-qa/collation', '/service-qa/collation.docx', '/service-qa/collation.xlsx'])
      assert.equal((await agent.get(url)).statusCode, 403, `${role} ${url}`);
  }
  const anonymous = await new Agent(app).get('/service-qa/collation');
  assert.equal(anonymous.statusCode, 302);
});

test('the page lays the sources side by side by theme, with the audit programme as a source', async () => {
  const page = await qa.get('/service-qa/collation?quarter=2026-10-01');
  assert.equal(page.statusCode, 200);
  const body = page.body.replaceAll('&#39;', "'");
  // three services with entries, and the demo's audits this quarter
  const m = body.match(/Chronologies: found in (\d+) of (\d+) services this quarter/);
  assert.ok(m, 'the chronologies sentence');
  assert.equal(Number(m[2]), 4, 'three services and the audit programme');
  assert.ok(Number(m[1]) >= 2);
  assert.match(body, /3 entries from 3 services this quarter, 27 reviewed between them/);
  assert.match(body, /QA Loop audits: \d+ audits? returned in the quarter/);
  assert.match(body, /Collation test strengths of sen/);
  assert.match(body, /Collation test development of youth_justice/);
  assert.match(body, /last quarter: \d+ of \d+/);
  assert.match(body, /7 of 11 \(64%, 95% CI \d+% to \d+%\)/, 'SEN good or better with its interval');
  assert.match(body, /entered by /, 'the full version names the contributor');
  // the quarter chooser offers this quarter and last
  assert.match(body, /<option value="2026-07-01"/);
  assert.match(body, /<option value="2026-10-01" selected/);
  // last quarter
  const before = await qa.get('/service-qa/collation?quarter=2026-07-01');
  assert.equal(h1(before.body), 'QA from across services, Q2 2026 to 2027');
  assert.match(before.body, /1 entry from 1 service this quarter, 5 reviewed between them/);
});

test('the publication version names no one and suppresses small counts', async () => {
  const page = await qa.get('/service-qa/collation?quarter=2026-10-01&version=publication');
  assert.equal(page.statusCode, 200);
  assert.doesNotMatch(page.body, /entered by /);
  assert.match(page.body, /fewer than 5/);
  assert.match(page.body, /3 entries from 3 services this quarter, 27 reviewed between them/);
  assert.match(page.body, /href="\/service-qa\/collation\?quarter=2026-10-01">Full version/);
});

test('a quarter that is not a quarter is refused with a message', async () => {
  for (const q of ['2026-10-02', '2026-11-01', 'soon', '2026-13-01']) {
    const page = await qa.get(`/service-qa/collation?quarter=${q}`);
    assert.equal(page.statusCode, 400, q);
    assert.deepEqual(errorSummaryItems(page.body), [
      { text: 'Choose a quarter from the list', href: '#quarter' },
    ]);
    const word = await qa.get(`/service-qa/collation.docx?quarter=${q}`);
    assert.equal(word.statusCode, 400, `${q} docx`);
  }
});

test('Word and Excel, full and for publication', async () => {
  const word = await app.inject({
    method: 'GET',
    url: '/service-qa/collation.docx?quarter=2026-10-01',
    headers: { cookie: [...qa.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  assert.equal(word.statusCode, 200);
  assert.match(String(word.headers['content-disposition']), /qa-collation-2026-10-01\.docx/);
  const xml = wordText((await docxParts(word.rawPayload)).get('word/document.xml') ?? '');
  assert.match(xml, /QA from across services, Q3 2026 to 2027/);
  assert.match(xml, /Collation test strengths of sen/);
  assert.match(xml, /entered by/);

  const pubWord = await app.inject({
    method: 'GET',
    url: '/service-qa/collation.docx?quarter=2026-10-01&version=publication',
    headers: { cookie: [...qa.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  assert.match(String(pubWord.headers['content-disposition']), /for-publication\.docx/);
  const pubXml = wordText((await docxParts(pubWord.rawPayload)).get('word/document.xml') ?? '');
  assert.doesNotMatch(pubXml, /entered by/);
  assert.match(pubXml, /For publication/);

  const excel = await app.inject({
    method: 'GET',
    url: '/service-qa/collation.xlsx?quarter=2026-10-01',
    headers: { cookie: [...qa.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  assert.equal(excel.statusCode, 200);
  assert.match(String(excel.headers['content-type']), /spreadsheetml/);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(excel.rawPayload as unknown as ArrayBuffer);
  const names = workbook.worksheets.map((w) => w.name);
  assert.equal(names[0], 'Summary');
  const themes = workbook.worksheets[1];
  const header = (themes.getRow(1).values as unknown[]).map(String);
  assert.ok(header.includes('Practice theme'));
  // the usual services head their columns with a short name, so ten columns fit a page
  assert.ok(header.includes('LADO'));
  assert.ok(header.some((h) => /QA Loop audits/.test(h)));
});

test('the services’ themes feed the practice theme counts, learning and the improvement plan, labelled as another source', async () => {
  const themes = await qa.get('/practice-themes');
  assert.equal(themes.statusCode, 200);
  assert.match(themes.body, /Found by other services’ QA this quarter/);
  assert.match(themes.body, /Another source: of 3 services with QA in Q3 2026 to 2027/);

  const dashboard = await qa.get('/dashboards/quality');
  assert.equal(dashboard.statusCode, 200);
  assert.match(dashboard.body, /Found by other services’ QA, Q3 2026 to 2027 \(another source\)/);

  for (const url of ['/closing-the-loop', '/learning']) {
    const page = await qa.get(url);
    assert.equal(page.statusCode, 200, url);
    assert.match(page.body, /Practice themes found by other services’ QA, Q3 2026 to 2027/, url);
    assert.match(page.body, /Chronologies<\/th>\s*<td class="govuk-table__cell">2 of 3 services/, url);
  }

  // the demo plan's outcome 3.2 measures SMART planning by theme
  const outcome = await t.db
    .selectFrom('plan_measures')
    .select('outcome_id')
    .where('council_id', '=', t.demo.councilId)
    .where('kind', '=', 'theme')
    .where('theme_key', '=', 'smart_planning')
    .executeTakeFirstOrThrow();
  const page = await qa.get(`/plan/outcomes/${outcome.outcome_id}`);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /Evidence from other services’ QA/);
  assert.match(page.body, /SMART planning: 1 entry from other services’ QA in Q3 2026 to 2027/);
  assert.match(
    page.body,
    /Youth justice<\/strong>, 1 November 2026 to 20 November 2026: Collation test: youth_justice case files \(9 reviewed\)/,
  );
});
