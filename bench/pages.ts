/**
 * The slowest pages a QA team opens, on the demo council in the embedded database: each page's
 * median time over five requests after one warm-up, against a baseline (/health/live) timed the same
 * way in the same run, and whether it is under the goal of 500 ms. Printed, not asserted.
 *
 *   node bench/pages.ts                  (about half a minute)
 *
 *   BENCH_RUNS=9          requests timed per page (5 by default)
 *   BENCH_ONLY=quality    time only the pages whose label includes the word
 */
import { openDb } from '../src/data/db.ts';
import { migrateToLatest } from '../src/data/migrate.ts';
import { createDemoCouncil } from '../src/demo/council.ts';
import { Agent, createTestApp } from '../test/helpers/app.ts';

const TODAY = '2026-11-22';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ONLY = process.env.BENCH_ONLY;
const GOAL_MS = 500;

const db = await openDb({ dataDir: 'memory' });
await migrateToLatest(db);
const demo = await createDemoCouncil(db, { today: TODAY });
const app = await createTestApp(db, { today: TODAY });
const qaLead = new Agent(app);
await qaLead.signInAs('qa_lead');
const administrator = new Agent(app);
await administrator.signInAs('administrator');

// the cycle of the month before today's, and the programme year holding today
const month = await db
  .selectFrom('programme_months')
  .select('id')
  .where('council_id', '=', demo.councilId)
  .where('month', '<=', '2026-10-01')
  .orderBy('month', 'desc')
  .limit(1)
  .executeTakeFirstOrThrow();
const year = await db
  .selectFrom('programme_years')
  .select('id')
  .where('council_id', '=', demo.councilId)
  .where('starts_on', '<=', TODAY)
  .orderBy('starts_on', 'desc')
  .limit(1)
  .executeTakeFirstOrThrow();

const pages: [string, Agent, string][] = [
  ['baseline: /health/live', qaLead, '/health/live'],
  ['home page', qaLead, '/'],
  ['quality dashboard', qaLead, '/dashboards/quality'],
  ['sections report', qaLead, '/reports?name=sections'],
  ['grades report', qaLead, '/reports?name=grades'],
  ['Cohorts', qaLead, '/cohorts'],
  ['People', administrator, '/admin/people'],
  ['Draw a sample', qaLead, '/samples/new'],
  ['monthly Word report', qaLead, `/reports/monthly/${month.id}.docx`],
  ['annual Word report', qaLead, `/reports/annual/${year.id}.docx`],
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function timed(agent: Agent, path: string): Promise<number> {
  const t0 = performance.now();
  const res = await agent.get(path);
  const ms = performance.now() - t0;
  if (res.statusCode !== 200)
    throw new Error(`${path} answered ${res.statusCode}, so its time means nothing`);
  return ms;
}

console.log(
  `QA Loop pages on the demo council (${demo.staff} staff, ${demo.children} children), embedded database`,
);
console.log(
  `  median of ${RUNS} after one warm-up       median ms  fastest  slowest  ratio to baseline  under ${GOAL_MS} ms`,
);
let baseline = 0;
for (const [label, agent, path] of pages) {
  if (ONLY && baseline && !label.toLowerCase().includes(ONLY.toLowerCase())) continue;
  await timed(agent, path);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await timed(agent, path));
  const ms = median(times);
  if (!baseline) baseline = ms;
  console.log(
    `  ${label.padEnd(36)} ${ms.toFixed(1).padStart(9)} ${Math.min(...times)
      .toFixed(1)
      .padStart(8)} ${Math.max(...times)
      .toFixed(1)
      .padStart(8)} ${(ms / baseline).toFixed(0).padStart(18)}  ${ms < GOAL_MS ? 'yes' : 'NO'}`,
  );
}
await app.close();
await db.destroy();
