import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { createCouncil } from '../services/organisation/councils.ts';
import { type BulkColumn, bulkInsert, copyText } from './bulk-insert.ts';
import { withCouncil } from './council-context.ts';
import { appDb, type Db } from './db.ts';

let t: TestDb;
let app: Db;
let councilId: string;
let snapshotId: string;
let childId: string;

before(async () => {
  t = await createTestDb();
  app = appDb(t.db);
  councilId = (await createCouncil(t.db, { code: 'bulk', name: 'Bulk Council' })).id;
  snapshotId = (
    await t.db
      .insertInto('snapshots')
      .values({ council_id: councilId, as_of: '2026-04-01' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  childId = (
    await t.db
      .insertInto('children')
      .values({ council_id: councilId, external_id: 'C1', gender: 'unknown' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
});

after(async () => {
  await app.destroy();
  await t.close();
});

const COLUMNS: readonly BulkColumn[] = [
  ['council_id', 'uuid'],
  ['snapshot_id', 'uuid'],
  ['source', 'text'],
  ['child_id', 'uuid'],
  ['kind', 'text'],
  ['external_id', 'text'],
  ['start_date', 'date'],
  ['end_date', 'date'],
  ['detail', 'text'],
  ['attributes', 'jsonb'],
];

/** Text a council's extract can hold that a careless bulk format would change. */
const AWKWARD = [
  'Smith, Jane "JJ" O\'Neill',
  'tab\there',
  'two\nlines and\r\nWindows ones\rand a lone return',
  'back\\slash, \\N and \\t written out, a trailing one \\',
  'Zoë Brontë, Łódź, Ærø, naïve café',
  '中文 العربية 😀 \u200b zero-width',
  '',
  ' spaces kept ',
];

async function roundTrip(db: Db, label: string) {
  const rows = AWKWARD.map((detail, i) => ({
    council_id: councilId,
    snapshot_id: snapshotId,
    source: label,
    child_id: childId,
    kind: 'cin_episode',
    external_id: i % 2 ? null : detail,
    start_date: '2025-04-01',
    end_date: i % 3 ? null : '2026-03-31',
    detail,
    attributes: { note: detail, nothing: null, n: i, yes: i % 2 === 0, nested: { list: [detail, null] } },
  }));
  await withCouncil(councilId, () =>
    db.transaction().execute((trx) => bulkInsert(trx, 'child_episodes', COLUMNS, rows)),
  );
  // an import building its snapshot aside hands over the database, not a transaction
  await withCouncil(councilId, () =>
    bulkInsert(
      db,
      'child_episodes',
      COLUMNS,
      rows.map((r) => ({ ...r, source: `${label} aside` })),
    ),
  );
  for (const source of [label, `${label} aside`]) {
    const stored = await t.db
      .selectFrom('child_episodes')
      .select(['external_id', 'end_date', 'detail', 'attributes'])
      .where('source', '=', source)
      .orderBy('start_date')
      .execute();
    const byDetail = new Map(stored.map((s) => [s.detail, s]));
    assert.equal(stored.length, rows.length, `${source}: every row is stored`);
    for (const row of rows) {
      const got = byDetail.get(row.detail);
      assert.ok(got, `${source}: ${JSON.stringify(row.detail)} is stored as it was`);
      assert.equal(got.external_id, row.external_id);
      assert.equal(got.end_date, row.end_date);
      assert.deepEqual(got.attributes, row.attributes);
    }
  }
}

test('awkward text, nulls and JSON are stored exactly as given, by the tables’ owner', async () => {
  await roundTrip(t.db, 'owner');
});

test('awkward text is stored exactly as given by the app’s role, inside its council’s scope', async () => {
  await roundTrip(app, 'app');
});

test('the app’s role cannot bulk-insert rows of another council', async () => {
  const other = (await createCouncil(t.db, { code: 'bulk2', name: 'Other Council' })).id;
  const row = {
    council_id: councilId,
    snapshot_id: snapshotId,
    source: 'other',
    child_id: childId,
    kind: 'cin_episode',
    external_id: null,
    start_date: '2025-04-01',
    end_date: null,
    detail: null,
    attributes: {},
  };
  await assert.rejects(
    withCouncil(other, () =>
      app.transaction().execute((trx) => bulkInsert(trx, 'child_episodes', COLUMNS, [row])),
    ),
    /row-level security/,
  );
  const stored = await t.db.selectFrom('child_episodes').select('id').where('source', '=', 'other').execute();
  assert.equal(stored.length, 0);
});

test('COPY text escapes what would end a value or a row, and writes null as \\N', () => {
  const text = copyText(
    [
      ['a', 'text'],
      ['b', 'jsonb'],
      ['c', 'boolean'],
    ],
    [{ a: 'x\ty\nz\\', b: { k: 'v\n' }, c: null }],
  );
  assert.equal(text, 'x\\ty\\nz\\\\\t{"k":"v\\\\n"}\t\\N\n');
});
