import { AsyncLocalStorage } from 'node:async_hooks';
import { pipeline, type Readable, Transform } from 'node:stream';
import { UnreadableFileError } from './types.ts';

/**
 * The most one import may read (issue 22): a 3.3 MB zip holding 10 million rows once kept the
 * import queue busy for 40 minutes, and every import after it waited. Each council sets its own
 * (council_settings, the Data retention page); the readers count against them as they go.
 */
export interface ImportLimits {
  /** rows read from every CSV file and sheet of the import, header rows included */
  maxRows: number;
  /** bytes of the files once uncompressed: a CSV file's size, a zip's or workbook's parts inflated */
  maxBytes: number;
}

const MB = 1024 * 1024;
const n = (x: number) => x.toLocaleString('en-GB');
const RAISE = 'Nothing was imported. A QA lead can raise the limit on the Data retention page.';

/** The import holds more than its council allows: refused whole, like any file that cannot be read. */
export class ImportLimitError extends UnreadableFileError {
  readonly limit: 'rows' | 'bytes';
  constructor(limit: 'rows' | 'bytes', limits: ImportLimits) {
    super(
      limit === 'rows'
        ? `This file holds more than ${n(limits.maxRows)} rows, the most your council allows in one import. ${RAISE}`
        : `This file holds more than ${n(Math.floor(limits.maxBytes / MB))} MB of data once uncompressed, the most your council allows in one import. ${RAISE}`,
    );
    this.limit = limit;
  }
}

/**
 * What one import has read so far, against its limits. Rows and bytes are kept per file (a zip's
 * entry, a sheet, a workbook's part) as the most read of it, or declared for it, in any one pass,
 * so a file read twice (its header row first, then all of it) counts once. The first time a limit
 * is passed the error is thrown, and kept, so a reader that swallowed it cannot let the import end
 * as if nothing had happened (`throwIfExceeded`).
 */
export class ReadBudget {
  readonly limits: ImportLimits;
  rows = 0;
  bytes = 0;
  exceeded: ImportLimitError | undefined;
  readonly #rows = new Map<string, number>();
  readonly #bytes = new Map<string, number>();

  constructor(limits: ImportLimits) {
    this.limits = limits;
  }

  /** `count` rows read of one file or sheet so far in this pass. */
  countRows(key: string, count: number): void {
    const before = this.#rows.get(key) ?? 0;
    if (count <= before) return;
    this.#rows.set(key, count);
    this.rows += count - before;
    if (this.rows > this.limits.maxRows) this.#refuse('rows');
  }

  /**
   * `count` bytes of one file: declared before it is read (a zip's directory says how large each
   * entry unzips to) or read so far in this pass (an entry that unzips larger than it declared).
   */
  countBytes(key: string, count: number): void {
    const before = this.#bytes.get(key) ?? 0;
    if (count <= before) return;
    this.#bytes.set(key, count);
    this.bytes += count - before;
    if (this.bytes > this.limits.maxBytes) this.#refuse('bytes');
  }

  /** Throws the limit passed, if one was: for after a reader that might have caught it. */
  throwIfExceeded(): void {
    if (this.exceeded) throw this.exceeded;
  }

  #refuse(limit: 'rows' | 'bytes'): never {
    this.exceeded ??= new ImportLimitError(limit, this.limits);
    throw this.exceeded;
  }
}

const current = new AsyncLocalStorage<ReadBudget>();

/**
 * Runs an import with its limits: every reader it calls (CSV files, sheets, a zip's entries, a
 * workbook's parts) counts against them, whichever way the import came in (the command, the upload
 * page, the data warehouse). Readers used outside an import (the staff file, the improvement plan)
 * have no limits.
 */
export function withReadLimits<T>(limits: ImportLimits, fn: (budget: ReadBudget) => Promise<T>): Promise<T> {
  const budget = new ReadBudget(limits);
  return current.run(budget, () => fn(budget));
}

/** The limits of the import in hand, if any. */
export function readBudget(): ReadBudget | undefined {
  return current.getStore();
}

/** Counts the declared sizes of the files an import is about to read, before any is inflated. */
export function declareSizes(files: Iterable<{ key: string; size: number }>): void {
  const budget = readBudget();
  if (!budget) return;
  for (const file of files) budget.countBytes(file.key, file.size);
}

/**
 * The stream of one file, counted against the import's limits as its bytes arrive: a zip entry
 * that inflates to more than it declared is stopped as soon as it passes the limit. Outside an
 * import the stream is given back as it is.
 */
export function meteredStream(stream: Readable, key: string, budget = readBudget()): Readable {
  if (!budget) return stream;
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      try {
        budget.countBytes(key, bytes);
        done(null, chunk);
      } catch (err) {
        done(err as Error);
      }
    },
  });
  // pipeline passes an error of either stream to the other and on to whoever reads the counter
  return pipeline(stream, counter, () => {});
}
