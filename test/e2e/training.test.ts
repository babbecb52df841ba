/**
 * The auditor training register in a real browser, on the demo council: the register and the
 * session form pass axe and reflow at 320px; a session recorded without JavaScript (the checkboxes
 * are plain form fields) comes back with what was ticked when a field is wrong, and once saved it
 * appears in the register.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { createTestApp } from '../helpers/app.ts';
import { checkPage, launchBrowser, textOf, WatchedPage } from '../helpers/browser.ts';
import { signInAs } from '../helpers/crawl.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

let testDb: TestDb;
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

test('the register and the session form', { timeout: 300_000 }, async () => {
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  try {
    await signInAs(watched, baseURL, 'qa_lead');
    assert.equal(
      await checkPage(watched, '/auditors/training', { names: ['Auditor training'] }),
      'Auditor training',
    );
    const notTrained = await textOf(page, '#not-trained + p');
    assert.match(notTrained, /2 managers have not been trained/);
    assert.match(await page.content(), /Case file audit training, December 2025/);

    assert.equal(
      await checkPage(watched, '/auditors/training/new', { names: ['Record a training session'] }),
      'Record a training session',
    );
    // a mistake: the date is left out; what was ticked and typed stays
    await page.getByLabel('Refresher', { exact: true }).check();
    await page.getByLabel('Title', { exact: true }).fill('Audit refresher, winter');
    const boxes = page.locator('input[name="attendees"]');
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.getByRole('button', { name: 'Record session' }).click();
    assert.match(await textOf(page, '.govuk-error-summary'), /Enter the date the session was held/);
    assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'Audit refresher, winter');
    assert.equal(await page.locator('input[name="attendees"]:checked').count(), 2);
    assert.match(await page.title(), /^Error: /);

    await page.getByLabel('Day', { exact: true }).fill('20');
    await page.getByLabel('Month', { exact: true }).fill('11');
    await page.getByLabel('Year', { exact: true }).fill('2026');
    await page.getByRole('button', { name: 'Record session' }).click();
    assert.equal(new URL(page.url()).pathname, '/auditors/training');
    assert.match(await textOf(page, '.govuk-notification-banner'), /2 people attended/);
    assert.match(await page.content(), /Audit refresher, winter/);

    // changing and deleting a session
    const href = await page
      .locator('a[href^="/auditors/training/"]', { hasText: 'Audit refresher, winter' })
      .first()
      .getAttribute('href');
    const sessionId = String(href).split('/').pop() as string;
    assert.equal(
      await checkPage(watched, `/auditors/training/${sessionId}`, { names: ['Audit refresher, winter'] }),
      'Audit refresher, winter',
    );
    assert.equal(await page.locator('input[name="attendees"]:checked').count(), 2);
    assert.equal(
      await checkPage(watched, `/auditors/training/${sessionId}/delete`, {
        names: ['Delete Audit refresher, winter?'],
      }),
      'Delete Audit refresher, winter?',
    );
    await page.getByRole('button', { name: 'Delete session' }).click();
    assert.match(await textOf(page, '.govuk-notification-banner'), /has been deleted/);
  } finally {
    await watched.close();
  }
});

test('the session form works without JavaScript', { timeout: 300_000 }, async () => {
  const watched = await WatchedPage.open(browser, baseURL, { javaScriptEnabled: false });
  const { page } = watched;
  try {
    await signInAs(watched, baseURL, 'qa_lead');
    await page.goto('/auditors/training/new');
    await page.getByLabel('Day', { exact: true }).fill('19');
    await page.getByLabel('Month', { exact: true }).fill('11');
    await page.getByLabel('Year', { exact: true }).fill('2026');
    await page.getByLabel('Initial training', { exact: true }).check();
    await page.getByLabel('Title', { exact: true }).fill('Audit training without scripts');
    await page.locator('input[name="attendees"]').nth(2).check();
    await page.getByRole('button', { name: 'Record session' }).click();
    assert.equal(new URL(page.url()).pathname, '/auditors/training');
    assert.match(await page.content(), /Audit training without scripts/);
  } finally {
    await watched.close();
  }
});
