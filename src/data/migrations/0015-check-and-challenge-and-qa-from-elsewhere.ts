import { type Kysely, sql } from 'kysely';

/**
 * The other strands of quality assurance (issue 19): each team's weekly check-and-challenge meeting
 * with its attendees and goals, the pack as it stood when the meeting was held; QA from services
 * outside the audit programme (SEN, LADO, youth justice, IRO and CP advisers, complaints, practice
 * reviews, the partnership's audits), entered by a named contributor from that service or imported,
 * collated each quarter by practice theme; partners invited to answer their section of a
 * multi-agency audit; and each child's independent reviewing officer or child protection adviser,
 * whose footprint on the file a dip sample looks at, allocated to their service manager.
 */
const ROLES_BEFORE =
  "'qa_lead','auditor','practitioner','case_manager','senior_leader','workforce_development','scrutiny_reader','administrator'";
const ROLES_AFTER = `${ROLES_BEFORE},'service_contributor','partner_contributor'`;

/** The services a council starts with; the QA lead adds more. */
const DEFAULT_SERVICES: readonly [key: string, name: string, grades: boolean, position: number][] = [
  ['sen', 'Special educational needs and EHCPs', true, 1],
  ['lado', 'LADO service', false, 2],
  ['youth_justice', 'Youth justice', true, 3],
  ['iro_cpa', 'IRO and child protection advisers', true, 4],
  ['complaints', 'Complaints', false, 5],
  ['practice_reviews', 'Local and national safeguarding practice reviews', false, 6],
  ['partnership_audits', 'Safeguarding partnership multi-agency audits', true, 7],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  // Two new roles: a service's QA contributor, and a partner invited to multi-agency audits.
  await sql.raw('alter table staff_roles drop constraint staff_roles_role_check').execute(db);
  await sql
    .raw(`alter table staff_roles add constraint staff_roles_role_check check (role in (${ROLES_AFTER}))`)
    .execute(db);
  await sql.raw('alter table role_grants drop constraint role_grants_role_check').execute(db);
  await sql
    .raw(`alter table role_grants add constraint role_grants_role_check check (role in (${ROLES_AFTER}))`)
    .execute(db);

  // ---- QA from elsewhere ----------------------------------------------------------------------
  // The services whose QA is collated: a council's list, which its QA lead extends. `grades` says
  // whether the service grades what it reviews (its entries then carry counts by grade).
  await sql`
    create table qa_services (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      key text not null check (key ~ '^[a-z0-9_]{1,40}$'),
      name text not null check (char_length(name) between 1 and 120),
      grades boolean not null default false,
      active boolean not null default true,
      position integer not null default 0,
      created_at timestamptz not null default now(),
      unique (council_id, id),
      unique (council_id, key)
    )
  `.execute(db);
  await sql`create unique index qa_services_name on qa_services (council_id, lower(name))`.execute(db);
  for (const [key, name, grades, position] of DEFAULT_SERVICES) {
    await sql`
      insert into qa_services (council_id, key, name, grades, position)
      select id, ${key}, ${name}, ${grades}, ${position} from councils`.execute(db);
  }

  // A service QA contributor belongs to one service; a partner contributor to an agency.
  await sql`alter table staff add column qa_service_id uuid references qa_services (id) on delete set null`.execute(
    db,
  );
  await sql`
    alter table staff add column partner_agency text
      check (partner_agency is null or partner_agency in ('health', 'police', 'education', 'probation', 'other'))
  `.execute(db);
  await sql`
    alter table staff add column partner_organisation text
      check (partner_organisation is null or char_length(partner_organisation) <= 200)
  `.execute(db);

  // A spreadsheet of entries imported: the file, what it held, who and when.
  await sql`
    create table service_qa_imports (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      file_name text not null,
      entries integer not null default 0,
      imported_by uuid references staff (id) on delete set null,
      imported_at timestamptz not null default now(),
      unique (council_id, id)
    )
  `.execute(db);

  // One piece of a service's QA activity over a period: what was reviewed and how many, strengths,
  // areas for development, and (for a service that grades) how many were graded each grade of the
  // council's standard scale, as {"outstanding": 2, "good": 5, ...}. It belongs to the quarter its
  // period ends in.
  await sql`
    create table service_qa_entries (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      service_id uuid not null,
      period_start date not null,
      period_end date not null,
      quarter_start date not null,
      reviewed text not null check (char_length(reviewed) between 1 and 500),
      reviewed_count integer not null check (reviewed_count between 0 and 100000),
      strengths text not null default '' check (char_length(strengths) <= 10000),
      development text not null default '' check (char_length(development) <= 10000),
      grades jsonb,
      contributor_id uuid references staff (id) on delete set null,
      source text not null default 'form' check (source in ('form', 'import')),
      import_id uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (council_id, id),
      check (period_end >= period_start),
      foreign key (council_id, service_id) references qa_services (council_id, id) on delete cascade,
      foreign key (council_id, import_id) references service_qa_imports (council_id, id) on delete set null (import_id)
    )
  `.execute(db);
  await sql`create index service_qa_entries_quarter on service_qa_entries (council_id, quarter_start, service_id)`.execute(
    db,
  );

  // The practice themes an entry found (the council's practice_themes keys).
  await sql`
    create table service_qa_entry_themes (
      entry_id uuid not null,
      council_id uuid not null references councils (id) on delete cascade,
      theme_key text not null,
      primary key (entry_id, theme_key),
      foreign key (council_id, entry_id) references service_qa_entries (council_id, id) on delete cascade
    )
  `.execute(db);
  await sql`create index service_qa_entry_themes_theme on service_qa_entry_themes (council_id, theme_key)`.execute(
    db,
  );

  // ---- Check and challenge --------------------------------------------------------------------
  // A team's meeting in a week (week_of: that week's Monday): when it was held, what was noted, and
  // the pack as the meeting saw it (kept, so the history shows what each meeting looked at).
  await sql`
    create table check_challenge_meetings (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      team_id uuid not null references teams (id) on delete cascade,
      week_of date not null check (extract(isodow from week_of) = 1),
      held_on date not null,
      notes text not null default '' check (char_length(notes) <= 10000),
      others_present text not null default '' check (char_length(others_present) <= 1000),
      pack jsonb not null,
      recorded_by uuid references staff (id) on delete set null,
      recorded_at timestamptz not null default now(),
      unique (council_id, id),
      unique (team_id, week_of)
    )
  `.execute(db);

  await sql`
    create table check_challenge_attendees (
      meeting_id uuid not null,
      council_id uuid not null references councils (id) on delete cascade,
      staff_id uuid not null references staff (id) on delete cascade,
      primary key (meeting_id, staff_id),
      foreign key (council_id, meeting_id) references check_challenge_meetings (council_id, id) on delete cascade
    )
  `.execute(db);

  // A goal a meeting set: what, who, by when. Open goals carry into the next pack until closed with
  // a note (done, or dropped with the reason), at a later meeting or between meetings.
  await sql`
    create table check_challenge_goals (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      team_id uuid not null references teams (id) on delete cascade,
      meeting_id uuid not null,
      text text not null check (char_length(text) between 1 and 1000),
      owner_id uuid references staff (id) on delete set null,
      due_on date not null,
      status text not null default 'open' check (status in ('open', 'done', 'dropped')),
      closed_note text not null default '' check (char_length(closed_note) <= 2000),
      closed_by uuid references staff (id) on delete set null,
      closed_at timestamptz,
      closed_in_meeting_id uuid,
      created_at timestamptz not null default now(),
      unique (council_id, id),
      check ((status = 'open') = (closed_at is null)),
      foreign key (council_id, meeting_id) references check_challenge_meetings (council_id, id) on delete cascade,
      foreign key (council_id, closed_in_meeting_id) references check_challenge_meetings (council_id, id) on delete set null (closed_in_meeting_id)
    )
  `.execute(db);
  await sql`create index check_challenge_goals_team on check_challenge_goals (team_id, status, due_on)`.execute(
    db,
  );

  // ---- Multi-agency audits --------------------------------------------------------------------
  // A partner invited to answer one section of a multi-agency audit, until the invitation expires.
  // Their answers as typed (draft) and as submitted; the QA lead collates them into the audit.
  await sql`
    create table audit_invitations (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      audit_id uuid not null references audits (id) on delete cascade,
      section_key text not null,
      partner_id uuid not null references staff (id) on delete cascade,
      invited_by uuid references staff (id) on delete set null,
      invited_at timestamptz not null default now(),
      expires_on date not null,
      status text not null default 'invited' check (status in ('invited', 'submitted', 'withdrawn', 'collated')),
      draft jsonb,
      answers jsonb,
      submitted_at timestamptz,
      collated_by uuid references staff (id) on delete set null,
      collated_at timestamptz,
      unique (council_id, id),
      unique (audit_id, section_key, partner_id)
    )
  `.execute(db);
  await sql`create index audit_invitations_partner on audit_invitations (partner_id, status)`.execute(db);

  // ---- IRO and CP adviser footprint -----------------------------------------------------------
  // Each child's independent reviewing officer (looked after) or child protection adviser (on a
  // plan) in a snapshot, read from the SSD's involvements by the worker's role.
  await sql`
    create table child_reviewing_officers (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      snapshot_id uuid not null references snapshots (id) on delete cascade,
      source text not null default 'ssd',
      child_id uuid not null references children (id) on delete cascade,
      staff_id uuid references staff (id) on delete set null,
      kind text not null check (kind in ('iro', 'cp_adviser')),
      worker_name text,
      start_date date,
      end_date date
    )
  `.execute(db);
  await sql`create index child_reviewing_officers_snapshot on child_reviewing_officers (snapshot_id, child_id)`.execute(
    db,
  );
  await sql`create index child_reviewing_officers_staff on child_reviewing_officers (staff_id) where staff_id is not null`.execute(
    db,
  );

  // A dip sample of the footprint of IROs or CP advisers: each audit is of the reviewing officer's
  // work on the child's file, allocated to their service manager.
  await sql`
    alter table samples add column footprint text check (footprint is null or footprint in ('iro', 'cp_adviser'))
  `.execute(db);
  await sql`alter table audits add column reviewing_officer_id uuid references staff (id) on delete set null`.execute(
    db,
  );
}
