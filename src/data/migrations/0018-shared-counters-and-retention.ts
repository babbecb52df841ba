import { type Kysely, sql } from 'kysely';

/**
 * Running several app instances on one database (issue 21): the rate limits' counters, shared by
 * every instance so that N instances do not allow N times the attempts; and how long each council
 * keeps old snapshots and access-log entries, with a record of what the daily retention job removed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per client (an address or an account, hashed: never in the clear) and route. The
  // window restarts when it has passed; rows whose window ended long ago are swept.
  await sql`
    create table rate_limit_counters (
      key text primary key,
      hits integer not null,
      window_ends_at timestamptz not null
    )
  `.execute(db);
  await sql`create index rate_limit_counters_window_ends_at on rate_limit_counters (window_ends_at)`.execute(
    db,
  );

  // Snapshots: two years, enough for a year's figures against the year before. The access log:
  // six years, the period within which a claim about a child's care may be brought (Limitation Act
  // 1980), during which a family or an investigation may ask who opened a record.
  //
  // Councils already here when this runs have not chosen: removing their older snapshots on the
  // first night after an upgrade, which cannot be undone, is not for an upgrade to decide. So their
  // settings are left empty (nothing is removed) until the QA lead or administrator saves them, and
  // every council gets a settings row now so that a row made later by another settings page cannot
  // pick up the defaults by accident. Councils set up after this get the defaults (no row yet, or a
  // row made with the column defaults).
  await sql`
    alter table council_settings
      add column snapshot_retention_months integer
        check (snapshot_retention_months between 3 and 120),
      add column access_log_retention_months integer
        check (access_log_retention_months between 12 and 300)
  `.execute(db);
  await sql`
    insert into council_settings (council_id, phase_lengths)
    select c.id, '{}'::jsonb from councils c
    where not exists (select 1 from council_settings s where s.council_id = c.id)
  `.execute(db);
  await sql`
    alter table council_settings
      alter column snapshot_retention_months set default 24,
      alter column access_log_retention_months set default 72
  `.execute(db);

  await sql`
    create table retention_runs (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      ran_at timestamptz not null default now(),
      kind text not null check (kind in ('snapshots', 'access_log')),
      removed integer not null check (removed >= 0),
      cut_off date not null
    )
  `.execute(db);
  await sql`create index retention_runs_council on retention_runs (council_id, ran_at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists retention_runs`.execute(db);
  await sql`alter table council_settings drop column if exists snapshot_retention_months, drop column if exists access_log_retention_months`.execute(
    db,
  );
  await sql`drop table if exists rate_limit_counters`.execute(db);
}
