import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type CliRun, runQaloop } from '../../test/helpers/cli.ts';
import { importLists } from '../../test/helpers/snapshots.ts';
import { openDb } from '../data/db.ts';
import { migrateToLatest } from '../data/migrate.ts';
import type { DataQualityReport } from '../services/case-data/data-quality.ts';
import { addServiceArea, addTeam, createCouncil } from '../services/organisation/councils.ts';
import { EXAMPLES_PRINTED, reportText } from './data-quality.ts';

let dataDir: string;

const CIN = { kind: 'cin_plan' as const, startDate: '2026-01-10' };

/** A database on disk with two councils: one with two snapshots, one with none. */
before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'qaloop-dq-'));
  const db = await openDb({ dataDir });
  try {
    await migrateToLatest(db);
    const councilId = (await createCouncil(db, { code: 'dq', name: 'Quality Council' })).id;
    await createCouncil(db, { code: 'empty', name: 'Empty Council' });
    const area = await addServiceArea(db, councilId, 'Children in need');
    await addTeam(db, councilId, { name: 'Westbrook North CIN', serviceAreaId: area });
    await importLists(db, councilId, '2026-10-01', [
      {
        source: 'annex_a:6',
        file: 'october.csv',
        rows: [{ ref: 'C1', episode: CIN, team: 'Westbrook North CIN' }],
      },
    ]);
    await importLists(db, councilId, '2026-11-01', [
      {
        source: 'annex_a:6',
        file: 'november.csv',
        rows: [
          { ref: 'C1', dateOfBirth: '2015-03-01', episode: CIN, team: 'Westbrook North CIN' },
          { ref: 'C2', episode: CIN, team: 'Westbrook Nth CIN' },
        ],
      },
      {
        source: 'annex_a:9',
        file: 'november.csv',
        rows: [
          { ref: 'C1', dateOfBirth: '2015-04-01', episode: { kind: 'care_leaver', startDate: '2026-06-01' } },
        ],
      },
    ]);
  } finally {
    await db.destroy();
  }
});
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** `qaloop` on this file's data folder. */
function qaloop(args: string[]): Promise<CliRun> {
  return runQaloop(dataDir, args);
}

test('data-quality --json prints the latest snapshot’s report', async () => {
  const run = await qaloop(['data-quality', '--json', '--council', 'dq']);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as DataQualityReport;
  assert.equal(report.asOf, '2026-11-01');
  assert.equal(report.previousAsOf, '2026-10-01');
  assert.equal(report.children, 2);
  assert.equal(report.conflicts.count, 1);
  assert.deepEqual(
    report.conflicts.examples[0].rows.map((r) => [r.file, r.row, r.dateOfBirth]),
    [
      ['november.csv', 2, '2015-03-01'],
      ['november.csv', 2, '2015-04-01'],
    ],
  );
  assert.deepEqual(report.unmatchedNames.teams, [{ name: 'Westbrook Nth CIN', children: 1 }]);
  assert.deepEqual(
    report.counts.byList.map((c) => [c.name, c.count, c.change]),
    [
      ['Annex A list 6 (Children in need)', 2, 1],
      ['Annex A list 9 (Care leavers)', 1, 1],
    ],
  );
});

test('data-quality --as-of reports that snapshot; a date with none is refused (exit 1)', async () => {
  const october = await qaloop(['data-quality', '--json', '--as-of', '2026-10-01', '--council', 'dq']);
  assert.equal(october.code, 0, october.stderr);
  assert.equal((JSON.parse(october.stdout) as DataQualityReport).previousAsOf, null);

  const missing = await qaloop(['data-quality', '--as-of', '2026-10-02', '--council', 'dq']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /There is no snapshot dated 2026-10-02: the latest is dated 2026-11-01/);
  assert.equal(missing.stdout, '');

  const none = await qaloop(['data-quality', '--council', 'empty']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /There is no snapshot yet: import case data first/);

  const badDate = await qaloop(['data-quality', '--as-of', '2026-02-30', '--council', 'dq']);
  assert.equal(badDate.code, 2);
  assert.match(badDate.stderr, /--as-of must be a real date/);
  const twoCouncils = await qaloop(['data-quality']);
  assert.equal(twoCouncils.code, 2);
  assert.match(twoCouncils.stderr, /say which with --council \(dq, empty\)/);
});

test('data-quality without --json prints readable lines: headline counts, then each finding', async () => {
  const run = await qaloop(['data-quality', '--council', 'dq']);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'Data quality of the snapshot of 1 November 2026, compared with 1 October 2026');
  assert.ok(lines.includes('Children listed: 2'));
  assert.ok(lines.includes('Open cases: 2'));
  assert.ok(lines.includes('Same child twice with conflicting details: 1'));
  assert.match(
    run.stdout,
    /\n {2}C1: date of birth differs \(Annex A list 6 \(Children in need\), november\.csv, row 2: born 2015-03-01/,
  );
  assert.ok(lines.includes('Open cases with no allocated worker: 2'));
  assert.ok(lines.includes('Ages that do not fit the list: 1'));
  assert.ok(lines.includes('  C1: Aged 11 among care leavers, who are 16 to 25'));
  assert.ok(lines.includes('Team names not matched: 1'));
  assert.ok(lines.includes('  Westbrook Nth CIN (1 child)'));
  assert.ok(lines.includes('  Annex A list 6 (Children in need): 2 (+1)'));
  assert.ok(lines.includes('  Annex A list 9 (Care leavers): 1 (+1)'));
});

test(`the readable lines give at most ${EXAMPLES_PRINTED} examples of a finding, and say how many more`, () => {
  const examples = Array.from({ length: 100 }, (_, i) => ({ childId: `id${i}`, childRef: `R${i}` }));
  const report = {
    snapshotId: 's',
    asOf: '2026-11-01',
    previousAsOf: null,
    children: 250,
    openChildren: 250,
    conflicts: { count: 0, examples: [] },
    unallocated: { count: 250, examples },
    allocatedToManagers: { count: 0, examples: [] },
    ageMismatches: { count: 0, examples: [] },
    unmatchedNames: { teams: [], workers: [] },
    counts: { byList: [], byTeam: [], byServiceArea: [] },
  } satisfies DataQualityReport;
  const text = reportText(report);
  assert.match(text, /Open cases with no allocated worker: 250\n {2}R0\n/);
  assert.match(text, /\n {2}R9\n {2}and 240 more/);
  assert.doesNotMatch(text, /R10\b/);
  assert.match(text, /the first snapshot/);
});
