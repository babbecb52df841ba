import { type Kysely, sql } from 'kysely';

/**
 * Imports any instance can run (issue 21): an uploaded file is kept in the database, in chunks of
 * about a megabyte, rather than on the disk of the instance that received it, so whichever
 * instance takes the job can read it. The chunks go in the same transaction that records the
 * job's end. A job no longer has a path on disk; it records instead which instance is reading it
 * (its host name and process number), so that one stopped outright can be told apart from one
 * still at work.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table import_upload_chunks (
      job_id uuid not null references import_jobs (id) on delete cascade,
      council_id uuid not null references councils (id) on delete cascade,
      seq integer not null check (seq >= 0),
      data bytea not null,
      primary key (job_id, seq)
    )
  `.execute(db);
  // A job queued before this change had its file on one instance's disk, which no longer counts:
  // it is read as "the file was no longer there" and ends with the message saying to upload again.
  await sql`alter table import_jobs drop column stored_path`.execute(db);
  await sql`alter table import_jobs add column instance text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table import_jobs drop column if exists instance`.execute(db);
  await sql`alter table import_jobs add column stored_path text not null default ''`.execute(db);
  await sql`drop table if exists import_upload_chunks`.execute(db);
}
