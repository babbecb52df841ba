import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { shrinksBeyond } from '../../domain/list-shrink.ts';
import { ValidationError } from '../../domain/validation.ts';
import { createCouncil } from '../organisation/councils.ts';
import { runImport } from './run-import.ts';
import { importShrinkPercent, ListShrinkRefusedError, saveImportShrinkPercent } from './shrink-guard.ts';

let t: TestDb;
let dir: string;
let councils = 0;

before(async () => {
  t = await createTestDb();
  dir = mkdtempSync(join(tmpdir(), 'qaloop-shrink-'));
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const HEADER = 'ChildUniqueID,Gender,Ethnicity,DateOfBirth,HasDisability,CINStartDate';

/** Annex A list 6 as a CSV file listing children S1…Sn (none: only the header row). */
function list6(name: string, children: number): string {
  const path = join(dir, name);
  const rows = Array.from(
    { length: children },
    (_, i) => `S${i + 1},a) Male,a) WBRI,01/04/2015,b) No,01/04/2024`,
  );
  writeFileSync(path, [HEADER, ...rows].join('\r\n'));
  return path;
}

async function council() {
  councils++;
  return (await createCouncil(t.db, { code: `sg${councils}`, name: `Shrink Council ${councils}` })).id;
}

const importOf = (councilId: string, path: string, asOf: string, allowShrink?: boolean) =>
  runImport(t.db, { councilId, path, asOf, strict: false, source: 'command', allowShrink });

/** What the council's database holds: snapshots, imports and each snapshot's listed children. */
async function holdings(councilId: string) {
  const snapshots = await t.db
    .selectFrom('snapshots')
    .select(['id', 'as_of', 'updated_at'])
    .where('council_id', '=', councilId)
    .orderBy('as_of')
    .execute();
  const imports = await t.db
    .selectFrom('imports')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('council_id', '=', councilId)
    .executeTakeFirstOrThrow();
  const children = await t.db
    .selectFrom('snapshot_children')
    .select(['snapshot_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('council_id', '=', councilId)
    .groupBy('snapshot_id')
    .orderBy('snapshot_id')
    .execute();
  return {
    snapshots: snapshots.map((s) => [s.id, s.as_of, new Date(s.updated_at).getTime()]),
    imports: Number(imports.n),
    children: children.map((c) => [c.snapshot_id, Number(c.n)]),
  };
}

async function refusal(promise: Promise<unknown>): Promise<ListShrinkRefusedError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ListShrinkRefusedError) return err;
    throw err;
  }
  assert.fail('the import was not refused');
}

test('a file with only its header row is refused, on the same date or a later one, and changes nothing', async () => {
  const councilId = await council();
  await importOf(councilId, list6('list6.csv', 10), '2026-11-01');
  const before = await holdings(councilId);
  assert.deepEqual(
    before.children.map((c) => c[1]),
    [10],
  );

  const same = await refusal(importOf(councilId, list6('list6.csv', 0), '2026-11-01'));
  assert.equal(
    same.message,
    'This file would remove all 10 children on Annex A list 6 (Children in need): it lists none. Nothing was imported. If the file is right, send it again confirming that it removes children.',
  );
  assert.deepEqual(await holdings(councilId), before);

  // against the latest earlier snapshot when its own date has none: no new snapshot is left behind
  const later = await refusal(importOf(councilId, list6('list6.csv', 0), '2026-11-08'));
  assert.deepEqual(
    later.shrinks.map((s) => [s.source, s.before, s.after, s.removed]),
    [['annex_a:6', 10, 0, 10]],
  );
  assert.deepEqual(await holdings(councilId), before);
});

test('an empty list with nothing before it is refused too: a header-only file is a mistake', async () => {
  const councilId = await council();
  const err = await refusal(importOf(councilId, list6('list6.csv', 0), '2026-11-01'));
  assert.match(
    err.message,
    /^This file lists no children on Annex A list 6 \(Children in need\)\. Nothing was imported\./,
  );
  assert.deepEqual(await holdings(councilId), { snapshots: [], imports: 0, children: [] });
});

test('a list shrunk by 40% is refused, saying how many of how many; by 20% it is imported', async () => {
  const councilId = await council();
  await importOf(councilId, list6('list6.csv', 10), '2026-11-01');
  const before = await holdings(councilId);
  const err = await refusal(importOf(councilId, list6('list6.csv', 6), '2026-11-08'));
  assert.equal(
    err.message,
    'This file would remove 4 of the 10 children on Annex A list 6 (Children in need) (40%), more than the 33% your council allows. Nothing was imported. If the file is right, send it again confirming that it removes children.',
  );
  assert.deepEqual(await holdings(councilId), before);

  const summary = await importOf(councilId, list6('list6.csv', 8), '2026-11-08');
  assert.equal(summary.rowsAccepted, 8);
  assert.deepEqual((await holdings(councilId)).children.map((c) => c[1]).sort(), [10, 8]);
});

test('confirmed, a shrink or an emptied list is imported', async () => {
  const councilId = await council();
  await importOf(councilId, list6('list6.csv', 10), '2026-11-01');
  assert.equal((await importOf(councilId, list6('list6.csv', 6), '2026-11-01', true)).rowsAccepted, 6);
  assert.equal((await importOf(councilId, list6('list6.csv', 0), '2026-11-01', true)).rowsRead, 0);
  assert.deepEqual((await holdings(councilId)).children, []);
});

test('the council’s share: 50% lets a 40% shrink through; saved with validation and in the security log', async () => {
  const councilId = await council();
  assert.equal(await importShrinkPercent(t.db, councilId), 33);
  for (const bad of ['', '0', '101', 'a third', '33.5']) {
    await assert.rejects(
      saveImportShrinkPercent(t.db, councilId, { shrinkPercent: bad }, null),
      (err: unknown) => err instanceof ValidationError && err.errors[0].field === 'shrinkPercent',
    );
  }
  assert.equal(await importShrinkPercent(t.db, councilId), 33);
  assert.equal(await saveImportShrinkPercent(t.db, councilId, { shrinkPercent: '50%' }, null), 50);
  const logged = await t.db
    .selectFrom('security_events')
    .select(['kind', 'detail'])
    .where('council_id', '=', councilId)
    .execute();
  assert.deepEqual(logged, [{ kind: 'import_shrink_changed', detail: { share: '33%, now 50%' } }]);

  await importOf(councilId, list6('list6.csv', 10), '2026-11-01');
  assert.equal((await importOf(councilId, list6('list6.csv', 6), '2026-11-08')).rowsAccepted, 6);
  const err = await refusal(importOf(councilId, list6('list6.csv', 2), '2026-11-15'));
  assert.match(err.message, /remove 4 of the 6 children .* \(66%\), more than the 50% your council allows/);
});

test('councils already here get the guard: the column defaults to 33%', async () => {
  const councilId = await council();
  await t.db.insertInto('council_settings').values({ council_id: councilId, phase_lengths: '{}' }).execute();
  assert.equal(await importShrinkPercent(t.db, councilId), 33);
});

test('shrinksBeyond: more than the share, or empty; a third of 3 is more than 33%', () => {
  const at = (before: number, after: number, limit = 33) =>
    shrinksBeyond([{ source: 'annex_a:6', before, after }], limit).map((s) => s.percent);
  assert.deepEqual(at(100, 67), []);
  assert.deepEqual(at(100, 66), [34]);
  assert.deepEqual(at(3, 2), [33]);
  assert.deepEqual(at(5, 0, 100), [100]);
  assert.deepEqual(at(0, 0), [0]);
  assert.deepEqual(at(10, 20), []);
});
