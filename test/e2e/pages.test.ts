/**
 * The service in a real browser: every page each demo role can reach is checked for accessibility
 * (WCAG 2.2 AA by axe), a sensible title, one h1 and a clean console; one journey is done with the
 * keyboard alone; and signing in works with JavaScript switched off.
 *
 * The crawl follows the primary navigation each person sees, so a page added to the navigation is
 * checked without changing this file. Pages reached from those (and taking no input) are listed in
 * followOnPages.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import type { Db } from '../../src/data/db.ts';
import { createDemoCouncil, DEMO_PASSWORD } from '../../src/demo/council.ts';
import { navigationFor, ROLES, type Role } from '../../src/domain/roles.ts';
import { allocateSample, exemptAudit } from '../../src/services/sampling/allocation.ts';
import { drawRequestSchema, drawSample } from '../../src/services/sampling/samples.ts';
import { createTestApp } from '../helpers/app.ts';
import {
  assertFocusVisible,
  checkPage,
  focused,
  launchBrowser,
  type PageExpectations,
  tabTo,
  textOf,
  WatchedPage,
} from '../helpers/browser.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { seedImports } from '../helpers/imports.ts';
import { saveCohort } from '../helpers/sampling.ts';

let testDb: TestDb;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;
let child: { id: string; reference: string; name: string };
let imported: { jobId: string; importId: string; tokenId: string };
/** a sample drawn, allocated and with one audit exempted, for the sampling pages */
let sampled: { sampleId: string; auditId: string; cohort: string };
/** the demo QA lead, who is an auditor too: the auditors page's form is checked for them */
let auditorId: string;

interface Link {
  href: string;
  text: string;
}

before(async () => {
  testDb = await createTestDb();
  await createDemoCouncil(testDb.db, { today: '2026-11-22' });
  const first = await testDb.db
    .selectFrom('children')
    .select(['id', 'external_id', 'first_name', 'last_name'])
    .orderBy('external_id')
    .executeTakeFirstOrThrow();
  child = { id: first.id, reference: first.external_id, name: `${first.first_name} ${first.last_name}` };
  imported = await seedImports(testDb.db);
  sampled = await drawDemoSample(testDb.db);
  auditorId = (
    await testDb.db
      .selectFrom('staff')
      .select('id')
      .where('external_id', '=', 'DEMO-qa_lead')
      .executeTakeFirstOrThrow()
  ).id;
  app = await createTestApp(testDb.db);
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
});

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
async function demoPerson(role: Role) {
  const db = testDb.db;
  const staff = await db
    .selectFrom('staff')
    .where('external_id', '=', `DEMO-${role}`)
    .select(['id', 'name', 'email'])
    .executeTakeFirstOrThrow();
  const roles = await db.selectFrom('staff_roles').where('staff_id', '=', staff.id).select('role').execute();
  return { ...staff, roles: roles.map((r) => r.role) };
}

/** The links `selector` finds on the page open now, with their text as a reader sees it. */
function linksIn(page: Page, selector: string): Promise<Link[]> {
  // Runs in the browser, so it must not use anything from this file.
  const read = (as: Element[]) =>
    as.map((a) => ({
      href: a.getAttribute('href') ?? '',
      text: (a.textContent ?? '').replace(/\s+/g, ' ').trim(),
    }));
  return page.locator(selector).evaluateAll(read);
}

interface FollowOn extends PageExpectations {
  path: string;
  /** the page's h1, when the test knows it */
  h1?: string;
  /** the navigation page that links here, when the way there is a link */
  linkedFrom?: string;
}

/** Pages one step on from the navigation that open without filling anything in. */
function followOnPages(role: Role, links: Map<string, Link[]>): FollowOn[] {
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
    return [
      // Reached through the Find a child form; the keyboard journey types the reference.
      { path: `/children/${child.id}`, names: ['Child record'], h1: child.name },
      { path: month.href, names: [month.text], h1: month.text, linkedFrom: '/programme' },
      { path: `${month.href}/edit`, names: [`Plan ${month.text}`], h1: `Plan ${month.text}` },
      { path: '/programme/years/new', names: ['Plan a programme year'], linkedFrom: '/programme' },
      { path: '/settings/calendar', names: ['Phase lengths and closure days'], linkedFrom: '/programme' },
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
    ];
  }
  if (role === 'case_manager') {
    return [{ path: '/dashboards/team', names: ['Your team'], linkedFrom: '/dashboards' }];
  }
  if (role === 'senior_leader') {
    return [
      {
        path: '/dashboards/quality',
        names: ['Quality dashboard', 'Your services'],
        linkedFrom: '/dashboards',
      },
    ];
  }
  if (role === 'scrutiny_reader' || role === 'workforce_development') {
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

async function signInAs(watched: WatchedPage, role: Role) {
  const { page } = watched;
  await page.goto('/sign-in');
  await page.locator(`button[data-role="${role}"]`).click();
  await page.waitForURL(`${baseURL}/`);
}

for (const role of ROLES) {
  test(`${role}: every page they can reach works and is accessible`, { timeout: 120_000 }, async (t) => {
    const person = await demoPerson(role);
    const watched = await WatchedPage.open(browser, baseURL);
    try {
      await signInAs(watched, role);
      const { page } = watched;
      assert.equal(await textOf(page, 'h1'), `Hello, ${person.name}`, 'signed in as the wrong person');

      const navigation = await linksIn(page, 'nav .govuk-service-navigation__link');
      assert.deepEqual(
        navigation.map((l) => l.href),
        navigationFor(person.roles).map((n) => n.href),
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

      for (const next of followOnPages(role, links)) {
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
      t.diagnostic(`${checked} pages checked as ${role}`);
    } finally {
      await watched.close();
    }
  });
}

test('the public pages work and are accessible when signed out', async (t) => {
  const watched = await WatchedPage.open(browser, baseURL);
  try {
    const h1 = await checkPage(watched, '/sign-in', { names: ['Sign in'] });
    assert.equal(h1, 'Sign in to QA Loop');
    assert.equal(
      await watched.page.locator('button[data-role]').count(),
      ROLES.length,
      'there is a demonstration sign-in for every role',
    );
    await checkPage(watched, '/accessibility', { names: ['Accessibility statement'] });
    const notFound = await checkPage(watched, '/no-such-page', { names: ['Page not found'], status: 404 });
    assert.equal(notFound, 'Page not found');
    t.diagnostic('3 pages checked signed out');
  } finally {
    await watched.close();
  }
});

test('a keyboard user can sign in, find a child and sign out', { timeout: 60_000 }, async () => {
  const person = await demoPerson('qa_lead');
  assert.ok(person.email, 'the QA lead demo person has an email address');
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  const { keyboard } = page;
  try {
    await page.goto('/sign-in');

    // The skip link comes first, and takes you past the header to the form.
    await keyboard.press('Tab');
    const skip = await focused(page);
    assert.equal(skip?.text, 'Skip to main content', 'the first Tab focuses the skip link');
    assertFocusVisible(skip, 'the skip link');
    await keyboard.press('Enter');
    await tabTo(page, 'the email field', (el) => el.id === 'email', { max: 1 });
    await keyboard.type(person.email);
    await tabTo(page, 'the password field', (el) => el.id === 'password', { max: 1 });
    // Back to check the email address, then on again.
    const email = await tabTo(page, 'the email field again', (el) => el.id === 'email', {
      max: 1,
      backwards: true,
    });
    assert.equal(email.id, 'email');
    assert.equal(await page.inputValue('#email'), person.email, 'the email address is still there');
    await tabTo(page, 'the password field', (el) => el.id === 'password', { max: 1 });
    await keyboard.type(DEMO_PASSWORD);
    await keyboard.press('Enter');
    await page.waitForURL(`${baseURL}/`);
    assert.equal(await textOf(page, 'h1'), `Hello, ${person.name}`);

    // Children, from the navigation.
    await tabTo(
      page,
      'the Children link',
      (el) => el.tag === 'a' && el.text === 'Children' && el.href === '/children',
    );
    await keyboard.press('Enter');
    await page.waitForURL(`${baseURL}/children`);
    assert.equal(await textOf(page, 'h1'), 'Find a child');
    // past the skip link, the header and every item of the QA lead's navigation
    await tabTo(page, 'the case reference field', (el) => el.id === 'reference', { max: 30 });
    await keyboard.type(child.reference);
    await keyboard.press('Enter');
    await page.waitForURL(`${baseURL}/children/${child.id}`);
    assert.equal(await textOf(page, 'h1'), child.name, 'the child’s record shows their name');

    // Sign out.
    await tabTo(page, 'the Sign out button', (el) => el.tag === 'button' && el.text === 'Sign out', {
      max: 30,
    });
    await keyboard.press('Enter');
    await page.waitForURL(/\/sign-in\?signedOut=1$/);
    assert.equal(await textOf(page, 'h1'), 'Sign in to QA Loop');
    assert.match(await textOf(page, 'main'), /You have signed out/);
    assert.deepEqual(watched.takeProblems(), [], 'errors in the browser console');
  } finally {
    await watched.close();
  }
});

test('signing in works with JavaScript switched off', async () => {
  const person = await demoPerson('auditor');
  assert.ok(person.email);
  const watched = await WatchedPage.open(browser, baseURL, { javaScriptEnabled: false });
  const { page } = watched;
  try {
    await page.goto('/sign-in');
    await page.locator('#email').fill(person.email);
    await page.locator('#password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${baseURL}/`);
    assert.equal(await textOf(page, 'h1'), `Hello, ${person.name}`);
    assert.ok(
      await page.locator('nav .govuk-service-navigation__link[href="/"]').isVisible(),
      'the navigation shows',
    );
    assert.deepEqual(watched.takeProblems(), [], 'errors in the browser console');
  } finally {
    await watched.close();
  }
});
