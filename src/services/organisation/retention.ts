import { sql } from 'kysely';
import { acrossCouncils, withCouncil } from '../../data/council-context.ts';
import type { Db } from '../../data/db.ts';
import { sweepRateLimitCounters } from '../../data/rate-limit-store.ts';
import { inTransaction } from '../../data/transaction.ts';
import { addMonths } from '../../domain/dates.ts';
import { type FieldError, ValidationError } from '../../domain/validation.ts';
import { failureKind } from '../../platform/log.ts';
import { forgetOldSignInFailures } from './auth.ts';
import { recordSecurityEvent } from './security-log.ts';

/**
 * How long a council keeps old case-data snapshots and access-log entries, and the daily job that
 * removes what is older. Snapshots: 24 months by default, enough for a year's figures against the
 * year before; a snapshot a sample was drawn from (and so the audits and cohort behind it) is kept
 * whatever its age, as is each council's latest. The access log: 6 years by default, the period in
 * which a claim about a child's care may usually be brought (Limitation Act 1980), during which a
 * family, a complaint or an investigation may ask who opened a child's record.
 *
 * A council already using QA Loop before retention existed has no settings (null) until its QA lead
 * or administrator saves them: until then nothing of that kind is removed, since removal cannot be
 * undone and an upgrade should not decide it. Councils set up since get the defaults.
 */
export interface RetentionSettings {
  /** null: not set yet, nothing is removed */
  snapshotMonths: number | null;
  /** null: not set yet, nothing is removed */
  accessLogMonths: number | null;
}

export const RETENTION_DEFAULTS: RetentionSettings = { snapshotMonths: 24, accessLogMonths: 72 };
export const SNAPSHOT_MONTHS = { min: 3, max: 120 };
export const ACCESS_LOG_MONTHS = { min: 12, max: 300 };

export type RetentionKind = 'snapshots' | 'access_log';

/** One kind of record removed for one council, one day. */
export interface RetentionRun {
  kind: RetentionKind;
  ranAt: Date;
  removed: number;
  /** records from before this date were removed */
  cutOff: string;
}

export async function getRetentionSettings(db: Db, councilId: string): Promise<RetentionSettings> {
  const row = await db
    .selectFrom('council_settings')
    .select(['snapshot_retention_months', 'access_log_retention_months'])
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  // no row at all: a council set up since retention existed, which has the defaults
  if (!row) return { ...RETENTION_DEFAULTS };
  return { snapshotMonths: row.snapshot_retention_months, accessLogMonths: row.access_log_retention_months };
}

function readMonths(value: unknown, field: string, what: string, range: { min: number; max: number }) {
  const text = typeof value === 'string' ? value.trim() : '';
  const between = `Enter how many months ${what} are kept, from ${range.min} to ${range.max}`;
  if (text === '') return { field, message: between };
  if (!/^\d+$/.test(text)) return { field, message: 'Enter the number of months as a whole number, like 24' };
  const n = Number(text);
  if (n < range.min || n > range.max) return { field, message: between };
  return n;
}

/** "not set" or "24 months", for the security log. */
function monthsInWords(months: number | null): string {
  return months === null ? 'not set' : `${months} months`;
}

/**
 * Saves how long snapshots and access-log entries are kept (ValidationError: nothing saved). The
 * change, old and new values and who made it, goes in the security log in the same transaction:
 * shortening how long the access log is kept is something the people in it can do, so it must
 * leave a record.
 */
export async function saveRetentionSettings(
  db: Db,
  councilId: string,
  input: { snapshotMonths?: unknown; accessLogMonths?: unknown },
  actorId: string | null,
): Promise<{ snapshotMonths: number; accessLogMonths: number }> {
  const snapshots = readMonths(input.snapshotMonths, 'snapshotMonths', 'snapshots', SNAPSHOT_MONTHS);
  const accessLog = readMonths(
    input.accessLogMonths,
    'accessLogMonths',
    'access-log entries',
    ACCESS_LOG_MONTHS,
  );
  const errors = [snapshots, accessLog].filter((r): r is FieldError => typeof r !== 'number');
  if (errors.length || typeof snapshots !== 'number' || typeof accessLog !== 'number')
    throw new ValidationError(errors);
  const values = { snapshot_retention_months: snapshots, access_log_retention_months: accessLog };
  await inTransaction(db, async (trx) => {
    const before = await getRetentionSettings(trx, councilId);
    await trx
      .insertInto('council_settings')
      // a council without settings yet: its phase lengths are the defaults until it saves its own
      .values({ council_id: councilId, phase_lengths: '{}', ...values })
      .onConflict((oc) => oc.column('council_id').doUpdateSet({ ...values, updated_at: new Date() }))
      .execute();
    await recordSecurityEvent(trx, {
      councilId,
      kind: 'retention_changed',
      actorId,
      subjectId: null,
      detail: {
        snapshots: `${monthsInWords(before.snapshotMonths)}, now ${monthsInWords(snapshots)}`,
        accessLog: `${monthsInWords(before.accessLogMonths)}, now ${monthsInWords(accessLog)}`,
      },
    });
  });
  return { snapshotMonths: snapshots, accessLogMonths: accessLog };
}

/**
 * Removes one council's snapshots and access-log entries older than its settings allow, as of
 * `today`, and records what it removed (zero included, so the page can say when it last ran). A
 * kind not set yet (a council here before retention existed) is left alone and not recorded. One
 * transaction: all of it or none.
 */
export async function applyRetention(db: Db, councilId: string, today: string): Promise<RetentionRun[]> {
  const settings = await getRetentionSettings(db, councilId);
  return inTransaction(db, async (trx) => {
    const runs: { kind: RetentionKind; removed: number; cut_off: string }[] = [];
    if (settings.snapshotMonths !== null) {
      const cutOff = addMonths(today, -settings.snapshotMonths);
      const snapshots = await trx
        .deleteFrom('snapshots')
        .where('council_id', '=', councilId)
        // a snapshot an import is still building is its to finish or remove
        .where('state', '=', 'ready')
        .where('as_of', '<', cutOff)
        // the data a sample was drawn from stays while the sample (its audits, its cohort) does
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('samples').select('samples.id').whereRef('samples.snapshot_id', '=', 'snapshots.id'),
            ),
          ),
        )
        // and the council's current data is never removed, however old
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('latest_snapshots')
                .select('latest_snapshots.id')
                .whereRef('latest_snapshots.id', '=', 'snapshots.id'),
            ),
          ),
        )
        .executeTakeFirst();
      runs.push({ kind: 'snapshots', removed: Number(snapshots.numDeletedRows), cut_off: cutOff });
    }
    if (settings.accessLogMonths !== null) {
      const cutOff = addMonths(today, -settings.accessLogMonths);
      const accessLog = await trx
        .deleteFrom('access_log')
        .where('council_id', '=', councilId)
        .where('viewed_at', '<', sql<Date>`(${cutOff}::date)::timestamp at time zone 'Europe/London'`)
        .executeTakeFirst();
      runs.push({ kind: 'access_log', removed: Number(accessLog.numDeletedRows), cut_off: cutOff });
    }
    if (runs.length === 0) return [];
    const saved = await trx
      .insertInto('retention_runs')
      .values(runs.map((r) => ({ council_id: councilId, ...r })))
      .returning(['kind', 'ran_at', 'removed', 'cut_off'])
      .execute();
    return saved.map((r) => ({ kind: r.kind, ranAt: r.ran_at, removed: r.removed, cutOff: r.cut_off }));
  });
}

/** One or more councils could not be done; the others were. Says which kind of failure only. */
export class RetentionFailed extends Error {
  readonly failed: number;
  constructor(failed: number) {
    super(`Retention could not be applied for ${failed} council(s); the others were done`);
    this.name = 'RetentionFailed';
    this.failed = failed;
  }
}

/**
 * The daily job: every council in turn, each as its own council (which the database holds it to),
 * then the rate limits' spent counters and sign-in failures older than a day (held by address, not
 * by council). A council that fails is logged (its id and the kind of failure) and the rest carry
 * on; the job then fails, so the queue tries it again. Counts only.
 */
export async function applyRetentionToAll(
  db: Db,
  today: string,
  log?: { error(obj: object, msg: string): void },
): Promise<{
  councils: number;
  snapshots: number;
  accessLog: number;
  counters: number;
  signInFailures: number;
}> {
  const councils = await acrossCouncils('retention visits every council, one by one', () =>
    db.selectFrom('councils').select('id').orderBy('id').execute(),
  );
  let snapshots = 0;
  let accessLog = 0;
  let failed = 0;
  for (const council of councils) {
    try {
      for (const run of await withCouncil(council.id, () => applyRetention(db, council.id, today))) {
        if (run.kind === 'snapshots') snapshots += run.removed;
        else accessLog += run.removed;
      }
    } catch (err) {
      failed += 1;
      log?.error({ councilId: council.id, failure: failureKind(err) }, 'retention failed for a council');
    }
  }
  const counters = await sweepRateLimitCounters(db);
  const signInFailures = await forgetOldSignInFailures(db);
  if (failed > 0) throw new RetentionFailed(failed);
  return { councils: councils.length, snapshots, accessLog, counters, signInFailures };
}

/**
 * The settings and, for each kind, when the job last ran and when it last removed something: a run
 * that removed nothing (as most nights, or a retry) does not hide the last real removal.
 */
export async function retentionPage(db: Db, councilId: string) {
  const settings = await getRetentionSettings(db, councilId);
  const latest = async (
    kind: RetentionKind,
    removedSomething: boolean,
  ): Promise<RetentionRun | undefined> => {
    let q = db
      .selectFrom('retention_runs')
      .select(['kind', 'ran_at', 'removed', 'cut_off'])
      .where('council_id', '=', councilId)
      .where('kind', '=', kind);
    if (removedSomething) q = q.where('removed', '>', 0);
    const row = await q.orderBy('ran_at', 'desc').limit(1).executeTakeFirst();
    return row && { kind, ranAt: row.ran_at, removed: row.removed, cutOff: row.cut_off };
  };
  return {
    settings,
    snapshots: { last: await latest('snapshots', false), lastRemoval: await latest('snapshots', true) },
    accessLog: { last: await latest('access_log', false), lastRemoval: await latest('access_log', true) },
  };
}
