import { type Kysely, sql } from 'kysely';

/**
 * The QA programme (domain.md §3–5, §9–10): the council's calendar settings (phase lengths,
 * closure days), practice themes, grade scales, audit tools with versions, programme years of
 * months with themes and planned activities, and each month's cycle with its phase dates.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('council_settings')
    .addColumn('council_id', 'uuid', (c) => c.primaryKey().references('councils.id').onDelete('cascade'))
    .addColumn('phase_lengths', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('closure_days')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addUniqueConstraint('closure_days_council_date_key', ['council_id', 'date'])
    .execute();

  await db.schema
    .createTable('practice_themes')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addUniqueConstraint('practice_themes_council_key', ['council_id', 'key'])
    .execute();
  await sql`create unique index practice_themes_council_name_key on practice_themes (council_id, lower(name))`.execute(
    db,
  );

  await db.schema
    .createTable('grade_scales')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('grades', 'jsonb', (c) => c.notNull())
    .addColumn('builtin', 'boolean', (c) => c.notNull().defaultTo(false))
    .addUniqueConstraint('grade_scales_council_key', ['council_id', 'key'])
    .execute();

  await db.schema
    .createTable('audit_tools')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('full_audit','dip_sample','themed','multi_agency')`),
    )
    .addColumn('builtin', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('archived', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // A version that has been used (first_used_at set) is never changed: editing makes a new one.
  await db.schema
    .createTable('audit_tool_versions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('tool_id', 'uuid', (c) => c.notNull().references('audit_tools.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('scale_id', 'uuid', (c) => c.notNull().references('grade_scales.id'))
    .addColumn('definition', 'jsonb', (c) => c.notNull())
    .addColumn('created_by', 'uuid', (c) => c.references('staff.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('first_used_at', 'timestamptz')
    .addUniqueConstraint('audit_tool_versions_tool_version_key', ['tool_id', 'version'])
    .execute();

  await db.schema
    .createTable('programme_years')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('starts_on', 'date', (c) => c.notNull())
    .addColumn('ends_on', 'date', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('programme_years_council_start_key', ['council_id', 'starts_on'])
    .execute();

  // Each month of a year; a month with audits is a cycle, whose phase dates are stored so that
  // a change of settings moves future cycles and never one already under way unless confirmed.
  await db.schema
    .createTable('programme_months')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('year_id', 'uuid', (c) => c.notNull().references('programme_years.id').onDelete('cascade'))
    .addColumn('month', 'date', (c) => c.notNull())
    .addColumn('learning_month', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('cycle_starts_on', 'date')
    .addColumn('phases', 'jsonb')
    .addColumn('phases_computed_at', 'timestamptz')
    .addUniqueConstraint('programme_months_year_month_key', ['year_id', 'month'])
    .execute();

  await db.schema
    .createTable('month_themes')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('month_id', 'uuid', (c) => c.notNull().references('programme_months.id').onDelete('cascade'))
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('theme', 'text', (c) => c.notNull())
    .addColumn('practice_theme_id', 'uuid', (c) => c.references('practice_themes.id'))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('planned_activities')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('month_id', 'uuid', (c) => c.notNull().references('programme_months.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('full_audit','dip_sample','themed','multi_agency')`),
    )
    .addColumn('tool_id', 'uuid', (c) => c.references('audit_tools.id'))
    .addColumn('target', 'integer', (c) => c.notNull().check(sql`target >= 0`))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'planned_activities',
    'month_themes',
    'programme_months',
    'programme_years',
    'audit_tool_versions',
    'audit_tools',
    'grade_scales',
    'practice_themes',
    'closure_days',
    'council_settings',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
