import { type Kysely, sql } from 'kysely';

/**
 * The foundation: councils and their organisation (localities, service areas, teams), staff with
 * roles and line managers, user accounts and sessions, the access log, and the children, families,
 * allocations and episodes the demo council and later the case-data imports fill.
 * Every table that belongs to a council carries council_id.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Installation-wide settings, such as the secret that signs session cookies.
  await db.schema
    .createTable('app_settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('councils')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('is_demo', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  for (const table of ['localities', 'service_areas']) {
    await db.schema
      .createTable(table)
      .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
      .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addUniqueConstraint(`${table}_council_name_key`, ['council_id', 'name'])
      .execute();
  }

  await db.schema
    .createTable('teams')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('service_area_id', 'uuid', (c) => c.notNull().references('service_areas.id'))
    .addColumn('locality_id', 'uuid', (c) => c.references('localities.id'))
    .addUniqueConstraint('teams_council_name_key', ['council_id', 'name'])
    .execute();

  await db.schema
    .createTable('staff')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('external_id', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('job_title', 'text', (c) => c.notNull())
    .addColumn('team_id', 'uuid', (c) => c.references('teams.id'))
    .addColumn('service_area_id', 'uuid', (c) => c.references('service_areas.id'))
    .addColumn('line_manager_id', 'uuid', (c) => c.references('staff.id'))
    .addColumn('started_on', 'date')
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('staff_council_team_idx')
    .on('staff')
    .columns(['council_id', 'team_id'])
    .execute();
  await sql`create unique index staff_council_external_id_key on staff (council_id, external_id) where external_id is not null`.execute(
    db,
  );

  await db.schema
    .createTable('staff_roles')
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('staff_id', 'uuid', (c) => c.notNull().references('staff.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`role in ('qa_lead','auditor','practitioner','case_manager','senior_leader','workforce_development','scrutiny_reader','administrator')`,
        ),
    )
    .addPrimaryKeyConstraint('staff_roles_pkey', ['staff_id', 'role'])
    .execute();

  // Who changed whose roles, when: roles decide what child data a person can see.
  await db.schema
    .createTable('role_changes')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('staff_id', 'uuid', (c) => c.notNull().references('staff.id').onDelete('cascade'))
    .addColumn('changed_by', 'uuid', (c) => c.notNull().references('staff.id'))
    .addColumn('roles_before', sql`text[]`, (c) => c.notNull())
    .addColumn('roles_after', sql`text[]`, (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('user_accounts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('staff_id', 'uuid', (c) => c.notNull().unique().references('staff.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'timestamptz')
    .addColumn('disabled', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('last_signed_in_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index user_accounts_email_key on user_accounts (lower(email))`.execute(db);

  await db.schema
    .createTable('sessions')
    .addColumn('sid', 'text', (c) => c.primaryKey())
    .addColumn('council_id', 'uuid', (c) => c.references('councils.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.references('user_accounts.id').onDelete('cascade'))
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    // signed out: kept briefly so a request still in flight cannot save the session again
    .addColumn('destroyed', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema.createIndex('sessions_expires_at_idx').on('sessions').column('expires_at').execute();

  await db.schema
    .createTable('access_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('user_accounts.id'))
    .addColumn('staff_id', 'uuid', (c) => c.notNull().references('staff.id'))
    .addColumn('record_type', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('child_id', 'uuid')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('route', 'text', (c) => c.notNull())
    .addColumn('viewed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('access_log_council_viewed_idx')
    .on('access_log')
    .columns(['council_id', 'viewed_at'])
    .execute();
  await db.schema
    .createIndex('access_log_council_child_idx')
    .on('access_log')
    .columns(['council_id', 'child_id'])
    .execute();

  await db.schema
    .createTable('families')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addUniqueConstraint('families_council_external_key', ['council_id', 'external_id'])
    .execute();

  await db.schema
    .createTable('children')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('family_id', 'uuid', (c) => c.references('families.id'))
    .addColumn('first_name', 'text', (c) => c.notNull())
    .addColumn('last_name', 'text', (c) => c.notNull())
    .addColumn('date_of_birth', 'date')
    .addColumn('gender', 'text', (c) => c.notNull().check(sql`gender in ('male','female','other','unknown')`))
    .addColumn('ethnicity', 'text')
    .addColumn('disability', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('uasc', 'boolean', (c) => c.notNull().defaultTo(false))
    .addUniqueConstraint('children_council_external_key', ['council_id', 'external_id'])
    .execute();
  await db.schema.createIndex('children_family_idx').on('children').column('family_id').execute();

  await db.schema
    .createTable('child_involvements')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('child_id', 'uuid', (c) => c.notNull().references('children.id').onDelete('cascade'))
    .addColumn('staff_id', 'uuid', (c) => c.references('staff.id'))
    .addColumn('team_id', 'uuid', (c) => c.notNull().references('teams.id'))
    .addColumn('start_date', 'date', (c) => c.notNull())
    .addColumn('end_date', 'date')
    .execute();
  await db.schema
    .createIndex('child_involvements_child_idx')
    .on('child_involvements')
    .columns(['child_id', 'end_date'])
    .execute();
  await db.schema
    .createIndex('child_involvements_staff_idx')
    .on('child_involvements')
    .columns(['council_id', 'staff_id'])
    .execute();
  await db.schema
    .createIndex('child_involvements_team_idx')
    .on('child_involvements')
    .columns(['council_id', 'team_id'])
    .execute();

  await db.schema
    .createTable('child_episodes')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('child_id', 'uuid', (c) => c.notNull().references('children.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('early_help','assessment','cin_plan','cp_plan','cla','care_leaver')`),
    )
    .addColumn('start_date', 'date', (c) => c.notNull())
    .addColumn('end_date', 'date')
    .addColumn('detail', 'text')
    .execute();
  await db.schema
    .createIndex('child_episodes_child_idx')
    .on('child_episodes')
    .columns(['child_id', 'kind'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'child_episodes',
    'child_involvements',
    'children',
    'families',
    'access_log',
    'sessions',
    'user_accounts',
    'role_changes',
    'staff_roles',
    'staff',
    'teams',
    'service_areas',
    'localities',
    'councils',
    'app_settings',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
