import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { freePort } from '../../test/helpers/ports.ts';
import { MIGRATION_NAMES } from '../data/migrate.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'qaloop.js');
let dataDir: string;

before(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'qaloop-cli-'));
});
after(() => rmSync(dataDir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function qaloop(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {
        ...process.env,
        DATABASE_URL: undefined,
        QALOOP_DATA_DIR: dataDir,
        QALOOP_LOG_LEVEL: 'warn',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('no command or an unknown one is a usage error (exit 2)', async () => {
  const none = await qaloop([]);
  assert.equal(none.code, 2);
  assert.match(none.stdout, /Usage: qaloop/);
  const unknown = await qaloop(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown command: frobnicate/);
});

test('an unreachable DATABASE_URL stops the process with one clear line naming the variable', async () => {
  const run = await qaloop(['serve'], { DATABASE_URL: 'postgres://qa:topsecret@127.0.0.1:1/qaloop' });
  assert.equal(run.code, 1);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0], /DATABASE_URL/);
  assert.match(lines[0], /127\.0\.0\.1:1\/qaloop/);
  assert.doesNotMatch(run.stderr, /topsecret/);
});

test('a malformed DATABASE_URL is a configuration error', async () => {
  const run = await qaloop(['migrate'], { DATABASE_URL: 'mysql://nope' });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /DATABASE_URL must start with postgres/);
});

test('migrate, then demo loads the council once and refuses a second time (exit 1)', async () => {
  const migrate = await qaloop(['migrate']);
  assert.equal(migrate.code, 0, migrate.stderr);
  assert.equal(
    migrate.stdout.trim(),
    `Applied ${MIGRATION_NAMES.length} migrations: ${MIGRATION_NAMES.join(', ')}`,
  );
  const again = await qaloop(['migrate']);
  assert.match(again.stdout, /The database is up to date/);
  const demo = await qaloop(['demo']);
  assert.equal(demo.code, 0, demo.stderr);
  assert.match(demo.stdout, /3 localities, 15 teams, 159 staff, 3000 children/);
  const twice = await qaloop(['demo']);
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /already holds a council/);
});

async function serveAndStop(env: Record<string, string | undefined>) {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...process.env, QALOOP_DATA_DIR: dataDir, QALOOP_LOG_LEVEL: 'warn', PORT: String(port), ...env },
  });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  let running = true;
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      running = false;
      resolve(code);
    }),
  );
  // Loading the demo takes its time on a busy machine: wait while the process runs, up to a ceiling.
  const deadline = Date.now() + 300_000;
  let ready = false;
  while (running && Date.now() < deadline && !ready) {
    ready = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (!ready) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(ready, 'the app became ready');
  const signIn = await fetch(`http://127.0.0.1:${port}/sign-in`);
  assert.equal(signIn.status, 200);
  const html = await signIn.text();
  child.kill('SIGTERM');
  assert.equal(await exited, 0, 'graceful shutdown exits 0');
  return { stdout, html };
}

test('serve with the demo on loads the demo council into an empty database, serves, and shuts down cleanly', async () => {
  const fresh = mkdtempSync(join(tmpdir(), 'qaloop-serve-'));
  try {
    const { stdout, html } = await serveAndStop({
      QALOOP_DATA_DIR: fresh,
      QALOOP_DEMO: '1',
      DATABASE_URL: undefined,
    });
    assert.match(stdout, /QA Loop is running at http:\/\/localhost:\d+/);
    assert.match(html, /Demonstration: sign in as someone/);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
});

test('serve runs against a PostgreSQL server named by DATABASE_URL', {
  skip: !process.env.DATABASE_URL && 'DATABASE_URL not set',
}, async () => {
  const server = process.env.DATABASE_URL as string;
  const name = `qaloop_cli_${process.pid}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  try {
    const url = new URL(server);
    url.pathname = `/${name}`;
    const { html } = await serveAndStop({ DATABASE_URL: url.toString(), QALOOP_DEMO: '1' });
    assert.match(html, /Demonstration: sign in as someone/);
  } finally {
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
});

test('import: an audit history file is taken with its bad rows reported (exit 0); --strict refuses it (exit 1)', async () => {
  const path = join(dataDir, 'history.csv');
  writeFileSync(
    path,
    [
      'child_id,month,activity,status,scale,completed_on,grade',
      '100001,2025-04,full,completed,four_point,2025-04-20,good',
      '100002,2025-04,full,completed,four_point,,good',
    ].join('\n'),
  );
  const run = await qaloop(['import', path, '--json', '--as-of', '2026-11-20']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), {
    format: 'audit-history',
    asOf: '2026-11-20',
    rowsRead: 2,
    rowsAccepted: 1,
    rowsRejected: 1,
    errors: [
      {
        file: 'history.csv',
        row: 3,
        column: 'completed_on',
        message: 'A completed audit needs the date it was completed',
      },
    ],
  });
  const strict = await qaloop(['import', path, '--strict']);
  assert.equal(strict.code, 1);
  assert.match(strict.stdout, /Nothing was imported: 1 of 2 rows are invalid\./);
  assert.match(strict.stdout, /history\.csv, row 3, column completed_on/);
});

test('import: a file that is not UTF-8 is imported saying it was read as Windows-1252', async () => {
  const path = join(dataDir, 'list6.csv');
  writeFileSync(
    path,
    Buffer.concat([
      Buffer.from('ChildUniqueID,CINStartDate,AllocatedWorker\r\nE1,01/04/2026,Ren'),
      Buffer.from([0xe9]),
    ]),
  );
  const run = await qaloop(['import', path, '--as-of', '2026-11-21', '--allow-shrink']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Imported 1 of 1 rows of annex a as of 2026-11-21\./);
  assert.match(run.stdout, /^Note: list6\.csv was read as Windows-1252 \(it is not UTF-8\)/m);
  const json = await qaloop(['import', path, '--json', '--as-of', '2026-11-21', '--allow-shrink']);
  assert.equal(json.code, 0, json.stderr);
  assert.match(JSON.parse(json.stdout).notices[0], /^list6\.csv was read as Windows-1252/);
});

test('import: a file of the wrong shape is refused (exit 1); bad options are usage errors (exit 2)', async () => {
  const wrong = join(dataDir, 'people.csv');
  writeFileSync(wrong, 'name,age\nSam,4\n');
  const refused = await qaloop(['import', wrong]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /people\.csv holds no Annex A list/);
  const asHistory = await qaloop(['import', wrong, '--format', 'audit-history']);
  assert.equal(asHistory.code, 1);
  assert.match(asHistory.stderr, /people\.csv is not an audit history file/);
  assert.equal((await qaloop(['import'])).code, 2);
  assert.equal((await qaloop(['import', wrong, '--format', 'spreadsheet'])).code, 2);
  const badDate = await qaloop(['import', wrong, '--as-of', '2026-02-30']);
  assert.equal(badDate.code, 2);
  assert.match(badDate.stderr, /--as-of must be a real date/);
});
