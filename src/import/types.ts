/** A rejected row, as a person finds it: the file, the sheet, the row number they see, the column. */
export interface RowError {
  file: string;
  sheet?: string;
  /** the row number a person sees when they open the file: the header is row 1 */
  row: number;
  column: string;
  message: string;
}

/** What `qaloop import --json` prints (interfaces.md). */
export interface ImportSummary {
  format: string;
  asOf: string;
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  errors: RowError[];
  /** rejected rows whose errors are not listed, beyond the first ERRORS_LISTED */
  errorsNotListed?: number;
  /** snapshot formats: the snapshot the import went into and what it holds */
  snapshot?: { id: string; asOf: string; sources: string[] };
  /** snapshot formats: the snapshot's data-quality report */
  dataQuality?: unknown;
  /** a folder or zip's files the format does not use (an SSD extract's other tables, notes), left alone */
  ignoredFiles?: string[];
  /** what a person should know about how the files were read (a file read as Windows-1252, say) */
  notices?: string[];
}

/** The file cannot be read as the format at all (wrong columns, not a CSV): always refused. */
export class UnreadableFileError extends Error {}

/** `--strict` and some rows were invalid: nothing was imported. */
export class ImportRefusedError extends Error {
  readonly summary: ImportSummary;
  constructor(summary: ImportSummary) {
    super(
      `${summary.rowsRejected} of ${summary.rowsRead} rows are invalid, so nothing was imported (--strict)`,
    );
    this.summary = summary;
  }
}

/** How many rejected rows' errors an import holds; beyond this it counts them without listing. */
export const ERRORS_LISTED = 10_000;

/** Where a row is, as a person finds it. */
export interface RowWhere {
  file: string;
  sheet?: string;
  row: number;
}

/**
 * The running count of an import: rows read, rows rejected (each counted once, however many of its
 * cells are wrong, and whether the reader or the writer found the problem) and their errors.
 */
export class ImportTally {
  rowsRead = 0;
  rowsRejected = 0;
  /** rejected rows beyond ERRORS_LISTED: counted, not listed */
  errorsNotListed = 0;
  readonly errors: RowError[] = [];
  /** what a person should know about how the files were read, each said once */
  readonly notices: string[] = [];
  readonly #rejected = new Set<string>();

  /** Adds a notice for the summary, once however often it is given. */
  notice(message: string): void {
    if (!this.notices.includes(message)) this.notices.push(message);
  }

  read(): void {
    this.rowsRead++;
  }

  /** Rejects the row the errors are about (they all name the same row). */
  reject(errors: RowError[]): void {
    if (!errors.length) return;
    const first = errors[0];
    const key = `${first.file}\u0000${first.sheet ?? ''}\u0000${first.row}`;
    if (this.#rejected.has(key)) {
      if (this.errors.length < ERRORS_LISTED) this.errors.push(...errors);
      return;
    }
    this.#rejected.add(key);
    this.rowsRejected++;
    if (this.errors.length < ERRORS_LISTED) this.errors.push(...errors);
    else this.errorsNotListed++;
  }

  summary(format: string, asOf: string): ImportSummary {
    return {
      format,
      asOf,
      rowsRead: this.rowsRead,
      rowsAccepted: this.rowsRead - this.rowsRejected,
      rowsRejected: this.rowsRejected,
      errors: this.errors,
      ...(this.errorsNotListed ? { errorsNotListed: this.errorsNotListed } : {}),
      ...(this.notices.length ? { notices: [...this.notices] } : {}),
    };
  }
}

/** Who asked for an import, of what, and how strictly. */
export interface ImportOptions {
  councilId: string;
  path: string;
  /** the name shown in errors and the import history; the file's own name by default */
  fileName?: string;
  asOf: string;
  strict: boolean;
  source: 'command' | 'web' | 'api';
  startedBy?: string | null;
  /** called now and then with the rows read so far, for a progress bar */
  onProgress?: (rowsRead: number) => void;
}
