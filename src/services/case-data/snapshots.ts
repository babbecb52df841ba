import { hostname } from 'node:os';
import { sql } from 'kysely';
import { type Db, dbConnection } from '../../data/db.ts';
import type { Database } from '../../data/schema.ts';
import { sourceLabel } from '../../domain/snapshot-sources.ts';

/** A snapshot: the council's case data as an extract gave it on a date. */
export interface Snapshot {
  id: string;
  asOf: string;
  isLatest: boolean;
}

/** An import that went into a snapshot: which file, who or what sent it, when, and its rows. */
export interface SnapshotImport {
  id: string;
  fileName: string;
  format: string;
  /** the command, the upload page or the data warehouse */
  source: 'command' | 'web' | 'api';
  startedBy: string | null;
  startedAt: Date;
  finishedAt: Date | null;
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
}

export interface SnapshotSummary extends Snapshot {
  /** every child the snapshot lists, once */
  children: number;
  /** what it holds, as people say it, with the children each source lists */
  sources: { source: string; label: string; children: number }[];
  /** imports into it, latest first */
  imports: SnapshotImport[];
}

/** The council's latest snapshot: what samples, home pages and child records read. */
export async function latestSnapshot(db: Db, councilId: string): Promise<Snapshot | undefined> {
  const row = await db
    .selectFrom('latest_snapshots')
    .select(['id', 'as_of'])
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  return row && { id: row.id, asOf: row.as_of, isLatest: true };
}

/**
 * One of the council's snapshots, by id or by its date; undefined when the council has no such
 * snapshot (another council's snapshot included).
 */
export async function findSnapshot(
  db: Db,
  councilId: string,
  by: { id: string } | { asOf: string },
): Promise<Snapshot | undefined> {
  let query = db
    .selectFrom('snapshots as s')
    .leftJoin('latest_snapshots as ls', 'ls.id', 's.id')
    .select(['s.id', 's.as_of', 'ls.id as latest_id'])
    .where('s.council_id', '=', councilId)
    .where('s.state', '=', 'ready');
  query = 'id' in by ? query.where('s.id', '=', by.id) : query.where('s.as_of', '=', by.asOf);
  const row = await query.executeTakeFirst();
  return row && { id: row.id, asOf: row.as_of, isLatest: row.latest_id !== null };
}

/**
 * The council's snapshots, newest first, each with the children it lists, the sources it holds
 * and the imports that went into it.
 */
export async function listSnapshots(db: Db, councilId: string): Promise<SnapshotSummary[]> {
  const [snapshots, latest, sources, totals, imports] = await Promise.all([
    db
      .selectFrom('snapshots')
      .select(['id', 'as_of'])
      .where('council_id', '=', councilId)
      .where('state', '=', 'ready')
      .orderBy('as_of', 'desc')
      .execute(),
    latestSnapshot(db, councilId),
    db
      .selectFrom('snapshot_children')
      .select(['snapshot_id', 'source', (eb) => eb.fn.count<number>('child_id').distinct().as('children')])
      .where('council_id', '=', councilId)
      .groupBy(['snapshot_id', 'source'])
      .orderBy('source')
      .execute(),
    db
      .selectFrom('snapshot_children')
      .select(['snapshot_id', (eb) => eb.fn.count<number>('child_id').distinct().as('children')])
      .where('council_id', '=', councilId)
      .groupBy('snapshot_id')
      .execute(),
    db
      .selectFrom('imports as i')
      .leftJoin('staff as s', 's.id', 'i.started_by')
      .select([
        'i.id',
        'i.snapshot_id',
        'i.file_name',
        'i.format',
        'i.source',
        's.name as started_by',
        'i.started_at',
        'i.finished_at',
        'i.rows_read',
        'i.rows_accepted',
        'i.rows_rejected',
      ])
      .where('i.council_id', '=', councilId)
      .where('i.snapshot_id', 'is not', null)
      .orderBy('i.started_at', 'desc')
      .execute(),
  ]);
  const childrenOf = new Map(totals.map((t) => [t.snapshot_id, Number(t.children)]));
  return snapshots.map((s) => ({
    id: s.id,
    asOf: s.as_of,
    isLatest: s.id === latest?.id,
    children: childrenOf.get(s.id) ?? 0,
    sources: sources
      .filter((x) => x.snapshot_id === s.id)
      .map((x) => ({ source: x.source, label: sourceLabel(x.source), children: Number(x.children) })),
    imports: imports
      .filter((i) => i.snapshot_id === s.id)
      .map((i) => ({
        id: i.id,
        fileName: i.file_name,
        format: i.format,
        source: i.source,
        startedBy: i.started_by,
        startedAt: i.started_at,
        finishedAt: i.finished_at,
        rowsRead: i.rows_read,
        rowsAccepted: i.rows_accepted,
        rowsRejected: i.rows_rejected,
      })),
  }));
}

/** The snapshot of a council's case data on a date, made when there is none yet: its id. */
export async function snapshotOfDate(db: Db, councilId: string, asOf: string): Promise<string> {
  const row = await db
    .insertInto('snapshots')
    .values({ council_id: councilId, as_of: asOf })
    // only ready snapshots are one a date: one an import is building is never this
    .onConflict((oc) =>
      oc
        .columns(['council_id', 'as_of'])
        .where('state', '=', 'ready')
        .doUpdateSet({ updated_at: new Date() }),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Marks a snapshot as changed (its rows were written or re-pointed), so the next cohort that reads
 * it works its case summary out again (src/services/sampling/cohort-query.ts).
 */
export async function markSnapshotChanged(db: Db, snapshotId: string): Promise<void> {
  // The lock ensureSnapshotCases holds while it works the summary out (until this transaction
  // ends): a summary begun before this change committed cannot then count as newer than it.
  await sql`select pg_advisory_xact_lock(hashtext(${`snapshot_cases:${snapshotId}`}))`.execute(db);
  await sql`update snapshots set updated_at = clock_timestamp() where id = ${snapshotId}`.execute(db);
}

/** This process, as a snapshot it builds names it: host name and process number. */
export const BUILDER = `${hostname()}:${process.pid}`;
/** The snapshots this process is building now: never taken for abandoned. */
const building = new Set<string>();
/**
 * A snapshot being built by another process, untouched this long (its builder touches it every
 * 30 seconds while at work), was left by a process that stopped.
 */
const ABANDONED_AFTER = '2 minutes';
/** Rows removed at a time from an abandoned snapshot, so that pages are answered in between. */
const DISCARD_BATCH = 5_000;

/**
 * Starts a snapshot of a date built aside (migration 0022): nobody reads it until
 * `makeCurrent`; its id.
 */
export async function beginBuilding(db: Db, councilId: string, asOf: string): Promise<string> {
  const row = await db
    .insertInto('snapshots')
    .values({ council_id: councilId, as_of: asOf, state: 'building', builder: BUILDER })
    .returning('id')
    .executeTakeFirstOrThrow();
  building.add(row.id);
  return row.id;
}

/**
 * Makes a snapshot built aside current, in the caller's (short) transaction: when the council has
 * no snapshot of its date yet it simply becomes it; otherwise its rows join that snapshot's, in
 * place of what that held from the sources it replaces. The id of the current snapshot of the date.
 */
export async function makeCurrent(
  trx: Db,
  built: { id: string; councilId: string; asOf: string; replaces: readonly string[] },
  tables: readonly (keyof Database)[],
): Promise<{ snapshotId: string; before: Map<string, number> }> {
  // one import at a time makes a council's date current
  await sql`select pg_advisory_xact_lock(hashtext(${`snapshot of ${built.councilId} on ${built.asOf}`}))`.execute(
    trx,
  );
  const current = await trx
    .selectFrom('snapshots')
    .select('id')
    .where('council_id', '=', built.councilId)
    .where('as_of', '=', built.asOf)
    .where('state', '=', 'ready')
    .executeTakeFirst();
  if (!current) {
    await trx
      .updateTable('snapshots')
      .set({ state: 'ready', builder: null, updated_at: new Date() })
      .where('id', '=', built.id)
      .execute();
    building.delete(built.id);
    return { snapshotId: built.id, before: new Map() };
  }
  const before = await childrenBySource(trx, current.id);
  for (const table of tables) {
    if (built.replaces.length)
      await sql`delete from ${sql.table(table)} where snapshot_id = ${current.id} and source in (${sql.join(built.replaces)})`.execute(
        trx,
      );
    await sql`update ${sql.table(table)} set snapshot_id = ${current.id} where snapshot_id = ${built.id}`.execute(
      trx,
    );
  }
  await trx.deleteFrom('snapshots').where('id', '=', built.id).execute();
  building.delete(built.id);
  return { snapshotId: current.id, before };
}

/** The children each source lists in one snapshot. */
async function childrenBySource(db: Db, snapshotId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('snapshot_children')
    .select(['source', (eb) => eb.fn.count<string>('child_id').distinct().as('children')])
    .where('snapshot_id', '=', snapshotId)
    .groupBy('source')
    .execute();
  return new Map(rows.map((r) => [r.source, Number(r.children)]));
}

/**
 * Removes a snapshot that was being built and never made current (its import refused, failed or
 * stopped), with its rows, a few thousand at a time, and the children its import added that no
 * other snapshot lists. Nobody ever saw any of it.
 */
export async function discardBuilding(db: Db, snapshotId: string, tables: readonly (keyof Database)[]) {
  for (const table of tables) {
    for (;;) {
      const removed = await sql`delete from ${sql.table(table)} where id in (
          select id from ${sql.table(table)} where snapshot_id = ${snapshotId} limit ${DISCARD_BATCH})`.execute(
        db,
      );
      if (Number(removed.numAffectedRows ?? 0) < DISCARD_BATCH) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  await sql`delete from children c where c.staged_in = ${snapshotId}
    and not exists (select 1 from snapshot_children sc where sc.child_id = c.id)`.execute(db);
  await db.deleteFrom('snapshots').where('id', '=', snapshotId).where('state', '=', 'building').execute();
  building.delete(snapshotId);
}

/**
 * Removes the snapshots whose builder stopped before making them current (killed, say), and the
 * rows written into them: one built by this process and no longer at work; on the embedded
 * database any other process's (only one process opens it, so another is gone); on PostgreSQL one
 * untouched for two minutes. The council's only, or every council's when run across councils.
 */
export async function clearAbandonedSnapshots(
  db: Db,
  tables: readonly (keyof Database)[],
  councilId?: string,
): Promise<number> {
  const embedded = dbConnection(db)?.kind === 'embedded';
  let query = db
    .selectFrom('snapshots')
    .select('id')
    .where('state', '=', 'building')
    .where((eb) =>
      embedded
        ? eb.val(true)
        : eb.or([
            eb('builder', '=', BUILDER),
            eb('updated_at', '<', sql<Date>`now() - ${ABANDONED_AFTER}::interval`),
          ]),
    );
  if (councilId) query = query.where('council_id', '=', councilId);
  const left = (await query.execute()).filter((s) => !building.has(s.id));
  for (const s of left) await discardBuilding(db, s.id, tables);
  return left.length;
}
