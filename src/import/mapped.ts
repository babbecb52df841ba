import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import type { Db } from '../data/db.ts';
import { addMonths } from '../domain/dates.ts';
import {
  fieldPhrase,
  fieldsFor,
  isListKind,
  LIST_KIND_LABELS,
  type ListKind,
  mappedField,
  requiredFields,
} from '../domain/mapped-fields.ts';
import { readCsv } from './csv-records.ts';
import { cellText, forEachSheet, type WorkbookSource } from './sheet-rows.ts';
import type {
  AllocationFacts,
  ChildFacts,
  EpisodeFacts,
  PlacementFacts,
  SnapshotReader,
} from './snapshot-writer.ts';
import { decodeText, type TextEncodingName, tellWindows1252 } from './text-encoding.ts';
import { UnreadableFileError } from './types.ts';
import {
  BORN_WITHIN_MONTHS,
  excelError,
  excelErrorMessage,
  meansNobody,
  normaliseHeader,
  parseDateLenient,
  parseEthnicity,
  parseGender,
  parseYesNo,
  stripCodePrefix,
} from './values.ts';

/**
 * A council's saved column mapping. In the database (`column_mappings.columns`) it is one JSON
 * object: QA Loop field → the file's header as the person chose it, plus the reserved key
 * `__sheet` naming the worksheet of a workbook to read (the first worksheet when absent).
 */
export interface ColumnMapping {
  id: string;
  name: string;
  listKind: string;
  /** QA Loop field → header as written; only mapped fields */
  columns: Record<string, string>;
  /** the worksheet of a workbook to read; the first when not given */
  sheet?: string | null;
}

/** The key of `column_mappings.columns` that names the worksheet rather than a field. */
export const SHEET_KEY = '__sheet';

/** The stored JSON of a mapping: its fields' headers and, under `__sheet`, its worksheet. */
export function storedColumns(
  columns: Record<string, string>,
  sheet?: string | null,
): Record<string, string> {
  return sheet ? { ...columns, [SHEET_KEY]: sheet } : { ...columns };
}

/** A mapping's stored JSON split into its fields' headers and its worksheet. */
export function splitStoredColumns(stored: Record<string, unknown>): {
  columns: Record<string, string>;
  sheet: string | null;
} {
  const columns: Record<string, string> = {};
  let sheet: string | null = null;
  for (const [key, value] of Object.entries(stored ?? {})) {
    if (typeof value !== 'string' || !value.trim()) continue;
    if (key === SHEET_KEY) sheet = value;
    else columns[key] = value;
  }
  return { columns, sheet };
}

/**
 * A council's saved column mapping by name: the name as written, or else in any case (names are
 * unique in a council whatever their case).
 */
export async function findMapping(
  db: Db,
  councilId: string,
  name: string,
): Promise<ColumnMapping | undefined> {
  const rows = await db
    .selectFrom('column_mappings')
    .select(['id', 'name', 'list_kind', 'columns'])
    .where('council_id', '=', councilId)
    .where((eb) => eb(eb.fn('lower', ['name']), '=', name.trim().toLowerCase()))
    .execute();
  const row = rows.find((r) => r.name === name) ?? (rows.length === 1 ? rows[0] : undefined);
  if (!row) return undefined;
  const { columns, sheet } = splitStoredColumns(row.columns);
  return { id: row.id, name: row.name, listKind: row.list_kind, columns, sheet };
}

// ---------------------------------------------------------------------------------------------
// Rows

/** What one row of a mapped extract says, ready for the snapshot writer. */
export interface MappedRowFacts {
  child: ChildFacts;
  familyRef?: string;
  allocation?: AllocationFacts;
  episode?: EpisodeFacts;
  placement?: PlacementFacts;
}

const MAX_ID_LENGTH = 60;
const MAX_TEXT_LENGTH = 200;

/**
 * Checks one row of a mapped extract: `cell` gives the row's text for a field ('' when the field
 * is not mapped or the cell is empty). Every problem is reported against the field, in words a
 * data analyst can act on; a row with any problem is not taken.
 */
const ukDate = (iso: string) => iso.split('-').reverse().join('/');

export function checkMappedRow(
  kind: ListKind,
  cell: (field: string) => string,
  /** the extract's date: a date of birth more than BORN_WITHIN_MONTHS after it is a row error */
  asOf?: string,
): { ok: true; facts: MappedRowFacts } | { ok: false; errors: { field: string; message: string }[] } {
  const errors: { field: string; message: string }[] = [];
  const fail = (field: string, message: string) => errors.push({ field, message });
  const text = (field: string): string | undefined => {
    const value = cell(field).trim();
    // a formula that failed ("#N/A") leaves the field blank
    if (!value || excelError(value)) return undefined;
    if (value.length > MAX_TEXT_LENGTH) {
      fail(field, `The ${fieldPhrase(field)} is longer than ${MAX_TEXT_LENGTH} characters`);
      return undefined;
    }
    return value;
  };
  const date = (field: string): string | undefined => {
    const value = cell(field).trim();
    if (!value) return undefined;
    const parsed = parseDateLenient(value);
    if (!parsed)
      fail(field, `"${value}" is not a date: write it as dd/mm/yyyy or YYYY-MM-DD, like 21/04/2026`);
    return parsed;
  };
  const yesNo = (field: string): boolean | undefined => {
    const value = cell(field).trim();
    const parsed = parseYesNo(value);
    if (parsed === undefined)
      fail(field, `"${value}" is not yes or no: write Yes or No (Y, N and a) Yes are understood too)`);
    return parsed ?? undefined;
  };
  const holder = (field: string): string | undefined => {
    const value = text(field)?.replace(/\s+/g, ' ');
    return value && !meansNobody(value) ? value : undefined;
  };

  const childRef = cell('child_id').trim();
  const childRefError = excelError(childRef);
  if (!childRef) fail('child_id', 'The child ID is empty: every row needs one');
  else if (childRefError) fail('child_id', excelErrorMessage(childRefError, 'a child ID'));
  else if (childRef.length > MAX_ID_LENGTH)
    fail('child_id', `The child ID is longer than ${MAX_ID_LENGTH} characters`);
  else if (/[\r\n]/.test(childRef)) fail('child_id', 'The child ID runs over more than one line');

  const dateOfBirth = date('date_of_birth');
  if (asOf && dateOfBirth && dateOfBirth > addMonths(asOf, BORN_WITHIN_MONTHS))
    fail(
      'date_of_birth',
      `The date of birth (${ukDate(dateOfBirth)}) is more than ${BORN_WITHIN_MONTHS} months after the extract's date (${ukDate(asOf)}): an unborn child can be on a plan, but not one due that far ahead. Check the date`,
    );
  const genderText = cell('gender').trim();
  const gender = parseGender(genderText);
  if (gender === undefined)
    fail(
      'gender',
      `"${genderText}" is not a gender: write Male, Female, Unknown or Other (M, F, 1, 2 and a) Male are understood too)`,
    );
  const ethnicityText = cell('ethnicity').trim();
  const ethnicity = parseEthnicity(ethnicityText);
  if (ethnicity === undefined)
    fail(
      'ethnicity',
      `"${ethnicityText}" is not an ethnicity: write a DfE code such as WBRI, MWBC or NOBT, or a label that starts with one, like "WBRI - White British"`,
    );
  const disability = yesNo('disability');
  const uasc = yesNo('uasc');
  const firstName = text('first_name');
  const lastName = text('last_name');
  const familyRef = text('family_id');
  const team = holder('team');
  const worker = holder('worker');
  const allocatedSince = date('allocated_since');

  let startDate: string | undefined;
  let endDate: string | undefined;
  let category: string | undefined;
  let placementType: string | undefined;
  if (kind !== 'open_case') {
    const startText = cell('start_date').trim();
    if (!startText) fail('start_date', 'The start date is empty: every row needs one');
    startDate = date('start_date');
    endDate = date('end_date');
    if (startDate && endDate && endDate < startDate)
      fail('end_date', `The end date is before the start date (${ukDate(startDate)})`);
    const categoryText = text('category');
    category = categoryText ? stripCodePrefix(categoryText) : undefined;
    if (kind === 'cla') placementType = text('placement_type');
  }

  if (errors.length) return { ok: false, errors };

  const facts: MappedRowFacts = {
    child: {
      ref: childRef,
      firstName,
      lastName,
      dateOfBirth,
      gender: gender ?? undefined,
      ethnicity: ethnicity ?? undefined,
      disability,
      uasc,
    },
  };
  if (familyRef) facts.familyRef = familyRef;
  if (team || worker) {
    facts.allocation = {
      childRef,
      teamName: team ?? null,
      workerName: worker ?? null,
      startDate: allocatedSince ?? null,
    };
  }
  if (kind !== 'open_case' && startDate) {
    facts.episode = {
      childRef,
      kind,
      startDate,
      endDate: endDate ?? null,
      attributes: category ? { category } : {},
    };
    if (placementType) {
      facts.placement = { childRef, startDate, endDate: endDate ?? null, placementType };
    }
  }
  return { ok: true, facts };
}

// ---------------------------------------------------------------------------------------------
// Files

type FileKind = 'xlsx' | 'xls' | 'text';

function kindOfHead(head: Buffer): FileKind {
  if (head.length >= 4 && head.readUInt32LE(0) === 0x04034b50) return 'xlsx';
  if (head.length >= 4 && head.readUInt32BE(0) === 0xd0cf11e0) return 'xls';
  return 'text';
}

function oldExcel(fileName: string): UnreadableFileError {
  return new UnreadableFileError(
    `${fileName} is an old Excel file (.xls): open it in Excel and save it as an Excel workbook (.xlsx) or CSV`,
  );
}

/**
 * Looks at a stream's first bytes to tell a workbook (a zip) from text, and hands back a stream
 * that still begins with them.
 */
async function sniff(input: Readable): Promise<{ kind: FileKind; stream: Readable }> {
  const chunks = input[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (size < 4) {
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    size += next.value.length;
  }
  const first = Buffer.concat(head);
  async function* whole() {
    try {
      if (first.length) yield first;
      if (ended) return;
      for (;;) {
        const next = await chunks.next();
        if (next.done) return;
        yield next.value as Buffer;
      }
    } finally {
      await chunks.return?.();
    }
  }
  return { kind: kindOfHead(first), stream: Readable.from(whole(), { objectMode: false }) };
}

/** A worksheet's row: its number as a person sees it, and its cells as text. */
interface SheetRow {
  sheet: string;
  row: number;
  values: string[];
}

/**
 * Reads one worksheet of a workbook through the shared workbook reader: the worksheet named
 * `sheet` (case, spaces and punctuation ignored), or else the first. `onRow` sees its rows in turn
 * and may stop them by returning false. Returns the workbook's worksheets and the one read.
 */
async function readWorksheet(
  from: WorkbookSource,
  fileName: string,
  sheet: string | null | undefined,
  /** returns false to stop reading the worksheet */
  onRow: (row: SheetRow) => unknown,
): Promise<{ sheets: string[]; read: string }> {
  const sheets: string[] = [];
  let read: string | undefined;
  await forEachSheet(fileName, from, async (name, rows) => {
    sheets.push(name);
    const wanted = sheet ? normaliseHeader(name) === normaliseHeader(sheet) : sheets.length === 1;
    if (read || !wanted) return;
    read = name;
    for await (const { row, cells } of rows) {
      if ((await onRow({ sheet: name, row, values: cells.map(cellText) })) === false) break;
    }
  });
  if (!read) {
    const names = sheets.map((s) => `"${s}"`).join(', ');
    throw new UnreadableFileError(
      sheet
        ? `${fileName} has no worksheet called "${sheet}"${names ? `: its worksheets are ${names}` : ''}`
        : `${fileName} has no worksheets`,
    );
  }
  return { sheets, read };
}

/** The header row as written: empty headers keep their place; one written twice is refused. */
function checkHeaderRow(fileName: string, headers: string[]): string[] {
  const trimmed = headers.map((h) => h.replace(/^\uFEFF/, '').trim());
  const seen = new Set<string>();
  for (const h of trimmed) {
    const key = normaliseHeader(h);
    if (!key) continue;
    if (seen.has(key))
      throw new UnreadableFileError(`${fileName}: the column "${h}" appears twice in the header row`);
    seen.add(key);
  }
  if (!seen.size) throw new UnreadableFileError(`${fileName} has no header row: its first row is empty`);
  return trimmed;
}

function notCsv(fileName: string, err: CsvError): UnreadableFileError {
  return new UnreadableFileError(`${fileName} cannot be read as CSV: ${err.message}`);
}

/** The first records of a CSV as written, in any of the encodings councils' files come in. */
async function csvHead(input: Readable, fileName: string, rows: number): Promise<string[][]> {
  const text = decodeText(input, { file: fileName });
  const parser = text.pipe(parse({ relax_column_count: true, skip_empty_lines: true, trim: false }));
  // pipe() does not pass on the text's own errors (a file that stops being UTF-8): the loop sees them
  text.on('error', (err) => parser.destroy(err));
  const records: string[][] = [];
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      records.push(record);
      if (records.length > rows) break;
    }
  } catch (err) {
    if (err instanceof CsvError) throw notCsv(fileName, err);
    throw err;
  } finally {
    parser.destroy();
  }
  if (!records.length) throw new UnreadableFileError(`${fileName} is empty: it has no header row`);
  return records;
}

/** What a sample file shows the mapping page: its header row and its first rows. */
export interface SampleFile {
  format: 'csv' | 'xlsx';
  /** the worksheet read, for a workbook */
  sheet?: string;
  /** every worksheet of a workbook */
  sheets: string[];
  /** the named columns, as written */
  headers: string[];
  /** the first rows' cells, one per header */
  rows: string[][];
}

/**
 * A copy of `input` for a reader that may stop early, while `input` itself is read to its end: an
 * uploaded file must be read to its end for the rest of the request to arrive. `ended` settles
 * once it has been; destroy the copy when the reader is done with it.
 */
function follow(input: Readable): { copy: PassThrough; ended: Promise<void> } {
  const copy = new PassThrough();
  // the reader hears of its own errors; a copy destroyed early has nothing left to say
  copy.on('error', () => {});
  const room = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        copy.off('drain', done);
        copy.off('close', done);
        resolve();
      };
      copy.on('drain', done);
      copy.on('close', done);
    });
  const ended = (async () => {
    for await (const chunk of input) {
      if (copy.destroyed || copy.writableEnded) continue;
      if (!copy.write(chunk)) await room();
    }
    if (!copy.destroyed) copy.end();
  })();
  return { copy, ended };
}

/**
 * Reads a sample of an extract for the mapping page: the header row and the first `rows` rows of
 * a CSV, or of a workbook's worksheet (`sheet`, or the first). Nothing is kept: a CSV is read no
 * further than needed, and a workbook is copied to a temporary file only while it is read. The
 * stream is read to its end, whatever is found in it, so an upload's request goes on.
 */
export async function readSample(
  input: Readable,
  fileName: string,
  options: { sheet?: string | null; rows?: number } = {},
): Promise<SampleFile> {
  const { copy, ended } = follow(input);
  try {
    return await sampleOf(copy, fileName, options.sheet, options.rows ?? 5);
  } finally {
    copy.destroy();
    await ended;
  }
}

async function sampleOf(
  input: Readable,
  fileName: string,
  sheetName: string | null | undefined,
  wanted: number,
): Promise<SampleFile> {
  const { kind, stream } = await sniff(input);
  if (kind === 'xls') {
    stream.destroy();
    throw oldExcel(fileName);
  }
  let raw: string[][] = [];
  let found: { sheets: string[]; read?: string } = { sheets: [] };
  if (kind === 'xlsx') {
    // the workbook is copied to a temporary file to be read, and removed as soon as it has been
    found = await readWorksheet({ open: async () => stream }, fileName, sheetName, ({ values }) => {
      if (values.some((v) => v)) raw.push(values);
      return raw.length <= wanted;
    });
    if (!raw.length) throw new UnreadableFileError(`${fileName}: the worksheet "${found.read}" is empty`);
  } else {
    raw = await csvHead(stream, fileName, wanted);
  }
  const headers = checkHeaderRow(fileName, raw[0]);
  const named = headers.flatMap((h, i) => (normaliseHeader(h) ? [i] : []));
  return {
    format: kind === 'xlsx' ? 'xlsx' : 'csv',
    ...(found.read ? { sheet: found.read } : {}),
    sheets: found.sheets,
    headers: named.map((i) => headers[i]),
    rows: raw.slice(1).map((r) => named.map((i) => (r[i] ?? '').trim())),
  };
}

/** A data row of a mapped extract: the number a person sees, and its cells by normalised header. */
interface TableRow {
  row: number;
  sheet?: string;
  cells: Record<string, string>;
}

/**
 * Reads the data rows of a CSV or XLSX file in turn, told apart by their first bytes rather than
 * their names. `headers` sees the header row as written first, and may refuse the file.
 */
async function readRows(
  path: string,
  fileName: string,
  options: {
    sheet?: string | null;
    headers: (asWritten: string[]) => void;
    /** told the encoding a CSV file is read in */
    onEncoding?: (encoding: TextEncodingName) => void;
  },
  onRow: (row: TableRow) => Promise<void>,
): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new UnreadableFileError(`${fileName}: no such file`);
  if (!info.isFile())
    throw new UnreadableFileError(`${fileName} is a folder: a mapped extract is one CSV or XLSX file`);
  const handle = await open(path, 'r');
  const head = Buffer.alloc(4);
  try {
    await handle.read(head, 0, 4, 0);
  } finally {
    await handle.close();
  }
  const kind = kindOfHead(head.subarray(0, Math.min(4, info.size)));
  if (kind === 'xls') throw oldExcel(fileName);
  if (kind === 'text') {
    const [header] = await csvHead(createReadStream(path), fileName, 0);
    options.headers(checkHeaderRow(fileName, header));
    const records = readCsv(path, fileName, { name: 'a CSV', required: [], onEncoding: options.onEncoding });
    try {
      for (;;) {
        let next: IteratorResult<{ row: number; cells: Record<string, string> }>;
        try {
          next = await records.next();
        } catch (err) {
          // every parse error of the file makes it unreadable, whatever csv-parse calls it
          if (err instanceof CsvError) throw notCsv(fileName, err);
          throw err;
        }
        if (next.done) return;
        await onRow({ row: next.value.row, cells: next.value.cells });
      }
    } finally {
      await records.return();
    }
  }
  let headers: string[] | undefined;
  await readWorksheet({ path }, fileName, options.sheet, async ({ sheet, row, values }) => {
    if (!headers) {
      if (!values.some((v) => v)) return;
      const asWritten = checkHeaderRow(fileName, values);
      headers = asWritten.map(normaliseHeader);
      options.headers(asWritten);
      return;
    }
    const cells: Record<string, string> = {};
    headers.forEach((h, i) => {
      if (h) cells[h] = values[i] ?? '';
    });
    await onRow({ row, sheet, cells });
  });
  if (!headers) throw new UnreadableFileError(`${fileName}: the worksheet it reads is empty`);
}

/**
 * Reads any other CSV or XLSX extract through a saved column mapping, into the source
 * `mapped:<mapping name>` of the snapshot. Headers are matched whatever their case, spacing or
 * punctuation, so next week's file may write them differently; a file without one of the
 * mapping's columns is refused as a whole. Each row gives a child (with their allocation, family
 * and flags where mapped) and, unless the rows are open cases, an episode of the mapping's kind;
 * for children in care a mapped placement type gives the placement that began with the period.
 */
export function mappedReader(path: string, mapping: ColumnMapping, asOf?: string): SnapshotReader {
  return async ({ writer, tally, fileName, rowRead }) => {
    const kind = mapping.listKind;
    if (!isListKind(kind))
      throw new UnreadableFileError(
        `The column mapping "${mapping.name}" says its rows describe "${kind}", which QA Loop does not read`,
      );
    const mapped = fieldsFor(kind).filter((f) => mapping.columns[f.key]?.trim());
    const missingRequired = requiredFields(kind).filter((f) => !mapping.columns[f]?.trim());
    if (missingRequired.length)
      throw new UnreadableFileError(
        `The column mapping "${mapping.name}" does not say which column holds the ${missingRequired.map(fieldPhrase).join(' and the ')}: change the mapping first`,
      );
    const source = `mapped:${mapping.name}`;
    await writer.beginSource(source);

    /** field → normalised header, and → header as written in this file (for row errors) */
    const keyOf = new Map(mapped.map((f) => [f.key, normaliseHeader(mapping.columns[f.key])]));
    const columnOf = new Map<string, string>();
    const checkHeaders = (asWritten: string[]) => {
      const present = new Map(asWritten.map((h) => [normaliseHeader(h), h]));
      const missing = mapped.filter((f) => !present.has(keyOf.get(f.key) as string));
      if (missing.length) {
        const names = missing.map((f) => `"${mapping.columns[f.key]}"`).join(', ');
        throw new UnreadableFileError(
          `${fileName} does not have the column${missing.length === 1 ? '' : 's'} ${names} that the column mapping "${mapping.name}" reads (${LIST_KIND_LABELS[kind].toLowerCase()}): check it is the right file, or change the mapping`,
        );
      }
      for (const f of mapped) columnOf.set(f.key, present.get(keyOf.get(f.key) as string) as string);
    };

    await readRows(
      path,
      fileName,
      {
        sheet: mapping.sheet,
        headers: checkHeaders,
        onEncoding: tellWindows1252(fileName, (m) => tally.notice(m)),
      },
      async ({ row, sheet, cells }) => {
        const cell = (field: string) => {
          const key = keyOf.get(field);
          return key ? (cells[key] ?? '') : '';
        };
        // rows left blank (often at the end of a spreadsheet) are not rows of the list
        if (mapped.every((f) => !cell(f.key).trim())) return;
        rowRead();
        const where = { file: fileName, ...(sheet ? { sheet } : {}), row };
        const checked = checkMappedRow(kind, cell, asOf);
        if (!checked.ok) {
          tally.reject(
            checked.errors.map((e) => ({
              ...where,
              column: columnOf.get(e.field) ?? mappedField(e.field)?.label ?? e.field,
              message: e.message,
            })),
          );
          return;
        }
        const at = { ...where, childColumn: columnOf.get('child_id') };
        const { child, familyRef, allocation, episode, placement } = checked.facts;
        await writer.child(source, child, at);
        if (familyRef) await writer.family(source, { childRef: child.ref, familyRef }, at);
        if (allocation) await writer.allocation(source, allocation, at);
        if (episode) await writer.episode(source, episode, at);
        if (placement) await writer.placement(source, placement, at);
      },
    );
    await writer.flush();
  };
}
