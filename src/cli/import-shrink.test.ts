import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type CliRun, runQaloop } from '../../test/helpers/cli.ts';

// `qaloop import` refuses a file that empties a list or shrinks it beyond the council's share
// (issue 22), exit 1 and nothing changed, unless --allow-shrink.

let dataDir: string;

before(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'qaloop-cli-shrink-'));
});
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** `qaloop` on this file's data folder. */
function qaloop(args: string[]): Promise<CliRun> {
  return runQaloop(dataDir, args);
}

function list6(children: number): string {
  const path = join(dataDir, 'list6.csv');
  const rows = Array.from(
    { length: children },
    (_, i) => `C${i + 1},a) Male,a) WBRI,01/04/2015,b) No,01/04/2024`,
  );
  writeFileSync(
    path,
    ['ChildUniqueID,Gender,Ethnicity,DateOfBirth,HasDisability,CINStartDate', ...rows].join('\n'),
  );
  return path;
}

test('import: a header-only list and a 40% shrink are refused (exit 1); 20% or --allow-shrink is taken', async () => {
  const created = await qaloop([
    'council',
    'create',
    '--code',
    'SHRINK',
    '--name',
    'Shrink Council',
    '--admin-email',
    'admin@shrink.example.gov.uk',
  ]);
  assert.equal(created.code, 0, created.stderr);
  const first = await qaloop(['import', list6(10), '--as-of', '2026-11-01', '--json']);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(JSON.parse(first.stdout).rowsAccepted, 10);

  const empty = await qaloop(['import', list6(0), '--as-of', '2026-11-01', '--strict']);
  assert.equal(empty.code, 1);
  assert.match(
    empty.stderr,
    /This file would remove all 10 children on Annex A list 6 \(Children in need\): it lists none\. Nothing was imported\. If the file is right, import it again with --allow-shrink\./,
  );
  const shrunk = await qaloop(['import', list6(6), '--as-of', '2026-11-08']);
  assert.equal(shrunk.code, 1);
  assert.match(
    shrunk.stderr,
    /would remove 4 of the 10 children on Annex A list 6 \(Children in need\) \(40%\), more than the 33% your council allows/,
  );

  const fewer = await qaloop(['import', list6(8), '--as-of', '2026-11-08', '--json']);
  assert.equal(fewer.code, 0, fewer.stderr);
  assert.equal(JSON.parse(fewer.stdout).rowsAccepted, 8);
  const confirmed = await qaloop(['import', list6(0), '--as-of', '2026-11-08', '--allow-shrink', '--json']);
  assert.equal(confirmed.code, 0, confirmed.stderr);
  assert.equal(JSON.parse(confirmed.stdout).rowsRead, 0);

  const usage = await qaloop([]);
  assert.match(usage.stdout, /--allow-shrink/);
});
