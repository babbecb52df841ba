/**
 * An escalation in a real browser: the auditor raises one from the audit (a mistake first), the Head
 * of Service sees the banner on their home page, opens the escalation from their list and records
 * the response, and the QA lead's list no longer shows it waiting. Every page is checked with axe,
 * for one h1, a title naming the page and the service, and a clean console.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { createTestApp } from '../helpers/app.ts';
import {
  type AuditFixture,
  buildAuditFixture,
  type FixturePerson,
  signInInBrowser,
} from '../helpers/audits.ts';
import { checkPage, launchBrowser, textOf, WatchedPage } from '../helpers/browser.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

let testDb: TestDb;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;
let f: AuditFixture;

before(async () => {
  testDb = await createTestDb();
  f = await buildAuditFixture(testDb.db, 'esc');
  app = await createTestApp(testDb.db, { demo: false });
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
});

async function signIn(page: Page, person: FixturePerson) {
  await signInInBrowser(page, person);
}

test('an auditor escalates a concern, and the Head of Service records the response', {
  timeout: 300_000,
}, async () => {
  const auditor = await WatchedPage.open(browser, baseURL, { viewport: { width: 1280, height: 900 } });
  try {
    const { page } = auditor;
    await signIn(page, f.people.auditor);
    const form = `/audits/${f.audits.allocated}/escalate`;
    assert.equal(await checkPage(auditor, form, { names: ['Raise an escalation'] }), 'Raise an escalation');
    assert.ok(await page.getByLabel(/Hal Head/).isChecked(), 'the Head of Service is ticked');

    // a mistake: no kind chosen
    await page.getByLabel('What did you find?').fill('The child said she is scared of her mother’s partner.');
    await page.getByRole('button', { name: 'Send the escalation' }).click();
    await page.waitForURL(`${baseURL}${form}`);
    assert.match(
      await textOf(page, '.govuk-error-summary'),
      /Choose whether this is an immediate safety concern/,
    );
    assert.equal(
      await page.getByLabel('What did you find?').inputValue(),
      'The child said she is scared of her mother’s partner.',
    );
    // the error summary's link takes you to the question
    await page.locator('.govuk-error-summary a[href="#kind"]').click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'kind');

    await page.getByLabel('Immediate safety concern').check();
    await page.getByRole('button', { name: 'Send the escalation' }).click();
    await page.waitForURL(`${baseURL}/audits/${f.audits.allocated}`);
  } finally {
    await auditor.close();
  }

  const head = await WatchedPage.open(browser, baseURL, { viewport: { width: 1280, height: 900 } });
  try {
    const { page } = head;
    await signIn(page, f.people.headOfService);
    await checkPage(head, '/', { names: ['Home'] });
    assert.match(
      await textOf(page, '.govuk-notification-banner'),
      /1 escalation is waiting for your response/,
    );
    await page.getByRole('link', { name: '1 escalation is waiting for your response' }).click();
    await page.waitForURL(`${baseURL}/escalations`);
    await checkPage(head, '/escalations', { names: ['Escalations'] });
    await page.getByRole('link', { name: /^Raised / }).click();
    await page.waitForURL(/\/escalations\/[0-9a-f-]{36}$/);
    const path = new URL(page.url()).pathname;
    assert.equal(await checkPage(head, path, { names: ['Escalation'] }), 'Immediate safety concern');
    assert.match(await textOf(page, 'main'), /The child said she is scared of her mother’s partner\./);

    await page.getByRole('button', { name: 'Record the response' }).click();
    await page.waitForURL(`${baseURL}${path}/response`);
    assert.match(await textOf(page, '.govuk-error-summary'), /Enter the response/);
    await page
      .getByLabel('What has been done?')
      .fill('Strategy discussion held; the child is safe with her aunt.');
    await page.getByRole('button', { name: 'Record the response' }).click();
    await page.waitForURL(`${baseURL}${path}`);
    assert.match(await textOf(page, '.govuk-notification-banner'), /Your response has been recorded/);
    await checkPage(head, path, { names: ['Escalation'] });
  } finally {
    await head.close();
  }

  const qa = await WatchedPage.open(browser, baseURL, { viewport: { width: 1280, height: 900 } });
  try {
    await signIn(qa.page, f.people.qaLead);
    await checkPage(qa, '/escalations', { names: ['Escalations'] });
    assert.match(await textOf(qa.page, 'main'), /Every escalation has been answered/);
  } finally {
    await qa.close();
  }
});
