import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { z } from 'zod';
import type { Gender } from '../data/schema.ts';
import { addMonths, isRealDate, toIsoDate } from '../domain/dates.ts';
import { type AnnexAList, annexASource } from '../domain/snapshot-sources.ts';
import {
  type ColumnMatch,
  FIELDS,
  type FieldKind,
  type FieldName,
  isChildIdHeader,
  LISTS,
  type ListSpec,
  listByHeaders,
  listByNumber,
  listByWords,
  matchColumns,
} from './annex-a-headers.ts';
import { type FileEntry, openFileSet, pathKind } from './file-sets.ts';
import { declareSizes } from './read-limits.ts';
import {
  type Cell,
  cellText,
  csvRows,
  forEachSheet,
  isBlank,
  type RawRow,
  type WorkbookSource,
} from './sheet-rows.ts';
import type { RowAt, SnapshotReadContext, SnapshotReader, SnapshotWriter } from './snapshot-writer.ts';
import { tellWindows1252 } from './text-encoding.ts';
import { type RowError, UnreadableFileError } from './types.ts';
import {
  BORN_WITHIN_MONTHS,
  excelError,
  excelErrorMessage,
  meansNobody,
  parseDate,
  parseDateLenient,
  parseEthnicity,
  parseGender,
  parseYesNo,
  stripCodePrefix,
} from './values.ts';

/** A sheet of a workbook, or a CSV file: where it is, and its rows. */
interface Table {
  file: string;
  sheet?: string;
  rows: AsyncIterable<RawRow>;
}

/** What an import has found so far: how many lists it read, and what else it met (for the refusal). */
interface Findings {
  lists: number;
  notes: string[];
}

/** What reading a list needs: where it goes, and the extract's date (the import's as-of date). */
interface ReadContext extends SnapshotReadContext {
  /** dates of birth are checked against it, when given */
  asOf?: string;
}

/** How far down a sheet its header row may be (a title and notes may sit above it). */
const HEADER_SEARCH_ROWS = 10;

/**
 * Reads Ofsted Annex A lists 2 to 9: an Excel workbook with a sheet per list (streamed, so any
 * size reads in the same memory), a CSV file of one list, or a folder or zip of them. Each sheet or
 * file is known by its name ("List 6", "6. Children in need", "list6.csv") or, failing that, by the
 * columns only its list has; sheets that are not lists 2 to 9 (a cover sheet, notes, contacts,
 * adoption) are passed over. Each list replaces what an earlier import of the same date brought
 * from that list. Given the extract's date (`asOf`), a date of birth more than BORN_WITHIN_MONTHS
 * after it is a row error.
 */
export function annexAReader(path: string, asOf?: string): SnapshotReader {
  return async (context) => {
    const ctx: ReadContext = { ...context, asOf };
    const findings: Findings = { lists: 0, notes: [] };
    const name = ctx.fileName;
    const kind = await pathKind(path);
    if (kind === 'missing') throw new UnreadableFileError(`${name}: no such file or folder`);
    if (kind === 'file') {
      await readFile(ctx, findings, name, path);
    } else {
      const set = await openFileSet(path, name);
      const workbook = kind === 'zip' && set.entries.some((e) => e.path === 'xl/workbook.xml');
      try {
        if (!workbook) {
          // what it will read counts against the import's limits before anything is inflated
          declareSizes(set.entries.filter((e) => /\.(csv|xlsx|xlsm)$/i.test(e.name)));
          for (const entry of set.entries) await readEntry(ctx, findings, entry);
        }
      } finally {
        await set.close();
      }
      // a workbook whose name does not end .xlsx: its own zip is read as a workbook
      if (workbook) await readWorkbook(ctx, findings, name, { path });
    }
    if (findings.lists === 0) throw new UnreadableFileError(noListMessage(name, findings.notes));
  };
}

const OLD_EXCEL = Buffer.from([0xd0, 0xcf, 0x11, 0xe0]);
const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

async function firstBytes(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function oldExcel(name: string): UnreadableFileError {
  return new UnreadableFileError(
    `${name} is an old-style Excel file (.xls): open it in Excel and save it as an Excel Workbook (.xlsx) or as CSV`,
  );
}

/** One file given on its own: a workbook or a CSV, told by its name and its first bytes. */
async function readFile(ctx: ReadContext, findings: Findings, name: string, path: string) {
  const head = await firstBytes(path);
  const extension = (extname(name) || extname(path)).toLowerCase();
  if (head.equals(OLD_EXCEL) || extension === '.xls') throw oldExcel(name);
  if (extension === '.zip')
    throw new UnreadableFileError(
      `${name} is not a zip file, though its name ends .zip: it does not open as one`,
    );
  if (extension === '.xlsx' || extension === '.xlsm') {
    if (!head.equals(ZIP))
      throw new UnreadableFileError(
        `${name} is not an Excel workbook, though its name ends ${extension}: if it is a CSV file, name it .csv; otherwise open it in Excel and save it as an Excel Workbook (.xlsx)`,
      );
    await readWorkbook(ctx, findings, name, { path });
    return;
  }
  await readTable(ctx, findings, {
    file: name,
    rows: csvRows(
      async () => createReadStream(path),
      name,
      tellWindows1252(name, (m) => ctx.tally.notice(m)),
    ),
  });
}

/** Reads each sheet of a workbook as a table; a workbook with no sheets is noted. */
async function readWorkbook(ctx: ReadContext, findings: Findings, file: string, from: WorkbookSource) {
  const sheets = await forEachSheet(file, from, (sheet, rows) =>
    readTable(ctx, findings, { file, sheet, rows }),
  );
  if (sheets === 0) findings.notes.push(`${file} (a workbook with no sheets)`);
}

/**
 * One file of a folder or zip: CSV files and workbooks are read; anything else, and any file that
 * holds no list, is left alone and listed as such in the summary.
 */
async function readEntry(ctx: ReadContext, findings: Findings, entry: FileEntry) {
  const extension = extname(entry.name).toLowerCase();
  const before = findings.lists;
  if (extension === '.csv') {
    await readTable(ctx, findings, {
      file: entry.path,
      rows: csvRows(
        () => entry.open(),
        entry.path,
        tellWindows1252(entry.path, (m) => ctx.tally.notice(m)),
      ),
    });
  } else if (extension === '.xlsx' || extension === '.xlsm') {
    await readWorkbook(ctx, findings, entry.path, { open: () => entry.open() });
  } else if (extension === '.xls') {
    throw oldExcel(entry.path);
  } else {
    findings.notes.push(`${entry.path} (not a CSV file or workbook)`);
  }
  if (findings.lists === before) ctx.ignoredFiles.push(entry.path);
}

// ---------------------------------------------------------------------------------------------
// Finding a list in a sheet or file

/**
 * Reads one sheet or CSV file: finds its header row (within the first ten rows), decides which
 * list it is, and reads each row after the header. A sheet that is not a list is passed over.
 */
async function readTable(ctx: ReadContext, findings: Findings, table: Table) {
  const where = table.sheet ? `sheet "${table.sheet}" of ${table.file}` : table.file;
  const title = table.sheet ? `Sheet "${table.sheet}" of ${table.file}` : table.file;
  const own = table.sheet ?? basename(table.file);
  const named = listByNumber(own);
  if (named && 'other' in named) {
    findings.notes.push(`${where} (list ${named.other}, which QA Loop does not read)`);
    return;
  }
  let looked = 0;
  let reading: ListReading | undefined;
  for await (const raw of table.rows) {
    if (isBlank(raw.cells)) continue;
    if (reading) {
      ctx.rowRead();
      await reading.read(raw);
      continue;
    }
    const headers = raw.cells.map(cellText);
    if (headers.some(isChildIdHeader)) {
      const finding =
        named ??
        listByHeaders(headers) ??
        listByWords(own) ??
        (table.sheet ? (listByNumber(basename(table.file)) ?? listByWords(basename(table.file))) : undefined);
      if (!finding) {
        findings.notes.push(`${where} (a ChildUniqueID column but none of a list's own columns)`);
        return;
      }
      if ('other' in finding) {
        findings.notes.push(`${where} (list ${finding.other}, which QA Loop does not read)`);
        return;
      }
      reading = startList(ctx, table, title, LISTS[finding.list], headers, raw.row, !!named);
      await ctx.writer.beginSource(annexASource(finding.list));
      findings.lists++;
      continue;
    }
    looked++;
    if (looked >= HEADER_SEARCH_ROWS) break;
  }
  if (reading) {
    await ctx.writer.flush();
    return;
  }
  if (looked === 0) {
    findings.notes.push(`${where} (empty)`);
    return;
  }
  if (named)
    throw new UnreadableFileError(
      `${title} is named as list ${named.list} (${LISTS[named.list].title}) but has no column for the child's unique ID in its first ${HEADER_SEARCH_ROWS} rows: its header row needs a ChildUniqueID column (spelt, for example, "Child Unique ID" or "ChildUniqueID")`,
    );
  findings.notes.push(`${where} (no ChildUniqueID column in its first ${HEADER_SEARCH_ROWS} rows)`);
}

function noListMessage(name: string, notes: string[]): string {
  const expected = [
    'list 2 EarlyHelpStartDate',
    'list 3 ReferralDate',
    'list 4 ContinuousAssessmentStart',
    'list 5 Section47StartDate or InitialCPConfUnnecessary',
    'list 6 CINStartDate',
    'list 7 ChildProtectionPlanStartDate',
    'list 8 LookedAfterStartDate',
    'list 9 EligibilityCategory or LatestPathwayPlan',
  ].join(', ');
  const shown = notes.slice(0, 8);
  const more = notes.length > shown.length ? `, and ${notes.length - shown.length} more` : '';
  return (
    `${name} holds no Annex A list that QA Loop reads (lists 2 to 9). Name each sheet or CSV file after its list, ` +
    `like "List 6", "6. Children in need" or "list6.csv", or give it the list's own columns: ${expected}. ` +
    `Every list needs a ChildUniqueID column in its header row, within the first ${HEADER_SEARCH_ROWS} rows.` +
    (shown.length ? ` It holds: ${shown.join('; ')}${more}.` : '')
  );
}

// ---------------------------------------------------------------------------------------------
// Reading the values of a row

/** A field's value once read, by the kind of field. */
type KindValue<K extends FieldKind> = K extends 'yesno'
  ? boolean | null
  : K extends 'count'
    ? number | null
    : K extends 'gender'
      ? Gender | null
      : K extends 'seen'
        ? string | boolean | null
        : string | null;

/** A row's values, by field. */
type Values = { [F in FieldName]?: KindValue<(typeof FIELDS)[F]['kind']> };

type Read = { ok: true; value: string | number | boolean | null } | { ok: false; message: string };

/** A cell quoted in a message as plain text: on one line, and not too long to read. */
function quote(cell: Cell): string {
  const text = cellText(cell).replace(/\s+/g, ' ');
  return `"${text.length > 60 ? `${text.slice(0, 60)}…` : text}"`;
}

function readDate(cell: Cell): string | null | undefined {
  if (cell === null) return null;
  if (cell instanceof Date) {
    const iso = toIsoDate(cell);
    return isRealDate(iso) ? iso : undefined;
  }
  if (typeof cell === 'number') return cell >= 1000 ? parseDate(String(Math.floor(cell))) : undefined;
  if (typeof cell === 'boolean') return undefined;
  const text = cell.trim();
  return text ? parseDateLenient(text) : null;
}

function readCell(kind: FieldKind, cell: Cell): Read {
  const ok = (value: string | number | boolean | null): Read => ({ ok: true, value });
  const text = cellText(cell);
  switch (kind) {
    case 'id':
      if (!text) return ok(null);
      if (text.length > 60)
        return { ok: false, message: `${quote(cell)} is too long for a child's ID (over 60 characters)` };
      if (/[\r\n]/.test(text))
        return {
          ok: false,
          message: `${quote(cell)} runs over more than one line: a child's ID is one line`,
        };
      return ok(text);
    case 'text':
      return ok(text || null);
    case 'name':
      return ok(text && !meansNobody(text) ? text.replace(/\s+/g, ' ') : null);
    case 'code':
      return ok(text ? stripCodePrefix(text) || null : null);
    case 'date': {
      const date = readDate(cell);
      if (date === undefined)
        return {
          ok: false,
          message: `${quote(cell)} is not a date: write dates as dd/mm/yyyy, like 31/03/2025`,
        };
      return ok(date);
    }
    case 'yesno': {
      if (typeof cell === 'boolean') return ok(cell);
      const answer = parseYesNo(text);
      if (answer === undefined)
        return { ok: false, message: `${quote(cell)} is not yes or no: write Yes or No (or a) Yes, b) No)` };
      return ok(answer);
    }
    case 'count': {
      if (!text) return ok(null);
      const n = typeof cell === 'number' ? cell : /^\d+(\.0+)?$/.test(text) ? Number(text) : Number.NaN;
      if (!Number.isInteger(n) || n < 0)
        return { ok: false, message: `${quote(cell)} is not a number: write a whole number, like 0 or 3` };
      return ok(n);
    }
    case 'gender': {
      const gender = parseGender(text);
      if (gender === undefined)
        return {
          ok: false,
          message: `${quote(cell)} is not a gender: write Male, Female, Unknown or Other (or a) Male, b) Female, c) Unknown/Indeterminate, d) Neither)`,
        };
      return ok(gender);
    }
    case 'ethnicity': {
      const code = parseEthnicity(text);
      if (code === undefined)
        return {
          ok: false,
          message: `${quote(cell)} is not an ethnicity: write a DfE code such as WBRI, MWBC or NOBT, or a label that starts with one, like "WBRI - White British"`,
        };
      return ok(code);
    }
    case 'seen': {
      if (!text) return ok(null);
      const date = readDate(cell);
      if (date) return ok(date);
      const answer = typeof cell === 'boolean' ? cell : parseYesNo(text);
      if (answer === undefined)
        return { ok: false, message: `${quote(cell)} is neither a date nor yes or no` };
      return ok(answer);
    }
  }
}

/** Kinds of field read as text, which an Excel error value leaves blank. */
const TEXT_KINDS = new Set<FieldKind>(['text', 'name', 'code', 'id']);

/** Start and end dates that must come in that order. */
const PERIODS: readonly (readonly [FieldName, FieldName])[] = [
  ['earlyHelpStart', 'earlyHelpEnd'],
  ['assessmentStart', 'assessmentAuthorised'],
  ['cinStart', 'cinClosure'],
  ['cpStart', 'cpEnd'],
  ['claStart', 'claEnd'],
];

/**
 * The checks on a row of a list, as a zod schema over the columns the sheet has: every value
 * must read as its kind (dates real dates, codes known codes), the child's ID and the list's own
 * date must be given, periods must not end before they start, and a date of birth may be at most
 * BORN_WITHIN_MONTHS after the extract's date (`asOf`, when known). Excel's error values ("#N/A")
 * are blank in an optional text field and an error anywhere else.
 */
function rowSchema(spec: ListSpec, columns: readonly ColumnMatch[], asOf: string | undefined) {
  const latestBirth = asOf ? addMonths(asOf, BORN_WITHIN_MONTHS) : undefined;
  const cell = z.custom<Cell>(() => true);
  const required = new Set<FieldName>(['childId', ...(spec.keyDate ? [spec.keyDate] : [])]);
  const shape: Record<string, z.ZodType<unknown, Cell>> = {};
  for (const { field } of columns) {
    const { kind, about } = FIELDS[field];
    shape[field] = cell.transform((value, ctx) => {
      // a formula that failed: a text field left blank by it is blank; anything else is an error
      const failed = typeof value === 'string' ? excelError(value) : undefined;
      if (failed) {
        if (!required.has(field) && TEXT_KINDS.has(kind)) return null;
        ctx.addIssue({ code: 'custom', message: excelErrorMessage(failed, about) });
        return z.NEVER;
      }
      const read = readCell(kind, value);
      if (!read.ok) {
        ctx.addIssue({ code: 'custom', message: read.message });
        return z.NEVER;
      }
      if (read.value === null && required.has(field)) {
        ctx.addIssue({
          code: 'custom',
          message:
            field === 'childId'
              ? 'Give the child’s unique ID: every row needs it'
              : `Give ${about}: every row of list ${spec.list} (${spec.title}) needs it`,
        });
        return z.NEVER;
      }
      return read.value;
    });
  }
  const present = new Set(columns.map((c) => c.field));
  return z
    .object(shape)
    .superRefine((values, ctx) => {
      const v = values as Values & Record<string, unknown>;
      if (latestBirth && asOf && typeof v.dateOfBirth === 'string' && v.dateOfBirth > latestBirth)
        ctx.addIssue({
          code: 'custom',
          path: ['dateOfBirth'],
          message: `The date of birth (${formatUk(v.dateOfBirth)}) is more than ${BORN_WITHIN_MONTHS} months after the extract's date (${formatUk(asOf)}): an unborn child can be on a plan, but not one due that far ahead. Check the date`,
        });
      for (const [start, end] of PERIODS) {
        const from = v[start];
        const to = v[end];
        if (typeof from === 'string' && typeof to === 'string' && to < from)
          ctx.addIssue({
            code: 'custom',
            path: [end],
            message:
              `${FIELDS[end].about} (${formatUk(to)}) is before ${FIELDS[start].about} (${formatUk(from)})`.replace(
                /^./,
                (c) => c.toUpperCase(),
              ),
          });
      }
      if (spec.list === 9 && careLeaverStart(v) === undefined) {
        const column = present.has('dateOfBirth') ? 'dateOfBirth' : 'childId';
        ctx.addIssue({
          code: 'custom',
          path: [column],
          message:
            'Give the young person’s date of birth, latest pathway plan date or latest contact date: a care leaver’s record starts from the earliest of them',
        });
      }
    })
    .transform((values) => values as Values);
}

/** A date as a person in England writes it: 31/03/2025. */
function formatUk(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

/**
 * When a care leaver's record starts. Annex A list 9 gives no date leaving-care support began, so
 * the record starts on the earliest of: the young person's 16th birthday (the earliest anyone can
 * qualify for leaving-care support, and everyone on list 9 is 16 or over), the latest pathway plan
 * and the latest contact. With none of these the row cannot be placed in time and is rejected.
 */
function careLeaverStart(v: Values): string | undefined {
  const dates = [
    typeof v.dateOfBirth === 'string' ? addMonths(v.dateOfBirth, 16 * 12) : null,
    v.latestPathwayPlan,
    v.latestContact,
  ].filter((d): d is string => typeof d === 'string');
  return dates.sort()[0];
}

// ---------------------------------------------------------------------------------------------
// Writing a list's rows

interface ListReading {
  read(raw: RawRow): Promise<void>;
}

/**
 * Starts reading a list from its header row: which column holds which field, refusing a sheet
 * without the list's own columns or with the same column twice.
 */
function startList(
  ctx: ReadContext,
  table: Table,
  where: string,
  spec: ListSpec,
  headers: string[],
  headerRow: number,
  named: boolean,
): ListReading {
  const { columns, duplicate } = matchColumns(spec, headers);
  const title = `list ${spec.list} (${spec.title})`;
  if (duplicate)
    throw new UnreadableFileError(
      `${where} has the column "${duplicate.header}" twice in its header row (row ${headerRow}): keep one, so it is clear which to read`,
    );
  const have = new Set(columns.map((c) => c.field));
  const missing = spec.required.filter((f) => !have.has(f));
  if (missing.length) {
    const wanted = missing.map((f) => `${FIELDS[f].header} column (${FIELDS[f].about})`).join(' or ');
    throw new UnreadableFileError(
      `${where} is ${named ? 'named as ' : ''}${title} but its header row (row ${headerRow}) has no ${wanted}`,
    );
  }
  if (spec.anyOf && !spec.anyOf.some((f) => have.has(f))) {
    const names = spec.anyOf.map((f) => FIELDS[f].header);
    throw new UnreadableFileError(
      `${where} is ${named ? 'named as ' : ''}${title} but its header row (row ${headerRow}) has none of ${names.slice(0, -1).join(', ')} or ${names.at(-1)}: each row needs one of them to be placed in time`,
    );
  }
  const headerOf = new Map(columns.map((c) => [c.field as string, c.header]));
  const childColumn = headerOf.get('childId') as string;
  const schema = rowSchema(spec, columns, ctx.asOf);
  const source = annexASource(spec.list);
  return {
    read: async (raw) => {
      const record: Record<string, Cell> = {};
      for (const c of columns) record[c.field] = raw.cells[c.index] ?? null;
      const result = schema.safeParse(record);
      const at: RowAt = {
        file: table.file,
        ...(table.sheet ? { sheet: table.sheet } : {}),
        row: raw.row,
        childColumn,
      };
      if (!result.success) {
        const errors: RowError[] = result.error.issues.map((issue) => ({
          file: table.file,
          ...(table.sheet ? { sheet: table.sheet } : {}),
          row: raw.row,
          column: headerOf.get(String(issue.path[0])) ?? childColumn,
          message: issue.message,
        }));
        ctx.tally.reject(errors);
        return;
      }
      await writeRow(ctx.writer, spec.list, result.data, source, at);
    },
  };
}

type Attributes = Record<string, string | number | boolean | null | undefined>;

/** The attributes that have a value. */
function given(attributes: Attributes): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes))
    if (value !== null && value !== undefined) out[key] = value;
  return out;
}

/**
 * Writes one valid row: the child, who they are allocated to (an allocation ends when the list
 * says the episode ended), and what the list says happened: an episode, a visit, a placement.
 */
async function writeRow(writer: SnapshotWriter, list: AnnexAList, v: Values, source: string, at: RowAt) {
  const childRef = v.childId as string;
  await writer.child(
    source,
    {
      ref: childRef,
      dateOfBirth: v.dateOfBirth,
      gender: v.gender,
      ethnicity: v.ethnicity,
      disability: v.disability,
      uasc: v.uasc,
    },
    at,
  );
  const allocate = async (endDate: string | null | undefined, worker = v.worker) => {
    if (!v.team && !worker) return;
    await writer.allocation(
      source,
      { childRef, teamName: v.team ?? null, workerName: worker ?? null, endDate: endDate ?? null },
      at,
    );
  };
  switch (list) {
    case 2: {
      await allocate(v.earlyHelpEnd);
      await writer.episode(
        source,
        {
          childRef,
          kind: 'early_help',
          startDate: v.earlyHelpStart as string,
          endDate: v.earlyHelpEnd ?? null,
          attributes: given({
            assessment_completed: v.earlyHelpAssessmentCompleted,
            organisation: v.earlyHelpOrganisation,
          }),
        },
        at,
      );
      return;
    }
    case 3: {
      // a referral that led to no further action ended the day it came in
      const ended = v.referralNfa === true ? (v.referralDate as string) : null;
      await allocate(ended);
      await writer.episode(
        source,
        {
          childRef,
          kind: 'cin_episode',
          startDate: v.referralDate as string,
          endDate: ended,
          detail: v.referralNfa === true ? 'Referral: no further action' : 'Referral',
          attributes: given({
            referral_source: v.referralSource,
            nfa: v.referralNfa,
            referrals_last_12_months: v.referralsLast12Months,
          }),
        },
        at,
      );
      return;
    }
    case 4: {
      await allocate(null);
      await writer.episode(
        source,
        {
          childRef,
          kind: 'assessment',
          startDate: v.assessmentStart as string,
          endDate: v.assessmentAuthorised ?? null,
          detail: v.assessmentOutcome ? `Assessment: ${v.assessmentOutcome}` : 'Assessment',
          attributes: given({ outcome: v.assessmentOutcome, child_seen: v.assessmentChildSeen }),
        },
        at,
      );
      return;
    }
    case 5: {
      await allocate(null);
      // list 5 need not give the enquiry's date: without one the child is listed with no episode
      if (v.s47Start)
        await writer.episode(
          source,
          {
            childRef,
            kind: 's47',
            startDate: v.s47Start,
            detail: 'Section 47 enquiry',
            attributes: given({
              initial_conference_unnecessary: v.icpcUnnecessary,
              initial_conference_date: v.icpcDate,
              conference_resulted_in_plan: v.icpcResultInPlan,
              s47s_last_12_months: v.s47Last12Months,
              initial_conferences_last_12_months: v.icpcLast12Months,
            }),
          },
          at,
        );
      return;
    }
    case 6: {
      const start = v.cinStart as string;
      const end = v.cinClosure ?? null;
      await allocate(end);
      await writer.episode(
        source,
        {
          childRef,
          kind: 'cin_episode',
          startDate: start,
          endDate: end,
          detail: v.primaryNeed ? `Primary need: ${v.primaryNeed}` : null,
          attributes: given({
            primary_need: v.primaryNeed,
            reason_for_closure: v.closureReason,
            case_status: v.caseStatus,
          }),
        },
        at,
      );
      // Annex A has no CIN plan dates: a child whose case status is a child in need plan has had
      // one for the episode
      if (v.caseStatus && /\bneed\b|\bcin\b/i.test(v.caseStatus) && !/protection|looked/i.test(v.caseStatus))
        await writer.episode(source, { childRef, kind: 'cin_plan', startDate: start, endDate: end }, at);
      if (v.lastSeen)
        await writer.visit(source, { childRef, kind: 'cin', visitDate: v.lastSeen, seen: true }, at);
      return;
    }
    case 7: {
      const end = v.cpEnd ?? null;
      await allocate(end);
      const category = v.latestCategory ?? v.initialCategory;
      await writer.episode(
        source,
        {
          childRef,
          kind: 'cp_plan',
          startDate: v.cpStart as string,
          endDate: end,
          detail: category ? `Category: ${category}` : null,
          attributes: given({
            initial_category: v.initialCategory,
            latest_category: v.latestCategory,
            previous_plans: v.previousPlans,
            latest_review_conference: v.latestReviewConference,
            emergency_protection_last_6_months: v.emergencyProtection,
          }),
        },
        at,
      );
      if (v.lastStatutoryVisit)
        await writer.visit(
          source,
          {
            childRef,
            kind: 'cp',
            visitDate: v.lastStatutoryVisit,
            seen: v.seenAlone === true ? true : null,
            seenAlone: v.seenAlone ?? null,
          },
          at,
        );
      return;
    }
    case 8: {
      const end = v.claEnd ?? null;
      await allocate(end);
      await writer.episode(
        source,
        {
          childRef,
          kind: 'cla',
          startDate: v.claStart as string,
          endDate: end,
          detail: v.legalStatus ? `Legal status: ${v.legalStatus}` : null,
          attributes: given({
            legal_status: v.legalStatus,
            legal_status_start: v.legalStatusStart,
            category_of_need: v.categoryOfNeed,
            subsequent_episode_last_12_months: v.subsequentEpisode,
            permanence_plan: v.permanencePlan,
            placements_last_12_months: v.placementsLast12Months,
            latest_statutory_review: v.latestStatutoryReview,
            last_iro_visit: v.lastIroVisit,
            last_health_assessment: v.lastHealthAssessment,
            last_dental_check: v.lastDentalCheck,
            reason_ceased: v.ceasedReason,
            missing_episodes_last_12_months: v.missingEpisodes,
            absent_episodes_last_12_months: v.absentEpisodes,
            placement_location: v.placementLocation,
            uasc: v.uasc,
          }),
        },
        at,
      );
      if (v.placementStart)
        await writer.placement(
          source,
          {
            childRef,
            startDate: v.placementStart,
            endDate: end,
            placementType: v.placementType ?? null,
            provider: v.placementProvider ?? null,
            postcode: v.placementPostcode ?? null,
            urn: v.placementUrn ?? null,
          },
          at,
        );
      if (v.lastSocialWorkVisit)
        await writer.visit(source, { childRef, kind: 'cla', visitDate: v.lastSocialWorkVisit }, at);
      return;
    }
    case 9: {
      // the personal adviser is the care leaver's worker; the allocated worker when none is named
      await allocate(null, v.personalAdviser ?? v.worker);
      await writer.episode(
        source,
        {
          childRef,
          kind: 'care_leaver',
          startDate: careLeaverStart(v) as string,
          detail: v.eligibility ? `Eligibility: ${v.eligibility}` : null,
          attributes: given({
            eligibility: v.eligibility,
            in_touch: v.inTouch,
            latest_contact: v.latestContact,
            latest_pathway_plan: v.latestPathwayPlan,
            accommodation: v.accommodation,
            accommodation_suitability: v.accommodationSuitable,
            activity: v.activity,
            uasc: v.uasc,
          }),
        },
        at,
      );
      return;
    }
  }
}
