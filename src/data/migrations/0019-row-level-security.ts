import { type Kysely, sql } from 'kysely';
import { APP_ROLE, applyRowLevelSecurity } from '../row-level-security.ts';

/**
 * Council isolation in the database: row-level security and a policy on every table holding a
 * council's data, and the app's role (not the tables' owner) granted what the app does. The
 * tables are listed from the catalogue as the migration runs, so none is missed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await applyRowLevelSecurity(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const tables = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relkind in ('r', 'p') and c.relrowsecurity`.execute(db);
  for (const t of tables.rows) {
    await sql`drop policy if exists council_isolation on ${sql.table(t.name)}`.execute(db);
    await sql`alter table ${sql.table(t.name)} disable row level security`.execute(db);
  }
  const views = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relkind = 'v'
      and 'security_invoker=true' = any (coalesce(c.reloptions, '{}'))`.execute(db);
  for (const v of views.rows) {
    await sql`alter view ${sql.table(v.name)} reset (security_invoker)`.execute(db);
  }
  // The role is server-wide and may serve other databases: it stays.
  await sql`revoke all on all tables in schema public from ${sql.raw(APP_ROLE)}`.execute(db);
}
