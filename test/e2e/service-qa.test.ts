/**
 * QA from elsewhere in a real browser, on the demo council: the demo LADO records their service's
 * QA activity (with and without JavaScript) and sees only their own service's; the QA lead manages
 * the services and their contributors and imports a spreadsheet, checking the preview first.
 * Every page passes axe and reflows at 320 px.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { createTestApp } from '../helpers/app.ts';
import {
  assertNoAxeViolations,
  assertReflows,
  checkPage,
  launchBrowser,
  textOf,
  WatchedPage,
} from '../helpers/browser.ts';
import { signInAs } from '../helpers/crawl.ts';
import { createTestDb, type TestDbWithDemo } from '../helpers/db.ts';

let testDb: TestDbWithDemo;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;
let dir: string;

before(async () => {
  testDb = await createTestDb({ demo: true });
  app = await createTestApp(testDb.db);
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
  dir = mkdtempSync(join(tmpdir(), 'qaloop-service-qa-e2e-'));
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function fillEntry(page: Page, reviewed: string) {
  for (const [id, value] of [
    ['#periodStart-day', '1'],
    ['#periodStart-month', '10'],
    ['#periodStart-year', '2026'],
    ['#periodEnd-day', '15'],
    ['#periodEnd-month', '11'],
    ['#periodEnd-year', '2026'],
  ])
    await page.fill(id, value);
  await page.getByLabel('What was reviewed').fill(reviewed);
  await page.getByLabel('How many were reviewed').fill('5');
  await page.getByLabel('Strengths').fill('Meetings held on time');
  await page.getByLabel('Areas for development').fill('Chronologies missing');
  await page.getByLabel('Chronologies').check();
}

test('the demo LADO records their service’s QA activity and sees only their own', {
  timeout: 300_000,
}, async () => {
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  try {
    await signInAs(watched, baseURL, 'service_contributor');
    assert.equal(
      await checkPage(watched, '/service-qa', { names: ['QA from elsewhere'] }),
      'QA from elsewhere',
    );
    const list = await page.content();
    assert.match(list, /LADO allegations closed in the quarter/);
    assert.doesNotMatch(list, /EHC plans/);

    await page.getByRole('button', { name: 'Add QA activity' }).click();
    assert.equal(
      await checkPage(watched, '/service-qa/entries/new', { names: ['Add QA activity'] }),
      'Add QA activity',
    );
    assert.equal(
      await page.locator('select[name="serviceId"]').count(),
      0,
      'the contributor’s service is fixed',
    );
    await page.getByRole('button', { name: 'Save' }).click();
    assert.match(await textOf(page, '.govuk-error-summary'), /Enter the start of the period/);
    assert.match(await textOf(page, '.govuk-error-summary'), /Enter what was reviewed/);
    await assertNoAxeViolations(page, 'the entry form with errors');
    await assertReflows(page, 'the entry form with errors');

    await fillEntry(page, 'Allegations closed (browser)');
    await page.getByRole('button', { name: 'Save' }).click();
    assert.match(await textOf(page, '.govuk-notification-banner'), /added to Q3 2026 to 2027/);
    await page.getByRole('link', { name: 'Allegations closed (browser)' }).click();
    const entryPath = new URL(page.url()).pathname;
    assert.equal(
      await checkPage(watched, entryPath, { names: ['Allegations closed (browser)'] }),
      'Allegations closed (browser)',
    );
    await page.getByRole('button', { name: 'Change' }).click();
    assert.equal(
      await checkPage(watched, `${entryPath}/edit`, { names: ['Change QA activity'] }),
      'Change QA activity',
    );

    // another service's entry is refused
    const sen = await testDb.db
      .selectFrom('service_qa_entries as e')
      .innerJoin('qa_services as s', 's.id', 'e.service_id')
      .select('e.id')
      .where('s.council_id', '=', testDb.demo.councilId)
      .where('s.key', '=', 'sen')
      .executeTakeFirstOrThrow();
    const refused = await page.goto(`/service-qa/entries/${sen.id}`);
    assert.equal(refused?.status(), 403);
    watched.takeProblems();
  } finally {
    await watched.close();
  }
});

test('with JavaScript off, the LADO’s entry form still works', { timeout: 300_000 }, async () => {
  const watched = await WatchedPage.open(browser, baseURL, { javaScriptEnabled: false });
  const { page } = watched;
  try {
    await signInAs(watched, baseURL, 'service_contributor');
    await page.goto('/service-qa/entries/new');
    await fillEntry(page, 'Allegations closed (no script)');
    await page.getByRole('button', { name: 'Save' }).click();
    assert.match(await textOf(page, '.govuk-notification-banner'), /added to Q3 2026 to 2027/);
    assert.match(await page.content(), /Allegations closed \(no script\)/);
  } finally {
    await watched.close();
  }
});

test('the QA lead manages services and contributors and imports a spreadsheet', {
  timeout: 300_000,
}, async () => {
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  try {
    await signInAs(watched, baseURL, 'qa_lead');
    await checkPage(watched, '/service-qa', { names: ['QA from elsewhere'] });
    assert.match(await page.content(), /New EHC plans quality assured/);
    await page.getByLabel('Service', { exact: true }).selectOption({ label: 'LADO service' });
    await page.getByRole('button', { name: 'Show entries' }).click();
    assert.doesNotMatch(await page.content(), /New EHC plans quality assured/);

    assert.equal(
      await checkPage(watched, '/service-qa/services', { names: ['Services and contributors'] }),
      'Services and contributors',
    );
    await page.getByLabel('Name of the service').fill('Early help');
    await page.getByLabel('Yes').check();
    await page.getByRole('button', { name: 'Add the service' }).click();
    assert.match(await textOf(page, '.govuk-notification-banner'), /Early help has been added/);
    const servicePath = new URL(page.url()).pathname;
    assert.equal(await checkPage(watched, servicePath, { names: ['Early help'] }), 'Early help');
    await page.getByLabel('Full name').fill('Erin Help');
    await page.getByLabel('Work email address').fill('erin.help@example.gov.uk');
    await page.getByLabel('Job title').fill('Early help QA officer');
    await page.getByRole('button', { name: 'Add the contributor' }).click();
    assert.match(
      await textOf(page, '.govuk-notification-banner'),
      /Erin Help has been added as a contributor/,
    );
    assert.match(await textOf(page, 'table'), /Erin Help/);
    await assertNoAxeViolations(page, 'a service with a contributor');

    const lado = await testDb.db
      .selectFrom('qa_services')
      .select('id')
      .where('council_id', '=', testDb.demo.councilId)
      .where('key', '=', 'lado')
      .executeTakeFirstOrThrow();
    assert.equal(
      await checkPage(watched, `/service-qa/services/${lado.id}`, { names: ['LADO service'] }),
      'LADO service',
    );

    assert.equal(
      await checkPage(watched, '/service-qa/import', { names: ['Import QA activity from a spreadsheet'] }),
      'Import QA activity from a spreadsheet',
    );
    const file = join(dir, 'qa.csv');
    writeFileSync(
      file,
      [
        'Service,Period start,Period end,What was reviewed,Number reviewed,Strengths,Areas for development,Practice themes,Outstanding,Good,Requires improvement,Inadequate',
        'Youth justice,01/10/2026,31/10/2026,YJ files (imported),6,Good,Thin,Chronologies; Voice of the child,0,4,2,0',
        'Nowhere,01/10/2026,31/10/2026,Nothing,2,,,,,,,',
      ].join('\n'),
    );
    await page.getByLabel('Spreadsheet').setInputFiles(file);
    await page.getByRole('button', { name: 'Read the file' }).click();
    assert.equal((await page.locator('h1').textContent())?.trim(), 'Check the QA activity to import');
    assert.match(
      await page.content(),
      /Row 3:<\/strong> Service: “Nowhere” is not one of the council’s services/,
    );
    await assertNoAxeViolations(page, 'the import preview');
    await assertReflows(page, 'the import preview');
    await page.getByRole('button', { name: 'Import 1 entry' }).click();
    assert.match(
      await textOf(page, '.govuk-notification-banner'),
      /1 entry has been imported; 1 row was left out/,
    );
    const resultPath = new URL(page.url()).pathname;
    assert.equal(await checkPage(watched, resultPath, { names: ['Imported: qa.csv'] }), 'Imported: qa.csv');
    assert.match(await page.content(), /YJ files \(imported\)/);
  } finally {
    await watched.close();
  }
});
