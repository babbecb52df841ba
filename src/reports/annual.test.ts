import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { docxParts, wordText } from '../../test/helpers/audit-document.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { createDemoCouncil } from '../services/demo-council.ts';
import { annualReport, annualReportDocx, annualReportHtml } from './annual.ts';
import { produceReport } from './catalogue.ts';
import type { GradesReport } from './grades.ts';
import type { ReportParams } from './report-base.ts';

let t: TestDb;
let councilId: string;
let p: ReportParams;
let xml: string;
let text: string;
let ms: number;

before(async () => {
  t = await createTestDb();
  await createDemoCouncil(t.db, { today: '2026-11-22' });
  const council = await t.db.selectFrom('councils').select(['id', 'name']).executeTakeFirstOrThrow();
  councilId = council.id;
  p = {
    from: '2026-04',
    to: '2027-03',
    filters: {},
    filterWords: [],
    councilName: council.name,
    publication: false,
    today: '2026-11-22',
  };
  const started = Date.now();
  const docx = await annualReportDocx(t.db, councilId, p);
  ms = Date.now() - started;
  xml = (await docxParts(docx)).get('word/document.xml') as string;
  text = wordText(xml);
});
after(async () => {
  await t.close();
});

test('the annual report in Word names both years, with chapters as headings, real tables and charts with alternative text', () => {
  assert.ok(ms < 60_000, `${ms} ms`);
  assert.match(text, /Annual quality assurance report, 2026–27/);
  assert.match(text, /April 2026 to March 2027, against April 2025 to March 2026/);
  assert.match(text, /2025–26/);
  for (const chapter of [
    'The year at a glance',
    'Grade distribution',
    'The section view',
    'Moderation',
    'Dip samples and their themes',
    'Learning linked to practice themes',
    'Auditors',
  ]) {
    assert.match(xml, new RegExp(`<w:pStyle w:val="Heading1"/>.*?<w:t[^>]*>\\d+\\. ${chapter}`), chapter);
  }
  assert.match(xml, /<w:pStyle w:val="Heading2"\/>/);
  assert.match(xml, /<w:tbl>/);
  assert.match(xml, /<wp:docPr [^>]*descr="[^"]{20,}"/);
  assert.match(text, /sections of the audit tool improved on 2025–26/);
  assert.match(text, /full case file audits and re-audits only/);
});

test('its grade totals are the grades report’s for the same months, full case file audits and re-audits', async () => {
  const r = await annualReport(t.db, councilId, p);
  for (const [year, from, to] of [
    [r.thisYear, '2026-04', '2027-03'],
    [r.lastYear, '2025-04', '2026-03'],
  ] as const) {
    let graded = 0;
    let good = 0;
    for (const kind of ['full_audit', 're_audit'] as const) {
      const g = (await produceReport(t.db, councilId, 'grades', { ...p, from, to, filters: { kind } }))
        .json as GradesReport;
      graded += Number(g.goodOrBetter.total.total);
      good += Number(g.goodOrBetter.total.count);
    }
    assert.ok(graded > 0);
    assert.equal(year.graded, graded);
    assert.equal(year.goodOrBetter.count, good);
    const returns = (await produceReport(t.db, councilId, 'returns', { ...p, from, to })).json as {
      total: { returned: number; scheduled: number };
    };
    assert.equal(year.returned, returns.total.returned);
    assert.equal(year.scheduled, returns.total.scheduled);
  }
  assert.match(text, new RegExp(`${r.thisYear.goodOrBetter.count} of ${r.thisYear.graded} \\(`));
});

test('for publication it names no team below service level and no worker, and leaves out the auditors', async () => {
  const worker = await t.db
    .selectFrom('audits as a')
    .innerJoin('staff as s', 's.id', 'a.practitioner_id')
    .select('s.name')
    .where('a.status', '=', 'submitted')
    .executeTakeFirstOrThrow();
  const auditor = await t.db
    .selectFrom('audits as a')
    .innerJoin('staff as s', 's.id', 'a.auditor_id')
    .select('s.name')
    .where('a.status', '=', 'submitted')
    .executeTakeFirstOrThrow();
  const teams = (await t.db.selectFrom('teams').select('name').execute()).map((x) => x.name);
  assert.ok(text.includes(auditor.name), 'the full report names its auditors');
  const pub = { ...p, publication: true };
  const publicText = wordText(
    (await docxParts(await annualReportDocx(t.db, councilId, pub))).get('word/document.xml') as string,
  );
  assert.match(publicText, /For publication/);
  assert.ok(!publicText.includes(worker.name), worker.name);
  assert.ok(!publicText.includes(auditor.name), auditor.name);
  for (const team of teams) assert.ok(!publicText.includes(team), team);
  assert.doesNotMatch(publicText, /\d+\. Auditors/);
  const html = await annualReportHtml(t.db, councilId, pub);
  assert.ok(!html.includes(worker.name));
});
