/**
 * Whether the app keeps answering while it is busy (issue 22, goal 2): on a real `qaloop serve`
 * with the demo council, the p95 of /health/live and of the QA lead's home page, asked one after
 * another without pause, while nothing else runs (the baseline), while a 200,000-row Annex A list 6
 * is imported through the upload page, and while the annual Word report is made; then 200
 * connections on the home page at once, how many of them were answered "busy, try again", and how
 * long /health/live took to answer once that load stopped. Embedded database, and PostgreSQL too
 * when DATABASE_URL is set. Printed as figures and as ratios to the baseline, never asserted.
 *
 *   node bench/busy.ts                (about 3 minutes a database)
 *
 *   BENCH_BUSY_ROWS=200000    rows of the imported list
 *   BENCH_BUSY_ONLY=embedded  one database only (embedded or postgres)
 *   BENCH_BUSY_DATA_FROM=DIR  start the embedded database from a copy of this data folder (one
 *                             `qaloop demo` made), rather than make the demo on starting
 */
import { cpSync, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import autocannon from 'autocannon';
import { dbConnection } from '../src/data/db.ts';
import { createTestDb } from '../test/helpers/db.ts';
import { type ServeProcess, startServe, stopped } from '../test/helpers/serve.ts';

const ROWS = Number(process.env.BENCH_BUSY_ROWS ?? 200_000);
const ONLY = process.env.BENCH_BUSY_ONLY;
const BASELINE_MS = 8_000;
const LOAD_SECONDS = 15;
const LOAD_CONNECTIONS = 200;
const GOAL_MS = 1_000;
const ANSWER_WITHIN_MS = 120_000;
/** the upload and the reports themselves may take longer */
const LONG_MS = 900_000;

const dir = mkdtempSync(join(tmpdir(), 'qaloop-bench-busy-'));

/** Annex A list 6 as bench/import.ts writes it. */
async function writeList(rows: number): Promise<string> {
  const path = join(dir, `annex-a-list-6-${rows}.csv`);
  const teams = [
    'Safeguarding North',
    'Safeguarding Central',
    'Safeguarding South',
    'Children in Care North',
  ];
  const out = createWriteStream(path);
  out.write(
    'Child Unique ID,Gender,Ethnicity,Date of Birth,Age,Has Disability,CIN Start Date,Primary Need Code,Date Child Last Seen,CIN Closure Date,Reason For Closure,Case Status,Allocated Team,Allocated Worker\n',
  );
  for (let i = 0; i < rows; i++) {
    const day = String((i % 28) + 1).padStart(2, '0');
    const month = String((i % 12) + 1).padStart(2, '0');
    const age = i % 17;
    const line = `C${1000000 + i},${i % 2 ? 'a) Male' : 'b) Female'},a) WBRI,${day}/${month}/${2025 - age},${age},b) No,${day}/${month}/2025,N1,${day}/10/2026,,,Child in need plan,${teams[i % 4]},Worker ${i % 300}\n`;
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  out.end();
  await finished(out);
  return path;
}

/** A signed-in browser, as far as the bench needs one: its cookies. */
class Browser {
  readonly cookies = new Map<string, string>();
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }

  async ask(
    path: string,
    init: { method?: string; body?: BodyInit; headers?: Record<string, string>; withinMs?: number } = {},
  ) {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(this.base + path, {
      method: init.method ?? 'GET',
      // an answer that takes longer than this is counted as none
      signal: AbortSignal.timeout(init.withinMs ?? ANSWER_WITHIN_MS),
      redirect: 'manual',
      headers: {
        ...(cookie ? { cookie } : {}),
        origin: this.base,
        referer: this.base + path,
        ...init.headers,
      },
      body: init.body,
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const at = pair.indexOf('=');
      this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return res;
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

function csrfOf(html: string): string {
  const match = html.match(/name="_csrf" value="([^"]+)"/);
  if (!match) throw new Error('no CSRF token on the page');
  return match[1];
}

async function signInAsQaLead(base: string): Promise<Browser> {
  const browser = new Browser(base);
  const page = await (await browser.ask('/sign-in')).text();
  const res = await browser.ask('/sign-in/demo', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrfOf(page), role: 'qa_lead' }).toString(),
  });
  if (res.status !== 302) throw new Error(`signing in as the QA lead answered ${res.status}`);
  return browser;
}

interface Probe {
  ms: number[];
  busy: number;
  failed: number;
}

/**
 * Asks for `path` again and again (as a person clicking would, one answer at a time) until `until`
 * settles, each answer's time kept; an answer of 503 is counted as busy.
 */
async function probe(browser: Browser, path: string, until: Promise<unknown>): Promise<Probe> {
  const result: Probe = { ms: [], busy: 0, failed: 0 };
  let done = false;
  void until.finally(() => {
    done = true;
  });
  while (!done) {
    const t0 = performance.now();
    try {
      const res = await browser.ask(path, { headers: { accept: 'text/html' } });
      await res.arrayBuffer();
      result.ms.push(performance.now() - t0);
      if (res.status === 503) result.busy++;
      else if (res.status !== 200) result.failed++;
    } catch {
      result.ms.push(performance.now() - t0);
      result.failed++;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return result;
}

function p95(values: number[]): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)];
}

const ms = (v: number) => (Number.isFinite(v) ? `${Math.round(v).toLocaleString('en-GB')} ms` : 'no answer');

interface Phase {
  label: string;
  seconds: number;
  /** what went wrong with the work itself (no answer in time, say) */
  failure?: string;
  live: Probe;
  page: Probe;
}

async function phase(
  label: string,
  browser: Browser,
  page: string,
  work: () => Promise<unknown>,
): Promise<Phase> {
  const t0 = performance.now();
  let failure: string | undefined;
  const running = work().catch((err: Error & { cause?: { code?: string } }) => {
    failure = `${err.cause?.code ?? err.name}: ${err.message}`;
  });
  const [live, pageProbe] = await Promise.all([
    probe(browser, '/health/live', running),
    probe(browser, page, running),
    running,
  ]);
  return { label, seconds: (performance.now() - t0) / 1000, live, page: pageProbe, failure };
}

/** Uploads the list through the upload page and waits for its job to end: its state. */
async function importThroughUploadPage(browser: Browser, path: string): Promise<string> {
  const page = await (await browser.ask('/imports', { withinMs: LONG_MS })).text();
  const form = new FormData();
  form.set('_csrf', csrfOf(page));
  form.set('format', 'annex-a');
  form.set('asOf', '2026-11-20');
  form.set('allowShrink', 'yes');
  form.set('file', new Blob([readFileSync(path)], { type: 'text/csv' }), 'annex-a-list-6.csv');
  let res = await browser.ask('/imports', { method: 'POST', body: form, withinMs: LONG_MS });
  // the upload itself may be answered busy: try again, as a person would
  for (let tries = 0; res.status === 503 && tries < 20; tries++) {
    await new Promise((r) => setTimeout(r, 3_000));
    const again = await (await browser.ask('/imports', { withinMs: LONG_MS })).text();
    form.set('_csrf', csrfOf(again));
    res = await browser.ask('/imports', { method: 'POST', body: form, withinMs: LONG_MS });
  }
  const job = res.headers.get('location')?.match(/\/imports\/jobs\/([^/]+)$/)?.[1];
  if (res.status !== 303 || !job) throw new Error(`uploading the list answered ${res.status}`);
  for (;;) {
    await new Promise((r) => setTimeout(r, 1_000));
    const progress = await browser
      .ask(`/imports/jobs/${job}/progress.json`, { headers: { accept: 'application/json' } })
      .catch(() => undefined);
    if (progress?.status !== 200) continue;
    const state = ((await progress.json()) as { state?: string }).state;
    if (state && state !== 'queued' && state !== 'running') return state;
  }
}

async function annualReport(browser: Browser): Promise<void> {
  const page = await (await browser.ask('/reports', { withinMs: LONG_MS })).text();
  const year = page.match(/\/reports\/annual\/([0-9a-f-]{36})\.docx/)?.[1];
  if (!year) throw new Error('no annual report on the reports page');
  for (let i = 0; i < 3; i++) {
    const res = await browser.ask(`/reports/annual/${year}.docx`, { withinMs: LONG_MS });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`the annual Word report answered ${res.status}`);
  }
}

/** 200 connections on the home page; then how long /health/live takes to answer once they stop. */
async function flood(browser: Browser) {
  const result = await autocannon({
    url: `${browser.base}/`,
    connections: LOAD_CONNECTIONS,
    duration: LOAD_SECONDS,
    headers: { cookie: browser.cookieHeader(), accept: 'text/html' },
    timeout: 10,
  });
  const t0 = performance.now();
  await fetch(`${browser.base}/health/live`).then((r) => r.arrayBuffer());
  const liveAfter = performance.now() - t0;
  return { result, liveAfter };
}

async function measure(kind: 'embedded' | 'postgres', databaseUrl: string, list: string) {
  console.log(`\n${kind === 'embedded' ? 'Embedded database (PGlite)' : 'PostgreSQL'}`);
  const from = kind === 'embedded' ? process.env.BENCH_BUSY_DATA_FROM : undefined;
  const copy = from ? join(dir, 'data') : undefined;
  if (from && copy) {
    cpSync(from, copy, { recursive: true });
    rmSync(join(copy, 'qaloop.lock'), { force: true });
  }
  const serve: ServeProcess = await startServe(
    databaseUrl,
    { QALOOP_LOG_LEVEL: 'warn', QALOOP_TRUST_PROXY: '0', ...(copy ? { QALOOP_DATA_DIR: copy } : {}) },
    600_000,
  );
  try {
    const browser = await signInAsQaLead(serve.base);
    const page = '/';
    const phases: Phase[] = [];
    phases.push(await phase('nothing else running (baseline)', browser, page, () => sleep(BASELINE_MS)));
    let state = '';
    phases.push(
      await phase(`importing ${ROWS.toLocaleString('en-GB')} rows of list 6`, browser, page, async () => {
        state = await importThroughUploadPage(browser, list);
      }),
    );
    phases.push(
      await phase('making the annual Word report (3 times)', browser, page, () => annualReport(browser)),
    );
    const [base] = phases;
    const baseLive = p95(base.live.ms);
    const basePage = p95(base.page.ms);
    console.log(`  (the import ended "${state}")`);
    console.log(
      `  ${'while'.padEnd(44)} ${'/health/live p95'.padStart(18)} ${'home p95'.padStart(18)}  busy  failed  asked  seconds`,
    );
    for (const p of phases) {
      const live = p95(p.live.ms);
      const home = p95(p.page.ms);
      const ratio = (v: number, b: number) => (p === base ? '' : ` (${(v / b).toFixed(1)}×)`);
      const under = live < GOAL_MS && home < GOAL_MS ? '' : '  over 1 s';
      console.log(
        `  ${p.label.padEnd(44)} ${`${ms(live)}${ratio(live, baseLive)}`.padStart(18)} ${`${ms(home)}${ratio(home, basePage)}`.padStart(18)}  ${String(p.live.busy + p.page.busy).padStart(4)}  ${String(p.live.failed + p.page.failed).padStart(6)}  ${String(p.live.ms.length + p.page.ms.length).padStart(5)}  ${p.seconds.toFixed(0).padStart(7)}${under}`,
      );
      if (p.failure) console.log(`    the work itself failed: ${p.failure}`);
    }
    const { result, liveAfter } = await flood(browser);
    const busy = result.statusCodeStats?.['503']?.count ?? 0;
    const ok = result['2xx'];
    console.log(
      `  ${LOAD_CONNECTIONS} connections on home for ${LOAD_SECONDS} s: ${Math.round(ok / LOAD_SECONDS)} pages/s answered, median ${ms(result.latency.p50)}, p97.5 ${ms(result.latency.p97_5)}; ${busy.toLocaleString('en-GB')} answered busy, ${result.timeouts} timed out, ${result.errors} errors`,
    );
    console.log(
      `  /health/live answered ${ms(liveAfter)} after the load stopped (baseline p95 ${ms(baseLive)})`,
    );
  } finally {
    if (!stopped(serve)) {
      const exited = new Promise((r) => serve.child.once('exit', r));
      serve.child.kill('SIGTERM');
      await exited;
    }
    rmSync(serve.dataDir, { recursive: true, force: true });
  }
}

function sleep(msToWait: number) {
  return new Promise((r) => setTimeout(r, msToWait));
}

console.log(
  `Answering while busy: p95 of /health/live and of the QA lead's home page, asked one after another (goal: under ${GOAL_MS} ms)`,
);
try {
  const list = await writeList(ROWS);
  if (ONLY !== 'postgres') await measure('embedded', '', list);
  if (process.env.DATABASE_URL && ONLY !== 'embedded') {
    // a database of its own, with the demo council, as bench/instances.ts makes one
    const t = await createTestDb({ demo: true });
    try {
      await measure('postgres', (dbConnection(t.db) as { url: string }).url, list);
    } finally {
      await t.close();
    }
  } else if (!process.env.DATABASE_URL)
    console.log('\nPostgreSQL: skipped (set DATABASE_URL to measure it too)');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
