import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { fileKind } from './file-kind.ts';
import { type Cell, cellText, csvRows, forEachSheet, isBlank, type RawRow } from './sheet-rows.ts';
import { compactHeader } from './staff-file.ts';
import { UnreadableFileError } from './types.ts';

/**
 * A spreadsheet of services' QA activity (CSV or an Excel workbook's first sheet with a header row):
 * one row per entry with the columns Service, Period start, Period end, What was reviewed, Number
 * reviewed, Strengths, Areas for development, Practice themes (separated by `;`) and one column per
 * grade of the council's scale (Outstanding, Good, ...). Headers are matched ignoring case, spaces
 * and punctuation; every other column is kept by its heading, for the service to match to a grade.
 * Values are read as text: whether they make an entry is the service's to decide, row by row.
 */
export type ServiceQaColumn =
  | 'service'
  | 'periodStart'
  | 'periodEnd'
  | 'reviewed'
  | 'reviewedCount'
  | 'strengths'
  | 'development'
  | 'themes';

const SYNONYMS: Record<string, ServiceQaColumn> = {
  service: 'service',
  servicename: 'service',
  periodstart: 'periodStart',
  startofperiod: 'periodStart',
  from: 'periodStart',
  periodend: 'periodEnd',
  endofperiod: 'periodEnd',
  to: 'periodEnd',
  whatwasreviewed: 'reviewed',
  reviewed: 'reviewed',
  whatreviewed: 'reviewed',
  numberreviewed: 'reviewedCount',
  howmany: 'reviewedCount',
  howmanyreviewed: 'reviewedCount',
  number: 'reviewedCount',
  strengths: 'strengths',
  areasfordevelopment: 'development',
  development: 'development',
  areasforimprovement: 'development',
  practicethemes: 'themes',
  themes: 'themes',
};

/** The columns a file must have, in the words the QA team's template uses. */
export const SERVICE_QA_HEADERS: Record<ServiceQaColumn, string> = {
  service: 'Service',
  periodStart: 'Period start',
  periodEnd: 'Period end',
  reviewed: 'What was reviewed',
  reviewedCount: 'Number reviewed',
  strengths: 'Strengths',
  development: 'Areas for development',
  themes: 'Practice themes',
};

const REQUIRED: readonly ServiceQaColumn[] = [
  'service',
  'periodStart',
  'periodEnd',
  'reviewed',
  'reviewedCount',
];

/** How far down a sheet its header row may be (a title may sit above it). */
const HEADER_SEARCH_ROWS = 10;

export interface ServiceQaRow {
  /** the row number a person sees when they open the file */
  row: number;
  values: Record<ServiceQaColumn, string>;
  /** the other columns' values by their heading as written (grade columns) */
  other: Record<string, string>;
}

export interface ServiceQaFile {
  fileName: string;
  /** the headings of the columns that are not one of the known ones, as written */
  otherColumns: string[];
  rows: ServiceQaRow[];
}

const columnOf = (cell: Cell) => SYNONYMS[compactHeader(cellText(cell))];
const isHeader = (cells: readonly Cell[]) => cells.filter((c) => columnOf(c) !== undefined).length >= 2;

interface Header {
  known: (ServiceQaColumn | undefined)[];
  headings: string[];
}

function headerOf(cells: readonly Cell[]): Header {
  return {
    known: cells.map(columnOf),
    headings: cells.map((c) =>
      cellText(c)
        .replace(/^\uFEFF/, '')
        .trim(),
    ),
  };
}

function read(cells: readonly Cell[], header: Header, row: number): ServiceQaRow {
  const values = Object.fromEntries(Object.keys(SERVICE_QA_HEADERS).map((k) => [k, ''])) as Record<
    ServiceQaColumn,
    string
  >;
  const other: Record<string, string> = {};
  header.headings.forEach((heading, i) => {
    const text = cellText(cells[i] ?? null).trim();
    const known = header.known[i];
    if (known) {
      if (!values[known]) values[known] = text;
    } else if (heading) other[heading] = text;
  });
  return { row, values, other };
}

function checkColumns(header: Header, fileName: string) {
  const missing = REQUIRED.filter((c) => !header.known.includes(c));
  if (missing.length)
    throw new UnreadableFileError(
      `${fileName} has no ${missing.map((c) => SERVICE_QA_HEADERS[c]).join(', ')} column: the first row must name the columns, like ${REQUIRED.map((c) => SERVICE_QA_HEADERS[c]).join(', ')}`,
    );
}

/**
 * Reads the file: a CSV whose first row names the columns, or an Excel workbook's first sheet with
 * its header row in the first ten rows. Blank rows are skipped. A file that is not CSV or XLSX, or
 * lacks a required column, is refused as a whole.
 */
export async function readServiceQaEntries(path: string, fileName = basename(path)): Promise<ServiceQaFile> {
  const kind = await fileKind(path, fileName, { refuseEmpty: true });
  let header: Header | undefined;
  const rows: ServiceQaRow[] = [];
  const take = (raw: RawRow) => {
    if (header && !isBlank(raw.cells)) rows.push(read(raw.cells, header, raw.row));
  };
  if (kind === 'csv') {
    for await (const raw of csvRows(async () => createReadStream(path), fileName)) {
      if (isBlank(raw.cells)) continue;
      if (!header) {
        header = headerOf(raw.cells);
        checkColumns(header, fileName);
        continue;
      }
      take(raw);
    }
    if (!header) throw new UnreadableFileError(`${fileName} is empty: it has no header row`);
  } else {
    let done = false;
    await forEachSheet(fileName, { path }, async (_sheet, sheetRows) => {
      if (done) return;
      let looked = 0;
      for await (const raw of sheetRows) {
        if (isBlank(raw.cells)) continue;
        if (header) {
          take(raw);
          continue;
        }
        if (isHeader(raw.cells)) {
          header = headerOf(raw.cells);
          continue;
        }
        looked++;
        if (looked >= HEADER_SEARCH_ROWS) return;
      }
      if (header) done = true;
    });
    if (!header)
      throw new UnreadableFileError(`${fileName} has no header row naming the columns, like Service`);
    checkColumns(header, fileName);
  }
  const h = header as Header;
  return {
    fileName,
    otherColumns: h.headings.filter((heading, i) => heading && !h.known[i]),
    rows,
  };
}
