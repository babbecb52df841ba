/**
 * The job queue: pg-boss on the database the app already uses. Jobs live in the database (schema
 * `pgboss`), so a restart loses none, and pg-boss hands each job to one worker at a time however
 * many app instances are running.
 *
 * On PostgreSQL pg-boss keeps a small pool of its own on the same DATABASE_URL. On the embedded
 * database (PGlite, one connection) it shares the app's PGlite instance through pg-boss's PGlite
 * adapter: statements without parameters (its migrations hold several) go through `exec`, the rest
 * through `query`. PGlite runs one statement or transaction at a time, so the queue and the app
 * simply take turns.
 *
 *   const queue = await startQueue(db, { log });
 *   await queue.send('notifications', { … }, { singletonKey, db: trx });
 *   await queue.stop();
 */
import { fromKysely, fromPglite, PgBoss, type Queue, type QueuePolicy } from 'pg-boss';
import { type Db, dbConnection } from './db.ts';
import { grantQueueToAppRole } from './row-level-security.ts';

/** What the queue writes to the log: queue names, job ids and kinds of failure, never job contents. */
export interface QueueLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface QueueSettings {
  policy: QueuePolicy;
  /** how many times a failed job is tried again */
  retryLimit: number;
  /** seconds before the first retry (doubling each time, with retryBackoff) */
  retryDelay: number;
  retryBackoff: boolean;
  /** seconds a job may run before pg-boss gives it to another worker */
  expireInSeconds: number;
  /**
   * seconds without word from the worker (its instance stopped) before pg-boss gives the job to
   * another; workers send word twice as often
   */
  heartbeatSeconds?: number;
}

/**
 * Every queue the app uses. `singleton`: any number waiting, but one job per key running at a time
 * across all instances. `stately`: at most one waiting and one running.
 */
export const QUEUES = {
  /** deliver the waiting messages of one person (singletonKey: their staff id) */
  notifications: {
    name: 'qaloop-notifications',
    policy: 'singleton',
    retryLimit: 4,
    retryDelay: 60,
    retryBackoff: true,
    expireInSeconds: 300,
  },
  /** look for audits nearing or past their deadline; runs on a schedule and on demand */
  reminderSweep: {
    name: 'qaloop-reminder-sweep',
    policy: 'stately',
    retryLimit: 2,
    retryDelay: 300,
    retryBackoff: false,
    expireInSeconds: 900,
  },
  /** remove snapshots and access-log entries older than each council's retention settings; daily */
  retention: {
    name: 'qaloop-retention',
    policy: 'stately',
    retryLimit: 2,
    retryDelay: 600,
    retryBackoff: false,
    expireInSeconds: 3600,
  },
  /** start each recurring review's round on the day it falls due; hourly */
  reviewRounds: {
    name: 'qaloop-review-rounds',
    policy: 'stately',
    retryLimit: 2,
    retryDelay: 300,
    retryBackoff: false,
    expireInSeconds: 1800,
  },
  /**
   * read an uploaded file into the database (data: the import job's id); each instance reads one at
   * a time. The import claims its job itself (src/jobs/import-runner.ts), so a job given out again
   * (its instance stopped, or it outlived its expiry) is never read twice.
   */
  imports: {
    name: 'qaloop-imports',
    policy: 'standard',
    retryLimit: 3,
    retryDelay: 60,
    retryBackoff: true,
    expireInSeconds: 2 * 60 * 60,
    heartbeatSeconds: 60,
  },
} as const satisfies Record<string, QueueSettings & { name: string }>;

export type QueueKey = keyof typeof QUEUES;

export interface StartQueueOptions {
  log?: QueueLog;
  /** seconds between a worker's looks for new jobs (pg-boss's minimum is 0.5) */
  pollingIntervalSeconds?: number;
  /** run pg-boss's maintenance and cron clock (default true); a queue used only to send can leave it off */
  background?: boolean;
  /** per-queue changes to retries and expiry (tests shorten them) */
  queues?: Partial<Record<QueueKey, Partial<Omit<QueueSettings, 'policy'>>>>;
}

export interface JobQueue {
  readonly boss: PgBoss;
  /** seconds between a worker's looks for new jobs */
  readonly pollingIntervalSeconds: number;
  readonly log: QueueLog;
  /**
   * Adds a job. Inside a transaction, pass it as `db`: the job then exists only if the transaction
   * commits (and on the embedded database, whose one connection the transaction holds, the send
   * could not run otherwise). Resolves to null when the queue already holds a job with that key.
   */
  send(queue: QueueKey, data: object, options?: { singletonKey?: string; db?: Db }): Promise<string | null>;
  /** true from start until `stop` is called (readiness reports it) */
  readonly running: boolean;
  /** Stops workers (letting jobs in hand finish, up to `timeoutMs`) and pg-boss's own connections. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

const silent: QueueLog = { info() {}, warn() {}, error() {} };

/** Starts pg-boss on the app's database, installing or upgrading its schema and the app's queues. */
export async function startQueue(db: Db, options: StartQueueOptions = {}): Promise<JobQueue> {
  const log = options.log ?? silent;
  const connection = dbConnection(db);
  if (!connection) throw new Error('The job queue needs a database opened by openDb');
  const background = options.background ?? true;
  const common = {
    supervise: background,
    schedule: background,
    migrate: true,
    application_name: 'qaloop-queue',
  };
  const boss =
    connection.kind === 'postgres'
      ? new PgBoss({ ...common, connectionString: connection.url, max: 4 })
      : new PgBoss({ ...common, db: fromPglite(connection.pglite), backend: 'pglite' });
  // An 'error' event nobody listens for would end the process. Job contents are never logged, nor
  // the error's message: a database error's message can repeat the values it was given.
  boss.on('error', (err: Error & { code?: string; queue?: string }) =>
    log.error({ queue: err.queue, failure: { type: err.name, code: err.code } }, 'job queue error'),
  );
  boss.on('warning', (w: { message: string }) => log.warn({ warning: w.message }, 'job queue warning'));
  await boss.start();
  try {
    // The app's role adds jobs inside its own transactions (row-level-security.ts says what else).
    await grantQueueToAppRole(db);
    for (const [key, settings] of Object.entries(QUEUES) as [QueueKey, (typeof QUEUES)[QueueKey]][]) {
      const { name, policy, ...defaults } = settings;
      const wanted = { ...defaults, ...options.queues?.[key] };
      await boss.createQueue(name, { policy, ...wanted } satisfies Omit<Queue, 'name'>);
      // createQueue leaves an existing queue as it was: bring its settings up to date
      await boss.updateQueue(name, wanted);
      // Fill pg-boss's queue cache now: a send inside a transaction must not need to look it up,
      // which on the embedded database would wait for that very transaction.
      await boss.findJobs(name, { id: '00000000-0000-0000-0000-000000000000' });
    }
  } catch (err) {
    await boss.stop({ graceful: false }).catch(() => {});
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    boss,
    pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2,
    log,
    async send(queue, data, sendOptions = {}) {
      return boss.send(QUEUES[queue].name, data, {
        ...(sendOptions.singletonKey ? { singletonKey: sendOptions.singletonKey } : {}),
        db: fromKysely(sendOptions.db ?? db),
      });
    },
    get running() {
      return stopped === undefined;
    },
    stop({ timeoutMs = 8000 } = {}) {
      stopped ??= boss.stop({ graceful: true, timeout: timeoutMs, close: true });
      return stopped;
    },
  };
}
