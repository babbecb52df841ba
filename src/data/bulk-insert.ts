import { CompiledQuery, type Kysely, PGliteAdapter, sql } from 'kysely';
import type { Database } from './schema.ts';

/** A column of a bulk insert and its PostgreSQL type. */
export type BulkColumn = readonly [name: string, type: string];

/**
 * Inserts many rows at once. Column names and types come from the code, never from input.
 *
 * PostgreSQL: `COPY … FROM STDIN` in its text format (copy-from.ts), the server's own bulk path,
 * with no JSON to build or parse. PostgreSQL refuses COPY FROM into a table whose row-level security
 * binds the one copying (the app's role, src/data/row-level-security.ts), so then the rows are
 * copied into a temporary table of the transaction's own, which holds nothing but them, and moved
 * with one INSERT … SELECT, which the council's policy checks row by row as any insert.
 *
 * Embedded database: one statement carrying the rows as a single JSON parameter, unpacked by
 * `jsonb_to_recordset`. Its COPY reads only from a file ('/dev/blob'), which the app's role may not
 * (it would need to read the server's files); measured, COPY gained little there anyway: the time
 * goes on the tables' indexes, not on reading the rows.
 */
export async function bulkInsert(
  // a transaction, or (an import building a snapshot aside) the database itself
  trx: Kysely<Database>,
  table: keyof Database,
  columns: readonly BulkColumn[],
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  if (!rows.length) return;
  if (trx.getExecutor().adapter instanceof PGliteAdapter) {
    const names = sql.join(columns.map(([name]) => sql.ref(name)));
    const types = sql.raw(columns.map(([name, type]) => `"${name}" ${type}`).join(', '));
    await sql`insert into ${sql.table(table)} (${names})
      select ${names} from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(${types})`.execute(trx);
    return;
  }
  const text = copyText(columns, rows);
  const names = columns.map(([name]) => quoteName(name)).join(', ');
  const target = quoteName(table);
  const binds = await rowSecurityBinds(trx, table);
  const staging = quoteName(`qaloop_bulk_${table}`);
  // COPY into a temporary table and the move run on one connection: in a transaction
  const run = async (db: Kysely<Database>, own: boolean) => {
    const first = [
      // A batch of an import built aside (its own transaction here) need not wait for the disk:
      // the import's last transaction, which makes its rows current, does, and that writes out
      // everything before it. A batch lost in a crash belongs to an import that never finished.
      ...(own ? ['set local synchronous_commit = off'] : []),
      ...(binds
        ? [
            `create temporary table if not exists ${staging} on commit drop as select ${names} from ${target} with no data`,
          ]
        : []),
    ];
    // no parameters: the statements go in one round trip
    if (first.length) await db.executeQuery(CompiledQuery.raw(first.join('; ')));
    if (!binds) {
      await copy(db, `copy ${target} (${names}) from stdin`, text);
      return;
    }
    await copy(db, `copy ${staging} (${names}) from stdin`, text);
    await db.executeQuery(
      CompiledQuery.raw(
        `insert into ${target} (${names}) select ${names} from ${staging}; truncate ${staging}`,
      ),
    );
  };
  if (trx.isTransaction) await run(trx, false);
  else await trx.transaction().execute((own) => run(own, true));
}

/** Whether row-level security applies to the role the connection runs as (cached per Db). */
const bindsByDb = new WeakMap<Kysely<Database>, Map<string, boolean>>();

async function rowSecurityBinds(db: Kysely<Database>, table: string): Promise<boolean> {
  const known = bindsByDb.get(db) ?? new Map<string, boolean>();
  bindsByDb.set(db, known);
  const cached = known.get(table);
  if (cached !== undefined) return cached;
  const { rows } = await sql<{
    binds: boolean;
  }>`select row_security_active(${table}::regclass) as binds`.execute(db);
  const binds = rows[0]?.binds ?? true;
  known.set(table, binds);
  return binds;
}

/** Runs a COPY … FROM STDIN on the Db's connection (the dialect's `cursor`, see db.ts). */
async function copy(db: Kysely<Database>, statement: string, text: string): Promise<void> {
  for await (const _ of db.getExecutor().stream(CompiledQuery.raw(statement, [text]), 1)) {
    // COPY returns no rows
  }
}

/**
 * Rows in COPY's text format: a line per row, tabs between values, `\N` for null, and backslash,
 * tab, new line and carriage return escaped in values (PostgreSQL's own rules). JSON columns are
 * written as JSON; dates and text as they are.
 */
export function copyText(columns: readonly BulkColumn[], rows: readonly Record<string, unknown>[]): string {
  const parts: string[] = [];
  for (const row of rows) {
    let line = '';
    for (let i = 0; i < columns.length; i++) {
      const [name, type] = columns[i];
      if (i > 0) line += '\t';
      line += copyValue(row[name], type);
    }
    parts.push(line);
  }
  parts.push('');
  return parts.join('\n');
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function copyValue(value: unknown, type: string): string {
  if (value === null || value === undefined) return '\\N';
  let text: string;
  if (type === 'jsonb' || type === 'json') text = JSON.stringify(value);
  else if (typeof value === 'string') text = value;
  else if (typeof value === 'boolean') return value ? 't' : 'f';
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`A ${type} value is not a finite number`);
    return String(value);
  } else if (value instanceof Date) return value.toISOString();
  else text = String(value);
  return NEEDS_ESCAPE.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]) : text;
}

function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
