import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { dbConnection, openDb } from './db.ts';
import { installedPgliteVersion, preparedCluster, preparedClusterVersion } from './prepared-cluster.ts';

// A new data folder starts from the empty database kept in src/data rather than running PGlite's
// initdb (most of a fresh clone's first start): these prove it is used, and that it is the very
// database initdb makes, so nothing a council does can tell the two apart.

const dir = mkdtempSync(join(tmpdir(), 'qaloop-prepared-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** What initdb decided: databases, roles, schemas, the catalogs' tables and functions, the locale. */
async function describe(pglite: PGlite) {
  const rows = async (query: string) => (await pglite.query(query)).rows;
  return {
    version: await rows('select version()'),
    databases: await rows(
      'select datname, pg_encoding_to_char(encoding) as encoding, datcollate, datctype, datlocprovider, datistemplate, datallowconn from pg_database order by datname',
    ),
    roles: await rows('select rolname, rolsuper, rolcanlogin from pg_roles order by rolname'),
    schemas: await rows('select nspname from pg_namespace order by nspname'),
    relations: await rows(
      `select n.nspname, c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace order by 1, 2`,
    ),
    functions: await rows('select count(*)::int as n, count(distinct proname)::int as names from pg_proc'),
    collations: await rows('select count(*)::int as n from pg_collation'),
    settings: await rows(
      `select name, setting from pg_settings where name in ('server_encoding', 'lc_collate', 'lc_ctype', 'lc_messages', 'lc_monetary', 'lc_numeric', 'lc_time', 'data_checksums', 'wal_segment_size', 'block_size', 'TimeZone', 'DateStyle') order by name`,
    ),
  };
}

async function systemIdentifier(pglite: PGlite): Promise<string> {
  const { rows } = await pglite.query<{ id: string }>(
    'select system_identifier::text as id from pg_control_system()',
  );
  return rows[0].id;
}

test('the prepared empty database was made by the PGlite installed (else it would not be used)', () => {
  assert.equal(
    preparedClusterVersion(),
    installedPgliteVersion(),
    'PGlite was upgraded: run "node src/data/prepared-cluster.ts" to make the prepared database again',
  );
});

test('a new data folder starts from the prepared database, the same database initdb makes', async () => {
  const prepared = preparedCluster();
  assert.ok(prepared, 'there is a prepared database for the PGlite installed');
  const copy = await PGlite.create({ loadDataDir: new Blob([prepared]) });
  const made = await PGlite.create();
  try {
    assert.deepEqual(await describe(copy), await describe(made));
    // the folder was filled from the copy: it is the same cluster, not one initdb made anew
    const db = await openDb({ dataDir: join(dir, 'new') });
    try {
      const connection = dbConnection(db);
      assert.equal(connection?.kind, 'embedded');
      if (connection?.kind !== 'embedded') return;
      assert.equal(await systemIdentifier(connection.pglite), await systemIdentifier(copy));
    } finally {
      await db.destroy();
    }
    // and it opens again as any data folder does
    const again = await openDb({ dataDir: join(dir, 'new') });
    await again.destroy();
  } finally {
    await copy.close();
    await made.close();
  }
});
