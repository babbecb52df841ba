/**
 * IRO and CP adviser footprint dip samples in a real browser, on the demo council: the QA lead
 * checks and draws an IRO footprint dip sample and sees each audit with the officers' service
 * manager; the same form without JavaScript refuses a footprint nobody in the cohort has; the
 * quality dashboard's footprint panel. Every page passes axe and reflows at 320 px.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
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

test('the QA lead draws an IRO footprint dip sample, each audit with the service manager, and reads the panel', {
  timeout: 300_000,
}, async () => {
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  try {
    await signInAs(watched, baseURL, 'qa_lead');
    await checkPage(watched, '/samples/new', { names: ['Draw a sample'] });
    await page.getByLabel('Cohort', { exact: true }).selectOption({ label: 'Children in care' });
    await page.getByRole('radio', { name: 'Dip sample', exact: true }).check();
    await page.locator('#toolDipSample').selectOption({ label: 'Dip sample: IRO footprint' });
    await page.getByRole('radio', { name: 'IRO footprint (children looked after)' }).check();
    await page.getByRole('radio', { name: 'A number of children' }).check();
    await page.getByRole('textbox', { name: 'Number of children' }).fill('4');
    await page.getByRole('radio', { name: 'Simple random sample' }).check();
    await page.getByRole('button', { name: 'Check the sample', exact: true }).click();
    assert.match(await textOf(page, '#preview'), /each audit goes to the officer's service manager/);
    await assertNoAxeViolations(page, 'the footprint sample checked');
    await assertReflows(page, 'the footprint sample checked');

    await page.getByRole('button', { name: 'Draw the sample' }).click();
    await page.waitForURL(/\/samples\/[0-9a-f-]{36}$/);
    const path = new URL(page.url()).pathname;
    await checkPage(watched, path, { names: ['Sample'] });
    assert.match(
      await textOf(page, 'main'),
      /IRO footprint \(children looked after\), each audit with the officer’s service manager/,
    );
    const rows = page.locator('table tbody tr[id^="audit-"]');
    assert.equal(await rows.count(), 4);
    const auditorColumn = (await page.locator('table thead th').allTextContents()).findIndex(
      (h) => h.trim() === 'Auditor',
    );
    for (let i = 0; i < 4; i++) {
      const cells = await rows.nth(i).locator('th, td').allTextContents();
      assert.equal(cells[auditorColumn]?.trim(), 'Rosalind Achebe', `audit ${i + 1}`);
    }

    await checkPage(watched, '/dashboards/quality', { names: ['Quality dashboard'] });
    const panel = await textOf(page, 'main');
    assert.match(panel, /IRO and CP adviser footprint/);
    assert.match(panel, /Independent reviewing officers: answered yes, this quarter/);
    assert.match(panel, /Child protection advisers: by the officer’s team/);
  } finally {
    await watched.context.close();
  }
});

test('without JavaScript, a footprint nobody in the cohort has is refused with the reason', {
  timeout: 300_000,
}, async () => {
  const watched = await WatchedPage.open(browser, baseURL, { javaScriptEnabled: false });
  const { page } = watched;
  page.setDefaultTimeout(30_000);
  try {
    await signInAs(watched, baseURL, 'qa_lead');
    await page.goto('/samples/new');
    await page.getByLabel('Cohort', { exact: true }).selectOption({ label: 'Early help and family support' });
    await page.getByRole('radio', { name: 'Dip sample', exact: true }).check();
    await page.locator('#toolDipSample').selectOption({ label: 'Dip sample: CP adviser footprint' });
    await page
      .getByRole('radio', { name: 'CP adviser footprint (children on a child protection plan)' })
      .check();
    await page.getByRole('radio', { name: 'A number of children' }).check();
    await page.getByRole('textbox', { name: 'Number of children' }).fill('3');
    await page.getByRole('radio', { name: 'Simple random sample' }).check();
    await page.getByRole('button', { name: 'Check the sample', exact: true }).click();
    assert.match(await textOf(page, '.govuk-error-summary'), /has a child protection adviser in the extract/);
    assert.ok(
      await page
        .getByRole('radio', { name: 'CP adviser footprint (children on a child protection plan)' })
        .isChecked(),
    );
    // (axe runs in the page's JavaScript, so the pages are checked with it on, in the test above)
  } finally {
    await watched.context.close();
  }
});
