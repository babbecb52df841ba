import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
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
    .where('s.council_id', '=', councilId);
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
    .onConflict((oc) => oc.columns(['council_id', 'as_of']).doUpdateSet({ updated_at: new Date() }))
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
