/**
 * The `moderation` report of interfaces.md, from the consistency figures: returned and moderated
 * audits, the panel's outcomes, the final grades of the moderated audits, and agreement between
 * auditors and moderators as linear weighted kappa. Besides the fields interfaces.md names, the JSON
 * carries the figures by month, service area and auditor, and the kappa trend by quarter. The same
 * report comes as CSV, an Excel workbook (a sheet per table), a Word document (a moderation section
 * other Word reports can take as it is) and an HTML page.
 */
import { stringify } from 'csv-stringify/sync';
import {
  Document,
  HeadingLevel,
  Packer,
  Paragraph,
  ShadingType,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import ExcelJS from 'exceljs';
import type { Db } from '../data/db.ts';
import { kappaWords } from '../domain/agreement.ts';
import {
  type Agreement,
  MIN_FOR_AUDITOR_KAPPA,
  MIN_FOR_TREND_KAPPA,
  type ModerationCounts,
  type ModerationFilters,
  moderationFigures,
} from '../services/moderation-figures.ts';

/** The figures of a month, service area, auditor or the whole range, as the report gives them. */
export interface ModerationReportCounts {
  returned: number;
  moderated: number;
  /** moderated ÷ returned, 0–1 to 3 places; null when none returned */
  moderatedRate: number | null;
  moderatedCi95: [number, number] | null;
  supported: number;
  upgraded: number;
  downgraded: number;
  /** downgraded ÷ moderated, 0–1 to 3 places; null when none moderated */
  downgradedRate: number | null;
  downgradedCi95: [number, number] | null;
}

export interface ModerationReport {
  report: 'moderation';
  from: string;
  to: string;
  returned: number;
  moderated: number;
  moderatedRate: number | null;
  supported: number;
  upgraded: number;
  downgraded: number;
  downgradedRate: number | null;
  /** final grades of the moderated audits */
  finalGrades: Record<string, number>;
  /** linear weighted kappa, auditor's grade against the moderator's blind grade; null without pairs */
  kappa: number | null;
  /** the moderated audits the kappa is worked out from */
  kappaN: number;
  moderatedCi95: [number, number] | null;
  downgradedCi95: [number, number] | null;
  /** an auditor's kappa is given once they have this many moderated audits */
  auditorKappaMinimum: number;
  byMonth: (ModerationReportCounts & { month: string })[];
  byService: (ModerationReportCounts & { serviceArea: string | null })[];
  byAuditor: (ModerationReportCounts & { auditor: string | null; kappa: number | null; kappaN: number })[];
  /** kappa by quarter, given once a quarter has `auditorKappaMinimum` moderated audits */
  trend: { quarter: string; name: string; moderated: number; kappa: number | null; kappaN: number }[];
}

const reportCounts = (c: ModerationCounts): ModerationReportCounts => ({
  returned: c.returned,
  moderated: c.moderated,
  moderatedRate: c.moderatedShare.rate,
  moderatedCi95: c.moderatedShare.ci95,
  supported: c.supported,
  upgraded: c.upgraded,
  downgraded: c.downgraded,
  downgradedRate: c.downgradedShare.rate,
  downgradedCi95: c.downgradedShare.ci95,
});

/** A kappa as reported: null unless there are enough moderated audits for it. */
const shownKappa = (a: Agreement) => (a.enough ? a.kappa : null);

/** The moderation report of the months from one to another (YYYY-MM, inclusive). */
export async function moderationReport(
  db: Db,
  councilId: string,
  from: string,
  to: string,
  filters: ModerationFilters = {},
): Promise<ModerationReport> {
  const f = await moderationFigures(db, councilId, { from: `${from}-01`, to: `${to}-01` }, filters);
  const total = reportCounts(f.total);
  return {
    report: 'moderation',
    from,
    to,
    returned: total.returned,
    moderated: total.moderated,
    moderatedRate: total.moderatedRate,
    supported: total.supported,
    upgraded: total.upgraded,
    downgraded: total.downgraded,
    downgradedRate: total.downgradedRate,
    finalGrades: f.total.finalGrades,
    kappa: f.total.agreement.kappa,
    kappaN: f.total.agreement.n,
    moderatedCi95: total.moderatedCi95,
    downgradedCi95: total.downgradedCi95,
    auditorKappaMinimum: MIN_FOR_AUDITOR_KAPPA,
    byMonth: f.byMonth.map((m) => ({ month: m.month.slice(0, 7), ...reportCounts(m) })),
    byService: f.byService.map((s) => ({ serviceArea: s.name, ...reportCounts(s) })),
    byAuditor: f.byAuditor.map((a) => ({
      auditor: a.name,
      ...reportCounts(a),
      kappa: shownKappa(a.agreement),
      kappaN: a.agreement.n,
    })),
    trend: f.trend.map((q) => ({
      quarter: q.quarter.slice(0, 7),
      name: q.name,
      moderated: q.moderated,
      kappa: shownKappa(q),
      kappaN: q.n,
    })),
  };
}

// ---- words shared by the formats -----------------------------------------------------------

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** "November 2026" from "2026-11". */
function monthWords(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return `${MONTHS[m - 1]} ${y}`;
}

/** "Requires improvement" from "requires_improvement". */
export function gradeWords(key: string): string {
  const words = key.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** "3 of 12 (25%, 95% CI 9% to 53%)", or "none returned" / "none moderated". */
function shareText(count: number, total: number, ci: [number, number] | null, none: string): string {
  if (total === 0) return none;
  const interval = ci ? `, 95% CI ${pct(ci[0])} to ${pct(ci[1])}` : '';
  return `${count} of ${total} (${pct(count / total)}${interval})`;
}

function kappaText(kappa: number | null, n: number, minimum: number): string {
  if (n === 0) return 'No moderated audits';
  if (n < minimum) return `Fewer than ${minimum} moderated audits (${n})`;
  if (kappa === null) return `Not measurable: every grade the same (${n} audits)`;
  return `${kappa.toFixed(2)} (${kappaWords(kappa)}, ${n} audits)`;
}

const rangeWords = (r: ModerationReport) =>
  r.from === r.to ? monthWords(r.from) : `${monthWords(r.from)} to ${monthWords(r.to)}`;

interface TableSpec {
  id: string;
  title: string;
  headers: string[];
  rows: string[][];
}

const COUNT_HEADERS = ['Returned', 'Moderated', 'Supported', 'Upgraded', 'Downgraded'];

function countCells(c: ModerationReportCounts): string[] {
  return [
    String(c.returned),
    shareText(c.moderated, c.returned, c.moderatedCi95, 'None returned'),
    String(c.supported),
    String(c.upgraded),
    shareText(c.downgraded, c.moderated, c.downgradedCi95, 'None moderated'),
  ];
}

/** The report's tables in words, for Word and HTML. */
function tables(r: ModerationReport): TableSpec[] {
  return [
    {
      id: 'by-month',
      title: 'By month',
      headers: ['Month', ...COUNT_HEADERS],
      rows: r.byMonth.map((m) => [monthWords(m.month), ...countCells(m)]),
    },
    {
      id: 'by-service',
      title: 'By service area',
      headers: ['Service area', ...COUNT_HEADERS],
      rows: r.byService.map((s) => [s.serviceArea ?? 'No service area recorded', ...countCells(s)]),
    },
    {
      id: 'by-auditor',
      title: 'By auditor',
      headers: ['Auditor', ...COUNT_HEADERS, 'Agreement (kappa)'],
      rows: r.byAuditor.map((a) => [
        a.auditor ?? 'No auditor recorded',
        ...countCells(a),
        kappaText(a.kappa, a.kappaN, r.auditorKappaMinimum),
      ]),
    },
    {
      id: 'trend',
      title: 'Agreement by quarter',
      headers: ['Quarter', 'Moderated', 'Agreement (kappa)'],
      rows: r.trend.map((q) => [
        q.name,
        String(q.moderated),
        kappaText(q.kappa, q.kappaN, MIN_FOR_TREND_KAPPA),
      ]),
    },
    {
      id: 'final-grades',
      title: 'Final grades of the moderated audits',
      headers: ['Grade', 'Audits'],
      rows: Object.entries(r.finalGrades).map(([g, n]) => [gradeWords(g), String(n)]),
    },
  ];
}

/** The summary in sentences, each figure with its count. */
function summary(r: ModerationReport): string[] {
  return [
    `Audits returned: ${r.returned}.`,
    `Moderated: ${shareText(r.moderated, r.returned, r.moderatedCi95, 'none returned')}.`,
    `Outcomes: ${r.supported} supported, ${r.upgraded} upgraded, ${r.downgraded} downgraded.`,
    `Downgraded: ${shareText(r.downgraded, r.moderated, r.downgradedCi95, 'none moderated')}.`,
    `Agreement between auditors and moderators (weighted kappa, linear weights): ${kappaText(r.kappa, r.kappaN, 1)}.`,
  ];
}

const ABOUT =
  'Counted from the audits the moderation panel has decided, and from imported audit history with a ' +
  'moderated grade. Agreement compares the auditor’s overall grade with the moderator’s blind grade ' +
  'before the panel, as Cohen’s weighted kappa with linear weights on the grade scale: 1 is full ' +
  'agreement and 0 what chance would give. An auditor’s kappa is shown once they have at least ' +
  `${MIN_FOR_AUDITOR_KAPPA} moderated audits; the trend is by quarter, because a month's sample is small, ` +
  `each quarter's kappa shown from ${MIN_FOR_TREND_KAPPA} moderated audits.`;

// ---- CSV -----------------------------------------------------------------------------------

export const MODERATION_CSV_COLUMNS = [
  'table',
  'group',
  'returned',
  'moderated',
  'moderatedRate',
  'moderatedCi95Low',
  'moderatedCi95High',
  'supported',
  'upgraded',
  'downgraded',
  'downgradedRate',
  'downgradedCi95Low',
  'downgradedCi95High',
  'kappa',
  'kappaN',
] as const;

/**
 * The report as CSV: one row per figure's group, the `table` column saying which (total, month,
 * service, auditor, quarter, grade). Empty cells where a figure does not apply. Names are written
 * with a quote in front when a spreadsheet would take them for a formula.
 */
export function moderationReportCsv(r: ModerationReport, options: { bom?: boolean } = {}): string {
  const v = (x: number | null | undefined) => (x === null || x === undefined ? '' : x);
  const countRow = (table: string, group: string, c: ModerationReportCounts, kappa = '', n = '') => [
    table,
    group,
    c.returned,
    c.moderated,
    v(c.moderatedRate),
    v(c.moderatedCi95?.[0]),
    v(c.moderatedCi95?.[1]),
    c.supported,
    c.upgraded,
    c.downgraded,
    v(c.downgradedRate),
    v(c.downgradedCi95?.[0]),
    v(c.downgradedCi95?.[1]),
    kappa,
    n,
  ];
  const blank = (table: string, group: string, moderated: number | string, kappa: unknown, n: unknown) => [
    table,
    group,
    '',
    moderated,
    '',
    '',
    '',
    '',
    '',
    '',
    '',
    '',
    '',
    kappa,
    n,
  ];
  const rows = [
    countRow('total', `${r.from} to ${r.to}`, r, String(v(r.kappa)), String(r.kappaN)),
    ...r.byMonth.map((m) => countRow('month', m.month, m)),
    ...r.byService.map((s) => countRow('service', s.serviceArea ?? '', s)),
    ...r.byAuditor.map((a) => countRow('auditor', a.auditor ?? '', a, String(v(a.kappa)), String(a.kappaN))),
    ...r.trend.map((q) => blank('quarter', q.quarter, q.moderated, v(q.kappa), q.kappaN)),
    ...Object.entries(r.finalGrades).map(([g, n]) => blank('final grade', g, n, '', '')),
  ];
  return stringify(rows, {
    header: true,
    columns: [...MODERATION_CSV_COLUMNS],
    escape_formulas: true,
    bom: options.bom ?? false,
  });
}

// ---- Excel ---------------------------------------------------------------------------------

/** The report as an Excel workbook: a summary sheet, then a sheet per table with numbers as numbers. */
export async function moderationReportXlsx(r: ModerationReport): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'QA Loop';
  const sheet = (name: string, headers: string[], rows: unknown[][]) => {
    const ws = workbook.addWorksheet(name);
    ws.addRow(headers).font = { bold: true };
    for (const row of rows) ws.addRow(row);
    ws.columns.forEach((c, i) => {
      c.width = Math.max(12, headers[i]?.length ?? 0) + 2;
    });
    ws.views = [{ state: 'frozen', ySplit: 1 }];
    return ws;
  };
  const n = (x: number | null | undefined) => (x === null || x === undefined ? null : x);
  const countHeaders = [
    'Returned',
    'Moderated',
    'Moderated rate',
    'Moderated 95% CI low',
    'Moderated 95% CI high',
    'Supported',
    'Upgraded',
    'Downgraded',
    'Downgraded rate',
    'Downgraded 95% CI low',
    'Downgraded 95% CI high',
  ];
  const countValues = (c: ModerationReportCounts) => [
    c.returned,
    c.moderated,
    n(c.moderatedRate),
    n(c.moderatedCi95?.[0]),
    n(c.moderatedCi95?.[1]),
    c.supported,
    c.upgraded,
    c.downgraded,
    n(c.downgradedRate),
    n(c.downgradedCi95?.[0]),
    n(c.downgradedCi95?.[1]),
  ];
  sheet(
    'Summary',
    ['Figure', 'Value'],
    [
      ['Months', rangeWords(r)],
      ['Returned', r.returned],
      ['Moderated', r.moderated],
      ['Moderated rate', n(r.moderatedRate)],
      ['Supported', r.supported],
      ['Upgraded', r.upgraded],
      ['Downgraded', r.downgraded],
      ['Downgraded rate', n(r.downgradedRate)],
      ['Weighted kappa (linear)', n(r.kappa)],
      ['Audits in the kappa', r.kappaN],
      ['Moderated audits before an auditor’s kappa is shown', r.auditorKappaMinimum],
      ['About these figures', ABOUT],
    ],
  );
  sheet(
    'By month',
    ['Month', ...countHeaders],
    r.byMonth.map((m) => [m.month, ...countValues(m)]),
  );
  sheet(
    'By service area',
    ['Service area', ...countHeaders],
    r.byService.map((s) => [s.serviceArea ?? 'No service area recorded', ...countValues(s)]),
  );
  sheet(
    'By auditor',
    ['Auditor', ...countHeaders, 'Weighted kappa', 'Audits in the kappa'],
    r.byAuditor.map((a) => [a.auditor ?? 'No auditor recorded', ...countValues(a), n(a.kappa), a.kappaN]),
  );
  sheet(
    'Kappa by quarter',
    ['Quarter', 'Moderated', 'Weighted kappa', 'Audits in the kappa'],
    r.trend.map((q) => [q.name, q.moderated, n(q.kappa), q.kappaN]),
  );
  sheet(
    'Final grades',
    ['Grade', 'Moderated audits'],
    Object.entries(r.finalGrades).map(([g, count]) => [gradeWords(g), count]),
  );
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

// ---- Word ----------------------------------------------------------------------------------

const TEXT_WIDTH = 11906 - 2 * 1134;
const HEADER_FILL = 'F3F2F1';

function wordCell(text: string, header: boolean, width: number): TableCell {
  return new TableCell({
    width: { size: width, type: WidthType.DXA },
    margins: { top: 60, bottom: 60, left: 100, right: 100 },
    ...(header ? { shading: { type: ShadingType.CLEAR, color: 'auto', fill: HEADER_FILL } } : {}),
    children: [new Paragraph({ children: [new TextRun({ text: text || ' ', bold: header })] })],
  });
}

function wordTable(spec: TableSpec): Table {
  const first = 0.22;
  const rest = (1 - first) / Math.max(1, spec.headers.length - 1);
  const widths = spec.headers.map((_, i) => Math.round((i === 0 ? first : rest) * TEXT_WIDTH));
  return new Table({
    width: { size: TEXT_WIDTH, type: WidthType.DXA },
    columnWidths: widths,
    rows: [
      new TableRow({
        tableHeader: true,
        cantSplit: true,
        children: spec.headers.map((h, i) => wordCell(h, true, widths[i])),
      }),
      ...spec.rows.map(
        (row) =>
          new TableRow({ cantSplit: true, children: row.map((t, i) => wordCell(t, false, widths[i])) }),
      ),
    ],
  });
}

/**
 * The moderation section of a Word report: a heading at `level` (Heading 2 by default, to sit under
 * a report's title), the summary, then a sub-heading and a table for each breakdown.
 */
export function moderationWordSection(r: ModerationReport, level: 1 | 2 = 2): (Paragraph | Table)[] {
  const main = level === 1 ? HeadingLevel.HEADING_1 : HeadingLevel.HEADING_2;
  const sub = level === 1 ? HeadingLevel.HEADING_2 : HeadingLevel.HEADING_3;
  const body: (Paragraph | Table)[] = [
    new Paragraph({ text: `Moderation, ${rangeWords(r)}`, heading: main, keepNext: true }),
    ...summary(r).map((s) => new Paragraph({ text: s })),
    new Paragraph({ children: [new TextRun({ text: ABOUT, italics: true })] }),
  ];
  for (const spec of tables(r)) {
    body.push(new Paragraph({ text: spec.title, heading: sub, keepNext: true }));
    body.push(
      spec.rows.length ? wordTable(spec) : new Paragraph({ text: 'None in these months.' }),
      new Paragraph({ text: '' }),
    );
  }
  return body;
}

/** The moderation report as a Word document of its own. */
export async function moderationReportDocx(r: ModerationReport): Promise<Buffer> {
  const doc = new Document({
    title: `Moderation, ${rangeWords(r)}`,
    creator: 'QA Loop',
    styles: { default: { document: { run: { font: 'Arial', size: 22 } } } },
    sections: [
      {
        properties: {
          page: {
            size: { width: 11906, height: 16838 },
            margin: { top: 1134, bottom: 1134, left: 1134, right: 1134 },
          },
        },
        children: moderationWordSection(r, 1),
      },
    ],
  });
  return Packer.toBuffer(doc);
}

// ---- HTML ----------------------------------------------------------------------------------

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/** The report as a page of its own, with plain tables: for a browser, an e-mail or an intranet. */
export function moderationReportHtml(r: ModerationReport): string {
  const title = `Moderation, ${rangeWords(r)}`;
  const table = (spec: TableSpec) =>
    spec.rows.length
      ? `<table id="${spec.id}">
<caption>${escapeHtml(spec.title)}</caption>
<thead><tr>${spec.headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>
${spec.rows
  .map(
    (row) =>
      `<tr>${row.map((c, i) => (i === 0 ? `<th scope="row">${escapeHtml(c)}</th>` : `<td>${escapeHtml(c)}</td>`)).join('')}</tr>`,
  )
  .join('\n')}
</tbody>
</table>`
      : `<h2>${escapeHtml(spec.title)}</h2>\n<p>None in these months.</p>`;
  return `<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: Arial, sans-serif; color: #0b0c0c; max-width: 60em; margin: 2em auto; padding: 0 1em; }
table { border-collapse: collapse; margin: 1em 0 2em; width: 100%; }
caption { font-weight: bold; font-size: 1.25em; text-align: left; padding: 0.5em 0; }
th, td { border-bottom: 1px solid #b1b4b6; padding: 0.4em 0.6em; text-align: left; vertical-align: top; }
thead th { background: #f3f2f1; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${summary(r)
  .map((s) => `<p>${escapeHtml(s)}</p>`)
  .join('\n')}
<p><em>${escapeHtml(ABOUT)}</em></p>
${tables(r).map(table).join('\n')}
</body>
</html>
`;
}
