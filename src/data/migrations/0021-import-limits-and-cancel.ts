import { type Kysely, sql } from 'kysely';

/**
 * Limits on what one import may read, and a way to cancel one (issue 22: a 3.3 MB zip of 10
 * million rows held the import queue for 40 minutes, with no way to stop it). Each council sets
 * the most rows and megabytes (once uncompressed) one import may read; every council, those
 * already here included, starts at 5,000,000 rows and 2,048 MB (src/domain/import-limits.ts says
 * why). A job may be cancelled by a QA lead: `cancelled_by` and `cancelled_at` are set at once,
 * and the job ends `cancelled` when it was waiting, or at its next batch of rows when it was being
 * read elsewhere (its reader sees them on the job's row).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table council_settings
      add column import_max_rows integer not null default 5000000 check (import_max_rows > 0),
      add column import_max_megabytes integer not null default 2048 check (import_max_megabytes > 0)
  `.execute(db);
  await sql`alter table import_jobs drop constraint if exists import_jobs_state_check`.execute(db);
  await sql`
    alter table import_jobs
      add constraint import_jobs_state_check
        check (state in ('queued', 'running', 'done', 'refused', 'failed', 'cancelled')),
      add column cancelled_by uuid references staff (id) on delete set null,
      add column cancelled_at timestamptz
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`update import_jobs set state = 'failed' where state = 'cancelled'`.execute(db);
  await sql`alter table import_jobs drop constraint if exists import_jobs_state_check`.execute(db);
  await sql`
    alter table import_jobs
      drop column cancelled_at,
      drop column cancelled_by,
      add constraint import_jobs_state_check
        check (state in ('queued', 'running', 'done', 'refused', 'failed'))
  `.execute(db);
  await sql`
    alter table council_settings drop column import_max_megabytes, drop column import_max_rows
  `.execute(db);
}
