import { lstat, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Db } from '../data/db.ts';
import type { ImportJobState } from '../data/schema.ts';
import { ImportRefusedError, type ImportSummary, UnreadableFileError } from '../import/types.ts';
import { type JobSummary, qualityHeadline, uploadsDir } from '../services/case-data/import-jobs.ts';
import { IMPORT_FORMATS, runImport } from '../services/case-data/run-import.ts';

/** What the runner writes to the log: job ids and kinds of failure, never file contents or people. */
export interface RunnerLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface ImportRunnerOptions {
  db: Db;
  dataDir: string;
  log: RunnerLog;
}

/**
 * How far a running job has got, kept in memory: on the embedded database the import's transaction
 * holds the only connection, so the job's row cannot be updated until it ends.
 */
export interface JobProgress {
  rowsRead: number;
}

/** Progress is written to the job's row at most this often. */
const PROGRESS_WRITE_MS = 500;
/** Leftovers in the uploads folder older than this, belonging to no waiting job, are removed on start. */
const LEFTOVER_MS = 60 * 60_000;

const FAILED_MESSAGE =
  'Something went wrong while reading the file, so nothing was imported. Try again; if it happens again, tell your administrator.';
const FILE_GONE_MESSAGE =
  'The uploaded file was no longer there when QA Loop came to read it, so nothing was imported: upload it again.';

/** A job started this many times without ending (the process stopped while reading it) is not started again. */
const MAX_ATTEMPTS = 2;
const TOO_MANY_ATTEMPTS_MESSAGE =
  'QA Loop stopped twice while reading this file, so it was not read a third time and nothing was imported. Check the file (save a workbook as CSV, for instance) and upload it again.';

const progress = new Map<string, JobProgress>();

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
  };
}

/**
 * Reads uploaded files in the background, one job at a time in each process. A job goes from
 * queued to running, then ends done (with the import it made), refused (the file could not be
 * read as its format, or strict and some rows were invalid) or failed (anything unexpected). The
 * import is one transaction, so a refused or failed job, or one cut short by the process
 * stopping, has changed nothing; jobs left queued or running are read again when the app starts.
 * The uploaded file is removed when its job ends.
 */
export class ImportRunner {
  readonly #db: Db;
  readonly #dataDir: string;
  readonly #log: RunnerLog;
  #closed = false;

  constructor(options: ImportRunnerOptions) {
    this.#db = options.db;
    this.#dataDir = options.dataDir;
    this.#log = options.log;
  }

  /**
   * Queues a job; the promise resolves when it has ended (it never rejects). With `after`, the job
   * waits for it first: the app starts reading only once the answer to the upload has gone, since
   * on the embedded database the import's transaction holds the only connection while it runs.
   */
  start(jobId: string, { after }: { after?: Promise<void> } = {}): Promise<void> {
    return this.#enqueue(async () => {
      await after;
      if (!this.#closed) await this.#run(jobId);
    });
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
   * Runs every job left queued or running (by this process or one before it), oldest first;
   * resolves when they have all ended.
   */
  runPending(): Promise<void> {
    return this.#enqueue(async () => {
      const waiting = await this.#db
        .selectFrom('import_jobs')
        .select('id')
        .where('state', 'in', ['queued', 'running'])
        .orderBy('created_at')
        .execute();
      for (const job of waiting) {
        if (this.#closed) break;
        await this.#run(job.id);
      }
    });
  }

  /**
   * Removes what no job will read: files of jobs that have ended and uploads never given to a job,
   * once they are an hour old (so an upload arriving meanwhile is never touched).
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
    if (!entries.length) return;
    const waiting = new Set(
      (
        await this.#db
          .selectFrom('import_jobs')
          .select('id')
          .where('state', 'in', ['queued', 'running'])
          .execute()
      ).map((j) => j.id),
    );
    for (const name of entries) {
      if (waiting.has(name)) continue;
      const path = join(root, name);
      const info = await lstat(path).catch(() => undefined);
      if (!info || now - info.mtimeMs < LEFTOVER_MS) continue;
      await rm(path, { recursive: true, force: true });
    }
  }

  /** Takes no more jobs, and waits for the one being read to end. */
  async close(): Promise<void> {
    this.#closed = true;
    await importsIdle();
  }

  async #run(jobId: string): Promise<void> {
    const db = this.#db;
    const job = await db
      .updateTable('import_jobs')
      .set((eb) => ({
        state: 'running',
        rows_read: 0,
        bytes_read: 0,
        message: null,
        attempts: eb('attempts', '+', 1),
        updated_at: new Date(),
      }))
      .where('id', '=', jobId)
      .where('state', 'in', ['queued', 'running'])
      .returningAll()
      .executeTakeFirst();
    if (!job) return;

    const finish = async (
      state: Exclude<ImportJobState, 'queued' | 'running'>,
      details: { message?: string; summary?: JobSummary; importId?: string; rowsRead?: number } = {},
    ) => {
      await db
        .updateTable('import_jobs')
        .set({
          state,
          message: details.message ?? null,
          summary: details.summary ? JSON.stringify(details.summary) : null,
          import_id: details.importId ?? null,
          rows_read: details.rowsRead ?? progress.get(jobId)?.rowsRead ?? 0,
          bytes_read: state === 'done' ? job.bytes_total : 0,
          finished_at: new Date(),
          updated_at: new Date(),
        })
        .where('id', '=', jobId)
        .where('state', '=', 'running')
        .execute();
    };

    let pendingWrite: Promise<unknown> | undefined;
    let lastWrite = 0;
    progress.set(jobId, { rowsRead: 0 });
    try {
      if (job.attempts > MAX_ATTEMPTS) {
        // started before and never finished: the file stopped the process, so it is not read again
        await finish('failed', { message: TOO_MANY_ATTEMPTS_MESSAGE });
        await rm(dirname(job.stored_path), { recursive: true, force: true });
        this.#log.info({ jobId, state: 'failed', reason: 'interrupted twice' }, 'import job ended');
        return;
      }
      const present = await lstat(job.stored_path).catch(() => undefined);
      if (!present?.isFile()) {
        await finish('failed', { message: FILE_GONE_MESSAGE });
        this.#log.info({ jobId, state: 'failed', reason: 'file gone' }, 'import job ended');
        return;
      }
      const mapping = job.mapping_id
        ? await db
            .selectFrom('column_mappings')
            .select('name')
            .where('id', '=', job.mapping_id)
            .executeTakeFirst()
        : undefined;
      const started = new Date();
      let summary: ImportSummary;
      try {
        summary = await runImport(db, {
          councilId: job.council_id,
          path: job.stored_path,
          fileName: job.file_name,
          format: IMPORT_FORMATS.find((f) => f === job.format),
          mapping: mapping?.name,
          asOf: job.as_of,
          strict: job.strict,
          source: job.source,
          startedBy: job.started_by,
          onProgress: (rowsRead) => {
            const p = progress.get(jobId);
            if (p) p.rowsRead = rowsRead;
            // The row is written only when the last write has gone through: on the embedded
            // database it waits for the import's transaction, and never more than one waits.
            const now = Date.now();
            if (pendingWrite || now - lastWrite < PROGRESS_WRITE_MS) return;
            lastWrite = now;
            pendingWrite = db
              .updateTable('import_jobs')
              .set({ rows_read: rowsRead, updated_at: new Date() })
              .where('id', '=', jobId)
              .where('state', '=', 'running')
              .execute()
              .catch(() => {})
              .finally(() => {
                pendingWrite = undefined;
              });
          },
        });
      } catch (err) {
        await pendingWrite;
        if (err instanceof ImportRefusedError) {
          const s = err.summary;
          await finish('refused', {
            message: `${s.rowsRejected.toLocaleString('en-GB')} of ${s.rowsRead.toLocaleString('en-GB')} rows are invalid, so nothing was imported: the whole file is refused when any row is invalid.`,
            summary: jobSummary(s),
            rowsRead: s.rowsRead,
          });
          this.#log.info({ jobId, state: 'refused', reason: 'invalid rows' }, 'import job ended');
          return;
        }
        if (err instanceof UnreadableFileError) {
          await finish('refused', { message: err.message });
          this.#log.info({ jobId, state: 'refused', reason: 'unreadable' }, 'import job ended');
          return;
        }
        throw err;
      }
      await pendingWrite;
      const importId = await this.#importMade(job, summary, started);
      await finish('done', { summary: jobSummary(summary), importId, rowsRead: summary.rowsRead });
      this.#log.info({ jobId, state: 'done', rows: summary.rowsRead }, 'import job ended');
    } catch (err) {
      await pendingWrite;
      this.#logFailure(jobId, err);
      await finish('failed', { message: FAILED_MESSAGE }).catch(() => {});
    } finally {
      progress.delete(jobId);
      // The job's own folder (uploads/<job id>) goes, and nothing else.
      if (basename(dirname(job.stored_path)) === jobId) {
        await rm(dirname(job.stored_path), { recursive: true, force: true }).catch(() => {});
      }
    }
  }

  /** The imports row a job's import made: the newest of its council, source, file and format since it began. */
  async #importMade(
    job: { council_id: string; source: 'web' | 'api'; file_name: string; started_by: string | null },
    summary: ImportSummary,
    started: Date,
  ): Promise<string | undefined> {
    let query = this.#db
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
}
