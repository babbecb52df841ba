import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { writeZip } from '../../../test/helpers/ssd-extract.ts';
import { ImportLimitError, meteredStream, ReadBudget } from '../../import/read-limits.ts';
import { createCouncil } from '../organisation/councils.ts';
import { runImport } from './run-import.ts';

// Issue 22: a 3.3 MB zip holding 10 million rows kept the import queue busy for 40 minutes. An
// import may read at most the council's rows and megabytes (once uncompressed): past either it is
// refused at once, saying what to do, and nothing is written. The same path serves the command,
// the upload page and the data warehouse (runImport).

let t: TestDb;
let councilId: string;
let dir: string;

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'lim', name: 'Limits Council' })).id;
  dir = mkdtempSync(join(tmpdir(), 'qaloop-limits-'));
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const HEADER = 'ChildUniqueID,Gender,Ethnicity,DateOfBirth,HasDisability,CINStartDate';
const list6 = (children: number, from = 1) =>
  [
    HEADER,
    ...Array.from({ length: children }, (_, i) => `C${from + i},a) Male,a) WBRI,01/04/2015,b) No,01/04/2024`),
  ].join('\n');

async function setLimits(rows: number, megabytes: number) {
  await t.db
    .insertInto('council_settings')
    .values({
      council_id: councilId,
      phase_lengths: '{}',
      import_max_rows: rows,
      import_max_megabytes: megabytes,
    })
    .onConflict((oc) =>
      oc.column('council_id').doUpdateSet({ import_max_rows: rows, import_max_megabytes: megabytes }),
    )
    .execute();
}

/** What the council holds: imports recorded, snapshots, children, audit history. */
async function holdings() {
  const count = async (table: 'imports' | 'snapshots' | 'snapshot_children' | 'children' | 'audit_history') =>
    Number(
      (
        await t.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('council_id', '=', councilId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    imports: await count('imports'),
    snapshots: await count('snapshots'),
    snapshotChildren: await count('snapshot_children'),
    children: await count('children'),
    history: await count('audit_history'),
  };
}

const importFile = (path: string, format?: 'annex-a' | 'ssd' | 'audit-history') =>
  runImport(t.db, { councilId, path, format, asOf: '2026-11-20', strict: false, source: 'command' });

/** Says, in the zip's directory, that its first entry unzips to `size` bytes. */
function declareSize(path: string, size: number) {
  const zip = readFileSync(path);
  const at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  zip.writeUInt32LE(size, at + 24);
  writeFileSync(path, zip);
}

test('a file with more rows than the council allows is refused at once, saying so, and nothing is written', async () => {
  await setLimits(50, 2048);
  const before = await holdings();
  const path = join(dir, 'list6.csv');
  writeFileSync(path, list6(120));
  await assert.rejects(importFile(path), (err: Error) => {
    assert.ok(err instanceof ImportLimitError);
    assert.equal(
      err.message,
      'This file holds more than 50 rows, the most your council allows in one import. Nothing was imported. A QA lead can raise the limit on the Data retention page.',
    );
    return true;
  });
  assert.deepEqual(await holdings(), before);

  // the rows of every file of a zip count together, as do an audit history's
  const zip = writeZip(join(dir, 'lists.zip'), [
    { name: 'list6-a.csv', data: list6(30), deflate: true },
    { name: 'list6-b.csv', data: list6(30, 100), deflate: true },
  ]);
  await assert.rejects(importFile(zip, 'annex-a'), /more than 50 rows/);
  const history = join(dir, 'history.csv');
  writeFileSync(
    history,
    [
      'child_id,month,activity,status,scale,completed_on,grade',
      ...Array.from(
        { length: 60 },
        (_, i) => `${500000 + i},2025-04,full,completed,four_point,2025-04-20,good`,
      ),
    ].join('\n'),
  );
  await assert.rejects(importFile(history), /more than 50 rows/);
  assert.deepEqual(await holdings(), before);

  // within the limit the same kind of file is imported
  writeFileSync(path, list6(40));
  const summary = await importFile(path);
  assert.equal(summary.rowsRead, 40);
  assert.ok((await holdings()).snapshotChildren > before.snapshotChildren);
});

test('a zip bomb: a small zip whose content unzips past the limit is refused before it is inflated', async () => {
  await setLimits(5_000_000, 1);
  const before = await holdings();
  // 4 MB of rows that deflate to a few kilobytes
  const rows = list6(70_000);
  assert.ok(rows.length > 3 * 1024 * 1024);
  const zip = writeZip(join(dir, 'bomb.zip'), [{ name: 'list6.csv', data: rows, deflate: true }]);
  assert.ok(readFileSync(zip).length < 300 * 1024, `zip of ${readFileSync(zip).length} bytes`);
  await assert.rejects(
    importFile(zip, 'annex-a'),
    new ImportLimitError('bytes', { maxRows: 5_000_000, maxBytes: 1024 * 1024 }),
  );
  assert.deepEqual(await holdings(), before);
});

test('a zip that declares a huge entry is refused from its directory, whatever it really holds, by default limits', async () => {
  await t.db
    .updateTable('council_settings')
    .set({ import_max_rows: 5_000_000, import_max_megabytes: 2048 })
    .where('council_id', '=', councilId)
    .execute();
  const before = await holdings();
  const zip = writeZip(join(dir, 'declared.zip'), [{ name: 'list6.csv', data: list6(5), deflate: true }]);
  declareSize(zip, 4_000_000_000);
  await assert.rejects(
    importFile(zip, 'annex-a'),
    /^Error: This file holds more than 2,048 MB of data once uncompressed, the most your council allows in one import\. Nothing was imported\. A QA lead can raise the limit on the Data retention page\.$/,
  );
  // an SSD extract's tables are counted the same way
  const ssd = writeZip(join(dir, 'ssd.zip'), [
    { name: 'ssd_person.csv', data: 'pers_person_id,pers_sex\r\nP1,M\r\n', deflate: true },
  ]);
  declareSize(ssd, 4_000_000_000);
  await assert.rejects(importFile(ssd, 'ssd'), /more than 2,048 MB of data once uncompressed/);
  assert.deepEqual(await holdings(), before);
});

test('bytes are counted as they inflate: a stream that passes the limit stops there, not at its end', async () => {
  const budget = new ReadBudget({ maxRows: 10, maxBytes: 1024 * 1024 });
  let given = 0;
  const chunks = (function* () {
    for (let i = 0; i < 1000; i++) {
      given += 64 * 1024;
      yield Buffer.alloc(64 * 1024, 0x41);
    }
  })();
  const stream = meteredStream(Readable.from(chunks), 'entry.csv', budget);
  let received = 0;
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) received += (chunk as Buffer).length;
    })(),
    ImportLimitError,
  );
  assert.ok(received <= 1024 * 1024, `${received} bytes passed on`);
  assert.ok(given < 2 * 1024 * 1024, `${given} bytes inflated of 64 MB`);
  assert.ok(budget.exceeded instanceof ImportLimitError);
  // a file read twice (its header first) counts once
  const twice = new ReadBudget({ maxRows: 10, maxBytes: 100 });
  twice.countRows('a.csv', 1);
  twice.countRows('a.csv', 8);
  twice.countRows('b.csv', 2);
  assert.equal(twice.rows, 10);
  assert.throws(() => twice.countRows('b.csv', 3), /more than 10 rows/);
});
