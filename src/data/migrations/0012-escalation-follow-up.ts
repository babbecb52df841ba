import { type Kysely, sql } from 'kysely';

/**
 * A response to an escalation can set a date to follow it up (issue 16). From that date, until
 * someone records the follow-up, the people it went to are chased as they were for the response:
 * `follow_up_chases` rounds so far, the last on `follow_up_last_chased_at`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table escalations
      add column follow_up_on date,
      add column follow_up_note text,
      add column follow_up_by uuid references staff (id),
      add column follow_up_at timestamptz,
      add column follow_up_last_chased_at timestamptz,
      add column follow_up_chases integer not null default 0,
      add constraint escalations_follow_up_recorded check ((follow_up_note is null) = (follow_up_at is null)),
      add constraint escalations_follow_up_dated check (follow_up_at is null or follow_up_on is not null)
  `.execute(db);
  await sql`create index escalations_follow_up_open on escalations (follow_up_on) where follow_up_on is not null and follow_up_at is null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists escalations_follow_up_open`.execute(db);
  await sql`
    alter table escalations
      drop constraint escalations_follow_up_dated,
      drop constraint escalations_follow_up_recorded,
      drop column follow_up_chases,
      drop column follow_up_last_chased_at,
      drop column follow_up_at,
      drop column follow_up_by,
      drop column follow_up_note,
      drop column follow_up_on
  `.execute(db);
}
