/**
 * Many people at once (issue 22, goal 1): 200 simulated people each asking for a page about every
 * five seconds (a realistic mix: home, My audits, an audit, its parts, saving a draft part,
 * dashboards), on real `qaloop serve` instances of the demo council; the goal is a p95 under
 * 250 ms with no errors (a "busy, try again" answer counts as one). On PostgreSQL (DATABASE_URL set)
 * with one instance and with two, and flat out; on the embedded database with its one instance.
 *
 *   node bench/instances.ts              (PostgreSQL, DATABASE_URL set)
 *   node bench/instances.ts --embedded   (the embedded database)
 *
 *   BENCH_PEOPLE=200  BENCH_THINK_MS=5000  BENCH_SECONDS=40  BENCH_FLAT_OUT=50
 */
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { DEMO_PASSWORD } from '../src/demo/council.ts';
import { hashPassword } from '../src/services/organisation/passwords.ts';
import { createTestDb } from '../test/helpers/db.ts';
import { Browser, csrfOf, firstPart, type Served, serveOn } from './served.ts';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 200);
const THINK_MS = Number(process.env.BENCH_THINK_MS ?? 5000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 40);
const FLAT_OUT = Number(process.env.BENCH_FLAT_OUT ?? 50);
const GOAL_P95_MS = 250;
/** the embedded database is one process by design: one instance, and the realistic mix only */
const EMBEDDED = process.argv.includes('--embedded');
if (EMBEDDED) delete process.env.DATABASE_URL;
else if (!process.env.DATABASE_URL) {
  console.log(
    'bench/instances.ts: several instances need PostgreSQL (set DATABASE_URL); one embedded is --embedded',
  );
  process.exit(0);
}

// --- the instances ---

function startInstance(db: Parameters<typeof serveOn>[0]): Promise<Served> {
  // The bench stands in for the load balancer, and gives each person an address of their own.
  return serveOn(db, { QALOOP_TRUST_PROXY: '1' });
}

// --- people ---

interface Person {
  kind: 'auditor' | 'qa_lead' | 'senior_leader';
  /** the address the bench's "load balancer" says the person is at */
  address: string;
  /** the person's browser, its session shared with others on the same account */
  browser: Browser;
  /** an audit of the auditor's own still to do, and its first part */
  audit?: { id: string; part: string };
  /**
   * whether this person saves the audit's drafts: only the first of the people given one audit
   * does (there are fewer audits to do than simulated auditors), so no two save the same part
   * over each other, which the app rightly answers 409
   */
  saves?: boolean;
}

let nextInstance = 0;
/** The instance for the next request: round robin over those in use. */
function pick(bases: string[]): string {
  nextInstance = (nextInstance + 1) % bases.length;
  return bases[nextInstance];
}

// --- the page mix ---

type Step = (person: Person, base: string) => Promise<number>;

const get =
  (path: (p: Person) => string): Step =>
  async (person, base) =>
    (await person.browser.ask(path(person), { base })).status;

/** Saves a draft of the audit's part as the page's script does while the auditor types. */
const saveDraft: Step = async (person, base) => {
  const { id, part } = person.audit as { id: string; part: string };
  const page = await person.browser.ask(`/audits/${id}/parts/${part}`, { base });
  if (page.status !== 200) return page.status;
  const form = new URLSearchParams({ _csrf: csrfOf(page.body) });
  const revision = page.body.match(/name="revision" value="(\d+)"/)?.[1];
  if (revision) form.set('revision', revision);
  const text = page.body.match(/<textarea[^>]*name="([^"]+)"/)?.[1];
  if (text) form.set(text, `Seen by the bench at ${new Date().toISOString()}.`);
  const saved = await person.browser.ask(`/audits/${id}/parts/${part}/autosave`, {
    base: pick(bases),
    method: 'POST',
    body: form.toString(),
    accept: 'application/json',
  });
  return saved.status;
};

const viewPart = get((p) => `/audits/${p.audit?.id}/parts/${p.audit?.part}`);

const MIX: Record<Person['kind'], [string, number, Step][]> = {
  auditor: [
    ['home', 15, get(() => '/')],
    ['My audits', 25, get(() => '/my-audits')],
    ['an audit', 20, get((p) => `/audits/${p.audit?.id}`)],
    ['an audit\u2019s part', 20, viewPart],
    ['save a draft part', 20, saveDraft],
  ],
  qa_lead: [
    ['home', 30, get(() => '/')],
    ['cycle dashboard', 30, get(() => '/dashboards/cycle')],
    ['returns', 20, get(() => '/returns')],
    ['quality dashboard', 20, get(() => '/dashboards/quality')],
  ],
  senior_leader: [
    ['home', 50, get(() => '/')],
    ['quality dashboard', 50, get(() => '/dashboards/quality')],
  ],
};

function choose(kind: Person['kind']): [string, Step] {
  const steps = MIX[kind];
  let roll = Math.random() * steps.reduce((n, [, w]) => n + w, 0);
  for (const [label, weight, step] of steps) {
    roll -= weight;
    if (roll < 0) return [label, step];
  }
  const [label, , step] = steps[steps.length - 1];
  return [label, step];
}

interface Outcome {
  requests: number;
  errors: number;
  seconds: number;
  latencies: number[];
  byPage: Map<string, number[]>;
  /** what went wrong, as "page: status" (0: no answer), with how often */
  failures: Map<string, number>;
}

async function runMix(people: Person[], useBases: string[], thinkMs: number): Promise<Outcome> {
  bases = useBases;
  const outcome: Outcome = {
    requests: 0,
    errors: 0,
    seconds: SECONDS,
    latencies: [],
    byPage: new Map(),
    failures: new Map(),
  };
  const end = performance.now() + SECONDS * 1000;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await Promise.all(
    people.map(async (person) => {
      // people arrive spread over one pause, not all in the same instant
      if (thinkMs) await sleep(Math.random() * thinkMs);
      while (performance.now() < end) {
        let [label, step] = choose(person.kind);
        if (label === 'save a draft part' && !person.saves)
          [label, step] = ['an audit\u2019s part', viewPart];
        const t0 = performance.now();
        const status = await step(person, pick(bases)).catch(() => 0);
        const ms = performance.now() - t0;
        outcome.requests++;
        if (status !== 200) {
          outcome.errors++;
          const what = `${label}: ${status}`;
          outcome.failures.set(what, (outcome.failures.get(what) ?? 0) + 1);
        }
        outcome.latencies.push(ms);
        outcome.byPage.set(label, [...(outcome.byPage.get(label) ?? []), ms]);
        // a pause of about thinkMs (between half and one and a half times it)
        if (thinkMs) await sleep(thinkMs * (0.5 + Math.random()));
      }
    }),
  );
  return outcome;
}

function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// --- the run ---

let bases: string[] = [];
const t = await createTestDb({ demo: true });
const db = t.db;
const councilId = t.demo.councilId;

// Audits still to do, with their auditors, who are given the demo's password so the bench can sign
// in as them. Each simulated auditor works on an audit of its own (while there are enough), so no
// two save the same draft; an auditor with several audits to do is several people.
const auditRows = await sql<{ email: string; audit_id: string }>`
  select u.email, a.id as audit_id
  from audits a join user_accounts u on u.staff_id = a.auditor_id
  where a.council_id = ${councilId} and a.status in ('allocated', 'in_progress') and not u.disabled
  order by a.id`.execute(db);
const leaderRows = await sql<{ email: string; role: 'qa_lead' | 'senior_leader' }>`
  select distinct on (u.email) u.email, r.role from user_accounts u join staff_roles r on r.staff_id = u.staff_id
  where u.council_id = ${councilId} and r.role in ('qa_lead', 'senior_leader') and not u.disabled
    and u.totp_enabled_at is null
  order by u.email, r.role`.execute(db);
const passwordHash = await hashPassword(DEMO_PASSWORD);
await db
  .updateTable('user_accounts')
  .set({ password_hash: passwordHash })
  .where('email', 'in', [...auditRows.rows.map((r) => r.email), ...leaderRows.rows.map((r) => r.email)])
  .execute();

const first = await startInstance(db);
const second = EMBEDDED ? undefined : await startInstance(db);
const one = [first.base];
const two = second ? [first.base, second.base] : one;

// Each simulated person: four in five auditors, one in five leaders (QA leads and senior leaders,
// taken in turn).
const people: Person[] = [];
const accounts = new Map<string, Person>();
const taken = { auditor: 0, leader: 0 };
for (let i = 0; i < PEOPLE; i++) {
  const leader = i % 5 === 4;
  const rows = leader ? leaderRows.rows : auditRows.rows;
  const row = rows[taken[leader ? 'leader' : 'auditor']++ % rows.length];
  const address = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  // one sign-in per account; people sharing an account share its session
  const shared = accounts.get(row.email);
  const person: Person = {
    kind: leader ? (row as (typeof leaderRows.rows)[number]).role : 'auditor',
    address,
    browser: new Browser(pick(two), address, shared?.browser.cookies),
  };
  if (!leader) {
    const audit = (row as (typeof auditRows.rows)[number]).audit_id;
    person.audit = { id: audit, part: '' };
    person.saves = !people.some((p) => p.audit?.id === audit);
  }
  if (!shared) {
    await person.browser.signIn(row.email);
    accounts.set(row.email, person);
  }
  people.push(person);
}
// each audit's first part, from its overview page
for (const person of people) {
  if (!person.audit || person.audit.part) continue;
  const part = await firstPart(person.browser, person.audit.id);
  for (const p of people) if (p.audit?.id === person.audit.id) p.audit.part = part;
}

const baseline = await autocannon({ url: `${first.base}/health/live`, connections: 50, duration: 10 });

console.log(
  `QA Loop under many people: ${EMBEDDED ? 'the embedded database, one instance' : 'PostgreSQL'}, the demo council, ${accounts.size} people signed in (${new Set(auditRows.rows.map((r) => r.email)).size} auditors with ${auditRows.rows.length} audits to do, ${leaderRows.rows.length} leaders)`,
);
console.log(
  `  baseline: /health/live on one instance, 50 connections: ${baseline.requests.average.toFixed(0)} req/s`,
);
console.log(
  '  run                                   instances  requests    req/s   p50 ms   p95 ms   p99 ms  errors  req/s to baseline',
);
const results = new Map<string, Outcome>();
const realistic = `realistic mix, ${PEOPLE} people, a page every ${THINK_MS / 1000} s`;
const runs = [
  [realistic, people, THINK_MS],
  [`flat out, ${FLAT_OUT} people, no pause`, people.slice(0, FLAT_OUT), 0],
] as [string, Person[], number][];
for (const [label, people_, think] of EMBEDDED ? runs.slice(0, 1) : runs) {
  for (const useBases of EMBEDDED ? [one] : [one, two]) {
    const outcome = await runMix(people_, useBases, think);
    results.set(`${label}|${useBases.length}`, outcome);
    const rps = outcome.requests / outcome.seconds;
    console.log(
      `  ${label.padEnd(38)} ${String(useBases.length).padStart(9)} ${String(outcome.requests).padStart(9)} ${rps.toFixed(1).padStart(8)} ${percentile(outcome.latencies, 50).toFixed(0).padStart(8)} ${percentile(outcome.latencies, 95).toFixed(0).padStart(8)} ${percentile(outcome.latencies, 99).toFixed(0).padStart(8)} ${String(outcome.errors).padStart(7)} ${(rps / baseline.requests.average).toFixed(4).padStart(18)}`,
    );
  }
  const a = results.get(`${label}|1`) as Outcome;
  const met = percentile(a.latencies, 95) < GOAL_P95_MS && a.errors === 0;
  if (label === realistic)
    console.log(
      `    goal on one instance: p95 under ${GOAL_P95_MS} ms with no errors: ${met ? 'yes' : 'NO'} (p95 ${percentile(a.latencies, 95).toFixed(0)} ms, ${a.errors} errors)`,
    );
  const b = results.get(`${label}|2`);
  if (!b) continue;
  console.log(
    `    two instances to one: throughput ${(b.requests / a.requests).toFixed(2)}, p95 ${(percentile(b.latencies, 95) / percentile(a.latencies, 95)).toFixed(2)}`,
  );
}
const byPageOf = EMBEDDED ? realistic : `flat out, ${FLAT_OUT} people, no pause`;
const [byPageOne, byPageTwo] = [1, 2].map((n) => results.get(`${byPageOf}|${n}`));
console.log(`  ${byPageOf}, by page    requests (one, two)    p95 ms (one, two)`);
for (const [page, latencies] of (byPageOne as Outcome).byPage) {
  const onTwo = byPageTwo?.byPage.get(page) ?? [];
  console.log(
    `    ${page.padEnd(24)} ${String(latencies.length).padStart(8)} ${String(onTwo.length).padStart(8)}   ${percentile(latencies, 95).toFixed(0).padStart(8)} ${percentile(onTwo, 95).toFixed(0).padStart(8)}`,
  );
}
for (const [key, outcome] of results) {
  for (const [what, count] of outcome.failures) {
    console.log(`  error in "${key.replace('|', '" on ')} instance(s): ${what} (${count}×)`);
  }
}

await second?.stop();
await first.stop();
await t.close();
