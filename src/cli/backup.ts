/**
 * `qaloop backup PATH` and `qaloop restore PATH`: the embedded database to one file and back.
 *
 * A backup file is three parts, one after the other:
 *
 *   QALOOP-BACKUP 1            the first line, saying what the file is
 *   {"format":1,…}             the manifest, one line of JSON: QA Loop's version, the migrations
 *                              the database had, when it was taken, how many councils, children
 *                              and audits it held, and the size and SHA-256 of what follows
 *   …                          the database folder as PGlite writes it (`dumpDataDir`): a tarball,
 *                              gzip-compressed
 *
 * so that a restore can tell a QA Loop backup from any other file, find a damaged or cut-short one
 * before it touches anything, and refuse one made by a newer version of QA Loop than its own.
 *
 * The embedded database is opened by one process at a time (src/data/db.ts): a backup is taken
 * while QA Loop is stopped, and a restore goes into an empty or new data folder, never over one
 * in use. PostgreSQL is backed up with its own tools (pg_dump / pg_restore; see the README).
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openAsBlob,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { sql } from 'kysely';
import { z } from 'zod';
import { DatabaseUnavailableError, type Db, dbConnection, describeUrl, openDb } from '../data/db.ts';
import { MIGRATION_NAMES } from '../data/migrate.ts';

export class BackupRefusedError extends Error {}
export class BackupUsageError extends Error {}

const FIRST_LINE = 'QALOOP-BACKUP 1\n';

const manifestSchema = z.object({
  format: z.literal(1),
  qaloopVersion: z.string(),
  createdAt: z.string(),
  migrations: z.array(z.string()),
  counts: z.object({ councils: z.number(), children: z.number(), audits: z.number() }),
  payload: z.object({ compression: z.literal('gzip'), bytes: z.number(), sha256: z.string() }),
});

export type BackupManifest = z.infer<typeof manifestSchema>;

type Counts = BackupManifest['counts'];

const README_SECTION = 'the README\'s "Backup and restore" section';

function qaloopVersion(): string {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'));
  return String(pkg.version);
}

function plural(n: number, word: string, words = `${word}s`): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? word : words}`;
}

function describeCounts(c: Counts): string {
  return `${plural(c.councils, 'council')}, ${plural(c.children, 'child', 'children')}, ${plural(c.audits, 'audit')}`;
}

/** What a backup records of the database: its migrations and how much it holds. */
async function describeDatabase(db: Db): Promise<{ migrations: string[]; counts: Counts }> {
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_name in ('qaloop_migrations', 'councils', 'children', 'audits')
  `.execute(db);
  if (tables.rows.length < 4) {
    throw new BackupRefusedError(
      'The embedded database holds no QA Loop data yet (it has not been migrated): there is nothing to back up.',
    );
  }
  const migrations = await sql<{
    name: string;
  }>`select name from qaloop_migrations order by name collate "C"`.execute(db);
  const counts = await sql<Counts>`
    select (select count(*) from councils)::int as councils,
           (select count(*) from children)::int as children,
           (select count(*) from audits)::int as audits
  `.execute(db);
  return { migrations: migrations.rows.map((r) => r.name), counts: counts.rows[0] };
}

/** The embedded database of a data folder, opened for the backup or the check after a restore. */
async function openFolder(dataDir: string, copyOf?: Blob): Promise<Db> {
  try {
    return await openDb({ dataDir, copyOf });
  } catch (err) {
    if (err instanceof DatabaseUnavailableError) {
      throw new BackupRefusedError(
        `${err.message.replace(/, or set DATABASE_URL.*$/, '')}\nQA Loop must be stopped while the embedded database is backed up or restored. Nothing was changed.`,
      );
    }
    throw err;
  }
}

export interface BackupOptions {
  /** replace a file already at the path */
  force?: boolean;
  /** the time written into the manifest (tests) */
  now?: Date;
}

/** Backs up the embedded database in `dataDir` to the file `path`; returns what to tell the person. */
export async function backupEmbedded(
  dataDir: string,
  path: string,
  options: BackupOptions = {},
): Promise<string> {
  const target = resolve(path);
  if (existsSync(target) && !options.force) {
    throw new BackupRefusedError(
      `${target} already exists: a backup never replaces a file. Give a new file name, or add --force to replace it. Nothing was changed.`,
    );
  }
  if (existsSync(target) && statSync(target).isDirectory()) {
    throw new BackupRefusedError(`${target} is a folder: give the name of the backup file to write.`);
  }
  if (!existsSync(dirname(target))) {
    throw new BackupRefusedError(
      `The folder ${dirname(target)} does not exist: create it first, or choose another.`,
    );
  }
  if (!existsSync(join(dataDir, 'pgdata', 'PG_VERSION'))) {
    throw new BackupRefusedError(
      `There is no embedded database in ${dataDir} (QALOOP_DATA_DIR) to back up. Nothing was changed.`,
    );
  }
  const db = await openFolder(dataDir);
  let described: Awaited<ReturnType<typeof describeDatabase>>;
  let payload: Blob;
  try {
    described = await describeDatabase(db);
    const connection = dbConnection(db);
    if (connection?.kind !== 'embedded') throw new Error('expected the embedded database');
    // Everything written so far goes into the data files, so the copy needs no log replayed to open.
    await connection.pglite.query('checkpoint');
    payload = await connection.pglite.dumpDataDir('gzip');
  } finally {
    await db.destroy();
  }
  const manifest: BackupManifest = {
    format: 1,
    qaloopVersion: qaloopVersion(),
    createdAt: (options.now ?? new Date()).toISOString(),
    migrations: described.migrations,
    counts: described.counts,
    // The checksum goes before the data in the file, so the data is read through once for it.
    payload: { compression: 'gzip', bytes: payload.size, sha256: await sha256Of(payload) },
  };
  await writeBackupFile(target, manifest, payload, options.force === true);
  return `Backed up the embedded database in ${dataDir} to ${target}: ${describeCounts(manifest.counts)}, ${plural(manifest.migrations.length, 'migration')} applied (${(payload.size / 1024 / 1024).toFixed(1)} MB). Keep it somewhere safe: it holds children's records.`;
}

/** The SHA-256 of a blob, read a piece at a time (a database can be larger than memory allows twice). */
async function sha256Of(blob: Blob): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of blob.stream()) hash.update(chunk);
  return hash.digest('hex');
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/**
 * Writes the file whole or not at all: into a new file beside it first (made by this process, never
 * one already there, nor through a link someone left at that name), flushed to the disk, then moved
 * into place, so that a backup cut short (a full disk, the process stopped) never leaves a
 * half-written file under the name, nor loses the backup it replaces. Only its owner may read it:
 * it holds children's records.
 */
async function writeBackupFile(target: string, manifest: BackupManifest, payload: Blob, replace: boolean) {
  const partial = `${target}.partial-${process.pid}`;
  let file: FileHandle;
  try {
    file = await open(partial, 'wx', 0o600);
  } catch (err) {
    if (errorCode(err) === 'EEXIST') {
      throw new BackupRefusedError(
        `${partial} already exists (a file or link not made by this backup): remove it, or choose another backup file name. Nothing was changed.`,
      );
    }
    throw err;
  }
  let placed = false;
  try {
    try {
      await file.write(`${FIRST_LINE}${JSON.stringify(manifest)}\n`);
      for await (const chunk of payload.stream()) await file.write(chunk);
      await file.sync();
    } finally {
      await file.close();
    }
    if (replace) {
      // A rename replaces the old backup in one step: it is there, whole, until the new one is.
      renameSync(partial, target);
      placed = true;
    } else {
      placed = placeWithoutReplacing(partial, target);
    }
    syncFolder(dirname(target));
  } finally {
    // Only the file this backup made, and only if it was not moved into place.
    if (!placed) rmSync(partial, { force: true });
  }
}

/**
 * Puts the written file at the target name unless a file of that name appeared meanwhile: a hard
 * link where the filesystem has them (the partial then goes), else a copy into a new file.
 * Returns whether the partial file itself became the target.
 */
function placeWithoutReplacing(partial: string, target: string): boolean {
  const exists = () =>
    new BackupRefusedError(`${target} already exists: a backup never replaces a file. Nothing was changed.`);
  try {
    linkSync(partial, target);
    rmSync(partial, { force: true });
    return true;
  } catch (err) {
    if (errorCode(err) === 'EEXIST') throw exists();
    // No hard links here (some network and removable filesystems): copy instead.
  }
  try {
    copyFileSync(partial, target, constants.COPYFILE_EXCL);
  } catch (err) {
    if (errorCode(err) === 'EEXIST') throw exists();
    throw err;
  }
  const copy = openSync(target, 'r+');
  try {
    fsyncSync(copy);
  } finally {
    closeSync(copy);
  }
  return false;
}

/** Flushes a folder's list of names, so a file moved into it is still there after a power cut. */
function syncFolder(folder: string) {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // Some systems cannot flush a folder; the file itself is on the disk already.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The longest first two lines (what the file is, and its manifest) a backup can have. */
const HEADER_LIMIT = 1024 * 1024;

/**
 * Reads and checks a backup file: what it is, that it is whole, and its manifest. The database in
 * it is read a piece at a time for the check and handed back unread (a backup may be larger than
 * memory); a change to the file after the check makes reading it fail, so what is checked is what
 * is restored.
 */
export async function readBackupFile(path: string): Promise<{ manifest: BackupManifest; payload: Blob }> {
  const source = resolve(path);
  if (!existsSync(source) || !statSync(source).isFile()) {
    throw new BackupRefusedError(`There is no backup file at ${source}.`);
  }
  const whole = await openAsBlob(source);
  const head = Buffer.from(await whole.slice(0, HEADER_LIMIT).arrayBuffer());
  if (!head.subarray(0, FIRST_LINE.length).equals(Buffer.from(FIRST_LINE))) {
    throw new BackupRefusedError(
      `${source} is not a QA Loop backup (a backup is made by "qaloop backup"). Nothing was changed.`,
    );
  }
  const damaged = (why: string) =>
    new BackupRefusedError(
      `${source} is a QA Loop backup but it is damaged or incomplete (${why}): it cannot be restored. Use another backup. Nothing was changed.`,
    );
  const end = head.indexOf(0x0a, FIRST_LINE.length);
  if (end < 0) throw damaged('its description is cut short');
  let manifest: BackupManifest;
  try {
    manifest = manifestSchema.parse(JSON.parse(head.subarray(FIRST_LINE.length, end).toString('utf8')));
  } catch {
    throw damaged('its description cannot be read');
  }
  const payload = whole.slice(end + 1);
  if (payload.size !== manifest.payload.bytes) {
    throw damaged(`it holds ${payload.size} bytes of data where ${manifest.payload.bytes} were written`);
  }
  let sha256: string;
  try {
    sha256 = await sha256Of(payload);
  } catch {
    throw damaged('it changed or could not be read while it was checked');
  }
  if (sha256 !== manifest.payload.sha256) {
    throw damaged('its data does not match the checksum written with it');
  }
  return { manifest, payload };
}

const LOCK_FILE = 'qaloop.lock';

/**
 * Takes the data folder's lock as QA Loop itself does (src/data/db.ts: a file holding the process
 * id, made only if there is none), so no server can open the folder while it is restored into.
 * Returns the release, or refuses if another process holds it, or if a lock is left there (then
 * the folder is not empty: something ran on it).
 */
function lockFolder(folder: string): () => void {
  const lockPath = join(folder, LOCK_FILE);
  const mine = String(process.pid);
  try {
    writeFileSync(lockPath, mine, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') throw err;
    let holder = Number.NaN;
    try {
      holder = Number(readFileSync(lockPath, 'utf8'));
    } catch {
      // gone meanwhile, or unreadable: either way not ours to take
    }
    if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
      throw new BackupRefusedError(
        `The data folder ${folder} (QALOOP_DATA_DIR) is in use by another QA Loop process (pid ${holder}): a backup is never restored into a folder in use. Stop it, or choose another folder. Nothing was changed.`,
      );
    }
    throw notEmpty(folder);
  }
  const release = () => {
    try {
      if (readFileSync(lockPath, 'utf8') === mine) unlinkSync(lockPath);
    } catch {
      // already gone
    }
  };
  process.once('exit', release);
  return () => {
    process.off('exit', release);
    release();
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === 'EPERM';
  }
}

function notEmpty(folder: string) {
  return new BackupRefusedError(
    `The data folder ${folder} (QALOOP_DATA_DIR) is not empty: a backup is restored into an empty or new folder, never over a database. Set QALOOP_DATA_DIR to a new folder, or move this one aside (keep it until the restored database is checked). Nothing was changed.`,
  );
}

/**
 * Restores the backup file `path` into the data folder `dataDir`, which must be empty or new.
 *
 * The folder is locked first, as a running QA Loop locks it, so none can start on it meanwhile.
 * The database is restored into a folder of its own beside where it goes, checked, and only then
 * moved into place in one step: a restore stopped part-way never leaves a part of a database
 * where QA Loop would open it. Whatever goes wrong, only what the restore made is removed.
 */
export async function restoreEmbedded(path: string, dataDir: string): Promise<string> {
  const { manifest, payload } = await readBackupFile(path);
  const newer = manifest.migrations.filter((name) => !MIGRATION_NAMES.includes(name));
  if (newer.length) {
    throw new BackupRefusedError(
      `The backup was made by a newer version of QA Loop (${manifest.qaloopVersion}, with ${plural(newer.length, 'change')} to the database this version does not know: ${newer.join(', ')}). Restore it with that version or a later one. Nothing was changed.`,
    );
  }
  const folder = resolve(dataDir);
  if (existsSync(folder) && !statSync(folder).isDirectory()) {
    throw new BackupRefusedError(`${folder} (QALOOP_DATA_DIR) is a file, not a folder. Nothing was changed.`);
  }
  // The folders this restore makes (the data folder and any missing above it), to remove on failure.
  const made: string[] = [];
  const first = mkdirSync(folder, { recursive: true });
  if (first)
    for (let dir = folder; ; dir = dirname(dir)) {
      made.push(dir);
      if (dir === first || dirname(dir) === dir) break;
    }
  let release: (() => void) | undefined;
  let staging: string | undefined;
  try {
    release = lockFolder(folder);
    if (readdirSync(folder).some((entry) => entry !== LOCK_FILE)) throw notEmpty(folder);
    staging = join(folder, `.restoring-${process.pid}`);
    mkdirSync(staging);
    try {
      const db = await openFolder(staging, payload);
      try {
        // The restored database must hold what the backup says it held.
        const restored = await describeDatabase(db);
        if (
          JSON.stringify(restored.counts) !== JSON.stringify(manifest.counts) ||
          JSON.stringify(restored.migrations) !== JSON.stringify([...manifest.migrations].sort())
        ) {
          throw new BackupRefusedError(
            `The restored database does not hold what the backup describes (${describeCounts(restored.counts)} where the backup had ${describeCounts(manifest.counts)}). It was removed. Nothing was changed.`,
          );
        }
        // Nobody stays signed in across a restore: the backup's sign-ins could be replayed.
        await sql`delete from sessions`.execute(db);
      } finally {
        await db.destroy();
      }
    } catch (err) {
      if (err instanceof BackupRefusedError) throw err;
      throw new BackupRefusedError(
        `The backup could not be restored: its database did not open (${(err as Error).message}). Nothing was changed.`,
      );
    }
    renameSync(join(staging, 'pgdata'), join(folder, 'pgdata'));
    syncFolder(folder);
  } catch (err) {
    // Leave the folder as it was found: only what this restore made goes.
    if (staging) rmSync(staging, { recursive: true, force: true });
    release?.();
    release = undefined;
    for (const dir of made) {
      try {
        rmdirSync(dir);
      } catch {
        // something else is in it now: not ours to remove
      }
    }
    throw err;
  } finally {
    if (staging) rmSync(staging, { recursive: true, force: true });
    release?.();
  }
  const pending = MIGRATION_NAMES.filter((name) => !manifest.migrations.includes(name));
  return [
    `Restored the backup taken ${manifest.createdAt} (QA Loop ${manifest.qaloopVersion}) into ${folder}: ${describeCounts(manifest.counts)}.`,
    'Nobody is signed in on the restored database: everyone signs in again.',
    pending.length
      ? `It was made by an earlier version of QA Loop: ${plural(pending.length, 'change')} to the database will be applied when QA Loop next starts (or run "qaloop migrate").`
      : 'Its database is up to date with this version of QA Loop.',
  ].join('\n');
}

/**
 * The commands' entry: `qaloop backup PATH [--force]` and `qaloop restore PATH`, on the embedded
 * database in `dataDir`. With DATABASE_URL set there is nothing for them to do: PostgreSQL is
 * backed up with its own tools, which the README describes.
 */
export async function runBackupCommand(
  command: 'backup' | 'restore',
  config: { databaseUrl?: string; dataDir: string },
  path: string | undefined,
  options: { force?: boolean },
): Promise<string> {
  if (!path) {
    throw new BackupUsageError(
      command === 'backup'
        ? 'Give the file to write: qaloop backup PATH'
        : 'Give the backup file: qaloop restore PATH',
    );
  }
  if (config.databaseUrl) {
    throw new BackupRefusedError(
      `QA Loop's data is in the PostgreSQL database named by DATABASE_URL (${describeUrl(config.databaseUrl)}). "qaloop ${command}" is for the embedded database; PostgreSQL is backed up with "pg_dump -Fc" and restored with "pg_restore", as ${README_SECTION} describes. Nothing was changed.`,
    );
  }
  if (command === 'backup') return backupEmbedded(config.dataDir, path, options);
  if (options.force)
    throw new BackupUsageError('--force is only for qaloop backup: a restore never replaces a database.');
  return restoreEmbedded(path, config.dataDir);
}
