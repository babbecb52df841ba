/**
 * The practitioner's reply in a real browser, on a council of its own: the case holder, with
 * JavaScript turned off, agrees with one section's findings and disagrees with another (first
 * forgetting the reason: the error summary, and what was typed kept); the manager, with JavaScript,
 * opens the reason by choosing "I disagree" (the conditional reveal); then the QA lead sees the
 * replies beside the sections and the disagreement on the cycle's moderation page. Every page is
 * checked with axe and at 320 px.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { createTestApp } from '../helpers/app.ts';
import { fillSubmittedAudit } from '../helpers/audit-document.ts';
import { type AuditFixture, buildAuditFixture, signInInBrowser } from '../helpers/audits.ts';
import { checkPage, launchBrowser, textOf, WatchedPage } from '../helpers/browser.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

let testDb: TestDb;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;
let f: AuditFixture;

before(async () => {
  testDb = await createTestDb();
  f = await buildAuditFixture(testDb.db, 'reply');
  await fillSubmittedAudit(testDb.db, f);
  app = await createTestApp(testDb.db, { demo: false });
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
});

const REASON = 'The plan was rewritten with the family at the core group on 18 November.';
const replies = () =>
  testDb.db
    .selectFrom('audit_section_replies')
    .selectAll()
    .where('audit_id', '=', f.audits.submitted)
    .orderBy('section_key')
    .execute();

test('the case holder replies without JavaScript; the manager with it; QA see the replies', {
  timeout: 400_000,
}, async () => {
  const audit = `/audits/${f.audits.submitted}`;
  const noJs = await WatchedPage.open(browser, baseURL, { javaScriptEnabled: false });
  try {
    const { page } = noJs;
    page.setDefaultTimeout(20_000);
    await signInInBrowser(page, f.people.practitioner);
    // (axe needs scripts: the pages are checked with them on below)
    await page.goto(audit);
    await page.getByRole('button', { name: 'Reply to the findings' }).click();
    await page.waitForURL(`${baseURL}${audit}/reply`);
    assert.equal(await textOf(page, 'h1'), 'Reply to the findings');
    // without JavaScript the reason is there to type, beside "I disagree"
    assert.ok(await page.locator('#reason-the_plan').isVisible());
    await page.locator('input[name="reply-voice_and_lived_experience"][value="agree"]').check();
    await page.locator('input[name="reply-the_plan"][value="disagree"]').check();
    await page.getByRole('button', { name: 'Send your replies' }).click();
    await page.waitForLoadState('load');
    assert.match(
      await textOf(page, '.govuk-error-summary'),
      /Say why you disagree with the findings on The plan/,
    );
    assert.ok(
      await page.locator('input[name="reply-voice_and_lived_experience"][value="agree"]').isChecked(),
    );
    assert.ok(await page.locator('input[name="reply-the_plan"][value="disagree"]').isChecked());
    assert.equal((await replies()).length, 0);
    // the error links to the reason, which is shown with its message
    await page.locator('.govuk-error-summary a[href="#reason-the_plan"]').click();
    assert.ok(await page.locator('#reason-the_plan').isVisible());
    await page.locator('#reason-the_plan').fill(REASON);
    await page.getByRole('button', { name: 'Send your replies' }).click();
    await page.waitForURL((u) => u.pathname === audit);
    assert.match(
      await textOf(page, '.govuk-notification-banner'),
      /Your replies to 2 sections have been saved/,
    );
    assert.match(await textOf(page, '#replies-the_plan'), /Disagrees[\s\S]*core group on 18 November/);
    assert.deepEqual(
      (await replies()).map((r) => [r.section_key, r.agrees]),
      [
        ['the_plan', false],
        ['voice_and_lived_experience', true],
      ],
    );
  } finally {
    await noJs.context.close();
  }

  const js = await WatchedPage.open(browser, baseURL);
  try {
    const { page } = js;
    page.setDefaultTimeout(20_000);
    await signInInBrowser(page, f.people.manager);
    await checkPage(js, `${audit}/reply`, { names: ['Reply to the findings'] });
    // with JavaScript the reason opens when "I disagree" is chosen
    assert.equal(await page.locator('#reason-visits_check').isVisible(), false);
    await page.locator('input[name="reply-visits_check"][value="disagree"]').check();
    assert.ok(await page.locator('#reason-visits_check').isVisible());
    await page.locator('#reason-visits_check').fill('The last visit was on 24 November, after the audit.');
    await page.locator('input[name="reply-the_plan"][value="agree"]').check();
    await page.getByRole('button', { name: 'Send your replies' }).click();
    await page.waitForURL((u) => u.pathname === audit);
    // every section replied to: the page says so
    await checkPage(js, `${audit}/reply`, { names: ['Reply to the findings'] });
    assert.equal(
      await page.locator('input[type="radio"]').count(),
      1 * 2,
      'voice is still open to the manager',
    );
  } finally {
    await js.context.close();
  }

  const qa = await WatchedPage.open(browser, baseURL);
  try {
    const { page } = qa;
    page.setDefaultTimeout(20_000);
    await signInInBrowser(page, f.people.qaLead);
    await checkPage(qa, audit, { names: ['Audit of'] });
    const beside = await textOf(page, '#replies-the_plan');
    assert.match(beside, /Disagrees\s+The case holder, [^,]+,/);
    assert.match(beside, /core group on 18 November/);
    assert.match(beside, /Agrees\s+The case holder’s manager/);
    assert.match(
      await textOf(page, '#replies-summary'),
      /4 replies: 2 agreements, 2 disagreements \(2 sections disputed\)/,
    );
    await checkPage(qa, `/programme/months/${f.monthId}/moderation`, { names: ['Moderation sample'] });
    assert.match(await textOf(page, '#disputed'), /1 audit with a disagreement/);
  } finally {
    await qa.context.close();
  }
});
