import { type Kysely, sql } from 'kysely';

/**
 * Learning sessions (domain.md §1, §2): the training the workforce development team runs on the
 * practice themes audits found, with how many people attended, so reports can show the loop being
 * closed. Sessions are tagged with practice themes by key, which stays the same when a theme is
 * renamed. No child-level data.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table learning_sessions (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      title text not null check (char_length(title) between 1 and 200),
      held_on date not null,
      format text not null
        check (format in ('workshop', 'briefing', 'e-learning', 'practice week', 'other')),
      attended integer not null check (attended >= 0),
      notes text not null default '',
      created_by uuid references staff (id) on delete set null,
      created_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index learning_sessions_council_held on learning_sessions (council_id, held_on)`.execute(
    db,
  );

  await sql`
    create table learning_session_themes (
      session_id uuid not null references learning_sessions (id) on delete cascade,
      council_id uuid not null references councils (id) on delete cascade,
      theme_key text not null,
      primary key (session_id, theme_key),
      foreign key (council_id, theme_key) references practice_themes (council_id, key)
    )
  `.execute(db);
  await sql`create index learning_session_themes_theme on learning_session_themes (council_id, theme_key)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists learning_session_themes`.execute(db);
  await sql`drop table if exists learning_sessions`.execute(db);
}
