import { type Kysely, sql } from 'kysely';

/**
 * An import that empties a list, or shrinks it by more than the council's share against the
 * snapshot before, is refused unless the person confirms it (issue 22). The share is a whole
 * percentage; every council, those already here included, starts at a third (33%), since a file
 * with only its header row once wiped a list and was reported as "Import finished". A job keeps
 * whether its sender confirmed it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table council_settings
      add column import_shrink_percent integer not null default 33
        check (import_shrink_percent between 1 and 100)
  `.execute(db);
  await sql`alter table import_jobs add column allow_shrink boolean not null default false`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table import_jobs drop column allow_shrink`.execute(db);
  await sql`alter table council_settings drop column import_shrink_percent`.execute(db);
}
