/**
 * The cohort form in a real browser, on the demo council with its many teams and ethnicities: it
 * fits on a few screens with nothing chosen (long lists of choices are folded away), a folded list
 * opens again with what was chosen in it, and "Check size" lands on the size, next to the buttons,
 * rather than at the top of the page.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { createTestApp } from '../helpers/app.ts';
import { assertNoAxeViolations, launchBrowser, textOf, WatchedPage } from '../helpers/browser.ts';
import { signInAs } from '../helpers/crawl.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

let testDb: TestDb;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;

/** A laptop's window. */
const VIEWPORT = { width: 1280, height: 720 };
/** The most the empty form may take at that width: a few screens, not nine. */
const MAX_FORM_HEIGHT = 3000;

before(async () => {
  testDb = await createTestDb({ demo: true });
  app = await createTestApp(testDb.db);
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
});

const pageHeight = (page: Page) => page.evaluate(() => document.scrollingElement?.scrollHeight ?? 0);

/** Where an element is in the window now: its top and bottom, in CSS pixels from the window's top. */
const placeOf = (page: Page, selector: string) =>
  page.locator(selector).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom };
  });

test('the cohort form folds its long lists and Check size lands on the size', {
  timeout: 300_000,
}, async (t) => {
  const watched = await WatchedPage.open(browser, baseURL, { viewport: VIEWPORT });
  const { page } = watched;
  try {
    await signInAs(watched, baseURL, 'qa_lead');
    await page.goto('/cohorts/new');
    assert.equal(await textOf(page, 'h1'), 'Create a cohort');

    const empty = await pageHeight(page);
    t.diagnostic(`the empty form is ${empty} px tall at ${VIEWPORT.width} px wide`);
    assert.ok(empty < MAX_FORM_HEIGHT, `the empty form is ${empty} px tall, more than ${MAX_FORM_HEIGHT}`);

    // The teams are folded, and say that none is chosen; opening them shows every team.
    const teams = page.locator('details#teamIds-choices');
    assert.equal(await teams.getAttribute('open'), null, 'the teams are folded with none chosen');
    assert.match(await textOf(page, '#teamIds-choices summary'), /^Teams \(none chosen\)$/);
    await page.locator('#teamIds-choices summary').click();
    const firstTeam = page.locator('#teamIds-choices input[name="teamIds"]').first();
    const teamName = (await page.locator(`label[for="${await firstTeam.getAttribute('id')}"]`).textContent())
      ?.replace(/\s+/g, ' ')
      .trim();
    await firstTeam.check();
    await page.getByLabel('Child protection plan', { exact: true }).check();
    await assertNoAxeViolations(page, 'the cohort form with its teams open');

    await page.getByRole('button', { name: 'Check size' }).click();
    await page.waitForLoadState('load');
    assert.match(page.url(), /\/cohorts\/new#cohort-size$/, 'the page lands on the size');

    // The size is in the window, with the buttons just below it, and has the focus.
    const size = await placeOf(page, '#cohort-size');
    t.diagnostic(
      `after Check size the size is ${Math.round(size.top)}–${Math.round(size.bottom)} px down the window`,
    );
    assert.ok(
      size.top >= 0 && size.bottom <= VIEWPORT.height,
      `the size is not in the window: ${JSON.stringify(size)}`,
    );
    const button = await placeOf(page, 'button[value="check"]');
    assert.ok(button.bottom <= VIEWPORT.height, 'the Check size button is in the window beside the size');
    assert.match(await textOf(page, '#cohort-size'), /\d+ (child|children) \(\d+ famil(y|ies)\)/);
    assert.equal(
      await page.evaluate(() => document.activeElement?.id),
      'cohort-size',
      'the size has the focus, for a screen reader to read it',
    );

    // The team chosen keeps its list open, and the list says how many are chosen.
    assert.notEqual(await teams.getAttribute('open'), null, 'the teams are open with one chosen');
    assert.match(await textOf(page, '#teamIds-choices summary'), /^Teams \(1 chosen\)$/);
    assert.ok(
      await page
        .getByLabel(teamName ?? '', { exact: true })
        .first()
        .isChecked(),
    );
    // lists with nothing chosen stay folded
    assert.equal(await page.locator('details#child-choices').getAttribute('open'), null);
    await assertNoAxeViolations(page, 'the cohort form after Check size');
    assert.deepEqual(watched.takeProblems(), [], 'errors in the browser console');
  } finally {
    await watched.close();
  }
});
