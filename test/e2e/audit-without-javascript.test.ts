/**
 * Leaving an audit's part without losing what was typed. Without JavaScript a link cannot save, so
 * every way out of the form that belongs to the audit is a button that saves first: the list of
 * parts and the back link are tried here with JavaScript turned off. With JavaScript, the page also
 * asks before it is left with changes not yet saved. The part page is checked with axe.
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
  f = await buildAuditFixture(testDb.db, 'nojs');
  app = await createTestApp(testDb.db, { demo: false });
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
});

const draftOf = (part: string) =>
  testDb.db
    .selectFrom('audit_drafts')
    .selectAll()
    .where('audit_id', '=', f.audits.allocated)
    .where('part', '=', part)
    .executeTakeFirst();

test('without JavaScript, text typed into a part and then left by the list of parts or the back link is saved', {
  timeout: 300_000,
}, async () => {
  const watched = await WatchedPage.open(browser, baseURL, { javaScriptEnabled: false });
  try {
    const { page } = watched;
    await signInInBrowser(page, f.people.auditor);
    const audit = `/audits/${f.audits.allocated}`;
    await page.goto(`${audit}/parts/assessment`);
    await page.locator('#evaluation').fill('Typed without JavaScript, then left by the list of parts.');
    await page.getByRole('button', { name: /^Save and go to Identity, culture/ }).click();
    await page.waitForURL(`${baseURL}${audit}/parts/identity_and_diversity`);
    assert.equal(
      (await draftOf('assessment'))?.fields.evaluation,
      'Typed without JavaScript, then left by the list of parts.',
    );

    await page.locator('#evaluation').fill('Typed here too, then left by the back link.');
    await page.getByRole('button', { name: 'Save and go back to the audit' }).first().click();
    await page.waitForURL(`${baseURL}${audit}`);
    assert.equal(
      (await draftOf('identity_and_diversity'))?.fields.evaluation,
      'Typed here too, then left by the back link.',
    );

    // and it is there when the part is opened again
    await page.goto(`${audit}/parts/assessment`);
    assert.equal(
      await page.locator('#evaluation').inputValue(),
      'Typed without JavaScript, then left by the list of parts.',
    );
  } finally {
    await watched.close();
  }
});

test('without JavaScript, the check page points out words that label or blame, with an alternative, and still submits nothing by itself', {
  timeout: 300_000,
}, async () => {
  const watched = await WatchedPage.open(browser, baseURL, { javaScriptEnabled: false });
  try {
    const { page } = watched;
    await signInInBrowser(page, f.people.auditor);
    const audit = `/audits/${f.audits.allocated}`;
    await page.goto(`${audit}/parts/the_plan`);
    await page
      .locator('#evaluation')
      .fill('Mum failed to engage with the plan and supervised contact was cancelled twice in October.');
    await page.getByRole('button', { name: 'Save and go back to the audit' }).first().click();
    await page.waitForURL(`${baseURL}${audit}`);
    await page.goto(`${audit}/check`);
    const suggestions = await page.locator('#writing-the_plan').innerText();
    assert.match(suggestions, /“failed to engage”/);
    assert.match(suggestions, /family time/i);
    assert.match(suggestions, /you can submit the audit without changing anything/);
    const status = await page.evaluate(() => document.title);
    assert.match(status, /Check and submit/);
  } finally {
    await watched.close();
  }
});

test('with JavaScript, the part page passes axe, and leaving with changes not yet saved is asked about first', {
  timeout: 300_000,
}, async () => {
  const watched = await WatchedPage.open(browser, baseURL, { viewport: { width: 1280, height: 900 } });
  try {
    const { page } = watched;
    await signInInBrowser(page, f.people.auditor);
    const url = `/audits/${f.audits.allocated}/parts/the_plan`;
    await checkPage(watched, url, { names: ['The plan'], orHeading: true });
    // the autosave cannot reach the server, so what is typed stays unsaved however long closing
    // takes (on a busy machine the autosave's pause could otherwise pass first)
    const autosave = await page.locator('form[data-autosave]').getAttribute('data-autosave');
    assert.ok(autosave);
    await page.route(
      (u) => u.pathname === autosave,
      (route) => route.abort(),
    );
    await page.locator('#evaluation').click();
    await page.keyboard.type('Not saved yet');
    const asked = new Promise<string>((resolve) => {
      page.once('dialog', async (dialog) => {
        resolve(dialog.type());
        await dialog.dismiss();
      });
      page.once('close', () => resolve('closed without asking'));
    });
    await page.close({ runBeforeUnload: true });
    assert.equal(await asked, 'beforeunload');
    // staying was chosen: the page is still open, and now closes without asking
    assert.equal(page.isClosed(), false);
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    await page.close();
  } finally {
    await watched.close();
  }
});
