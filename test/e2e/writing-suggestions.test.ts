/**
 * Language that cares (issue 20), tried as an auditor and a QA lead would: the auditor writes a
 * real-sounding section with "failed to engage" and "supervised contact"; with JavaScript the
 * suggestions appear under the box as they type (in a polite live region, focus staying in the
 * box), and on the check page (server-rendered: src/web/routes/settings/writing.test.ts proves it
 * without a script). The QA lead adds a council word and switches a guide word off. Each new page is
 * checked with axe and at 320px.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { createTestApp } from '../helpers/app.ts';
import { type AuditFixture, buildAuditFixture, signInInBrowser } from '../helpers/audits.ts';
import { checkPage, launchBrowser, WatchedPage } from '../helpers/browser.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

let testDb: TestDb;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;
let f: AuditFixture;

before(async () => {
  testDb = await createTestDb();
  f = await buildAuditFixture(testDb.db, 'writing');
  app = await createTestApp(testDb.db, { demo: false });
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
});

const EVALUATION =
  'Mum failed to engage with the parenting programme and supervised contact with Dad was cancelled twice. ';

test('with JavaScript, suggestions appear under the box as the auditor types, without taking focus', {
  timeout: 300_000,
}, async () => {
  const watched = await WatchedPage.open(browser, baseURL);
  try {
    const { page } = watched;
    await signInInBrowser(page, f.people.auditor);
    await page.goto(`/audits/${f.audits.allocated}/parts/assessment`);
    const box = page.locator('#evaluation');
    await box.click();
    await box.pressSequentially(EVALUATION, { delay: 5 });
    const region = page.locator('#evaluation-writing');
    assert.equal(await region.getAttribute('aria-live'), 'polite');
    await region.getByText('“failed to engage”').waitFor({ timeout: 15_000 });
    const text = await region.innerText();
    assert.match(text, /2 suggestions on the writing/);
    assert.match(text, /“supervised contact”: “family time”/);
    assert.equal(
      await page.evaluate(() => document.activeElement?.id),
      'evaluation',
      'focus stays in the box',
    );
    assert.deepEqual(watched.takeProblems(), []);
  } finally {
    await watched.close();
  }
});

test('the QA lead adds a council word and switches a guide word off', { timeout: 300_000 }, async () => {
  const watched = await WatchedPage.open(browser, baseURL);
  try {
    const { page } = watched;
    await signInInBrowser(page, f.people.qaLead);
    await checkPage(watched, '/settings/writing', { names: ['Writing suggestions'] });

    // a mistake keeps what was typed and shows the error summary
    await page.locator('#suggestion').fill('brothers and sisters');
    await page.getByRole('button', { name: 'Add the word' }).click();
    await page.locator('.govuk-error-summary').getByText('Enter the word or phrase to point out').waitFor();
    assert.equal(await page.locator('#suggestion').inputValue(), 'brothers and sisters');

    await page.locator('#phrase').fill('sibling set');
    await page.locator('#why').fill('Our children in care council asked us to stop using it');
    await page.getByRole('button', { name: 'Add the word' }).click();
    await page.getByText('“sibling set” has been added').waitFor();

    await page.getByRole('button', { name: 'Switch off “respite”' }).click();
    await page.getByText('The rule has been switched off').waitFor();
    const row = page.locator('#rule-respite');
    assert.match(await row.innerText(), /Off/);

    const term = await testDb.db.selectFrom('language_terms').select('id').executeTakeFirstOrThrow();
    await checkPage(watched, `/settings/writing/terms/${term.id}`, { names: ['Change'] });
    const off = await testDb.db.selectFrom('writing_rules_off').select('rule_key').execute();
    assert.deepEqual(
      off.map((r) => r.rule_key),
      ['respite'],
    );
  } finally {
    await watched.close();
  }
});
