import { type Kysely, sql } from 'kysely';

/**
 * Closing the loop (issue 18): the council's improvement plan (areas of the service, outcomes with a
 * lead and a red/amber/green rating per locality and overall, every change of rating kept with who,
 * when and why, dated updates), imported from the Word document or spreadsheet the council already
 * has through a preview kept here; the audit measures each outcome is judged by, with the council's
 * thresholds for a suggested rating; each progress report produced, so the next can say what
 * changed; and who attended each learning session, by person.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One plan at a time is current; an older one is archived, never deleted. The thresholds for a
  // suggested rating are the plan's: the fewest audits before a figure is rated, and whether green
  // needs the whole interval at or above the target (or only the figure), and red the whole
  // interval below it (or only the figure).
  await sql`
    create table improvement_plans (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      title text not null check (char_length(title) between 1 and 200),
      status text not null default 'current' check (status in ('current', 'archived')),
      source text not null default '',
      minimum_count integer not null default 10 check (minimum_count between 1 and 1000),
      green_when text not null default 'interval_above' check (green_when in ('interval_above', 'figure_above')),
      red_when text not null default 'interval_below' check (red_when in ('interval_below', 'figure_below')),
      created_by uuid references staff (id) on delete set null,
      created_at timestamptz not null default now(),
      unique (council_id, id)
    )
  `.execute(db);
  await sql`create unique index improvement_plans_one_current on improvement_plans (council_id) where status = 'current'`.execute(
    db,
  );

  // Areas of the service: "1 First Response", with what the council wants to see and what needs to
  // change, each a list kept one item per line.
  await sql`
    create table plan_areas (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      plan_id uuid not null,
      number text not null default '' check (char_length(number) <= 10),
      title text not null check (char_length(title) between 1 and 200),
      want_to_see text not null default '' check (char_length(want_to_see) <= 10000),
      needs_to_change text not null default '' check (char_length(needs_to_change) <= 10000),
      position integer not null default 0,
      unique (council_id, id),
      foreign key (council_id, plan_id) references improvement_plans (council_id, id) on delete cascade
    )
  `.execute(db);
  await sql`create index plan_areas_plan on plan_areas (plan_id, position)`.execute(db);

  // Outcomes: "2.5 Child-centred plans are SMART…", led by a job title or team as the plan words
  // it, and by a person in QA Loop who may rate it and write its updates.
  await sql`
    create table plan_outcomes (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      plan_id uuid not null,
      area_id uuid not null,
      ref text not null check (char_length(ref) between 1 and 20),
      outcome text not null check (char_length(outcome) between 1 and 1000),
      lead text not null default '' check (char_length(lead) <= 200),
      lead_staff_id uuid references staff (id) on delete set null,
      due_on date,
      evidence_notes text not null default '' check (char_length(evidence_notes) <= 10000),
      position integer not null default 0,
      unique (council_id, id),
      unique (plan_id, ref),
      foreign key (council_id, plan_id) references improvement_plans (council_id, id) on delete cascade,
      foreign key (council_id, area_id) references plan_areas (council_id, id) on delete cascade
    )
  `.execute(db);
  await sql`create index plan_outcomes_area on plan_outcomes (area_id, position)`.execute(db);
  await sql`create index plan_outcomes_lead on plan_outcomes (lead_staff_id) where lead_staff_id is not null`.execute(
    db,
  );

  // Every rating given, never changed or deleted: the current rating of an outcome for a locality
  // (or overall, locality_id null) is its latest row. The suggestion shown when it was set, and
  // the reason, required when the rating differs from a suggestion.
  await sql`
    create table plan_ratings (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      outcome_id uuid not null,
      locality_id uuid references localities (id) on delete cascade,
      rag text not null check (rag in ('red', 'amber', 'green', 'complete', 'not_started')),
      suggested text check (suggested in ('red', 'amber', 'green', 'too_few')),
      reason text not null default '' check (char_length(reason) <= 2000),
      source text not null default 'app' check (source in ('app', 'import')),
      set_by uuid references staff (id) on delete set null,
      set_at timestamptz not null default now(),
      foreign key (council_id, outcome_id) references plan_outcomes (council_id, id) on delete cascade
    )
  `.execute(db);
  await sql`create index plan_ratings_outcome on plan_ratings (outcome_id, locality_id, set_at)`.execute(db);

  // Dated updates on an outcome: what was done, what the evidence shows.
  await sql`
    create table plan_updates (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      outcome_id uuid not null,
      written_on date not null,
      text text not null check (char_length(text) between 1 and 5000),
      written_by uuid references staff (id) on delete set null,
      created_at timestamptz not null default now(),
      foreign key (council_id, outcome_id) references plan_outcomes (council_id, id) on delete cascade
    )
  `.execute(db);
  await sql`create index plan_updates_outcome on plan_updates (outcome_id, written_on)`.execute(db);

  // The audit measures an outcome is judged by. kind: 'section' (an audit tool's section, by its
  // lineage, good or better), 'theme' (audits with a practice theme found), 'question' (a
  // dip-sample question answered with `answer`), 'actions_on_time' (audit actions done by their
  // due date), 'oversight' (audits whose manager recorded their oversight). target 0–1; better says
  // which way is good.
  await sql`
    create table plan_measures (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      outcome_id uuid not null,
      kind text not null check (kind in ('section', 'theme', 'question', 'actions_on_time', 'oversight')),
      tool_id uuid references audit_tools (id) on delete cascade,
      section_lineage text,
      question_key text,
      answer text,
      theme_key text,
      target double precision not null default 0.8 check (target >= 0 and target <= 1),
      better text not null default 'higher' check (better in ('higher', 'lower')),
      label text not null check (char_length(label) between 1 and 300),
      position integer not null default 0,
      created_by uuid references staff (id) on delete set null,
      created_at timestamptz not null default now(),
      foreign key (council_id, outcome_id) references plan_outcomes (council_id, id) on delete cascade,
      check (kind <> 'section' or (tool_id is not null and section_lineage is not null)),
      check (kind <> 'question' or (tool_id is not null and question_key is not null and answer is not null)),
      check (kind <> 'theme' or theme_key is not null)
    )
  `.execute(db);
  await sql`create index plan_measures_outcome on plan_measures (outcome_id, position)`.execute(db);

  // A plan read from a file, kept until it is confirmed or discarded: what was read and the rows
  // that could not be.
  await sql`
    create table plan_imports (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      file_name text not null,
      format text not null check (format in ('docx', 'xlsx', 'csv')),
      read jsonb not null,
      problems jsonb not null default '[]',
      status text not null default 'preview' check (status in ('preview', 'applied', 'discarded')),
      plan_id uuid references improvement_plans (id) on delete set null,
      uploaded_by uuid references staff (id) on delete set null,
      created_at timestamptz not null default now(),
      decided_at timestamptz
    )
  `.execute(db);
  await sql`create index plan_imports_council on plan_imports (council_id, created_at)`.execute(db);

  // Each progress report produced for the improvement board, so the next says what changed since.
  await sql`
    create table plan_reports (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      plan_id uuid not null,
      produced_at timestamptz not null default now(),
      produced_by uuid references staff (id) on delete set null,
      version text not null default 'full' check (version in ('full', 'publication')),
      foreign key (council_id, plan_id) references improvement_plans (council_id, id) on delete cascade
    )
  `.execute(db);
  await sql`create index plan_reports_plan on plan_reports (plan_id, produced_at)`.execute(db);

  // Who attended each learning session, by person, besides the count.
  await sql`
    create table learning_session_attendees (
      session_id uuid not null references learning_sessions (id) on delete cascade,
      council_id uuid not null references councils (id) on delete cascade,
      staff_id uuid not null references staff (id) on delete cascade,
      added_by uuid references staff (id) on delete set null,
      added_at timestamptz not null default now(),
      primary key (session_id, staff_id)
    )
  `.execute(db);
  await sql`create index learning_session_attendees_staff on learning_session_attendees (council_id, staff_id)`.execute(
    db,
  );

  // How far either side of a learning session its before-and-after comparison looks, in months.
  await sql`
    alter table council_settings
      add column learning_window_months integer not null default 6 check (learning_window_months between 1 and 24)
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table council_settings drop column if exists learning_window_months`.execute(db);
  for (const table of [
    'learning_session_attendees',
    'plan_reports',
    'plan_imports',
    'plan_measures',
    'plan_updates',
    'plan_ratings',
    'plan_outcomes',
    'plan_areas',
    'improvement_plans',
  ])
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
}
