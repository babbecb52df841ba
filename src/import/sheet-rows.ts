import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import yauzl from 'yauzl';
import { toIsoDate } from '../domain/dates.ts';
import { declareSizes, meteredStream, readBudget } from './read-limits.ts';
import { decodeText, type TextEncodingName } from './text-encoding.ts';
import { UnreadableFileError } from './types.ts';

/**
 * Rows of cells from CSV files and Excel workbooks, streamed: one row in memory at a time, with
 * the row number a person sees when they open the file. Any failure to read a file makes it
 * unreadable (UnreadableFileError), never anything else.
 */

/** A cell as a sheet or CSV file holds it. */
export type Cell = string | number | boolean | Date | null;

/** A row of a sheet or CSV file: its number as a person sees it, and its cells from the first column. */
export interface RawRow {
  row: number;
  cells: Cell[];
}

/** Longer than any row of a real extract: a file with one is not CSV (an unclosed quote, say). */
const MAX_CSV_RECORD = 1_000_000;

/**
 * The rows of a CSV file in any of the encodings councils' files come in (UTF-8 with or without a
 * byte-order mark, UTF-16, Windows-1252). Blank lines are rows too (a person opening the file sees
 * them), and a quoted cell may hold new lines: it is still one row. Anything that stops the file
 * being read as CSV makes it unreadable, as does a file that starts as UTF-8 and later is not.
 * `onEncoding` is told the encoding the file is read in.
 */
export async function* csvRows(
  openFile: () => Promise<Readable>,
  file: string,
  onEncoding?: (encoding: TextEncodingName) => void,
): AsyncGenerator<RawRow> {
  let source: Readable | undefined;
  let text: Readable | undefined;
  let parser: ReturnType<typeof parse> | undefined;
  let row = 0;
  const budget = readBudget();
  try {
    source = await openFile();
    text = decodeText(source, { file, onEncoding });
    parser = text.pipe(
      parse({
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: false,
        max_record_size: MAX_CSV_RECORD,
      }),
    );
    const csv = parser;
    // pipe() does not pass on the file's own errors: hand them to the parser so the loop sees them
    text.on('error', (err) => csv.destroy(err));
    for await (const record of parser as AsyncIterable<string[]>) {
      row++;
      budget?.countRows(file, row);
      // a NUL character is never data (a database cannot hold it): it is dropped
      yield {
        row,
        cells: record.map((cell) => (cell.includes('\u0000') ? cell.replaceAll('\u0000', '') : cell)),
      };
    }
  } catch (err) {
    if (err instanceof UnreadableFileError) throw err;
    throw new UnreadableFileError(`${file} cannot be read as CSV near row ${row + 1}: ${reason(err)}`);
  } finally {
    parser?.destroy();
    text?.destroy();
    source?.destroy();
  }
}

/** An error's message, without the stack or anything else. */
function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Where a workbook is: a file on disk, or a file inside a zip that is copied out to read it. */
export type WorkbookSource = { path: string } | { open: () => Promise<Readable> };

/** The parts of exceljs's streaming workbook reader used to read a workbook's parts in order. */
interface WorkbookParts {
  workbookRels?: { Id: string; Target: string }[];
  model?: { sheets?: { name: string; rId: string }[] };
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncGenerator<unknown>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseWorksheet(
    iterator: Readable,
    sheetNo: string,
  ): Generator<{ eventType: string; value: AsyncIterable<ExcelJS.Row> }>;
}

/**
 * Calls `each` with every sheet of a workbook in turn, streamed, and returns how many sheets it
 * has. The workbook is opened as the zip it is, by its directory (so a file cut short is found at
 * once), and its parts are read in the order they are needed: the list of sheets, the shared text
 * and the styles first, then each sheet's rows as they come off the file, through exceljs's sheet
 * reader. Memory holds the shared text and a row at a time, whatever the number of rows.
 *
 * exceljs's own streaming reader is not used to walk the zip: it takes the parts in the order the
 * zip stores them, and its zip parser can announce the end before handing over the last parts
 * (seen on Node 24 with files exceljs itself writes), so sheets, their names or the shared text
 * would be lost without a word.
 */
export async function forEachSheet(
  file: string,
  from: WorkbookSource,
  each: (sheet: string, rows: AsyncIterable<RawRow>) => Promise<void>,
): Promise<number> {
  const explain = (err: unknown) => {
    if (err instanceof UnreadableFileError) return err;
    const cause = reason(err);
    if (/signature|central directory|end of file|unexpected end|too short|truncated/i.test(cause))
      return notWorkbook(file);
    return new UnreadableFileError(`${file} cannot be read as an Excel workbook: ${cause}`);
  };
  let folder: string | undefined;
  let zip: yauzl.ZipFile | undefined;
  try {
    let path: string;
    if ('path' in from) path = from.path;
    else {
      folder = await mkdtemp(join(tmpdir(), 'qaloop-workbook-'));
      path = join(folder, 'workbook.xlsx');
      try {
        await pipeline(await from.open(), createWriteStream(path));
      } catch (err) {
        throw explain(err);
      }
    }
    const entries = new Map<string, yauzl.Entry>();
    try {
      zip = await yauzl.openPromise(path, { autoClose: false, strictFileNames: false });
      for await (const entry of zip.eachEntry())
        entries.set(entry.fileName.replace(/\\/g, '/').replace(/^\/+/, ''), entry);
    } catch (err) {
      throw explain(err);
    }
    if (!entries.has('xl/workbook.xml')) throw notWorkbook(file);
    // every part counts against the import's limits as its directory declares it, before any is
    // inflated, and again as it inflates (in `part`)
    declareSizes([...entries].map(([name, e]) => ({ key: `${file}!${name}`, size: e.uncompressedSize })));
    // the shared text is held in memory while the sheets are read: refuse a part built to exhaust it
    const sharedText = entries.get('xl/sharedStrings.xml');
    if (
      sharedText &&
      (sharedText.uncompressedSize > SHARED_TEXT_LIMIT ||
        (sharedText.uncompressedSize > 20 * 1024 * 1024 &&
          sharedText.uncompressedSize > 100 * Math.max(1, sharedText.compressedSize)))
    ) {
      throw new UnreadableFileError(
        `${file} cannot be read: its shared text is larger than a workbook of case data holds (over ${SHARED_TEXT_LIMIT / 1024 / 1024} MB, or compressed more than a hundredfold). Save each list as CSV and import those instead.`,
      );
    }
    const opened = zip;
    const part = async (name: string) => {
      const entry = entries.get(name);
      return entry ? meteredStream(await opened.openReadStreamPromise(entry), `${file}!${name}`) : undefined;
    };
    const book = new ExcelJS.stream.xlsx.WorkbookReader(path, {
      sharedStrings: 'cache',
      worksheets: 'emit',
      hyperlinks: 'ignore',
      // styles say which numbers are dates, so date cells arrive as dates
      styles: 'cache',
    }) as unknown as WorkbookParts;
    try {
      const rels = await part('xl/_rels/workbook.xml.rels');
      if (rels) await book._parseRels(rels);
      await book._parseWorkbook((await part('xl/workbook.xml')) as Readable);
      const shared = await part('xl/sharedStrings.xml');
      if (shared) for await (const _ of book._parseSharedStrings(shared));
      const styles = await part('xl/styles.xml');
      if (styles) await book._parseStyles(styles);
    } catch (err) {
      throw explain(err);
    }
    const sheets = book.model?.sheets ?? [];
    for (const [i, sheet] of sheets.entries()) {
      const target = book.workbookRels?.find((r) => r.Id === sheet.rId)?.Target ?? '';
      const name = target.startsWith('/') ? target.slice(1) : `xl/${target}`;
      // chart sheets and the like hold no rows
      if (!/^xl\/worksheets\/[^/]+\.xml$/.test(name) || !entries.has(name)) continue;
      let stream: Readable;
      try {
        stream = (await part(name)) as Readable;
      } catch (err) {
        throw explain(err);
      }
      try {
        const reader = book._parseWorksheet(stream, String(i + 1)).next().value?.value;
        if (!reader) continue;
        await each(sheet.name, guarded(sheetRows(reader, `${file}\u0000${sheet.name}`), explain));
      } finally {
        stream.destroy();
      }
    }
    return sheets.length;
  } finally {
    zip?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  }
}

/** The most shared text (uncompressed) a workbook may hold: more than any 1,000,000-row list needs. */
const SHARED_TEXT_LIMIT = 256 * 1024 * 1024;

function notWorkbook(file: string): UnreadableFileError {
  return new UnreadableFileError(
    `${file} cannot be read as an Excel workbook: it is not one, or it is cut short or damaged. Open it in Excel and save it again as an Excel Workbook (.xlsx)`,
  );
}

/** Passes on what `source` gives, turning any failure to give it into an unreadable file. */
async function* guarded<T>(source: AsyncIterable<T>, explain: (err: unknown) => Error): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      let step: IteratorResult<T>;
      try {
        step = await iterator.next();
      } catch (err) {
        done = true;
        throw explain(err);
      }
      if (step.done) {
        done = true;
        return;
      }
      yield step.value;
    }
  } finally {
    // left early: let the source close its file
    if (!done) await iterator.return?.(undefined)?.catch(() => undefined);
  }
}

async function* sheetRows(sheet: AsyncIterable<ExcelJS.Row>, key: string): AsyncGenerator<RawRow> {
  const budget = readBudget();
  let count = 0;
  for await (const row of sheet) {
    budget?.countRows(key, ++count);
    const values = row.values as unknown[];
    const cells: Cell[] = [];
    for (let i = 1; i < values.length; i++) cells.push(cellValue(values[i]));
    yield { row: row.number, cells };
  }
}

/** A workbook cell's value: text, a number, true or false, a date, or nothing. */
function cellValue(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.richText))
      return (v.richText as { text?: unknown }[]).map((part) => String(part.text ?? '')).join('');
    if ('formula' in v || 'sharedFormula' in v) return cellValue(v.result);
    if ('error' in v) return String(v.error);
    if ('text' in v) return cellValue(v.text);
  }
  return null;
}

/** A cell as text: dates as YYYY-MM-DD, numbers as written, true and false as TRUE and FALSE. */
export function cellText(cell: Cell): string {
  if (cell === null) return '';
  if (cell instanceof Date) return toIsoDate(cell);
  if (typeof cell === 'boolean') return cell ? 'TRUE' : 'FALSE';
  return String(cell).trim();
}

export const isBlank = (cells: readonly Cell[]) => cells.every((c) => c === null || cellText(c) === '');
