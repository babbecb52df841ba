import { parse } from 'csv-parse';
import type { z } from 'zod';
import { readCsv } from './csv-records.ts';
import { type FileEntry, openFileSet } from './file-sets.ts';
import { declareSizes } from './read-limits.ts';
import type { SnapshotReadContext, SnapshotReader } from './snapshot-writer.ts';
import {
  ExtractState,
  isPlaceholder,
  SSD_SOURCE,
  SSD_TABLE_BY_NAME,
  SSD_TABLES,
  type SsdTable,
} from './ssd-tables.ts';
import { decodeText, tellWindows1252 } from './text-encoding.ts';
import { type RowError, type RowWhere, UnreadableFileError } from './types.ts';
import { normaliseHeader } from './values.ts';

const TABLE_FILE = /^(ssd_[a-z0-9_]+)\.csv$/i;

/**
 * Reads a Standard Safeguarding Dataset extract: a folder or zip of CSVs named after its tables
 * (`ssd_person.csv`, in any case, in any sub-folder). The tables QA Loop uses are read in the order
 * their rows refer to each other, each streamed row by row; other files — SSD tables it does not
 * use, notes, images — are left alone and listed in the summary. The extract is refused whole when
 * it has no ssd_person table, holds a table twice, or a table's header lacks the columns it needs.
 * Given the extract's date (`asOf`), a date of birth more than ten months after it is a row error.
 */
export function ssdReader(path: string, asOf?: string): SnapshotReader {
  return async (ctx) => {
    const set = await openFileSet(path, ctx.fileName);
    try {
      const files = tableFiles(set.entries, ctx);
      // the tables it will read count against the import's limits before any is inflated
      declareSizes(files.values());
      const headers = await checkHeaders(files, ctx.fileName);
      await ctx.writer.beginSource(SSD_SOURCE);
      const state = new ExtractState();
      for (const table of SSD_TABLES) {
        const entry = files.get(table.table);
        const header = headers.get(table.table);
        if (!entry || !header) continue;
        await readTable(table, entry, header, state, ctx, asOf);
        await table.finish?.({ writer: ctx.writer, state });
        // rows of later tables refer to the people and teams of this one
        await ctx.writer.flush();
      }
    } finally {
      await set.close();
    }
  };
}

/** The file of each table QA Loop reads; every other file is noted as ignored. */
function tableFiles(entries: FileEntry[], ctx: SnapshotReadContext): Map<string, FileEntry> {
  const files = new Map<string, FileEntry>();
  for (const entry of entries) {
    const name = TABLE_FILE.exec(entry.name)?.[1].toLowerCase();
    if (!name || !SSD_TABLE_BY_NAME.has(name)) {
      ctx.ignoredFiles.push(entry.path);
      continue;
    }
    const earlier = files.get(name);
    if (earlier)
      throw new UnreadableFileError(
        `${ctx.fileName} holds the ${name} table twice, as ${earlier.path} and ${entry.path}: keep only one`,
      );
    files.set(name, entry);
  }
  if (!files.has('ssd_person'))
    throw new UnreadableFileError(
      `${ctx.fileName} has no ssd_person.csv: an SSD extract needs its table of people, which every other table refers to`,
    );
  return files;
}

/**
 * The header of each table, as written, by normalised column name. A table without a header row
 * has no rows and is passed over (ssd_person excepted: the extract is refused); one whose header
 * lacks the columns it needs refuses the extract, every such table named at once.
 */
async function checkHeaders(
  files: Map<string, FileEntry>,
  extractName: string,
): Promise<Map<string, Map<string, string>>> {
  const headers = new Map<string, Map<string, string>>();
  const problems: string[] = [];
  for (const table of SSD_TABLES) {
    const entry = files.get(table.table);
    if (!entry) continue;
    const row = await headerRow(entry);
    if (!row) {
      if (table.table === 'ssd_person')
        problems.push(`${entry.path} is empty, but the people in it are what the other tables refer to`);
      continue;
    }
    const header = new Map<string, string>();
    for (const cell of row) {
      const key = normaliseHeader(cell);
      if (key && !header.has(key)) header.set(key, cell.replace(/^\uFEFF/, '').trim());
    }
    const missing = table.required.filter((c) => !header.has(c));
    if (missing.length)
      problems.push(
        `${entry.path} has no ${missing.join(', ')} column${missing.length === 1 ? '' : 's'} in its header row`,
      );
    headers.set(table.table, header);
  }
  if (problems.length)
    throw new UnreadableFileError(`${extractName} cannot be imported: ${problems.join('; ')}`);
  return headers;
}

/** A CSV file's first row as written, or undefined when the file is empty. */
async function headerRow(entry: FileEntry): Promise<string[] | undefined> {
  const bytes = await entry.open();
  const text = decodeText(bytes, { file: entry.path });
  const parser = text.pipe(parse({ relax_column_count: true, skip_empty_lines: true, to: 1 }));
  text.on('error', (err) => parser.destroy(err));
  try {
    for await (const record of parser as AsyncIterable<string[]>) return record;
    return undefined;
  } catch (err) {
    if (err instanceof UnreadableFileError) throw err;
    throw new UnreadableFileError(`${entry.path} cannot be read as CSV: ${(err as Error).message}`);
  } finally {
    bytes.destroy();
  }
}

/** Streams one table: each row checked, valid rows handed to the writer, the rest reported. */
async function readTable(
  table: SsdTable,
  entry: FileEntry,
  header: Map<string, string>,
  state: ExtractState,
  ctx: SnapshotReadContext,
  asOf: string | undefined,
): Promise<void> {
  const column = (name: string) => header.get(name) ?? name;
  const childColumn = table.person ? column(table.person) : undefined;
  const records = readCsv(() => entry.open(), entry.path, {
    name: `an ${table.table} table`,
    required: table.required,
    onEncoding: tellWindows1252(entry.path, (m) => ctx.tally.notice(m)),
  });
  for await (const record of records) {
    ctx.rowRead();
    // rows the SSD fills with its placeholder are about nobody
    if (table.person && isPlaceholder(record.cells[table.person])) continue;
    const where: RowWhere = { file: entry.path, row: record.row };
    const parsed = table.schema.safeParse(record.cells);
    if (!parsed.success) {
      ctx.tally.reject(issueErrors(parsed.error, where, column));
      continue;
    }
    const row = parsed.data;
    if (table.span) {
      const [startColumn, endColumn] = table.span;
      const start = row[startColumn];
      const end = row[endColumn];
      if (typeof start === 'string' && typeof end === 'string' && end < start) {
        ctx.tally.reject([
          {
            ...where,
            column: column(endColumn),
            message: `The end date "${record.cells[endColumn]}" is before the start date "${record.cells[startColumn]}" in ${column(startColumn)}`,
          },
        ]);
        continue;
      }
    }
    const errors: RowError[] = [];
    await table.write(row, {
      writer: ctx.writer,
      at: { ...where, childColumn },
      state,
      asOf,
      column,
      fail: (name, message) => errors.push({ ...where, column: column(name), message }),
    });
    if (errors.length) ctx.tally.reject(errors);
  }
}

/** One error per column a row's check found wrong, against the column as its header writes it. */
function issueErrors(error: z.ZodError, where: RowWhere, column: (name: string) => string): RowError[] {
  const seen = new Set<string>();
  const errors: RowError[] = [];
  for (const issue of error.issues) {
    const name = String(issue.path[0] ?? '');
    if (seen.has(name)) continue;
    seen.add(name);
    errors.push({ ...where, column: column(name), message: issue.message });
  }
  return errors;
}
