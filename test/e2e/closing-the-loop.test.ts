/**
 * Did learning change practice? in a real browser, on the demo council: workforce development
 * names who attended a learning session (ticking people in the list, which are plain form fields, and
 * importing an attendance list), then reads the Closing the loop page. Every page passes axe and
 * reflows at 320 px; screenshots go to E2E_SCREENSHOTS when it is set.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { createTestApp } from '../helpers/app.ts';
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

let testDb: TestDbWithDemo;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;
let dir: string;

before(async () => {
  testDb = await createTestDb({ demo: true });
  app = await createTestApp(testDb.db);
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
  dir = mkdtempSync(join(tmpdir(), 'qaloop-loop-e2e-'));
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const TITLE = 'Working with fathers and significant males';

test('workforce development names who attended, then reads Closing the loop', {
  timeout: 300_000,
}, async () => {
  const session = await testDb.db
    .selectFrom('learning_sessions')
    .select('id')
    .where('council_id', '=', testDb.demo.councilId)
    .where('title', '=', TITLE)
    .executeTakeFirstOrThrow();
  const namedBefore = await testDb.db
    .selectFrom('learning_session_attendees')
    .select('staff_id')
    .where('session_id', '=', session.id)
    .execute();
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  try {
    await signInAs(watched, baseURL, 'workforce_development');
    await checkPage(watched, '/learning', { names: ['Learning sessions'] });
    await page.getByRole('link', { name: `Who attended ${TITLE}` }).click();
    const path = `/learning/${session.id}/attendees`;
    assert.equal(new URL(page.url()).pathname, path);
    assert.equal(await checkPage(watched, path, { names: ['Who attended'] }), TITLE);

    // choosing nobody: an error, on a page that still passes axe
    await page.getByRole('button', { name: 'Add the people selected' }).click();
    assert.match(await textOf(page, '.govuk-error-summary'), /Select the people who attended/);
    await assertNoAxeViolations(page, 'the attendees page with an error');
    await assertReflows(page, 'the attendees page with an error');
    if (process.env.E2E_SCREENSHOTS)
      await page.screenshot({
        path: join(process.env.E2E_SCREENSHOTS, 'attendees-error.png'),
        fullPage: true,
      });

    // a search, then two people ticked
    const people = await testDb.db
      .selectFrom('staff')
      .select(['id', 'name', 'email'])
      .where('council_id', '=', testDb.demo.councilId)
      .where('active', '=', true)
      .where('email', 'is not', null)
      .where(
        'id',
        'not in',
        namedBefore.length ? namedBefore.map((n) => n.staff_id) : ['00000000-0000-4000-8000-000000000000'],
      )
      .orderBy('name')
      .limit(3)
      .execute();
    await page.goto(path);
    await page.getByLabel('Search the council’s staff').fill(people[0].name);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    assert.match(page.url(), /search=/);
    await page.locator(`input[name="staffIds"][value="${people[0].id}"]`).check();
    await page.getByRole('button', { name: 'Add the people selected' }).click();
    assert.match(await textOf(page, '.govuk-notification-banner'), /1 person added: \d+ attended, \d+ named/);
    await page.locator(`input[name="staffIds"][value="${people[1].id}"]`).check();
    await page.getByRole('button', { name: 'Add the people selected' }).click();
    assert.match(await textOf(page, '.govuk-notification-banner'), /1 person added/);

    // an attendance list
    const list = join(dir, 'register.csv');
    writeFileSync(list, `Name,Email\n${people[2].name},${people[2].email}\n`);
    await page.getByLabel('Attendance list').setInputFiles(list);
    await page.getByRole('button', { name: 'Import the attendance list' }).click();
    assert.match(
      await textOf(page, '.govuk-notification-banner'),
      /The attendance list has been read: 1 person added/,
    );
    const named = await testDb.db
      .selectFrom('learning_session_attendees')
      .select('staff_id')
      .where('session_id', '=', session.id)
      .execute();
    assert.equal(named.length, namedBefore.length + 3);
    const table = await textOf(page, 'table');
    for (const p of people) assert.match(table, new RegExp(p.name));
    assert.equal(await checkPage(watched, path, { names: ['Who attended'] }), TITLE);

    // Closing the loop: figures only, the session with its attended and named counts
    assert.equal(
      await checkPage(watched, '/closing-the-loop', { names: ['Closing the loop'] }),
      'Closing the loop',
    );
    const loop = await page.content();
    assert.match(loop, new RegExp(TITLE));
    assert.match(loop, new RegExp(`\\d+ attended, ${namedBefore.length + 3} named`));
    assert.match(loop, /association, not proof/);
    assert.match(loop, /95% CI/);
    for (const p of people) assert.doesNotMatch(loop, new RegExp(p.name));
    assert.equal(await page.locator('form[action="/closing-the-loop/window"]').count(), 0);
  } finally {
    await watched.close();
  }
});

test('the QA lead sets the months compared on the Closing the loop page', { timeout: 300_000 }, async () => {
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  try {
    await signInAs(watched, baseURL, 'qa_lead');
    await checkPage(watched, '/closing-the-loop', { names: ['Closing the loop'] });
    await page.getByLabel('How many months either side of the learning should be compared?').fill('40');
    await page.getByRole('button', { name: 'Save the months compared' }).click();
    assert.match(await textOf(page, '.govuk-error-summary'), /from 1 to 24/);
    await assertNoAxeViolations(page, 'Closing the loop with an error');
    await page.getByLabel('How many months either side of the learning should be compared?').fill('4');
    await page.getByRole('button', { name: 'Save the months compared' }).click();
    assert.match(await textOf(page, '.govuk-notification-banner'), /compared 4 months either side/);
    await checkPage(watched, '/closing-the-loop', { names: ['Closing the loop'] });
  } finally {
    await watched.close();
  }
});
