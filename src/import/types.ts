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
