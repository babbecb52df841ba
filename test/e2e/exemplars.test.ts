/**
 * Good-practice exemplars in a real browser (issue 20): the QA lead marks a submitted audit whose
 * text names the child, their sister and their address, reviews the redaction, is refused when the
 * child's name is typed back in (what was typed kept), corrects the one detail the redaction could
 * not find, and publishes; an auditor opens it from their own audit's page. Every page is checked
 * with axe and at 320 px wide.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { createTestApp } from '../helpers/app.ts';
import { type AuditFixture, buildAuditFixture, signInInBrowser } from '../helpers/audits.ts';
import {
  assertNoAxeViolations,
  assertReflows,
  checkPage,
  launchBrowser,
  textOf,
  WatchedPage,
} from '../helpers/browser.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { NAMED, nameTheSubmittedAudit } from '../helpers/exemplars.ts';

let testDb: TestDb;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;
let f: AuditFixture;

before(async () => {
  testDb = await createTestDb();
  f = await buildAuditFixture(testDb.db, 'exe');
  await nameTheSubmittedAudit(testDb.db, f);
  app = await createTestApp(testDb.db, { demo: false });
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
});

test('the QA lead marks, reviews, corrects and publishes; an auditor reads it from their audit', {
  timeout: 300_000,
}, async () => {
  const qa = await WatchedPage.open(browser, baseURL);
  let exemplarPath = '';
  try {
    const { page } = qa;
    await signInInBrowser(page, f.people.qaLead);
    await checkPage(qa, `/audits/${f.audits.submitted}`, { names: ['Audit'], orHeading: true });
    await page.getByRole('link', { name: 'Mark as a good-practice exemplar' }).click();
    await page.waitForURL(`${baseURL}/audits/${f.audits.submitted}/exemplar`);
    await checkPage(qa, `/audits/${f.audits.submitted}/exemplar`, {
      names: ['Mark as a good-practice exemplar'],
    });
    await page
      .getByLabel('Why is this audit good practice?')
      .fill('The impact statements say what changed for the child.');
    await page.getByRole('button', { name: 'Mark as an exemplar and review it' }).click();
    await page.waitForURL(/\/exemplars\/[0-9a-f-]+\/review$/);
    const reviewPath = new URL(page.url()).pathname;
    exemplarPath = reviewPath.replace(/\/review$/, '');
    await checkPage(qa, reviewPath, { names: ['Review the exemplar before publishing'] });
    // the audit's own words, with the child's name highlighted, beside the redacted text
    assert.ok(
      (await page.locator('mark', { hasText: NAMED.first }).count()) > 0,
      'the child’s name is highlighted',
    );
    assert.ok(
      (await page.locator('mark', { hasText: 'Acacia Avenue' }).count()) > 0,
      'the address is highlighted',
    );

    // the nan's name is in no record, so it is still there: QA finds it
    const missedId = await page.evaluate(
      (missed) => [...document.querySelectorAll('textarea')].find((t) => t.value.includes(missed))?.id ?? '',
      NAMED.missed,
    );
    assert.ok(missedId, 'the name the records do not hold is left for QA');
    const box = page.locator(`textarea#${missedId}`);
    const before = await box.inputValue();
    // typed with the child's name in it: refused, what was typed kept
    const typed = `${before} ${NAMED.first} now walks there himself.`;
    await box.fill(typed);
    await page.getByRole('button', { name: 'Publish to auditors' }).click();
    await page.waitForLoadState('load');
    assert.match(await textOf(page, '.govuk-error-summary__list'), /still has the child’s name/);
    qa.forgiveOwnStatus(page.url(), 400);
    assert.equal(await page.locator(`textarea#${missedId}`).inputValue(), typed);
    assert.equal(await page.locator('.govuk-error-summary').count(), 1);
    await assertNoAxeViolations(page, 'the review form with an error');
    await assertReflows(page, 'the review form with an error');
    assert.deepEqual(qa.takeProblems(), []);

    await page.locator(`textarea#${missedId}`).fill(before.replace(NAMED.missed, '[family member]'));
    await page.getByRole('button', { name: 'Publish to auditors' }).click();
    await page.waitForURL(`${baseURL}${exemplarPath}`);
    await checkPage(qa, exemplarPath, { names: ['Good-practice exemplar'] });
    await checkPage(qa, '/exemplars', { names: ['Good-practice exemplars'] });
  } finally {
    await qa.close();
  }

  const auditor = await WatchedPage.open(browser, baseURL);
  try {
    const { page } = auditor;
    await signInInBrowser(page, f.people.auditor);
    await checkPage(auditor, `/audits/${f.audits.allocated}`, { names: ['Audit'], orHeading: true });
    await page.getByRole('link', { name: 'Good-practice exemplars for this tool (1)' }).click();
    await page.waitForURL(/\/exemplars\?tool=/);
    const listPath = `${new URL(page.url()).pathname}${new URL(page.url()).search}`;
    await checkPage(auditor, listPath, { names: ['Good-practice exemplars'] });
    await page.locator(`a[href="${exemplarPath}"]`).click();
    await page.waitForURL(`${baseURL}${exemplarPath}`);
    await checkPage(auditor, exemplarPath, { names: ['Good-practice exemplar'] });
    const text = await textOf(page, 'main');
    assert.match(text, /The impact statements say what changed for the child\./);
    for (const secret of [NAMED.first, NAMED.last, NAMED.sibling, NAMED.missed, 'Acacia']) {
      assert.ok(!text.includes(secret), `${secret} is not shown to the auditor`);
    }
    assert.equal(
      await page.locator(`a[href="/audits/${f.audits.submitted}"]`).count(),
      0,
      'no link to the audit',
    );
  } finally {
    await auditor.close();
  }
});
