/**
 * After an audit is submitted, in a real browser: the actions page, marking an action done (with a
 * mistake shown), recording management oversight, the audit page's actions and oversight, the
 * programme month's re-audits and the council settings are each checked for accessibility (axe),
 * one h1, a title and a clean console.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { scheduleReaudit } from '../../src/services/audits/reaudits.ts';
import { createTestApp } from '../helpers/app.ts';
import {
  type AuditFixture,
  buildAuditFixture,
  type FixturePerson,
  signInInBrowser,
} from '../helpers/audits.ts';
import { assertNoAxeViolations, checkPage, launchBrowser, WatchedPage } from '../helpers/browser.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

let testDb: TestDb;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;
let f: AuditFixture;
let february: string;

before(async () => {
  testDb = await createTestDb();
  f = await buildAuditFixture(testDb.db, 'e2eact');
  await testDb.db
    .insertInto('audit_actions')
    .values({
      council_id: f.councilId,
      audit_id: f.audits.submitted,
      section_key: 'voice_and_lived_experience',
      text: 'Visit the child at school and record their wishes',
      owner_id: f.practitioners.north,
      due_on: '2026-11-18',
    })
    .execute();
  await scheduleReaudit(testDb.db, f.councilId, f.audits.submitted);
  february = (
    await testDb.db
      .selectFrom('programme_months')
      .select('id')
      .where('council_id', '=', f.councilId)
      .where('month', '=', '2027-02-01')
      .executeTakeFirstOrThrow()
  ).id;
  app = await createTestApp(testDb.db, { demo: false });
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
});

async function signIn(person: FixturePerson): Promise<WatchedPage> {
  const watched = await WatchedPage.open(browser, baseURL);
  await signInInBrowser(watched.page, person);
  return watched;
}

test('the case’s manager: actions, marking one done, oversight and the audit page', {
  timeout: 300_000,
}, async () => {
  const watched = await signIn(f.people.manager);
  const { page } = watched;
  try {
    assert.equal(await checkPage(watched, '/actions', { names: ['Actions'] }), 'Actions');
    const done = `/actions/${f.actions.open}/done`;
    assert.equal(
      await checkPage(watched, done, { names: ['Mark the action as done'] }),
      'Mark the action as done',
    );

    // a date in the future: the error summary and the field's message, still accessible
    await page.locator('#doneOn-day').fill('30');
    await page.getByRole('button', { name: 'Mark as done' }).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('.govuk-error-summary').innerText(), /must be today or in the past/);
    await assertNoAxeViolations(page, 'the done form with an error');

    const oversight = `/audits/${f.audits.submitted}/oversight`;
    await checkPage(watched, oversight, { names: ['Record management oversight'] });
    await page.locator('#note').fill('Discussed in supervision.');
    await page.getByRole('button', { name: 'Save management oversight' }).click();
    await page.waitForURL(`${baseURL}/audits/${f.audits.submitted}`);
    assert.match(await page.locator('main').innerText(), /Management oversight has been recorded/);
    await checkPage(watched, `/audits/${f.audits.submitted}`, { names: ['Audit of'] });
    assert.match(await page.locator('main').innerText(), /A re-audit is due in February 2027/);
    assert.deepEqual(watched.takeProblems(), []);
  } finally {
    await watched.close();
  }
});

test('the QA lead: overdue actions, the month’s re-audits and the settings', {
  timeout: 300_000,
}, async () => {
  const watched = await signIn(f.people.qaLead);
  try {
    await checkPage(watched, '/actions', { names: ['Actions'] });
    await checkPage(watched, `/programme/months/${february}`, { names: ['February 2027'] });
    assert.match(await watched.page.locator('main').innerText(), /Re-audits due this cycle/);
    await checkPage(watched, '/settings/calendar', { names: ['Phase lengths and closure days'] });
    const { page } = watched;
    await page.locator('#reauditMonths').fill('13');
    await page.getByRole('button', { name: 'Save re-audit settings' }).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('.govuk-error-summary').innerText(), /from 1 to 12/);
    await assertNoAxeViolations(page, 'the settings page with an error');
  } finally {
    await watched.close();
  }
});
