import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  type KyselyPlugin,
  PGliteAdapter,
  PGliteDialect,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  PostgresDialect,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  sql,
  type TransactionSettings,
  type UnknownRow,
} from 'kysely';
import pg from 'pg';
import { CopyFromStdin } from './copy-from.ts';
import { currentScope } from './council-context.ts';
import { preparedCluster, unpackPreparedCluster } from './prepared-cluster.ts';
import { APP_ROLE } from './row-level-security.ts';
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

/**
 * Gives back the space of a table's deleted rows on the embedded database, which runs without
 * autovacuum (PostgreSQL's own autovacuum does it there, so this does nothing). Run on the PGlite
 * itself, as the tables' owner: VACUUM cannot run inside a transaction, and the app's Db (appDb)
 * runs each of its statements in one, as its role, which may not vacuum the owner's tables. A Db
 * not opened here (one given plugins) runs it as it is.
 */
export async function vacuumEmbedded(db: Db, table: string): Promise<void> {
  const connection = dbConnection(db);
  if (connection?.kind === 'postgres') return;
  if (connection) await connection.pglite.exec(`vacuum ${quoteName(table)}`);
  else await sql`vacuum ${sql.table(table)}`.execute(db);
}

/** How long the embedded database's work may hold the event loop before others are let in (ms). */
const HOLD_LOOP_MS = 50;
/** When the event loop last came round to its timers: it was free then. */
let loopLastFree = performance.now();
let watchingLoop = false;

/**
 * PGlite answers in this thread, and its answers resolve as promises only: left alone, one
 * request's statements (or an import's) run to the end of its work before another request is even
 * read, so none is ever seen waiting (to be turned away as busy, plugins/busy.ts) and /health/live
 * waits behind them all. After a statement, once the event loop has not come round for
 * HOLD_LOOP_MS, the work waits one turn of it, in which new requests are read and answered or
 * turned away. Waiting after every statement instead let a flood of requests, each turned away,
 * starve the work in hand; a page's work shorter than HOLD_LOOP_MS runs without a break.
 */
class LetOthersIn implements KyselyPlugin {
  constructor() {
    if (watchingLoop) return;
    watchingLoop = true;
    setInterval(() => {
      loopLastFree = performance.now();
    }, 10).unref();
  }
  transformQuery(args: PluginTransformQueryArgs) {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (performance.now() - loopLastFree >= HOLD_LOOP_MS) {
      await yieldToEventLoop();
      loopLastFree = performance.now();
    }
    return args.result;
  }
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
    // the "cursor" runs COPY FROM STDIN for bulk loads (copy-from.ts): Kysely's one way to a connection
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool, cursor: CopyFromStdin }) });
    connections.set(db, { kind: 'postgres', url: options.databaseUrl });
    return db;
  }
  let pglite: PGlite;
  if (options.dataDir === 'memory') {
    const prepared = options.copyOf ? undefined : preparedCluster();
    pglite = await PGlite.create({
      parsers: pgliteParsers,
      loadDataDir: options.copyOf ?? (prepared ? new Blob([prepared]) : undefined),
    });
  } else {
    const dir = join(options.dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
    const release = lockDataDir(options.dataDir);
    try {
      // a new folder starts from a copy of the empty database rather than PGlite's slow initdb
      if (!options.copyOf && readdirSync(dir).length === 0) unpackPreparedCluster(dir);
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
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }), plugins: [new LetOthersIn()] });
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

/**
 * The Db the app's requests, jobs and commands use: the same database, but every query runs as
 * the app's role (not the tables' owner, so row-level security applies) with the council of the
 * work in hand (council-context.ts) as the `qaloop.council_id` setting. Service code needs no change:
 * the setting travels with each connection or transaction.
 *
 * Work across councils (acrossCouncils: finding whose session a cookie names, say) runs on the
 * owner's connection instead, which the policies do not bind. The app's role has no way to see
 * across councils: nothing it can set widens the policies, so a query run as it (by a fault, or by
 * anything injected) reaches at most the council its connection was set to.
 *
 * PostgreSQL: a pool of its own. With `appDatabaseUrl` it connects as the app's role itself (the
 * production shape: the app cannot become the owner); without, it connects with the owner's URL
 * and takes the app's role for each session (`set role`), as on the embedded database.
 *
 * Embedded: PGlite has one session, shared with the owner's Db and the job queue, so the role and
 * council are set for each transaction only (`set_config(…, true)`), and a statement outside a
 * transaction is wrapped in one. Nothing the app sets outlives its own transaction.
 */
export function appDb(db: Db, options: { appDatabaseUrl?: string } = {}): Db {
  const connection = dbConnection(db);
  if (!connection) throw new Error('appDb needs a Db made by openDb');
  let scoped: Db;
  if (connection.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: options.appDatabaseUrl ?? connection.url,
      max: 10,
      connectionTimeoutMillis: 5000,
    });
    pool.on('error', () => {
      // as in openDb: the pool replaces a lost idle client
    });
    const dialect = new PostgresDialect({ pool, cursor: CopyFromStdin });
    // the owner's connections, for the work across councils (each signed-in request reads and
    // saves its session there), as many as the app's own
    const ownerPool = new pg.Pool({
      connectionString: connection.url,
      max: 10,
      connectionTimeoutMillis: 5000,
    });
    ownerPool.on('error', () => {
      // as above
    });
    const ownerDialect = new PostgresDialect({ pool: ownerPool });
    const takeRole = !options.appDatabaseUrl;
    scoped = new Kysely<Database>({
      dialect: {
        createAdapter: () => dialect.createAdapter(),
        createDriver: () =>
          new ScopedPoolDriver(dialect.createDriver(), ownerDialect.createDriver(), takeRole),
        createIntrospector: (k) => dialect.createIntrospector(k),
        createQueryCompiler: () => dialect.createQueryCompiler(),
      } satisfies Dialect,
    });
  } else {
    const pglite = connection.pglite;
    scoped = new Kysely<Database>({
      dialect: {
        createAdapter: () => new PGliteAdapter(),
        createDriver: () => new ScopedPGliteDriver(pglite),
        createIntrospector: (k) => new PostgresIntrospector(k),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      } satisfies Dialect,
      plugins: [new LetOthersIn()],
    });
  }
  connections.set(scoped, connection);
  return scoped;
}

/** The council a query runs for, and whether it is work across councils, from the scope in hand. */
function scopeSettings(): { council: string; across: boolean } {
  const scope = currentScope();
  return { council: scope?.councilId ?? '', across: !!scope?.acrossCouncils };
}

/**
 * A pool's driver that, when it hands out a connection, makes sure the connection holds the
 * council of the work in hand (one extra statement only when that differs from what it last held).
 * A pooled connection serves one piece of work at a time, so a session setting is safe here. Work
 * across councils is handed one of the owner's connections instead.
 */
class ScopedPoolDriver implements Driver {
  readonly #inner: Driver;
  readonly #owner: Driver;
  readonly #takeRole: boolean;
  readonly #held = new WeakMap<DatabaseConnection, string>();
  readonly #owners = new WeakSet<DatabaseConnection>();

  constructor(inner: Driver, owner: Driver, takeRole: boolean) {
    this.#inner = inner;
    this.#owner = owner;
    this.#takeRole = takeRole;
  }

  async init() {
    await this.#inner.init();
    await this.#owner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const { council, across } = scopeSettings();
    if (across) {
      const connection = await this.#owner.acquireConnection();
      this.#owners.add(connection);
      return connection;
    }
    const connection = await this.#inner.acquireConnection();
    if (this.#held.get(connection) !== council) {
      // forgotten first: a setting that fails half way leaves the connection's council unknown
      this.#held.delete(connection);
      try {
        await connection.executeQuery(
          CompiledQuery.raw(
            this.#takeRole
              ? `select set_config('role', '${APP_ROLE}', false), set_config('qaloop.council_id', $1, false)`
              : `select set_config('qaloop.council_id', $1, false)`,
            [council],
          ),
        );
      } catch (err) {
        await this.#inner.releaseConnection(connection);
        throw err;
      }
      this.#held.set(connection, council);
    }
    return connection;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    return this.#inner.beginTransaction(connection, settings);
  }
  commitTransaction(connection: DatabaseConnection) {
    return this.#inner.commitTransaction(connection);
  }
  rollbackTransaction(connection: DatabaseConnection) {
    return this.#inner.rollbackTransaction(connection);
  }
  savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: Parameters<NonNullable<Driver['savepoint']>>[2],
  ) {
    return this.#inner.savepoint?.(connection, name, compile) ?? Promise.resolve();
  }
  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: Parameters<NonNullable<Driver['rollbackToSavepoint']>>[2],
  ) {
    return this.#inner.rollbackToSavepoint?.(connection, name, compile) ?? Promise.resolve();
  }
  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: Parameters<NonNullable<Driver['releaseSavepoint']>>[2],
  ) {
    return this.#inner.releaseSavepoint?.(connection, name, compile) ?? Promise.resolve();
  }
  releaseConnection(connection: DatabaseConnection) {
    return this.#owners.has(connection)
      ? this.#owner.releaseConnection(connection)
      : this.#inner.releaseConnection(connection);
  }
  async destroy() {
    await this.#inner.destroy();
    await this.#owner.destroy();
  }
}

type PGliteTransaction = Parameters<Parameters<PGlite['transaction']>[0]>[0];

/** Sets the app's role and the council for the rest of a PGlite transaction only. */
async function takeScope(tx: PGliteTransaction, council: string) {
  await tx.query(
    `select set_config('role', '${APP_ROLE}', true), set_config('qaloop.council_id', $1, true)`,
    [council],
  );
}

/** A PGlite connection for one piece of work, holding the scope it was handed out in. */
class ScopedPGliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;
  readonly #council: string;
  /** work across councils: run as the owner, as the session already is */
  readonly #across: boolean;
  #transaction: PGliteTransaction | undefined;
  #finish: ((commit: boolean) => void) | undefined;
  #finished: Promise<unknown> | undefined;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
    const { council, across } = scopeSettings();
    this.#council = council;
    this.#across = across;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const run = async (tx: PGliteTransaction | PGlite) => {
      const { affectedRows, rows } = await tx.query<R>(query.sql, query.parameters as unknown[], {
        rowMode: 'object',
      });
      return { numAffectedRows: affectedRows != null ? BigInt(affectedRows) : undefined, rows: rows ?? [] };
    };
    if (this.#transaction) return run(this.#transaction);
    if (this.#across) return run(this.#pglite);
    return this.#pglite.transaction(async (tx) => {
      await takeScope(tx, this.#council);
      return run(tx);
    });
  }

  // biome-ignore lint/correctness/useYield: PGlite cannot stream, as Kysely's own PGlite driver says
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming is not supported by PGlite.');
  }

  async begin() {
    let begun: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      begun = resolve;
    });
    const decided = new Promise<boolean>((resolve) => {
      this.#finish = resolve;
    });
    this.#finished = this.#pglite.transaction(async (tx) => {
      if (!this.#across) await takeScope(tx, this.#council);
      this.#transaction = tx;
      begun();
      if (!(await decided)) await tx.rollback();
    });
    // a failure to begin (or to take the scope) surfaces here rather than hanging
    await Promise.race([started, this.#finished]);
  }

  async end(commit: boolean) {
    this.#finish?.(commit);
    try {
      await this.#finished;
    } finally {
      this.#transaction = undefined;
      this.#finish = undefined;
      this.#finished = undefined;
    }
  }
}

/** Hands out a ScopedPGliteConnection for each piece of work; the owner's Db closes the PGlite. */
class ScopedPGliteDriver implements Driver {
  readonly #pglite: PGlite;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  async init() {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return new ScopedPGliteConnection(this.#pglite);
  }
  async beginTransaction(connection: DatabaseConnection) {
    await (connection as ScopedPGliteConnection).begin();
  }
  async commitTransaction(connection: DatabaseConnection) {
    await (connection as ScopedPGliteConnection).end(true);
  }
  async rollbackTransaction(connection: DatabaseConnection) {
    await (connection as ScopedPGliteConnection).end(false).catch(() => {});
  }
  async savepoint(connection: DatabaseConnection, name: string) {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteName(name)}`));
  }
  async rollbackToSavepoint(connection: DatabaseConnection, name: string) {
    await connection.executeQuery(CompiledQuery.raw(`rollback to savepoint ${quoteName(name)}`));
  }
  async releaseSavepoint(connection: DatabaseConnection, name: string) {
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${quoteName(name)}`));
  }
  async releaseConnection() {}
  async destroy() {}
}

function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
