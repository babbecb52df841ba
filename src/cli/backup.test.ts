import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { createTestDb, TEMPLATES_VARIABLE, type TestTemplates } from '../../test/helpers/db.ts';
import { TEST_TODAY } from '../../test/helpers/today.ts';
import { type Db, dbConnection, openDb } from '../data/db.ts';
import { MIGRATION_NAMES, migrateToLatest } from '../data/migrate.ts';
import { BackupRefusedError, backupEmbedded, readBackupFile } from './backup.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'qaloop.js');
const serverUrl = process.env.DATABASE_URL;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function qaloop(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, DATABASE_URL: undefined, QALOOP_LOG_LEVEL: 'warn', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

type TableRows = Record<string, { rows: number; hash: string }>;

/**
 * Every table of the database, listed from the catalogue (so a table added later is compared
 * too): its number of rows and a hash of all its rows in order.
 */
async function everyTable(db: Db): Promise<TableRows> {
  const tables = await sql<{ table_schema: string; table_name: string }>`
    select table_schema, table_name from information_schema.tables
    where table_schema in ('public', 'pgboss') and table_type = 'BASE TABLE'
    order by table_schema, table_name
  `.execute(db);
  const result: TableRows = {};
  for (const { table_schema, table_name } of tables.rows) {
    const { rows } = await sql<{ rows: number; hash: string }>`
      select count(*)::int as rows,
             md5(coalesce(string_agg(t::text, E'\\n' order by t::text collate "C"), '')) as hash
      from ${sql.table(`${table_schema}.${table_name}`)} t
    `.execute(db);
    result[`${table_schema}.${table_name}`] = rows[0];
  }
  return result;
}

async function tablesOfFolder(dataDir: string): Promise<TableRows> {
  const db = await openDb({ dataDir });
  try {
    return await everyTable(db);
  } finally {
    await db.destroy();
  }
}

/** The hash `everyTable` gives a table without rows. */
const NO_ROWS = 'd41d8cd98f00b204e9800998ecf8427e';

/** The run's dump of the demo council's database (test/global-setup.ts), when there is one. */
function demoDump(): string | undefined {
  const value = process.env[TEMPLATES_VARIABLE];
  if (!value) return undefined;
  const made = JSON.parse(value) as TestTemplates;
  return made.kind === 'embedded' ? made.demo : undefined;
}

describe('qaloop backup and restore, embedded database', {
  skip: serverUrl ? 'run without DATABASE_URL' : false,
}, () => {
  let root: string;
  let live: string;
  let good: string;
  let original: TableRows;
  /** What a restore of it holds: the same, but nobody signed in. */
  let restoredOriginal: TableRows;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'qaloop-backup-'));
    live = join(root, 'live');
    // The demo council in a data folder, as `qaloop demo` leaves it: councils, children, audits.
    const dump = demoDump();
    const db = await openDb({ dataDir: live, copyOf: dump ? new Blob([readFileSync(dump)]) : undefined });
    if (!dump) {
      await migrateToLatest(db);
      const { createDemoCouncil } = await import('../demo/council.ts');
      await createDemoCouncil(db, { today: TEST_TODAY });
    }
    // Someone signed in when the backup is taken: a restore must not let that sign-in be used again.
    await sql`insert into sessions (sid, data, expires_at) values ('a-signed-in-session', '{}', now() + interval '1 day')`.execute(
      db,
    );
    original = await everyTable(db);
    await db.destroy();
    restoredOriginal = { ...original, 'public.sessions': { rows: 0, hash: NO_ROWS } };
    good = join(root, 'council.qaloop-backup');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('a council with audits is backed up, restored into a new folder, and every table holds the same rows', async () => {
    assert.ok(original['public.audits'].rows > 0, 'the demo council has audits');
    assert.ok(original['public.children'].rows > 0, 'the demo council has children');
    assert.ok(Object.keys(original).length > 40, 'every table is listed from the catalogue');

    const backup = await qaloop(['backup', good], { QALOOP_DATA_DIR: live });
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /Backed up the embedded database/);
    assert.match(
      backup.stdout,
      new RegExp(
        `1 council, [\\d,]+ children, ${original['public.audits'].rows.toLocaleString('en-GB')} audits`,
      ),
    );
    const { manifest } = await readBackupFile(good);
    assert.equal(manifest.counts.audits, original['public.audits'].rows);
    assert.equal(manifest.counts.children, original['public.children'].rows);
    assert.deepEqual(manifest.migrations, [...MIGRATION_NAMES].sort());

    const restoredDir = join(root, 'restored');
    const restore = await qaloop(['restore', good], { QALOOP_DATA_DIR: restoredDir });
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /Restored the backup taken .* into .*restored: 1 council/);
    assert.match(restore.stdout, /up to date with this version/);
    assert.match(restore.stdout, /Nobody is signed in on the restored database: everyone signs in again/);
    assert.equal(original['public.sessions'].rows, 1, 'the backup holds a sign-in session');
    assert.deepEqual(await tablesOfFolder(restoredDir), restoredOriginal);
    // Only the database is left in the folder: nothing of the restore's own working.
    assert.deepEqual(readdirSync(restoredDir), ['pgdata']);
    // Taking the backup changed nothing in the database it was taken from.
    assert.deepEqual(await tablesOfFolder(live), original);
    // The restored database is one QA Loop runs on: migrations are current.
    const migrate = await qaloop(['migrate'], { QALOOP_DATA_DIR: restoredDir });
    assert.equal(migrate.code, 0, migrate.stderr);
    assert.match(migrate.stdout, /The database is up to date/);

    // An existing empty folder (a mounted disk, say) takes a restore as a new one does.
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const intoEmpty = await qaloop(['restore', good], { QALOOP_DATA_DIR: empty });
    assert.equal(intoEmpty.code, 0, intoEmpty.stderr);
    assert.deepEqual(await tablesOfFolder(empty), restoredOriginal);

    // The comparison sees a single changed value: when one audit was last changed.
    const changed = await openDb({ dataDir: empty });
    try {
      await sql`update audits set updated_at = updated_at + interval '1 second' where id = (select id from audits order by id limit 1)`.execute(
        changed,
      );
      const after = await everyTable(changed);
      assert.notDeepEqual(after, restoredOriginal);
      assert.notEqual(after['public.audits'].hash, original['public.audits'].hash);
    } finally {
      await changed.destroy();
    }
  });

  test('while QA Loop holds the database, a backup is refused and no file is written', async () => {
    const held = await openDb({ dataDir: live });
    const path = join(root, 'while-running.qaloop-backup');
    try {
      const run = await qaloop(['backup', path], { QALOOP_DATA_DIR: live });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /in use by another QA Loop process \(pid \d+\)/);
      assert.match(run.stderr, /must be stopped/);
      assert.equal(existsSync(path), false);
    } finally {
      await held.destroy();
    }
  });

  test('a backup never replaces a file unless --force', async () => {
    const path = join(root, 'existing.qaloop-backup');
    writeFileSync(path, 'last month’s backup');
    const run = await qaloop(['backup', path], { QALOOP_DATA_DIR: live });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /already exists: a backup never replaces a file.*--force/);
    assert.equal(readFileSync(path, 'utf8'), 'last month’s backup');

    const forced = await qaloop(['backup', path, '--force'], { QALOOP_DATA_DIR: live });
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal((await readBackupFile(path)).manifest.counts.audits, original['public.audits'].rows);
  });

  test('a backup never writes through a file or link someone left at the name it writes to first', async () => {
    const path = join(root, 'planted.qaloop-backup');
    const victim = join(root, 'victim.txt');
    writeFileSync(victim, 'not to be overwritten');
    const partial = `${path}.partial-${process.pid}`;
    symlinkSync(victim, partial);
    await assert.rejects(
      backupEmbedded(live, path),
      (err: Error) =>
        err instanceof BackupRefusedError &&
        /already exists \(a file or link not made by this backup\)/.test(err.message),
    );
    assert.equal(readFileSync(victim, 'utf8'), 'not to be overwritten');
    assert.ok(lstatSync(partial).isSymbolicLink(), 'what the backup did not make is left alone');
    assert.equal(existsSync(path), false);
    // A link to nowhere is not followed either (it would make a file wherever it points).
    const nowhere = join(root, 'made-through-a-link.txt');
    rmSync(partial);
    symlinkSync(nowhere, partial);
    await assert.rejects(backupEmbedded(live, path), BackupRefusedError);
    assert.equal(existsSync(nowhere), false);
    rmSync(partial);
    // With nothing planted, the same backup is written, readable only by its owner.
    await backupEmbedded(live, path);
    assert.equal(lstatSync(path).mode & 0o777, 0o600);
    assert.equal(existsSync(partial), false);
  });

  test('a folder without a database, or DATABASE_URL set, has nothing for backup to do', async () => {
    const nothing = await qaloop(['backup', join(root, 'nothing.qaloop-backup')], {
      QALOOP_DATA_DIR: join(root, 'no-such-folder'),
    });
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /There is no embedded database in/);
    assert.equal(existsSync(join(root, 'no-such-folder')), false);
    assert.equal(existsSync(join(root, 'nothing.qaloop-backup')), false);

    for (const command of ['backup', 'restore']) {
      const run = await qaloop([command, join(root, `pg-${command}.qaloop-backup`)], {
        QALOOP_DATA_DIR: join(root, 'pg-folder'),
        DATABASE_URL: 'postgres://qaloop:secret@db.council.example:5432/qaloop',
      });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /PostgreSQL is backed up with "pg_dump -Fc" and restored with "pg_restore"/);
      assert.match(run.stderr, /README's "Backup and restore" section/);
      assert.doesNotMatch(run.stderr, /secret/);
      assert.equal(existsSync(join(root, `pg-${command}.qaloop-backup`)), false);
      assert.equal(existsSync(join(root, 'pg-folder')), false);
    }
  });

  test('a file that is not a QA Loop backup, or a damaged one, is refused and the folder is left as it was', async () => {
    assert.ok(existsSync(good), 'the first test wrote the backup');
    const target = join(root, 'not-restored');
    const notBackup = join(root, 'children.csv');
    writeFileSync(notBackup, 'Child ID,Name\n1,A child\n');
    const bytes = readFileSync(good);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 1000] ^= 0xff;
    const cutShort = bytes.subarray(0, bytes.length - 1000);
    const files = {
      flipped: join(root, 'flipped.qaloop-backup'),
      cutShort: join(root, 'cut-short.qaloop-backup'),
    };
    writeFileSync(files.flipped, flipped);
    writeFileSync(files.cutShort, cutShort);

    const wrong = await qaloop(['restore', notBackup], { QALOOP_DATA_DIR: target });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /is not a QA Loop backup/);
    for (const path of Object.values(files)) {
      const run = await qaloop(['restore', path], { QALOOP_DATA_DIR: target });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /is a QA Loop backup but it is damaged or incomplete/);
    }
    const missing = await qaloop(['restore', join(root, 'no-such.qaloop-backup')], {
      QALOOP_DATA_DIR: target,
    });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /There is no backup file at/);
    assert.equal(existsSync(target), false, 'no data folder was made');
  });

  test('a restore that fails after it began leaves the folder as it found it', async () => {
    // A backup whose description says it holds one more audit than its database does: the check
    // after restoring fails, once the database has been unpacked.
    const bytes = readFileSync(good);
    const firstLine = bytes.indexOf(0x0a);
    const secondLine = bytes.indexOf(0x0a, firstLine + 1);
    const manifest = JSON.parse(bytes.subarray(firstLine + 1, secondLine).toString('utf8'));
    manifest.counts.audits += 1;
    const wrongCount = join(root, 'wrong-count.qaloop-backup');
    writeFileSync(
      wrongCount,
      Buffer.concat([
        bytes.subarray(0, firstLine + 1),
        Buffer.from(`${JSON.stringify(manifest)}\n`),
        bytes.subarray(secondLine + 1),
      ]),
    );
    const newFolder = join(root, 'new-parent', 'new-folder');
    const run = await qaloop(['restore', wrongCount], { QALOOP_DATA_DIR: newFolder });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /does not hold what the backup describes/);
    assert.equal(existsSync(join(root, 'new-parent')), false, 'the folders it made are gone');

    const emptyFolder = join(root, 'kept-empty');
    mkdirSync(emptyFolder);
    const again = await qaloop(['restore', wrongCount], { QALOOP_DATA_DIR: emptyFolder });
    assert.equal(again.code, 1);
    assert.deepEqual(readdirSync(emptyFolder), [], 'the folder it was given is kept, empty');
  });

  test('a restore never goes over a data folder that is not empty', async () => {
    const run = await qaloop(['restore', good], { QALOOP_DATA_DIR: live });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /The data folder .* is not empty: a backup is restored into an empty or new folder/,
    );
    assert.deepEqual(await tablesOfFolder(live), original);

    const stray = join(root, 'stray');
    mkdirSync(stray);
    writeFileSync(join(stray, 'notes.txt'), 'keep');
    const strayRun = await qaloop(['restore', good], { QALOOP_DATA_DIR: stray });
    assert.equal(strayRun.code, 1);
    assert.match(strayRun.stderr, /is not empty/);
    assert.equal(readFileSync(join(stray, 'notes.txt'), 'utf8'), 'keep');
    assert.equal(existsSync(join(stray, 'pgdata')), false);

    // A folder a QA Loop process has just locked (it has not yet made its database): refused,
    // and nothing of that process's is touched.
    const starting = join(root, 'starting');
    mkdirSync(starting);
    writeFileSync(join(starting, 'qaloop.lock'), String(process.pid));
    const lockedRun = await qaloop(['restore', good], { QALOOP_DATA_DIR: starting });
    assert.equal(lockedRun.code, 1);
    assert.match(lockedRun.stderr, new RegExp(`in use by another QA Loop process \\(pid ${process.pid}\\)`));
    assert.deepEqual(readdirSync(starting), ['qaloop.lock']);
    assert.equal(readFileSync(join(starting, 'qaloop.lock'), 'utf8'), String(process.pid));

    const force = await qaloop(['restore', good, '--force'], { QALOOP_DATA_DIR: join(root, 'forced') });
    assert.equal(force.code, 2);
    assert.match(force.stderr, /a restore never replaces a database/);
  });

  test('a backup from a newer version of QA Loop is refused; one from an earlier version is migrated on next start', async () => {
    // A database a later QA Loop has migrated further: its migrations table names one this version lacks.
    const later = join(root, 'later');
    const restored = await qaloop(['restore', good], { QALOOP_DATA_DIR: later });
    assert.equal(restored.code, 0, restored.stderr);
    let db = await openDb({ dataDir: later });
    await sql`insert into qaloop_migrations (name, timestamp) values ('9999-from-a-later-version', now()::text)`.execute(
      db,
    );
    await db.destroy();
    const laterBackup = join(root, 'later.qaloop-backup');
    assert.equal((await qaloop(['backup', laterBackup], { QALOOP_DATA_DIR: later })).code, 0);
    const target = join(root, 'later-restored');
    const refused = await qaloop(['restore', laterBackup], { QALOOP_DATA_DIR: target });
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /made by a newer version of QA Loop .*9999-from-a-later-version.*Restore it with that version or a later one/,
    );
    assert.equal(existsSync(target), false);

    // A database an earlier QA Loop left: its migrations table lacks this version's last migration.
    db = await openDb({ dataDir: later });
    await sql`delete from qaloop_migrations where name in ('9999-from-a-later-version', ${MIGRATION_NAMES.at(-1)})`.execute(
      db,
    );
    await db.destroy();
    const earlierBackup = join(root, 'earlier.qaloop-backup');
    assert.equal((await qaloop(['backup', earlierBackup], { QALOOP_DATA_DIR: later })).code, 0);
    const earlier = await qaloop(['restore', earlierBackup], {
      QALOOP_DATA_DIR: join(root, 'earlier-restored'),
    });
    assert.equal(earlier.code, 0, earlier.stderr);
    assert.match(
      earlier.stdout,
      /made by an earlier version of QA Loop: 1 change to the database will be applied when QA Loop next starts/,
    );
  });
});

function hasTool(name: string): boolean {
  return spawnSync(name, ['--version']).status === 0;
}

describe('PostgreSQL: pg_dump -Fc and pg_restore', {
  skip: !serverUrl
    ? 'needs DATABASE_URL'
    : !hasTool('pg_dump') || !hasTool('pg_restore')
      ? 'needs pg_dump and pg_restore on the PATH'
      : false,
}, () => {
  test('a database holding a council with audits, dumped and restored into a new empty database, holds the same rows in every table', async () => {
    const source = await createTestDb({ demo: true });
    const root = mkdtempSync(join(tmpdir(), 'qaloop-pgdump-'));
    const name = `qaloop_restored_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    let restored: Db | undefined;
    try {
      const original = await everyTable(source.db);
      assert.ok(original['public.audits'].rows > 0, 'the demo council has audits');
      const connection = dbConnection(source.db);
      assert.equal(connection?.kind, 'postgres');
      const sourceUrl = connection.kind === 'postgres' ? connection.url : '';
      const file = join(root, 'qaloop.dump');
      const dump = spawnSync('pg_dump', ['-Fc', '--file', file, '--dbname', sourceUrl], { encoding: 'utf8' });
      assert.equal(dump.status, 0, dump.stderr);

      await admin.query(`create database "${name}"`);
      const url = new URL(serverUrl as string);
      url.pathname = `/${name}`;
      const load = spawnSync(
        'pg_restore',
        ['--no-owner', '--exit-on-error', '--dbname', url.toString(), file],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(load.status, 0, load.stderr);
      restored = await openDb({ databaseUrl: url.toString(), dataDir: 'memory' });
      assert.deepEqual(await everyTable(restored), original);
      // QA Loop runs on the restored database as it is: nothing left to migrate.
      assert.deepEqual(await migrateToLatest(restored), []);
    } finally {
      await restored?.destroy();
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
      await source.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
