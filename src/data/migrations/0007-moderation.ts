import { type Kysely, sql } from 'kysely';

/**
 * Moderation (domain.md §4, §6): each cycle's moderation sample (a seeded percentage plus rules),
 * the blind re-grade of each chosen audit by a moderator who is not its auditor, the panel's final
 * grade with its reason and outcome, and each audit's final grade, which is what reports count.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // the grade reports count: the overall grade when submitted, the panel's once moderated
  await sql`
    alter table audits
      add column final_grade text,
      add column final_good_or_better boolean
  `.execute(db);
  await sql`update audits set final_grade = overall_grade, final_good_or_better = overall_good_or_better
    where status = 'submitted'`.execute(db);

  await sql`
    create table moderation_plans (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      month_id uuid not null unique references programme_months (id) on delete cascade,
      percent integer not null check (percent between 0 and 100),
      seed integer not null,
      rules jsonb not null default '[]',
      confirmed_by uuid references staff (id),
      confirmed_at timestamptz,
      created_at timestamptz not null default now()
    )
  `.execute(db);

  await sql`
    create table moderations (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      audit_id uuid not null unique references audits (id) on delete cascade,
      plan_id uuid references moderation_plans (id) on delete set null,
      chosen_because text not null,
      moderator_id uuid references staff (id),
      status text not null default 'unallocated'
        check (status in ('unallocated', 'allocated', 'submitted', 'decided')),
      draft jsonb,
      section_grades jsonb,
      overall_grade text,
      quality text check (quality in ('good', 'requires_improvement', 'inadequate')),
      quality_comments text,
      submitted_at timestamptz,
      final_grade text,
      panel_reason text,
      outcome text check (outcome in ('supported', 'upgraded', 'downgraded')),
      decided_by uuid references staff (id),
      decided_at timestamptz,
      created_at timestamptz not null default now(),
      check ((status in ('allocated', 'submitted', 'decided')) = (moderator_id is not null)),
      check ((status = 'decided') = (outcome is not null))
    )
  `.execute(db);
  await sql`create index moderations_moderator on moderations (council_id, moderator_id, status)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists moderations`.execute(db);
  await sql`drop table if exists moderation_plans`.execute(db);
  await sql`alter table audits drop column final_grade, drop column final_good_or_better`.execute(db);
}
