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
  Packer,
  PageNumber,
  Paragraph,
  ShadingType,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import ExcelJS from 'exceljs';
import { xmrChart } from '../domain/spc.ts';
import { type Chart, rateComparisonChart, spcChart, stackedBarChart, svgToPng } from './charts.ts';
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
  return `<table class="govuk-table app-report-table" id="${escapeHtml(t.id)}">
<caption class="govuk-table__caption govuk-table__caption--s">${escapeHtml(t.title)}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">${head}</tr></thead>
<tbody class="govuk-table__body">
${rows}
</tbody>
</table>`;
}

/**
 * The document's body as HTML with GOV.UK Frontend's classes: the app shows it inside its layout, and
 * the HTML format wraps it in a page of its own. Charts are inline SVG with their description beside
 * them; the data is in the table that follows each chart.
 */
export async function documentBodyHtml(
  doc: ReportDocument,
  options: { headingLevel?: 1 | 2; collapseOver?: number } = {},
) {
  const h = options.headingLevel ?? 1;
  const parts: string[] = [`<h${h} class="govuk-heading-l">${escapeHtml(doc.title)}</h${h}>`];
  if (doc.subtitle.length)
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
function expand(c: Column): { key: string; header: string; value: (v: unknown) => string | number | null }[] {
  if (c.kind !== 'share') {
    return [
      {
        key: c.key,
        header: c.header,
        value: (v) => (v === undefined ? null : (v as string | number | null)),
      },
    ];
  }
  const share = (v: unknown) => v as Share | null | undefined;
  return [
    { key: c.key, header: c.header, value: (v) => share(v)?.count ?? null },
    { key: `${c.key}Of`, header: `${c.header}: of`, value: (v) => share(v)?.total ?? null },
    { key: `${c.key}Rate`, header: `${c.header}: rate`, value: (v) => share(v)?.rate ?? null },
    { key: `${c.key}Ci95Low`, header: `${c.header}: 95% CI low`, value: (v) => share(v)?.ci95?.[0] ?? null },
    {
      key: `${c.key}Ci95High`,
      header: `${c.header}: 95% CI high`,
      value: (v) => share(v)?.ci95?.[1] ?? null,
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

/** A sheet name Excel accepts: at most 31 characters, none of []:*?/\, unique in the workbook. */
function sheetName(title: string, used: Set<string>): string {
  const base =
    title
      .replace(/[[\]:*?/\\]/g, ' ')
      .slice(0, 28)
      .trim() || 'Sheet';
  let name = base;
  for (let i = 2; used.has(name.toLowerCase()); i++) name = `${base.slice(0, 26)} ${i}`;
  used.add(name.toLowerCase());
  return name;
}

/** The report as an Excel workbook: a summary sheet, then a sheet per table with numbers as numbers. */
export async function reportXlsx(doc: ReportDocument): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'QA Loop';
  workbook.title = doc.title;
  const used = new Set<string>();
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
        ? [{ key: c.key, header: c.header, value: (v: unknown) => cellText(c, v as never) }]
        : expand(c),
    );
    ws.addRow(cols.map((c) => c.header)).font = { bold: true };
    for (const r of t.rows) {
      const row = ws.addRow(
        t.columns.flatMap((c, i) =>
          i === 0 ? [cellText(c, r.cells[c.key])] : expand(c).map((e) => e.value(r.cells[c.key])),
        ),
      );
      if (r.total) row.font = { bold: true };
    }
    ws.columns.forEach((c, i) => {
      c.width = Math.min(40, Math.max(12, cols[i]?.header.length ?? 0) + 2);
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

function wordCell(
  text: string,
  options: { header?: boolean; bold?: boolean; numeric?: boolean; width: number },
) {
  return new TableCell({
    width: { size: options.width, type: WidthType.DXA },
    margins: { top: 60, bottom: 60, left: 100, right: 100 },
    ...(options.header ? { shading: { type: ShadingType.CLEAR, color: 'auto', fill: HEADER_FILL } } : {}),
    children: [
      new Paragraph({
        alignment: options.numeric ? AlignmentType.RIGHT : AlignmentType.LEFT,
        children: [new TextRun({ text: text || ' ', bold: options.header || options.bold })],
      }),
    ],
  });
}

/** A table as a Word table: a header row repeated on each page, rows kept whole. */
export function wordTable(t: ReportTable): Table {
  const weights = t.columns.map((c, i) => (i === 0 ? 2.2 : c.kind === 'share' ? 2.4 : 1));
  const sum = weights.reduce((a, b) => a + b, 0);
  const widths = weights.map((w) => Math.round((w / sum) * TEXT_WIDTH));
  return new Table({
    width: { size: TEXT_WIDTH, type: WidthType.DXA },
    columnWidths: widths,
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
  const shownWidth = 600;
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
 * of a composed report), each section a heading below it with its charts and tables.
 */
export async function wordContent(doc: ReportDocument, level: Level = 1): Promise<(Paragraph | Table)[]> {
  const out: (Paragraph | Table)[] = [
    new Paragraph({ text: doc.title, heading: HEADINGS[level], keepNext: true }),
  ];
  for (const s of doc.subtitle) out.push(new Paragraph({ children: [new TextRun({ text: s, bold: true })] }));
  for (const s of doc.summary) out.push(new Paragraph({ text: s, bullet: { level: 0 } }));
  for (const n of doc.notes) out.push(new Paragraph({ children: [new TextRun({ text: n, italics: true })] }));
  for (const section of doc.sections) {
    out.push(
      new Paragraph({ text: section.heading, heading: HEADINGS[(level + 1) as Level], keepNext: true }),
    );
    for (const p of section.paragraphs ?? []) out.push(new Paragraph({ text: p }));
    for (const spec of section.charts ?? []) out.push(...(await wordChart(spec)));
    for (const t of section.tables) {
      out.push(new Paragraph({ text: t.title, heading: HEADINGS[(level + 2) as 3 | 4], keepNext: true }));
      out.push(t.rows.length ? wordTable(t) : new Paragraph({ text: t.empty ?? 'None in these months.' }));
      out.push(new Paragraph({ text: '' }));
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
  options: { publication: boolean },
): Promise<Buffer> {
  const marking = options.publication ? 'OFFICIAL' : 'OFFICIAL-SENSITIVE';
  const doc = new Document({
    title,
    creator: 'QA Loop',
    styles: { default: { document: { run: { font: 'Arial', size: 22 } } } },
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
