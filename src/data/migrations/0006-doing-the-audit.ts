import { type Kysely, sql } from 'kysely';

/**
 * Doing the audit (domain.md §2, §4, §11): drafts that keep every answer typed, the submitted
 * audit with its section results, practice themes and actions, escalations and who they went to,
 * management oversight, practitioner and family feedback (with single-use links), and the council's
 * re-audit and escalation settings.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table audits
      add column tool_version_id uuid references audit_tool_versions (id),
      add column started_at timestamptz,
      add column submitted_by uuid references staff (id),
      add column answers jsonb,
      add column overall_grade text,
      add column overall_good_or_better boolean,
      add column conversation_on date,
      add column conversation_with text check (conversation_with in ('practitioner', 'manager', 'not_held')),
      add column conversation_note text,
      add column reaudit_of_id uuid references audits (id),
      add column reaudit_due_month date
  `.execute(db);
  await sql`create index audits_auditor_status on audits (council_id, auditor_id, status)`.execute(db);
  await sql`create index audits_practitioner on audits (council_id, practitioner_id)`.execute(db);
  await sql`create index audits_team on audits (council_id, team_id)`.execute(db);
  // the newest submitted audits first (Audits, My audits)
  await sql`create index audits_submitted on audits (council_id, submitted_at desc) where status = 'submitted'`.execute(
    db,
  );
  await sql`create unique index audits_one_reaudit on audits (reaudit_of_id) where reaudit_of_id is not null`.execute(
    db,
  );

  // What has been typed, part by part (a section of the tool, the conversation, the overall
  // grade), exactly as typed: a half-written date or an unfinished sentence is kept as it is.
  // Each part carries a revision, so two people saving the same part are never silently merged.
  await sql`
    create table audit_drafts (
      audit_id uuid not null references audits (id) on delete cascade,
      part text not null,
      fields jsonb not null,
      revision integer not null default 1,
      saved_by uuid references staff (id),
      saved_at timestamptz not null default now(),
      primary key (audit_id, part)
    )
  `.execute(db);

  // One row per section of a submitted audit, on the tool's scale and as good-or-better, for reports.
  await sql`
    create table audit_section_results (
      audit_id uuid not null references audits (id) on delete cascade,
      council_id uuid not null references councils (id) on delete cascade,
      section_key text not null,
      section_lineage text not null,
      section_title text not null,
      position integer not null,
      grade text,
      grade_order integer,
      good_or_better boolean,
      primary key (audit_id, section_key)
    )
  `.execute(db);

  await sql`
    create table audit_practice_themes (
      audit_id uuid not null references audits (id) on delete cascade,
      council_id uuid not null references councils (id) on delete cascade,
      section_key text not null,
      theme_key text not null,
      primary key (audit_id, section_key, theme_key)
    )
  `.execute(db);

  await sql`
    create table audit_actions (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      audit_id uuid not null references audits (id) on delete cascade,
      section_key text,
      position integer not null default 0,
      text text not null,
      owner_id uuid not null references staff (id),
      due_on date not null,
      status text not null default 'open' check (status in ('open', 'done')),
      done_on date,
      done_by uuid references staff (id),
      done_note text,
      created_by uuid references staff (id),
      created_at timestamptz not null default now(),
      check ((status = 'done') = (done_on is not null))
    )
  `.execute(db);
  await sql`create index audit_actions_owner on audit_actions (council_id, owner_id, status)`.execute(db);
  await sql`create index audit_actions_audit on audit_actions (audit_id)`.execute(db);

  await sql`
    create table audit_oversight (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      audit_id uuid not null references audits (id) on delete cascade,
      manager_id uuid not null references staff (id),
      note text not null,
      recorded_at timestamptz not null default now()
    )
  `.execute(db);

  await sql`
    create table escalations (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      audit_id uuid not null references audits (id),
      child_id uuid not null references children (id),
      kind text not null check (kind in ('immediate', 'drift_delay')),
      found text not null,
      raised_by uuid not null references staff (id),
      raised_at timestamptz not null default now(),
      raised_before_submission boolean not null,
      response text,
      responded_by uuid references staff (id),
      responded_at timestamptz,
      last_chased_at timestamptz,
      chases integer not null default 0,
      check ((response is null) = (responded_at is null))
    )
  `.execute(db);
  await sql`create index escalations_open on escalations (council_id, responded_at)`.execute(db);
  await sql`create index escalations_audit on escalations (audit_id)`.execute(db);
  await sql`
    create table escalation_recipients (
      escalation_id uuid not null references escalations (id) on delete cascade,
      staff_id uuid not null references staff (id),
      why text not null,
      primary key (escalation_id, staff_id)
    )
  `.execute(db);
  await sql`create index escalation_recipients_staff on escalation_recipients (staff_id)`.execute(db);

  await sql`
    create table practitioner_feedback (
      audit_id uuid primary key references audits (id) on delete cascade,
      council_id uuid not null references councils (id) on delete cascade,
      staff_id uuid not null references staff (id),
      impact integer not null check (impact between 1 and 10),
      child_change text not null,
      process_change text not null,
      given_at timestamptz not null default now()
    )
  `.execute(db);

  await sql`
    create table family_feedback (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      audit_id uuid not null references audits (id) on delete cascade,
      method text not null check (method in ('phone', 'visit', 'online')),
      respondent text not null,
      answers jsonb not null,
      recorded_by uuid references staff (id),
      recorded_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`
    create table family_feedback_links (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      audit_id uuid not null references audits (id) on delete cascade,
      token_hash text not null unique,
      expires_at timestamptz not null,
      used_at timestamptz,
      created_by uuid not null references staff (id),
      created_at timestamptz not null default now()
    )
  `.execute(db);

  // messages about escalations and actions name the record they are about, so one answered or
  // done by the time the message goes is not sent
  await sql`alter table notifications add column about_id uuid`.execute(db);

  await sql`
    alter table council_settings
      add column reaudit_months integer not null default 3 check (reaudit_months between 1 and 12),
      add column reaudit_requires_improvement boolean not null default false,
      add column escalation_director_id uuid references staff (id)
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table notifications drop column about_id`.execute(db);
  await sql`
    alter table council_settings
      drop column reaudit_months,
      drop column reaudit_requires_improvement,
      drop column escalation_director_id
  `.execute(db);
  for (const table of [
    'family_feedback_links',
    'family_feedback',
    'practitioner_feedback',
    'escalation_recipients',
    'escalations',
    'audit_oversight',
    'audit_actions',
    'audit_practice_themes',
    'audit_section_results',
    'audit_drafts',
  ]) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
  await sql`drop index if exists audits_auditor_status`.execute(db);
  await sql`drop index if exists audits_practitioner`.execute(db);
  await sql`drop index if exists audits_team`.execute(db);
  await sql`drop index if exists audits_submitted`.execute(db);
  await sql`drop index if exists audits_one_reaudit`.execute(db);
  await sql`
    alter table audits
      drop column tool_version_id,
      drop column started_at,
      drop column submitted_by,
      drop column answers,
      drop column overall_grade,
      drop column overall_good_or_better,
      drop column conversation_on,
      drop column conversation_with,
      drop column conversation_note,
      drop column reaudit_of_id,
      drop column reaudit_due_month
  `.execute(db);
}
