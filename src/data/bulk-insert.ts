import { sql, type Transaction } from 'kysely';
import type { Database } from './schema.ts';

/** A column of a bulk insert and its PostgreSQL type. */
export type BulkColumn = readonly [name: string, type: string];

/**
 * Inserts many rows in one statement that carries them as a single JSON parameter, unpacked by
 * `jsonb_to_recordset`. A load of case data writes hundreds of thousands of rows: one parameter
 * instead of one per cell makes each statement several times cheaper to send and plan, most of all
 * on the embedded database. Column names and types come from the code, never from input.
 */
export async function bulkInsert(
  trx: Transaction<Database>,
  table: keyof Database,
  columns: readonly BulkColumn[],
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  if (!rows.length) return;
  const names = sql.join(columns.map(([name]) => sql.ref(name)));
  const types = sql.raw(columns.map(([name, type]) => `"${name}" ${type}`).join(', '));
  await sql`insert into ${sql.table(table)} (${names})
    select ${names} from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(${types})`.execute(trx);
}
