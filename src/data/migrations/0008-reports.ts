import { type Kysely, sql } from 'kysely';

/**
 * Reports (domain.md §6): what the QA lead writes for each cycle's monthly report (strengths and
 * areas for development), with a revision so two people never overwrite each other.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table cycle_report_notes (
      month_id uuid primary key references programme_months (id) on delete cascade,
      council_id uuid not null references councils (id) on delete cascade,
      strengths text not null default '',
      areas_for_development text not null default '',
      revision integer not null default 1,
      updated_by uuid references staff (id),
      updated_at timestamptz not null default now()
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists cycle_report_notes`.execute(db);
}
