/**
 * Performance figures for QA Loop, printed (not asserted). Each page's throughput is given as a
 * ratio to /health/live measured in the same run on the same machine, so runs on different
 * machines can be compared.
 *
 *   npm run bench            (about a minute)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { openDb } from '../src/data/db.ts';
import { migrateToLatest } from '../src/data/migrate.ts';
import { createDemoCouncil } from '../src/demo/council.ts';
import { Agent, createTestApp } from '../test/helpers/app.ts';

const ROOT = join(import.meta.dirname, '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 5);

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, performance.now() - t0];
}

/** Fresh data folder to the first ready answer from `qaloop serve` with the demo on. */
async function coldStart(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'qaloop-bench-'));
  const port = 38000 + Math.floor(Math.random() * 1000);
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'qaloop.js'), 'serve'], {
    env: {
      ...process.env,
      QALOOP_DATA_DIR: dir,
      QALOOP_DEMO: '1',
      PORT: String(port),
      QALOOP_LOG_LEVEL: 'warn',
      DATABASE_URL: '',
    },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return performance.now() - t0;
      if (performance.now() - t0 > 120_000) throw new Error('serve did not become ready in 120 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('close', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const [db, openMs] = await time(() => openDb({ dataDir: 'memory' }));
const [, migrateMs] = await time(() => migrateToLatest(db));
const [demo, demoMs] = await time(() => createDemoCouncil(db, { today: '2026-11-22' }));
const startMs = await coldStart();

console.log('QA Loop bench');
console.log(`  embedded database open         ${openMs.toFixed(0).padStart(7)} ms`);
console.log(`  migrations                     ${migrateMs.toFixed(0).padStart(7)} ms`);
console.log(
  `  demo council (${demo.staff} staff, ${demo.children} children) ${demoMs.toFixed(0).padStart(7)} ms`,
);
console.log(
  `  cold start: npm start to ready ${startMs.toFixed(0).padStart(7)} ms   (target: under 10,000 ms)`,
);

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
