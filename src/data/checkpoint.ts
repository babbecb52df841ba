import { type Db, dbConnection } from './db.ts';

/**
 * How much log the embedded database may write before it is checkpointed. PGlite runs PostgreSQL as
 * a single process with no checkpointer, so left alone it checkpoints only when it is closed: after
 * a `kill -9` (or a power cut) it then replays every change since it was opened, which after a large
 * import took most of a minute before the app could answer. Kept to this, a restart replays seconds.
 */
export const CHECKPOINT_AFTER_BYTES = 64 * 1024 * 1024;

/** How often `qaloop serve` looks whether the embedded database needs a checkpoint. */
export const CHECKPOINT_EVERY_MS = 30_000;

/**
 * Checkpoints the embedded database when more than `afterBytes` of log has been written since its
 * last checkpoint (everything in the log goes into the data files, so a restart after a crash has
 * only the log since then to replay). Does nothing on PostgreSQL, whose own checkpointer does it.
 * Resolves to whether it checkpointed.
 */
export async function checkpointEmbedded(db: Db, afterBytes = CHECKPOINT_AFTER_BYTES): Promise<boolean> {
  const connection = dbConnection(db);
  if (connection?.kind !== 'embedded') return false;
  // On the PGlite itself, as the owner (who may read the control file and checkpoint), waiting its
  // turn on the one connection like any other statement.
  const { rows } = await connection.pglite.query<{ behind: number }>(
    'select (pg_current_wal_lsn() - redo_lsn)::float8 as behind from pg_control_checkpoint()',
  );
  if ((rows[0]?.behind ?? 0) <= afterBytes) return false;
  await connection.pglite.exec('checkpoint');
  return true;
}
