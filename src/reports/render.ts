/**
 * A ReportDocument in each format people use: an HTML page (and the same body inside the app), CSV
 * for analysts, an Excel workbook with numbers as numbers, and a Word document with real headings and
 * tables a clerk can edit and charts as images with alternative text.
 */
import { stringify } from 'csv-stringify/sync';
import {
  AlignmentType,
  Document,
  Footer,
  Header,
  HeadingLevel,
  ImageRun,
  LineRuleType,
  Packer,
  PageNumber,
  Paragraph,
  ShadingType,
  Table,
  TableCell,
  TableLayoutType,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import ExcelJS from 'exceljs';
import { xmrChart } from '../domain/spc.ts';
import {
  type Chart,
  rateComparisonAlt,
  rateComparisonChart,
  spcChart,
  stackedBarAlt,
  stackedBarChart,
  svgToPng,
} from './charts.ts';
import {
  type ChartSpec,
  type Column,
  type Count,
  cellText,
  type ReportDocument,
  type ReportTable,
  type Share,
} from './document.ts';

// ---- charts -----------------------------------------------------------------------------------

/** Draws a chart of a document (Vega-Lite to SVG). */
export async function drawChart(spec: ChartSpec): Promise<Chart> {
  switch (spec.kind) {
    case 'spc':
      return spcChart({
        title: spec.title,
        yTitle: spec.yTitle,
        percent: spec.percent,
        chart: xmrChart(spec.series, spec.percent ? { min: 0, max: 1 } : {}),
      });
    case 'rates':
      return rateComparisonChart({ title: spec.title, xTitle: spec.xTitle, rows: spec.rows, percent: true });
    case 'stacked':
      return stackedBarChart({ title: spec.title, categories: spec.categories, rows: spec.rows });
  }
}

/** Fewest months with a figure for an XmR chart to tell a real change from ordinary variation. */
export const FEWEST_CHART_MONTHS = 3;

/**
 * Whether a chart says more than the table beside it: an XmR chart needs 3 months or more with a
 * figure (one month is a single dot), a comparison or a stacked bar 2 groups or more.
 */
export function chartSaysSomething(spec: ChartSpec): boolean {
  switch (spec.kind) {
    case 'spc':
      return spec.series.filter((x) => x.value !== null).length >= FEWEST_CHART_MONTHS;
    case 'rates':
      return new Set(spec.rows.filter((r) => r.rate !== null).map((r) => r.group)).size >= 2;
    case 'stacked':
      return new Set(spec.rows.map((r) => r.group)).size >= 2;
  }
}

/** What a chart that is not drawn would have shown, in a sentence. */
export function chartInWords(spec: ChartSpec): string {
  switch (spec.kind) {
    case 'spc': {
      const present = spec.series.filter((x) => x.value !== null);
      const f = (v: number) => (spec.percent ? `${Math.round(v * 100)}%` : String(Math.round(v * 10) / 10));
      const values = present.map((x) => `${f(x.value as number)} in ${x.label}`);
      const months = present.length === 1 ? 'one month' : `${present.length} months`;
      return `${spec.title}: ${values.length ? values.join(', ') : 'no figures'}. No chart: with ${
        present.length ? months : 'no month'
      } of figures it cannot tell a real change from ordinary variation (that takes ${FEWEST_CHART_MONTHS} months or more).`;
    }
    case 'rates':
      return rateComparisonAlt(spec.title, spec.rows, true);
    case 'stacked':
      return stackedBarAlt(spec.title, spec.categories, spec.rows);
  }
}

// ---- HTML -------------------------------------------------------------------------------------

export const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const numeric = (c: Column) => c.kind !== 'text';

function tableHtml(t: ReportTable, headingLevel: number): string {
  if (!t.rows.length) {
    return `<h${headingLevel} class="govuk-heading-s">${escapeHtml(t.title)}</h${headingLevel}>
<p class="govuk-body">${escapeHtml(t.empty ?? 'None in these months.')}</p>`;
  }
  const head = t.columns
    .map(
      (c) =>
        `<th scope="col" class="govuk-table__header${numeric(c) ? ' govuk-table__header--numeric' : ''}">${escapeHtml(c.header)}</th>`,
    )
    .join('');
  const rows = t.rows
    .map((r) => {
      const cells = t.columns
        .map((c, i) => {
          const text = escapeHtml(cellText(c, r.cells[c.key]));
          if (i === 0) return `<th scope="row" class="govuk-table__header">${text}</th>`;
          return `<td class="govuk-table__cell${numeric(c) ? ' govuk-table__cell--numeric' : ''}">${text}</td>`;
        })
        .join('');
      return `<tr class="govuk-table__row${r.total ? ' app-row--total' : ''}">${cells}</tr>`;
    })
    .join('\n');
  // a wide table scrolls sideways in its own region on a narrow screen, not the page (WCAG 1.4.10)
  return `<div class="app-table-scroll" role="region" aria-label="${escapeHtml(t.title)}" tabindex="0">
<table class="govuk-table app-report-table" id="${escapeHtml(t.id)}">
<caption class="govuk-table__caption govuk-table__caption--s">${escapeHtml(t.title)}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">${head}</tr></thead>
<tbody class="govuk-table__body">
${rows}
</tbody>
</table>
</div>`;
}

/**
 * The document's body as HTML with GOV.UK Frontend's classes: the app shows it inside its layout, and
 * the HTML format wraps it in a page of its own. Charts are inline SVG with their description beside
 * them; the data is in the table that follows each chart.
 */
export async function documentBodyHtml(
  doc: ReportDocument,
  options: { headingLevel?: 1 | 2; collapseOver?: number; title?: boolean } = {},
) {
  const h = options.headingLevel ?? 1;
  // a page that gives the title (and subtitle) itself, with its own links under it, leaves them out
  const titled = options.title ?? true;
  const parts: string[] = titled ? [`<h${h} class="govuk-heading-l">${escapeHtml(doc.title)}</h${h}>`] : [];
  if (titled && doc.subtitle.length)
    parts.push(`<p class="govuk-body-l">${doc.subtitle.map(escapeHtml).join('<br>')}</p>`);
  if (doc.summary.length) {
    parts.push(
      `<ul class="govuk-list govuk-list--bullet app-report-summary">${doc.summary.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>`,
    );
  }
  for (const n of doc.notes) parts.push(`<p class="govuk-body-s app-report-note">${escapeHtml(n)}</p>`);
  for (const section of doc.sections) {
    parts.push(
      `<section class="app-report-section" aria-labelledby="${escapeHtml(section.id)}-heading">`,
      `<h${h + 1} class="govuk-heading-m" id="${escapeHtml(section.id)}-heading">${escapeHtml(section.heading)}</h${h + 1}>`,
    );
    for (const p of section.paragraphs ?? []) parts.push(`<p class="govuk-body">${escapeHtml(p)}</p>`);
    for (const spec of section.charts ?? []) {
      if (!chartSaysSomething(spec)) {
        parts.push(`<p class="govuk-body">${escapeHtml(chartInWords(spec))}</p>`);
        continue;
      }
      const chart = await drawChart(spec);
      parts.push(
        `<figure class="app-chart">${chart.svg}<figcaption class="govuk-body-s">${escapeHtml(chart.alt)}</figcaption></figure>`,
      );
    }
    for (const t of section.tables) {
      // a dashboard folds long tables away (a details element: it needs no script)
      if (options.collapseOver !== undefined && t.rows.length > options.collapseOver) {
        parts.push(
          `<details class="govuk-details"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">${escapeHtml(t.title)} (${t.rows.length} rows)</span></summary><div class="govuk-details__text">${tableHtml(t, h + 2)}</div></details>`,
        );
      } else parts.push(tableHtml(t, h + 2));
    }
    parts.push('</section>');
  }
  return parts.join('\n');
}

const PAGE_CSS = `body { font-family: Arial, sans-serif; color: #0b0c0c; max-width: 64em; margin: 2em auto; padding: 0 1em; line-height: 1.4; }
table { border-collapse: collapse; margin: 0.5em 0 2em; width: 100%; }
caption { font-weight: bold; text-align: left; padding: 0.5em 0; }
th, td { border-bottom: 1px solid #b1b4b6; padding: 0.4em 0.6em; text-align: left; vertical-align: top; }
thead th { background: #f3f2f1; }
.govuk-table__cell--numeric, .govuk-table__header--numeric { text-align: right; }
.app-row--total th, .app-row--total td { font-weight: bold; border-top: 2px solid #0b0c0c; }
.app-report-note { color: #505a5f; font-size: 0.9em; }
.app-report-chapter { border-top: 4px solid #1d70b8; margin-top: 3em; padding-top: 1em; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
figcaption { color: #505a5f; font-size: 0.9em; }`;

/** A page of its own around a report's body: for a browser, an e-mail or the council's website. */
export function htmlPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
${PAGE_CSS}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** The report as a page of its own. */
export async function reportHtml(doc: ReportDocument): Promise<string> {
  return htmlPage(doc.title, await documentBodyHtml(doc));
}

// ---- CSV and Excel ----------------------------------------------------------------------------

/** A column's headers and values in a sheet: a share is five columns (count, of, rate and interval). */
function expand(
  c: Column,
): { key: string; header: string; value: (v: unknown) => string | number | null; rate: boolean }[] {
  if (c.kind !== 'share') {
    return [
      {
        key: c.key,
        header: c.header,
        value: (v) => (v === undefined ? null : (v as string | number | null)),
        rate: false,
      },
    ];
  }
  const share = (v: unknown) => v as Share | null | undefined;
  // the rate and its interval are fractions 0–1 (a percentage format shows them in Excel)
  return [
    { key: c.key, header: c.header, value: (v) => share(v)?.count ?? null, rate: false },
    { key: `${c.key}Of`, header: `${c.header}: of`, value: (v) => share(v)?.total ?? null, rate: false },
    { key: `${c.key}Rate`, header: `${c.header}: rate`, value: (v) => share(v)?.rate ?? null, rate: true },
    {
      key: `${c.key}Ci95Low`,
      header: `${c.header}: 95% CI low`,
      value: (v) => share(v)?.ci95?.[0] ?? null,
      rate: true,
    },
    {
      key: `${c.key}Ci95High`,
      header: `${c.header}: 95% CI high`,
      value: (v) => share(v)?.ci95?.[1] ?? null,
      rate: true,
    },
  ];
}

const allTables = (doc: ReportDocument) => doc.sections.flatMap((s) => s.tables);

/**
 * The report as CSV: one row per row of every table, the `table` column saying which and `group`
 * naming the row; the other columns are the union of the tables' figures, empty where a figure does
 * not apply. Rates are fractions 0–1. Cells a spreadsheet would take for a formula get a quote in front.
 */
export function reportCsv(doc: ReportDocument, options: { bom?: boolean } = {}): string {
  const columns: { key: string }[] = [];
  const seen = new Set<string>();
  for (const t of allTables(doc)) {
    for (const c of t.columns.slice(1)) {
      for (const e of expand(c)) {
        if (!seen.has(e.key)) {
          seen.add(e.key);
          columns.push(e);
        }
      }
    }
  }
  const rows: (string | number | null)[][] = [];
  for (const t of allTables(doc)) {
    const first = t.columns[0];
    for (const r of t.rows) {
      const values = new Map<string, string | number | null>();
      for (const c of t.columns.slice(1))
        for (const e of expand(c)) values.set(e.key, e.value(r.cells[c.key]));
      rows.push([
        t.id,
        cellText(first, r.cells[first.key]),
        ...columns.map((c) => values.get(c.key) ?? null),
      ]);
    }
  }
  return stringify(rows, {
    header: true,
    columns: ['table', 'group', ...columns.map((c) => c.key)],
    escape_formulas: true,
    bom: options.bom ?? false,
  });
}

/** Excel's longest sheet name. */
export const SHEET_NAME_LENGTH = 31;

/**
 * A sheet name Excel accepts: none of []:*?/\, at most 31 characters, shortened between words
 * (never in the middle of one), unique in the workbook (a number after a name already used).
 */
export function sheetName(title: string, used: Set<string>): string {
  const words = title
    .replace(/[[\]:*?/\\]/g, ' ')
    .replace(/^'+|'+$/g, '')
    .split(/\s+/)
    .filter(Boolean);
  const fit = (max: number) => {
    let name = '';
    for (const w of words) {
      const next = name ? `${name} ${w}` : w;
      if (next.length > max) break;
      name = next;
    }
    // one word longer than the limit on its own is the only one cut
    return (name || (words[0] ?? '').slice(0, max)).replace(/[\s,;–-]+$/, '') || 'Sheet';
  };
  let name = fit(SHEET_NAME_LENGTH);
  for (let i = 2; used.has(name.toLowerCase()); i++)
    name = `${fit(SHEET_NAME_LENGTH - 1 - String(i).length)} ${i}`;
  used.add(name.toLowerCase());
  return name;
}

/** Excel's number format of a fraction shown as a percentage. */
export const PERCENT_FORMAT = '0%';

/** A name for an Excel table: letters, digits and underscores, unique in the workbook. */
function tableName(id: string, used: Set<string>): string {
  const base = `t_${id.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 200);
  let name = base;
  for (let i = 2; used.has(name.toLowerCase()); i++) name = `${base}_${i}`;
  used.add(name.toLowerCase());
  return name;
}

/**
 * The report as an Excel workbook: a summary sheet, then a sheet per table holding it as an Excel
 * table (headers, filters, banded rows) with numbers as numbers and rates as fractions shown as
 * percentages.
 */
export async function reportXlsx(doc: ReportDocument): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'QA Loop';
  workbook.title = doc.title;
  const used = new Set<string>();
  const tableNames = new Set<string>();
  const summary = workbook.addWorksheet(sheetName('Summary', used));
  summary.addRow([doc.title]).font = { bold: true, size: 14 };
  for (const s of doc.subtitle) summary.addRow([s]);
  summary.addRow([]);
  for (const s of doc.summary) summary.addRow([s]);
  summary.addRow([]);
  for (const n of doc.notes) summary.addRow([n]).font = { italic: true };
  summary.getColumn(1).width = 120;
  summary.getColumn(1).alignment = { wrapText: true, vertical: 'top' };
  for (const t of allTables(doc)) {
    const ws = workbook.addWorksheet(sheetName(t.title, used));
    const cols = t.columns.flatMap((c, i) =>
      i === 0
        ? [{ key: c.key, header: c.header, value: (v: unknown) => cellText(c, v as never), rate: false }]
        : expand(c),
    );
    // an Excel table's headers must differ
    const headers = new Set<string>();
    const names = cols.map((c) => {
      let h = c.header || 'Column';
      for (let i = 2; headers.has(h.toLowerCase()); i++) h = `${c.header} ${i}`;
      headers.add(h.toLowerCase());
      return h;
    });
    const rows = t.rows.map((r) =>
      t.columns.flatMap((c, i) =>
        i === 0 ? [cellText(c, r.cells[c.key])] : expand(c).map((e) => e.value(r.cells[c.key])),
      ),
    );
    ws.addTable({
      name: tableName(t.id, tableNames),
      ref: 'A1',
      headerRow: true,
      style: { theme: 'TableStyleLight9', showRowStripes: true },
      columns: names.map((name) => ({ name, filterButton: true })),
      // an empty table still has a row, so Excel can open it
      rows: rows.length ? rows : [names.map(() => null)],
    });
    cols.forEach((c, i) => {
      const column = ws.getColumn(i + 1);
      column.width = Math.min(40, Math.max(12, c.header.length) + 2);
      if (c.rate) column.numFmt = PERCENT_FORMAT;
    });
    t.rows.forEach((r, i) => {
      const row = ws.getRow(i + 2);
      cols.forEach((c, j) => {
        if (c.rate) row.getCell(j + 1).numFmt = PERCENT_FORMAT;
      });
      if (r.total) row.font = { bold: true };
    });
    ws.views = [{ state: 'frozen', ySplit: 1 }];
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

// ---- Word -------------------------------------------------------------------------------------

/** A4 with 2 cm margins, in twentieths of a point. */
const PAGE = { width: 11906, height: 16838, margin: 1134 };
export const TEXT_WIDTH = PAGE.width - 2 * PAGE.margin;
const HEADER_FILL = 'F3F2F1';

/** Table text: 9 point, in half-points. */
const TABLE_FONT = 18;
/** A cell's left and right margins, in twentieths of a point. */
const CELL_MARGIN = 80;

/** Widths of Arial's (and Liberation Sans's) characters, in thousandths of an em. */
function charWidth(ch: string): number {
  if ("ijl'|".includes(ch)) return 222;
  if (' ftI.,:;!/()[]-‘’'.includes(ch)) return ch === '(' || ch === ')' || ch === '-' ? 333 : 278;
  if (ch === 'r') return 333;
  if ('mMW%'.includes(ch)) return 889;
  if ('w'.includes(ch)) return 722;
  if ('ckvxyzsJ'.includes(ch)) return 500;
  if (/[A-Z]/.test(ch)) return 700;
  return 556;
}

/** How wide a text is set in the table font, in twentieths of a point (bold is about 8% wider). */
export function textWidth(text: string, bold = false): number {
  let em = 0;
  for (const ch of text) em += charWidth(ch);
  return Math.ceil((em / 1000) * (TABLE_FONT / 2) * 20 * (bold ? 1.08 : 1)) + 2 * CELL_MARGIN + 40;
}

const longestWord = (text: string, bold: boolean) =>
  Math.max(0, ...text.split(/\s+/).map((w) => textWidth(w, bold)));

/**
 * Widens columns from `widths` towards `targets` within `spare`: the columns in `order` that need
 * least more are widened fully first, and what is left is shared among the rest by what they need.
 */
function widen(widths: number[], targets: number[], spare: number, order: number[]): number {
  const rest: number[] = [];
  const need = (i: number) => Math.max(0, targets[i] - widths[i]);
  for (const i of [...order].sort((a, b) => need(a) - need(b))) {
    if (!rest.length && need(i) <= spare) {
      spare -= need(i);
      widths[i] += need(i);
    } else rest.push(i);
  }
  const needed = rest.reduce((a, i) => a + need(i), 0);
  if (!needed) return spare;
  for (const i of rest) widths[i] += Math.floor((need(i) / needed) * spare);
  return 0;
}

/**
 * Column widths sized to their words: each column is at least as wide as its longest word (header
 * or cell), so no word is broken, then as wide as its longest cell where the page allows, figures
 * before text (so a count or a share with its interval stays on one line and names wrap), then as
 * wide as its header. The table is only as wide as its columns.
 */
export function columnWidths(t: ReportTable): number[] {
  const texts = t.columns.map((c, i) => ({
    header: c.header,
    cells: t.rows.map((r) => ({ text: cellText(c, r.cells[c.key]), bold: Boolean(r.total) || i === 0 })),
  }));
  const least = texts.map((c) =>
    Math.max(longestWord(c.header, true), ...c.cells.map((x) => longestWord(x.text, x.bold))),
  );
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  if (sum(least) >= TEXT_WIDTH) return least.map((w) => Math.floor((w / sum(least)) * TEXT_WIDTH));
  const cells = texts.map((c, i) => Math.max(least[i], ...c.cells.map((x) => textWidth(x.text, x.bold))));
  const headers = texts.map((c, i) => Math.max(cells[i], textWidth(c.header, true)));
  const all = t.columns.map((_, i) => i);
  const figures = all.filter((i) => i > 0 && t.columns[i].kind !== 'text');
  const words = all.filter((i) => !figures.includes(i));
  const widths = [...least];
  let spare = TEXT_WIDTH - sum(least);
  spare = widen(widths, cells, spare, figures);
  spare = widen(widths, cells, spare, words);
  widen(widths, headers, spare, all);
  return widths;
}

function wordCell(
  text: string,
  options: { header?: boolean; bold?: boolean; numeric?: boolean; width: number },
) {
  return new TableCell({
    width: { size: options.width, type: WidthType.DXA },
    margins: { top: 15, bottom: 15, left: CELL_MARGIN, right: CELL_MARGIN },
    ...(options.header ? { shading: { type: ShadingType.CLEAR, color: 'auto', fill: HEADER_FILL } } : {}),
    children: [
      new Paragraph({
        alignment: options.numeric ? AlignmentType.RIGHT : AlignmentType.LEFT,
        children: [
          new TextRun({ text: text || ' ', bold: options.header || options.bold, size: TABLE_FONT }),
        ],
      }),
    ],
  });
}

/**
 * A table as a Word table: columns sized to their words (a fixed layout, so Word and LibreOffice
 * keep the widths), a header row repeated on each page, rows kept whole.
 */
export function wordTable(t: ReportTable): Table {
  const widths = columnWidths(t);
  return new Table({
    width: { size: widths.reduce((a, b) => a + b, 0), type: WidthType.DXA },
    columnWidths: widths,
    layout: TableLayoutType.FIXED,
    rows: [
      new TableRow({
        tableHeader: true,
        cantSplit: true,
        children: t.columns.map((c, i) =>
          wordCell(c.header, { header: true, numeric: i > 0 && numeric(c), width: widths[i] }),
        ),
      }),
      ...t.rows.map(
        (r) =>
          new TableRow({
            cantSplit: true,
            children: t.columns.map((c, i) =>
              wordCell(cellText(c, r.cells[c.key]), {
                bold: r.total || i === 0,
                numeric: i > 0 && numeric(c),
                width: widths[i],
              }),
            ),
          }),
      ),
    ],
  });
}

/** A chart as a picture in Word, with its description as the picture's alternative text. */
export async function wordChart(spec: ChartSpec): Promise<Paragraph[]> {
  const chart = await drawChart(spec);
  const png = svgToPng(chart.svg, 1200);
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  // under five inches across: readable, and two fit a page with their tables
  const shownWidth = 420;
  return [
    new Paragraph({
      keepNext: true,
      children: [
        new ImageRun({
          type: 'png',
          data: png,
          transformation: { width: shownWidth, height: Math.round((height / width) * shownWidth) },
          altText: { name: chart.title, title: chart.title, description: chart.alt },
        }),
      ],
    }),
    new Paragraph({ children: [new TextRun({ text: chart.alt, italics: true, size: 18 })] }),
  ];
}

type Level = 1 | 2 | 3;
const HEADINGS = {
  1: HeadingLevel.HEADING_1,
  2: HeadingLevel.HEADING_2,
  3: HeadingLevel.HEADING_3,
  4: HeadingLevel.HEADING_4,
} as const;

/**
 * A document's content for Word, its title at `level` (Heading 1 on its own, Heading 2 as a chapter
 * of a composed report), each section a heading below it with its charts and tables. Without
 * `title` (a chapter whose heading already names it) the title's line is left out and the sections
 * are headings at `level`.
 */
export async function wordContent(
  doc: ReportDocument,
  level: Level = 1,
  options: { title?: boolean } = {},
): Promise<(Paragraph | Table)[]> {
  const out: (Paragraph | Table)[] = [];
  const titled = options.title ?? true;
  if (titled) out.push(new Paragraph({ text: doc.title, heading: HEADINGS[level], keepNext: true }));
  // the headings of the sections and of their tables, one and two levels below the title's
  const sectionLevel = HEADINGS[(titled ? level + 1 : level) as Level];
  const tableLevel = HEADINGS[(titled ? level + 2 : level + 1) as 3 | 4];
  for (const s of doc.subtitle) out.push(new Paragraph({ children: [new TextRun({ text: s, bold: true })] }));
  for (const s of doc.summary) out.push(new Paragraph({ text: s, bullet: { level: 0 } }));
  for (const n of doc.notes) {
    out.push(
      new Paragraph({
        spacing: { after: 80 },
        children: [new TextRun({ text: n, italics: true, size: 18 })],
      }),
    );
  }
  for (const section of doc.sections) {
    out.push(new Paragraph({ text: section.heading, heading: sectionLevel, keepNext: true }));
    for (const p of section.paragraphs ?? []) out.push(new Paragraph({ text: p }));
    for (const spec of section.charts ?? []) {
      // a chart of too little to show (one month's dot) is said in words instead
      if (chartSaysSomething(spec)) out.push(...(await wordChart(spec)));
      else out.push(new Paragraph({ text: chartInWords(spec) }));
    }
    for (const t of section.tables) {
      out.push(new Paragraph({ text: t.title, heading: tableLevel, keepNext: true }));
      out.push(t.rows.length ? wordTable(t) : new Paragraph({ text: t.empty ?? 'None in these months.' }));
      // a short gap (a line of 6 points) that also keeps the next table from joining this one
      out.push(new Paragraph({ spacing: { before: 0, after: 0, line: 120, lineRule: LineRuleType.EXACT } }));
    }
  }
  return out;
}

/**
 * A Word document: A4, Arial, the protective marking in the header (OFFICIAL, or OFFICIAL-SENSITIVE
 * when the report is not for publication) and page numbers in the footer.
 */
export async function wordDocument(
  title: string,
  children: (Paragraph | Table)[],
  options: {
    publication: boolean /** the text's size in half-points: 11 point unless given */;
    fontSize?: number;
  },
): Promise<Buffer> {
  const marking = options.publication ? 'OFFICIAL' : 'OFFICIAL-SENSITIVE';
  const doc = new Document({
    title,
    creator: 'QA Loop',
    styles: { default: { document: { run: { font: 'Arial', size: options.fontSize ?? 22 } } } },
    sections: [
      {
        properties: {
          page: {
            size: { width: PAGE.width, height: PAGE.height },
            margin: { top: PAGE.margin, bottom: PAGE.margin, left: PAGE.margin, right: PAGE.margin },
          },
        },
        headers: {
          default: new Header({
            children: [
              new Paragraph({
                alignment: AlignmentType.CENTER,
                children: [new TextRun({ text: marking, bold: true })],
              }),
            ],
          }),
        },
        footers: {
          default: new Footer({
            children: [
              new Paragraph({
                alignment: AlignmentType.CENTER,
                children: [
                  new TextRun({ children: ['Page ', PageNumber.CURRENT, ' of ', PageNumber.TOTAL_PAGES] }),
                ],
              }),
            ],
          }),
        },
        children,
      },
    ],
  });
  return Packer.toBuffer(doc);
}

/** The report as a Word document of its own. */
export async function reportDocx(doc: ReportDocument): Promise<Buffer> {
  return wordDocument(doc.title, await wordContent(doc, 1), { publication: doc.publication });
}

export type { Count };
