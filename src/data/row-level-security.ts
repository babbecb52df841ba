import { type Kysely, sql } from 'kysely';

/**
 * Council isolation enforced by the database. Every table holding a council's data has row-level
 * security with a policy that lets the app's role see and write only the rows of the council its
 * work is for (the `qaloop.council_id` setting, which db.ts sets from the council scope). The
 * tables' owner (who runs migrations) is not bound by the policies; the app's role is not the owner
 * and cannot bypass them.
 */

/** The role the app's requests, jobs and commands run as. */
export const APP_ROLE = 'qaloop_app';

/**
 * Tables without a council: each with the reason it holds no council's data. The isolation test
 * reads this list, so a new table must either carry `council_id`, be reached through a parent
 * below, or be added here with its reason.
 */
export const NOT_COUNCIL_DATA: Record<string, string> = {
  app_settings: 'installation-wide settings (the secret that signs cookies), shared by every council',
  sign_in_failures:
    'failed sign-ins counted by address before anyone is known, to slow guessing; read only by sign-in',
  kysely_migration_lock: 'the migrations lock: no data',
  qaloop_migrations: 'which migrations have run: no data',
  rate_limit_counters:
    "the rate limits' request counts, keyed by a hash of the route and the address or account, before anyone (and so their council) is known",
};

/** Tables without `council_id` whose rows belong to a row of a parent table that has one. */
export const THROUGH_PARENT: Record<string, { column: string; parent: string }> = {
  audit_drafts: { column: 'audit_id', parent: 'audits' },
  escalation_recipients: { column: 'escalation_id', parent: 'escalations' },
  snapshot_cases: { column: 'snapshot_id', parent: 'snapshots' },
  snapshot_case_builds: { column: 'snapshot_id', parent: 'snapshots' },
};

const POLICY = 'council_isolation';

/**
 * Puts row-level security on every table in the schema that lacks it, and grants the app's role
 * what it needs. Safe to run again (a later migration adding tables calls it too). Fails, naming
 * the table, when a table is neither a council's nor listed above, so none is left open by
 * oversight.
 */
export async function applyRowLevelSecurity(db: Kysely<unknown>): Promise<void> {
  await createAppRole(db);
  // A SQL function, so the planner inlines it and still uses the council_id indexes. Nothing the
  // app's role can set widens a policy beyond one council: work across councils (db.ts,
  // acrossCouncils) runs on the owner's connection instead.
  await sql`
    create or replace function qaloop_council() returns uuid language sql stable
    as $$ select nullif(current_setting('qaloop.council_id', true), '')::uuid $$`.execute(db);

  const tables = await sql<{ name: string; has_council: boolean; has_policy: boolean }>`
    select c.relname as name,
      exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'council_id'
              and not a.attisdropped) as has_council,
      exists (select 1 from pg_policy p where p.polrelid = c.oid and p.polname = ${POLICY}) as has_policy
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relkind in ('r', 'p')
    order by c.relname`.execute(db);

  const unclassified: string[] = [];
  for (const t of tables.rows) {
    if (t.name in NOT_COUNCIL_DATA) continue;
    const table = sql.table(t.name);
    let rule: ReturnType<typeof sql> | undefined;
    if (t.name === 'councils') rule = sql`id = qaloop_council()`;
    else if (t.has_council) rule = sql`council_id = qaloop_council()`;
    else if (THROUGH_PARENT[t.name]) {
      const { column, parent } = THROUGH_PARENT[t.name];
      // The parent's own policy decides: its row is visible only to its council.
      rule = sql`exists (select 1 from ${sql.table(parent)} p where p.id = ${sql.ref(column)})`;
    } else {
      unclassified.push(t.name);
      continue;
    }
    await sql`alter table ${table} enable row level security`.execute(db);
    if (!t.has_policy) {
      await sql`create policy ${sql.raw(POLICY)} on ${table} using (${rule}) with check (${rule})`.execute(
        db,
      );
    }
  }
  if (unclassified.length) {
    throw new Error(
      `Tables with no council_id, no parent and no reason to be shared: ${unclassified.join(', ')}. Add council_id, or list them in src/data/row-level-security.ts.`,
    );
  }

  // A view reads its tables as the view's owner unless told otherwise, which would show the app
  // every council's rows through it (latest_snapshots, say): each view reads them as the one
  // asking instead, so the tables' policies hold through it. (PostgreSQL 15 and later, and the
  // embedded database; an older server keeps its views as they were, and the test says so.)
  const invoker = await sql<{ supported: boolean }>`
    select current_setting('server_version_num')::int >= 150000 as supported`.execute(db);
  if (invoker.rows[0]?.supported) {
    const views = await sql<{ name: string }>`
      select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind = 'v'
      order by c.relname`.execute(db);
    for (const v of views.rows) {
      await sql`alter view ${sql.table(v.name)} set (security_invoker = true)`.execute(db);
    }
  }

  const role = sql.raw(APP_ROLE);
  await sql`grant usage on schema public to ${role}`.execute(db);
  await sql`grant select, insert, update, delete on all tables in schema public to ${role}`.execute(db);
  await sql`grant usage, select on all sequences in schema public to ${role}`.execute(db);
  await sql`revoke insert, update, delete on qaloop_migrations, kysely_migration_lock from ${role}`.execute(
    db,
  );
  // Tables made by later migrations are the app's to use too (their policies come with them).
  await sql`alter default privileges in schema public grant select, insert, update, delete on tables to ${role}`.execute(
    db,
  );
  await sql`alter default privileges in schema public grant usage, select on sequences to ${role}`.execute(
    db,
  );
}

/**
 * What the app's role needs of the job queue's tables (pg-boss, schema `pgboss`, made when the
 * queue first starts, after the migrations): to add a job inside its own transaction (an upload's
 * import, a person's messages), so that the job exists only if the transaction commits. Nothing
 * more: pg-boss's own connections, the owner's, hand jobs out and finish them. The queue carries
 * ids only (a job, a person, a council), never a child's or a person's details. Safe to run again;
 * `startQueue` runs it each time, so a table the queue adds later is covered too.
 */
export async function grantQueueToAppRole<DB>(db: Kysely<DB>, schema = 'pgboss'): Promise<void> {
  const exists = await sql`select 1 from pg_roles where rolname = ${APP_ROLE}`.execute(db);
  if (!exists.rows.length) return; // a database not yet migrated to row-level security
  const role = sql.raw(APP_ROLE);
  await db.transaction().execute(async (trx) => {
    // Instances starting together would grant at the same moment, which PostgreSQL refuses
    // ("tuple concurrently updated"): one at a time, each waiting for the one before to commit.
    await sql`select pg_advisory_xact_lock(hashtext('qaloop: the queue granted to the app role'))`.execute(
      trx,
    );
    await sql`grant usage on schema ${sql.id(schema)} to ${role}`.execute(trx);
    // a job is added by joining its queue's settings
    await sql`grant select on ${sql.id(schema, 'queue')} to ${role}`.execute(trx);
    // the jobs' table and each of its parts (a job is written straight into its queue's part)
    const tables = await sql<{ name: string }>`
      select c.relname as name from pg_class c
      where c.oid = to_regclass(${`${schema}.job`})
         or c.oid in (select inhrelid from pg_inherits where inhparent = to_regclass(${`${schema}.job`}))
      order by c.relname`.execute(trx);
    for (const t of tables.rows) {
      await sql`grant select, insert on ${sql.id(schema, t.name)} to ${role}`.execute(trx);
    }
  });
}

/**
 * The app's role: no superuser, no bypassing row-level security, no login of its own (a council's
 * DBA gives it one, or makes it beforehand, when the app is to connect as it). Creating it needs
 * the right to create roles; without that, the message says what the DBA runs.
 */
async function createAppRole(db: Kysely<unknown>): Promise<void> {
  const exists = await sql`select 1 from pg_roles where rolname = ${APP_ROLE}`.execute(db);
  if (exists.rows.length) return;
  try {
    await sql`create role ${sql.raw(APP_ROLE)} nologin nosuperuser nobypassrls`.execute(db);
  } catch (err) {
    // another database on the same server may have made it meanwhile (roles are server-wide)
    const now = await sql`select 1 from pg_roles where rolname = ${APP_ROLE}`.execute(db);
    if (now.rows.length) return;
    throw new Error(
      `The database role ${APP_ROLE} does not exist and the migrating role may not create it. Ask the database administrator to run: create role ${APP_ROLE} login password '…' nosuperuser nobypassrls; then run the migrations again. (${(err as Error).message})`,
    );
  }
}
