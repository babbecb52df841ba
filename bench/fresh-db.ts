import { join } from 'node:path';
import pg from 'pg';
import type { Db } from '../src/data/db.ts';
import { openDb } from '../src/data/db.ts';
import { migrateToLatest } from '../src/data/migrate.ts';

/**
 * A migrated, empty database for one measurement: a new database on the PostgreSQL server named by
 * `databaseUrl` (dropped on close), or the embedded one on disk under `dir`, as `qaloop serve` runs it.
 */
export async function freshBenchDb(
  databaseUrl: string | undefined,
  label: string,
  dir: string,
): Promise<{ db: Db; close: () => Promise<void> }> {
  let url = databaseUrl;
  let dropper: (() => Promise<void>) | undefined;
  if (databaseUrl) {
    const name = `qaloop_bench_${process.pid}_${label}`;
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`create database "${name}"`);
    await admin.end();
    const u = new URL(databaseUrl);
    u.pathname = `/${name}`;
    url = u.toString();
    dropper = async () => {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
    };
  }
  const db = await openDb({ databaseUrl: url, dataDir: url ? 'memory' : join(dir, `data-${label}`) });
  await migrateToLatest(db);
  return {
    db,
    close: async () => {
      await db.destroy();
      await dropper?.();
    },
  };
}
