import { type Kysely, sql } from 'kysely';

/**
 * The moderation panel records who sat on it and when (issue 16): each decision keeps the date the
 * panel sat and its members, chosen from the council's staff. Decisions recorded before this keep
 * neither (the page says they were not recorded).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table moderations add column panel_date date`.execute(db);
  await sql`
    create table moderation_panel_members (
      moderation_id uuid not null references moderations (id) on delete cascade,
      council_id uuid not null references councils (id) on delete cascade,
      staff_id uuid not null references staff (id),
      primary key (moderation_id, staff_id)
    )
  `.execute(db);
  await sql`create index moderation_panel_members_staff on moderation_panel_members (council_id, staff_id)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table moderation_panel_members`.execute(db);
  await sql`alter table moderations drop column panel_date`.execute(db);
}
