import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runQaloop } from '../../test/helpers/cli.ts';
import { writeZip } from '../../test/helpers/ssd-extract.ts';

// `qaloop import` applies the council's limits on one import (issue 22): a zip that unzips to more
// than they allow is refused before it is inflated, exit 1, nothing changed.

let dataDir: string;

before(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'qaloop-cli-limits-'));
});
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('import: a small zip declaring gigabytes is refused with the limit and what to do (exit 1)', async () => {
  const created = await runQaloop(dataDir, [
    'council',
    'create',
    '--code',
    'LIMITS',
    '--name',
    'Limits Council',
    '--admin-email',
    'admin@limits.example.gov.uk',
  ]);
  assert.equal(created.code, 0, created.stderr);
  const path = writeZip(join(dataDir, 'extract.zip'), [
    { name: 'list6.csv', data: 'ChildUniqueID,Gender\nC1,a) Male\n', deflate: true },
  ]);
  // the zip's directory says its one entry unzips to 4 GB
  const zip = readFileSync(path);
  zip.writeUInt32LE(4_000_000_000, zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 24);
  writeFileSync(path, zip);
  const run = await runQaloop(dataDir, ['import', path, '--format', 'annex-a', '--as-of', '2026-11-01']);
  assert.equal(run.code, 1, run.stdout);
  assert.match(
    run.stderr,
    /This file holds more than 2,048 MB of data once uncompressed, the most your council allows in one import\. Nothing was imported\. A QA lead can raise the limit on the Data retention page\./,
  );
});
