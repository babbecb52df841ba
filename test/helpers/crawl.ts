/**
 * The browser crawl of every page each demo role can reach (test/e2e/pages-*.test.ts): the demo
 * council with an import, a sample drawn and allocated, the app on loopback and Chromium. Each
 * crawl file makes its own, so that the crawls run beside each other.
 *
 * The crawl follows the primary navigation each person sees, so a page added to the navigation is
 * checked without changing a test. Pages reached from those (and taking no input) are listed in
 * followOnPages.
 */
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import type { Db } from '../../src/data/db.ts';
import { navigationInOrder } from '../../src/domain/navigation.ts';
import type { Role } from '../../src/domain/roles.ts';
import { allocateSample, exemptAudit } from '../../src/services/sampling/allocation.ts';
import { drawRequestSchema, drawSample } from '../../src/services/sampling/samples.ts';
import { createTestApp } from './app.ts';
import { checkPage, launchBrowser, type PageExpectations, textOf, WatchedPage } from './browser.ts';
import { createTestDb, type TestDb } from './db.ts';
import { seedImports } from './imports.ts';
import { saveCohort } from './sampling.ts';

/**
 * How long one page may take to open and be checked (axe, title, headings, console) on a busy
 * two-core machine; a crawl's time limit is this for each of its pages, plus signing in. It guards
 * against a page that hangs, not a measure of speed (that is `npm run bench`): a Head of Service's
 * check-and-challenge page builds every team's pack live, 4 to 5 seconds on its own under load.
 */
export const PAGE_BUDGET_MS = 15_000;
const SIGN_IN_BUDGET_MS = 20_000;

/** A crawl's time limit: in proportion to the pages it checks. */
export function crawlTimeout(pages: number): number {
  return SIGN_IN_BUDGET_MS + pages * PAGE_BUDGET_MS;
}

export interface Link {
  href: string;
  text: string;
}

export interface CrawlFixture {
  testDb: TestDb;
  app: FastifyInstance;
  browser: Browser;
  baseURL: string;
  child: { id: string; reference: string; name: string };
  imported: { jobId: string; importId: string; tokenId: string };
  /** a sample drawn, allocated and with one audit exempted, for the sampling pages */
  sampled: { sampleId: string; auditId: string; cohort: string };
  /** the demo QA lead, who is an auditor too: the auditors page's form is checked for them */
  auditorId: string;
  close(): Promise<void>;
}

export async function crawlFixture(): Promise<CrawlFixture> {
  const testDb = await createTestDb({ demo: true });
  const first = await testDb.db
    .selectFrom('children')
    .select(['id', 'external_id', 'first_name', 'last_name'])
    .orderBy('external_id')
    .executeTakeFirstOrThrow();
  const child = {
    id: first.id,
    reference: first.external_id,
    name: `${first.first_name} ${first.last_name}`,
  };
  const imported = await seedImports(testDb.db);
  const sampled = await drawDemoSample(testDb.db);
  const auditorId = (
    await testDb.db
      .selectFrom('staff')
      .select('id')
      .where('external_id', '=', 'DEMO-qa_lead')
      .executeTakeFirstOrThrow()
  ).id;
  const app = await createTestApp(testDb.db);
  const baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchBrowser();
  return {
    testDb,
    app,
    browser,
    baseURL,
    child,
    imported,
    sampled,
    auditorId,
    close: async () => {
      await browser.close();
      await app.close();
      await testDb.close();
    },
  };
}

/** A sample of the demo council stratified by team, allocated, with its last audit exempted. */
async function drawDemoSample(db: Db) {
  const lead = await db
    .selectFrom('staff')
    .select(['id', 'council_id'])
    .where('external_id', '=', 'DEMO-qa_lead')
    .executeTakeFirstOrThrow();
  const month = await db
    .selectFrom('programme_months')
    .select('id')
    .where('council_id', '=', lead.council_id)
    .where('learning_month', '=', false)
    .where('month', '=', '2026-11-01')
    .executeTakeFirstOrThrow();
  const cohort = 'Children on a child protection plan, for the crawl';
  const cohortId = await saveCohort(db, lead.council_id, cohort, { statuses: ['cp_plan'] });
  const sampleId = await drawSample(
    db,
    lead.council_id,
    lead.id,
    drawRequestSchema.parse({
      monthId: month.id,
      cohortId,
      kind: 'full_audit',
      sizeKind: 'count',
      count: 12,
      method: 'stratified',
      stratifyBy: 'team',
      seed: 2026,
    }),
  );
  await allocateSample(db, lead.council_id, sampleId, lead.id);
  const audits = await db
    .selectFrom('audits')
    .select('id')
    .where('sample_id', '=', sampleId)
    .orderBy('position')
    .execute();
  await exemptAudit(db, lead.council_id, audits[audits.length - 1].id, lead.id, { reason: 'child_moved' });
  return { sampleId, auditId: audits[0].id, cohort };
}

/** The demo person who signs in for a role: their staff record and roles. */
export async function demoPerson(db: Db, role: Role) {
  const staff = await db
    .selectFrom('staff')
    .where('external_id', '=', `DEMO-${role}`)
    .select(['id', 'name', 'email'])
    .executeTakeFirstOrThrow();
  const roles = await db.selectFrom('staff_roles').where('staff_id', '=', staff.id).select('role').execute();
  return { ...staff, roles: roles.map((r) => r.role) };
}

/** The links `selector` finds on the page open now, with their text as a reader sees it. */
export function linksIn(page: Page, selector: string): Promise<Link[]> {
  // Runs in the browser, so it must not use anything from this file.
  const read = (as: Element[]) =>
    as.map((a) => ({
      href: a.getAttribute('href') ?? '',
      text: (a.textContent ?? '').replace(/\s+/g, ' ').trim(),
    }));
  return page.locator(selector).evaluateAll(read);
}

export interface FollowOn extends PageExpectations {
  path: string;
  /** the page's h1, when the test knows it */
  h1?: string;
  /** the navigation page that links here, when the way there is a link */
  linkedFrom?: string;
}

/** Pages one step on from the navigation that open without filling anything in. */
export function followOnPages(
  f: Pick<CrawlFixture, 'child' | 'imported' | 'sampled' | 'auditorId'>,
  role: Role,
  links: Map<string, Link[]>,
): FollowOn[] {
  const { child, imported, sampled, auditorId } = f;
  if (role === 'qa_lead') {
    const month = (links.get('/programme') ?? []).find((l) =>
      /^\/programme\/months\/[0-9a-f-]{36}$/.test(l.href),
    );
    const tool = (links.get('/tools') ?? []).find((l) => /^\/tools\/[0-9a-f-]{36}$/.test(l.href));
    assert.ok(month, 'The programme links to no month');
    assert.ok(tool, 'The tools page links to no tool');
    const neglect = (links.get('/tools') ?? []).find((l) => l.text === 'Dip sample: neglect');
    assert.ok(neglect, 'The tools page does not list the demo council’s own dip sample');
    const themeLink = (links.get('/practice-themes') ?? []).find((l) =>
      /^\/practice-themes\/[0-9a-f-]{36}$/.test(l.href),
    );
    assert.ok(themeLink, 'The practice themes page links to no theme');
    const theme = { href: themeLink.href, name: themeLink.text.replace(/^Change /, '') };
    // a cohort with children in the demo, and one without (its page says which filters empty it)
    const cohortLink = (name: string) => {
      const link = (links.get('/cohorts') ?? []).find((l) => l.text === name);
      assert.ok(link, `The cohorts page does not list "${name}"`);
      return link;
    };
    const journey = cohortLink('Child protection plan, previously on a child in need plan, one per family');
    const monthly = (links.get('/reports') ?? []).find((l) =>
      /^\/reports\/monthly\/[0-9a-f-]{36}$/.test(l.href),
    );
    assert.ok(monthly, 'The reports page links to no monthly QA report');
    const exploitation = cohortLink('Child protection plan for exploitation or contextual harm');
    const outcome = (links.get('/plan') ?? []).find((l) => /^\/plan\/outcomes\/[0-9a-f-]{36}$/.test(l.href));
    assert.ok(outcome, 'The improvement plan links to no outcome');
    const attendees = (links.get('/learning') ?? []).find((l) =>
      /^\/learning\/[0-9a-f-]{36}\/attendees$/.test(l.href),
    );
    assert.ok(attendees, 'The learning page links to no session’s attendees');
    const find = (page: string, pattern: RegExp, what: string) => {
      const link = (links.get(page) ?? []).find((l) => pattern.test(l.href));
      assert.ok(link, `${page} links to no ${what}`);
      return link;
    };
    const pack = find(
      '/check-and-challenge',
      /^\/check-and-challenge\/teams\/[0-9a-f-]{36}\/weeks\//,
      'pack',
    );
    const history = find(
      '/check-and-challenge',
      /^\/check-and-challenge\/teams\/[0-9a-f-]{36}\/history$/,
      'history',
    );
    const entry = find('/service-qa', /^\/service-qa\/entries\/[0-9a-f-]{36}$/, 'entry');
    const multiAgency = find(
      '/multi-agency',
      /^\/multi-agency\/audits\/[0-9a-f-]{36}$/,
      'multi-agency audit',
    );
    const findings = find('/findings', /^\/findings\/[0-9a-f-]{36}$/, 'findings report');
    return [
      // Reached through the Find a child form; the keyboard journey types the reference.
      { path: `/children/${child.id}`, names: ['Child record'], h1: child.name },
      { path: month.href, names: [month.text], h1: month.text, linkedFrom: '/programme' },
      { path: `${month.href}/edit`, names: [`Plan ${month.text}`], h1: `Plan ${month.text}` },
      { path: '/programme/years/new', names: ['Plan a programme year'], linkedFrom: '/programme' },
      { path: '/settings/calendar', names: ['Phase lengths and closure days'], linkedFrom: '/programme' },
      {
        path: '/settings/retention',
        names: ['Data retention'],
        h1: 'Data retention',
        linkedFrom: '/access-log',
      },
      { path: tool.href, names: [tool.text], h1: tool.text, linkedFrom: '/tools' },
      // the demo council's own dip sample, in the tool builder
      { path: `${neglect.href}/edit`, names: [`Change ${neglect.text}`], h1: `Change ${neglect.text}` },
      { path: `${neglect.href}/sections/neglect`, names: ['Change section: Neglect'], h1: 'Change section' },
      {
        path: `${neglect.href}/sections/neglect/questions/new`,
        names: ['Add a question'],
        h1: 'Add a question',
      },
      { path: '/grade-scales', names: ['Grade scales'], h1: 'Grade scales', linkedFrom: '/tools' },
      { path: theme.href, names: [`Change ${theme.name}`], linkedFrom: '/practice-themes' },
      { path: '/imports/mappings', names: ['Column mappings'], linkedFrom: '/imports' },
      { path: '/cohorts/new', names: ['Create a cohort'], h1: 'Create a cohort', linkedFrom: '/cohorts' },
      { path: journey.href, names: [journey.text], h1: journey.text, linkedFrom: '/cohorts' },
      { path: `${journey.href}/edit`, names: [`Change ${journey.text}`] },
      { path: exploitation.href, names: [exploitation.text], linkedFrom: '/cohorts' },
      { path: '/auditors', names: ['Auditors'], h1: 'Auditors', linkedFrom: '/returns' },
      { path: `/auditors/${auditorId}`, names: ['Training and capacity'] },
      { path: '/imports/mappings/new', names: ['Create a column mapping'] },
      { path: '/imports/snapshots', names: ['Snapshots'], linkedFrom: '/imports' },
      // an audit history imported through the app, with rejected rows: its job's page and its result
      { path: `/imports/jobs/${imported.jobId}`, names: ['Import finished'], h1: 'Import finished' },
      {
        path: `/imports/${imported.importId}`,
        names: ['Import of audit history 2025.csv'],
        linkedFrom: '/imports',
      },
      // drawing a sample, the sample with its audits, and one audit's allocation and exemption
      { path: '/samples/new', names: ['Draw a sample'], h1: 'Draw a sample' },
      { path: `/samples/${sampled.sampleId}`, names: [`Sample: ${sampled.cohort}`], h1: sampled.cohort },
      { path: `/audits/${sampled.auditId}/allocation`, names: ['Change the auditor', 'Allocate the audit'] },
      { path: `/audits/${sampled.auditId}/exempt`, names: ['Exempt the audit'], h1: 'Exempt the audit' },
      // dashboards and reports, each with its charts (SVG) and tables
      {
        path: '/dashboards/cycle',
        names: ['Cycle dashboard'],
        h1: 'Cycle dashboard',
        linkedFrom: '/dashboards',
      },
      {
        path: '/dashboards/quality',
        names: ['Quality dashboard'],
        h1: 'Quality dashboard',
        linkedFrom: '/dashboards',
      },
      { path: '/reports?name=grades', names: ['Audit grades'], h1: 'Reports', linkedFrom: '/reports' },
      { path: '/reports?name=sections&public=1', names: ['Audit sections'], h1: 'Reports' },
      { path: '/reports?name=equality', names: ['Equality'], h1: 'Reports', linkedFrom: '/reports' },
      { path: monthly.href, names: [monthly.text], h1: monthly.text, linkedFrom: '/reports' },
      { path: '/learning/new', names: ['Record a learning session'], linkedFrom: '/learning' },
      { path: attendees.href, names: ['Who attended'], linkedFrom: '/learning' },
      // the improvement plan: an outcome with its evidence, its measures, the thresholds, the
      // board's report in both versions, importing a new version; the self-evaluation pack
      { path: outcome.href, names: ['Outcome'], linkedFrom: '/plan' },
      { path: `${outcome.href}/measures`, names: ['Audit measures'] },
      { path: `${outcome.href}/edit`, names: ['Change outcome'] },
      { path: '/plan/settings', names: ['Thresholds'], linkedFrom: '/plan' },
      { path: '/plan/report', names: ['progress report'], linkedFrom: '/plan' },
      { path: '/plan/report/for-publication', names: ['progress report'], linkedFrom: '/reports' },
      { path: '/plan/import', names: ['Import the improvement plan'], linkedFrom: '/plan' },
      { path: '/reports/self-evaluation', names: ['Self-evaluation pack'], linkedFrom: '/reports' },
      // the other strands: a team's weekly pack and its history; services' QA, the services, an
      // import and the publication version of the collation; a multi-agency audit and a partner
      { path: pack.href, names: ['Check and challenge:'], linkedFrom: '/check-and-challenge' },
      { path: history.href, names: ['Check and challenge history'], linkedFrom: '/check-and-challenge' },
      { path: entry.href, names: [entry.text], h1: entry.text, linkedFrom: '/service-qa' },
      { path: `${entry.href}/edit`, names: ['Change QA activity'], h1: 'Change QA activity' },
      { path: '/service-qa/entries/new', names: ['Add QA activity'], linkedFrom: '/service-qa' },
      { path: '/service-qa/services', names: ['Services and contributors'], linkedFrom: '/service-qa' },
      { path: '/service-qa/import', names: ['Import QA activity'], linkedFrom: '/service-qa' },
      { path: '/service-qa/collation?version=publication', names: ['QA from across services'] },
      { path: multiAgency.href, names: ['Multi-agency audit of'], linkedFrom: '/multi-agency' },
      {
        path: '/multi-agency/partners/new',
        names: ['Add a partner'],
        h1: 'Add a partner',
        linkedFrom: '/multi-agency',
      },
      // a themed audit's findings: the report in both versions, and what the QA lead writes of it
      { path: findings.href, names: ['Findings:'], linkedFrom: '/findings' },
      { path: `${findings.href}?version=publication`, names: ['Findings:'] },
      { path: `${findings.href}/edit`, names: ['Write the findings'], h1: 'Write the findings' },
    ];
  }
  if (role === 'case_manager') {
    const pack = (links.get('/check-and-challenge') ?? []).find((l) =>
      /^\/check-and-challenge\/teams\/[0-9a-f-]{36}\/weeks\//.test(l.href),
    );
    assert.ok(pack, 'Check and challenge links to no pack of the team');
    return [
      { path: '/dashboards/team', names: ['Your team'], linkedFrom: '/dashboards' },
      { path: pack.href, names: ['Check and challenge:'], linkedFrom: '/check-and-challenge' },
    ];
  }
  if (role === 'service_contributor') {
    const entry = (links.get('/service-qa') ?? []).find((l) =>
      /^\/service-qa\/entries\/[0-9a-f-]{36}$/.test(l.href),
    );
    assert.ok(entry, 'QA from elsewhere lists none of the service’s entries');
    return [
      { path: '/service-qa/entries/new', names: ['Add QA activity'], linkedFrom: '/service-qa' },
      { path: entry.href, names: [entry.text], h1: entry.text, linkedFrom: '/service-qa' },
    ];
  }
  if (role === 'partner_contributor') {
    const section = (links.get('/partner-sections') ?? []).find((l) =>
      /^\/partner-sections\/[0-9a-f-]{36}$/.test(l.href),
    );
    assert.ok(section, 'Multi-agency sections lists no section');
    return [{ path: section.href, names: ['Health'], h1: 'Health', linkedFrom: '/partner-sections' }];
  }
  if (role === 'senior_leader') {
    return [
      {
        path: '/dashboards/quality',
        names: ['Quality dashboard', 'Your services'],
        linkedFrom: '/dashboards',
      },
      { path: '/plan/report', names: ['progress report'], linkedFrom: '/plan' },
    ];
  }
  if (role === 'scrutiny_reader') {
    return [
      { path: '/reports?name=grades', names: ['Audit grades'], h1: 'Reports', linkedFrom: '/reports' },
      { path: '/plan/report/for-publication', names: ['progress report'], linkedFrom: '/reports' },
      // findings reports, only ever prepared for publication
      {
        path:
          (links.get('/findings') ?? []).find((l) => /^\/findings\/[0-9a-f-]{36}$/.test(l.href))?.href ??
          '/findings/none',
        names: ['Findings:'],
        linkedFrom: '/findings',
      },
    ];
  }
  if (role === 'workforce_development') {
    return [{ path: '/reports?name=grades', names: ['Audit grades'], h1: 'Reports', linkedFrom: '/reports' }];
  }
  if (role === 'administrator') {
    const person = (links.get('/admin/people') ?? []).find((l) =>
      /^\/admin\/people\/[0-9a-f-]{36}$/.test(l.href),
    );
    assert.ok(person, 'The People page links to no person');
    return [
      { path: '/admin/people/new', names: ['Add a person'], linkedFrom: '/admin/people' },
      { path: person.href, names: [person.text], h1: person.text, linkedFrom: '/admin/people' },
      { path: '/admin/import-tokens', names: ['Import tokens'], linkedFrom: '/imports' },
      { path: `/admin/import-tokens/${imported.tokenId}/revoke`, names: ['Revoke Data warehouse'] },
    ];
  }
  return [];
}

export async function signInAs(watched: WatchedPage, baseURL: string, role: Role) {
  const { page } = watched;
  await page.goto('/sign-in');
  await page.locator(`button[data-role="${role}"]`).click();
  await page.waitForURL(`${baseURL}/`);
}

/** The navigation items a role's demo person sees. */
export async function navigationOf(db: Db, role: Role) {
  const person = await demoPerson(db, role);
  return navigationInOrder(person.roles);
}

/**
 * Signs in as the role's demo person, checks every page of their navigation (each marked as the
 * current page), and gives back the links on each, for the pages one step on.
 */
export async function crawlNavigation(
  f: CrawlFixture,
  role: Role,
): Promise<{ checked: number; links: Map<string, Link[]>; watched: WatchedPage }> {
  const person = await demoPerson(f.testDb.db, role);
  const watched = await WatchedPage.open(f.browser, f.baseURL);
  await signInAs(watched, f.baseURL, role);
  const { page } = watched;
  assert.equal(await textOf(page, 'h1'), `Hello, ${person.name}`, 'signed in as the wrong person');

  const navigation = await linksIn(page, 'nav .govuk-service-navigation__link');
  assert.deepEqual(
    navigation.map((l) => l.href),
    navigationInOrder(person.roles).map((n) => n.href),
    'the navigation shows exactly the pages this person’s roles allow',
  );

  let checked = 0;
  const links = new Map<string, Link[]>();
  for (const item of navigation) {
    await checkPage(watched, item.href, { names: [item.text], orHeading: true });
    const current = page.locator(`nav .govuk-service-navigation__link[href="${item.href}"]`);
    assert.ok(
      await current.getAttribute('aria-current'),
      `${item.href}: "${item.text}" is not marked as current`,
    );
    links.set(item.href, await linksIn(page, 'main a[href]'));
    checked++;
  }
  return { checked, links, watched };
}

/** Checks each page one step on from the navigation, and that the page it is reached from links to it. */
export async function crawlFollowOn(
  f: CrawlFixture,
  watched: WatchedPage,
  role: Role,
  links: Map<string, Link[]>,
): Promise<number> {
  let checked = 0;
  const pages = followOnPages(f, role, links);
  assert.equal(
    pages.length,
    FOLLOW_ON_PAGES[role] ?? 0,
    'FOLLOW_ON_PAGES gives each role’s count, for its time limit',
  );
  for (const next of pages) {
    if (next.linkedFrom) {
      assert.ok(
        links.get(next.linkedFrom)?.some((l) => l.href === next.path),
        `${next.linkedFrom} has no link to ${next.path}`,
      );
    }
    const h1 = await checkPage(watched, next.path, next);
    if (next.h1) assert.equal(h1, next.h1, `${next.path}: wrong heading`);
    checked++;
  }
  return checked;
}

/** How many pages one step on the crawl checks for a role (the follow-on list is fixed per role). */
export const FOLLOW_ON_PAGES: Partial<Record<Role, number>> = {
  qa_lead: 56,
  case_manager: 2,
  service_contributor: 2,
  partner_contributor: 1,
  senior_leader: 2,
  scrutiny_reader: 3,
  workforce_development: 1,
  administrator: 4,
};
