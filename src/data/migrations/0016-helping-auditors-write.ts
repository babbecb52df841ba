import { type Kysely, sql } from 'kysely';

/**
 * Helping auditors write good audits (issue 20): the council's own list of words that label or
 * blame children and families, beside the published guide's; writing rules the QA lead switches
 * off; each submitted audit's words and language suggestions, counted when it is submitted, so
 * reports can say whether write-ups change; good-practice exemplars, redacted and reviewed by QA
 * before auditors read them; and the practitioner's and their manager's reply to each section's
 * findings, before moderation.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // A council's own words to point out, each with a child-centred alternative and a short why.
  await sql`
    create table language_terms (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      phrase text not null check (char_length(phrase) between 1 and 80),
      suggestion text not null check (char_length(suggestion) between 1 and 300),
      why text not null default '' check (char_length(why) <= 500),
      created_by uuid references staff (id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (council_id, id)
    )
  `.execute(db);
  await sql`create unique index language_terms_phrase on language_terms (council_id, lower(phrase))`.execute(
    db,
  );

  // Writing rules a council has switched off: a guide term by its key, the inclusive-language
  // rules, or the impact-statement rule. Absent means on.
  await sql`
    create table writing_rules_off (
      council_id uuid not null references councils (id) on delete cascade,
      rule_key text not null check (char_length(rule_key) between 1 and 120),
      switched_off_by uuid references staff (id) on delete set null,
      switched_off_at timestamptz not null default now(),
      primary key (council_id, rule_key)
    )
  `.execute(db);

  // Counted when the audit is submitted (or, for audits submitted before, when the app starts).
  await sql`alter table audits add column language_words integer check (language_words >= 0)`.execute(db);
  await sql`alter table audits add column language_suggestions integer check (language_suggestions >= 0)`.execute(
    db,
  );

  // A good-practice exemplar: a submitted audit the QA lead marked, with why; its text with the
  // child's identifying details replaced, reviewed (and corrected) by QA before it is published.
  await sql`
    create table exemplars (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      audit_id uuid not null references audits (id) on delete cascade,
      tool_id uuid references audit_tools (id) on delete set null,
      note text not null check (char_length(note) between 1 and 2000),
      status text not null default 'in_review' check (status in ('in_review', 'published', 'withdrawn')),
      redacted jsonb not null,
      marked_by uuid references staff (id) on delete set null,
      marked_at timestamptz not null default now(),
      reviewed_by uuid references staff (id) on delete set null,
      published_at timestamptz,
      withdrawn_at timestamptz,
      updated_at timestamptz not null default now(),
      unique (council_id, id),
      unique (audit_id)
    )
  `.execute(db);
  await sql`create index exemplars_tool on exemplars (council_id, tool_id, status)`.execute(db);

  // The practitioner's and their manager's reply to a submitted section's findings: once each,
  // before moderation; a disagreement carries its reason.
  await sql`
    create table audit_section_replies (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      audit_id uuid not null references audits (id) on delete cascade,
      section_key text not null,
      staff_id uuid not null references staff (id) on delete cascade,
      replied_as text not null check (replied_as in ('practitioner', 'manager')),
      agrees boolean not null,
      reason text check (reason is null or char_length(reason) <= 2000),
      created_at timestamptz not null default now(),
      unique (council_id, id),
      unique (audit_id, section_key, staff_id),
      check (agrees or (reason is not null and char_length(btrim(reason)) > 0))
    )
  `.execute(db);
  await sql`create index audit_section_replies_audit on audit_section_replies (council_id, audit_id)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table audit_section_replies`.execute(db);
  await sql`drop table exemplars`.execute(db);
  await sql`alter table audits drop column language_suggestions`.execute(db);
  await sql`alter table audits drop column language_words`.execute(db);
  await sql`drop table writing_rules_off`.execute(db);
  await sql`drop table language_terms`.execute(db);
}
