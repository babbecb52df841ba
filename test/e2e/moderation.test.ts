/**
 * Moderation in a real browser: the moderator opens their list and the blind re-grade, submits it
 * with a mistake, then completely; the QA lead opens the month's panel, makes a mistake on the
 * decision and then records it. Every page is checked with axe, for one h1, a title naming the page
 * and the service, and a clean console.
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
import { checkPage, launchBrowser, WatchedPage } from '../helpers/browser.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { addModerator, moderationOf, regradeForm, submittedAudit } from '../helpers/moderations.ts';

let testDb: TestDb;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;
let f: AuditFixture;
let moderator: FixturePerson;
let moderationId: string;

before(async () => {
  testDb = await createTestDb();
  f = await buildAuditFixture(testDb.db, 'mod');
  moderator = await addModerator(testDb.db, f);
  moderationId = await moderationOf(testDb.db, f, await submittedAudit(testDb.db, f), moderator.staffId);
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

test('a moderator re-grades blind, and the panel decides the final grade', { timeout: 300_000 }, async () => {
  const mod = await WatchedPage.open(browser, baseURL, { viewport: { width: 1280, height: 900 } });
  try {
    const { page } = mod;
    await signIn(page, moderator);
    assert.equal(await checkPage(mod, '/moderation', { names: ['Moderation'] }), 'Moderation');
    const regrade = `/moderations/${moderationId}`;
    assert.match(await checkPage(mod, regrade, { names: ['Moderate the audit'] }), /^Moderate the audit of/);
    // a mistake: nothing chosen
    await page.getByRole('button', { name: 'Submit the moderation' }).click();
    await page.waitForSelector('.govuk-error-summary');
    assert.match(await page.title(), /^Error: Moderate the audit/);
    // then everything
    const form = regradeForm('good', 'good');
    for (const [name, value] of Object.entries(form)) {
      if (name === 'qualityComments') await page.locator('#qualityComments').fill(value);
      else await page.locator(`input[name="${name}"][value="${value}"]`).check();
    }
    await page.getByRole('button', { name: 'Submit the moderation' }).click();
    await page.waitForURL(`${baseURL}/moderation`);
  } finally {
    await mod.close();
  }

  const qa = await WatchedPage.open(browser, baseURL, { viewport: { width: 1280, height: 900 } });
  try {
    const { page } = qa;
    await signIn(page, f.people.qaLead);
    const panel = `/moderation/panel/${f.monthId}`;
    assert.equal(
      await checkPage(qa, panel, { names: ['Moderation panel'] }),
      'Moderation panel, November 2026',
    );
    const decision = `/moderations/${moderationId}/decision`;
    await checkPage(qa, decision, { names: ['Moderation panel decision'] });
    await page.locator('input[name="finalGrade"][value="good"]').check();
    await page.getByRole('button', { name: 'Record the decision' }).click();
    await page.waitForSelector('.govuk-error-summary');
    await page.locator('#reason').fill('The evidence shows the plan is working for the child.');
    await page.getByRole('button', { name: 'Record the decision' }).click();
    await page.waitForURL(`${baseURL}${panel}`);
    assert.match(await page.locator('#panel').innerText(), /Upgraded/);
  } finally {
    await qa.close();
  }
});
