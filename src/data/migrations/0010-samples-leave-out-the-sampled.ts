import { type Kysely, sql } from 'kysely';

/**
 * A child already in a sample of a cycle is left out of the cycle's next draw unless the QA lead
 * lets them in on purpose (domain.md §7), and so is their family when the cohort keeps one child
 * per family: each sample says which it did, and keeps the children of its cohort it left out with
 * the child and sample that left each out, for its page and to draw it again exactly. Also: the
 * example "Care leavers" cohort a council has kept as it was is aged 16 to 25, as its description
 * says.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table samples add column include_sampled boolean not null default false`.execute(db);
  await sql`
    create table sample_left_out (
      sample_id uuid not null references samples (id) on delete cascade,
      council_id uuid not null references councils (id) on delete cascade,
      child_id uuid not null references children (id),
      -- the child already in a sample of the same cycle: the child left out, or (drawing one per
      -- family) their brother or sister
      sampled_child_id uuid not null references children (id),
      -- the sample of the same cycle that child was already in
      in_sample_id uuid not null references samples (id) on delete cascade,
      primary key (sample_id, child_id, sampled_child_id, in_sample_id)
    )
  `.execute(db);

  await sql`
    update cohorts set definition = definition || '{"ageFrom": 16, "ageTo": 25}'::jsonb, updated_at = now()
    where example and lower(name) = 'care leavers'
      and definition->'statuses' = '["care_leaver"]'::jsonb
      and coalesce(definition->>'ageFrom', '') = '' and coalesce(definition->>'ageTo', '') = ''
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists sample_left_out`.execute(db);
  await sql`alter table samples drop column if exists include_sampled`.execute(db);
}
