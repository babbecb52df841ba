/**
 * Performance figures for QA Loop, printed (not asserted). Each page's throughput is given as a
 * ratio to /health/live measured in the same run on the same machine, so runs on different
 * machines can be compared.
 *
 *   npm run bench            (about a minute)
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { openDb } from '../src/data/db.ts';
import { migrateToLatest } from '../src/data/migrate.ts';
import { createDemoCouncil } from '../src/demo/council.ts';
import { Agent, createTestApp } from '../test/helpers/app.ts';
import { freePort } from '../test/helpers/ports.ts';

const ROOT = join(import.meta.dirname, '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 5);

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, performance.now() - t0];
}

interface Started {
  child: ChildProcess;
  /** from spawning the process to the first 200 from /health/ready */
  ms: number;
  /** what the app said of its own start: each part's time and the processor time used */
  ready?: { phasesMs: Record<string, number>; cpuMs: number };
}

/** `qaloop serve` with the demo on, timed from spawning it to the first ready answer. */
async function startServe(env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'qaloop.js'), 'serve'], {
    env: { ...process.env, QALOOP_DEMO: '1', QALOOP_MAIL: 'none', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let ready: Started['ready'];
  let out = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
    for (const line of out.split('\n').slice(0, -1)) {
      if (line.includes('"QA Loop is ready"')) ready = JSON.parse(line);
    }
    out = out.slice(out.lastIndexOf('\n') + 1);
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error('serve stopped before it was ready');
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) {
      const ms = performance.now() - t0;
      // the log line is written as the app starts listening: give it a moment to arrive
      for (let i = 0; i < 20 && !ready; i++) await new Promise((r) => setTimeout(r, 50));
      return { child, ms, ready };
    }
    if (performance.now() - t0 > 180_000) {
      child.kill('SIGKILL');
      throw new Error('serve did not become ready in 180 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopServe(started: Started, signal: 'SIGTERM' | 'SIGKILL') {
  const closed = new Promise((r) => started.child.once('close', r));
  started.child.kill(signal);
  await closed;
}

/** Baseline: starting a Node process that does nothing, the median of three. */
function nodeStartMs(): number {
  const times = [0, 1, 2].map(() => {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
    return performance.now() - t0;
  });
  return times.sort((a, b) => a - b)[1];
}

/**
 * Start-up, each against starting Node itself in the same run: a new data folder (or database) with
 * the demo generated (goal 10 s), a restart on that database (goal 3 s), and a restart after the
 * process was killed with `kill -9` (no clean shutdown: the embedded database replays its log).
 */
async function startUp(databaseUrl: string | undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'qaloop-bench-start-'));
  let env: Record<string, string> = { QALOOP_DATA_DIR: join(dir, 'data'), DATABASE_URL: '' };
  let drop: (() => Promise<void>) | undefined;
  if (databaseUrl) {
    const name = `qaloop_bench_start_${process.pid}`;
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`create database "${name}"`);
    await admin.end();
    const url = new URL(databaseUrl);
    url.pathname = `/${name}`;
    env = { ...env, DATABASE_URL: url.toString() };
    drop = async () => {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
    };
  }
  const rows: [string, Started, number][] = [];
  try {
    const fresh = await startServe(env);
    rows.push(['fresh start with the demo', fresh, 10_000]);
    await stopServe(fresh, 'SIGTERM');
    const restart = await startServe(env);
    rows.push(['restart on that database', restart, 3_000]);
    await stopServe(restart, 'SIGKILL');
    const afterKill = await startServe(env);
    rows.push(['restart after kill -9', afterKill, 3_000]);
    await stopServe(afterKill, 'SIGTERM');
  } finally {
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  }
  const baseline = nodeStartMs();
  console.log(`\n  start-up, ${databaseUrl ? 'PostgreSQL' : 'embedded database'}: npm start to ready`);
  console.log(`  baseline: node -e '' (process start) ${baseline.toFixed(0).padStart(7)} ms`);
  for (const [label, started, goal] of rows) {
    console.log(
      `  ${label.padEnd(34)} ${started.ms.toFixed(0).padStart(7)} ms   ${(started.ms / baseline).toFixed(0).padStart(4)}× baseline   goal ${goal.toLocaleString('en-GB')} ms   processor ${started.ready?.cpuMs ?? '?'} ms`,
    );
    if (started.ready)
      console.log(
        `    ${Object.entries(started.ready.phasesMs)
          .map(([phase, ms]) => `${phase} ${ms}`)
          .join(', ')}`,
      );
  }
}

const [db, openMs] = await time(() => openDb({ dataDir: 'memory' }));
const [, migrateMs] = await time(() => migrateToLatest(db));
const [demo, demoMs] = await time(() => createDemoCouncil(db, { today: '2026-11-22' }));

console.log('QA Loop bench');
console.log(`  embedded database open         ${openMs.toFixed(0).padStart(7)} ms`);
console.log(`  migrations                     ${migrateMs.toFixed(0).padStart(7)} ms`);
console.log(
  `  demo council (${demo.staff} staff, ${demo.children} children) ${demoMs.toFixed(0).padStart(7)} ms`,
);
await startUp(undefined);
if (process.env.DATABASE_URL) await startUp(process.env.DATABASE_URL);

const app = await createTestApp(db);
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
const agent = new Agent(app);
await agent.signInAs('qa_lead');
const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
const child = await db.selectFrom('children').select('id').limit(1).executeTakeFirstOrThrow();

const targets: [string, string, boolean][] = [
  ['baseline: /health/live', '/health/live', false],
  ['sign-in page (signed out)', '/sign-in', false],
  ['home page (QA lead)', '/', true],
  ['organisation (14 teams)', '/organisation', true],
  ['child record + access log write', `/children/${child.id}`, true],
];

console.log(`\n  ${seconds} s each, 10 connections         req/s    p50 ms   p99 ms   ratio to baseline`);
let baseline = 0;
for (const [label, path, signedIn] of targets) {
  const result = await autocannon({
    url: base + path,
    connections: 10,
    duration: seconds,
    headers: signedIn ? { cookie, accept: 'text/html' } : { accept: 'text/html' },
  });
  const rps = result.requests.average;
  if (!baseline) baseline = rps;
  if (result.non2xx)
    throw new Error(`${label}: ${result.non2xx} answers were not 2xx, so its figures mean nothing`);
  console.log(
    `  ${label.padEnd(34)} ${rps.toFixed(0).padStart(7)} ${String(result.latency.p50).padStart(8)} ${String(result.latency.p99).padStart(8)}   ${(rps / baseline).toFixed(3)}`,
  );
}
await app.close();
await db.destroy();
