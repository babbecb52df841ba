/**
 * Pages under load (issue 22, goal 1): requests per second at 50 connections for each page a QA
 * team opens most, against /health/live measured the same way on the same instance in the same
 * run. The goal is each page at 10% or more of the baseline. A real `qaloop serve` on the demo
 * council: on the embedded database, then on PostgreSQL when DATABASE_URL is set. Printed, not asserted.
 *
 *   node bench/throughput.ts                 (a few minutes a database, more while the demo is made)
 *
 *   BENCH_SECONDS=10       seconds of load on each page (10 by default)
 *   BENCH_CONNECTIONS=50   connections at once
 *   BENCH_ONLY=returns     load only the pages whose label includes the word (and the baseline)
 *   BENCH_DB=postgres      only one database (embedded or postgres)
 */
import autocannon from 'autocannon';
import { createTestDb } from '../test/helpers/db.ts';
import { auditsToDo, Browser, firstPart, giveDemoPassword, leaders, serveOn } from './served.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ONLY = process.env.BENCH_ONLY;
const GOAL = 0.1;

/** Loads each page on one database: PostgreSQL when `databaseUrl` is given, the embedded one otherwise. */
async function onDatabase(databaseUrl: string | undefined) {
  // createTestDb reads DATABASE_URL
  if (databaseUrl) process.env.DATABASE_URL = databaseUrl;
  else delete process.env.DATABASE_URL;
  const t = await createTestDb({ demo: true });
  const councilId = t.demo.councilId;
  const [audit] = await auditsToDo(t.db, councilId);
  const lead = (await leaders(t.db, councilId)).find((l) => l.role === 'qa_lead');
  if (!audit || !lead) throw new Error('the demo council has no audit to do or no QA lead');
  await giveDemoPassword(t.db, [audit.email, lead.email]);
  const served = await serveOn(t.db);
  const kind = t.kind === 'postgres' ? 'PostgreSQL' : 'embedded database';

  try {
    const auditor = new Browser(served.base);
    await auditor.signIn(audit.email);
    const qaLead = new Browser(served.base);
    await qaLead.signIn(lead.email);
    const part = await firstPart(auditor, audit.audit_id);

    const pages: [string, Browser | null, string][] = [
      ['baseline: /health/live', null, '/health/live'],
      ['My audits', auditor, '/my-audits'],
      ['an audit\u2019s part', auditor, `/audits/${audit.audit_id}/parts/${part}`],
      ['QA lead\u2019s home', qaLead, '/'],
      ['cycle dashboard', qaLead, '/dashboards/cycle'],
      ['returns', qaLead, '/returns'],
    ];

    console.log(
      `QA Loop pages at ${CONNECTIONS} connections for ${SECONDS} s each, demo council, one \`qaloop serve\`, ${kind}`,
    );
    console.log(
      '  page                   200s a second   p50 ms   p90 ms p97.5 ms  not 200  ratio to baseline  goal ≥ 0.10',
    );
    let baseline = 0;
    for (const [label, browser, path] of pages) {
      if (ONLY && baseline && !label.toLowerCase().includes(ONLY.toLowerCase())) continue;
      // the page must answer 200 to its person, or its speed means nothing
      // (waiting, while the instance is still busy with the last page's load, for up to a minute)
      if (browser) {
        const until = Date.now() + 60_000;
        let status = (await browser.ask(path)).status;
        while (status !== 200 && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 1000));
          status = (await browser.ask(path)).status;
        }
        if (status !== 200) throw new Error(`${label} answered ${status}`);
      }
      const result = await autocannon({
        url: served.base + path,
        connections: CONNECTIONS,
        duration: SECONDS,
        headers: { accept: 'text/html', ...(browser ? { cookie: browser.cookie() } : {}) },
      });
      // pages answered: a quick "busy, try again" (503) is not a page served
      const rps = result['2xx'] / result.duration;
      if (!baseline) baseline = rps;
      const ratio = rps / baseline;
      const failed = result.non2xx + result.errors + result.timeouts;
      console.log(
        `  ${label.padEnd(24)} ${rps.toFixed(1).padStart(13)} ${String(result.latency.p50).padStart(8)} ${String(result.latency.p90).padStart(8)} ${String(result.latency.p97_5).padStart(8)} ${String(failed).padStart(8)} ${ratio.toFixed(3).padStart(18)}  ${label.startsWith('baseline') ? '' : ratio >= GOAL ? 'yes' : 'NO'}`,
      );
    }
  } finally {
    await served.stop();
    await t.close();
  }
}

const databaseUrl = process.env.DATABASE_URL;
if (process.env.BENCH_DB !== 'postgres') await onDatabase(undefined);
if (databaseUrl && process.env.BENCH_DB !== 'embedded') await onDatabase(databaseUrl);
