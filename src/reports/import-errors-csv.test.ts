import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import type { RowError } from '../import/types.ts';
import { ERRORS_CSV_COLUMNS, importErrorsCsv, importErrorsFileName } from './import-errors-csv.ts';

/** What a spreadsheet takes for the start of a formula (OWASP), and their full-width forms. */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

const read = (csv: string): string[][] => parse(csv, { bom: true, relax_column_count: false });

test('the errors come out with a header, one row each, in the order file, sheet, row, column, message', () => {
  const csv = importErrorsCsv([
    { file: 'list6.xlsx', sheet: 'List 6', row: 4, column: 'Date of birth', message: 'Not a date' },
    { file: 'history.csv', row: 12, column: 'grade', message: 'Say "good", not good, please' },
  ]);
  assert.ok(csv.startsWith('\uFEFF'), 'a byte-order mark, so Excel reads UTF-8');
  assert.deepEqual(read(csv), [
    [...ERRORS_CSV_COLUMNS],
    ['list6.xlsx', 'List 6', '4', 'Date of birth', 'Not a date'],
    ['history.csv', '', '12', 'grade', 'Say "good", not good, please'],
  ]);
});

test('a formula from a bad file is written with a quote in front, never as a live formula', () => {
  const csv = importErrorsCsv([
    {
      file: '=cmd|’/C calc’!A0',
      row: 2,
      column: '+SUM(A1:A9)',
      message: '"=HYPERLINK(""http://x"")" is not a date',
    },
    { file: 'f.csv', sheet: '@sheet', row: 3, column: '-2+3', message: '\t=1+1' },
  ]);
  const [, first, second] = read(csv);
  assert.deepEqual(first, [
    "'=cmd|’/C calc’!A0",
    '',
    '2',
    "'+SUM(A1:A9)",
    '"=HYPERLINK(""http://x"")" is not a date',
  ]);
  assert.deepEqual(second, ['f.csv', "'@sheet", '3', "'-2+3", "'\t=1+1"]);
});

const risky = fc.oneof(
  fc.string(),
  fc
    .tuple(
      fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20'),
      fc.string(),
    )
    .map(([start, rest]) => start + rest),
  fc.string({ unit: 'grapheme' }),
);

const rowError: fc.Arbitrary<RowError> = fc.record(
  {
    file: risky,
    sheet: risky,
    row: fc.integer({ min: 1, max: 1_048_576 }),
    column: risky,
    message: risky,
  },
  { requiredKeys: ['file', 'row', 'column', 'message'] },
);

test('property: no cell of the download starts with a formula character, and reading it back gives the escaped text', () => {
  fc.assert(
    fc.property(fc.array(rowError, { maxLength: 20 }), (errors) => {
      const rows = read(importErrorsCsv(errors));
      assert.deepEqual(rows[0], [...ERRORS_CSV_COLUMNS]);
      assert.equal(rows.length, errors.length + 1);
      const escaped = (v: string) => (FORMULA_START.test(v) ? `'${v}` : v);
      errors.forEach((e, i) => {
        const cells = rows[i + 1];
        for (const cell of cells) assert.doesNotMatch(cell, FORMULA_START);
        assert.deepEqual(cells, [
          escaped(e.file),
          escaped(e.sheet ?? ''),
          String(e.row),
          escaped(e.column),
          escaped(e.message),
        ]);
      });
    }),
    { numRuns: 300 },
  );
});

test('the download is named after the imported file, safely', () => {
  assert.equal(importErrorsFileName('Annex A 2026-11.xlsx'), 'errors-Annex-A-2026-11.csv');
  assert.equal(importErrorsFileName('"quoted"\r\n.csv'), 'errors-quoted.csv');
  assert.equal(importErrorsFileName('.csv'), 'errors-import.csv');
});
