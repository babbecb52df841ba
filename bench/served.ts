/**
 * What the page benches share: the demo council in a database of either kind, its people given the
 * demo password, and a real `qaloop serve` process on it (PostgreSQL when DATABASE_URL is set, the
 * embedded database otherwise), signed in to as a browser would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { type Db, dbConnection, openDb } from '../src/data/db.ts';
import { DEMO_PASSWORD } from '../src/demo/council.ts';
import { hashPassword } from '../src/services/organisation/passwords.ts';
import { freePort } from '../test/helpers/ports.ts';
import { startServe } from '../test/helpers/serve.ts';

const ROOT = join(import.meta.dirname, '..');

export interface Served {
  base: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Gives the accounts the demo password, so a bench can sign in as them through the sign-in form. */
export async function giveDemoPassword(db: Db, emails: string[]): Promise<void> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  await db
    .updateTable('user_accounts')
    .set({ password_hash: passwordHash })
    .where('email', 'in', emails)
    .execute();
}

/**
 * Starts `qaloop serve` on the database of `db` (a test database made by createTestDb). The
 * embedded database is copied into a data folder of the instance's own, which `db` then no longer
 * needs; a PostgreSQL database is shared.
 */
export async function serveOn(db: Db, env: Record<string, string> = {}): Promise<Served> {
  const connection = dbConnection(db);
  if (connection?.kind === 'postgres') {
    const serve = await startServe(connection.url, { QALOOP_LOG_LEVEL: 'warn', ...env }, 180_000);
    return {
      base: serve.base,
      child: serve.child,
      stop: () => stopChild(serve.child, serve.dataDir),
    };
  }
  if (!connection) throw new Error('serveOn needs a Db made by openDb');
  await connection.pglite.query('checkpoint');
  const dump = await connection.pglite.dumpDataDir('none');
  const dataDir = mkdtempSync(join(tmpdir(), 'qaloop-bench-'));
  const copy = await openDb({ dataDir, copyOf: dump });
  await copy.destroy();
  const port = await freePort();
  const { DATABASE_URL: _unused, ...rest } = process.env;
  const child = spawn(process.execPath, [join(ROOT, 'src/cli/main.ts'), 'serve'], {
    cwd: ROOT,
    env: {
      ...rest,
      PORT: String(port),
      HOST: '127.0.0.1',
      QALOOP_DATA_DIR: dataDir,
      QALOOP_DEMO: '1',
      QALOOP_MAIL: 'none',
      QALOOP_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The instance stopped: ${out.slice(-2000)}`);
    const ready = await fetch(`${base}/health/ready`).then(
      (r) => r.status === 200,
      () => false, // not listening yet
    );
    if (ready) return { base, child, stop: () => stopChild(child, dataDir) };
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGTERM');
  throw new Error(`The instance did not become ready: ${out.slice(-2000)}`);
}

async function stopChild(child: ChildProcess, dataDir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
}

/** A signed-in browser: its cookies, kept from each answer. */
export class Browser {
  /** the session's cookies: browsers of people sharing an account share them */
  readonly cookies: Map<string, string>;
  readonly base: string;
  /** the address a load balancer in front would say the person is at (with QALOOP_TRUST_PROXY) */
  readonly address: string | undefined;

  constructor(base: string, address?: string, cookies = new Map<string, string>()) {
    this.base = base;
    this.address = address;
    this.cookies = cookies;
  }

  cookie(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async ask(
    path: string,
    init: { method?: string; body?: string; accept?: string; base?: string } = {},
  ): Promise<{ status: number; body: string; location?: string }> {
    const base = init.base ?? this.base;
    const cookie = this.cookie();
    const res = await fetch(base + path, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: {
        accept: init.accept ?? 'text/html',
        ...(this.address ? { 'x-forwarded-for': this.address } : {}),
        ...(cookie ? { cookie } : {}),
        ...(init.body
          ? { 'content-type': 'application/x-www-form-urlencoded', origin: base, referer: base + path }
          : {}),
      },
      body: init.body,
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, body: await res.text(), location: res.headers.get('location') ?? undefined };
  }

  async signIn(email: string): Promise<void> {
    const page = await this.ask('/sign-in');
    const body = new URLSearchParams({ _csrf: csrfOf(page.body), email, password: DEMO_PASSWORD });
    const res = await this.ask('/sign-in', { method: 'POST', body: body.toString() });
    if (res.status !== 302 || res.location === '/sign-in/code')
      throw new Error(`signing in as a bench person answered ${res.status}`);
  }
}

export function csrfOf(html: string): string {
  const match = html.match(/name="_csrf" value="([^"]+)"/);
  if (!match) throw new Error('no CSRF token on the page');
  return match[1];
}

/** Audits still to do, with their auditors' e-mail addresses, first audit first. */
export async function auditsToDo(db: Db, councilId: string) {
  const { rows } = await sql<{ email: string; audit_id: string }>`
    select u.email, a.id as audit_id
    from audits a join user_accounts u on u.staff_id = a.auditor_id
    where a.council_id = ${councilId} and a.status in ('allocated', 'in_progress') and not u.disabled
    order by a.id`.execute(db);
  return rows;
}

/** QA leads and senior leaders who sign in without a second factor. */
export async function leaders(db: Db, councilId: string) {
  const { rows } = await sql<{ email: string; role: 'qa_lead' | 'senior_leader' }>`
    select distinct on (u.email) u.email, r.role from user_accounts u join staff_roles r on r.staff_id = u.staff_id
    where u.council_id = ${councilId} and r.role in ('qa_lead', 'senior_leader') and not u.disabled
      and u.totp_enabled_at is null
    order by u.email, r.role`.execute(db);
  return rows;
}

/** An audit's first part, from its overview page. */
export async function firstPart(browser: Browser, auditId: string): Promise<string> {
  const page = await browser.ask(`/audits/${auditId}`);
  const part = page.body.match(new RegExp(`/audits/${auditId}/parts/([^"/?#]+)"`))?.[1];
  if (!part) throw new Error(`no part found on an audit's page (status ${page.status})`);
  return part;
}
