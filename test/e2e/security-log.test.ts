/**
 * The QA lead's security page in a real browser, on the demo council: roles an administrator asked
 * for wait there, and the page, the refusal form (with a mistake on it) and the log pass axe and
 * reflow at 320px. Confirming one puts it in the log.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { setRoles } from '../../src/services/organisation/people.ts';
import { createTestApp } from '../helpers/app.ts';
import { checkPage, launchBrowser, textOf, WatchedPage } from '../helpers/browser.ts';
import { signInAs } from '../helpers/crawl.ts';
import { createTestDb, type TestDbWithDemo } from '../helpers/db.ts';

let testDb: TestDbWithDemo;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;

before(async () => {
  testDb = await createTestDb({ demo: true });
  const { demo, db } = testDb;
  const admin = demo.demoPeople.find((p) => p.role === 'administrator');
  const practitioner = demo.demoPeople.find((p) => p.role === 'practitioner');
  const reader = demo.demoPeople.find((p) => p.role === 'scrutiny_reader');
  assert.ok(admin && practitioner && reader);
  const councilId = (await db.selectFrom('councils').select('id').executeTakeFirstOrThrow()).id;
  await setRoles(db, councilId, practitioner.staffId, { roles: ['practitioner', 'auditor'] }, admin.staffId);
  await setRoles(
    db,
    councilId,
    reader.staffId,
    { roles: ['scrutiny_reader', 'case_manager'] },
    admin.staffId,
  );
  app = await createTestApp(db);
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
});

test('the security page, refusing with a reason, and confirming', { timeout: 300_000 }, async () => {
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  try {
    await signInAs(watched, baseURL, 'qa_lead');
    await page.goto('/');
    assert.match(await page.content(), /2 role grants are waiting for you to confirm/);
    assert.equal(await checkPage(watched, '/security', { names: ['Security'] }), 'Security');
    assert.match(await textOf(page, 'table'), /2 roles waiting for a QA lead/);

    await page.getByRole('link', { name: /Refuse Case manager for/ }).click();
    await page.getByRole('button', { name: 'Refuse the role' }).click();
    assert.match(await textOf(page, '.govuk-error-summary'), /Enter why you are refusing this role/);
    assert.match(await page.title(), /^Error: /);
    await checkPage(watched, page.url().replace(baseURL, ''), { names: ['Refuse Case manager'] });
    await page.getByLabel('Why are you refusing this role?').fill('Not a manager');
    await page.getByRole('button', { name: 'Refuse the role' }).click();
    assert.equal(new URL(page.url()).pathname, '/security');
    assert.match(await textOf(page, '.govuk-notification-banner'), /has been refused/);

    await page.getByRole('button', { name: /Confirm Auditor for/ }).click();
    assert.match(await textOf(page, '.govuk-notification-banner'), /now has the role Auditor/);
    assert.match(await page.content(), /No roles are waiting to be confirmed/);
    await page.getByLabel('What happened').selectOption('role_refused');
    await page.getByRole('button', { name: 'Show' }).click();
    assert.match(new URL(page.url()).search, /kind=role_refused/);
    assert.equal(
      await checkPage(watched, '/security?kind=role_refused', { names: ['Security'] }),
      'Security',
    );
    assert.match(await page.content(), /Reason: Not a manager/);
  } finally {
    await watched.close();
  }
});
