import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { seedReturns } from '../../test/helpers/returns.ts';
import { openDb } from '../data/db.ts';
import { migrateToLatest } from '../data/migrate.ts';
import { createCouncil } from '../services/organisation.ts';
import { createProgrammeYear } from '../services/programme.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'qaloop.js');
let dataDir: string;

/** A database on disk with the hand-counted returns of September to November 2026. */
before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'qaloop-report-'));
  const db = await openDb({ dataDir });
  try {
    await migrateToLatest(db);
    const councilId = (await createCouncil(db, { code: 'rt', name: 'Returns Council' })).id;
    await createProgrammeYear(db, councilId, { startMonth: '2026-04' }, '2026-03-01');
    await seedReturns(db, councilId);
  } finally {
    await db.destroy();
  }
});
after(() => rmSync(dataDir, { recursive: true, force: true }));

function qaloop(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, DATABASE_URL: undefined, QALOOP_DATA_DIR: dataDir, QALOOP_LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('report returns: JSON with exactly the fields of interfaces.md, month by month and in total', async () => {
  const run = await qaloop(['report', 'returns', '--from', '2026-08', '--to', '2026-11']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), {
    report: 'returns',
    from: '2026-08',
    to: '2026-11',
    months: [
      { month: '2026-08', planned: 0, exempted: 0, scheduled: 0, returned: 0, returnRate: null },
      { month: '2026-09', planned: 1, exempted: 0, scheduled: 1, returned: 1, returnRate: 1 },
      { month: '2026-10', planned: 5, exempted: 1, scheduled: 4, returned: 3, returnRate: 0.75 },
      { month: '2026-11', planned: 8, exempted: 2, scheduled: 6, returned: 3, returnRate: 0.5 },
    ],
    total: { planned: 14, exempted: 3, scheduled: 11, returned: 7, returnRate: 0.636 },
  });
});

test('report returns: CSV to standard output, and to a file with --out', async () => {
  const run = await qaloop(['report', 'returns', '--from', '2026-10', '--to', '2026-11', '--format', 'csv']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stdout,
    [
      'month,planned,exempted,scheduled,returned,returnRate',
      '2026-10,5,1,4,3,0.75',
      '2026-11,8,2,6,3,0.5',
      'total,13,3,10,6,0.6',
      '',
    ].join('\n'),
  );
  const out = join(dataDir, 'returns.csv');
  const written = await qaloop([
    'report',
    'returns',
    '--from',
    '2026-10',
    '--to',
    '2026-11',
    '--format',
    'csv',
    '--out',
    out,
  ]);
  assert.equal(written.code, 0, written.stderr);
  assert.equal(written.stdout, '');
  assert.equal(
    readFileSync(out, 'utf8'),
    `\ufeff${run.stdout}`,
    'the file starts with a byte-order mark for Excel',
  );
});

test('report: an unknown report or format, a bad or backwards range is a usage error (exit 2)', async () => {
  const cases: [string[], RegExp][] = [
    [['report'], /Say which report/],
    [
      ['report', 'grumbles', '--from', '2026-04', '--to', '2026-05'],
      /No report is called grumbles: the reports are returns/,
    ],
    [
      ['report', 'returns', '--from', '2026-04', '--to', '2026-05', '--format', 'docx'],
      /comes as json or csv, not docx/,
    ],
    [['report', 'returns', '--to', '2026-05'], /--from YYYY-MM/],
    [['report', 'returns', '--from', '2026-4', '--to', '2026-05'], /--from must be a month written YYYY-MM/],
    [['report', 'returns', '--from', '2026-11', '--to', '2026-04'], /--from 2026-11 is after --to 2026-04/],
  ];
  for (const [args, message] of cases) {
    const run = await qaloop(args);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.equal(run.stdout, '');
  }
});
