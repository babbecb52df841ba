/**
 * Doing an audit in a real browser, as an auditor does it, with the keyboard only: sign in, open
 * My audits, record the conversation, complete the twelve sections of the default tool, raise an
 * immediate escalation half way through (and see the Head of Service get it), give the overall
 * grade, check and submit; then read the audit as the practitioner and as their manager. Every
 * page is checked with axe and for a clean console.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_JOURNEY_SECTIONS } from '../../src/domain/builtin-tools.ts';
import { createTestApp } from '../helpers/app.ts';
import {
  AUDIT_PASSWORD,
  type AuditFixture,
  buildAuditFixture,
  type FixturePerson,
  signInInBrowser,
} from '../helpers/audits.ts';
import { checkPage, type FocusedElement, launchBrowser, tabTo, WatchedPage } from '../helpers/browser.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

let testDb: TestDb;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;
let f: AuditFixture;

before(async () => {
  testDb = await createTestDb();
  f = await buildAuditFixture(testDb.db, 'e2eaud');
  app = await createTestApp(testDb.db, { demo: false });
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
});

const byId = (id: string) => (el: FocusedElement) => el.id === id;
const byText = (text: string) => (el: FocusedElement) => el.text.startsWith(text);

/** Types into the focused field, one key at a time, as a person does. */
async function type(page: Page, text: string) {
  await page.keyboard.type(text, { delay: 0 });
}

/** Presses Enter on what has the focus and waits for the page it opens. */
async function enter(page: Page) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
}

async function signInWithKeyboard(page: Page, person: FixturePerson) {
  await tabTo(page, 'the email field', byId('email'), { max: 30 });
  await type(page, person.email);
  await tabTo(page, 'the password field', byId('password'));
  await type(page, AUDIT_PASSWORD);
  await enter(page);
}

async function signIn(watched: WatchedPage, person: FixturePerson) {
  await signInInBrowser(watched.page, person);
}

/** Chooses the n-th option (0 first) of the radio group whose first radio has this id. */
async function chooseRadio(page: Page, firstId: string, n: number, description: string) {
  await tabTo(page, description, byId(firstId), { max: 60 });
  await page.keyboard.press('Space');
  for (let i = 0; i < n; i++) await page.keyboard.press('ArrowDown');
}

test('an auditor completes a twelve-section audit with the keyboard only, escalating half way', async () => {
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  await checkPage(watched, '/sign-in', { names: ['Sign in'] });
  await signInWithKeyboard(page, f.people.auditor);

  await checkPage(watched, '/my-audits', { names: ['My audits'] });
  await tabTo(page, 'the audit of F00C0 in My audits', byText('F00C0'), { max: 60 });
  await enter(page);
  assert.equal(new URL(page.url()).pathname, `/audits/${f.audits.allocated}`);
  await checkPage(watched, `/audits/${f.audits.allocated}`, { names: ['Audit of F00C0'] });

  // 1. the conversation with the practitioner
  await tabTo(page, 'the conversation in the task list', byText('1. The conversation'), { max: 60 });
  await enter(page);
  await checkPage(watched, page.url(), { names: ['The conversation with the practitioner'] });
  await tabTo(page, 'the day of the conversation', byId('conversationOn-day'), { max: 60 });
  await type(page, '13');
  await page.keyboard.press('Tab');
  await type(page, '11');
  await page.keyboard.press('Tab');
  await type(page, '2026');
  await chooseRadio(page, 'conversationWith', 0, 'who took part');
  await tabTo(page, 'Save and continue', byId('save-continue'), { max: 10 });
  await enter(page);

  // 2–13. the twelve sections: grades Good for the first six, Inadequate after
  const grades = ['Good', 'Good', 'Requires improvement', 'Good', 'Good', 'Good'];
  for (const [i, section] of DEFAULT_JOURNEY_SECTIONS.entries()) {
    if (i === 6) {
      // half way: an immediate safety concern, raised from inside the audit
      await tabTo(page, 'Raise an escalation', byText('Raise an escalation'), { max: 150 });
      await enter(page);
      await checkPage(watched, page.url(), { names: ['Raise an escalation'] });
      await chooseRadio(page, 'kind', 0, 'the kind of concern');
      await tabTo(page, 'what was found', byId('found'));
      await type(page, 'Bruising seen on 10 November was not followed up: no strategy discussion recorded.');
      await tabTo(page, 'Send the escalation', byText('Send the escalation'), { max: 20 });
      await enter(page);
      assert.equal(new URL(page.url()).pathname, `/audits/${f.audits.allocated}`);

      // the Head of Service gets it at once: on their home page, and by a message
      const hos = await WatchedPage.open(browser, baseURL);
      await signIn(hos, f.people.headOfService);
      await checkPage(hos, '/', { names: ['Home'] });
      assert.match(await hos.page.locator('.govuk-notification-banner').first().innerText(), /escalation/i);
      await checkPage(hos, '/escalations', { names: ['Escalations'], orHeading: true });
      const link = hos.page.locator('main a[href^="/escalations/"]').first();
      await Promise.all([hos.page.waitForNavigation(), link.click()]);
      assert.match(await hos.page.locator('main').innerText(), /Bruising seen on 10 November/);
      await hos.close();
      const told = await testDb.db
        .selectFrom('notifications')
        .select('staff_id')
        .where('kind', '=', 'escalation_raised')
        .execute();
      assert.ok(told.some((n) => n.staff_id === f.people.headOfService.staffId));

      await tabTo(page, 'section 8 in the task list', byText('8. '), { max: 80 });
      await enter(page);
    }
    await checkPage(watched, page.url(), { names: [section.title] });
    const grade = grades[i] ?? 'Inadequate';
    const index = ['Outstanding', 'Good', 'Requires improvement', 'Inadequate'].indexOf(grade);
    await chooseRadio(page, 'grade', index, `the grade of "${section.title}"`);
    await tabTo(page, 'the evaluation', byId('evaluation'), { max: 10 });
    await type(page, `Evaluation of ${section.title.toLowerCase()}.`);
    await tabTo(page, 'the impact statement', byId('impactStatement'), { max: 5 });
    await type(page, 'What it meant for the child.');
    if (i === 2) {
      // a practice theme and an action, owned by the case holder
      await tabTo(page, 'the first practice theme', byId('practiceThemes'), { max: 5 });
      await page.keyboard.press('Space');
      await tabTo(page, 'the first action', byId('action-1-text'), { max: 40 });
      await type(page, 'Complete the assessment of the younger sibling');
      await tabTo(page, 'who owns the action', byId('action-1-owner'), { max: 3 });
      await page.keyboard.press('ArrowDown');
      await tabTo(page, 'the day it is due', byId('action-1-due-day'), { max: 3 });
      await type(page, '18');
      await page.keyboard.press('Tab');
      await type(page, '12');
      await page.keyboard.press('Tab');
      await type(page, '2026');
    }
    await tabTo(page, 'Save and continue', byId('save-continue'), { max: 60 });
    await enter(page);
  }

  // 14. the overall grade, then check and submit
  await checkPage(watched, page.url(), { names: ['Overall grade'] });
  await chooseRadio(page, 'overallGrade', 3, 'the overall grade');
  await tabTo(page, 'Save and check your answers', byId('save-continue'), { max: 10 });
  await enter(page);
  await checkPage(watched, page.url(), { names: ['Check and submit'] });
  assert.match(await page.locator('main').innerText(), /Complete the assessment of the younger sibling/);
  await tabTo(page, 'Submit the audit', byId('submit-audit'), { max: 200 });
  await enter(page);
  assert.equal(new URL(page.url()).pathname, `/audits/${f.audits.allocated}`);
  assert.match(await page.locator('.govuk-notification-banner').first().innerText(), /submitted/);
  await checkPage(watched, page.url(), { names: ['Audit of F00C0'] });
  await watched.close();

  const audit = await testDb.db
    .selectFrom('audits')
    .select(['status', 'overall_grade', 'conversation_with'])
    .where('id', '=', f.audits.allocated)
    .executeTakeFirstOrThrow();
  assert.deepEqual(audit, {
    status: 'submitted',
    overall_grade: 'inadequate',
    conversation_with: 'practitioner',
  });
  const sections = await testDb.db
    .selectFrom('audit_section_results')
    .select(['grade'])
    .where('audit_id', '=', f.audits.allocated)
    .orderBy('position')
    .execute();
  assert.deepEqual(
    sections.map((s) => s.grade),
    [...['good', 'good', 'requires_improvement', 'good', 'good', 'good'], ...Array(6).fill('inadequate')],
  );
});

test('the practitioner and their manager read the submitted audit', async () => {
  const practitioner = await WatchedPage.open(browser, baseURL);
  await signIn(practitioner, f.people.practitioner);
  await checkPage(practitioner, `/audits/${f.audits.allocated}`, { names: ['Audit of F00C0'] });
  const seen = await practitioner.page.locator('main').innerText();
  assert.match(seen, /Overall grade: Inadequate/);
  assert.match(seen, /Evaluation of the plan: smart and matching the assessment\./i);
  assert.match(seen, /Complete the assessment of the younger sibling/);
  assert.match(seen, /Give your feedback/);
  await practitioner.close();

  const manager = await WatchedPage.open(browser, baseURL);
  await signIn(manager, f.people.manager);
  await checkPage(manager, `/audits/${f.audits.allocated}`, { names: ['Audit of F00C0'] });
  const theirs = await manager.page.locator('main').innerText();
  assert.match(theirs, /Overall grade: Inadequate/);
  assert.match(theirs, /Record management oversight/);
  assert.match(theirs, /Immediate safety concern/);
  await manager.close();
});
