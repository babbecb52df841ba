import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { fileKind } from './file-kind.ts';
import { type Cell, cellText, csvRows, forEachSheet, isBlank, type RawRow } from './sheet-rows.ts';
import { compactHeader } from './staff-file.ts';
import { UnreadableFileError } from './types.ts';

/**
 * A learning session's attendance list (CSV or an Excel workbook): one row per person who attended,
 * with their name, their email or both. Headers are matched ignoring case, spaces and punctuation,
 * with a few other names sign-in sheets and booking systems give them. Other columns are ignored.
 */
export type AttendanceColumn = 'name' | 'email';

const SYNONYMS: Record<string, AttendanceColumn> = {
  name: 'name',
  fullname: 'name',
  attendee: 'name',
  attendeename: 'name',
  delegate: 'name',
  delegatename: 'name',
  participant: 'name',
  participantname: 'name',
  staffname: 'name',
  employeename: 'name',
  email: 'email',
  emailaddress: 'email',
  workemail: 'email',
  workemailaddress: 'email',
  attendeeemail: 'email',
  delegateemail: 'email',
};

export const ATTENDANCE_HEADERS: Record<AttendanceColumn, string> = { name: 'Name', email: 'Email' };

/** How far down a sheet its header row may be (a title may sit above it). */
const HEADER_SEARCH_ROWS = 10;

export interface AttendanceRow {
  /** the row number a person sees when they open the file */
  row: number;
  name: string | null;
  email: string | null;
}

export interface AttendanceList {
  fileName: string;
  rows: AttendanceRow[];
}

const columnOf = (cell: Cell) => SYNONYMS[compactHeader(cellText(cell))];
const isHeader = (cells: readonly Cell[]) => cells.some((c) => columnOf(c) !== undefined);

function read(cells: readonly Cell[], columns: readonly (AttendanceColumn | undefined)[], row: number) {
  const value = (column: AttendanceColumn) => {
    const i = columns.indexOf(column);
    const text = i < 0 ? '' : cellText(cells[i] ?? null).trim();
    return text === '' ? null : text;
  };
  return { row, name: value('name'), email: value('email')?.toLowerCase() ?? null };
}

/**
 * Reads an attendance list: a CSV file whose first row names the columns, or an Excel workbook's
 * first sheet with a Name or Email header in its first ten rows. Blank rows are skipped. A file
 * that is not CSV or XLSX, or has neither column, is refused as a whole.
 */
export async function readAttendanceList(path: string, fileName = basename(path)): Promise<AttendanceList> {
  const kind = await fileKind(path, fileName, { refuseEmpty: true });
  const noColumns = `${fileName} has no Name or Email column: the first row must name the columns, like Name, Email`;
  let columns: (AttendanceColumn | undefined)[] | undefined;
  const rows: AttendanceRow[] = [];
  const take = (raw: RawRow) => {
    const r = read(raw.cells, columns ?? [], raw.row);
    if (r.name || r.email) rows.push(r);
  };
  if (kind === 'csv') {
    for await (const raw of csvRows(async () => createReadStream(path), fileName)) {
      if (isBlank(raw.cells)) continue;
      if (!columns) {
        if (!isHeader(raw.cells)) throw new UnreadableFileError(noColumns);
        columns = raw.cells.map(columnOf);
        continue;
      }
      take(raw);
    }
    if (!columns) throw new UnreadableFileError(`${fileName} is empty: it has no header row`);
  } else {
    await forEachSheet(fileName, { path }, async (_sheet, sheetRows) => {
      if (columns) return;
      let looked = 0;
      for await (const raw of sheetRows) {
        if (isBlank(raw.cells)) continue;
        if (columns) {
          take(raw);
          continue;
        }
        if (isHeader(raw.cells)) {
          columns = raw.cells.map(columnOf);
          continue;
        }
        looked++;
        if (looked >= HEADER_SEARCH_ROWS) return;
      }
    });
    if (!columns) throw new UnreadableFileError(noColumns);
  }
  return { fileName, rows };
}
