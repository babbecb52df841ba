/**
 * Setting up a council in a real browser: the page an empty database shows, the one-time link the
 * command prints (opened, then used with its button), the page a used link shows, and the
 * administrator's page for a person. Each is checked with axe, at 320 pixels, and for a clean console.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { councilArgs, runCouncil } from '../../src/cli/council.ts';
import { addPerson } from '../../src/services/organisation/people.ts';
import { createTestApp } from '../helpers/app.ts';
import { assertNoAxeViolations, checkPage, launchBrowser, WatchedPage } from '../helpers/browser.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

let testDb: TestDb;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;

before(async () => {
  testDb = await createTestDb();
  app = await createTestApp(testDb.db, { demo: false });
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
});

test('from an empty database to the administrator’s pages', { timeout: 300_000 }, async () => {
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  try {
    const empty = await checkPage(watched, '/', { names: ['QA Loop has no council yet'], status: 503 });
    assert.equal(empty, 'QA Loop has no council yet');
    assert.match(await page.locator('main').innerText(), /npx qaloop council create --code CODE/);
    assert.equal(await page.locator('main form').count(), 0, 'no setup form');

    const printed = await runCouncil(
      testDb.db,
      councilArgs(['council', 'create'], {
        code: 'e2e',
        name: 'Browser County Council',
        'admin-email': 'bea.admin@browser.gov.uk',
        'admin-name': 'Bea Admin',
      }),
      { baseUrl: baseURL },
    );
    const link = printed.match(/https?:\/\/\S+\/sign-in\/link\/\S+/)?.[0];
    assert.ok(link, printed);
    const path = new URL(link).pathname;

    assert.equal(
      await checkPage(watched, path, { names: ['Sign in with your link'] }),
      'Sign in with your link',
    );
    await page.getByRole('button', { name: 'Continue to QA Loop' }).click();
    await page.waitForLoadState('load');
    assert.notEqual(new URL(page.url()).pathname, path, 'the button signed in');

    const councilId = (
      await testDb.db.selectFrom('councils').select('id').where('code', '=', 'E2E').executeTakeFirstOrThrow()
    ).id;
    const { staffId } = await addPerson(testDb.db, councilId, {
      name: 'Ola Other',
      email: 'ola.other@browser.gov.uk',
      jobTitle: 'Social Worker',
      roles: ['practitioner'],
    });
    await checkPage(watched, '/admin/people', { names: ['People'] });
    assert.match(await page.locator('main').innerText(), /Never signed in/);
    await checkPage(watched, `/admin/people/${staffId}`, { names: ['Ola Other'] });
    await page.getByRole('button', { name: 'Send a one-time sign-in link' }).click();
    await page.waitForLoadState('load');
    assert.match(
      await page.locator('main').innerText(),
      /A one-time sign-in link has been emailed to Ola Other/,
    );
    await assertNoAxeViolations(page, 'person page after sending a link');

    // the printed link again, in another browser: used, so refused
    const other = await WatchedPage.open(browser, baseURL);
    try {
      await other.page.goto(path);
      await other.page.getByRole('button', { name: 'Continue to QA Loop' }).click();
      await other.page.waitForLoadState('load');
      assert.equal(await other.page.locator('h1').innerText(), 'This sign-in link cannot be used');
      other.forgiveOwnStatus(other.page.url(), 410);
      await assertNoAxeViolations(other.page, 'used link page');
      assert.deepEqual(other.takeProblems(), []);
    } finally {
      await other.close();
    }
  } finally {
    await watched.close();
  }
});
