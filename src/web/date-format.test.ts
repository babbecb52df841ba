/**
 * One date format on every page (issue 16, item 11): each demo person follows every link they can
 * from their home page, and no page shows a date as "3/12/2026", "2026-12-03", a JavaScript date
 * ("Thu Dec 03 2026") or "Invalid Date". Dates read "3 December 2026".
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp } from '../../test/helpers/app.ts';
import { createTestDb, type TestDbWithDemo } from '../../test/helpers/db.ts';
import { can, ROLES } from '../domain/roles.ts';
import { REPORT_NAMES } from '../reports/catalogue.ts';

let t: TestDbWithDemo;
let app: FastifyInstance;

before(async () => {
  t = await createTestDb({ demo: true });
  app = await createTestApp(t.db);
});
after(async () => {
  await app.close();
  await t.close();
});

/** Pages of the same shape (an id in the address) checked at most this many times each. */
const PER_SHAPE = 3;
/** Pages one person's crawl opens at most. */
const MAX_PAGES = 400;

const BAD_DATES: [RegExp, string][] = [
  [/Invalid Date/, '"Invalid Date"'],
  [/\b\d{1,2}\/\d{1,2}\/\d{2,4}\b/, 'a date written d/m/yyyy'],
  [/\b(19|20|21)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b/, 'a date written yyyy-mm-dd'],
  [
    /\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{2} \d{4}\b/,
    'a JavaScript date',
  ],
  [/GMT[+-]\d{4}/, 'a JavaScript date'],
];

/** What a reader sees: the page's text without its markup, scripts and attribute values. */
function visibleText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replaceAll('&nbsp;', ' ')
    .replaceAll('&#x2F;', '/')
    .replaceAll('&amp;', '&')
    .replace(/\s+/g, ' ');
}

/** Links to the app's own pages, leaving out downloads and signing out. */
function pageLinks(html: string): string[] {
  const links: string[] = [];
  for (const m of html.matchAll(/<a\b[^>]*\bhref="([^"#]*)[^"]*"([^>]*)>/g)) {
    const href = m[1].replaceAll('&amp;', '&');
    if (!href.startsWith('/') || href.startsWith('//')) continue;
    if (/\bdownload\b/.test(m[0])) continue;
    if (/^\/(sign-out|assets|public|health)/.test(href)) continue;
    if (/\.(docx|xlsx|csv|json|html|pdf|png|svg)(\?|$)/.test(href)) continue;
    if (/^\/reports\/audit-list\//.test(href)) continue;
    links.push(href);
  }
  return links;
}

/**
 * A page's address with its ids, dates and numbers taken out: a week's pack, a month or a part of an
 * audit is one page however many weeks back the "previous week" links lead (the crawl once walked a
 * team's packs back to 2021, 400 pages a person).
 */
function shapeOf(href: string): string {
  return href
    .split('?')[0]
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, ':id')
    .replace(/\b\d{4}-\d{2}(-\d{2})?\b/g, ':date')
    .replace(/\/\d+(?=\/|$)/g, '/:n');
}

for (const role of ROLES) {
  test(`${role}: no page they can reach writes a date any way but “3 December 2026”`, async () => {
    const agent = new Agent(app);
    await agent.signInAs(role);
    const seen = new Set<string>();
    const shapes = new Map<string, number>();
    // the reports are reached through their form (a GET form, not a link): each is opened as chosen
    const reports = can([role], 'reports.read') ? REPORT_NAMES.filter((n) => n !== 'audits') : [];
    const queue = ['/', ...reports.map((n) => `/reports?name=${n}`)];
    const problems: string[] = [];
    let opened = 0;
    while (queue.length && opened < MAX_PAGES) {
      const href = queue.shift() as string;
      if (seen.has(href)) continue;
      seen.add(href);
      const shape = href.startsWith('/reports?name=') ? href : shapeOf(href);
      const n = shapes.get(shape) ?? 0;
      if (n >= PER_SHAPE) continue;
      shapes.set(shape, n + 1);
      const res = await agent.get(href);
      opened++;
      if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('text/html')) continue;
      const text = visibleText(res.body);
      for (const [pattern, what] of BAD_DATES) {
        const found = pattern.exec(text);
        if (found) {
          const at = Math.max(0, found.index - 60);
          problems.push(`${href}: ${what}: “…${text.slice(at, found.index + found[0].length + 30).trim()}…”`);
        }
      }
      for (const link of pageLinks(res.body)) if (!seen.has(link)) queue.push(link);
    }
    assert.ok(opened > 3, `${role} opened ${opened} pages`);
    assert.deepEqual(problems, [], `${role}: ${opened} pages opened`);
  });
}
