import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { readBudget } from './read-limits.ts';
import { decodeText, type TextEncodingName } from './text-encoding.ts';
import { UnreadableFileError } from './types.ts';
import { normaliseHeader } from './values.ts';

export interface CsvRecord {
  /** cells by normalised header */
  cells: Record<string, string>;
  /** the row number a person sees: the header is row 1 */
  row: number;
  /** the number of cells in the row, when it does not match the header */
  cellCount: number;
}

/**
 * Longer than any row of a real extract. A cell whose quote is never closed would otherwise be held
 * in memory to the end of the file, however large (or however far a zip expands it).
 */
export const MAX_CSV_RECORD = 1_000_000;

/**
 * Streams a CSV file's records, one at a time, in constant memory. The header row is normalised
 * (case, spaces and punctuation ignored); a header that repeats or a file that is not CSV is
 * unreadable. Quoted cells may hold new lines; each record still counts as one row.
 */
export async function* readCsv(
  input: string | (() => Readable | Promise<Readable>),
  fileName: string,
  format: {
    name: string;
    required: readonly string[];
    /** sees the normalised header row first; may throw UnreadableFileError */
    headers?: (headers: string[]) => void;
    /** told the encoding the file is read in (Windows-1252 when it is not UTF-8) */
    onEncoding?: (encoding: TextEncodingName) => void;
  },
): AsyncGenerator<CsvRecord, void, undefined> {
  let bytes: Readable;
  if (typeof input === 'string') {
    const info = await stat(input).catch(() => undefined);
    if (!info) throw new UnreadableFileError(`${fileName}: no such file`);
    if (!info.isFile()) throw new UnreadableFileError(`${fileName} is a folder, not a file`);
    bytes = createReadStream(input);
  } else {
    bytes = await input();
  }
  const source = decodeText(bytes, { file: fileName, onEncoding: format.onEncoding });
  // blank lines are kept (and skipped below) so row numbers stay those a spreadsheet shows
  const parser = source.pipe(
    parse({
      relax_column_count: true,
      skip_empty_lines: false,
      trim: false,
      max_record_size: MAX_CSV_RECORD,
    }),
  );
  // pipe() does not pass on the file's own errors: hand them to the parser so the loop sees them
  source.on('error', (err) => parser.destroy(err));
  let headers: string[] | undefined;
  let row = 0;
  const budget = readBudget();
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      row++;
      budget?.countRows(fileName, row);
      if (record.every((cell) => cell.trim() === '')) continue;
      if (!headers) {
        headers = record.map(normaliseHeader);
        const seen = new Set<string>();
        for (const [i, h] of headers.entries()) {
          if (!h) continue;
          if (seen.has(h))
            throw new UnreadableFileError(
              `${fileName}: the column "${record[i].trim()}" appears twice in the header row`,
            );
          seen.add(h);
        }
        format.headers?.(headers);
        const missing = missingHeaders(seen, format.required);
        if (missing.length) {
          throw new UnreadableFileError(
            `${fileName} is not ${format.name} file: its header row has no ${missing.join(', ')} column${missing.length === 1 ? '' : 's'}`,
          );
        }
        continue;
      }
      const cells: Record<string, string> = {};
      headers.forEach((h, i) => {
        if (h) cells[h] = (record[i] ?? '').trim();
      });
      yield { cells, row, cellCount: record.length };
    }
  } catch (err) {
    if (err instanceof UnreadableFileError) throw err;
    const code = (err as { code?: string }).code ?? '';
    if (code === 'ENOENT') throw new UnreadableFileError(`${fileName}: no such file`);
    if (code === 'CSV_MAX_RECORD_SIZE') {
      // the parser knows how many rows came before the long one, read or not
      const before = (err as { records?: unknown }).records;
      throw new UnreadableFileError(
        `${fileName} cannot be read as CSV at row ${(typeof before === 'number' ? before : row) + 1}: the row is longer than ${MAX_CSV_RECORD.toLocaleString('en-GB')} characters, so a quote is probably not closed`,
      );
    }
    if (err instanceof CsvError || code.startsWith('CSV_'))
      throw new UnreadableFileError(
        `${fileName} cannot be read as CSV near row ${row + 1}: ${(err as Error).message}`,
      );
    throw err;
  }
  if (!headers) throw new UnreadableFileError(`${fileName} is empty: it has no header row`);
}

/** The headers a file lacks from those required, in the words of the format's documentation. */
export function missingHeaders(present: Iterable<string>, required: readonly string[]): string[] {
  const have = new Set(present);
  return required.filter((h) => !have.has(h));
}
