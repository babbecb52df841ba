import pg from 'pg';
import { type Db, openDb } from '../../src/data/db.ts';
import { migrateToLatest } from '../../src/data/migrate.ts';

export interface TestDb {
  db: Db;
  kind: 'embedded' | 'postgres';
  close(): Promise<void>;
}

/**
 * A migrated, empty database for one test file: embedded PGlite in memory by default; with
 * DATABASE_URL set, a new database on that PostgreSQL server, dropped again at the end.
 */
export async function createTestDb(): Promise<TestDb> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const db = await openDb({ dataDir: 'memory' });
    await migrateToLatest(db);
    return { db, kind: 'embedded', close: () => db.destroy() };
  }
  const name = `qaloop_t_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await openDb({ databaseUrl: url.toString(), dataDir: 'memory' });
  await migrateToLatest(db);
  return {
    db,
    kind: 'postgres',
    close: async () => {
      await db.destroy();
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`drop database if exists "${name}" with (force)`);
      await dropper.end();
    },
  };
}
