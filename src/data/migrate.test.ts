import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { isMigrated, MIGRATION_NAMES, migrateToLatest } from './migrate.ts';

let t: TestDb;

before(async () => {
  t = await createTestDb();
});

after(async () => {
  await t?.close();
});

const last = MIGRATION_NAMES[MIGRATION_NAMES.length - 1] as string;

test('a database already current is left as it is and readiness calls it current', async () => {
  assert.deepEqual(await migrateToLatest(t.db), []);
  assert.equal(await isMigrated(t.db), true);
});

test('a database missing a migration is not current, and one migrated by a later version is refused, not passed over', async () => {
  const [row] = (
    await sql<{
      name: string;
      timestamp: string;
    }>`select name, timestamp from qaloop_migrations where name = ${last}`.execute(t.db)
  ).rows;
  assert.ok(row, `the template applied ${last}`);
  await sql`delete from qaloop_migrations where name = ${last}`.execute(t.db);
  assert.equal(await isMigrated(t.db), false, 'readiness says the schema is not current');
  await sql`insert into qaloop_migrations (name, timestamp) values (${last}, ${row.timestamp})`.execute(t.db);
  assert.equal(await isMigrated(t.db), true);

  // a migration this version does not know: the database was moved on by a newer QA Loop
  await sql`insert into qaloop_migrations (name, timestamp) values ('9999-a-later-version', ${row.timestamp})`.execute(
    t.db,
  );
  await assert.rejects(migrateToLatest(t.db), /9999-a-later-version/);
  await sql`delete from qaloop_migrations where name = '9999-a-later-version'`.execute(t.db);
  assert.deepEqual(await migrateToLatest(t.db), []);
});
