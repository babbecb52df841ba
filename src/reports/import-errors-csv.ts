import { stringify } from 'csv-stringify/sync';
import type { RowError } from '../import/types.ts';

/** The columns of an import's errors, as `qaloop import --json` names them. */
export const ERRORS_CSV_COLUMNS = ['file', 'sheet', 'row', 'column', 'message'] as const;

/**
 * An import's rejected rows as CSV, for the person who fixes the file. A cell that a spreadsheet
 * would take for a formula (it begins with =, +, -, @, a tab or a carriage return, or their
 * full-width forms) is written with a single quote in front, as OWASP advises against CSV
 * injection: a bad file's `=cmd|…` never comes back out of QA Loop as a live formula. The file
 * starts with a byte-order mark so that Excel reads it as UTF-8.
 */
export function importErrorsCsv(errors: readonly RowError[]): string {
  return stringify(
    errors.map((e) => [e.file, e.sheet ?? '', String(e.row), e.column, e.message]),
    { header: true, columns: [...ERRORS_CSV_COLUMNS], escape_formulas: true, bom: true },
  );
}

/** The download's file name: the imported file's name, made safe for a header. */
export function importErrorsFileName(fileName: string): string {
  const stem = fileName
    .replace(/\.[A-Za-z0-9]{1,5}$/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return `errors-${stem || 'import'}.csv`;
}
