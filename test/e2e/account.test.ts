/**
 * Your own account in a real browser: the account page, changing the password (with an error),
 * setting up a second factor with its QR code, and the code asked for at sign-in. Every page is
 * checked with axe, for reflow at 320 pixels and for a clean console.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Secret, TOTP } from 'otpauth';
import type { Browser } from 'playwright-core';
import { createCouncil } from '../../src/services/organisation/councils.ts';
import { addPerson } from '../../src/services/organisation/people.ts';
import { newSecondFactorSecret } from '../../src/services/organisation/second-factor.ts';
import { createTestApp } from '../helpers/app.ts';
import { assertNoAxeViolations, checkPage, launchBrowser, WatchedPage } from '../helpers/browser.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

let testDb: TestDb;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;
const secret = newSecondFactorSecret();
const PASSWORD = 'otter lantern mirror';

before(async () => {
  testDb = await createTestDb();
  const council = await createCouncil(testDb.db, { code: 'acct', name: 'Northmoor Council' });
  await addPerson(testDb.db, council.id, {
    name: 'Ari Account',
    email: 'ari@northmoor.gov.uk',
    jobTitle: 'Social Worker',
    roles: ['auditor'],
    password: PASSWORD,
  });
  const two = await addPerson(testDb.db, council.id, {
    name: 'Bo Second',
    email: 'bo@northmoor.gov.uk',
    jobTitle: 'Team Manager',
    roles: ['case_manager'],
    password: PASSWORD,
  });
  await testDb.db
    .updateTable('user_accounts')
    .set({ totp_secret: secret, totp_enabled_at: new Date(), totp_last_step: null })
    .where('id', '=', two.userId)
    .execute();
  app = await createTestApp(testDb.db, { demo: false });
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
});

async function signInWithPassword(watched: WatchedPage, email: string) {
  const { page } = watched;
  await page.goto('/sign-in');
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

test('your account, your password and setting up a second factor', { timeout: 300_000 }, async () => {
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  try {
    await signInWithPassword(watched, 'ari@northmoor.gov.uk');
    await page.waitForURL((url) => url.pathname === '/');
    assert.equal(await checkPage(watched, '/account', { names: ['Your account'] }), 'Your account');
    assert.equal(
      await checkPage(watched, '/account/password', { names: ['Change your password'] }),
      'Change your password',
    );

    await page.locator('#currentPassword').fill(PASSWORD);
    await page.locator('#newPassword').fill('aaaaaaaaaaaa');
    await page.locator('#confirmPassword').fill('aaaaaaaaaaaa');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    assert.match(await page.locator('.govuk-error-summary').innerText(), /repeats the same characters/);
    assert.match(await page.title(), /^Error: /);
    watched.forgiveOwnStatus(page.url(), 400);
    await assertNoAxeViolations(page, '/account/password with an error');

    assert.equal(
      await checkPage(watched, '/account/second-factor', { names: ['Set up a second factor'] }),
      'Set up a second factor',
    );
    assert.ok(await page.getByRole('img', { name: /QR code/ }).isVisible(), 'the QR code is shown');
    const key = (await page.locator('#second-factor-key').innerText()).replaceAll(' ', '');
    const code = new TOTP({
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
      secret: Secret.fromBase32(key),
    }).generate();
    await page.locator('#code').fill(code);
    await page.getByRole('button', { name: 'Turn on second factor' }).click();
    await page.waitForURL((url) => url.pathname === '/account');
    assert.match(await page.locator('.govuk-notification-banner').innerText(), /Your second factor is on/);
    assert.deepEqual(watched.takeProblems(), []);
  } finally {
    await watched.context.close();
  }
});

test('signing in with a second factor asks for the code', { timeout: 300_000 }, async () => {
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  try {
    await signInWithPassword(watched, 'bo@northmoor.gov.uk');
    await page.waitForURL((url) => url.pathname === '/sign-in/code');
    assert.equal(
      await checkPage(watched, '/sign-in/code', { names: ['Enter the code from your authenticator app'] }),
      'Enter the code from your authenticator app',
    );
    await page.locator('#code').fill('12 34');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    watched.forgiveOwnStatus(page.url(), 400);
    await assertNoAxeViolations(page, '/sign-in/code with an error');
    const code = new TOTP({
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
      secret: Secret.fromBase32(secret),
    }).generate();
    await page.locator('#code').fill(code);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    assert.deepEqual(watched.takeProblems(), []);
  } finally {
    await watched.context.close();
  }
});
