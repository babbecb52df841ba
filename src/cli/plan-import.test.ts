import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type CliRun, runQaloop } from '../../test/helpers/cli.ts';
import { openDb } from '../data/db.ts';
import { migrateToLatest } from '../data/migrate.ts';
import { createCouncil } from '../services/organisation/councils.ts';

const ROOT = join(import.meta.dirname, '..', '..');
/** Shaped like the example plan: areas 2 and 6, RAG by North, Central, South and Overall. */
const FIXTURE = join(ROOT, 'test', 'fixtures', 'improvement-plan.docx');
let dataDir: string;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'qaloop-cli-plan-'));
  const db = await openDb({ dataDir });
  try {
    await migrateToLatest(db);
    const council = await createCouncil(db, { code: 'IPC', name: 'Improvement Plan Council' });
    await db
      .insertInto('localities')
      .values(['North', 'Central', 'South'].map((name) => ({ council_id: council.id, name })))
      .execute();
  } finally {
    await db.destroy();
  }
});
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** `qaloop` on this file's data folder. */
function qaloop(args: string[]): Promise<CliRun> {
  return runQaloop(dataDir, args);
}

async function plans(): Promise<{ title: string; status: string }[]> {
  const db = await openDb({ dataDir });
  try {
    return await db
      .selectFrom('improvement_plans')
      .select(['title', 'status'])
      .orderBy('created_at')
      .execute();
  } finally {
    await db.destroy();
  }
}

test('import --format plan --dry-run prints what was read and what was not, and changes nothing', async () => {
  const run = await qaloop(['import', FIXTURE, '--format', 'plan', '--dry-run']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Improvement plan improvement-plan\.docx: 2 areas, 6 outcomes, 15 ratings read\./);
  assert.match(run.stdout, /Rating columns: North, Central, South, Overall/);
  assert.match(
    run.stdout,
    /2\.1 Regular reflective supervision improves decision making \(lead: Team Managers and Assistant Team Managers\): North Red, Central Amber, South Green, Overall Amber/,
  );
  assert.match(run.stdout, /Table 1, row 6: The outcome “A row someone forgot to number” has no reference/);
  assert.match(run.stdout, /Nothing was changed \(--dry-run\)\./);
  assert.deepEqual(await plans(), []);
});

test('import of a Word document saves the plan (the format is known from .docx) and archives the one before', async () => {
  const first = await qaloop(['import', FIXTURE, '--format', 'plan']);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /Saved as the council’s improvement plan: 2 areas, 6 outcomes, 15 ratings\./);
  const second = await qaloop(['import', FIXTURE, '--json']);
  assert.equal(second.code, 0, second.stderr);
  const out = JSON.parse(second.stdout);
  assert.equal(out.format, 'plan');
  assert.equal(out.applied, true);
  assert.equal(out.counts.outcomes, 6);
  assert.ok(out.result.archivedPlanId);
  assert.deepEqual(
    (await plans()).map((p) => p.status),
    ['archived', 'current'],
  );
});

test('a file that is not a plan is refused with exit 1 and nothing changed', async () => {
  const before = await plans();
  const path = join(dataDir, 'notes.csv');
  writeFileSync(path, 'Name,Email\nAnn,ann@example.org\n');
  const run = await qaloop(['import', path, '--format', 'plan']);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /notes\.csv cannot be imported as an improvement plan\. It holds no table of outcomes/,
  );
  assert.match(run.stderr, /Nothing was changed\./);
  const usage = await qaloop(['import', path, '--format', 'plan', '--strict']);
  assert.equal(usage.code, 2);
  assert.deepEqual(await plans(), before);
});
