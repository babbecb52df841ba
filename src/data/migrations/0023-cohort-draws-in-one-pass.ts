import { type Kysely, sql } from 'kysely';

/**
 * Each child's case reference kept in the snapshot's case summary (issue 22), so that a cohort
 * that filters on nothing about the child itself (all open cases, by status, team or worker) and a
 * draw from it read the summary alone, not the children's table as well: the reference is what a
 * draw ranks by, and it never changes for a child. Summaries worked out before this lack it, so
 * they are cleared and worked out again when a cohort next reads their snapshot.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`truncate snapshot_cases, snapshot_case_builds`.execute(db);
  await sql`alter table snapshot_cases add column external_id text not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table snapshot_cases drop column external_id`.execute(db);
}
