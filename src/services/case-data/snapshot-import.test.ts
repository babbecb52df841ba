import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { SNAPSHOT_ROW_TABLES } from '../../import/snapshot-writer.ts';
import { createCouncil } from '../organisation/councils.ts';
import { findChildByReference } from './children.ts';
import { type RunImportOptions, runImport } from './run-import.ts';
import { clearAbandonedSnapshots, latestSnapshot, listSnapshots } from './snapshots.ts';

/**
 * An import builds its snapshot aside (issue 22): while it runs, readers are answered, and see the
 * data as it was until the import has finished; an import that fails or never finishes leaves
 * nothing anyone sees, and what it wrote aside is removed.
 */

let t: TestDb;
let dir: string;
let councils = 0;

before(async () => {
  t = await createTestDb();
  dir = mkdtempSync(join(tmpdir(), 'qaloop-built-aside-'));
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

async function council(): Promise<string> {
  councils++;
  return (await createCouncil(t.db, { code: `aside${councils}`, name: `Aside Council ${councils}` })).id;
}

/** Annex A list 6 of `rows` children, C1 to C<rows>. */
function list6(name: string, rows: number, prefix = 'C'): string {
  const lines = ['ChildUniqueID,CINStartDate,AllocatedTeam,AllocatedWorker'];
  for (let i = 1; i <= rows; i++) lines.push(`${prefix}${i},01/09/2024,Team North,Worker ${i % 7}`);
  const path = join(dir, name);
  writeFileSync(path, lines.join('\r\n'));
  return path;
}

const options = (
  councilId: string,
  path: string,
  extra: Partial<RunImportOptions> = {},
): RunImportOptions => ({
  buildAside: true,
  councilId,
  path,
  asOf: '2025-03-31',
  strict: false,
  allowShrink: true,
  source: 'command',
  format: 'annex-a',
  ...extra,
});

/** Every row the council has in the snapshot tables and snapshots, whatever their state. */
async function rowsHeld(councilId: string) {
  const counts: Record<string, number> = {};
  for (const table of ['snapshots', 'children', ...SNAPSHOT_ROW_TABLES] as const) {
    const row = await t.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('council_id', '=', councilId)
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

/** What a reader of the council's case data sees: the snapshots listed and the latest one. */
async function whatReadersSee(councilId: string) {
  const [snapshots, latest] = await Promise.all([
    listSnapshots(t.db, councilId),
    latestSnapshot(t.db, councilId),
  ]);
  return {
    latest: latest?.asOf,
    snapshots: snapshots.map((s) => ({ asOf: s.asOf, children: s.children })),
  };
}

test('while an import runs, readers are answered and see the data as it was until it has finished', async () => {
  const councilId = await council();
  await runImport(t.db, options(councilId, list6('first.csv', 3)));
  const before = await whatReadersSee(councilId);
  assert.deepEqual(before, { latest: '2025-03-31', snapshots: [{ asOf: '2025-03-31', children: 3 }] });

  // Half way through the next week's 2,500 children, a reader asks (as a page would).
  let seenDuring:
    | Promise<{ answeredBeforeTheImportEnded: boolean; seen: unknown; newChild: unknown }>
    | undefined;
  let importEnded = false;
  const summary = await runImport(
    t.db,
    options(councilId, list6('second.csv', 2_500, 'N'), {
      asOf: '2025-04-30',
      onProgress: (rowsRead) => {
        if (rowsRead < 2_000 || seenDuring) return;
        seenDuring = Promise.all([
          whatReadersSee(councilId),
          findChildByReference(t.db, councilId, 'N5'),
        ]).then(([seen, newChild]) => ({ answeredBeforeTheImportEnded: !importEnded, seen, newChild }));
      },
    }),
  );
  importEnded = true;
  assert.equal(summary.rowsAccepted, 2_500);
  assert.ok(seenDuring, 'the import reported its progress');
  const during = await seenDuring;
  assert.equal(during.answeredBeforeTheImportEnded, true, 'the reader was answered while the import ran');
  assert.deepEqual(during.seen, before, 'the reader saw the data as it was');
  assert.equal(during.newChild, undefined, 'a child the import adds is not found before it has finished');

  assert.deepEqual(await whatReadersSee(councilId), {
    latest: '2025-04-30',
    snapshots: [
      { asOf: '2025-04-30', children: 2_500 },
      { asOf: '2025-03-31', children: 3 },
    ],
  });
  assert.equal((await findChildByReference(t.db, councilId, 'N5'))?.reference, 'N5');
});

test('an import that fails half way leaves nothing anyone sees, and what it wrote aside is removed', async () => {
  const councilId = await council();
  await runImport(t.db, options(councilId, list6('first.csv', 3)));
  const before = await rowsHeld(councilId);
  const seen = await whatReadersSee(councilId);
  // a re-import of the same date (its rows would join the snapshot), failing after 2,000 rows
  await assert.rejects(
    runImport(
      t.db,
      options(councilId, list6('broken.csv', 2_500, 'B'), {
        onProgress: (rowsRead) => {
          if (rowsRead >= 2_000) throw new Error('the disk went away');
        },
      }),
    ),
    /the disk went away/,
  );
  assert.deepEqual(await rowsHeld(councilId), before);
  assert.deepEqual(await whatReadersSee(councilId), seen);
  assert.equal(await findChildByReference(t.db, councilId, 'B5'), undefined);
});

test('a snapshot left half built by a process that stopped is never seen, and is removed on the next start', async () => {
  const councilId = await council();
  await runImport(t.db, options(councilId, list6('first.csv', 3)));
  const before = await rowsHeld(councilId);
  const seen = await whatReadersSee(councilId);
  // what a process killed in the middle of an import leaves behind: a snapshot being built, named
  // after a process that has gone, holding rows and a child only it lists
  const left = await t.db
    .insertInto('snapshots')
    .values({
      council_id: councilId,
      as_of: '2025-04-30',
      state: 'building',
      builder: 'a-machine-long-gone:1',
      updated_at: new Date(Date.now() - 60 * 60_000),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const child = await t.db
    .insertInto('children')
    .values({ council_id: councilId, external_id: 'K1', gender: 'unknown', staged_in: left.id })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto('snapshot_children')
    .values({ council_id: councilId, snapshot_id: left.id, source: 'annex_a:6', child_id: child.id })
    .execute();

  assert.deepEqual(await whatReadersSee(councilId), seen, 'readers never see it');
  assert.equal(await findChildByReference(t.db, councilId, 'K1'), undefined);

  assert.equal(await clearAbandonedSnapshots(t.db, SNAPSHOT_ROW_TABLES), 1);
  assert.deepEqual(await rowsHeld(councilId), before);
  assert.deepEqual(await whatReadersSee(councilId), seen);
});

test('the next import of the council clears what an import cut short left, then imports as usual', async () => {
  const councilId = await council();
  const left = await t.db
    .insertInto('snapshots')
    .values({
      council_id: councilId,
      as_of: '2025-03-31',
      state: 'building',
      builder: 'a-machine-long-gone:1',
      updated_at: new Date(Date.now() - 60 * 60_000),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const child = await t.db
    .insertInto('children')
    .values({ council_id: councilId, external_id: 'K1', gender: 'unknown', staged_in: left.id })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto('snapshot_children')
    .values({ council_id: councilId, snapshot_id: left.id, source: 'annex_a:6', child_id: child.id })
    .execute();

  await runImport(t.db, options(councilId, list6('again.csv', 4)));
  const held = await rowsHeld(councilId);
  assert.equal(held.snapshots, 1);
  assert.equal(held.snapshot_children, 4);
  assert.equal(held.children, 4, 'the child only the abandoned snapshot listed is gone');
  assert.deepEqual(await whatReadersSee(councilId), {
    latest: '2025-03-31',
    snapshots: [{ asOf: '2025-03-31', children: 4 }],
  });
});
