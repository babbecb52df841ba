/**
 * Giving an action to someone else, in a real browser on the demo council: a QA lead follows the
 * link from the actions list, the page passes axe and reflows at 320 pixels, also when it shows
 * an error, and the action is given to someone else.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { addDays } from '../../src/domain/dates.ts';
import { createTestApp, TEST_TODAY } from '../helpers/app.ts';
import {
  assertNoAxeViolations,
  assertReflows,
  checkPage,
  launchBrowser,
  textOf,
  WatchedPage,
} from '../helpers/browser.ts';
import { signInAs } from '../helpers/crawl.ts';
import { createTestDb, type TestDbWithDemo } from '../helpers/db.ts';

let t: TestDbWithDemo;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;
let actionId: string;

before(async () => {
  t = await createTestDb({ demo: true });
  const action = await t.db
    .selectFrom('audit_actions')
    .select('id')
    .where('council_id', '=', t.demo.councilId)
    .where('status', '=', 'open')
    .orderBy('id')
    .limit(1)
    .executeTakeFirstOrThrow();
  actionId = action.id;
  // overdue, so it is on the QA lead's list of overdue actions
  await t.db
    .updateTable('audit_actions')
    .set({ due_on: addDays(TEST_TODAY, -5) })
    .where('id', '=', actionId)
    .execute();
  app = await createTestApp(t.db, { demo: true });
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await t?.close();
});

test('a QA lead gives an overdue action to someone else', { timeout: 300_000 }, async () => {
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  try {
    await signInAs(watched, baseURL, 'qa_lead');
    await page.goto('/actions');
    await page.locator(`#overdue-actions-table a[href="/actions/${actionId}/owner"]`).click();
    await page.waitForURL(`${baseURL}/actions/${actionId}/owner`);

    const path = `/actions/${actionId}/owner`;
    assert.equal(
      await checkPage(watched, path, { names: ['Give the action to someone else'] }),
      'Give the action to someone else',
    );

    // saved with nobody chosen: the error summary and the error are accessible too
    await page.getByRole('button', { name: 'Save' }).click();
    assert.match(await textOf(page, '.govuk-error-summary'), /Select who the action should go to/);
    watched.forgiveOwnStatus(page.url(), 400);
    await assertNoAxeViolations(page, `${path} (with an error)`);
    await assertReflows(page, `${path} (with an error)`);

    const choice = page.locator('#ownerId option:not([value=""])').first();
    const value = (await choice.getAttribute('value')) as string;
    const name = ((await choice.textContent()) as string).split(',')[0].trim();
    await page.locator('#ownerId').selectOption(value);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(`${baseURL}/actions`);
    assert.match(await textOf(page, '.govuk-notification-banner'), new RegExp(`given to ${name}`));
    assert.deepEqual(watched.takeProblems(), []);
  } finally {
    await watched.close();
  }
});
