/**
 * A multi-agency audit in a real browser, on the demo council: the designated nurse (a health
 * partner) sees only her own section and nothing else of the app; the QA lead lists the audits,
 * adds a partner, invites them (an error first), and copies the nurse's answers into the audit; the
 * police partner answers the Police section with JavaScript off (an error first, keeping what was
 * typed). Every page passes axe and reflows at 320 px.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/demo/council.ts';
import { hashPassword } from '../../src/services/organisation/passwords.ts';
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
let auditId: string;

before(async () => {
  testDb = await createTestDb({ demo: true });
  app = await createTestApp(testDb.db);
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
  const audit = await testDb.db
    .selectFrom('audits')
    .select('id')
    .where('council_id', '=', testDb.demo.councilId)
    .where('kind', '=', 'multi_agency')
    .executeTakeFirstOrThrow();
  auditId = audit.id;
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
});

async function invitation(section: string) {
  return testDb.db
    .selectFrom('audit_invitations')
    .selectAll()
    .where('audit_id', '=', auditId)
    .where('section_key', '=', section)
    .executeTakeFirstOrThrow();
}

test('the health partner sees only her own section, and nothing else of the app', {
  timeout: 300_000,
}, async () => {
  const health = await invitation('health');
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  try {
    await signInAs(watched, baseURL, 'partner_contributor');
    const nav = (
      await page.locator('.govuk-service-navigation__list a, .govuk-header__navigation a').allTextContents()
    ).map((t) => t.trim());
    assert.ok(nav.includes('Multi-agency sections'), `navigation: ${nav.join(', ')}`);
    for (const other of ['My audits', 'Audits', 'Children', 'Reports', 'Dashboards'])
      assert.ok(!nav.includes(other), other);

    await checkPage(watched, '/partner-sections', { names: ['Multi-agency audit sections'] });
    await page.locator(`a[href="/partner-sections/${health.id}"]`).click();
    assert.equal(new URL(page.url()).pathname, `/partner-sections/${health.id}`);
    assert.equal(await checkPage(watched, `/partner-sections/${health.id}`, { names: ['Health'] }), 'Health');
    const body = await textOf(page, 'main');
    assert.match(body, /Date of birth/);
    assert.match(body, /You submitted this section/);
    assert.doesNotMatch(body, /Children’s social care|Police|Multi-agency working together/);

    for (const url of [
      `/audits/${auditId}`,
      '/audits',
      '/children',
      '/dashboards',
      '/reports',
      '/multi-agency',
    ]) {
      await checkPage(watched, url, { names: ['You cannot do this'], status: 403 });
    }
  } finally {
    await watched.close();
  }
});

test('the QA lead adds a partner, invites them, and copies the nurse’s answers into the audit', {
  timeout: 300_000,
}, async () => {
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  try {
    await signInAs(watched, baseURL, 'qa_lead');
    await checkPage(watched, '/multi-agency', { names: ['Multi-agency audits'] });
    assert.match(await textOf(page, 'main'), /Designated Nurse|Westbrook Constabulary/);

    // a partner, with an error first
    await checkPage(watched, '/multi-agency/partners/new', { names: ['Add a partner'] });
    await page.getByLabel('Full name').fill('Erin School');
    await page.getByRole('button', { name: 'Add partner' }).click();
    assert.match(await textOf(page, '.govuk-error-summary'), /Choose the partner’s agency/);
    assert.equal(await page.getByLabel('Full name').inputValue(), 'Erin School');
    await assertNoAxeViolations(page, 'adding a partner with errors');
    await assertReflows(page, 'adding a partner with errors');
    await page.getByLabel('Work email address').fill('erin.school@westbrook-academy.example.org');
    await page.getByLabel('Job title').fill('Designated Safeguarding Lead');
    await page.getByLabel('Education').check();
    await page.getByLabel('Organisation').fill('Westbrook Academy');
    await page.getByRole('button', { name: 'Add partner' }).click();
    assert.match(await textOf(page, '.govuk-notification-banner'), /Erin School has been added as a partner/);

    // the audit: the nurse has answered Health, the police partner is waiting
    await page.locator(`a[href="/multi-agency/audits/${auditId}"]`).click();
    const path = `/multi-agency/audits/${auditId}`;
    assert.match(
      await checkPage(watched, path, { names: ['Multi-agency audit of'] }),
      /^Multi-agency audit of /,
    );
    assert.match(await textOf(page, 'main'), /Waiting for an answer/);

    // inviting with no partner chosen: an error, then the invitation
    await page.getByRole('button', { name: 'Invite partner' }).click();
    assert.match(await textOf(page, '.govuk-error-summary'), /Choose the partner to invite from the list/);
    await assertNoAxeViolations(page, 'inviting with errors');
    await page
      .getByLabel('Partner', { exact: true })
      .selectOption({ label: 'Erin School (Education, Westbrook Academy)' });
    await page.getByLabel('Section they will answer').selectOption({ label: 'Education' });
    await page.getByRole('button', { name: 'Invite partner' }).click();
    assert.match(await textOf(page, '.govuk-notification-banner'), /invited to answer their section/);
    const education = await invitation('education');
    assert.equal(education.status, 'invited');

    // the nurse's answers into the audit's draft
    const health = await invitation('health');
    await page.locator(`#collate-${health.id}`).click();
    assert.match(await textOf(page, '.govuk-notification-banner'), /copied into the audit/);
    assert.equal((await invitation('health')).status, 'collated');
    await checkPage(watched, path, { names: ['Multi-agency audit of'] });

    await checkPage(watched, `/audits/${auditId}`, { names: ['Audit of'] });
    assert.match(
      await textOf(page, 'main'),
      /Health: answered by .+, Health \(Westbrook Integrated Care Board\)/,
    );
  } finally {
    await watched.close();
  }
});

test('the police partner answers the Police section with JavaScript off', { timeout: 300_000 }, async () => {
  const police = await invitation('police');
  const partner = await testDb.db
    .selectFrom('staff')
    .select('email')
    .where('id', '=', police.partner_id)
    .executeTakeFirstOrThrow();
  // the police partner has no password in the demo (they were sent a link): give them one
  await testDb.db
    .updateTable('user_accounts')
    .set({ password_hash: await hashPassword(DEMO_PASSWORD) })
    .where('staff_id', '=', police.partner_id)
    .execute();
  const signIn = async (page: WatchedPage['page']) => {
    await page.goto('/sign-in');
    await page.locator('#email').fill(partner.email as string);
    await page.locator('#password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/');
  };
  const path = `/partner-sections/${police.id}`;
  const evidence = 'Two domestic abuse notifications were shared the next day.';

  // with scripts on: the page, and the page with errors, pass axe and reflow
  const checked = await WatchedPage.open(browser, baseURL);
  try {
    await signIn(checked.page);
    assert.equal(await checkPage(checked, path, { names: ['Police'] }), 'Police');
    await checked.page.getByRole('button', { name: 'Submit to the QA team' }).click();
    assert.match(await textOf(checked.page, '.govuk-error-summary'), /grade/i);
    await assertNoAxeViolations(checked.page, 'the police section with errors');
    await assertReflows(checked.page, 'the police section with errors');
  } finally {
    await checked.close();
  }

  // without scripts (axe needs scripts, so this part checks the words): an error, then submitted
  const watched = await WatchedPage.open(browser, baseURL, { javaScriptEnabled: false });
  const { page } = watched;
  page.setDefaultTimeout(60_000);
  try {
    await signIn(page);
    await page.goto(path);
    assert.equal(await textOf(page, 'h1'), 'Police');
    await page.getByLabel('Evaluation and evidence').fill(evidence);
    await page.getByRole('button', { name: 'Submit to the QA team' }).click();
    assert.match(await textOf(page, '.govuk-error-summary'), /grade/i);
    assert.equal(await page.getByLabel('Evaluation and evidence').inputValue(), evidence);
    await page.getByLabel('Good', { exact: true }).check();
    await page.getByLabel('Impact for the child').fill('Risk from the father was known to the conference.');
    await page.getByRole('button', { name: 'Submit to the QA team' }).click();
    assert.equal(new URL(page.url()).pathname, '/partner-sections');
    assert.match(await textOf(page, '.govuk-notification-banner'), /submitted to the council’s QA team/);
    const answered = await invitation('police');
    assert.equal(answered.status, 'submitted');
    await page.goto(path);
    assert.match(await textOf(page, 'main'), /can no longer be changed/);
  } finally {
    await watched.close();
  }
});
