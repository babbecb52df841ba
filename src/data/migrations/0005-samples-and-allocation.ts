import { type Kysely, sql } from 'kysely';

/**
 * Phase 1 of a cycle (domain.md §2, §4, §6–7): who could be audited (saved cohorts), who was
 * chosen (samples, with the seed and snapshot that reproduce them), and who audits each child
 * (audits, allocated to trained auditors within their monthly capacity, exempted with a reason
 * and never deleted). Also the messages sent to auditors, each sent once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // an auditor must be trained; how many audits a month they can take (0: none this month)
  await db.schema.alterTable('staff').addColumn('audit_trained_on', 'date').execute();
  await db.schema
    .alterTable('staff')
    .addColumn('audit_capacity', 'integer', (c) =>
      c.notNull().defaultTo(2).check(sql`audit_capacity between 0 and 50`),
    )
    .execute();

  // Each child of a snapshot as cohorts read it: where the case is held on the snapshot's date and
  // which kinds of episode are open then. Worked out from the snapshot's rows the first time a
  // cohort reads the snapshot after it changed (snapshot_case_builds.built_at against
  // snapshots.updated_at), so that a cohort over 400,000 children is one scan.
  await db.schema
    .createTable('snapshot_cases')
    .addColumn('snapshot_id', 'uuid', (c) => c.notNull().references('snapshots.id').onDelete('cascade'))
    .addColumn('child_id', 'uuid', (c) => c.notNull())
    .addColumn('team_id', 'uuid')
    .addColumn('staff_id', 'uuid')
    .addColumn('open_any', 'boolean', (c) => c.notNull())
    .addColumn('open_cin_plan', 'boolean', (c) => c.notNull())
    .addColumn('open_cp_plan', 'boolean', (c) => c.notNull())
    .addColumn('open_cla', 'boolean', (c) => c.notNull())
    .addColumn('open_care_leaver', 'boolean', (c) => c.notNull())
    .addColumn('open_early_help', 'boolean', (c) => c.notNull())
    .addColumn('open_pre_proceedings', 'boolean', (c) => c.notNull())
    .addPrimaryKeyConstraint('snapshot_cases_pkey', ['snapshot_id', 'child_id'])
    .execute();
  await db.schema
    .createTable('snapshot_case_builds')
    .addColumn('snapshot_id', 'uuid', (c) => c.primaryKey().references('snapshots.id').onDelete('cascade'))
    .addColumn('built_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('cohorts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    // the filters, as src/domain/cohort-definition.ts defines them
    .addColumn('definition', 'jsonb', (c) => c.notNull())
    // one of the examples every council starts with (domain.md §7)
    .addColumn('example', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('archived', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_by', 'uuid', (c) => c.references('staff.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index cohorts_council_name_key on cohorts (council_id, lower(name))`.execute(db);

  await db.schema
    .createTable('samples')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('month_id', 'uuid', (c) => c.notNull().references('programme_months.id').onDelete('cascade'))
    .addColumn('cohort_id', 'uuid', (c) => c.references('cohorts.id').onDelete('set null'))
    // the cohort as it was drawn from: editing the cohort later does not change the sample
    .addColumn('cohort_name', 'text', (c) => c.notNull())
    .addColumn('definition', 'jsonb', (c) => c.notNull())
    .addColumn('snapshot_id', 'uuid', (c) => c.references('snapshots.id').onDelete('set null'))
    .addColumn('snapshot_as_of', 'date', (c) => c.notNull())
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('full_audit','dip_sample','themed','multi_agency')`),
    )
    .addColumn('tool_id', 'uuid', (c) => c.references('audit_tools.id'))
    .addColumn('method', 'text', (c) => c.notNull().check(sql`method in ('simple','stratified')`))
    .addColumn('stratify_by', 'text', (c) => c.check(sql`stratify_by in ('team','service_area','locality')`))
    // proportional to the strata, or a fixed number from each
    .addColumn('per_stratum', 'integer', (c) => c.check(sql`per_stratum > 0`))
    .addColumn('size_kind', 'text', (c) => c.notNull().check(sql`size_kind in ('count','percent')`))
    .addColumn('size_value', 'numeric', (c) => c.notNull())
    .addColumn('seed', 'bigint', (c) => c.notNull())
    .addColumn('cohort_size', 'integer', (c) => c.notNull())
    .addColumn('sample_size', 'integer', (c) => c.notNull())
    .addColumn('margin_of_error', 'numeric')
    // each stratum's cohort and drawn counts: [{ key, name, cohort, drawn }]
    .addColumn('strata', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    // whether an auditor may audit a child of their own team
    .addColumn('allow_same_team', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('drawn_by', 'uuid', (c) => c.references('staff.id'))
    .addColumn('drawn_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('samples_council_month_idx')
    .on('samples')
    .columns(['council_id', 'month_id'])
    .execute();

  // One audit of one child: drawn in a sample, allocated to an auditor, exempted or returned.
  // Team, service area, locality and the child's practitioner are as the snapshot said when drawn,
  // so returns are counted where the case was.
  await db.schema
    .createTable('audits')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('month_id', 'uuid', (c) => c.notNull().references('programme_months.id'))
    .addColumn('sample_id', 'uuid', (c) => c.references('samples.id'))
    .addColumn('child_id', 'uuid', (c) => c.notNull().references('children.id'))
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('full_audit','dip_sample','themed','multi_agency')`),
    )
    .addColumn('tool_id', 'uuid', (c) => c.references('audit_tools.id'))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('stratum', 'text')
    .addColumn('team_id', 'uuid', (c) => c.references('teams.id'))
    .addColumn('service_area_id', 'uuid', (c) => c.references('service_areas.id'))
    .addColumn('locality_id', 'uuid', (c) => c.references('localities.id'))
    .addColumn('practitioner_id', 'uuid', (c) => c.references('staff.id'))
    .addColumn('practitioner_manager_id', 'uuid', (c) => c.references('staff.id'))
    .addColumn('auditor_id', 'uuid', (c) => c.references('staff.id'))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('unallocated')
        .check(sql`status in ('unallocated','allocated','in_progress','submitted','exempted')`),
    )
    .addColumn('allocated_at', 'timestamptz')
    .addColumn('allocated_by', 'uuid', (c) => c.references('staff.id'))
    .addColumn('due_on', 'date')
    .addColumn('exemption_reason', 'text', (c) =>
      c.check(sql`exemption_reason in ('case_closed','child_moved','auditor_absent','other')`),
    )
    .addColumn('exemption_note', 'text')
    .addColumn('exempted_by', 'uuid', (c) => c.references('staff.id'))
    .addColumn('exempted_at', 'timestamptz')
    .addColumn('submitted_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'audits_exemption_check',
      sql`(status = 'exempted') = (exemption_reason is not null) and (exemption_reason <> 'other' or coalesce(exemption_note, '') <> '')`,
    )
    .addCheckConstraint(
      'audits_allocated_check',
      sql`status in ('unallocated','exempted') or auditor_id is not null`,
    )
    .execute();
  await sql`create unique index audits_sample_child_key on audits (sample_id, child_id) where sample_id is not null`.execute(
    db,
  );
  await db.schema
    .createIndex('audits_council_month_idx')
    .on('audits')
    .columns(['council_id', 'month_id'])
    .execute();
  await db.schema
    .createIndex('audits_council_auditor_idx')
    .on('audits')
    .columns(['council_id', 'auditor_id', 'status'])
    .execute();
  await db.schema
    .createIndex('audits_council_child_idx')
    .on('audits')
    .columns(['council_id', 'child_id'])
    .execute();

  // who moved an audit from one auditor to another, or exempted it, and why: allocation is never silent
  await db.schema
    .createTable('allocation_changes')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('audit_id', 'uuid', (c) => c.notNull().references('audits.id').onDelete('cascade'))
    .addColumn('change', 'text', (c) =>
      c.notNull().check(sql`change in ('allocated','reallocated','unallocated','exempted','reinstated')`),
    )
    .addColumn('from_auditor_id', 'uuid', (c) => c.references('staff.id'))
    .addColumn('to_auditor_id', 'uuid', (c) => c.references('staff.id'))
    .addColumn('note', 'text')
    .addColumn('changed_by', 'uuid', (c) => c.references('staff.id'))
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('allocation_changes_audit_idx')
    .on('allocation_changes')
    .column('audit_id')
    .execute();

  // Messages to people: one row per message, keyed so that the same message is never sent twice
  // (a queue job retried, two app instances, a reminder sweep run again).
  await db.schema
    .createTable('notifications')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('staff_id', 'uuid', (c) => c.notNull().references('staff.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('audit_id', 'uuid', (c) => c.references('audits.id').onDelete('cascade'))
    .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
    .addColumn('state', 'text', (c) =>
      c.notNull().defaultTo('queued').check(sql`state in ('queued','sent','failed','skipped')`),
    )
    .addColumn('channel', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('notifications_council_staff_idx')
    .on('notifications')
    .columns(['council_id', 'staff_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'notifications',
    'allocation_changes',
    'audits',
    'samples',
    'cohorts',
    'snapshot_case_builds',
    'snapshot_cases',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await db.schema.alterTable('staff').dropColumn('audit_capacity').execute();
  await db.schema.alterTable('staff').dropColumn('audit_trained_on').execute();
}
