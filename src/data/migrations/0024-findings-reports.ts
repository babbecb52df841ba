import { type Kysely, sql } from 'kysely';
import { applyRowLevelSecurity } from '../row-level-security.ts';

/**
 * Findings (issue 23): each themed audit, dip-sample round and multi-agency audit ends in a findings
 * report built from its sample. What the figures cannot say is written by the QA lead and kept here:
 * the question the audit set out to answer, the summary and the learning, the practice themes the
 * findings are about, and the earlier round of the same question to compare with. An outcome of the
 * improvement plan can cite a findings report as its evidence.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table findings_reports (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      sample_id uuid not null unique references samples (id) on delete cascade,
      question text not null default '' check (char_length(question) <= 500),
      summary text not null default '' check (char_length(summary) <= 20000),
      learning text not null default '' check (char_length(learning) <= 20000),
      compare_with_sample_id uuid references samples (id) on delete set null,
      updated_by uuid references staff (id) on delete set null,
      updated_at timestamptz not null default now(),
      check (compare_with_sample_id is null or compare_with_sample_id <> sample_id)
    )
  `.execute(db);
  await sql`create index findings_reports_council on findings_reports (council_id)`.execute(db);

  await sql`
    create table findings_themes (
      findings_id uuid not null references findings_reports (id) on delete cascade,
      council_id uuid not null references councils (id) on delete cascade,
      theme_key text not null,
      primary key (findings_id, theme_key)
    )
  `.execute(db);

  // An outcome of the improvement plan citing a findings report as evidence.
  await sql`
    create table plan_outcome_findings (
      council_id uuid not null references councils (id) on delete cascade,
      outcome_id uuid not null references plan_outcomes (id) on delete cascade,
      findings_id uuid not null references findings_reports (id) on delete cascade,
      linked_by uuid references staff (id) on delete set null,
      linked_at timestamptz not null default now(),
      primary key (outcome_id, findings_id)
    )
  `.execute(db);
  await sql`create index plan_outcome_findings_findings on plan_outcome_findings (findings_id)`.execute(db);

  await applyRowLevelSecurity(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists plan_outcome_findings, findings_themes, findings_reports`.execute(db);
}
