/**
 * Feedback after an audit in a real browser: the case holder's three questions, QA recording a
 * family's feedback and making a link, and the family answering through it without an account.
 * Every page, with and without errors, is checked with axe and for a clean console.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { createFamilyFeedbackLink } from '../../src/services/audits/feedback.ts';
import { loadSignedInUser } from '../../src/services/organisation/auth.ts';
import { createTestApp } from '../helpers/app.ts';
import {
  type AuditFixture,
  buildAuditFixture,
  type FixturePerson,
  signInInBrowser,
} from '../helpers/audits.ts';
import { assertNoAxeViolations, checkPage, launchBrowser, textOf, WatchedPage } from '../helpers/browser.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

let testDb: TestDb;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;
let f: AuditFixture;

before(async () => {
  testDb = await createTestDb();
  f = await buildAuditFixture(testDb.db, 'fbk');
  app = await createTestApp(testDb.db, { demo: false });
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
});

async function signIn(watched: WatchedPage, person: FixturePerson) {
  await signInInBrowser(watched.page, person);
}

/** Axe, one h1 and a clean console on the page open now, forgiving the page's own error status. */
async function checkHere(watched: WatchedPage, label: string, status?: number) {
  const { page } = watched;
  if (status) watched.forgiveOwnStatus(page.url(), status);
  assert.equal(await page.locator('h1').count(), 1, `${label}: one h1`);
  assert.match(await page.title(), /QA Loop/, `${label}: the title names the service`);
  await assertNoAxeViolations(page, label);
  assert.deepEqual(watched.takeProblems(), [], `${label}: errors in the browser console`);
}

test('the case holder answers the three questions', { timeout: 300_000 }, async () => {
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  try {
    await signIn(watched, f.people.practitioner);
    const path = `/audits/${f.audits.submitted}/feedback`;
    assert.equal(
      await checkPage(watched, path, { names: ['Give your feedback on the audit'] }),
      'Give your feedback on the audit',
    );
    await page.getByRole('button', { name: 'Send your feedback' }).click();
    await page.waitForLoadState('load');
    assert.match(await textOf(page, '.govuk-error-summary__list'), /Choose how much the audit helped/);
    await checkHere(watched, 'the feedback form with errors', 400);

    await page
      .getByRole('group', { name: 'How much has this audit helped your practice?' })
      .getByLabel('8')
      .check();
    await page.getByLabel('One thing you will change for the child').fill('See him alone at every visit');
    await page.getByLabel('One thing you would change about the audit process').fill('Share the tool first');
    await page.getByRole('button', { name: 'Send your feedback' }).click();
    await page.waitForURL(`${baseURL}/audits/${f.audits.submitted}`);

    assert.equal(
      await checkPage(watched, path, { names: ['Your feedback on the audit'] }),
      'Your feedback on the audit',
    );
  } finally {
    await watched.close();
  }
});

test('QA records a family’s feedback and makes a link; the family answers through it once', {
  timeout: 300_000,
}, async () => {
  const qa = await WatchedPage.open(browser, baseURL);
  const family = await WatchedPage.open(browser, baseURL);
  try {
    await signIn(qa, f.people.qaLead);
    const record = `/audits/${f.audits.submitted}/family-feedback`;
    assert.equal(
      await checkPage(qa, record, { names: ['Record family feedback'] }),
      'Record family feedback',
    );
    await qa.page.getByRole('button', { name: 'Save the feedback' }).click();
    await qa.page.waitForLoadState('load');
    await checkHere(qa, 'the record form with errors', 400);
    await qa.page.getByLabel('On the phone').check();
    await qa.page.getByLabel('A parent or carer').check();
    await qa.page
      .getByRole('group', { name: 'Did your social worker listen to you?' })
      .getByLabel('A bit')
      .check();
    await qa.page
      .getByRole('group', { name: 'Has our help made things better for your family?' })
      .getByLabel('Not yet')
      .check();
    await qa.page.getByRole('button', { name: 'Save the feedback' }).click();
    await qa.page.waitForURL(`${baseURL}/audits/${f.audits.submitted}`);

    // the audit page's button posts this form
    await qa.page.goto(record);
    await qa.page.evaluate((action) => {
      const csrf = document.querySelector<HTMLInputElement>('input[name="_csrf"]')?.value ?? '';
      const form = document.createElement('form');
      form.method = 'post';
      form.action = action;
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = '_csrf';
      input.value = csrf;
      form.append(input);
      document.body.append(form);
      form.submit();
    }, `${record}/links`);
    await qa.page.waitForURL(`${baseURL}${record}/links`);
    assert.equal(await textOf(qa.page, 'h1'), 'Feedback link made');
    await checkHere(qa, 'the link made', 201);
    const link = new URL(await qa.page.getByLabel('Copy this link and send it to the family').inputValue());

    const h1 = await checkPage(family, link.pathname, {
      names: ['Tell us about the help your family has had'],
    });
    assert.equal(h1, 'Tell us about the help your family has had from children’s services');
    await family.page.getByRole('button', { name: 'Send' }).click();
    await family.page.waitForLoadState('load');
    assert.match(await textOf(family.page, '.govuk-error-summary__list'), /Choose who is answering/);
    await checkHere(family, 'the family’s page with errors', 400);
    await family.page.getByLabel('A child or young person').check();
    await family.page
      .getByRole('group', { name: 'Did your social worker listen to you?' })
      .getByLabel('Yes')
      .check();
    await family.page
      .getByRole('group', { name: 'Has our help made things better for your family?' })
      .getByLabel('I’d rather not say')
      .check();
    await family.page.getByLabel('What has helped most?').fill('My worker came to see me at school');
    await family.page.getByRole('button', { name: 'Send' }).click();
    await family.page.waitForURL(`${baseURL}/family-feedback/thank-you`);
    assert.equal(await textOf(family.page, 'h1'), 'Thank you');
    await checkHere(family, 'the thank-you page');

    assert.equal(
      await checkPage(family, link.pathname, { names: ['This link has already been used'], status: 410 }),
      'This link has already been used',
    );

    const account = await testDb.db
      .selectFrom('user_accounts')
      .select('id')
      .where('staff_id', '=', f.people.qaLead.staffId)
      .executeTakeFirstOrThrow();
    const user = await loadSignedInUser(testDb.db, account.id);
    assert.ok(user);
    const old = await createFamilyFeedbackLink(
      testDb.db,
      user,
      f.audits.submitted,
      new Date(Date.now() - 15 * 86_400_000),
    );
    assert.equal(
      await checkPage(family, old.path, { names: ['This link has expired'], status: 410 }),
      'This link has expired',
    );
  } finally {
    await qa.close();
    await family.close();
  }
});
