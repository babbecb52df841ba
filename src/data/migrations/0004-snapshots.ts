import { type Kysely, sql } from 'kysely';

/**
 * Case data as dated snapshots. Children, families, teams and workers keep one row each, matched
 * by identifier across loads; what an extract says about them on a date (which lists a child is
 * on, their episodes, plans, visits, placements and allocations) belongs to the snapshot of that
 * date, so the latest snapshot is the picture samples draw from and earlier ones stay for
 * comparison. Also: names arriving in a new spelling mapped to a team or worker, saved column
 * mappings for other extracts, import jobs run for the web and the data warehouse, and the
 * warehouse's revocable tokens.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('snapshots')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('as_of', 'date', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('snapshots_council_as_of_key', ['council_id', 'as_of'])
    .execute();
  // the latest snapshot of each council: what samples, home pages and the child page read
  await sql`create view latest_snapshots as
    select distinct on (council_id) id, council_id, as_of from snapshots order by council_id, as_of desc`.execute(
    db,
  );

  await db.schema
    .alterTable('imports')
    .addColumn('snapshot_id', 'uuid', (c) => c.references('snapshots.id').onDelete('set null'))
    .execute();
  await db.schema
    .alterTable('imports')
    .addColumn('sources', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .execute();
  await db.schema.alterTable('imports').addColumn('quality', 'jsonb').execute();

  await db.schema
    .alterTable('children')
    .alterColumn('first_name', (c) => c.dropNotNull())
    .execute();
  await db.schema
    .alterTable('children')
    .alterColumn('last_name', (c) => c.dropNotNull())
    .execute();

  // one row for each time a snapshot lists a child: a list of Annex A, the SSD person table
  await db.schema
    .createTable('snapshot_children')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('council_id', 'uuid', (c) => c.notNull())
    .addColumn('snapshot_id', 'uuid', (c) => c.notNull().references('snapshots.id').onDelete('cascade'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('child_id', 'uuid', (c) => c.notNull())
    .addColumn('file', 'text')
    .addColumn('sheet', 'text')
    .addColumn('row', 'integer')
    .addColumn('date_of_birth', 'date')
    .addColumn('gender', 'text')
    .addColumn('ethnicity', 'text')
    .addColumn('disability', 'boolean')
    .addColumn('uasc', 'boolean')
    .execute();
  await db.schema
    .createIndex('snapshot_children_snapshot_child_idx')
    .on('snapshot_children')
    .columns(['snapshot_id', 'child_id'])
    .execute();
  await db.schema
    .createIndex('snapshot_children_snapshot_source_idx')
    .on('snapshot_children')
    .columns(['snapshot_id', 'source'])
    .execute();
  await db.schema
    .createIndex('snapshot_children_child_idx')
    .on('snapshot_children')
    .column('child_id')
    .execute();

  // involvements and episodes belong to a snapshot; a team or worker not yet matched keeps its name.
  // Rows of a snapshot go when their snapshot goes (and snapshots with their council): the
  // per-row checks of the council and child keys are dropped, as they tripled the cost of a load.
  for (const table of ['child_involvements', 'child_episodes']) {
    await sql`alter table ${sql.table(table)} drop constraint ${sql.raw(`${table}_council_id_fkey`)}`.execute(
      db,
    );
    await sql`alter table ${sql.table(table)} drop constraint ${sql.raw(`${table}_child_id_fkey`)}`.execute(
      db,
    );
    await db.schema
      .alterTable(table)
      .addColumn('snapshot_id', 'uuid', (c) => c.references('snapshots.id').onDelete('cascade'))
      .execute();
    await db.schema
      .alterTable(table)
      .addColumn('source', 'text', (c) => c.notNull().defaultTo('recorded'))
      .execute();
  }
  await db.schema
    .alterTable('child_involvements')
    .alterColumn('team_id', (c) => c.dropNotNull())
    .execute();
  await db.schema
    .alterTable('child_involvements')
    .alterColumn('start_date', (c) => c.dropNotNull())
    .execute();
  await db.schema.alterTable('child_involvements').addColumn('team_name', 'text').execute();
  await db.schema.alterTable('child_involvements').addColumn('worker_name', 'text').execute();
  await sql`alter table child_episodes drop constraint if exists child_episodes_kind_check`.execute(db);
  await sql`alter table child_episodes add constraint child_episodes_kind_check check (kind in
    ('early_help','cin_episode','assessment','s47','cin_plan','cp_plan','cla','care_leaver','pre_proceedings'))`.execute(
    db,
  );
  await db.schema.alterTable('child_episodes').addColumn('external_id', 'text').execute();
  // what the list or table says beyond the dates: category of abuse, legal status, need code…
  await db.schema
    .alterTable('child_episodes')
    .addColumn('attributes', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();

  // rows recorded before snapshots existed become the first snapshot of their council
  await sql`insert into snapshots (council_id, as_of)
    select distinct council_id, current_date from children`.execute(db);
  for (const table of ['child_involvements', 'child_episodes']) {
    await sql`update ${sql.table(table)} x set snapshot_id = s.id from snapshots s where s.council_id = x.council_id`.execute(
      db,
    );
    await sql`alter table ${sql.table(table)} alter column snapshot_id set not null`.execute(db);
  }
  await sql`insert into snapshot_children (council_id, snapshot_id, source, child_id, date_of_birth, gender, ethnicity, disability, uasc)
    select c.council_id, s.id, 'recorded', c.id, c.date_of_birth, c.gender, c.ethnicity, c.disability, c.uasc
    from children c join snapshots s on s.council_id = c.council_id`.execute(db);
  await db.schema.dropIndex('child_involvements_child_idx').execute();
  await db.schema
    .createIndex('child_involvements_snapshot_child_idx')
    .on('child_involvements')
    .columns(['snapshot_id', 'child_id'])
    .execute();
  await db.schema.dropIndex('child_episodes_child_idx').execute();
  await db.schema
    .createIndex('child_episodes_snapshot_child_idx')
    .on('child_episodes')
    .columns(['snapshot_id', 'child_id', 'kind'])
    .execute();

  await db.schema
    .createTable('child_visits')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('council_id', 'uuid', (c) => c.notNull())
    .addColumn('snapshot_id', 'uuid', (c) => c.notNull().references('snapshots.id').onDelete('cascade'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('child_id', 'uuid', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('cin','cp','cla')`))
    .addColumn('visit_date', 'date', (c) => c.notNull())
    .addColumn('seen', 'boolean')
    .addColumn('seen_alone', 'boolean')
    .execute();
  await db.schema
    .createIndex('child_visits_snapshot_child_idx')
    .on('child_visits')
    .columns(['snapshot_id', 'child_id'])
    .execute();

  await db.schema
    .createTable('child_placements')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('council_id', 'uuid', (c) => c.notNull())
    .addColumn('snapshot_id', 'uuid', (c) => c.notNull().references('snapshots.id').onDelete('cascade'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('child_id', 'uuid', (c) => c.notNull())
    .addColumn('start_date', 'date', (c) => c.notNull())
    .addColumn('end_date', 'date')
    .addColumn('placement_type', 'text')
    .addColumn('provider', 'text')
    .addColumn('postcode', 'text')
    .addColumn('urn', 'text')
    .addColumn('change_reason', 'text')
    .execute();
  await db.schema
    .createIndex('child_placements_snapshot_child_idx')
    .on('child_placements')
    .columns(['snapshot_id', 'child_id'])
    .execute();

  await db.schema
    .createTable('name_aliases')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('team','worker')`))
    .addColumn('alias_key', 'text', (c) => c.notNull())
    .addColumn('alias', 'text', (c) => c.notNull())
    .addColumn('team_id', 'uuid', (c) => c.references('teams.id').onDelete('cascade'))
    .addColumn('staff_id', 'uuid', (c) => c.references('staff.id').onDelete('cascade'))
    .addColumn('created_by', 'uuid', (c) => c.references('staff.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('name_aliases_council_kind_key', ['council_id', 'kind', 'alias_key'])
    .addCheckConstraint(
      'name_aliases_target_check',
      sql`(kind = 'team' and team_id is not null and staff_id is null) or (kind = 'worker' and staff_id is not null and team_id is null)`,
    )
    .execute();

  await db.schema
    .createTable('column_mappings')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    // what the extract lists: which episode its rows describe (cin_plan, cp_plan, cla, …)
    .addColumn('list_kind', 'text', (c) => c.notNull())
    // QA Loop field → the file's header, as the person wrote it
    .addColumn('columns', 'jsonb', (c) => c.notNull())
    .addColumn('created_by', 'uuid', (c) => c.references('staff.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('column_mappings_council_name_key', ['council_id', 'name'])
    .execute();

  await db.schema
    .createTable('import_tokens')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_by', 'uuid', (c) => c.notNull().references('staff.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_by', 'uuid', (c) => c.references('staff.id'))
    .execute();

  // an import asked for through the app or the HTTP endpoint, read in the background
  await db.schema
    .createTable('import_jobs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('council_id', 'uuid', (c) => c.notNull().references('councils.id').onDelete('cascade'))
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('web', 'api')`))
    .addColumn('format', 'text')
    .addColumn('mapping_id', 'uuid', (c) => c.references('column_mappings.id').onDelete('set null'))
    .addColumn('as_of', 'date', (c) => c.notNull())
    .addColumn('strict', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('stored_path', 'text', (c) => c.notNull())
    .addColumn('bytes_total', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('bytes_read', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_read', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('started_by', 'uuid', (c) => c.references('staff.id'))
    .addColumn('token_id', 'uuid', (c) => c.references('import_tokens.id'))
    .addColumn('state', 'text', (c) =>
      c.notNull().defaultTo('queued').check(sql`state in ('queued', 'running', 'done', 'refused', 'failed')`),
    )
    .addColumn('message', 'text')
    // times the job has been started: one that brought the process down is not started for ever
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('summary', 'jsonb')
    .addColumn('import_id', 'uuid', (c) => c.references('imports.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('import_jobs_council_created_idx')
    .on('import_jobs')
    .columns(['council_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'import_jobs',
    'import_tokens',
    'column_mappings',
    'name_aliases',
    'child_placements',
    'child_visits',
    'snapshot_children',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await sql`drop view if exists latest_snapshots`.execute(db);
  await db.schema.dropTable('snapshots').ifExists().cascade().execute();
}
