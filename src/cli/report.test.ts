import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import ExcelJS from 'exceljs';
import { docxParts, wordText } from '../../test/helpers/audit-document.ts';
import { buildModerationFigureFixture } from '../../test/helpers/moderation-figures.ts';
import { seedReturns } from '../../test/helpers/returns.ts';
import { openDb } from '../data/db.ts';
import { migrateToLatest } from '../data/migrate.ts';
import { createCouncil } from '../services/organisation/councils.ts';
import { createProgrammeYear } from '../services/programme/programme.ts';

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

/** A second database on disk, with the hand-worked moderation of test/helpers/moderation-figures.ts. */
let moderationDir: string | undefined;
async function moderationData(): Promise<string> {
  if (moderationDir) return moderationDir;
  const dir = mkdtempSync(join(tmpdir(), 'qaloop-report-moderation-'));
  const db = await openDb({ dataDir: dir });
  try {
    await migrateToLatest(db);
    await buildModerationFigureFixture(db);
  } finally {
    await db.destroy();
  }
  moderationDir = dir;
  return dir;
}
after(() => {
  if (moderationDir) rmSync(moderationDir, { recursive: true, force: true });
});

function qaloop(
  args: string[],
  dir: string = dataDir,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, DATABASE_URL: undefined, QALOOP_DATA_DIR: dir, QALOOP_LOG_LEVEL: 'warn' },
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
      ['report', 'returns', '--from', '2026-04', '--to', '2026-05', '--format', 'pdf'],
      /comes as json, csv, xlsx, docx or html, not pdf/,
    ],
    [
      ['report', 'grades', '--from', '2026-04', '--to', '2026-05', '--team', 'No Such Team'],
      /No team is called "No Such Team" in this council/,
    ],
    [
      ['report', 'sections', '--from', '2026-04', '--to', '2026-05', '--service-area', 'Atlantis'],
      /No service area is called "Atlantis"/,
    ],
    [
      ['report', 'audits', '--from', '2026-04', '--to', '2026-05', '--public'],
      /names children by their case reference, so it cannot be prepared for publication/,
    ],
    [
      ['report', 'actions', '--from', '2026-04', '--to', '2026-05', '--kind', 'séance'],
      /"séance" is not a kind of activity: use full_audit, dip_sample/,
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

test('report moderation: JSON with the fields of interfaces.md, from the stored grades', async () => {
  const dir = await moderationData();
  const run = await qaloop(['report', 'moderation', '--from', '2026-10', '--to', '2026-11'], dir);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  for (const field of [
    'report',
    'from',
    'to',
    'returned',
    'moderated',
    'moderatedRate',
    'supported',
    'upgraded',
    'downgraded',
    'downgradedRate',
    'finalGrades',
    'kappa',
  ]) {
    assert.ok(field in report, `has ${field}`);
  }
  assert.equal(report.report, 'moderation');
  assert.equal(report.returned, 15);
  assert.equal(report.moderated, 12);
  assert.equal(report.moderatedRate, 0.8);
  assert.equal(report.downgradedRate, 0.167);
  assert.equal(report.kappa, 0.5);
  assert.deepEqual(report.finalGrades, { good: 6, requires_improvement: 5, inadequate: 1 });
});

test('report moderation: CSV and HTML to standard output; XLSX and DOCX to files with --out', async () => {
  const dir = await moderationData();
  const range = ['--from', '2026-10', '--to', '2026-11'];
  const csv = await qaloop(['report', 'moderation', ...range, '--format', 'csv'], dir);
  assert.equal(csv.code, 0, csv.stderr);
  assert.match(csv.stdout, /^table,group,returned,moderated,moderatedOf,moderatedRate/);
  assert.match(csv.stdout, /\nby-month,November 2026,10,7,10,0\.7,/);
  const html = await qaloop(['report', 'moderation', ...range, '--format', 'html'], dir);
  assert.equal(html.code, 0, html.stderr);
  assert.match(html.stdout, /<h1 class="govuk-heading-l">Moderation, October 2026 to November 2026<\/h1>/);

  const xlsx = join(dir, 'moderation.xlsx');
  const wrote = await qaloop(['report', 'moderation', ...range, '--format', 'xlsx', '--out', xlsx], dir);
  assert.equal(wrote.code, 0, wrote.stderr);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(xlsx);
  assert.ok(workbook.getWorksheet('By auditor'));

  const docx = join(dir, 'moderation.docx');
  const doc = await qaloop(['report', 'moderation', ...range, '--format', 'docx', '--out', docx], dir);
  assert.equal(doc.code, 0, doc.stderr);
  const xml = (await docxParts(readFileSync(docx))).get('word/document.xml') ?? '';
  assert.ok(wordText(xml).includes('Moderation, October 2026 to November 2026'));
});

test('report moderation: usage errors exit 2 and write nothing', async () => {
  const dir = await moderationData();
  const cases: [string[], RegExp][] = [
    [
      ['report', 'moderation', '--from', '2026-11', '--to', '2026-10'],
      /--from 2026-11 is after --to 2026-10/,
    ],
    [
      ['report', 'moderation', '--from', '2026-10', '--to', '2026-11', '--format', 'pdf'],
      /comes as json, csv, xlsx, docx or html, not pdf/,
    ],
    [
      ['report', 'moderation', '--from', '2026-10', '--to', '2026-11', '--format', 'xlsx'],
      /The xlsx format makes a file: say where to write it with --out PATH/,
    ],
    [
      ['report', 'moderation', '--from', '2026-13', '--to', '2026-11'],
      /--from must be a month written YYYY-MM/,
    ],
  ];
  for (const [args, message] of cases) {
    const run = await qaloop(args, dir);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.equal(run.stdout, '');
  }
});
