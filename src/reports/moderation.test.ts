import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import ExcelJS from 'exceljs';
import { docxParts, wordText } from '../../test/helpers/audit-document.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import {
  buildModerationFigureFixture,
  type ModerationFigureFixture,
} from '../../test/helpers/moderation-figures.ts';
import {
  MODERATION_CSV_COLUMNS,
  moderationReport,
  moderationReportCsv,
  moderationReportDocx,
  moderationReportHtml,
  moderationReportXlsx,
} from './moderation.ts';

let t: TestDb;
let f: ModerationFigureFixture;

before(async () => {
  t = await createTestDb();
  f = await buildModerationFigureFixture(t.db);
});
after(() => t.close());

test('JSON: the fields of interfaces.md with the hand-worked values, then the breakdowns', async () => {
  const r = await moderationReport(t.db, f.councilId, '2026-10', '2026-11');
  const {
    byMonth,
    byService,
    byAuditor,
    trend,
    moderatedCi95,
    downgradedCi95,
    kappaN,
    auditorKappaMinimum,
    ...core
  } = r;
  assert.deepEqual(core, {
    report: 'moderation',
    from: '2026-10',
    to: '2026-11',
    returned: 15,
    moderated: 12,
    moderatedRate: 0.8,
    supported: 9,
    upgraded: 1,
    downgraded: 2,
    downgradedRate: 0.167,
    finalGrades: { good: 6, requires_improvement: 5, inadequate: 1 },
    kappa: 0.5,
  });
  assert.equal(kappaN, 12);
  assert.equal(auditorKappaMinimum, 10);
  assert.deepEqual(moderatedCi95, [0.548, 0.93]);
  assert.equal(downgradedCi95?.length, 2);
  assert.deepEqual(
    byMonth.map((m) => [m.month, m.returned, m.moderated, m.moderatedRate, m.downgraded, m.downgradedRate]),
    [
      ['2026-10', 5, 5, 1, 0, 0],
      ['2026-11', 10, 7, 0.7, 2, 0.286],
    ],
  );
  assert.deepEqual(
    byService.map((s) => [s.serviceArea, s.returned, s.moderated]),
    [
      ['Children in care', 3, 2],
      ['Safeguarding', 12, 10],
    ],
  );
  assert.deepEqual(
    byAuditor.map((a) => [a.auditor, a.moderated, a.kappa, a.kappaN]),
    [
      ['Manager east', 2, null, 2],
      ['Manager south', 10, 0.516, 10],
    ],
  );
  assert.deepEqual(trend, [
    { quarter: '2026-10', name: 'October to December 2026', moderated: 12, kappa: 0.5, kappaN: 12 },
  ]);
  // a round trip through JSON keeps every field
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
});

test('CSV: a row per total, month, service, auditor, quarter and final grade', async () => {
  const r = await moderationReport(t.db, f.councilId, '2026-10', '2026-11');
  const csv = moderationReportCsv(r);
  const lines = csv.trim().split('\n');
  assert.equal(lines[0], MODERATION_CSV_COLUMNS.join(','));
  assert.equal(lines[1], 'total,2026-10 to 2026-11,15,12,0.8,0.548,0.93,9,1,2,0.167,0.047,0.448,0.5,12');
  assert.ok(lines.includes('month,2026-10,5,5,1,0.566,1,5,0,0,0,0,0.434,,'));
  assert.ok(lines.some((l) => l.startsWith('auditor,Manager south,12,10,') && l.endsWith(',0.516,10')));
  assert.ok(lines.some((l) => l.startsWith('auditor,Manager east,3,2,') && l.endsWith(',,2')));
  assert.ok(lines.includes('quarter,2026-10,,12,,,,,,,,,,0.5,12'));
  assert.ok(lines.includes('final grade,good,,6,,,,,,,,,,,'));
  assert.ok(moderationReportCsv(r, { bom: true }).startsWith('\ufeff'));
});

test('XLSX: a workbook exceljs reads back, a sheet per table with numbers as numbers', async () => {
  const r = await moderationReport(t.db, f.councilId, '2026-10', '2026-11');
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load((await moderationReportXlsx(r)) as unknown as ArrayBuffer);
  assert.deepEqual(
    workbook.worksheets.map((w) => w.name),
    ['Summary', 'By month', 'By service area', 'By auditor', 'Kappa by quarter', 'Final grades'],
  );
  const auditors = workbook.getWorksheet('By auditor');
  assert.ok(auditors);
  const south = auditors.getRow(3).values as unknown[];
  assert.equal(south[1], 'Manager south');
  assert.equal(south[2], 12);
  assert.equal(south[3], 10);
  assert.equal(south[13], 0.516);
  const summary = workbook.getWorksheet('Summary');
  assert.equal(summary?.getRow(10).getCell(2).value, 0.5);
});

test('DOCX: a Word document (a zip) whose document.xml has the headings and the figures', async () => {
  const r = await moderationReport(t.db, f.councilId, '2026-10', '2026-11');
  const docx = await moderationReportDocx(r);
  assert.equal(docx.subarray(0, 2).toString(), 'PK');
  const parts = await docxParts(docx);
  const xml = parts.get('word/document.xml');
  assert.ok(xml);
  const text = wordText(xml);
  for (const heading of [
    'Moderation, October 2026 to November 2026',
    'By month',
    'By service area',
    'By auditor',
    'Agreement by quarter',
    'Final grades of the moderated audits',
  ]) {
    assert.ok(text.includes(heading), `has the heading ${heading}`);
  }
  assert.match(xml, /<w:pStyle w:val="Heading1"\/>/);
  assert.ok(text.includes('12 of 15 (80%, 95% CI 55% to 93%)'));
  assert.ok(text.includes('0.52 (moderate, 10 audits)'), 'the auditor with enough audits has a kappa');
  assert.ok(text.includes('Fewer than 10 moderated audits (2)'));
});

test('HTML: a page of its own with a heading, the summary and a table per breakdown', async () => {
  const r = await moderationReport(t.db, f.councilId, '2026-10', '2026-11');
  const html = moderationReportHtml(r);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /<h1>Moderation, October 2026 to November 2026<\/h1>/);
  for (const id of ['by-month', 'by-service', 'by-auditor', 'trend', 'final-grades']) {
    assert.match(html, new RegExp(`<table id="${id}">`));
  }
  assert.ok(html.includes('Downgraded: 2 of 12 (17%'));
  assert.ok(html.includes('0.50 (moderate, 12 audits)'));
});
