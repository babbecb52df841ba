import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import ExcelJS from 'exceljs';
import { looksLikeStaffFile, parseRoles, readStaffFile, staffFileColumn } from './staff-file.ts';
import { UnreadableFileError } from './types.ts';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'qaloop-staff-file-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function csv(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\r\n'));
  return path;
}

test('headers are matched ignoring case, spaces, underscores and punctuation, with common other names', () => {
  assert.equal(staffFileColumn('Full name'), 'name');
  assert.equal(staffFileColumn('E-mail address'), 'email');
  assert.equal(staffFileColumn('EMPLOYEE_NUMBER'), 'staff_id');
  assert.equal(staffFileColumn('Line manager’s e-mail'), 'line_manager_email');
  assert.equal(staffFileColumn("Line manager's email"), 'line_manager_email');
  assert.equal(staffFileColumn('Manager email'), 'line_manager_email');
  assert.equal(staffFileColumn('Date left'), 'leaving_date');
  assert.equal(staffFileColumn('QA Loop roles'), 'roles');
  assert.equal(staffFileColumn('Favourite colour'), undefined);
});

test('roles are QA Loop keys or labels separated by ; or ,', () => {
  assert.deepEqual(parseRoles('auditor; Case manager'), { roles: ['auditor', 'case_manager'], unknown: [] });
  assert.deepEqual(parseRoles('QA lead or QA officer, practitioner'), {
    roles: ['practitioner', 'qa_lead'],
    unknown: [],
  });
  assert.deepEqual(parseRoles(''), { roles: null, unknown: [] });
  assert.deepEqual(parseRoles('none'), { roles: [], unknown: [] });
  assert.deepEqual(parseRoles('auditor; wizard').unknown, ['wizard']);
});

test('the example staff file reads cleanly, with synonyms in its header', async () => {
  const file = await readStaffFile(
    join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'staff-file.csv'),
  );
  assert.deepEqual(file.errors, []);
  assert.equal(file.hasRoles, true);
  assert.equal(file.rows.length, 5);
  const tom = file.rows.find((r) => r.name === 'Tom Reid');
  assert.deepEqual(tom, {
    row: 3,
    name: 'Tom Reid',
    email: 'tom.reid@example.gov.uk',
    staffId: 'E1002',
    jobTitle: 'Team Manager',
    team: 'Assessment Team North',
    lineManagerEmail: 'priya.shah@example.gov.uk',
    startDate: '2026-10-01',
    leavingDate: null,
    roles: ['auditor', 'case_manager'],
    serviceArea: "Children's Social Care",
  });
  assert.equal(file.rows.find((r) => r.name === 'Ben Okafor')?.leavingDate, '2026-12-31');
});

test('bad rows are refused by row and column in words a person can act on; good rows are kept', async () => {
  const path = csv('bad.csv', [
    'Employee name,Work email,Employee ID,Position,Team name,Manager email,Date started,Leave date,Role',
    'Ann One,ann@example.gov.uk,1,Social Worker,Team A,,01/04/2020,,auditor',
    ',nobody@example.gov.uk,2,Social Worker,Team A,,,,',
    'Bad Email,not-an-email,3,Social Worker,,,,,',
    'Bad Date,bad.date@example.gov.uk,4,Social Worker,Team A,,31/02/2020,,',
    'Bad Role,bad.role@example.gov.uk,5,Social Worker,Team A,,,,auditor; wizard',
    'Left Early,left@example.gov.uk,6,Social Worker,Team A,,01/05/2020,01/04/2020,',
    'Ann Again,ANN@example.gov.uk,7,Social Worker,Team A,,,,',
    'Same Number,same@example.gov.uk,1,Social Worker,Team A,,,,',
    '',
    'Bo Two,bo@example.gov.uk,8,,Team B,ann@example.gov.uk,,,',
  ]);
  const file = await readStaffFile(path);
  assert.deepEqual(
    file.rows.map((r) => r.name),
    ['Ann One', 'Bo Two'],
  );
  assert.equal(file.rows[1].row, 11, 'the row number a person sees, blank lines counted');
  assert.equal(file.rows[1].jobTitle, null);
  const byRow = (row: number) =>
    file.errors.filter((e) => e.row === row).map((e) => `${e.column}: ${e.message}`);
  assert.deepEqual(byRow(3), ['Name: Enter the person’s full name']);
  assert.deepEqual(byRow(4), [
    'Email: "not-an-email" is not an email address: write it like name@council.gov.uk',
    'Team: Enter the team the person works in',
  ]);
  assert.match(byRow(5)[0], /^Start date: "31\/02\/2020" is not a real date/);
  assert.match(byRow(6)[0], /^Roles: "wizard" is not a QA Loop role: use qa_lead, auditor/);
  assert.deepEqual(byRow(7), ['Leaving date: The leaving date is before the start date']);
  assert.deepEqual(byRow(8), ['Email: Row 2 has the same email address: each person appears once']);
  assert.deepEqual(byRow(9), ['Staff ID: Row 2 has the same staff ID: each person appears once']);
});

test('an Excel workbook is read from the sheet whose header row names the columns, below a title', async () => {
  const book = new ExcelJS.Workbook();
  book.addWorksheet('Notes').addRow(['This workbook lists our staff']);
  const sheet = book.addWorksheet('Staff');
  sheet.addRow(['Staff list, November 2026']);
  sheet.addRow([]);
  sheet.addRow(['Name', 'Email', 'Staff number', 'Job title', 'Team', 'Start date', 'Leaving date']);
  sheet.addRow([
    'Dee Three',
    'dee@example.gov.uk',
    'E9',
    'Team Manager',
    'Team C',
    new Date(Date.UTC(2024, 3, 1)),
    null,
  ]);
  sheet.addRow(['Eve Four', 'eve@example.gov.uk', 'E10', 'Social Worker', 'Team C', 'soon', null]);
  const path = join(dir, 'staff.xlsx');
  await book.xlsx.writeFile(path);
  assert.equal(await looksLikeStaffFile(path), true);
  const file = await readStaffFile(path);
  assert.equal(file.hasRoles, false);
  assert.deepEqual(
    file.rows.map((r) => [r.row, r.sheet, r.name, r.startDate, r.roles]),
    [[4, 'Staff', 'Dee Three', '2024-04-01', null]],
  );
  assert.equal(file.errors.length, 1);
  assert.equal(file.errors[0].sheet, 'Staff');
  assert.equal(file.errors[0].row, 5);
  assert.equal(file.errors[0].column, 'Start date');
});

test('a file that cannot be read as a staff file is refused as a whole with a clear message', async () => {
  await assert.rejects(
    readStaffFile(csv('history.csv', ['child_id,month,activity', 'C1,2026-04,full'])),
    (err) =>
      err instanceof UnreadableFileError &&
      /history\.csv is not a staff file: its header row has no Name, Email, Team columns/.test(err.message),
  );
  await assert.rejects(
    readStaffFile(csv('no-team.csv', ['Name,Email', 'A,a@example.gov.uk'])),
    /no-team\.csv is not a staff file: its header row has no Team column/,
  );
  await assert.rejects(readStaffFile(csv('empty.csv', [''])), UnreadableFileError);
  const fake = join(dir, 'fake.xlsx');
  writeFileSync(fake, 'Name,Email,Team\n');
  await assert.rejects(readStaffFile(fake), /fake\.xlsx is not an Excel workbook/);
  await assert.rejects(readStaffFile(join(dir, 'missing.csv')), /missing\.csv: no such file/);
  assert.equal(await looksLikeStaffFile(join(dir, 'history.csv')), false);
});
