import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { detectFormat } from '../services/case-data/run-import.ts';
import { createCouncil } from '../services/organisation/councils.ts';
import { checkAuditHistoryRow, importAuditHistory } from './audit-history.ts';
import { ImportRefusedError, UnreadableFileError } from './types.ts';

let t: TestDb;
let councilId: string;
let dir: string;

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'h', name: 'History Council' })).id;
  dir = mkdtempSync(join(tmpdir(), 'qaloop-history-'));
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const HEADER =
  'audit_ref,child_id,month,activity,status,exemption_reason,completed_on,scale,grade,moderated_grade,escalation,feedback_score,section_1';

function file(name: string, ...rows: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, [HEADER, ...rows].join('\r\n'));
  return path;
}

const count = async (table: 'audit_history' | 'imports') =>
  Number(
    (
      await t.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .where('council_id', '=', councilId)
        .executeTakeFirstOrThrow()
    ).n,
  );

const options = (path: string, strict = false) => ({
  councilId,
  path,
  asOf: '2026-11-22',
  strict,
  source: 'command' as const,
});

test('valid rows are taken, invalid ones reported by the row and column a person sees', async () => {
  const path = file(
    'mixed.csv',
    'A1,100001,2025-04,full,completed,,2025-04-21,four_point,Good,,none,8,Requires Improvement',
    'A2,100002,2025-04,Full,Completed,,21/04/2025,Four_Point,requires improvement,Inadequate,immediate,,',
    'A3,100003,2025-04,full,exempted,,,four_point,,,,,',
    'A4,100004,2025-05,dip_sample,completed,,2025-05-20,three_point,Good,,,,',
  );
  const summary = await importAuditHistory(t.db, options(path));
  assert.deepEqual(
    { read: summary.rowsRead, accepted: summary.rowsAccepted, rejected: summary.rowsRejected },
    { read: 4, accepted: 2, rejected: 2 },
  );
  assert.deepEqual(summary.errors, [
    {
      file: 'mixed.csv',
      row: 4,
      column: 'exemption_reason',
      message: 'An exempted audit needs the reason it was exempted',
    },
    {
      file: 'mixed.csv',
      row: 5,
      column: 'grade',
      message:
        '"Good" is not a grade on the three_point scale: use exceeded_good, met_good, did_not_meet_good',
    },
  ]);
  const a2 = await t.db
    .selectFrom('audit_history')
    .selectAll()
    .where('audit_ref', '=', 'A2')
    .executeTakeFirstOrThrow();
  assert.equal(a2.grade, 'requires_improvement');
  assert.equal(a2.moderated_grade, 'inadequate');
  assert.equal(a2.completed_on, '2025-04-21');
  assert.equal(a2.month, '2025-04-01');
  const a1 = await t.db
    .selectFrom('audit_history')
    .selectAll()
    .where('audit_ref', '=', 'A1')
    .executeTakeFirstOrThrow();
  assert.deepEqual(a1.section_grades, { section_1: 'requires_improvement' });
  assert.equal(a1.feedback_score, 8);
  const record = await t.db
    .selectFrom('imports')
    .selectAll()
    .orderBy('started_at', 'desc')
    .executeTakeFirstOrThrow();
  assert.deepEqual(
    [record.rows_read, record.rows_accepted, record.rows_rejected, record.file_name],
    [4, 2, 2, 'mixed.csv'],
  );
});

test('importing the same file again updates the same audits rather than adding them twice', async () => {
  const path = file('again.csv', ',200001,2025-06,full,completed,,2025-06-10,four_point,good,,,,');
  await importAuditHistory(t.db, options(path));
  const before = await count('audit_history');
  const again = file('again.csv', ',200001,2025-06,full,completed,,2025-06-10,four_point,inadequate,,,,');
  await importAuditHistory(t.db, options(again));
  assert.equal(await count('audit_history'), before);
  const row = await t.db
    .selectFrom('audit_history')
    .select(['grade', 'audit_ref'])
    .where('child_ref', '=', '200001')
    .executeTakeFirstOrThrow();
  assert.equal(row.grade, 'inadequate');
  assert.match(row.audit_ref, /^H-[0-9a-f]{16}$/);
});

test('the same audit twice in one file is reported at its second row', async () => {
  const summary = await importAuditHistory(
    t.db,
    options(
      file(
        'twice.csv',
        'T1,1,2025-04,full,allocated,,,four_point,,,,,',
        'T1,1,2025-04,full,allocated,,,four_point,,,,,',
      ),
    ),
  );
  assert.deepEqual(summary.errors, [
    {
      file: 'twice.csv',
      row: 3,
      column: 'audit_ref',
      message: 'The same audit as row 2: each audit appears once',
    },
  ]);
});

test('with --strict one invalid row refuses the whole file and nothing changes', async () => {
  const audits = await count('audit_history');
  const imports = await count('imports');
  const path = file(
    'strict.csv',
    'S1,300001,2025-07,full,allocated,,,four_point,,,,,',
    'S2,300002,2025-07,full,completed,,,four_point,,,,,',
  );
  await assert.rejects(importAuditHistory(t.db, options(path, true)), (err: unknown) => {
    assert.ok(err instanceof ImportRefusedError);
    assert.equal(err.summary.rowsRejected, 1);
    assert.deepEqual(
      err.summary.errors.map((e) => [e.row, e.column]),
      [
        [3, 'completed_on'],
        [3, 'grade'],
      ],
    );
    return true;
  });
  assert.equal(await count('audit_history'), audits);
  assert.equal(await count('imports'), imports);
});

test('a file that is not an audit history, is empty or repeats a column is refused whole', async () => {
  const imports = await count('imports');
  const wrong = join(dir, 'wrong.csv');
  writeFileSync(wrong, 'name,age\nSam,4\n');
  await assert.rejects(importAuditHistory(t.db, options(wrong)), {
    name: 'Error',
    message:
      'wrong.csv is not an audit history file: its header row has no child_id, month, activity, status, scale columns',
  });
  const empty = join(dir, 'empty.csv');
  writeFileSync(empty, '');
  await assert.rejects(importAuditHistory(t.db, options(empty)), UnreadableFileError);
  const dup = join(dir, 'dup.csv');
  writeFileSync(
    dup,
    'child_id,Child ID,month,activity,status,scale\n1,1,2025-04,full,allocated,four_point\n',
  );
  await assert.rejects(importAuditHistory(t.db, options(dup)), /the column "Child ID" appears twice/);
  await assert.rejects(importAuditHistory(t.db, options(join(dir, 'missing.csv'))), /no such file/);
  assert.equal(await count('imports'), imports);
});

test('no row, however odd, crashes the check: it is either taken or reported against a column', () => {
  const columns = [
    'audit_ref',
    'child_id',
    'month',
    'activity',
    'status',
    'exemption_reason',
    'completed_on',
    'scale',
    'grade',
    'moderated_grade',
    'escalation',
    'feedback_score',
    'section_3',
  ];
  fc.assert(
    fc.property(
      fc.record(
        Object.fromEntries(
          columns.map((c) => [
            c,
            fc.oneof(
              fc.string(),
              fc.constantFrom('', 'good', 'completed', 'four_point', '2025-04', '=cmd|calc', '2025-04-21'),
            ),
          ]),
        ),
      ),
      (cells) => {
        const result = checkAuditHistoryRow(cells as Record<string, string>, { file: 'f.csv', row: 2 });
        return result.ok
          ? result.value.audit_ref.length > 0
          : result.errors.every((e) => columns.includes(e.column));
      },
    ),
    { numRuns: 500 },
  );
});

/** A workbook of sheets, each a list of rows of cells, as a council saves it from Excel. */
async function workbook(name: string, sheets: Record<string, unknown[][]>): Promise<string> {
  const book = new ExcelJS.Workbook();
  for (const [sheetName, rows] of Object.entries(sheets)) {
    const sheet = book.addWorksheet(sheetName);
    for (const row of rows) sheet.addRow(row);
  }
  const path = join(dir, name);
  await book.xlsx.writeFile(path);
  return path;
}

const utc = (iso: string) => new Date(`${iso}T00:00:00Z`);

test('an audit history workbook is read from its first history sheet, below a title, with Excel dates', async () => {
  const header = [
    'Audit Ref',
    'Child ID',
    'Month',
    'Activity',
    'Status',
    'Exemption reason',
    'Completed On',
    'Scale',
    'Grade',
    'Moderated_Grade',
    'Feedback score',
    'Section 6',
  ];
  const path = await workbook('history.xlsx', {
    Notes: [['How to fill in this workbook'], ['One row per audit allocated']],
    'Audits 2025-26': [
      ['Westbrook Borough Council – audits 2025-26'],
      [],
      header,
      // Excel dates for the month (first of the month) and the completion date
      [
        'X1',
        400001,
        utc('2025-04-01'),
        'Full',
        'Completed',
        null,
        utc('2025-04-21'),
        'four_point',
        'Good',
        null,
        7,
        'Requires improvement',
      ],
      // text month and date, and a date as a serial number without a date format
      [
        'X2',
        '400002',
        '2025-05',
        'full',
        'completed',
        null,
        '21/05/2025',
        'Four Point',
        'Outstanding',
        'Good',
        null,
        null,
      ],
      [
        'X3',
        400003,
        '2025-05',
        'full',
        'completed',
        null,
        45800,
        'four_point',
        'Excellent',
        null,
        null,
        null,
      ],
      [],
      [
        'X4',
        400004,
        utc('2025-06-01'),
        'dip_sample',
        'exempted',
        'Case closed',
        null,
        'four_point',
        null,
        null,
        null,
        null,
      ],
    ],
  });
  assert.equal(await detectFormat(path), 'audit-history');
  const summary = await importAuditHistory(t.db, options(path));
  assert.deepEqual(
    { read: summary.rowsRead, accepted: summary.rowsAccepted, rejected: summary.rowsRejected },
    { read: 4, accepted: 3, rejected: 1 },
  );
  // the row a person sees in Excel: title in row 1, a blank row, the header in row 3
  assert.deepEqual(summary.errors, [
    {
      file: 'history.xlsx',
      sheet: 'Audits 2025-26',
      row: 6,
      column: 'grade',
      message:
        '"Excellent" is not a grade on the four_point scale: use outstanding, good, requires_improvement, inadequate',
    },
  ]);
  const rows = await t.db
    .selectFrom('audit_history')
    .selectAll()
    .where('audit_ref', 'in', ['X1', 'X2', 'X4'])
    .orderBy('audit_ref')
    .execute();
  assert.deepEqual(
    rows.map((r) => [r.child_ref, r.month, r.status, r.completed_on, r.grade, r.moderated_grade]),
    [
      ['400001', '2025-04-01', 'completed', '2025-04-21', 'good', null],
      ['400002', '2025-05-01', 'completed', '2025-05-21', 'outstanding', 'good'],
      ['400004', '2025-06-01', 'exempted', null, null, null],
    ],
  );
  assert.deepEqual(rows[0].section_grades, { section_6: 'requires_improvement' });
  assert.equal(rows[0].feedback_score, 7);
  assert.equal(rows[2].exemption_reason, 'Case closed');
  const record = await t.db
    .selectFrom('imports')
    .selectAll()
    .orderBy('started_at', 'desc')
    .executeTakeFirstOrThrow();
  assert.deepEqual(
    [record.format, record.file_name, record.rows_read, record.rows_accepted, record.rows_rejected],
    ['audit-history', 'history.xlsx', 4, 3, 1],
  );
});

test('with --strict a workbook with one invalid row is refused whole, the error naming its sheet', async () => {
  const audits = await count('audit_history');
  const path = await workbook('strict.xlsx', {
    'Audits 2025': [
      ['child_id', 'month', 'activity', 'status', 'scale', 'completed_on', 'grade'],
      [500001, '2025-07', 'full', 'completed', 'four_point', utc('2025-07-10'), 'good'],
      [500002, '2025-07', 'full', 'completed', 'four_point', null, 'good'],
    ],
  });
  await assert.rejects(importAuditHistory(t.db, options(path, true)), (err: unknown) => {
    assert.ok(err instanceof ImportRefusedError);
    assert.deepEqual(
      err.summary.errors.map((e) => [e.sheet, e.row, e.column]),
      [['Audits 2025', 3, 'completed_on']],
    );
    return true;
  });
  assert.equal(await count('audit_history'), audits);
});

test('a workbook without an audit history sheet is refused whole, and is otherwise read as Annex A', async () => {
  const imports = await count('imports');
  const annexA = await workbook('annex-a.xlsx', {
    'List 6': [['Child Unique ID', 'Gender', 'CIN Start Date']],
  });
  assert.equal(await detectFormat(annexA), 'annex-a');
  await assert.rejects(importAuditHistory(t.db, options(annexA)), {
    name: 'Error',
    message:
      'annex-a.xlsx is not an audit history workbook: no sheet has a header row with child_id, month, activity, status, scale columns in its first 10 rows',
  });
  const partial = await workbook('partial.xlsx', {
    Cover: [['Audit history']],
    Audits: [['Title'], ['Child ID', 'Month', 'Activity', 'Grade']],
  });
  assert.equal(await detectFormat(partial), 'audit-history');
  await assert.rejects(importAuditHistory(t.db, options(partial)), {
    message:
      'Sheet "Audits" of partial.xlsx is not an audit history: its header row has no status, scale columns',
  });
  const twice = await workbook('twice.xlsx', {
    Audits: [['child_id', 'Child ID', 'month', 'activity', 'status', 'scale']],
  });
  await assert.rejects(
    importAuditHistory(t.db, options(twice)),
    /Sheet "Audits" of twice.xlsx: the column "Child ID" appears twice in the header row/,
  );
  const notBook = join(dir, 'not-a-book.xlsx');
  writeFileSync(notBook, 'child_id,month,activity\n');
  await assert.rejects(importAuditHistory(t.db, options(notBook)), UnreadableFileError);
  assert.equal(await count('imports'), imports);
});
