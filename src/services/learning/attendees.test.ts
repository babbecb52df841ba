import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import ExcelJS from 'exceljs';
import { createTestDb, type TestDbWithDemo } from '../../../test/helpers/db.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';
import { UnreadableFileError } from '../../import/types.ts';
import { addAttendees, attendeesPage, importAttendanceList, removeAttendee } from './attendees.ts';

let t: TestDbWithDemo;
let councilId: string;
let dir: string;
let people: { id: string; name: string; email: string | null }[];

const newSession = async (attended: number) =>
  (
    await t.db
      .insertInto('learning_sessions')
      .values({
        council_id: councilId,
        title: 'Neglect briefing',
        held_on: '2026-10-01',
        format: 'briefing',
        attended,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;

const named = async (sessionId: string) =>
  (
    await t.db
      .selectFrom('learning_session_attendees')
      .select('staff_id')
      .where('session_id', '=', sessionId)
      .execute()
  ).map((r) => r.staff_id);

const attendedOf = async (sessionId: string) =>
  (
    await t.db
      .selectFrom('learning_sessions')
      .select('attended')
      .where('id', '=', sessionId)
      .executeTakeFirstOrThrow()
  ).attended;

before(async () => {
  t = await createTestDb({ demo: true });
  councilId = t.demo.councilId;
  dir = mkdtempSync(join(tmpdir(), 'qaloop-attendees-'));
  people = await t.db
    .selectFrom('staff')
    .select(['id', 'name', 'email'])
    .where('council_id', '=', councilId)
    .where('active', '=', true)
    .where('email', 'is not', null)
    .orderBy('name')
    .limit(6)
    .execute();
  assert.equal(people.length, 6);
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the page offers the council’s active staff by team, and a search narrows it', async () => {
  const sessionId = await newSession(10);
  const page = await attendeesPage(t.db, councilId, sessionId);
  assert.equal(page.attendees.length, 0);
  const active = await t.db
    .selectFrom('staff')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('council_id', '=', councilId)
    .where('active', '=', true)
    .executeTakeFirstOrThrow();
  assert.equal(page.notNamed, Number(active.n));
  assert.equal(
    page.teams.reduce((n, g) => n + g.people.length, 0),
    Number(active.n),
  );
  const teamNames = page.teams.map((g) => g.team).filter((x) => x !== 'No team');
  assert.deepEqual(
    teamNames,
    [...teamNames].sort((a, b) => a.localeCompare(b, 'en-GB')),
  );
  const found = await attendeesPage(t.db, councilId, sessionId, people[0].name.split(' ')[0]);
  assert.ok(found.teams.flatMap((g) => g.people).some((p) => p.staffId === people[0].id));
  assert.ok(found.teams.flatMap((g) => g.people).length < page.notNamed);
  await assert.rejects(attendeesPage(t.db, councilId, '00000000-0000-4000-8000-000000000000'), NotFoundError);
});

test('people are added once; the count stays unless more are named than it says', async () => {
  const sessionId = await newSession(2);
  const first = await addAttendees(t.db, councilId, sessionId, null, [people[0].id, people[1].id]);
  assert.deepEqual(first, { added: 2, named: 2, attended: 2, raised: false });
  const again = await addAttendees(t.db, councilId, sessionId, null, [people[1].id, people[2].id]);
  assert.deepEqual(again, { added: 1, named: 3, attended: 3, raised: true });
  assert.equal(await attendedOf(sessionId), 3);
  const page = await attendeesPage(t.db, councilId, sessionId);
  assert.deepEqual(
    page.attendees.map((a) => a.staffId).sort(),
    [people[0].id, people[1].id, people[2].id].sort(),
  );
  // someone already named is no longer offered
  assert.ok(!page.teams.flatMap((g) => g.people).some((p) => p.staffId === people[0].id));

  const removed = await removeAttendee(t.db, councilId, sessionId, people[1].id);
  assert.equal(removed.name, people[1].name);
  assert.equal((await named(sessionId)).length, 2);
  assert.equal(await attendedOf(sessionId), 3, 'the count stays when someone is taken off');
  await assert.rejects(removeAttendee(t.db, councilId, sessionId, people[1].id), NotFoundError);
});

test('nobody chosen, or someone not on the staff list, is refused with words and adds nobody', async () => {
  const sessionId = await newSession(5);
  await assert.rejects(addAttendees(t.db, councilId, sessionId, null, []), (err: unknown) => {
    assert.ok(err instanceof ValidationError);
    assert.deepEqual(err.errors, [{ field: 'staffIds', message: 'Select the people who attended' }]);
    return true;
  });
  const leaver = await t.db
    .insertInto('staff')
    .values({
      council_id: councilId,
      name: 'Lee Left',
      email: 'lee.left@example.org',
      job_title: 'Social worker',
      active: false,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const bad of [
    [people[3].id, leaver.id],
    ['not-an-id'],
    [people[3].id, '00000000-0000-4000-8000-000000000000'],
  ])
    await assert.rejects(addAttendees(t.db, councilId, sessionId, null, bad), ValidationError);
  assert.deepEqual(await named(sessionId), []);
});

test('an attendance list is matched by email, else by a name only one person has', async () => {
  const sessionId = await newSession(20);
  const path = join(dir, 'list.csv');
  writeFileSync(
    path,
    [
      'Attendee name,Email address,Signed',
      `Someone,${(people[0].email as string).toUpperCase()},yes`,
      `  ${people[1].name.toLowerCase()}  ,,yes`,
      '',
      `${people[2].name},,yes`,
      `${people[2].name},${people[2].email},yes`,
    ].join('\n'),
  );
  const result = await importAttendanceList(t.db, councilId, sessionId, null, path, 'list.csv');
  assert.equal(result.ok, true);
  assert.ok(result.ok);
  assert.equal(result.rows, 4);
  assert.equal(result.added, 3);
  assert.equal(result.named, 3);
  assert.equal(result.attended, 20);
  assert.deepEqual((await named(sessionId)).sort(), [people[0].id, people[1].id, people[2].id].sort());
});

test('rows matching nobody or several people are listed with their numbers, and nothing is added', async () => {
  const sessionId = await newSession(20);
  await t.db
    .insertInto('staff')
    .values([
      {
        council_id: councilId,
        name: 'Sam Twin',
        email: 'sam.twin.1@example.org',
        job_title: 'Social worker',
      },
      {
        council_id: councilId,
        name: 'Sam Twin',
        email: 'sam.twin.2@example.org',
        job_title: 'Social worker',
      },
    ])
    .execute();
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Register');
  sheet.addRow(['Neglect briefing, 1 October']);
  sheet.addRow([]);
  sheet.addRow(['Name', 'Email']);
  sheet.addRow([people[4].name, people[4].email]);
  sheet.addRow(['Sam Twin', null]);
  sheet.addRow(['Nobody Here', 'nobody@example.org']);
  sheet.addRow(['Sam Twin', 'sam.twin.2@example.org']);
  const path = join(dir, 'register.xlsx');
  await workbook.xlsx.writeFile(path);
  const result = await importAttendanceList(t.db, councilId, sessionId, null, path, 'register.xlsx');
  assert.equal(result.ok, false);
  assert.ok(!result.ok);
  assert.equal(result.rows, 4);
  assert.deepEqual(
    result.problems.map((p) => [p.row, p.text]),
    [
      [5, 'Sam Twin'],
      [6, 'Nobody Here, nobody@example.org'],
    ],
  );
  assert.match(
    result.problems[0].message,
    /2 people on the council’s staff list have this name: give their work email/,
  );
  assert.match(result.problems[1].message, /No one on the council’s staff list has this email or name/);
  assert.deepEqual(await named(sessionId), []);
});

test('a file with no name or email column, or not a table, is refused as a whole', async () => {
  const sessionId = await newSession(20);
  const path = join(dir, 'wrong.csv');
  writeFileSync(path, 'Child,Date\nA,2026-01-01\n');
  await assert.rejects(
    importAttendanceList(t.db, councilId, sessionId, null, path, 'wrong.csv'),
    (err: unknown) => err instanceof UnreadableFileError && /has no Name or Email column/.test(err.message),
  );
  const empty = join(dir, 'empty.csv');
  writeFileSync(empty, 'Name,Email\n');
  const none = await importAttendanceList(t.db, councilId, sessionId, null, empty, 'empty.csv');
  assert.equal(none.ok, false);
  assert.ok(!none.ok);
  assert.match(none.problems[0].message, /no one on it/);
});
