import { type Kysely, sql } from 'kysely';
import { applyRowLevelSecurity } from '../row-level-security.ts';

/**
 * Recurring reviews (issue 23): a cohort reviewed on a schedule (every child in an unregistered
 * placement, weekly), by a named reviewer. Each round is a sample of the cohort on the round's day
 * whose audits are allocated to the reviewer, so the audit form, submission, escalation and the
 * access log work as for any audit; `samples.review_schedule_id` marks a round's sample. One round
 * per schedule per date (the unique index), however many instances start it at once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table review_schedules (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      name text not null,
      cohort_id uuid not null references cohorts (id),
      tool_id uuid not null references audit_tools (id),
      frequency text not null check (frequency in ('weekly', 'fortnightly', 'monthly')),
      first_round_on date not null,
      -- null: every child of the cohort on the round's day
      sample_size integer check (sample_size is null or sample_size between 1 and 10000),
      reviewer_id uuid not null references staff (id),
      -- a choice question's answers counted as a concern (a yes/no question's "no" always is)
      concern_answers text[] not null default '{}',
      active boolean not null default true,
      created_by uuid references staff (id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create unique index review_schedules_name on review_schedules (council_id, lower(name))`.execute(
    db,
  );
  await sql`
    create table review_rounds (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      schedule_id uuid not null references review_schedules (id) on delete cascade,
      round_on date not null,
      due_by date not null,
      sample_id uuid not null references samples (id) on delete cascade,
      -- null: started by the periodic job
      started_by uuid references staff (id) on delete set null,
      started_at timestamptz not null default now(),
      unique (schedule_id, round_on)
    )`.execute(db);
  await sql`create index review_rounds_council on review_rounds (council_id, schedule_id, round_on)`.execute(
    db,
  );
  await sql`
    alter table samples add column review_schedule_id uuid references review_schedules (id) on delete set null
  `.execute(db);
  await applyRowLevelSecurity(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table samples drop column review_schedule_id`.execute(db);
  await sql`drop table review_rounds`.execute(db);
  await sql`drop table review_schedules`.execute(db);
}
