import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { createCouncil } from '../services/organisation/councils.ts';
import { ServiceQaImportRefusedError } from '../services/service-qa/entry-import.ts';
import { importServiceQaFile } from './service-qa-import.ts';

const TODAY = '2026-11-22';
let t: TestDb;
let dir: string;
let councilId: string;

before(async () => {
  t = await createTestDb();
  dir = mkdtempSync(join(tmpdir(), 'qaloop-service-qa-cli-'));
  councilId = (await createCouncil(t.db, { code: 'SQC', name: 'Service QA CLI Council' })).id;
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the command imports a CSV, or with --dry-run changes nothing; a file with nothing to import is refused', async () => {
  const path = join(dir, 'cli.csv');
  writeFileSync(
    path,
    'Service,Period start,Period end,What was reviewed,Number reviewed,Practice themes\nComplaints,01/10/2026,31/10/2026,Complaints closed,9,Recording and language\n',
  );
  const count = async () =>
    Number(
      (
        await t.db
          .selectFrom('service_qa_entries')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('council_id', '=', councilId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const before = await count();
  const dry = await importServiceQaFile(t.db, councilId, { path, json: false, dryRun: true, today: TODAY });
  assert.match(dry, /1 row read, 0 rows not read/);
  assert.match(dry, /Nothing was changed \(--dry-run\)/);
  assert.equal(await count(), before);
  const json = JSON.parse(
    await importServiceQaFile(t.db, councilId, { path, json: true, dryRun: false, today: TODAY }),
  );
  assert.equal(json.applied, true);
  assert.equal(json.entries, 1);
  assert.equal(await count(), before + 1);
  const bad = join(dir, 'bad.csv');
  writeFileSync(
    bad,
    'Service,Period start,Period end,What was reviewed,Number reviewed\nNowhere,01/10/2026,31/10/2026,X,1\n',
  );
  await assert.rejects(
    importServiceQaFile(t.db, councilId, { path: bad, json: false, dryRun: false, today: TODAY }),
    (err: Error) =>
      err instanceof ServiceQaImportRefusedError &&
      /Row 2: Service: “Nowhere” is not one of/.test(err.message),
  );
  assert.equal(await count(), before + 1);
});
