import { type Kysely, sql } from 'kysely';

/**
 * A real council starts on QA Loop (issue 17): one-time sign-in links instead of passwords typed by
 * an administrator, sign-in through the council's OpenID provider, a second factor for local
 * accounts, throttled sign-in that nobody can use to lock another person out, role grants that a
 * QA lead confirms, a security log, the staff file and its preview, leavers, and the auditor
 * training register.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Staff: the council's own staff number (the staff file's "staff id", the SSD's prof_staff_id),
  // the day they leave, and when (and by whom or what) they were deactivated.
  await sql`
    alter table staff
      add column staff_number text,
      add column left_on date,
      add column deactivated_at timestamptz,
      add column deactivated_reason text
  `.execute(db);
  await sql`create unique index staff_council_staff_number_key on staff (council_id, lower(staff_number)) where staff_number is not null`.execute(
    db,
  );

  // Accounts: the OpenID subject recorded at the first single sign-on, a TOTP second factor, when
  // the password was last changed, and who disabled the account.
  await sql`
    alter table user_accounts
      add column oidc_issuer text,
      add column oidc_subject text,
      add column totp_secret text,
      add column totp_enabled_at timestamptz,
      add column totp_last_step bigint,
      add column password_changed_at timestamptz,
      add column disabled_at timestamptz,
      add column disabled_by uuid references staff (id),
      add constraint user_accounts_oidc_pair check ((oidc_issuer is null) = (oidc_subject is null)),
      add constraint user_accounts_totp_enabled check (totp_enabled_at is null or totp_secret is not null)
  `.execute(db);
  await sql`create unique index user_accounts_oidc_key on user_accounts (oidc_issuer, oidc_subject) where oidc_subject is not null`.execute(
    db,
  );

  // One-time sign-in links: only the id is stored; the token is the id signed with the
  // installation's secret, so any instance can check it and nobody reading this table can use one.
  await sql`
    create table sign_in_links (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      user_id uuid not null references user_accounts (id) on delete cascade,
      purpose text not null check (purpose in ('first_sign_in', 'reset')),
      created_by uuid references staff (id),
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz,
      constraint sign_in_links_expire_after_creation check (expires_at > created_at)
    )
  `.execute(db);
  await sql`create index sign_in_links_user on sign_in_links (user_id)`.execute(db);

  // Failed sign-ins, counted per account and address over a window (shared by every instance).
  await sql`
    create table sign_in_failures (
      id bigserial primary key,
      account_id uuid references user_accounts (id) on delete cascade,
      address text not null,
      failed_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index sign_in_failures_account on sign_in_failures (account_id, failed_at)`.execute(db);
  await sql`create index sign_in_failures_address on sign_in_failures (address, failed_at)`.execute(db);

  // A role that opens children's records, or any grant to oneself, waits for a QA lead to confirm it.
  await sql`
    create table role_grants (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      staff_id uuid not null references staff (id) on delete cascade,
      role text not null check (role in ('qa_lead','auditor','practitioner','case_manager','senior_leader','workforce_development','scrutiny_reader','administrator')),
      requested_by uuid references staff (id),
      requested_at timestamptz not null default now(),
      outcome text check (outcome in ('confirmed', 'refused', 'withdrawn')),
      decided_by uuid references staff (id),
      decided_at timestamptz,
      note text,
      constraint role_grants_decided check ((outcome is null) = (decided_at is null)),
      constraint role_grants_confirmed_by_another check (
        outcome is distinct from 'confirmed' or (decided_by is not null and decided_by is distinct from requested_by and decided_by <> staff_id)
      )
    )
  `.execute(db);
  await sql`create unique index role_grants_one_pending on role_grants (staff_id, role) where outcome is null`.execute(
    db,
  );
  await sql`create index role_grants_council on role_grants (council_id, requested_at desc)`.execute(db);

  // What happened to accounts: grants, links sent and used, disabling, second factors, sign-ins refused.
  await sql`
    create table security_events (
      id bigserial primary key,
      council_id uuid not null references councils (id) on delete cascade,
      at timestamptz not null default now(),
      actor_id uuid references staff (id),
      subject_id uuid references staff (id),
      kind text not null,
      detail jsonb not null default '{}'::jsonb
    )
  `.execute(db);
  await sql`create index security_events_council on security_events (council_id, at desc)`.execute(db);

  // A staff file read and shown for confirmation before anything changes.
  await sql`
    create table staff_imports (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      file_name text not null,
      uploaded_by uuid references staff (id),
      uploaded_at timestamptz not null default now(),
      as_of date not null,
      rows jsonb not null,
      errors jsonb not null default '[]'::jsonb,
      changes jsonb not null,
      status text not null default 'previewed' check (status in ('previewed', 'applied', 'discarded')),
      decided_by uuid references staff (id),
      decided_at timestamptz
    )
  `.execute(db);
  await sql`create index staff_imports_council on staff_imports (council_id, uploaded_at desc)`.execute(db);

  // An action given to someone else (a leaver's, say): who had it, who moved it and when.
  await sql`
    alter table audit_actions
      add column previous_owner_id uuid references staff (id),
      add column owner_changed_by uuid references staff (id),
      add column owner_changed_at timestamptz
  `.execute(db);

  // The auditor training register.
  await sql`
    create table audit_training_sessions (
      id uuid primary key default gen_random_uuid(),
      council_id uuid not null references councils (id) on delete cascade,
      held_on date not null,
      kind text not null check (kind in ('initial', 'refresher')),
      title text not null,
      trainer text,
      recorded_by uuid references staff (id),
      recorded_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index audit_training_sessions_council on audit_training_sessions (council_id, held_on desc)`.execute(
    db,
  );
  await sql`
    create table audit_training_attendees (
      session_id uuid not null references audit_training_sessions (id) on delete cascade,
      council_id uuid not null references councils (id) on delete cascade,
      staff_id uuid not null references staff (id),
      primary key (session_id, staff_id)
    )
  `.execute(db);
  await sql`create index audit_training_attendees_staff on audit_training_attendees (staff_id)`.execute(db);
  await sql`
    alter table council_settings
      add column training_refresher_months integer not null default 24 check (training_refresher_months between 1 and 120),
      add column new_manager_training_months integer not null default 2 check (new_manager_training_months between 1 and 24)
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table council_settings drop column new_manager_training_months, drop column training_refresher_months`.execute(
    db,
  );
  await sql`drop table audit_training_attendees`.execute(db);
  await sql`drop table audit_training_sessions`.execute(db);
  await sql`drop table staff_imports`.execute(db);
  await sql`alter table audit_actions drop column owner_changed_at, drop column owner_changed_by, drop column previous_owner_id`.execute(
    db,
  );
  await sql`drop table security_events`.execute(db);
  await sql`drop table role_grants`.execute(db);
  await sql`drop table sign_in_failures`.execute(db);
  await sql`drop table sign_in_links`.execute(db);
  await sql`drop index if exists user_accounts_oidc_key`.execute(db);
  await sql`
    alter table user_accounts
      drop constraint user_accounts_totp_enabled,
      drop constraint user_accounts_oidc_pair,
      drop column disabled_by,
      drop column disabled_at,
      drop column password_changed_at,
      drop column totp_last_step,
      drop column totp_enabled_at,
      drop column totp_secret,
      drop column oidc_subject,
      drop column oidc_issuer
  `.execute(db);
  await sql`drop index if exists staff_council_staff_number_key`.execute(db);
  await sql`
    alter table staff
      drop column deactivated_reason,
      drop column deactivated_at,
      drop column left_on,
      drop column staff_number
  `.execute(db);
}
