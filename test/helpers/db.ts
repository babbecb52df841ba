import { readFileSync } from 'node:fs';
import pg from 'pg';
import { type Db, dbConnection, openDb } from '../../src/data/db.ts';
import { migrateToLatest } from '../../src/data/migrate.ts';
import { createDemoCouncil, type DemoSummary } from '../../src/demo/council.ts';
import { TEST_TODAY } from './today.ts';

export interface TestDb {
  db: Db;
  kind: 'embedded' | 'postgres';
  close(): Promise<void>;
}

export interface TestDbWithDemo extends TestDb {
  /** the demo council loaded into it, as `createDemoCouncil` described it */
  demo: DemoSummary;
}

/**
 * The databases every test file starts from, made once per run by test/global-setup.ts: one
 * migrated and empty, one with the demo council loaded as of TEST_TODAY. Embedded: files holding
 * PGlite's dump of each; PostgreSQL: template databases on the server. Absent when a test file is
 * run on its own, and then each test file makes its own.
 */
export interface TestTemplates {
  kind: 'embedded' | 'postgres';
  /** a dump file (embedded) or a template database's name (PostgreSQL) */
  migrated: string;
  demo: string;
  demoSummary: DemoSummary;
}

export const TEMPLATES_VARIABLE = 'QALOOP_TEST_TEMPLATES';

function templates(): TestTemplates | undefined {
  const value = process.env[TEMPLATES_VARIABLE];
  if (!value) return undefined;
  const parsed = JSON.parse(value) as TestTemplates;
  const wanted = process.env.DATABASE_URL ? 'postgres' : 'embedded';
  return parsed.kind === wanted ? parsed : undefined;
}

/**
 * A migrated, empty database for one test file (with `demo`, holding the demo council): embedded
 * PGlite in memory by default; with DATABASE_URL set, a new database on that PostgreSQL server,
 * dropped again at the end. Each is a copy of the run's template, so the file may change it freely.
 */
export async function createTestDb(): Promise<TestDb>;
export async function createTestDb(options: { demo: true }): Promise<TestDbWithDemo>;
export async function createTestDb(options: { demo?: boolean } = {}): Promise<TestDb | TestDbWithDemo> {
  const made = templates();
  const serverUrl = process.env.DATABASE_URL;
  let testDb: TestDb;
  if (!serverUrl) {
    const dump = made ? (options.demo ? made.demo : made.migrated) : undefined;
    const db = await openDb({
      dataDir: 'memory',
      copyOf: dump ? new Blob([readFileSync(dump)]) : undefined,
    });
    if (!dump) await migrateToLatest(db);
    testDb = { db, kind: 'embedded', close: () => db.destroy() };
  } else {
    const template = made ? (options.demo ? made.demo : made.migrated) : undefined;
    testDb = await serverDb(serverUrl, template);
    if (!template) await migrateToLatest(testDb.db);
  }
  if (!options.demo) return testDb;
  const demo = made?.demoSummary ?? (await createDemoCouncil(testDb.db, { today: TEST_TODAY }));
  return { ...testDb, demo };
}

/** A new database on the server, copied from a template when one is given. */
async function serverDb(serverUrl: string, template: string | undefined): Promise<TestDb> {
  const name = `qaloop_t_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database "${name}"${template ? ` template "${template}"` : ''}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await openDb({ databaseUrl: url.toString(), dataDir: 'memory' });
  return {
    db,
    kind: 'postgres',
    close: async () => {
      await db.destroy();
      await dropServerDb(serverUrl, name);
    },
  };
}

export async function dropServerDb(serverUrl: string, name: string): Promise<void> {
  const dropper = new pg.Client({ connectionString: serverUrl });
  await dropper.connect();
  await dropper.query(`drop database if exists "${name}" with (force)`);
  await dropper.end();
}

/**
 * Makes the run's templates (test/global-setup.ts): a migrated database and one with the demo
 * council. `dir` holds the embedded dumps; on PostgreSQL the templates are databases named with
 * `prefix`.
 */
export async function makeTemplates(dir: string, prefix: string): Promise<TestTemplates> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const db = await openDb({ dataDir: 'memory' });
    await migrateToLatest(db);
    const pglite = embeddedOf(db);
    const migrated = join(dir, 'migrated.tar');
    writeFileSync(migrated, Buffer.from(await (await pglite.dumpDataDir('none')).arrayBuffer()));
    const demoSummary = await createDemoCouncil(db, { today: TEST_TODAY });
    await pglite.query('checkpoint');
    const demo = join(dir, 'demo.tar');
    writeFileSync(demo, Buffer.from(await (await pglite.dumpDataDir('none')).arrayBuffer()));
    await db.destroy();
    return { kind: 'embedded', migrated, demo, demoSummary };
  }
  const migrated = `${prefix}_migrated`;
  const demo = `${prefix}_demo`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    for (const name of [migrated, demo]) await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const open = (name: string) => {
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return openDb({ databaseUrl: url.toString(), dataDir: 'memory' });
  };
  const empty = await open(migrated);
  await migrateToLatest(empty);
  await empty.destroy();
  const withDemo = await open(demo);
  await migrateToLatest(withDemo);
  const demoSummary = await createDemoCouncil(withDemo, { today: TEST_TODAY });
  await withDemo.destroy();
  return { kind: 'postgres', migrated, demo, demoSummary };
}

function embeddedOf(db: Db) {
  const connection = dbConnection(db);
  if (connection?.kind !== 'embedded') throw new Error('not an embedded database');
  return connection.pglite;
}
