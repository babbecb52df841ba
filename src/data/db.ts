import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

const DATE_OID = 1082;
const INT8_OID = 20;
const NUMERIC_OID = 1700;

// Dates stay as 'YYYY-MM-DD' text (no time-zone shifts); counts come back as numbers.
pg.types.setTypeParser(DATE_OID, (v: string) => v);
pg.types.setTypeParser(INT8_OID, (v: string) => Number(v));
pg.types.setTypeParser(NUMERIC_OID, (v: string) => Number(v));

const pgliteParsers = {
  [DATE_OID]: (v: string) => v,
  [INT8_OID]: (v: string) => Number(v),
  [NUMERIC_OID]: (v: string) => Number(v),
};

export interface DbOptions {
  /** a PostgreSQL connection string; when absent the embedded database is used */
  databaseUrl?: string;
  /** folder for the embedded database; `memory` keeps it in memory (tests) */
  dataDir: string | 'memory';
  /**
   * start from a copy of an embedded database (PGlite's `dumpDataDir`), not an empty one: in memory
   * (tests), or in a folder that holds no database yet (`qaloop restore`)
   */
  copyOf?: Blob;
}

export class DatabaseUnavailableError extends Error {}

/** What a Db was opened on, for code that needs its own connection to the same database (the job queue). */
export type DbConnection = { kind: 'postgres'; url: string } | { kind: 'embedded'; pglite: PGlite };

const connections = new WeakMap<Db, DbConnection>();

/** The database behind a Db that openDb opened: the PostgreSQL URL, or the embedded PGlite instance. */
export function dbConnection(db: Db): DbConnection | undefined {
  return connections.get(db);
}

/** Opens the database: PostgreSQL when a URL is given, embedded PGlite otherwise. One code path. */
export async function openDb(options: DbOptions): Promise<Db> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: 10,
      connectionTimeoutMillis: 5000,
      // A machine that vanishes (rather than a process that stops) is noticed by the server within
      // minutes rather than the system's default of two hours, so its locks go with it.
      keepAlive: true,
    });
    pool.on('error', () => {
      // An idle client lost its connection; the pool replaces it and readiness reports the outage.
    });
    try {
      const client = await pool.connect();
      client.release();
    } catch (err) {
      await pool.end().catch(() => {});
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new DatabaseUnavailableError(
        `Cannot connect to the PostgreSQL server named by DATABASE_URL (${describeUrl(options.databaseUrl)}): ${reason}`,
      );
    }
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    connections.set(db, { kind: 'postgres', url: options.databaseUrl });
    return db;
  }
  let pglite: PGlite;
  if (options.dataDir === 'memory') {
    pglite = await PGlite.create({ parsers: pgliteParsers, loadDataDir: options.copyOf });
  } else {
    const dir = join(options.dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
    const release = lockDataDir(options.dataDir);
    try {
      pglite = await PGlite.create({ dataDir: dir, parsers: pgliteParsers, loadDataDir: options.copyOf });
    } catch (err) {
      release();
      throw err;
    }
    const close = pglite.close.bind(pglite);
    pglite.close = async () => {
      try {
        await close();
      } finally {
        release();
      }
    };
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  // Kysely takes charge of the connection (and closes it on destroy) once it has used it.
  await sql`select 1`.execute(db);
  connections.set(db, { kind: 'embedded', pglite });
  return db;
}

/** Whether the database answers a query now (the platform's readiness check). */
export async function isReachable(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The embedded database can be opened by one process at a time: two would corrupt it. A lock file
 * holding the process id says who has it; a lock left by a process that has gone is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const lockPath = join(dataDir, 'qaloop.lock');
  const mine = String(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath, mine, { flag: 'wx' });
      const release = () => {
        // released by closing the database, or at the latest when the process exits
        process.off('exit', release);
        try {
          if (readFileSync(lockPath, 'utf8') === mine) unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lockPath, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
        throw new DatabaseUnavailableError(
          `The embedded database in ${dataDir} is in use by another QA Loop process (pid ${holder}): stop it first, or set DATABASE_URL to use a PostgreSQL server.`,
        );
      }
      unlinkSync(lockPath);
    }
  }
  throw new DatabaseUnavailableError(`Could not lock the embedded database in ${dataDir}`);
}

/** host:port/database of a connection string, without user or password */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'unparseable URL';
  }
}
