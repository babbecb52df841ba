/**
 * A recurring review in a real browser, on the demo council: the QA lead sets one up (first seeing
 * the form's errors), starts its round from the schedule's page, the reviewer answers and submits
 * a review from My audits through the ordinary audit form, and a senior leader opens the report in
 * full and for publication. Every page passes axe and reflows at 320 px.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { createTestApp } from '../helpers/app.ts';
import {
  assertNoAxeViolations,
  assertReflows,
  checkPage,
  launchBrowser,
  WatchedPage,
} from '../helpers/browser.ts';
import { demoPerson, signInAs } from '../helpers/crawl.ts';
import { createTestDb, type TestDbWithDemo } from '../helpers/db.ts';

let testDb: TestDbWithDemo;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;

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

test('set up a recurring review, start its round, a reviewer submits, and the report opens', {
  timeout: 300_000,
}, async () => {
  const reviewer = await demoPerson(testDb.db, 'auditor');
  const qa = await WatchedPage.open(browser, baseURL);
  const { page } = qa;
  try {
    await signInAs(qa, baseURL, 'qa_lead');
    await checkPage(qa, '/reviews', { names: ['Recurring reviews'] });
    await checkPage(qa, '/reviews/new', { names: ['Set up a recurring review'] });
    // sent empty: the error summary, reachable and accessible
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForSelector('.govuk-error-summary');
    assert.match(await page.locator('.govuk-error-summary').innerText(), /Enter a name for the review/);
    await assertNoAxeViolations(page, 'the schedule form with errors');
    await assertReflows(page, 'the schedule form with errors');

    await page.getByLabel('Name', { exact: true }).fill('Unregistered placements: second look');
    await page
      .getByLabel('Cohort', { exact: true })
      .selectOption({ label: 'Children in care in unregistered placements' });
    await page
      .getByLabel('Audit tool', { exact: true })
      .selectOption({ label: 'Weekly review: unregistered placements' });
    await page.getByRole('radio', { name: 'Weekly' }).check();
    await page.getByRole('textbox', { name: 'Day' }).fill('16');
    await page.getByRole('textbox', { name: 'Month' }).fill('11');
    await page.getByRole('textbox', { name: 'Year' }).fill('2026');
    await page.getByRole('radio', { name: 'Every child in the cohort' }).check();
    await page.getByLabel('Reviewer', { exact: true }).selectOption(reviewer.id);
    await page.getByRole('radio', { name: 'Running' }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/reviews\/[0-9a-f-]{36}$/);
    const schedulePath = new URL(page.url()).pathname;
    await checkPage(qa, schedulePath, { names: ['Unregistered placements: second look'] });

    await page.getByRole('button', { name: 'Start this round now' }).click();
    await page.waitForURL(/\/rounds\/[0-9a-f-]{36}$/);
    const roundPath = new URL(page.url()).pathname;
    await checkPage(qa, roundPath, { names: ['round of 16 November 2026'] });
    assert.match(await page.locator('main').innerText(), /This is the first round/);

    // the reviewer finds the review in My audits and submits it through the audit form
    const schedule = await testDb.db
      .selectFrom('review_schedules')
      .select('id')
      .where('name', '=', 'Unregistered placements: second look')
      .executeTakeFirstOrThrow();
    const audit = await testDb.db
      .selectFrom('review_rounds as r')
      .innerJoin('audits as a', 'a.sample_id', 'r.sample_id')
      .select('a.id')
      .where('r.schedule_id', '=', schedule.id)
      .orderBy('a.position')
      .executeTakeFirstOrThrow();
    const rv = await WatchedPage.open(browser, baseURL);
    try {
      await signInAs(rv, baseURL, 'auditor');
      await checkPage(rv, '/my-audits', { names: ['My audits'], orHeading: true });
      assert.ok(
        (await rv.page.locator(`a[href^="/audits/${audit.id}"]`).count()) > 0,
        'the review is in My audits',
      );
      await checkPage(rv, `/audits/${audit.id}/parts/this_week`, { names: ['This week'] });
      await rv.page.locator('input[name="q-seen"][value="no"]').check();
      await rv.page.locator('input[name="q-safe_now"][value="yes"]').check();
      await rv.page.locator('input[name="q-oversight"][value="Inadequate"]').check();
      await rv.page.locator('#save-continue').click();
      await rv.page.waitForURL(/\/check$/);
      await checkPage(rv, new URL(rv.page.url()).pathname, { names: ['Check and submit'] });
      // a dip sample's submission goes on to the reviewer's next review
      await Promise.all([rv.page.waitForNavigation(), rv.page.locator('#submit-audit').click()]);
      assert.match(await rv.page.locator('.govuk-notification-banner').first().innerText(), /submitted/);
    } finally {
      await rv.close();
    }
    const submitted = await testDb.db
      .selectFrom('audits')
      .select('status')
      .where('id', '=', audit.id)
      .executeTakeFirstOrThrow();
    assert.equal(submitted.status, 'submitted');

    // a senior leader reads the report, in full and for publication
    const leader = await WatchedPage.open(browser, baseURL);
    try {
      await signInAs(leader, baseURL, 'senior_leader');
      await checkPage(leader, `${schedulePath}/report`, { names: ['recurring review report'] });
      assert.match(await leader.page.locator('#report-summary').innerText(), /1 round fell due/);
      await checkPage(leader, `${schedulePath}/report?version=publication`, {
        names: ['recurring review report'],
      });
      // the demo's own weekly review: six months of rounds
      const demo = await testDb.db
        .selectFrom('review_schedules')
        .select('id')
        .where('name', '=', 'Unregistered placements: weekly review')
        .executeTakeFirstOrThrow();
      await checkPage(leader, `/reviews/${demo.id}/report`, { names: ['recurring review report'] });
      assert.match(await leader.page.locator('#report-summary').innerText(), /2\d rounds fell due/);
    } finally {
      await leader.close();
    }
  } finally {
    await qa.close();
  }
});
