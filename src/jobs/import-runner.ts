import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Transaction } from 'kysely';
import { acrossCouncils, withCouncil } from '../data/council-context.ts';
import { type Db, dbConnection, vacuumEmbedded } from '../data/db.ts';
import { type JobQueue, QUEUES } from '../data/queue.ts';
import type { Database, ImportJobState } from '../data/schema.ts';
import { SNAPSHOT_ROW_TABLES } from '../import/snapshot-writer.ts';
import { ImportRefusedError, type ImportSummary, UnreadableFileError } from '../import/types.ts';
import {
  CANCELLED_MESSAGE,
  type JobSummary,
  qualityHeadline,
  recordCancel,
  safeFileName,
  uploadsDir,
  writeUploadTo,
} from '../services/case-data/import-jobs.ts';
import { IMPORT_FORMATS, runImport, settleAfterImport } from '../services/case-data/run-import.ts';
import { ListShrinkRefusedError } from '../services/case-data/shrink-guard.ts';
import { clearAbandonedSnapshots } from '../services/case-data/snapshots.ts';

/** What the runner writes to the log: job ids and kinds of failure, never file contents or people. */
export interface RunnerLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface ImportRunnerOptions {
  db: Db;
  dataDir: string;
  log: RunnerLog;
  /** where a job's file is written back to be read: the system's temporary folder by default */
  tempDir?: string;
  /** the job queue, when there is one: a job given back when this instance stops is sent to it again */
  queue?: JobQueue | null;
}

/** How a job given to `start` went: read to its end here, given back unread, or not this instance's to read. */
export type JobOutcome = 'ended' | 'given back' | 'not run';

/**
 * How far a running job has got, kept in memory as well as written to the job's row now and then:
 * pages of this process read it from here, at once.
 */
export interface JobProgress {
  rowsRead: number;
}

/**
 * The two numbers of each job's advisory lock: the first and second 8 hex digits of its id, 64
 * bits in all (a 32-bit hash of the id could be shared by two jobs). Locks taken by two numbers
 * are kept apart by PostgreSQL from the app's other locks, taken by one.
 */
export const jobLockKeys = (jobId: string) => sql`
  ('x' || substr(replace(${jobId}::text, '-', ''), 1, 8))::bit(32)::int,
  ('x' || substr(replace(${jobId}::text, '-', ''), 9, 8))::bit(32)::int`;

/** How long `close` waits for the job being read to be given back before letting the process stop. */
const CLOSE_WAIT_MS = 5_000;
/** A queued job no queue job has started in this long is taken up by the watch. */
const QUEUED_TOO_LONG_MS = 60_000;
/**
 * The longest the import's transaction may sit idle: if the instance's machine vanishes, the
 * database ends the transaction (and frees the job's lock) after this, not hours later.
 */
const IDLE_IN_IMPORT = '5min';

/** Thrown inside the import when this instance is stopping: the job is given back, unread. */
class ImportStopped extends Error {
  override name = 'ImportStopped';
}

/** Thrown inside the import when a QA lead has cancelled the job: it is undone and ends cancelled. */
class ImportCancelled extends Error {
  override name = 'ImportCancelled';
}

/** Progress is written to the job's row at most this often. */
const PROGRESS_WRITE_MS = 500;
/** Leftovers in the uploads folder older than this, belonging to no waiting job, are removed on start. */
const LEFTOVER_MS = 60 * 60_000;

const FAILED_MESSAGE =
  'Something went wrong while reading the file, so nothing was imported. Try again; if it happens again, tell your administrator.';
const FILE_GONE_MESSAGE =
  'The uploaded file was no longer there when QA Loop came to read it, so nothing was imported: upload it again.';

/** The start of the name of each job's folder in the temporary folder. */
const TEMP_PREFIX = 'qaloop-import-';
/** A job's copy left in the temporary folder longer than this (its process stopped) is removed. */
const LEFTOVER_COPY_MS = 24 * 60 * 60_000;

/** A job started this many times without ending (the process stopped while reading it) is not started again. */
const MAX_ATTEMPTS = 2;
const TOO_MANY_ATTEMPTS_MESSAGE =
  'QA Loop stopped twice while reading this file, so it was not read a third time and nothing was imported. Check the file (save a workbook as CSV, for instance) and upload it again.';

/**
 * This instance, as a job's row names the one reading it: the machine's (or container's) host name
 * and the process's number, which is what the council's IT team sees when looking at the servers.
 */
export const INSTANCE = `${hostname()}:${process.pid}`;

/**
 * A job left running by a stopped instance is taken up only once its row has not changed for this
 * long, so one between the claim that marks it running and the transaction that reads it (when
 * its lock is briefly free) is never taken from a runner still at work.
 */
const ABANDONED_AFTER_MS = 5_000;

const progress = new Map<string, JobProgress>();

/**
 * Cancels asked for of jobs this process is reading, by whom and when: told in memory, since on the
 * embedded database the import's transaction holds the only connection. Cancels of jobs read by
 * another instance reach it through the job's row (cancelImportJob).
 */
const cancelsHere = new Map<string, { staffId: string; at: Date }>();
/** The council of each job this process is reading, so a cancel reaches only its own council's. */
const readingFor = new Map<string, string>();

/**
 * Cancels a job if this process is reading it: the import stops at its next batch of rows, is
 * undone, and the job ends cancelled, with who and when, in the security log. False when this
 * process is not reading it: cancel it through the database (cancelImportJob) instead.
 */
export function cancelJobHere(jobId: string, councilId: string, staffId: string): boolean {
  if (!progress.has(jobId) || readingFor.get(jobId) !== councilId) return false;
  if (!cancelsHere.has(jobId)) cancelsHere.set(jobId, { staffId, at: new Date() });
  return true;
}

// One job at a time in each process: every job, and every search for jobs waiting, joins this chain.
let chain: Promise<void> = Promise.resolve();

function enqueue(task: () => Promise<void>): Promise<void> {
  const run = chain.then(task);
  chain = run.catch(() => {});
  return run;
}

/** Resolves once every job queued in this process so far (and any queued meanwhile) has ended. */
export async function importsIdle(): Promise<void> {
  let seen: Promise<void>;
  do {
    seen = chain;
    await seen;
  } while (seen !== chain);
}

/** A running job's progress, if this process is running it. */
export function jobProgress(jobId: string): JobProgress | undefined {
  const p = progress.get(jobId);
  return p ? { ...p } : undefined;
}

/** What a job keeps of an import's summary: counts, errors and the quality headline, no child-level detail. */
export function jobSummary(summary: ImportSummary): JobSummary {
  return {
    format: summary.format,
    asOf: summary.asOf,
    rowsRead: summary.rowsRead,
    rowsAccepted: summary.rowsAccepted,
    rowsRejected: summary.rowsRejected,
    errors: summary.errors,
    ...(summary.errorsNotListed ? { errorsNotListed: summary.errorsNotListed } : {}),
    ...(summary.snapshot ? { snapshot: summary.snapshot } : {}),
    ...(summary.snapshot && summary.dataQuality
      ? { quality: qualityHeadline(summary.snapshot.id, summary.dataQuality) }
      : {}),
    ...(summary.ignoredFiles?.length ? { ignoredFiles: summary.ignoredFiles } : {}),
    ...(summary.notices?.length ? { notices: summary.notices } : {}),
  };
}

/**
 * Reads uploaded files in the background, one job at a time in each process. A job goes from
 * queued to running, then ends done (with the import it made), refused (the file could not be
 * read as its format, or strict and some rows were invalid) or failed (anything unexpected). The
 * import becomes visible all at once (one transaction on PostgreSQL; on the embedded database a
 * snapshot built aside and made current in one short transaction), so a refused or failed job,
 * or one cut short by the process stopping, has changed nothing anyone sees; jobs left queued or running are read again when any instance of
 * the app starts, when a running instance notices that the one reading a job has stopped (`watch`),
 * or when the job queue gives them out again. The uploaded file, kept in the
 * database, is removed in the transaction that records the job's end.
 */
export class ImportRunner {
  readonly #db: Db;
  readonly #dataDir: string;
  readonly #log: RunnerLog;
  readonly #tempDir: string;
  readonly #queue: JobQueue | null;
  readonly #stopping = new AbortController();
  #closed = false;
  #watch: NodeJS.Timeout | undefined;
  #looking = false;
  #shared: Promise<boolean> | undefined;

  constructor(options: ImportRunnerOptions) {
    this.#db = options.db;
    this.#dataDir = options.dataDir;
    this.#log = options.log;
    this.#tempDir = options.tempDir ?? tmpdir();
    this.#queue = options.queue ?? null;
  }

  /**
   * Queues a job; the promise resolves when it has ended (it never rejects), saying how it went.
   * With `after`, the job waits for it first: the app starts reading only once the answer to the
   * upload has gone, since on the embedded database the import's transaction holds the only
   * connection while it runs. When `signal` fires (or the runner is closed) while the job is being
   * read, the import is undone and the job given back, queued, for another instance.
   */
  async start(jobId: string, { after, signal }: { after?: Promise<void>; signal?: AbortSignal } = {}) {
    let outcome: JobOutcome = 'not run';
    await this.#enqueue(async () => {
      await after;
      if (!this.#closed && !signal?.aborted) outcome = await this.#runAsItsCouncil(jobId, signal);
    });
    return outcome;
  }

  /**
   * Reads a job as the council it belongs to, which the database then holds it to: every
   * statement of the import, its claim and the writes of its progress from other connections.
   * Only finding the job's council by its id looks across councils (a queue job or a look for
   * waiting jobs names no council).
   */
  async #runAsItsCouncil(jobId: string, signal?: AbortSignal, councilId?: string): Promise<JobOutcome> {
    const council =
      councilId ??
      (
        await acrossCouncils('an import job handed over by its id is read as its own council', () =>
          this.#db.selectFrom('import_jobs').select('council_id').where('id', '=', jobId).executeTakeFirst(),
        )
      )?.council_id;
    if (!council) return 'not run';
    readingFor.set(jobId, council);
    try {
      return await withCouncil(council, async () => {
        const outcome = await this.#run(jobId, signal);
        // an import that went in: its tables' statistics and case summary, once it has committed
        if (outcome === 'ended') {
          const job = await this.#db
            .selectFrom('import_jobs')
            .select(['state', 'format', 'summary'])
            .where('id', '=', jobId)
            .executeTakeFirst();
          // the format the file was read as (a job may leave it to be found from the file)
          const format = (job?.summary as { format?: string } | null)?.format ?? job?.format;
          if (job?.state === 'done') await settleAfterImport(this.#db, council, format);
        }
        return outcome;
      });
    } finally {
      readingFor.delete(jobId);
    }
  }

  /** true once `close` has been called: the runner takes no more jobs */
  get closed(): boolean {
    return this.#closed;
  }

  /** Joins the process's chain; a failure (the database gone, say) is logged, never thrown. */
  #enqueue(task: () => Promise<void>): Promise<void> {
    return enqueue(async () => {
      try {
        await task();
      } catch (err) {
        this.#logFailure(undefined, err);
      }
    });
  }

  /** Logs a failure by its kind and where it happened: the message is left out, since database errors repeat the values they refused. */
  #logFailure(jobId: string | undefined, err: unknown) {
    const e = err as Error & { code?: string };
    const frames = (e?.stack ?? '').split('\n').slice(1).join('\n');
    this.#log.error({ jobId, failure: { type: e?.name, code: e?.code, frames } }, 'import job failed');
  }

  /**
   * Whether other processes can share the database (PostgreSQL), rather than this one holding its
   * only connection (the embedded database). Asked of the database itself, so a Db given plugins
   * (as some tests do) is told apart too.
   */
  #sharedDb(): Promise<boolean> {
    const known = dbConnection(this.#db)?.kind;
    this.#shared ??= known
      ? Promise.resolve(known === 'postgres')
      : sql<{ embedded: boolean }>`select version() like '%PGlite%' as embedded`
          .execute(this.#db)
          .then(({ rows }) => rows[0]?.embedded !== true);
    return this.#shared;
  }

  /**
   * Runs every job left queued or running (by this process or one before it), oldest first;
   * resolves when they have all ended.
   */
  runPending(): Promise<void> {
    return this.#enqueue(async () => {
      // What imports cut short (the process killed, say) wrote aside goes first, a few thousand
      // rows at a time, so pages are answered meanwhile; nobody ever saw it.
      await acrossCouncils('snapshots left half built by an import that never finished, any council', () =>
        clearAbandonedSnapshots(this.#db, SNAPSHOT_ROW_TABLES),
      ).catch((err) => this.#logFailure(undefined, err));
      const waiting = await acrossCouncils('the import jobs left waiting by any council, on starting', () =>
        this.#db
          .selectFrom('import_jobs')
          .select(['id', 'council_id'])
          .where('state', 'in', ['queued', 'running'])
          .orderBy('created_at')
          .execute(),
      );
      for (const job of waiting) {
        if (this.#closed) break;
        await this.#runAsItsCouncil(job.id, undefined, job.council_id);
      }
    });
  }

  /**
   * Removes what no job will read from the uploads folder: uploads never given to a job (the
   * process stopped while receiving them) and job folders from before files were kept in the
   * database, once they are an hour old (so an upload arriving meanwhile is never touched). Copies
   * of files left in the temporary folder by a process stopped while reading them go after a day
   * (longer than any import runs, since instances on one machine share that folder).
   */
  async sweepUploads(now = Date.now()): Promise<void> {
    try {
      await this.#sweep(now);
    } catch (err) {
      this.#logFailure(undefined, err);
    }
  }

  async #sweep(now: number): Promise<void> {
    const root = uploadsDir(this.#dataDir);
    const entries = await readdir(root).catch(() => [] as string[]);
    for (const name of entries) {
      const path = join(root, name);
      const info = await lstat(path).catch(() => undefined);
      if (!info || now - info.mtimeMs < LEFTOVER_MS) continue;
      await rm(path, { recursive: true, force: true });
    }
    const copies = await readdir(this.#tempDir).catch(() => [] as string[]);
    for (const name of copies.filter((n) => n.startsWith(TEMP_PREFIX))) {
      const path = join(this.#tempDir, name);
      const info = await lstat(path).catch(() => undefined);
      if (!info?.isDirectory() || now - info.mtimeMs < LEFTOVER_COPY_MS) continue;
      await rm(path, { recursive: true, force: true });
    }
  }

  /**
   * Looks every `everyMs` for jobs left running by an instance that stopped (killed, or its
   * machine gone): a job is running and nobody holds its lock, since the lock went with the
   * stopped instance's connection. Each is read again here through the same claim as any job, so
   * it is counted as another attempt and failed after too many. Without this, another instance
   * would take the job up only when the job queue gave it out again, a minute or more later. It
   * also takes up a job queued more than a minute ago that no instance has started, and at once
   * one given back by an instance that was stopping. PostgreSQL only: on the embedded database
   * this process is the only one, and takes up jobs left waiting when it starts.
   */
  watch(everyMs: number): void {
    if (this.#watch || this.#closed || dbConnection(this.#db)?.kind !== 'postgres') return;
    const quietMs = Math.min(ABANDONED_AFTER_MS, everyMs);
    this.#watch = setInterval(() => void this.takeUpAbandoned(quietMs), everyMs);
    this.#watch.unref();
  }

  /**
   * One look for jobs whose reader stopped (running, unchanged for `quietMs` by the database's
   * clock, and nobody holding their lock), given back by a stopping instance, or queued for more
   * than a minute: each is read here, and the promise resolves once they have ended. A look
   * already under way is not started again.
   */
  async takeUpAbandoned(quietMs = ABANDONED_AFTER_MS): Promise<void> {
    if (this.#looking || this.#closed) return;
    this.#looking = true;
    try {
      // Every council's jobs: one left by a stopped instance is taken up whoever it belongs to.
      const waitingQuery = this.#db
        .selectFrom('import_jobs')
        .select(['id', 'state', 'council_id'])
        .where((eb) =>
          eb.or([
            eb.and([
              eb('state', '=', 'running'),
              eb('updated_at', '<', sql<Date>`now() - make_interval(secs => ${quietMs / 1000})`),
            ]),
            eb.and([
              eb('state', '=', 'queued'),
              eb.or([
                // given back by a stopping instance (its row still names it)
                eb('instance', 'is not', null),
                eb('updated_at', '<', sql<Date>`now() - make_interval(secs => ${QUEUED_TOO_LONG_MS / 1000})`),
              ]),
            ]),
          ]),
        )
        .orderBy('created_at');
      const waiting = await acrossCouncils('import jobs whose reader stopped, of any council', () =>
        waitingQuery.execute(),
      );
      const free: { id: string; state: string; council_id: string }[] = [];
      for (const job of waiting) {
        if (this.#closed) break;
        if (progress.has(job.id)) continue; // being read here
        // A short transaction that takes the lock and lets it go again: if it could be taken, no
        // one is reading the job. (The claim that reads it takes the lock again, and leaves the
        // job if another instance got there first.)
        const unheld = await withCouncil(job.council_id, () =>
          this.#db.transaction().execute((trx) => claim(trx, job.id)),
        );
        if (unheld) free.push(job);
      }
      await Promise.all(
        free.map(({ id: jobId, state, council_id }) => {
          this.#log.info(
            { jobId },
            state === 'running'
              ? 'import job taken up: the instance reading it stopped'
              : 'import job taken up: it was waiting for an instance to read it',
          );
          return this.#enqueue(async () => {
            if (!this.#closed) await this.#runAsItsCouncil(jobId, undefined, council_id);
          });
        }),
      );
    } catch (err) {
      this.#logFailure(undefined, err);
    } finally {
      this.#looking = false;
    }
  }

  /**
   * Takes no more jobs, and gives back the one being read: its import is undone and it is queued
   * again, not counted as an attempt, for another instance. Waits at most a few seconds for that
   * (less than the time `qaloop serve` allows itself to stop); an import that cannot be stopped
   * by then ends with the process, and is taken up as one whose reader stopped.
   */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#watch);
    this.#watch = undefined;
    this.#stopping.abort(new ImportStopped('this instance is stopping'));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      importsIdle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  /**
   * Reads one job, if it is still to be read and no other process is reading it. The claim is an
   * advisory lock on the job, taken first by the import's own transaction and held to its end: it
   * goes with the transaction, or with the connection if the process stops, so a job whose reader
   * stopped is taken up again, and one being read elsewhere is left alone. The job is marked
   * running (and the attempt counted) only once the lock is held, from another connection so that
   * every instance sees it at once. The job's end (done and its import, refused or failed) and the
   * removal of its file from the database are written in the import's transaction, so "done" and
   * the data it brought are committed together or not at all.
   */
  async #run(jobId: string, signal?: AbortSignal): Promise<JobOutcome> {
    const db = this.#db;
    const shared = await this.#sharedDb();
    const stop = signal ? AbortSignal.any([this.#stopping.signal, signal]) : this.#stopping.signal;

    // Marks the job running and counts the attempt, if it is still to be read.
    const markRunning = (executor: Db | Transaction<Database>) =>
      executor
        .updateTable('import_jobs')
        .set((eb) => ({
          state: 'running',
          rows_read: 0,
          bytes_read: 0,
          message: null,
          attempts: eb('attempts', '+', 1),
          instance: INSTANCE,
          updated_at: sql<Date>`now()`,
        }))
        .where('id', '=', jobId)
        .where('state', 'in', ['queued', 'running'])
        .returningAll()
        .executeTakeFirst();

    // On the embedded database this process is the only one: the job is marked running (and the
    // attempt counted, so a file that stops the process is not read for ever) in a transaction of
    // its own, since the import's transaction holds the only connection.
    let marked: Awaited<ReturnType<typeof markRunning>>;
    if (!shared) {
      marked = await db
        .transaction()
        .execute(async (trx) => ((await claim(trx, jobId)) ? markRunning(trx) : undefined));
      if (!marked) return 'not run';
    }

    /** Records the job's end and removes its file from the database, in the transaction given. */
    const finish = async (
      trx: Transaction<Database>,
      state: Exclude<ImportJobState, 'queued' | 'running'>,
      details: {
        message?: string;
        summary?: JobSummary;
        importId?: string;
        rowsRead?: number;
        bytesRead?: number;
      } = {},
    ) => {
      await trx.deleteFrom('import_upload_chunks').where('job_id', '=', jobId).execute();
      await trx
        .updateTable('import_jobs')
        .set({
          state,
          message: details.message ?? null,
          summary: details.summary ? JSON.stringify(details.summary) : null,
          import_id: details.importId ?? null,
          rows_read: details.rowsRead ?? progress.get(jobId)?.rowsRead ?? 0,
          bytes_read: details.bytesRead ?? 0,
          // the clock at the end: now() would be when the import's transaction began
          finished_at: sql<Date>`clock_timestamp()`,
          updated_at: sql<Date>`clock_timestamp()`,
        })
        .where('id', '=', jobId)
        .where('state', '=', 'running')
        .execute();
    };

    /**
     * Gives the job back, queued, with the attempt not counted (this instance is stopping; the
     * file did not stop it), and sends it to the queue again so another instance takes it up.
     */
    const giveBack = async (trx: Transaction<Database>) => {
      const given = await trx
        .updateTable('import_jobs')
        .set((eb) => ({
          state: 'queued',
          rows_read: 0,
          bytes_read: 0,
          message: null,
          attempts: eb('attempts', '-', 1),
          updated_at: sql<Date>`now()`,
        }))
        .where('id', '=', jobId)
        .where('state', '=', 'running')
        .where('attempts', '>', 0)
        .executeTakeFirst();
      if (Number(given.numUpdatedRows) > 0 && this.#queue)
        await this.#queue.send('imports', { jobId }, { db: trx });
    };

    /** set once the job's row says it was cancelled (from another instance, or before this one took it up) */
    let cancelledInDb = false;
    const cancelled = () => cancelledInDb || cancelsHere.has(jobId);
    /**
     * The check the import makes between batches of rows: it stops, to be undone, when the job has
     * been cancelled (ending cancelled) or this instance is stopping (the job given back). Whatever
     * shape the import's transactions take, this is the one place it is asked.
     */
    const throwIfCancelled = () => {
      if (cancelled()) throw new ImportCancelled();
      if (stop.aborted) throw new ImportStopped();
    };
    /** Ends a cancelled job: its file removed, who and when kept (a cancel told here is recorded now). */
    const endCancelled = async (trx: Transaction<Database>) => {
      const here = cancelsHere.get(jobId);
      if (here) {
        const row = await trx
          .updateTable('import_jobs')
          .set({ cancelled_by: here.staffId, cancelled_at: here.at })
          .where('id', '=', jobId)
          .where('state', '=', 'running')
          .where('cancelled_at', 'is', null)
          .returning(['council_id', 'file_name'])
          .executeTakeFirst();
        if (row)
          await recordCancel(trx, {
            councilId: row.council_id,
            jobId,
            fileName: row.file_name,
            staffId: here.staffId,
            was: 'being read',
          });
      }
      await finish(trx, 'cancelled', { message: CANCELLED_MESSAGE });
    };

    let pendingWrite: Promise<unknown> | undefined;
    let lastWrite = 0;
    let folder: string | undefined;
    let ended: string | undefined;
    let claimed = false;
    /** set once the job's end has been written in the import's own last transaction */
    let endedWithImport = false;
    /**
     * Where the job is read. PostgreSQL: in one transaction holding the job's lock, undone back to a
     * savepoint when the import is refused or fails, while other sessions read on. The embedded
     * database has one session, which a transaction as long as the import would hold from every
     * page: there each statement is its own short transaction (the database itself stands in for
     * the transaction), the import builds its snapshot aside batch by batch and makes it current in
     * one short transaction of its own (src/services/case-data/snapshot-import.ts), and a refused or
     * failed import removes what it wrote aside.
     */
    const session = <T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> =>
      shared ? db.transaction().execute(work) : work(db as unknown as Transaction<Database>);
    progress.set(jobId, { rowsRead: 0 });
    try {
      ended = await session(async (trx) => {
        // Another process is reading the job: it is theirs.
        if (!(await claim(trx, jobId))) return undefined;
        claimed = true;
        // If this instance's machine vanishes, the database ends this transaction (freeing the
        // lock) once it has waited this long, rather than when the connection is given up for lost.
        if (shared)
          await sql.raw(`set local idle_in_transaction_session_timeout = '${IDLE_IN_IMPORT}'`).execute(trx);
        let job = marked;
        if (shared) {
          // From another connection, so every instance sees the job running while it is read.
          job = await markRunning(db);
        } else {
          const current = await trx
            .selectFrom('import_jobs')
            .select(['state', 'attempts', 'cancelled_at'])
            .where('id', '=', jobId)
            .executeTakeFirst();
          if (current?.state !== 'running' || current.attempts !== job?.attempts) job = undefined;
          if (current?.cancelled_at) cancelledInDb = true;
        }
        if (!job) return undefined;
        const running = job;
        // cancelled while it waited, or while an instance that has since stopped was reading it
        if (running.cancelled_at) cancelledInDb = true;
        if (cancelledInDb) {
          await endCancelled(trx);
          return 'cancelled: before it was read';
        }

        if (running.attempts > MAX_ATTEMPTS) {
          // started before and never finished: the file stopped the process, so it is not read again
          await finish(trx, 'failed', { message: TOO_MANY_ATTEMPTS_MESSAGE });
          return 'failed: interrupted twice';
        }
        // A refused, failed or stopped import is undone back to here, and the job's end still
        // recorded (or the job given back).
        if (shared) await sql`savepoint import_job`.execute(trx);
        const started = new Date();
        let summary: ImportSummary;
        try {
          throwIfCancelled();
          // The file comes back from the database to this instance's own temporary folder.
          folder = await mkdtemp(join(this.#tempDir, TEMP_PREFIX));
          const path = join(folder, safeFileName(running.file_name));
          const bytes = await writeUploadTo(trx, jobId, path);
          if (bytes === 0 || bytes !== Number(running.bytes_total)) {
            await finish(trx, 'failed', { message: FILE_GONE_MESSAGE });
            return 'failed: file gone';
          }
          const mapping = running.mapping_id
            ? await trx
                .selectFrom('column_mappings')
                .select('name')
                .where('id', '=', running.mapping_id)
                .executeTakeFirst()
            : undefined;
          throwIfCancelled();
          summary = await runImport(trx, {
            councilId: running.council_id,
            path,
            fileName: running.file_name,
            format: IMPORT_FORMATS.find((f) => f === running.format),
            mapping: mapping?.name,
            asOf: running.as_of,
            strict: running.strict,
            allowShrink: running.allow_shrink,
            source: running.source,
            startedBy: running.started_by,
            buildAside: !shared,
            // Built aside (the embedded database): the job's end is written in the import's last
            // transaction, so "done" and the data it brought are committed together.
            onCommit: shared
              ? undefined
              : async (last, made) => {
                  throwIfCancelled();
                  await finish(last, 'done', {
                    summary: jobSummary(made),
                    importId: await importMade(last, running, made, started),
                    rowsRead: made.rowsRead,
                    bytesRead: Number(running.bytes_total),
                  });
                  endedWithImport = true;
                },
            onProgress: (rowsRead) => {
              // Cancelled or stopping: the import is given up here, between batches, and undone.
              throwIfCancelled();
              const p = progress.get(jobId);
              if (p) p.rowsRead = rowsRead;
              // Written to the job's row from another connection, so every instance's pages show
              // it (on PostgreSQL). On the embedded database it would wait for this transaction,
              // so the pages there read the progress kept in memory; never more than one waits.
              const now = Date.now();
              if (pendingWrite || now - lastWrite < PROGRESS_WRITE_MS) return;
              lastWrite = now;
              // The same write brings back whether the job was cancelled from another instance.
              pendingWrite = db
                .updateTable('import_jobs')
                .set({ rows_read: rowsRead, updated_at: sql<Date>`now()` })
                .where('id', '=', jobId)
                .where('state', '=', 'running')
                .returning('cancelled_at')
                .execute()
                .then((rows) => {
                  if (rows.some((r) => r.cancelled_at)) cancelledInDb = true;
                })
                .catch(() => {})
                .finally(() => {
                  pendingWrite = undefined;
                });
            },
          });
          // Its end already committed with its data (built aside): nothing is left to stop.
          if (endedWithImport) return 'done';
          // A cancel that came while the last rows were written still stops it: on PostgreSQL the
          // job's row is read once more, from another connection, for one made on another instance.
          await pendingWrite;
          if (shared) {
            const row = await db
              .selectFrom('import_jobs')
              .select('cancelled_at')
              .where('id', '=', jobId)
              .executeTakeFirst();
            if (row?.cancelled_at) cancelledInDb = true;
          }
          throwIfCancelled();
        } catch (err) {
          if (shared) await sql`rollback to savepoint import_job`.execute(trx);
          if (cancelled()) {
            await endCancelled(trx);
            return 'cancelled: while it was read';
          }
          if (stop.aborted) {
            await giveBack(trx);
            return 'queued: given back';
          }
          if (err instanceof ImportRefusedError) {
            const s = err.summary;
            await finish(trx, 'refused', {
              message: `${s.rowsRejected.toLocaleString('en-GB')} of ${s.rowsRead.toLocaleString('en-GB')} rows are invalid, so nothing was imported: the whole file is refused when any row is invalid.`,
              summary: jobSummary(s),
              rowsRead: s.rowsRead,
            });
            return 'refused: invalid rows';
          }
          if (err instanceof ListShrinkRefusedError) {
            await finish(trx, 'refused', { message: err.message });
            return 'refused: shrinks a list';
          }
          if (err instanceof UnreadableFileError) {
            await finish(trx, 'refused', { message: err.message });
            return 'refused: unreadable';
          }
          this.#logFailure(jobId, err);
          await finish(trx, 'failed', { message: FAILED_MESSAGE });
          return 'failed: error';
        }
        if (endedWithImport) return 'done';
        if (shared) await sql`release savepoint import_job`.execute(trx);
        const importId = await importMade(trx, running, summary, started);
        await finish(trx, 'done', {
          summary: jobSummary(summary),
          importId,
          rowsRead: summary.rowsRead,
          bytesRead: Number(running.bytes_total),
        });
        return 'done';
      });
    } catch (err) {
      // The transaction itself failed (the database went away, say): nothing of it was kept. The
      // job is given back if this instance is stopping, or else marked failed, if this process can
      // still reach the database and no other holds it.
      if (!stop.aborted) this.#logFailure(jobId, err);
      ended = await db
        .transaction()
        .execute(async (trx) => {
          if (!(await claim(trx, jobId))) return undefined;
          if (cancelled()) {
            await endCancelled(trx);
            return 'cancelled: while it was read';
          }
          if (stop.aborted) {
            await giveBack(trx);
            return 'queued: given back';
          }
          await finish(trx, 'failed', { message: FAILED_MESSAGE });
          return 'failed: error';
        })
        .catch(() => undefined);
    } finally {
      await pendingWrite;
      progress.delete(jobId);
      cancelsHere.delete(jobId);
      if (folder) await rm(folder, { recursive: true, force: true }).catch(() => {});
    }
    if (!ended) return claimed || marked ? 'ended' : 'not run';
    const [state, reason] = ended.split(': ');
    this.#log.info({ jobId, state, ...(reason ? { reason } : {}) }, 'import job ended');
    if (state === 'queued') return 'given back';
    // PGlite runs alone, without autovacuum: the space of the file's chunks is given back now, so
    // the database (and its backups) do not keep it.
    if (!shared) await vacuumEmbedded(db, 'import_upload_chunks').catch((e) => this.#logFailure(jobId, e));
    return 'ended';
  }
}

/**
 * Takes the job's advisory lock for the rest of the transaction, if no other transaction holds it.
 */
async function claim(trx: Transaction<Database>, jobId: string): Promise<boolean> {
  const { rows } = await sql<{ held: boolean }>`
    select pg_try_advisory_xact_lock(${jobLockKeys(jobId)}) as held
  `.execute(trx);
  return rows[0]?.held === true;
}

/** The imports row a job's import made: the newest of its council, source, file and format since it began. */
async function importMade(
  db: Transaction<Database>,
  job: { council_id: string; source: 'web' | 'api'; file_name: string; started_by: string | null },
  summary: ImportSummary,
  started: Date,
): Promise<string | undefined> {
  let query = db
    .selectFrom('imports')
    .select('id')
    .where('council_id', '=', job.council_id)
    .where('source', '=', job.source)
    .where('file_name', '=', job.file_name)
    .where('format', '=', summary.format)
    .where('started_at', '>=', started);
  if (summary.snapshot) query = query.where('snapshot_id', '=', summary.snapshot.id);
  if (job.started_by) query = query.where('started_by', '=', job.started_by);
  const row = await query.orderBy('started_at', 'desc').limit(1).executeTakeFirst();
  return row?.id;
}

/** What the imports queue carries: the job to read. */
export interface ImportQueueJob {
  jobId: string;
}

/**
 * Reads the jobs the imports queue hands this instance, one at a time (with any the routes start
 * themselves). A job another instance is reading is left to it; pg-boss gives a job out again if
 * its instance stops sending word that it is still at it.
 */
export async function startImportWorker(queue: JobQueue, runner: ImportRunner): Promise<void> {
  await queue.boss.work<ImportQueueJob>(
    QUEUES.imports.name,
    { pollingIntervalSeconds: queue.pollingIntervalSeconds, batchSize: 1 },
    async ([job]) => {
      if (typeof job?.data?.jobId !== 'string') return;
      // Left unread because this instance is stopping: failing the queue job has the queue give it
      // out again (and the watch of any instance takes the import up if it waits longer).
      const outcome = await runner.start(job.data.jobId, { signal: job.signal });
      if (outcome === 'not run' && (runner.closed || job.signal.aborted))
        throw new Error('import job left unread: this instance is stopping');
    },
  );
}
