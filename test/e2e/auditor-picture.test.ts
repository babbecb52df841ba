/**
 * Each auditor's own picture in a real browser, on the demo council: the demo auditor (Ibrahim
 * Turner) opens their picture from My audits, sees what the panel decided with its reasons, their
 * agreement by quarter beside the council's, practitioners' scores, returns on time and language
 * suggestions, and chooses other months (a month mistyped shows the error summary and keeps what was
 * typed); the demo QA lead opens another auditor's picture from the auditors list. Every page passes
 * axe and reflows at 320 px (data tables scroll in their own region).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { createTestApp } from '../helpers/app.ts';
import { checkPage, launchBrowser, textOf, WatchedPage } from '../helpers/browser.ts';
import { signInAs } from '../helpers/crawl.ts';
import { createTestDb, type TestDbWithDemo } from '../helpers/db.ts';

let testDb: TestDbWithDemo;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;

before(async () => {
  testDb = await createTestDb({ demo: true });
  app = await createTestApp(testDb.db);
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
});

test('the demo auditor reads their own picture from My audits', { timeout: 300_000 }, async () => {
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  try {
    await signInAs(watched, baseURL, 'auditor');
    await page.goto('/my-audits');
    await page.getByRole('link', { name: 'See your picture as an auditor' }).click();
    await page.waitForURL(`${baseURL}/my-audits/picture`);
    assert.equal(
      await checkPage(watched, '/my-audits/picture', { names: ['Your picture as an auditor'] }),
      'Your picture as an auditor',
    );
    // the demo auditor has a few moderated audits: said in words, each listed with the panel's reasons
    assert.match(await textOf(page, '#outcome-summary'), /moderated/);
    // the demo's moderation sample is drawn at random: whatever was decided is listed, each linked
    const rows = page.locator('#moderated-audits tbody tr');
    for (let i = 0; i < (await rows.count()); i++) {
      assert.equal(await rows.nth(i).locator('a[href^="/audits/"]').count(), 1, 'each links to its audit');
    }
    assert.match(await textOf(page, '#agreement-summary'), /the same grade/);
    assert.match(await textOf(page, '#feedback-summary'), /practitioner|feedback/i);
    assert.match(await textOf(page, '#returns-summary'), /on time|fallen due|fell due/);
    assert.match(await textOf(page, '#language-summary'), /words/);
    // each chart drawn has its data in a table
    const charts = await page.locator('figure.app-chart svg[role="img"]').count();
    assert.ok(charts >= 1, 'at least one chart');

    // other months, and a month mistyped
    await page.getByLabel('From month').fill('2026-10');
    await page.getByLabel('To month').fill('2026-11');
    await page.getByRole('button', { name: 'Show these months' }).click();
    await page.waitForURL(/from=2026-10/);
    assert.match(await textOf(page, '.govuk-caption-l'), /October 2026 to November 2026/);
    await page.getByLabel('From month').fill('last spring');
    await page.getByRole('button', { name: 'Show these months' }).click();
    await page.waitForURL(/from=last/);
    assert.match(await textOf(page, '.govuk-error-summary'), /Enter the first month/);
    assert.equal(await page.getByLabel('From month').inputValue(), 'last spring');
    await checkPage(watched, '/my-audits/picture?from=last+spring&to=2026-11', {
      names: ['Your picture as an auditor'],
      status: 400,
    });

    // another auditor's picture is not theirs to see
    const refused = await page.goto('/auditors/00000000-0000-4000-8000-000000000000/picture');
    watched.forgiveOwnStatus(page.url(), 403);
    assert.equal(refused?.status(), 403);
  } finally {
    await watched.close();
  }
});

test('the demo QA lead opens the picture of the auditor with most moderated audits from the auditors list', {
  timeout: 300_000,
}, async () => {
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  try {
    // the auditor, other than the QA lead (whose own page says "Your picture"), whose audits the
    // panel decided most often in the last twelve months
    const busiest = await testDb.db
      .selectFrom('moderations as m')
      .innerJoin('audits as a', 'a.id', 'm.audit_id')
      .innerJoin('programme_months as pm', 'pm.id', 'a.month_id')
      .innerJoin('staff as s', 's.id', 'a.auditor_id')
      .where('m.status', '=', 'decided')
      .where('s.external_id', '!=', 'DEMO-qa_lead')
      .where('pm.month', '>=', '2025-12-01')
      .where('pm.month', '<=', '2026-11-01')
      .select(['s.id', 's.name', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy(['s.id', 's.name'])
      .orderBy('n', 'desc')
      .orderBy('s.name')
      .executeTakeFirstOrThrow();
    await signInAs(watched, baseURL, 'qa_lead');
    await page.goto('/auditors');
    await page.getByRole('link', { name: `Picture of ${busiest.name} as an auditor` }).click();
    await page.waitForURL(`${baseURL}/auditors/${busiest.id}/picture`);
    const title = `${busiest.name}: picture as an auditor`;
    assert.equal(await checkPage(watched, `/auditors/${busiest.id}/picture`, { names: [title] }), title);
    assert.match(await textOf(page, '#outcome-summary'), new RegExp(`${busiest.name}’s`));
    const rows = page.locator('#moderated-audits tbody tr');
    assert.equal(await rows.count(), Number(busiest.n), 'each decided audit is listed');
    assert.ok((await rows.first().locator('a[href^="/audits/"]').count()) === 1);
    assert.ok(
      (await textOf(page, '#moderated-audits tbody tr td:last-child')).length > 0,
      'with the panel’s reasons',
    );
  } finally {
    await watched.close();
  }
});
