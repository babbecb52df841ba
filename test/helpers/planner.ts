import { sql } from 'kysely';
import type { Db } from '../../src/data/db.ts';

/**
 * The rows the database's planner believes a table holds, from its statistics: -1 until the table
 * has been analysed (src/data/planner-statistics.ts).
 */
export async function rowsThePlannerBelieves(db: Db, table: string): Promise<number> {
  const { rows } = await sql<{
    n: number;
  }>`select reltuples::float8 as n from pg_class where oid = ${table}::regclass`.execute(db);
  return Number(rows[0].n);
}
