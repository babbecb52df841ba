import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { Agent, createTestApp } from '../../test/helpers/app.ts';
import { createTestDb, type TestDbWithDemo } from '../../test/helpers/db.ts';
import { createCouncil } from '../services/organisation/councils.ts';
import { acrossCouncils, withCouncil } from './council-context.ts';
import { appDb, type Db } from './db.ts';
import { QUEUES, startQueue } from './queue.ts';
import { databaseRateLimitStore } from './rate-limit-store.ts';
import { APP_ROLE, NOT_COUNCIL_DATA, THROUGH_PARENT } from './row-level-security.ts';

let t: TestDbWithDemo;
let app: Db;
let demoId: string;
let otherId: string;
let tables: { name: string; rls: boolean; policies: number; has_council: boolean }[];

before(async () => {
  t = await createTestDb({ demo: true });
  app = appDb(t.db);
  demoId = t.demo.councilId;
  // A second council in the same database, made as `qaloop council create` makes one, so it has
  // its own starting kit (grade scales, tools, cohorts) in many of the same tables.
  otherId = (await createCouncil(t.db, { code: 'eastvale', name: 'Eastvale Council' })).id;
  // Every table in the schema, from the catalogue: a table added later is checked without anyone
  // remembering to add it here.
  tables = (
    await sql<{ name: string; rls: boolean; policies: number; has_council: boolean }>`
      select c.relname as name, c.relrowsecurity as rls,
        (select count(*) from pg_policy p where p.polrelid = c.oid)::int as policies,
        exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'council_id'
                and not a.attisdropped) as has_council
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'p')
      order by c.relname`.execute(t.db)
  ).rows;
});

after(async () => {
  await app?.destroy();
  await t?.close();
});

/** How many of a table's rows belong to the council, counted by the owner (who sees everything). */
async function ownedBy(table: string, councilId: string): Promise<number> {
  let where: ReturnType<typeof sql>;
  if (table === 'councils') where = sql`id = ${councilId}`;
  else if (THROUGH_PARENT[table]) {
    const { column, parent } = THROUGH_PARENT[table];
    where = sql`exists (select 1 from ${sql.table(parent)} p where p.id = ${sql.ref(column)} and p.council_id = ${councilId})`;
  } else where = sql`council_id = ${councilId}`;
  const r = await sql<{
    n: number;
  }>`select count(*)::int as n from ${sql.table(table)} where ${where}`.execute(t.db);
  return r.rows[0].n;
}

/** Every row the app's role can see in the table, asking with no `where` at all. */
async function visible(table: string): Promise<Record<string, unknown>[]> {
  return (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(app)).rows;
}

test('every table either has a council policy or is listed, with its reason, as holding no council data', () => {
  assert.ok(tables.length > 80, `only ${tables.length} tables found`);
  const open = tables.filter((x) => !(x.name in NOT_COUNCIL_DATA) && !(x.rls && x.policies > 0));
  assert.deepEqual(
    open.map((x) => x.name),
    [],
    'tables holding council data without row-level security: give them council_id and a policy (migration), or a reason in NOT_COUNCIL_DATA',
  );
  const shared = tables.filter((x) => x.name in NOT_COUNCIL_DATA);
  for (const x of shared)
    assert.equal(x.has_council, false, `${x.name} has council_id, so it is a council's data`);
});

test("the app's role is not the tables' owner, not a superuser and cannot bypass row-level security", async () => {
  const role = await sql<{ rolsuper: boolean; rolbypassrls: boolean }>`
    select rolsuper, rolbypassrls from pg_roles where rolname = ${APP_ROLE}`.execute(t.db);
  assert.deepEqual(role.rows, [{ rolsuper: false, rolbypassrls: false }]);
  const owned = await sql<{ relname: string }>`
    select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and pg_get_userbyid(c.relowner) = ${APP_ROLE}`.execute(t.db);
  assert.deepEqual(owned.rows, []);
  const who = await withCouncil(demoId, () => sql<{ u: string }>`select current_user as u`.execute(app));
  assert.equal(who.rows[0].u, APP_ROLE);
});

test("as each council, an unscoped select of every table returns that council's rows and no other's", async () => {
  const withRows = { demo: 0, both: 0 };
  for (const { name } of tables) {
    if (name in NOT_COUNCIL_DATA) continue;
    for (const [council, other] of [
      [demoId, otherId],
      [otherId, demoId],
    ]) {
      const rows = await withCouncil(council, () => visible(name));
      assert.equal(
        rows.length,
        await ownedBy(name, council),
        `${name}: as ${council}, not all its own rows seen`,
      );
      for (const row of rows) {
        const owner = name === 'councils' ? row.id : name in THROUGH_PARENT ? undefined : row.council_id;
        if (owner !== undefined) assert.equal(owner, council, `${name}: a row of another council seen`);
      }
      if (council === demoId && rows.length) {
        withRows.demo++;
        if ((await ownedBy(name, other)) > 0) withRows.both++;
      }
    }
  }
  // Not a check of empty tables: the demo council has rows in most, and both councils in several.
  assert.ok(withRows.demo > 50 && withRows.both > 5, `too few tables with rows: ${JSON.stringify(withRows)}`);
});

test('every view reads its tables as the one asking, so a council sees only its own rows through it', async () => {
  const views = (
    await sql<{ name: string; options: string[] | null }>`
      select c.relname as name, c.reloptions as options
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind = 'v'
      order by c.relname`.execute(t.db)
  ).rows;
  assert.ok(views.length > 0, 'latest_snapshots at least');
  for (const view of views) {
    assert.ok(
      view.options?.includes('security_invoker=true'),
      `${view.name} reads its tables as its owner, past their policies: needs security_invoker`,
    );
    for (const council of [demoId, otherId]) {
      const rows = await withCouncil(council, () => visible(view.name));
      for (const row of rows)
        assert.equal(row.council_id, council, `${view.name}: another council's row seen`);
    }
    assert.deepEqual(await visible(view.name), [], `${view.name} shows rows to work with no council`);
  }
});

test('with no council chosen, the app sees no council data at all', async () => {
  for (const { name } of tables) {
    if (name in NOT_COUNCIL_DATA) continue;
    assert.deepEqual(await visible(name), [], `${name} shows rows to work with no council`);
  }
});

test("one council cannot write into, change or delete another council's rows", async () => {
  const before = await sql<{
    name: string;
  }>`select name from teams where council_id = ${demoId} order by id`.execute(t.db);
  assert.ok(before.rows.length > 0);
  await withCouncil(otherId, async () => {
    const changed = await app.updateTable('teams').set({ name: 'Taken over' }).executeTakeFirst();
    assert.equal(changed.numUpdatedRows, 0n);
    const removed = await app.deleteFrom('access_log').executeTakeFirst();
    assert.equal(removed.numDeletedRows, 0n);
    await assert.rejects(
      app.insertInto('localities').values({ council_id: demoId, name: 'Planted' }).execute(),
      /row-level security/,
    );
  });
  const after = await sql<{
    name: string;
  }>`select name from teams where council_id = ${demoId} order by id`.execute(t.db);
  assert.deepEqual(after.rows, before.rows);
  const planted = await sql`select 1 from localities where name = 'Planted'`.execute(t.db);
  assert.equal(planted.rows.length, 0);
});

test('work across councils is possible only when asked for by name, and then sees both', async () => {
  const councils = await acrossCouncils('test: listing every council', () =>
    app.selectFrom('councils').select('id').execute(),
  );
  assert.deepEqual(new Set(councils.map((c) => c.id)), new Set([demoId, otherId]));
});

test("nothing the app's role can set shows it another council's rows", async () => {
  // As anything injected into a query of the second council's might try: the old switch for work
  // across councils, and a council that is no uuid. The demo council's children stay out of sight.
  const seen = await withCouncil(otherId, () =>
    app.transaction().execute(async (trx) => {
      await sql`select set_config('qaloop.across_councils', 'yes', true)`.execute(trx);
      const children = await sql<{ n: number }>`select count(*)::int as n from children`.execute(trx);
      const councils = await sql<{ id: string }>`select id from councils`.execute(trx);
      return { children: children.rows[0].n, councils: councils.rows.map((r) => r.id) };
    }),
  );
  assert.deepEqual(seen, { children: 0, councils: [otherId] });
  assert.ok((await ownedBy('children', demoId)) > 0, 'the demo council has children to hide');
  // Nor can it turn the policies off: that is the owner's alone.
  await assert.rejects(
    withCouncil(otherId, () => sql`alter table children disable row level security`.execute(app)),
    /must be owner/,
  );
});

test('a transaction keeps its council, and the next piece of work does not inherit it', async () => {
  const inside = await withCouncil(demoId, () =>
    app.transaction().execute(async (trx) => {
      const a = await trx.selectFrom('teams').select('council_id').execute();
      const b = await trx.selectFrom('councils').select('id').execute();
      return { teams: new Set(a.map((r) => r.council_id)), councils: b.map((r) => r.id) };
    }),
  );
  assert.deepEqual(inside, { teams: new Set([demoId]), councils: [demoId] });
  assert.deepEqual(await app.selectFrom('teams').select('id').execute(), []);
  // The owner's own connection is untouched by the app's role and council (embedded: one session).
  const owner = await sql<{ u: string; n: number }>`
    select current_user as u, (select count(*)::int from councils) as n`.execute(t.db);
  assert.equal(owner.rows[0].n, 2);
  assert.notEqual(owner.rows[0].u, APP_ROLE);
});

test("a page that forgets its council's `where` shows only the signed-in person's council", async () => {
  // A locality of the second council too, so the table asked holds both councils' rows.
  await sql`insert into localities (council_id, name) values (${otherId}, 'Eastvale North')`.execute(t.db);
  const careless = await createTestApp(t.db, { ready: false });
  // Any Db made for the app carries the request's council: the scope travels with the request.
  careless.get('/careless-localities', { config: { access: 'signedIn' } }, async () => {
    const rows = await app.selectFrom('localities').select(['council_id', 'name']).execute();
    return { councils: [...new Set(rows.map((r) => r.council_id))], count: rows.length };
  });
  try {
    await careless.ready();
    const agent = new Agent(careless);
    await agent.signInAs('qa_lead');
    const res = await agent.request({
      method: 'GET',
      url: '/careless-localities',
      headers: { accept: 'application/json' },
    });
    assert.equal(res.statusCode, 200);
    const body = JSON.parse(res.body) as { councils: string[]; count: number };
    assert.deepEqual(body.councils, [demoId]);
    assert.equal(body.count, await ownedBy('localities', demoId));
    // Signed out, the same page (were it public) would see nothing at all.
    const signedOut = await new Agent(careless).get('/careless-localities');
    assert.equal(signedOut.statusCode, 302);
  } finally {
    await careless.close();
  }
});

test('on PostgreSQL the app can log in as a role of its own (QALOOP_APP_DATABASE_URL), held to its council the same way', async (ctx) => {
  if (t.kind !== 'postgres') return ctx.skip('PostgreSQL only: the embedded database has no logins');
  const url = process.env.DATABASE_URL as string;
  const current = (await sql<{ db: string }>`select current_database() as db`.execute(t.db)).rows[0].db;
  // A login made for this test, a member of the app's role as a DBA would make it.
  const login = `qaloop_t_login_${process.pid}`;
  await sql`create role ${sql.id(login)} login nosuperuser nobypassrls in role ${sql.id(APP_ROLE)}`.execute(
    t.db,
  );
  const appUrl = new URL(url);
  appUrl.username = login;
  appUrl.pathname = `/${current}`;
  const own = appDb(t.db, { appDatabaseUrl: appUrl.toString() });
  try {
    const seen = await withCouncil(otherId, () =>
      sql<{ u: string; councils: string[] }>`
        select session_user as u, array(select council_id::text from teams union select id::text from councils) as councils`.execute(
        own,
      ),
    );
    assert.equal(seen.rows[0].u, login);
    assert.deepEqual(seen.rows[0].councils, [otherId]);
    // It cannot become the tables' owner: it never had the owner's rights to take back.
    const owner = (await sql<{ u: string }>`select current_user as u`.execute(t.db)).rows[0].u;
    await assert.rejects(sql`set role ${sql.id(owner)}`.execute(own), /permission denied/);
    const after = await withCouncil(otherId, () => own.selectFrom('councils').select('id').execute());
    assert.deepEqual(
      after.map((c) => c.id),
      [otherId],
    );
  } finally {
    await own.destroy();
    await sql`drop role ${sql.id(login)}`.execute(t.db);
  }
});

test("the app's role adds a job to the queue inside its own transaction: kept if that commits, gone if it rolls back", async () => {
  const queue = await startQueue(t.db, { background: false });
  const marker = (n: number) => `rls-test-${process.pid}-${n}`;
  const queued = async (n: number) =>
    (
      await sql<{ n: number }>`
        select count(*)::int as n from pgboss.job
        where name = ${QUEUES.imports.name} and data->>'jobId' = ${marker(n)}`.execute(t.db)
    ).rows[0].n;
  try {
    await withCouncil(demoId, () =>
      app.transaction().execute((trx) => queue.send('imports', { jobId: marker(1) }, { db: trx })),
    );
    assert.equal(await queued(1), 1);
    await assert.rejects(
      withCouncil(demoId, () =>
        app.transaction().execute(async (trx) => {
          await queue.send('imports', { jobId: marker(2) }, { db: trx });
          throw new Error('the upload failed after its job was queued');
        }),
      ),
      /upload failed/,
    );
    assert.equal(await queued(2), 0);
  } finally {
    await sql`delete from pgboss.job where name = ${QUEUES.imports.name} and data->>'jobId' like 'rls-test-%'`.execute(
      t.db,
    );
    await queue.stop();
  }
});

test("the app's role counts the rate limits in the database before anyone is known, keeping no address in the clear", async () => {
  const Store = databaseRateLimitStore(app);
  const store = new Store().child({ routeInfo: { method: 'POST', url: '/rls-test' } });
  const hit = () =>
    new Promise<number>((resolve, reject) =>
      store.incr(
        '192.0.2.50',
        (err, result) => (err || !result ? reject(err) : resolve(result.current)),
        60_000,
        5,
      ),
    );
  assert.equal(await hit(), 1);
  assert.equal(await hit(), 2);
  const keys = await sql<{ key: string }>`select key from rate_limit_counters`.execute(t.db);
  assert.ok(keys.rows.length > 0);
  assert.ok(!keys.rows.some((r) => r.key.includes('192.0.2.50')));
});
