import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { writeZip } from '../../test/helpers/ssd-extract.ts';
import { type ImportFormat, runImport } from '../services/case-data/run-import.ts';
import { createCouncil } from '../services/organisation/councils.ts';
import { ImportRefusedError, type ImportSummary, UnreadableFileError } from './types.ts';

/**
 * Bad input, tried at random (with a fixed seed, so a failure can be run again): whatever a file
 * holds, an import either gives a summary or is refused with a message — never another error —
 * and a refused import leaves the database as it was.
 */

const SEED = 20250331;
const RUNS = 30;

let t: TestDb;
let councilId: string;
let dir: string;
let files = 0;

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'bad', name: 'Bad Input Council' })).id;
  dir = mkdtempSync(join(tmpdir(), 'qaloop-bad-input-'));
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A new file in the test's folder, with the name ending as given. */
function file(ending: string, bytes: Buffer | string): string {
  files++;
  const path = join(dir, `f${files}${ending}`);
  writeFileSync(path, bytes);
  return path;
}

const TABLES = ['children', 'snapshots', 'imports', 'snapshot_children'] as const;

async function counts(): Promise<number[]> {
  return Promise.all(
    TABLES.map(async (table) =>
      Number(
        (
          await t.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .where('council_id', '=', councilId)
            .executeTakeFirstOrThrow()
        ).n,
      ),
    ),
  );
}

/**
 * Imports a file. The only outcomes allowed: a summary whose errors are plain rows, or a refusal
 * (unreadable, or --strict) that changed nothing.
 */
async function importOrRefuse(
  path: string,
  extra: { format?: ImportFormat; strict?: boolean } = { format: 'annex-a' },
): Promise<ImportSummary | UnreadableFileError | ImportRefusedError> {
  const before = await counts();
  try {
    const summary = await runImport(t.db, {
      councilId,
      path,
      asOf: '2025-03-31',
      strict: extra.strict ?? false,
      // one council takes every file: lists shrink and empty (the guard has its own tests)
      allowShrink: true,
      source: 'command',
      ...(extra.format ? { format: extra.format } : {}),
    });
    assert.equal(summary.rowsAccepted + summary.rowsRejected, summary.rowsRead);
    for (const e of summary.errors) {
      assert.ok(Number.isInteger(e.row) && e.row >= 1, `row ${e.row}`);
      assert.equal(typeof e.message, 'string');
      assert.equal(typeof e.column, 'string');
    }
    return summary;
  } catch (err) {
    if (!(err instanceof UnreadableFileError || err instanceof ImportRefusedError)) throw err;
    assert.ok(err.message.length > 0);
    assert.deepEqual(await counts(), before, 'a refused import changed nothing');
    return err;
  }
}

const isSummary = (r: unknown): r is ImportSummary => !(r instanceof Error);

const HEADER = ['ChildUniqueID', 'Gender', 'Ethnicity', 'DateOfBirth', 'CINStartDate', 'AllocatedWorker'];

function csvText(rows: readonly (readonly string[])[]): string {
  const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return rows.map((r) => r.map(cell).join(',')).join('\r\n');
}

async function xlsxBuffer(sheets: { name: string; rows: unknown[][] }[]): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  for (const sheet of sheets) {
    const ws = book.addWorksheet(sheet.name);
    sheet.rows.forEach((row, i) => {
      ws.getRow(i + 1).values = row as ExcelJS.CellValue[];
    });
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}

const FORMULAS = [
  "=cmd|' /C calc'!A0",
  '+SUM(1)',
  '-2+3',
  '@x',
  '=1+1',
  '=HYPERLINK("http://example.com","x")',
];

/** Text as found in councils' files: quotes, commas, new lines, accents, pound signs and formulas. */
const awkwardText = fc.oneof(
  fc.string({
    unit: fc.constantFrom('a', 'B', '1', ' ', '"', ',', '\n', '\r', '\t', '\u0000', 'é', '£', '/', '-', ')'),
    maxLength: 12,
  }),
  fc.constantFrom(...FORMULAS),
  fc.constantFrom(
    'a) Male',
    'b) Female',
    'WBRI',
    'a) WBRI',
    '01/04/2024',
    '2024-04-01',
    '45383',
    '31/02/2024',
    '',
  ),
  fc.string(),
);

const nonBlank = (rows: readonly (readonly string[])[]) =>
  rows.filter((r) => r.some((c) => c.replaceAll('\u0000', '').trim() !== '')).length;

test('a CSV list of any values is read row by row: every non-blank row counted, quoted new lines one row', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(awkwardText, { minLength: 6, maxLength: 6 }), { maxLength: 8 }),
      async (rows) => {
        const result = await importOrRefuse(file('.csv', csvText([HEADER, ...rows])));
        assert.ok(isSummary(result), `read: ${result instanceof Error ? result.message : ''}`);
        assert.equal(result.rowsRead, nonBlank(rows));
      },
    ),
    { seed: SEED, numRuns: RUNS },
  );
});

/** A cell as a workbook may hold it: text, a number, true or false, a date, or nothing. */
const xlsxCell = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'Z', '9', ' ', '"', ',', '\n', 'é', '£', '='), maxLength: 12 }),
  fc.constantFrom(...FORMULAS, 'a) Male', 'WBRI', '01/04/2024'),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }),
  fc.boolean(),
  fc.date({
    min: new Date('1950-01-01T00:00:00Z'),
    max: new Date('2090-12-31T00:00:00Z'),
    noInvalidDate: true,
  }),
  fc.constant(null),
);

test('a workbook list of any values is read row by row, with the row numbers Excel shows', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(xlsxCell, { minLength: 6, maxLength: 6 }), { maxLength: 8 }),
      fc.nat({ max: 3 }),
      async (rows, titleRows) => {
        const titles = Array.from({ length: titleRows }, (_, i) => [`Annex A list 6, part ${i + 1}`]);
        const path = file(
          '.xlsx',
          await xlsxBuffer([{ name: 'List 6', rows: [...titles, HEADER, ...rows] }]),
        );
        const result = await importOrRefuse(path);
        assert.ok(isSummary(result), `read: ${result instanceof Error ? result.message : ''}`);
        const blank = (c: unknown) => c === null || (typeof c === 'string' && c.trim() === '');
        assert.equal(result.rowsRead, rows.filter((r) => !r.every(blank)).length);
        for (const e of result.errors)
          assert.ok(e.row > titleRows + 1 && e.row <= titleRows + 1 + rows.length);
      },
    ),
    { seed: SEED, numRuns: RUNS },
  );
});

const NAMES = ['Zoë Brontë', 'Renée Côté', 'Siân Jones', 'Café £5 Team', 'Bjørn Ødegård', 'Ana María Núñez'];

test('UTF-8 with or without a byte-order mark, UTF-16 and Windows-1252 all give the same names', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 5 }),
      fc.constantFrom('utf-8', 'utf-8 with BOM', 'utf-16le', 'windows-1252'),
      async (names, encoding) => {
        const text = csvText([
          ['ChildUniqueID', 'CINStartDate', 'AllocatedWorker'],
          ...names.map((name, i) => [`N${i}`, '01/04/2024', name]),
        ]);
        const bytes =
          encoding === 'utf-8'
            ? Buffer.from(text, 'utf8')
            : encoding === 'utf-8 with BOM'
              ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])
              : encoding === 'utf-16le'
                ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])
                : iconv.encode(text, 'win1252');
        const result = await importOrRefuse(file('.csv', bytes));
        assert.ok(isSummary(result));
        assert.deepEqual(result.errors, []);
        const read = await t.db
          .selectFrom('child_involvements')
          .select('worker_name')
          .where('snapshot_id', '=', result.snapshot?.id as string)
          .where('source', '=', 'annex_a:6')
          .execute();
        assert.deepEqual(read.map((r) => r.worker_name).sort(), [...names].sort(), encoding);
      },
    ),
    { seed: SEED, numRuns: RUNS },
  );
});

test('formula-like cells are kept as the text they are, and quoted as plain text when they are wrong', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...FORMULAS),
      fc.constantFrom(...FORMULAS),
      fc.boolean(),
      async (worker, date, asWorkbook) => {
        const rows = [
          ['ChildUniqueID', 'CINStartDate', 'AllocatedWorker'],
          ['P1', '01/04/2024', worker],
          ['P2', date, 'Sam Okafor'],
        ];
        const path = asWorkbook
          ? file('.xlsx', await xlsxBuffer([{ name: 'List 6', rows }]))
          : file('.csv', csvText(rows));
        const result = await importOrRefuse(path);
        assert.ok(isSummary(result));
        assert.deepEqual(
          result.errors.map((e) => [e.row, e.column, e.message]),
          [[3, 'CINStartDate', `"${date}" is not a date: write dates as dd/mm/yyyy, like 31/03/2025`]],
        );
        const stored = await t.db
          .selectFrom('child_involvements')
          .select('worker_name')
          .where('snapshot_id', '=', result.snapshot?.id as string)
          .where('source', '=', 'annex_a:6')
          .execute();
        assert.deepEqual(stored, [{ worker_name: worker }]);
      },
    ),
    { seed: SEED, numRuns: RUNS },
  );
});

/** A valid list file, as CSV or as a workbook, to cut short. */
async function validList(asWorkbook: boolean): Promise<Buffer> {
  const rows = [
    ['Annex A list 6'],
    HEADER,
    ['T1', 'a) Male', 'a) WBRI', '01/05/2015', '01/04/2024', 'Sam "Sammy" Okafor'],
    ['T2', 'b) Female', 'MWBC', '02/06/2016', '02/04/2024', 'Zoë\nBrontë'],
    ['T3', 'c) Unknown', 'NOBT', '03/07/2017', '03/04/2024', 'Renée, Côté'],
  ];
  return asWorkbook ? xlsxBuffer([{ name: 'List 6', rows }]) : Buffer.from(csvText(rows), 'utf8');
}

test('a file cut short at any byte is read as far as it goes or refused, and a workbook always refused', async () => {
  const csvBytes = await validList(false);
  const xlsxBytes = await validList(true);
  await fc.assert(
    fc.asyncProperty(
      fc.boolean(),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.boolean(),
      async (asWorkbook, at, strict) => {
        const whole = asWorkbook ? xlsxBytes : csvBytes;
        const cut = whole.subarray(0, Math.min(whole.length - 1, Math.floor(at * whole.length)));
        const result = await importOrRefuse(file(asWorkbook ? '.xlsx' : '.csv', cut), {
          format: 'annex-a',
          strict,
        });
        if (asWorkbook) assert.ok(result instanceof UnreadableFileError, 'a workbook cut short is refused');
      },
    ),
    { seed: SEED, numRuns: RUNS },
  );
});

const HEADER_POOL = [
  'ChildUniqueID',
  'Child ID',
  'Gender',
  'Sex',
  'DateOfBirth',
  'CINStartDate',
  'CIN Start Date',
  'AllocatedTeam',
  'Team',
  'Notes',
  '',
];

test('duplicate and clashing headers are refused or read, never half-imported', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom(...HEADER_POOL), { minLength: 2, maxLength: 8 }),
      fc.array(fc.array(awkwardText, { minLength: 8, maxLength: 8 }), { maxLength: 4 }),
      fc.boolean(),
      async (chosen, rows, asWorkbook) => {
        const header = [...chosen, chosen[0]];
        const data = rows.map((r) => r.slice(0, header.length));
        const path = asWorkbook
          ? file('.xlsx', await xlsxBuffer([{ name: 'List 6', rows: [header, ...data] }]))
          : file('.csv', csvText([header, ...data]));
        const result = await importOrRefuse(path);
        // the very same column twice is never read: nobody can say which of the two is meant
        if (chosen[0] === 'ChildUniqueID' || chosen[0] === 'CINStartDate')
          assert.ok(result instanceof UnreadableFileError);
      },
    ),
    { seed: SEED, numRuns: RUNS },
  );
});

test('empty files and workbooks of empty sheets are refused, saying what a list needs', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('', '\uFEFF', '\r\n\r\n', ',,,\r\n,,', '"'),
      fc.array(fc.constantFrom('List 6', 'Sheet1', 'Cover', 'List 8'), { minLength: 1, maxLength: 3 }),
      async (text, sheetNames) => {
        const emptyCsv = await importOrRefuse(file('.csv', text));
        assert.ok(emptyCsv instanceof UnreadableFileError);
        // a lone quote is not CSV at all; the others are files with nothing in them
        assert.match(
          emptyCsv.message,
          text === '"' ? /cannot be read as CSV/ : /needs a ChildUniqueID column/,
        );
        const names = [...new Set(sheetNames)];
        const emptyBook = await importOrRefuse(
          file('.xlsx', await xlsxBuffer(names.map((name) => ({ name, rows: [] })))),
        );
        assert.ok(emptyBook instanceof UnreadableFileError);
        assert.match(emptyBook.message, /holds no Annex A list/);
      },
    ),
    { seed: SEED, numRuns: RUNS },
  );
});

test('random bytes, a CSV named .xlsx and a zip that is not one are refused, with or without the format given', async () => {
  const csvAsXlsx = csvText([HEADER, ['R1', 'a) Male', 'WBRI', '01/05/2015', '01/04/2024', 'Sam']]);
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
        fc
          .uint8Array({ maxLength: 500 })
          .map((b) => Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), b])),
        fc.constant(Buffer.from(csvAsXlsx)),
      ),
      fc.constantFrom('.xlsx', '.csv', '.zip', '.xlsm', ''),
      fc.boolean(),
      async (bytes, ending, detect) => {
        await importOrRefuse(file(ending, bytes), detect ? {} : { format: 'annex-a' });
      },
    ),
    { seed: SEED, numRuns: RUNS },
  );
});

test('a zip of lists with unexpected files and damaged entries is read or refused whole', async () => {
  const list = csvText([
    ['ChildUniqueID', 'CINStartDate'],
    ['Z1', '01/04/2024'],
  ]);
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          name: fc.constantFrom(
            'list6.csv',
            'List 8.csv',
            'notes.txt',
            'book.xlsx',
            'old.xls',
            'a/b/c/list7.csv',
            '.hidden.csv',
          ),
          data: fc.oneof(
            fc.constant(list),
            fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
            fc.constant(Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3])),
          ),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      async (entries) => {
        const unique = [...new Map(entries.map((e) => [e.name, e])).values()];
        files++;
        const path = writeZip(join(dir, `z${files}.zip`), unique);
        await importOrRefuse(path);
      },
    ),
    { seed: SEED, numRuns: RUNS },
  );
});

// ---------------------------------------------------------------------------------------------
// Issue 22: encodings, dates of birth after the extract, and Excel's error values

let alone = 0;

/**
 * Imports a file as Annex A of 31/03/2025 for a council of its own (so no earlier snapshot is
 * compared with it): a summary, or a refusal that left the council without a snapshot or import.
 */
async function importAlone(path: string, strict = false): Promise<ImportSummary | UnreadableFileError> {
  const own = (await createCouncil(t.db, { code: `i22-${++alone}`, name: `Issue 22 Council ${alone}` })).id;
  try {
    return await runImport(t.db, {
      councilId: own,
      path,
      asOf: '2025-03-31',
      strict,
      source: 'command',
      format: 'annex-a',
    });
  } catch (err) {
    if (!(err instanceof UnreadableFileError)) throw err;
    for (const table of ['imports', 'snapshots', 'children'] as const) {
      const n = await t.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .where('council_id', '=', own)
        .executeTakeFirstOrThrow();
      assert.equal(Number(n.n), 0, `a refused import left rows in ${table}`);
    }
    return err;
  }
}

/** ASCII rows of list 6 past the 64 KB an import looks at to choose the encoding. */
function longList6(rows: number): string {
  return csvText([
    ['ChildUniqueID', 'CINStartDate', 'AllocatedWorker'],
    ...Array.from({ length: rows }, (_, i) => [`L${i}`, '01/04/2024', 'Sam Okafor']),
  ]);
}

test('a file that is not UTF-8 is read as Windows-1252 and the summary says so; a UTF-8 file says nothing', async () => {
  const text = csvText([
    ['ChildUniqueID', 'CINStartDate', 'AllocatedWorker'],
    ['W1', '01/04/2024', 'Zoë Brontë'],
  ]);
  const path = file('.csv', iconv.encode(text, 'win1252'));
  const result = await importAlone(path);
  assert.ok(isSummary(result));
  assert.equal(result.rowsAccepted, 1);
  assert.equal(result.notices?.length, 1);
  assert.match(
    result.notices?.[0] ?? '',
    /^f\d+\.csv was read as Windows-1252 \(it is not UTF-8\): check that names with accents/,
  );
  const utf8 = await importAlone(file('.csv', Buffer.from(text, 'utf8')));
  assert.ok(isSummary(utf8));
  assert.equal(utf8.notices, undefined);
});

test('a file that starts as UTF-8 but later is not is refused with the byte and line, and changes nothing', async () => {
  const head = Buffer.from(`${longList6(5000)}\r\nW2,01/04/2024,Zoë\r\n`, 'utf8');
  const bytes = Buffer.concat([
    head,
    Buffer.from('W3,01/04/2024,Ren'),
    Buffer.from([0xe9]),
    Buffer.from('\r\n'),
  ]);
  assert.ok(head.length > 64 * 1024);
  const byte = head.length + 'W3,01/04/2024,Ren'.length + 1;
  for (const strict of [false, true]) {
    const result = await importAlone(file('.csv', bytes), strict);
    assert.ok(result instanceof UnreadableFileError, 'refused');
    assert.match(
      result.message,
      new RegExp(
        `cannot be read: it starts as UTF-8 but byte ${byte.toLocaleString('en-GB')} \\(on line 5,003, 0xE9\\) is not UTF-8`,
      ),
    );
  }
});

test('a date of birth more than 10 months after the extract’s date is a row error', async () => {
  // the extract's date is 31/03/2025: a child due by 31/01/2026 may be on a list, not later
  const rows = [
    ['ChildUniqueID', 'DateOfBirth', 'ChildProtectionPlanStartDate'],
    ['B1', '31/01/2026', '01/03/2025'],
    ['B2', '01/02/2026', '01/03/2025'],
    ['B3', '01/01/2031', '01/03/2025'],
    ['B4', '01/01/2015', '01/03/2025'],
  ];
  for (const asWorkbook of [false, true]) {
    const path = asWorkbook
      ? file('.xlsx', await xlsxBuffer([{ name: 'List 7', rows }]))
      : file('.csv', csvText(rows));
    const result = await importAlone(path);
    assert.ok(isSummary(result));
    assert.deepEqual(
      result.errors.map((e) => [e.row, e.column, e.message]),
      [
        [
          3,
          'DateOfBirth',
          "The date of birth (01/02/2026) is more than 10 months after the extract's date (31/03/2025): an unborn child can be on a plan, but not one due that far ahead. Check the date",
        ],
        [
          4,
          'DateOfBirth',
          "The date of birth (01/01/2031) is more than 10 months after the extract's date (31/03/2025): an unborn child can be on a plan, but not one due that far ahead. Check the date",
        ],
      ],
    );
    assert.equal(result.rowsAccepted, 2);
  }
});

test('an end before its start is a row error in every list that has both dates', async () => {
  const cases: [string, string, string][] = [
    ['List 2', 'EarlyHelpStartDate', 'EarlyHelpEndDate'],
    ['List 6', 'CINStartDate', 'CINClosureDate'],
    ['List 7', 'ChildProtectionPlanStartDate', 'ChildProtectionPlanEndDate'],
  ];
  for (const [sheet, start, end] of cases) {
    const rows = [
      ['ChildUniqueID', start, end],
      ['S1', '01/03/2025', '28/02/2025'],
      ['S2', '01/03/2025', '01/03/2025'],
    ];
    const result = await importAlone(file('.xlsx', await xlsxBuffer([{ name: sheet, rows }])));
    assert.ok(isSummary(result), sheet);
    assert.deepEqual(
      result.errors.map((e) => [e.row, e.column]),
      [[2, end]],
      sheet,
    );
    assert.match(result.errors[0].message, /\(28\/02\/2025\) is before .* \(01\/03\/2025\)/);
  }
});

test('Excel error values are blank in a team or worker column, and a row error where a value is needed', async () => {
  const rows: unknown[][] = [
    ['ChildUniqueID', 'DateOfBirth', 'CINStartDate', 'AllocatedTeam', 'AllocatedWorker'],
    ['X1', '01/01/2015', '01/04/2024', { error: '#N/A' }, '#REF!'],
    ['X2', '01/01/2015', '01/04/2024', 'Team A', '#GETTING_DATA'],
    [{ error: '#REF!' }, '01/01/2015', '01/04/2024', 'Team A', 'Sam Okafor'],
    ['X4', '#VALUE!', '01/04/2024', '#DIV/0!', '#NAME?'],
    ['X5', '01/01/2015', { error: '#NUM!' }, '#NULL!', 'Sam Okafor'],
  ];
  for (const asWorkbook of [true, false]) {
    const path = asWorkbook
      ? file('.xlsx', await xlsxBuffer([{ name: 'List 6', rows }]))
      : file(
          '.csv',
          csvText(
            rows.map((r) => r.map((c) => (typeof c === 'string' ? c : (c as { error: string }).error))),
          ),
        );
    const result = await importAlone(path);
    assert.ok(isSummary(result));
    assert.deepEqual(
      result.errors.map((e) => [e.row, e.column, e.message]),
      [
        [
          4,
          'ChildUniqueID',
          "The cell holds Excel's error value #REF!, not the child’s unique ID: a formula in the spreadsheet failed. Correct the formula or type the value in, then import the file again",
        ],
        [
          5,
          'DateOfBirth',
          "The cell holds Excel's error value #VALUE!, not the child’s date of birth: a formula in the spreadsheet failed. Correct the formula or type the value in, then import the file again",
        ],
        [6, 'CINStartDate', result.errors[2]?.message],
      ],
      asWorkbook ? 'workbook' : 'CSV',
    );
    assert.match(result.errors[2].message, /^The cell holds Excel's error value #NUM!, not /);
    const stored = await t.db
      .selectFrom('child_involvements')
      .innerJoin('children', 'children.id', 'child_involvements.child_id')
      .select(['children.external_id', 'team_name', 'worker_name'])
      .where('snapshot_id', '=', result.snapshot?.id as string)
      .where('source', '=', 'annex_a:6')
      .orderBy('children.external_id')
      .execute();
    // X1 names nobody once its errors are blank; X2 has its team and no worker
    assert.deepEqual(stored, [{ external_id: 'X2', team_name: 'Team A', worker_name: null }]);
  }
});
