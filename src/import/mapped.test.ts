import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { findChildByReference } from '../services/case-data/children.ts';
import { createColumnMapping } from '../services/case-data/column-mappings.ts';
import { runImport } from '../services/case-data/run-import.ts';
import { createCouncil } from '../services/organisation/councils.ts';
import { checkMappedRow, readSample } from './mapped.ts';
import { UnreadableFileError } from './types.ts';

let t: TestDb;
let councilId: string;
let dir: string;

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'x', name: 'Extract Council' })).id;
  dir = mkdtempSync(join(tmpdir(), 'qaloop-mapped-'));
  await createColumnMapping(t.db, councilId, {
    name: 'Weekly CIN extract',
    listKind: 'cin_plan',
    columns: {
      child_id: 'Person Ref',
      date_of_birth: 'D.O.B.',
      worker: 'Worker Name',
      team: 'Team Name',
      start_date: 'Plan Start',
    },
  });
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

function csv(name: string, ...lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\r\n'));
  return path;
}

const importOf = (path: string, asOf: string, mapping = 'Weekly CIN extract') =>
  runImport(t.db, { councilId, path, mapping, asOf, strict: false, source: 'command' });

const snapshotCount = async () =>
  Number(
    (
      await t.db
        .selectFrom('snapshots')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('council_id', '=', councilId)
        .executeTakeFirstOrThrow()
    ).n,
  );

test('an extract with odd headers lands in the snapshot through the saved mapping', async () => {
  const path = csv(
    'cin-week-1.csv',
    'Person Ref,Forename,D.O.B.,Worker Name,Team Name,Plan Start,Notes',
    'P1001,Amy,03/02/2015,Sam Patel,Westbrook North CIN,01/09/2026,',
    'P1002,Ben,2016-07-30,Sam Patel,Westbrook North CIN,2026-10-12,moved school',
    ',,,,,,',
    'P1003,Cal,31/02/2017,Jo Reed,Westbrook South CIN,,',
  );
  const summary = await importOf(path, '2026-11-16');
  assert.deepEqual(
    { read: summary.rowsRead, accepted: summary.rowsAccepted, rejected: summary.rowsRejected },
    { read: 3, accepted: 2, rejected: 1 },
    'the blank row is not a row of the list',
  );
  assert.deepEqual(summary.errors, [
    {
      file: 'cin-week-1.csv',
      row: 5,
      column: 'D.O.B.',
      message: '"31/02/2017" is not a date: write it as dd/mm/yyyy or YYYY-MM-DD, like 21/04/2026',
    },
    {
      file: 'cin-week-1.csv',
      row: 5,
      column: 'Plan Start',
      message: 'The start date is empty: every row needs one',
    },
  ]);
  assert.deepEqual(summary.snapshot?.sources, ['mapped:Weekly CIN extract']);
  const amy = await findChildByReference(t.db, councilId, 'P1001');
  assert.ok(amy);
  assert.equal(amy.dateOfBirth, '2015-02-03');
  assert.equal(amy.status, 'cin_plan');
  assert.deepEqual(amy.allocation, { worker: 'Sam Patel', team: 'Westbrook North CIN', since: null });
  assert.deepEqual(
    amy.episodes.map((e) => [e.kind, e.startDate, e.endDate]),
    [['cin_plan', '2026-09-01', null]],
  );
  assert.equal(amy.name, 'P1001', 'the first name is in the file but not mapped, so it is not read');
  assert.equal(await findChildByReference(t.db, councilId, 'P1003'), undefined);
});

test('next week the same headers in another case and spacing are read by the same mapping', async () => {
  const path = csv(
    'cin-week-2.csv',
    'PERSON REF,d.o.b.,worker name,TEAM  NAME,plan_start',
    'P1001,03/02/2015,Sam Patel,Westbrook North CIN,01/09/2026',
    'P1004,12/12/2012,Jo Reed,Westbrook South CIN,20/11/2026',
  );
  const summary = await importOf(path, '2026-11-23');
  assert.equal(summary.rowsAccepted, 2);
  assert.equal(summary.rowsRejected, 0);
  const dee = await findChildByReference(t.db, councilId, 'P1004');
  assert.equal(dee?.status, 'cin_plan');
  assert.equal(dee?.allocation?.worker, 'Jo Reed');
  const ben = await findChildByReference(t.db, councilId, 'P1002');
  assert.equal(ben?.inLatestSnapshot, false, 'Ben is not in this week’s extract');
});

test('a file without one of the mapped columns is refused, naming them and the mapping; nothing changes', async () => {
  const snapshots = await snapshotCount();
  const path = csv(
    'cin-week-3.csv',
    'Person Ref,DOB,Worker Name,Team Name,Start',
    'P1005,03/02/2015,Sam Patel,Westbrook North CIN,01/09/2026',
  );
  await assert.rejects(
    () => importOf(path, '2026-11-30'),
    (err: Error) => {
      assert.ok(err instanceof UnreadableFileError);
      assert.equal(
        err.message,
        'cin-week-3.csv does not have the columns "D.O.B.", "Plan Start" that the column mapping "Weekly CIN extract" reads (child in need plans): check it is the right file, or change the mapping',
      );
      return true;
    },
  );
  assert.equal(await snapshotCount(), snapshots);
  assert.equal(await findChildByReference(t.db, councilId, 'P1005'), undefined);
});

test('an unknown mapping name is refused with the name', async () => {
  const path = csv('any.csv', 'Person Ref', 'P1');
  await assert.rejects(
    () => importOf(path, '2026-11-30', 'Monthly'),
    /No saved column mapping is called "Monthly"/,
  );
});

test('a workbook is read from the worksheet the mapping names, with dates as Excel keeps them', async () => {
  await createColumnMapping(t.db, councilId, {
    name: 'Care list',
    listKind: 'cla',
    sheet: 'children in care',
    columns: {
      child_id: 'Child ID',
      gender: 'Sex',
      ethnicity: 'Ethnicity',
      uasc: 'UASC',
      family_id: 'Family',
      worker: 'Social worker',
      start_date: 'Period start',
      end_date: 'Period end',
      category: 'Legal status',
      placement_type: 'Placement',
    },
  });
  const workbook = new ExcelJS.Workbook();
  workbook.addWorksheet('Notes').addRow(['Weekly care list, produced by the BI team']);
  const sheet = workbook.addWorksheet('Children in care');
  sheet.addRow([
    'Child ID',
    'Sex',
    'Ethnicity',
    'UASC',
    'Family',
    'Social worker',
    'Period start',
    'Period end',
    'Legal status',
    'Placement',
  ]);
  sheet.addRow([
    700001,
    'a) Male',
    'WBRI - White British',
    'b) No',
    'F9',
    'Kit Lowe',
    new Date(Date.UTC(2025, 5, 1)),
    null,
    'C2',
    'U1',
  ]);
  sheet.addRow([
    700002,
    'F',
    'BAFR',
    'Yes',
    'F9',
    'Unallocated',
    new Date(Date.UTC(2026, 0, 10)),
    new Date(Date.UTC(2026, 2, 1)),
    'V2',
    'U3',
  ]);
  sheet.addRow([700003, 'Robot', 'WBRI', 'No', '', 'Kit Lowe', '2026-01-10', '2025-01-01', '', '']);
  const path = join(dir, 'care.xlsx');
  await workbook.xlsx.writeFile(path);
  const summary = await runImport(t.db, {
    councilId,
    path,
    mapping: 'Care list',
    asOf: '2026-11-23',
    strict: false,
    source: 'command',
  });
  assert.equal(summary.rowsAccepted, 2);
  assert.deepEqual(
    summary.errors.map((e) => [e.sheet, e.row, e.column]),
    [
      ['Children in care', 4, 'Sex'],
      ['Children in care', 4, 'Period end'],
    ],
  );
  const first = await findChildByReference(t.db, councilId, '700001');
  assert.ok(first);
  assert.equal(first.status, 'in_care');
  assert.equal(first.gender, 'male');
  assert.equal(first.ethnicity, 'WBRI');
  assert.equal(first.familyReference, 'F9');
  assert.deepEqual(first.allocation, { worker: 'Kit Lowe', team: 'No team given', since: null });
  assert.deepEqual(
    first.siblings.map((s) => s.reference),
    ['700002'],
  );
  const second = await findChildByReference(t.db, councilId, '700002');
  assert.equal(second?.uasc, true);
  assert.equal(second?.allocation, null, '“Unallocated” is nobody');
  assert.deepEqual(
    second?.episodes.map((e) => [e.startDate, e.endDate]),
    [['2026-01-10', '2026-03-01']],
  );
  const placements = await t.db
    .selectFrom('child_placements')
    .select(['start_date', 'end_date', 'placement_type'])
    .where('source', '=', 'mapped:Care list')
    .orderBy('start_date')
    .execute();
  assert.deepEqual(placements, [
    { start_date: '2025-06-01', end_date: null, placement_type: 'U1' },
    { start_date: '2026-01-10', end_date: '2026-03-01', placement_type: 'U3' },
  ]);
  const episode = await t.db
    .selectFrom('child_episodes')
    .select('attributes')
    .where('source', '=', 'mapped:Care list')
    .where('start_date', '=', '2025-06-01')
    .executeTakeFirstOrThrow();
  assert.deepEqual(episode.attributes, { category: 'C2' });
});

test('open cases give children and who holds them, without an episode', async () => {
  await createColumnMapping(t.db, councilId, {
    name: 'Open cases',
    listKind: 'open_case',
    columns: {
      child_id: 'ID',
      first_name: 'First',
      last_name: 'Last',
      team: 'Team',
      allocated_since: 'Since',
    },
  });
  const path = csv('open.csv', 'ID,First,Last,Team,Since', '900001,Ola,Hart,Duty and Assessment,14/11/2026');
  const summary = await importOf(path, '2026-11-23', 'open cases');
  assert.equal(summary.rowsAccepted, 1);
  const ola = await findChildByReference(t.db, councilId, '900001');
  assert.equal(ola?.name, 'Ola Hart');
  assert.equal(ola?.status, 'no_current_plan');
  assert.deepEqual(ola?.allocation, { worker: null, team: 'Duty and Assessment', since: '2026-11-14' });
  assert.deepEqual(ola?.episodes, []);
});

test('a workbook without the named worksheet, an old .xls and a folder are refused plainly', async () => {
  const workbook = new ExcelJS.Workbook();
  workbook.addWorksheet('Sheet1').addRow(['Child ID']);
  const path = join(dir, 'wrong-sheet.xlsx');
  await workbook.xlsx.writeFile(path);
  const options = {
    councilId,
    asOf: '2026-11-30',
    strict: false,
    source: 'command' as const,
    mapping: 'Care list',
  };
  await assert.rejects(
    () => runImport(t.db, { ...options, path }),
    /wrong-sheet\.xlsx has no worksheet called "children in care": its worksheets are "Sheet1"/,
  );
  const xls = join(dir, 'old.xls');
  writeFileSync(xls, Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]));
  await assert.rejects(
    () => runImport(t.db, { ...options, path: xls }),
    /old\.xls is an old Excel file \(\.xls\)/,
  );
  await assert.rejects(
    () => runImport(t.db, { ...options, path: dir }),
    /is a folder: a mapped extract is one CSV or XLSX file/,
  );
  const quoted = csv(
    'quoted.csv',
    'Person Ref,D.O.B.,Worker Name,Team Name,Plan Start',
    'P1,01/01/2015,Sam "the" Patel,T,01/09/2026',
  );
  await assert.rejects(
    () => importOf(quoted, '2026-11-30'),
    (err: Error) =>
      err instanceof UnreadableFileError && /quoted\.csv cannot be read as CSV/.test(err.message),
  );
  const damaged = join(dir, 'damaged.xlsx');
  writeFileSync(damaged, Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(64, 7)]));
  await assert.rejects(() => runImport(t.db, { ...options, path: damaged }), UnreadableFileError);
});

test('rows are checked field by field with messages a data analyst can act on', () => {
  const row = (cells: Record<string, string>) => checkMappedRow('cp_plan', (f) => cells[f] ?? '');
  const bad = row({
    child_id: '',
    gender: 'x',
    disability: 'maybe',
    start_date: '2026-05-01',
    end_date: '01/04/2026',
  });
  assert.deepEqual(!bad.ok && bad.errors, [
    { field: 'child_id', message: 'The child ID is empty: every row needs one' },
    {
      field: 'gender',
      message:
        '"x" is not a gender: write Male, Female, Unknown or Other (M, F, 1, 2 and a) Male are understood too)',
    },
    {
      field: 'disability',
      message: '"maybe" is not yes or no: write Yes or No (Y, N and a) Yes are understood too)',
    },
    { field: 'end_date', message: 'The end date is before the start date (01/05/2026)' },
  ]);
  const good = row({
    child_id: 'C1',
    start_date: '01/05/2026 00:00:00',
    category: 'b) Neglect',
    worker: 'N/A',
  });
  assert.ok(good.ok);
  assert.deepEqual(good.facts.episode, {
    childRef: 'C1',
    kind: 'cp_plan',
    startDate: '2026-05-01',
    endDate: null,
    attributes: { category: 'Neglect' },
  });
  assert.equal(good.facts.allocation, undefined, '“N/A” holds no case');
});

test('a date of birth more than ten months after the extract’s date is a row error, as in Annex A', () => {
  const row = (dateOfBirth: string) =>
    checkMappedRow(
      'cp_plan',
      (f) => ({ child_id: 'C1', start_date: '01/05/2026', date_of_birth: dateOfBirth })[f] ?? '',
      '2026-11-20',
    );
  const late = row('01/01/2031');
  assert.deepEqual(!late.ok && late.errors, [
    {
      field: 'date_of_birth',
      message:
        "The date of birth (01/01/2031) is more than 10 months after the extract's date (20/11/2026): an unborn child can be on a plan, but not one due that far ahead. Check the date",
    },
  ]);
  // an unborn child due within a pregnancy's months is taken
  assert.ok(row('20/09/2027').ok);
  assert.equal(row('21/09/2027').ok, false);
});

test('a sample shows the headers as written and the first rows, and reads an upload to its end', async () => {
  const lines = [
    'Person Ref,D.O.B.,,Worker Name',
    ...Array.from({ length: 5000 }, (_, i) => `P${i},01/01/2015,,W${i}`),
  ];
  let given = 0;
  const upload = Readable.from(
    (function* () {
      for (const line of lines) {
        const chunk = Buffer.from(`${line}\r\n`, 'latin1');
        given += chunk.length;
        yield chunk;
      }
    })(),
  );
  const sample = await readSample(upload, 'sample.csv');
  assert.deepEqual(sample.headers, ['Person Ref', 'D.O.B.', 'Worker Name']);
  assert.equal(sample.format, 'csv');
  assert.deepEqual(sample.rows[0], ['P0', '01/01/2015', 'W0']);
  assert.equal(sample.rows.length, 5);
  assert.equal(upload.readableEnded, true, 'the upload was read to its end');
  assert.ok(given > 50_000);

  const workbook = new ExcelJS.Workbook();
  workbook.addWorksheet('Cover').addRow(['Not this one']);
  const sheet = workbook.addWorksheet('Plans');
  sheet.addRow(['Child', 'Start']);
  sheet.addRow(['C1', new Date(Date.UTC(2026, 3, 1))]);
  const path = join(dir, 'sample.xlsx');
  await workbook.xlsx.writeFile(path);
  const first = await readSample(createReadStream(path), 'sample.xlsx');
  assert.deepEqual(
    [first.sheet, first.sheets, first.headers],
    ['Cover', ['Cover', 'Plans'], ['Not this one']],
  );
  const named = await readSample(createReadStream(path), 'sample.xlsx', { sheet: 'PLANS' });
  assert.deepEqual(
    [named.sheet, named.headers, named.rows],
    ['Plans', ['Child', 'Start'], [['C1', '2026-04-01']]],
  );
  await assert.rejects(
    () => readSample(Readable.from([Buffer.from('Child,child\r\n1,2\r\n')]), 'twice.csv'),
    /the column "child" appears twice in the header row/,
  );
  await assert.rejects(() => readSample(Readable.from([]), 'empty.csv'), /empty.csv is empty/);
});

test('whatever bytes a sample holds, it is read or refused as unreadable, never anything worse', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.boolean(), async (bytes, zip) => {
      const body = Buffer.concat([zip ? Buffer.from('PK\u0003\u0004') : Buffer.alloc(0), Buffer.from(bytes)]);
      try {
        const sample = await readSample(Readable.from([body]), 'fuzz.csv');
        return sample.headers.length > 0;
      } catch (err) {
        return err instanceof UnreadableFileError;
      }
    }),
    { numRuns: 60 },
  );
});

test('Excel’s error values are blank in a team, worker or name, and a row error in the child ID', () => {
  const row = (cells: Record<string, string>) => checkMappedRow('cp_plan', (f) => cells[f] ?? '');
  const blank = row({
    child_id: 'C1',
    start_date: '01/05/2026',
    team: '#N/A',
    worker: '#REF!',
    first_name: '#VALUE!',
  });
  assert.ok(blank.ok);
  assert.equal(blank.facts.allocation, undefined, 'an error value names no team or worker');
  assert.equal(blank.facts.child.firstName ?? null, null);
  const noId = row({ child_id: '#N/A', start_date: '01/05/2026' });
  assert.deepEqual(!noId.ok && noId.errors, [
    {
      field: 'child_id',
      message:
        "The cell holds Excel's error value #N/A, not a child ID: a formula in the spreadsheet failed. Correct the formula or type the value in, then import the file again",
    },
  ]);
});
