import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { appDb, type Db } from '../../src/data/db.ts';
import { DEMO_PASSWORD } from '../../src/demo/council.ts';
import type { Config } from '../../src/platform/config.ts';
import type { Logger } from '../../src/platform/log.ts';
import { buildApp } from '../../src/web/app.ts';
import type { BusyLimits } from '../../src/web/plugins/busy.ts';
import { TEST_TODAY } from './today.ts';

export interface TestAppOptions {
  demo?: boolean;
  sessionIdleMinutes?: number;
  secureCookies?: 'auto' | boolean;
  trustProxy?: number;
  logger?: Logger;
  /** false leaves the app open for a test to add routes before it starts */
  ready?: boolean;
  /** the app's today; the demo council is made for 2026-11-22 */
  today?: string;
  /** the data folder (uploads go under it); a new temporary folder, removed on close, when not given */
  dataDir?: string;
  /** single sign-on settings (none by default) */
  oidc?: Config['oidc'];
  /** false turns local passwords off (QALOOP_LOCAL_PASSWORDS=0) */
  localPasswords?: boolean;
  /** the address of QA Loop for links (QALOOP_BASE_URL) */
  baseUrl?: string;
  /** when requests are turned away as busy (src/web/plugins/busy.ts) */
  busy?: Partial<BusyLimits>;
}

export { TEST_TODAY } from './today.ts';

/**
 * The app as `qaloop serve` builds it, on the test's database, with test settings. Its requests
 * run as the app's database role, confined by row-level security to the signed-in person's
 * council, as in production (QALOOP_TEST_AS_OWNER=1 runs them as the tables' owner instead, to
 * tell an isolation failure from any other). The test's own `db` stays the owner's, for setting up
 * and checking.
 */
export async function createTestApp(db: Db, options: TestAppOptions = {}) {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'qaloop-test-'));
  const appsDb = process.env.QALOOP_TEST_AS_OWNER === '1' ? db : appDb(db);
  const app = await buildApp({
    db: appsDb,
    logger: options.logger ?? false,
    sessionSecret: 'test-secret-test-secret-test-secret-test-secret',
    today: () => options.today ?? TEST_TODAY,
    demoPassword: DEMO_PASSWORD,
    busy: options.busy,
    config: {
      demo: options.demo ?? true,
      sessionIdleMinutes: options.sessionIdleMinutes ?? 30,
      secureCookies: options.secureCookies ?? false,
      trustProxy: options.trustProxy ?? 0,
      dataDir,
      oidc: options.oidc,
      localPasswords: options.localPasswords ?? true,
      baseUrl: options.baseUrl ?? 'http://localhost:3000',
    },
  });
  if (!options.dataDir) app.addHook('onClose', () => rm(dataDir, { recursive: true, force: true }));
  if (appsDb !== db) app.addHook('onClose', () => appsDb.destroy());
  if (options.ready !== false) await app.ready();
  return app;
}

export interface Response {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

/** A browser-like client for app.inject: keeps cookies, reads CSRF tokens from forms. */
export class Agent {
  readonly app: FastifyInstance;
  readonly cookies = new Map<string, string>();

  constructor(app: FastifyInstance) {
    this.app = app;
  }

  async request(options: InjectOptions): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await this.app.inject({
      ...options,
      headers: { accept: 'text/html', ...(cookie ? { cookie } : {}), ...(options.headers ?? {}) },
    });
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now())) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return { statusCode: res.statusCode, headers: res.headers, body: res.body };
  }

  get(url: string) {
    return this.request({ method: 'GET', url });
  }

  /** Posts a form as a browser would, with the CSRF token from `formPage` unless one is given. */
  async post(url: string, fields: Record<string, string | string[]>, formPage = '/sign-in') {
    let body = { ...fields };
    if (!('_csrf' in body)) body = { _csrf: await this.csrf(formPage), ...body };
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(body))
      for (const x of Array.isArray(v) ? v : [v]) params.append(k, x);
    return this.request({
      method: 'POST',
      url,
      payload: params.toString(),
      // Browsers send the page the form was on.
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        referer: `http://localhost${formPage}`,
      },
    });
  }

  async csrf(page: string): Promise<string> {
    const res = await this.get(page);
    const match = res.body.match(/name="_csrf" value="([^"]+)"/);
    if (!match) throw new Error(`No CSRF token on ${page} (status ${res.statusCode})`);
    return match[1];
  }

  async signInAs(role: string) {
    const res = await this.post('/sign-in/demo', { role });
    if (res.statusCode !== 302) throw new Error(`Demo sign-in as ${role} failed: ${res.statusCode}`);
    return res;
  }
}

function decode(html: string): string {
  return html
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

/** The text of the page's error summary list, or [] when there is none. */
export function errorSummaryItems(html: string): { text: string; href: string }[] {
  const summary = html.match(/<div class="govuk-error-summary"[\s\S]*?<\/ul>/);
  if (!summary) return [];
  return [...summary[0].matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => ({
    href: m[1],
    text: decode(m[2].trim()),
  }));
}

export function h1(html: string): string {
  return (html.match(/<h1[^>]*>([\s\S]*?)<\/h1>/)?.[1] ?? '').replace(/<[^>]+>/g, '').trim();
}
