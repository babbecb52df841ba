import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type CliRun, runQaloop } from '../../test/helpers/cli.ts';
import { openDb } from '../data/db.ts';
import { migrateToLatest } from '../data/migrate.ts';
import { createCouncil } from '../services/organisation/councils.ts';
import { requestRoles } from '../services/organisation/role-grants.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'staff-file.csv');
let dataDir: string;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'qaloop-cli-staff-'));
  const db = await openDb({ dataDir });
  try {
    await migrateToLatest(db);
    await createCouncil(db, { code: 'SFC', name: 'Staff File Council' });
  } finally {
    await db.destroy();
  }
});
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** `qaloop` on this file's data folder. */
function qaloop(args: string[]): Promise<CliRun> {
  return runQaloop(dataDir, args);
}

async function staffCount(): Promise<number> {
  const db = await openDb({ dataDir });
  try {
    const row = await db
      .selectFrom('staff')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await db.destroy();
  }
}

test('import --format staff --dry-run prints what would change and changes nothing', async () => {
  const run = await qaloop(['import', FIXTURE, '--format', 'staff', '--as-of', '2026-11-22', '--dry-run']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Joiners \(5\):/);
  assert.match(
    run.stdout,
    /row 3: Tom Reid <tom\.reid@example\.gov\.uk>, Team Manager, Assessment Team North/,
  );
  assert.match(run.stdout, /New teams \(3\):/);
  assert.match(run.stdout, /Leaving later \(1\)/);
  assert.match(run.stdout, /Nothing was changed \(--dry-run\)\./);
  assert.equal(await staffCount(), 0);
});

test('import --strict refuses a file with a refused row (exit 1, nothing changed)', async () => {
  const bad = join(dataDir, 'bad staff.csv');
  writeFileSync(
    bad,
    ['Name,Email,Team', 'Al Good,al@example.gov.uk,Team A', 'Bo Bad,not-an-email,Team A'].join('\n'),
  );
  const run = await qaloop(['import', bad, '--format', 'staff', '--strict']);
  assert.equal(run.code, 1);
  assert.match(run.stdout, /row 3, column Email: "not-an-email" is not an email address/);
  assert.match(run.stderr, /Nothing was changed/);
  assert.equal(await staffCount(), 0);
});

test('import of a staff file, told by its columns, applies it at once from the command line', async () => {
  const run = await qaloop(['import', FIXTURE, '--as-of', '2026-11-22', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  assert.equal(out.format, 'staff');
  assert.equal(out.applied, true);
  assert.equal(out.result.joiners, 5);
  assert.equal(out.result.roles.pending, 0, 'the command line gives roles at once');
  assert.equal(await staffCount(), 5);
  const again = await qaloop(['import', FIXTURE, '--format', 'staff', '--as-of', '2026-11-22']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /Unchanged: 5 people in the file; not in this file: 0 people, unchanged\./);
});

test('a staff file that cannot be read is refused with the reason (exit 1)', async () => {
  const wrong = join(dataDir, 'wrong.csv');
  writeFileSync(wrong, 'Name,Email\nA,a@example.gov.uk\n');
  const run = await qaloop(['import', wrong, '--format', 'staff']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /wrong\.csv is not a staff file: its header row has no Team column/);
});

test('a role an administrator asked for, waiting because the council has no QA lead to confirm it, is given by a staff file from the command line', async () => {
  // A new council's administrator adds its first QA lead on the People page: the role waits for
  // a QA lead to confirm it, and there is none. The command line is the way out.
  const file = join(dataDir, 'first qa lead.csv');
  const header = 'Name,Email,Team,QA Loop roles';
  writeFileSync(file, [header, 'Nadia Khan,nadia.khan@example.gov.uk,QA,'].join('\n'));
  assert.equal((await qaloop(['import', file, '--format', 'staff'])).code, 0);
  const db = await openDb({ dataDir });
  try {
    const nadia = await db
      .selectFrom('staff')
      .select(['id', 'council_id'])
      .where('email', '=', 'nadia.khan@example.gov.uk')
      .executeTakeFirstOrThrow();
    const asked = await requestRoles(db, {
      councilId: nadia.council_id,
      staffId: nadia.id,
      roles: ['qa_lead'],
      requestedBy: null,
      source: 'administrator',
    });
    assert.deepEqual(asked.pending, ['qa_lead'], 'from an administrator it waits for a QA lead');
  } finally {
    await db.destroy();
  }
  writeFileSync(file, [header, 'Nadia Khan,nadia.khan@example.gov.uk,QA,qa_lead'].join('\n'));
  const run = await qaloop(['import', file, '--format', 'staff', '--json']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).result.roles.granted, 1);
  const after = await openDb({ dataDir });
  try {
    const roles = await after
      .selectFrom('staff_roles as r')
      .innerJoin('staff as s', 's.id', 'r.staff_id')
      .select('r.role')
      .where('s.email', '=', 'nadia.khan@example.gov.uk')
      .execute();
    assert.deepEqual(
      roles.map((r) => r.role),
      ['qa_lead'],
    );
  } finally {
    await after.destroy();
  }
});
