import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { ROLE_LABELS, ROLES, type Role } from '../domain/roles.ts';
import { fileKind } from './file-kind.ts';
import { type Cell, cellText, csvRows, forEachSheet, isBlank, type RawRow } from './sheet-rows.ts';
import { type RowError, UnreadableFileError } from './types.ts';
import { parseDateLenient } from './values.ts';

/**
 * The council's staff file (CSV or an Excel workbook): one row per person, with their team, line
 * manager, start and leaving dates and, optionally, their QA Loop roles. Headers are matched
 * ignoring case, spaces, underscores and punctuation, with a few common other names for each.
 */
export const STAFF_FILE_COLUMNS = [
  'name',
  'email',
  'staff_id',
  'job_title',
  'team',
  'line_manager_email',
  'start_date',
  'leaving_date',
  'roles',
  'service_area',
] as const;

export type StaffFileColumn = (typeof STAFF_FILE_COLUMNS)[number];

/** The columns a staff file must have. */
export const STAFF_FILE_REQUIRED: readonly StaffFileColumn[] = ['name', 'email', 'team'];

/** Each column's header as the README writes it, for messages. */
export const STAFF_FILE_HEADERS: Record<StaffFileColumn, string> = {
  name: 'Name',
  email: 'Email',
  staff_id: 'Staff ID',
  job_title: 'Job title',
  team: 'Team',
  line_manager_email: 'Line manager email',
  start_date: 'Start date',
  leaving_date: 'Leaving date',
  roles: 'Roles',
  service_area: 'Service area',
};

/** A header without case, spaces, underscores or punctuation: "Line manager's e-mail" → "linemanagersemail". */
export const compactHeader = (header: string) =>
  header
    .replace(/^\uFEFF/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

/** Other names councils' HR systems give each column, compacted. */
const SYNONYMS: Record<string, StaffFileColumn> = {
  name: 'name',
  fullname: 'name',
  staffname: 'name',
  employeename: 'name',
  workername: 'name',
  email: 'email',
  emailaddress: 'email',
  workemail: 'email',
  workemailaddress: 'email',
  staffid: 'staff_id',
  staffnumber: 'staff_id',
  staffno: 'staff_id',
  employeeid: 'staff_id',
  employeenumber: 'staff_id',
  employeeno: 'staff_id',
  payrollnumber: 'staff_id',
  payrollno: 'staff_id',
  personnelnumber: 'staff_id',
  jobtitle: 'job_title',
  title: 'job_title',
  position: 'job_title',
  post: 'job_title',
  posttitle: 'job_title',
  team: 'team',
  teamname: 'team',
  linemanageremail: 'line_manager_email',
  linemanagersemail: 'line_manager_email',
  linemanageremailaddress: 'line_manager_email',
  linemanagersemailaddress: 'line_manager_email',
  manageremail: 'line_manager_email',
  managersemail: 'line_manager_email',
  manageremailaddress: 'line_manager_email',
  startdate: 'start_date',
  startedon: 'start_date',
  datestarted: 'start_date',
  joiningdate: 'start_date',
  datejoined: 'start_date',
  leavingdate: 'leaving_date',
  leavedate: 'leaving_date',
  enddate: 'leaving_date',
  lefton: 'leaving_date',
  dateleft: 'leaving_date',
  qalooproles: 'roles',
  roles: 'roles',
  role: 'roles',
  qalooprole: 'roles',
  servicearea: 'service_area',
  service: 'service_area',
};

/** The column a header names, or undefined when it is not one of the staff file's. */
export function staffFileColumn(header: string): StaffFileColumn | undefined {
  return SYNONYMS[compactHeader(header)];
}

/** A person as a row of the staff file gives them, checked. */
export interface StaffFileRow {
  /** the row number a person sees when they open the file */
  row: number;
  sheet?: string;
  name: string;
  email: string;
  staffId: string | null;
  jobTitle: string | null;
  team: string;
  lineManagerEmail: string | null;
  startDate: string | null;
  leavingDate: string | null;
  /** null when the file has no roles column or the cell is blank: the person's roles stay as they are */
  roles: Role[] | null;
  serviceArea: string | null;
}

export interface StaffFile {
  fileName: string;
  /** whether the file has a roles column (only then are roles changed) */
  hasRoles: boolean;
  rowsRead: number;
  rows: StaffFileRow[];
  errors: RowError[];
}

const EMAIL = z.email();
const ROLE_WORDS = new Map<string, Role>();
for (const role of ROLES) {
  ROLE_WORDS.set(compactHeader(role), role);
  ROLE_WORDS.set(compactHeader(ROLE_LABELS[role]), role);
}
// labels people write for the roles in a few words
for (const [words, role] of [
  ['qa lead', 'qa_lead'],
  ['qa officer', 'qa_lead'],
  ['head of service', 'senior_leader'],
  ['assistant director', 'senior_leader'],
  ['senior leader', 'senior_leader'],
  ['admin', 'administrator'],
  ['team manager', 'case_manager'],
  ['manager', 'case_manager'],
  ['social worker', 'practitioner'],
  ['scrutiny', 'scrutiny_reader'],
  ['workforce', 'workforce_development'],
] as const)
  ROLE_WORDS.set(compactHeader(words), role);

/** A roles cell: QA Loop role keys or labels separated by ; or , ("none" for no roles). */
export function parseRoles(text: string): { roles: Role[] | null; unknown: string[] } {
  const value = text.trim();
  if (!value) return { roles: null, unknown: [] };
  if (/^(none|no roles?)$/i.test(value)) return { roles: [], unknown: [] };
  const roles = new Set<Role>();
  const unknown: string[] = [];
  for (const part of value.split(/[;,]/)) {
    const word = part.trim();
    if (!word) continue;
    const role = ROLE_WORDS.get(compactHeader(word));
    if (role) roles.add(role);
    else unknown.push(word);
  }
  return { roles: [...roles].sort(), unknown };
}

const clean = (v: string | undefined) => {
  const t = (v ?? '').trim();
  return t === '' ? null : t;
};

/**
 * Checks one row, every problem against its column in words a person can act on. `cells` are by
 * column; `hasRoles` says whether the file has a roles column.
 */
export function checkStaffFileRow(
  cells: Partial<Record<StaffFileColumn, string>>,
  where: { file: string; sheet?: string; row: number },
): { ok: true; value: StaffFileRow } | { ok: false; errors: RowError[] } {
  const errors: RowError[] = [];
  const fail = (column: StaffFileColumn, message: string) =>
    errors.push({
      file: where.file,
      ...(where.sheet ? { sheet: where.sheet } : {}),
      row: where.row,
      column: STAFF_FILE_HEADERS[column],
      message,
    });
  const name = clean(cells.name);
  if (!name) fail('name', 'Enter the person’s full name');
  else if (name.length > 200) fail('name', 'The name is longer than 200 characters');
  const email = clean(cells.email);
  if (!email) fail('email', 'Enter the person’s work email address');
  else if (!EMAIL.safeParse(email).success)
    fail('email', `"${email}" is not an email address: write it like name@council.gov.uk`);
  const team = clean(cells.team);
  if (!team) fail('team', 'Enter the team the person works in');
  else if (team.length > 200) fail('team', 'The team’s name is longer than 200 characters');
  const staffId = clean(cells.staff_id);
  if (staffId && staffId.length > 60) fail('staff_id', 'The staff ID is longer than 60 characters');
  const jobTitle = clean(cells.job_title);
  if (jobTitle && jobTitle.length > 200) fail('job_title', 'The job title is longer than 200 characters');
  const managerEmail = clean(cells.line_manager_email);
  if (managerEmail && !EMAIL.safeParse(managerEmail).success)
    fail(
      'line_manager_email',
      `"${managerEmail}" is not an email address: write the line manager’s work email, like name@council.gov.uk`,
    );
  else if (managerEmail && email && managerEmail.toLowerCase() === email.toLowerCase())
    fail('line_manager_email', 'A person cannot be their own line manager');
  const dateOf = (column: 'start_date' | 'leaving_date') => {
    const raw = clean(cells[column]);
    if (!raw) return null;
    const date = parseDateLenient(raw);
    if (!date)
      fail(column, `"${raw}" is not a real date: write it as DD/MM/YYYY or YYYY-MM-DD, like 01/04/2026`);
    return date ?? null;
  };
  const startDate = dateOf('start_date');
  const leavingDate = dateOf('leaving_date');
  if (startDate && leavingDate && leavingDate < startDate)
    fail('leaving_date', 'The leaving date is before the start date');
  const { roles, unknown } = parseRoles(cells.roles ?? '');
  if (unknown.length)
    fail(
      'roles',
      `${unknown.map((u) => `"${u}"`).join(', ')} ${unknown.length === 1 ? 'is not a QA Loop role' : 'are not QA Loop roles'}: use ${ROLES.join(', ')}, separated by ; or ,`,
    );
  const serviceArea = clean(cells.service_area);
  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      row: where.row,
      ...(where.sheet ? { sheet: where.sheet } : {}),
      name: name as string,
      email: (email as string).toLowerCase(),
      staffId,
      jobTitle,
      team: team as string,
      lineManagerEmail: managerEmail?.toLowerCase() ?? null,
      startDate,
      leavingDate,
      roles,
      serviceArea,
    },
  };
}

/** How far down a sheet its header row may be (a title and notes may sit above it). */
const HEADER_SEARCH_ROWS = 10;

/** The columns of a header row, by position; throws when a column appears twice. */
function headerColumns(cells: readonly Cell[], where: string): (StaffFileColumn | undefined)[] {
  const seen = new Set<StaffFileColumn>();
  return cells.map((cell) => {
    const column = staffFileColumn(cellText(cell));
    if (column && seen.has(column))
      throw new UnreadableFileError(
        `${where}: two columns are the ${STAFF_FILE_HEADERS[column]} column ("${cellText(cell)}" is the second)`,
      );
    if (column) seen.add(column);
    return column;
  });
}

const isHeader = (cells: readonly Cell[]) => {
  const names = new Set(cells.map((c) => staffFileColumn(cellText(c))));
  return names.has('name') && names.has('email');
};

const missing = (columns: readonly (StaffFileColumn | undefined)[]) =>
  STAFF_FILE_REQUIRED.filter((c) => !columns.includes(c));

/**
 * Reads a staff file, CSV or an Excel workbook (its first sheet with a header row naming at least
 * the name and email columns within its first ten rows). Each row is checked; two rows for the
 * same email or staff ID are both refused after the first. A file that cannot be read as a staff
 * file (not CSV or XLSX, no header row, a required column missing) is refused as a whole.
 */
export async function readStaffFile(path: string, fileName = basename(path)): Promise<StaffFile> {
  const kind = await fileKind(path, fileName, { refuseEmpty: true });
  const found: { sheet?: string; columns: (StaffFileColumn | undefined)[]; rows: RawRow[] }[] = [];
  if (kind === 'csv') {
    let columns: (StaffFileColumn | undefined)[] | undefined;
    const rows: RawRow[] = [];
    for await (const raw of csvRows(async () => createReadStream(path), fileName)) {
      if (isBlank(raw.cells)) continue;
      if (!columns) {
        columns = headerColumns(raw.cells, fileName);
        continue;
      }
      rows.push(raw);
    }
    if (!columns) throw new UnreadableFileError(`${fileName} is empty: it has no header row`);
    const lacking = missing(columns);
    if (lacking.length)
      throw new UnreadableFileError(
        `${fileName} is not a staff file: its header row has no ${lacking.map((c) => STAFF_FILE_HEADERS[c]).join(', ')} column${lacking.length === 1 ? '' : 's'}. The first row must name the columns, like Name, Email, Team.`,
      );
    found.push({ columns, rows });
  } else {
    await forEachSheet(fileName, { path }, async (sheet, rows) => {
      if (found.length) return;
      let columns: (StaffFileColumn | undefined)[] | undefined;
      const kept: RawRow[] = [];
      let looked = 0;
      for await (const raw of rows) {
        if (isBlank(raw.cells)) continue;
        if (columns) {
          kept.push(raw);
          continue;
        }
        if (isHeader(raw.cells)) {
          columns = headerColumns(raw.cells, `Sheet "${sheet}" of ${fileName}`);
          const lacking = missing(columns);
          if (lacking.length)
            throw new UnreadableFileError(
              `Sheet "${sheet}" of ${fileName} is not a staff file: its header row has no ${lacking.map((c) => STAFF_FILE_HEADERS[c]).join(', ')} column${lacking.length === 1 ? '' : 's'}`,
            );
          continue;
        }
        looked++;
        if (looked >= HEADER_SEARCH_ROWS) return;
      }
      if (columns) found.push({ sheet, columns, rows: kept });
    });
    if (!found.length)
      throw new UnreadableFileError(
        `${fileName} is not a staff file: no sheet has a header row with Name, Email and Team columns in its first ${HEADER_SEARCH_ROWS} rows`,
      );
  }
  const [{ sheet, columns, rows }] = found;
  const file: StaffFile = {
    fileName,
    hasRoles: columns.includes('roles'),
    rowsRead: rows.length,
    rows: [],
    errors: [],
  };
  const byEmail = new Map<string, number>();
  const byStaffId = new Map<string, number>();
  for (const raw of rows) {
    const cells: Partial<Record<StaffFileColumn, string>> = {};
    columns.forEach((column, i) => {
      if (column) cells[column] = cellText(raw.cells[i] ?? null);
    });
    const where = { file: fileName, ...(sheet ? { sheet } : {}), row: raw.row };
    const checked = checkStaffFileRow(cells, where);
    if (!checked.ok) {
      file.errors.push(...checked.errors);
      continue;
    }
    const value = checked.value;
    const sameEmail = byEmail.get(value.email);
    const idKey = value.staffId?.toLowerCase();
    const sameId = idKey ? byStaffId.get(idKey) : undefined;
    if (sameEmail !== undefined || sameId !== undefined) {
      if (sameEmail !== undefined)
        file.errors.push({
          ...where,
          column: STAFF_FILE_HEADERS.email,
          message: `Row ${sameEmail} has the same email address: each person appears once`,
        });
      if (sameId !== undefined)
        file.errors.push({
          ...where,
          column: STAFF_FILE_HEADERS.staff_id,
          message: `Row ${sameId} has the same staff ID: each person appears once`,
        });
      continue;
    }
    byEmail.set(value.email, value.row);
    if (idKey) byStaffId.set(idKey, value.row);
    file.rows.push(value);
  }
  return file;
}

/**
 * True when a file's header row is a staff file's (name, email and team columns and no child_id),
 * for telling the format of a file given without one. A file that cannot be read is not one.
 */
export async function looksLikeStaffFile(path: string, fileName = basename(path)): Promise<boolean> {
  try {
    const kind = await fileKind(path, fileName, { refuseEmpty: true });
    if (kind === 'workbook') {
      let yes = false;
      await forEachSheet(fileName, { path }, async (_sheet, rows) => {
        if (yes) return;
        let looked = 0;
        for await (const raw of rows) {
          if (isBlank(raw.cells)) continue;
          if (isHeader(raw.cells)) {
            yes = !missing(raw.cells.map((c) => staffFileColumn(cellText(c)))).length;
            return;
          }
          if (++looked >= HEADER_SEARCH_ROWS) return;
        }
      });
      return yes;
    }
    for await (const raw of csvRows(async () => createReadStream(path), fileName)) {
      if (isBlank(raw.cells)) continue;
      return isHeader(raw.cells) && !missing(raw.cells.map((c) => staffFileColumn(cellText(c)))).length;
    }
    return false;
  } catch {
    return false;
  }
}
