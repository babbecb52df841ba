import { sql, type Transaction } from 'kysely';
import type { Db } from './db.ts';
import type { Database } from './schema.ts';

/** Runs fn in a transaction, or inside the caller's transaction when there already is one. */
export async function inTransaction<T>(db: Db, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Transaction<Database>);
  return db.transaction().execute(fn);
}

/**
 * Runs a large read (a cohort over a whole snapshot) in a transaction with room to sort and hash
 * in memory (work_mem for this transaction only), so it does not spill to disk, and without JIT
 * compilation, which costs more than it saves on these.
 */
export async function inAnalyticsTransaction<T>(
  db: Db,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return inTransaction(db, async (trx) => {
    await sql`set local work_mem = '64MB'`.execute(trx);
    // compiling these one-off queries costs more than it saves
    await sql`set local jit = off`.execute(trx);
    return fn(trx);
  });
}
