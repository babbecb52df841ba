import assert from 'node:assert/strict';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import { docxParts, wordText } from '../../test/helpers/audit-document.ts';
import type { ReportDocument, ReportTable } from './document.ts';
import {
  chartSaysSomething,
  columnWidths,
  reportDocx,
  reportXlsx,
  SHEET_NAME_LENGTH,
  sheetName,
  TEXT_WIDTH,
  textWidth,
} from './render.ts';

const share = (count: number, total: number) => ({
  count,
  total,
  rate: count / total,
  ci95: [0.2, 0.8] as [number, number],
});

const grades: ReportTable = {
  id: 'grades-four-point',
  title: 'Final grades by month, Four-point (Ofsted language) and good or better',
  columns: [
    { key: 'month', header: 'Month', kind: 'text' },
    { key: 'outstanding', header: 'Outstanding', kind: 'count' },
    { key: 'good', header: 'Good', kind: 'count' },
    { key: 'ri', header: 'Requires improvement', kind: 'count' },
    { key: 'inadequate', header: 'Inadequate', kind: 'count' },
    { key: 'audits', header: 'Audits', kind: 'count' },
    { key: 'goodOrBetter', header: 'Good or better', kind: 'share' },
  ],
  rows: [
    {
      cells: {
        month: 'November 2026',
        outstanding: 0,
        good: 8,
        ri: 9,
        inadequate: 1,
        audits: 18,
        goodOrBetter: share(8, 18),
      },
    },
    {
      cells: {
        month: 'All months',
        outstanding: 0,
        good: 8,
        ri: 9,
        inadequate: 1,
        audits: 18,
        goodOrBetter: share(8, 18),
      },
      total: true,
    },
  ],
};

const doc: ReportDocument = {
  title: 'Audit grades, November 2026',
  subtitle: [],
  summary: ['Audits graded: 18.'],
  notes: [],
  publication: false,
  sections: [
    {
      id: 'grades',
      heading: 'Grades',
      charts: [
        {
          kind: 'spc',
          title: 'Good or better by month',
          yTitle: 'Good or better',
          percent: true,
          series: [{ label: 'November 2026', value: 8 / 18 }],
        },
      ],
      tables: [
        grades,
        // the same title again, and a title whose 31st character is inside a word
        { ...grades, id: 'again' },
        { ...grades, id: 'themes', title: 'Practice themes practitioners’ answers mention' },
      ],
    },
  ],
};

test('Excel: rates are fractions shown as percentages, each table an Excel table, sheet names whole words', async () => {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load((await reportXlsx(doc)) as unknown as ArrayBuffer);
  const names = workbook.worksheets.map((w) => w.name);
  assert.deepEqual(names, [
    'Summary',
    'Final grades by month',
    'Final grades by month 2',
    'Practice themes practitioners’',
  ]);
  for (const name of names) assert.ok(name.length <= SHEET_NAME_LENGTH, name);
  for (const ws of workbook.worksheets.slice(1)) {
    const tables = ws.getTables() as unknown as {
      table: { columns: { name: string }[]; headerRow: boolean };
    }[];
    assert.equal(tables.length, 1, `${ws.name}: an Excel table`);
    const header = ws.getRow(1).values as unknown[];
    assert.deepEqual(header.slice(1, 3), ['Month', 'Outstanding']);
    // Good or better: count, of, rate, interval low and high
    const rateColumns = [9, 10, 11];
    for (const r of [2, 3]) {
      for (const c of rateColumns) {
        const cell = ws.getRow(r).getCell(c);
        assert.equal(typeof cell.value, 'number', `${ws.name} ${cell.address}`);
        assert.ok((cell.value as number) <= 1, `${cell.address} is a fraction`);
        assert.match(cell.numFmt ?? '', /%/, `${ws.name} ${cell.address} has a percentage format`);
      }
      // counts keep a plain number format
      assert.doesNotMatch(ws.getRow(r).getCell(7).numFmt ?? '', /%/);
    }
    assert.equal(ws.getRow(2).getCell(9).value, 8 / 18);
    assert.equal(ws.getRow(3).font?.bold, true, 'the total row is bold');
  }
});

test('sheet names are shortened between words and kept unique', () => {
  const used = new Set<string>();
  const long = 'Good or better by service area, with 95% confidence intervals';
  const a = sheetName(long, used);
  const b = sheetName(long, used);
  assert.equal(a, 'Good or better by service area');
  assert.ok(b.length <= SHEET_NAME_LENGTH && b !== a && b.endsWith(' 2'), b);
  assert.ok(long.startsWith(b.replace(/ 2$/, '')));
  assert.equal(sheetName('Escalations: by month [draft]?', used), 'Escalations by month draft');
});

test('Word: columns are at least as wide as their longest word, and the table fits the page', () => {
  const widths = columnWidths(grades);
  assert.ok(widths.reduce((a, b) => a + b, 0) <= TEXT_WIDTH);
  grades.columns.forEach((c, i) => {
    for (const word of c.header.split(' '))
      assert.ok(widths[i] >= textWidth(word, true), `${c.header}: ${word}`);
  });
  // the share with its interval stays on one line
  assert.ok(widths[6] >= textWidth('8 of 18 (44%, 95% CI 20% to 80%)', true));
});

test('Word: an XmR chart of one month is said in words, not drawn as a single dot', async () => {
  assert.equal(chartSaysSomething(doc.sections[0].charts?.[0] as never), false);
  const xml = (await docxParts(await reportDocx(doc))).get('word/document.xml') as string;
  assert.doesNotMatch(xml, /<wp:docPr /);
  assert.match(wordText(xml), /Good or better by month: 44% in November 2026\. No chart/);
  assert.match(xml, /<w:tblLayout w:type="fixed"\/>/);
  assert.doesNotMatch(xml, /pageBreakBefore/);
});
