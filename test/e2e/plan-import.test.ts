/**
 * Importing the improvement plan in a real browser, on the demo council: the QA lead uploads the
 * Word plan, reads what was read (and what was not) on the preview, saves it and lands on the
 * plan. Each page is checked for accessibility (axe), one h1, a title that names the page and
 * reflow at 320 pixels; the same pages with an error are checked too.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { createTestApp } from '../helpers/app.ts';
import { checkPage, launchBrowser, textOf, WatchedPage } from '../helpers/browser.ts';
import { signInAs } from '../helpers/crawl.ts';
import { createTestDb, type TestDbWithDemo } from '../helpers/db.ts';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'improvement-plan.docx');
const SHOTS = process.env.PLAN_IMPORT_SCREENSHOTS;

let testDb: TestDbWithDemo;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;
let dir: string;

before(async () => {
  testDb = await createTestDb({ demo: true });
  app = await createTestApp(testDb.db, { demo: true });
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
  dir = mkdtempSync(join(tmpdir(), 'qaloop-e2e-plan-'));
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function shot(page: Page, name: string) {
  if (!SHOTS) return;
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 320, height: 720 });
  await page.screenshot({ path: join(SHOTS, `${name}-320.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 720 });
}

test('the QA lead uploads the Word plan, checks what was read, saves it and lands on the plan', {
  timeout: 300_000,
}, async () => {
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  try {
    await signInAs(watched, baseURL, 'qa_lead');
    assert.equal(
      await checkPage(watched, '/plan/import', { names: ['Import the improvement plan'] }),
      'Import the improvement plan',
    );
    await shot(page, '01-upload');

    // a file that is not a plan: the reason, on the page, by the field
    const wrong = join(dir, 'minutes.pdf');
    writeFileSync(wrong, '%PDF-1.4 minutes of the board');
    await page.locator('#file').setInputFiles(wrong);
    await page.getByRole('button', { name: 'Read the plan' }).click();
    await page.waitForLoadState('load');
    assert.match(await textOf(page, '.govuk-error-summary'), /minutes\.pdf is a PDF/);
    await shot(page, '02-not-a-plan');

    await page.locator('#file').setInputFiles(FIXTURE);
    await page.getByRole('button', { name: 'Read the plan' }).click();
    await page.waitForURL(/\/plan\/import\/[0-9a-f-]+$/);
    const preview = new URL(page.url()).pathname;
    assert.equal(
      await checkPage(watched, preview, { names: ['Check the improvement plan'] }),
      'Check the improvement plan',
    );
    const main = await textOf(page, 'main');
    assert.match(main, /2 Assessment teams/);
    assert.match(main, /What do we want to see\?/);
    assert.match(main, /Children are seen and seen alone/);
    assert.match(main, /Regular reflective supervision improves decision making/);
    assert.match(main, /Table 1, row 6: The outcome “A row someone forgot to number” has no reference/);
    assert.match(main, /from the cell’s colour/);
    // ratings are words, never colour alone
    const firstRow = await textOf(page, 'table tbody tr:first-child');
    assert.match(firstRow, /2\.1[\s\S]*Red[\s\S]*Amber[\s\S]*Green[\s\S]*Amber/);
    await shot(page, '03-preview');

    await page.getByRole('button', { name: 'Save this plan' }).click();
    await page.waitForURL(`${baseURL}/plan`);
    assert.match(
      await textOf(page, '.govuk-notification-banner'),
      /The improvement plan has been saved: 6 outcomes in 2 areas/,
    );
    assert.equal(
      await checkPage(watched, '/plan', { names: ['Improvement plan'], orHeading: true }),
      'Children’s Services Improvement Plan 2026 to 2027',
    );
    await shot(page, '04-plan');
    const current = await testDb.db
      .selectFrom('improvement_plans')
      .select(['title', 'source'])
      .where('status', '=', 'current')
      .executeTakeFirstOrThrow();
    assert.match(current.source, /^Imported from improvement-plan\.docx on /);

    // the saved preview says so, and offers nothing more to do
    assert.equal(
      await checkPage(watched, preview, { names: ['Improvement plan saved'] }),
      'Improvement plan saved',
    );
    assert.equal(await page.getByRole('button', { name: 'Save this plan' }).count(), 0);
    await shot(page, '05-saved');
  } finally {
    await watched.close();
  }
});
