import { type Kysely, sql } from 'kysely';

/**
 * Imports (every load of a file: who, when, which file, what date it describes, the counts and the
 * rejected rows) and the audit history they bring: past audit outcomes from spreadsheets, so
 * reports compare years from day one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('imports')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('as_of', 'date', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('command', 'web', 'api')`))
    .addColumn('started_by', 'uuid', (c) => c.references('staff.id'))
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('rows_read', 'integer', (c) => c.notNull())
    .addColumn('rows_accepted', 'integer', (c) => c.notNull())
    .addColumn('rows_rejected', 'integer', (c) => c.notNull())
    // the first rejected rows' errors, for the import's page (the full list goes back to whoever imported)
    .addColumn('errors', 'jsonb', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('imports_council_started_idx')
    .on('imports')
    .columns(['council_id', 'started_at'])
    .execute();

  await db.schema
    .createTable('audit_history')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('import_id', 'uuid', (c) => c.notNull().references('imports.id'))
    .addColumn('audit_ref', 'text', (c) => c.notNull())
    .addColumn('child_ref', 'text', (c) => c.notNull())
    .addColumn('month', 'date', (c) => c.notNull())
    .addColumn('activity', 'text', (c) =>
      c.notNull().check(sql`activity in ('full','dip_sample','themed','multi_agency','re_audit')`),
    )
    .addColumn('theme', 'text')
    .addColumn('service_area', 'text')
    .addColumn('team', 'text')
    .addColumn('locality', 'text')
    .addColumn('auditor', 'text')
    .addColumn('practitioner', 'text')
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('allocated','exempted','completed')`),
    )
    .addColumn('exemption_reason', 'text')
    .addColumn('completed_on', 'date')
    .addColumn('scale', 'text', (c) => c.notNull().check(sql`scale in ('four_point','three_point')`))
    .addColumn('grade', 'text')
    .addColumn('moderated_grade', 'text')
    .addColumn('escalation', 'text', (c) => c.check(sql`escalation in ('none','immediate','drift_delay')`))
    .addColumn('feedback_score', 'integer', (c) => c.check(sql`feedback_score between 1 and 10`))
    .addColumn('section_grades', 'jsonb', (c) => c.notNull())
    .addUniqueConstraint('audit_history_council_ref_key', ['council_id', 'audit_ref'])
    .execute();
  await db.schema
    .createIndex('audit_history_council_month_idx')
    .on('audit_history')
    .columns(['council_id', 'month'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_history').ifExists().execute();
  await db.schema.dropTable('imports').ifExists().execute();
}
