import { type Kysely, sql } from 'kysely';

/**
 * A snapshot is built aside, then made current (issue 22): an import writes its rows into a
 * snapshot marked `building`, in many short transactions, so that on the embedded database (one
 * session) pages are answered between its batches; readers see only `ready` snapshots, and the
 * import's last, short transaction makes its rows part of the snapshot of its date. Only ready
 * snapshots are one per date. A building snapshot names the process building it, and is touched
 * as it goes, so one left by a process that stopped (or an import that failed) is known and
 * removed. Children an import adds name the snapshot that added them, so those of an import that
 * never finished are removed with it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table snapshots
      add column state text not null default 'ready' check (state in ('ready', 'building')),
      add column builder text
  `.execute(db);
  await sql`alter table snapshots drop constraint snapshots_council_as_of_key`.execute(db);
  await sql`create unique index snapshots_council_as_of_ready on snapshots (council_id, as_of) where state = 'ready'`.execute(
    db,
  );
  await sql`create index snapshots_building on snapshots (council_id) where state = 'building'`.execute(db);
  await sql`alter table children add column staged_in uuid`.execute(db);
  await sql`create index children_staged_in on children (staged_in) where staged_in is not null`.execute(db);
  await latestSnapshotsView(db, `where state = 'ready'`);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await latestSnapshotsView(db, '');
  await sql`delete from snapshots where state = 'building'`.execute(db);
  await sql`alter table children drop column staged_in`.execute(db);
  await sql`drop index snapshots_council_as_of_ready`.execute(db);
  await sql`alter table snapshots add constraint snapshots_council_as_of_key unique (council_id, as_of)`.execute(
    db,
  );
  await sql`alter table snapshots drop column builder, drop column state`.execute(db);
}

/** The latest snapshot of each council, reading its tables as the one asking (as migration 0019 set). */
async function latestSnapshotsView(db: Kysely<unknown>, where: string) {
  const invoker = await sql<{ supported: boolean }>`
    select current_setting('server_version_num')::int >= 150000 as supported`.execute(db);
  const options = invoker.rows[0]?.supported ? sql.raw(' with (security_invoker = true)') : sql.raw('');
  await sql`create or replace view latest_snapshots${options} as
    select distinct on (council_id) id, council_id, as_of from snapshots ${sql.raw(where)}
    order by council_id, as_of desc`.execute(db);
}
