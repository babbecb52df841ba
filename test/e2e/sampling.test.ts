/**
 * Drawing and allocating a sample in a real browser, as a QA lead does it: from the cycle's page,
 * children on a child protection plan who were on a child in need plan before, one per family;
 * 20 of them stratified by team; the check with its margin of error; the draw; automatic
 * allocation; then one audit's auditor and exemption pages. Every page is checked with axe and
 * for a clean console.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { marginOfError } from '../../src/domain/sampling.ts';
import { addPerson } from '../../src/services/organisation/people.ts';
import { marginText } from '../../src/web/routes/samples/sample-view.ts';
import { createTestApp } from '../helpers/app.ts';
import { assertNoAxeViolations, launchBrowser, textOf, WatchedPage } from '../helpers/browser.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { buildSamplingFixture, type SamplingFixture, saveCohort } from '../helpers/sampling.ts';

let testDb: TestDb;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;
let f: SamplingFixture;
let cohortName: string;

const PASSWORD = 'correct horse battery staple';
const EMAIL = 'qa.lead@sampling.gov.uk';
/** where the screenshots go, to look at */
const SHOTS = process.env.SAMPLING_SCREENSHOTS;

before(async () => {
  testDb = await createTestDb();
  const db = testDb.db;
  f = await buildSamplingFixture(db, 'brw');
  // every council starts with this example cohort; made here if it is not there
  cohortName = 'Child protection plan, previously on a child in need plan, one per family';
  const example = await db
    .selectFrom('cohorts')
    .select('id')
    .where('council_id', '=', f.councilId)
    .where('name', '=', cohortName)
    .executeTakeFirst();
  if (!example)
    await saveCohort(db, f.councilId, cohortName, {
      statuses: ['cp_plan'],
      cpPlanAfter: ['cin_plan'],
      onePerFamily: true,
    });
  await addPerson(db, f.councilId, {
    name: 'Quinn Lead',
    email: EMAIL,
    jobTitle: 'QA officer',
    roles: ['qa_lead'],
    password: PASSWORD,
  });
  app = await createTestApp(db, { demo: false });
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
});

/** Axe, one h1 and a clean console on the page open now. */
async function checkHere(watched: WatchedPage, label: string) {
  const { page } = watched;
  assert.equal(await page.locator('h1').count(), 1, `${label}: one h1`);
  assert.match(await page.title(), /QA Loop/, `${label}: the title names the service`);
  await assertNoAxeViolations(page, label);
  assert.deepEqual(watched.takeProblems(), [], `${label}: errors in the browser console`);
}

async function shoot(watched: WatchedPage, name: string) {
  if (SHOTS) await watched.page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

test('a QA lead draws 20 children stratified by team, sees the margin of error and allocates them', {
  timeout: 300_000,
}, async () => {
  const watched = await WatchedPage.open(browser, baseURL, { viewport: { width: 1280, height: 900 } });
  const { page } = watched;
  try {
    await page.goto('/sign-in');
    await page.locator('#email').fill(EMAIL);
    await page.locator('#password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${baseURL}/`);

    // from the cycle's page
    await page.goto(`/programme/months/${f.monthId}`);
    await page.getByRole('button', { name: 'Draw a sample' }).click();
    await page.waitForURL(`${baseURL}/samples/new?month=${f.monthId}`);
    assert.equal(await textOf(page, 'h1'), 'Draw a sample');
    await checkHere(watched, 'the draw form');

    await page.getByLabel('Cohort', { exact: true }).selectOption({ label: cohortName });
    await page.getByLabel('Full case file audit').check();
    // revealed by the choice: the audit tool its audits will use
    await page.locator('#toolFullAudit').selectOption({ label: 'Case file audit (four-point)' });
    await page.getByLabel('A number of children').check();
    // revealed by the choice
    await page.getByLabel('Number of children', { exact: true }).fill('20');
    await page.getByLabel('Stratified').check();
    await page.getByLabel('Team', { exact: true }).check();
    assert.ok(await page.getByLabel('In proportion to their size').isChecked(), 'proportional unless told');
    await checkHere(watched, 'the draw form filled in, reveals open');
    await page.getByRole('button', { name: 'Check the sample' }).click();
    await page.waitForURL(`${baseURL}/samples/preview#preview`);

    const preview = page.locator('#preview');
    const text = (await preview.textContent())?.replace(/\s+/g, ' ') ?? '';
    assert.match(text, /48 children, one per family, in the case data of 20 November 2026/);
    assert.match(text, new RegExp(marginText(marginOfError(20, 48)).replace('±', '±?')));
    assert.match(text, /North CP \d+ \d+/, 'the strata table');
    const seed = await page.locator('input[name="previewSeed"]').inputValue();
    assert.match(seed, /^\d+$/);
    assert.ok(text.includes(seed), 'the seed it will use is shown');

    // the reverse question
    await page.getByLabel('How many for a margin of error of').fill('10');
    await page.getByRole('button', { name: 'Work it out' }).click();
    await page.waitForURL(`${baseURL}/samples/preview#reverse`);
    assert.match(await textOf(page, '#preview'), /For ±10 percentage points, audit 33 of the 48 children/);
    await checkHere(watched, 'the check of the sample');
    await shoot(watched, 'samples-new-preview');

    await page.getByRole('button', { name: 'Draw the sample' }).click();
    await page.waitForURL(/\/samples\/[0-9a-f-]{36}$/);
    assert.equal(await textOf(page, 'h1'), cohortName);
    assert.equal(await textOf(page, '#seed'), seed, 'drawn with the seed the check showed');
    assert.match(await textOf(page, '.govuk-notification-banner'), /The sample has been drawn: 20 children/);
    assert.match(await textOf(page, 'main'), /Margin of error ±\d+\.\d percentage points at 95% confidence/);
    assert.equal(await page.locator('#audits + .app-table-scroll table tbody tr').count(), 20);
    await checkHere(watched, 'the sample');

    await page.getByRole('button', { name: 'Allocate automatically' }).click();
    await page.waitForURL(/\/samples\/[0-9a-f-]{36}$/);
    assert.match(await textOf(page, '.govuk-notification-banner'), /\d+ audits allocated/);
    const allocated = await page
      .locator('#audits + .app-table-scroll table .govuk-tag', { hasText: 'Allocated' })
      .count();
    assert.ok(allocated > 0, 'audits have auditors');
    await checkHere(watched, 'the sample after allocation');
    await shoot(watched, 'sample');

    // one audit: its auditor, then its exemption with Other revealed
    await page
      .locator('#audits + .app-table-scroll table a', { hasText: /Change auditor|Allocate/ })
      .first()
      .click();
    await page.waitForURL(/\/audits\/[0-9a-f-]{36}\/allocation$/);
    await checkHere(watched, 'the auditor page');
    await page.goBack();
    await page.locator('#audits + .app-table-scroll table a', { hasText: 'Exempt' }).first().click();
    await page.waitForURL(/\/audits\/[0-9a-f-]{36}\/exempt$/);
    await page.getByLabel('Other').check();
    await page.getByRole('button', { name: 'Exempt the audit' }).click();
    await page.waitForLoadState('load');
    assert.equal(await textOf(page, '.govuk-error-summary__list'), 'Say why the audit is exempted');
    // the refusal's own 400, which Chromium reports on the console
    watched.forgiveOwnStatus(page.url(), 400);
    await checkHere(watched, 'the exemption page with an error');
    await page.getByLabel('Why is it exempted?').fill('Moved to another council’s area last week');
    await page.getByRole('button', { name: 'Exempt the audit' }).click();
    await page.waitForURL(/\/samples\/[0-9a-f-]{36}$/);
    assert.match(await textOf(page, 'main'), /Other: Moved to another council’s area last week/);
    await checkHere(watched, 'the sample with an exempted audit');

    // the returns page, live: the exemption counted, then audits coming in as auditors submit them
    const figures = async () =>
      Object.fromEntries(
        await page
          .locator('.app-figure')
          .evaluateAll((items) =>
            items.map((li) => [
              li.querySelector('.app-figure__label')?.textContent?.trim().split(':')[0],
              li.querySelector('.app-figure__value')?.textContent?.trim(),
            ]),
          ),
      );
    await page.goto(`/returns?month=${f.monthId}`);
    const before = await figures();
    assert.deepEqual(
      {
        planned: before.planned,
        exempted: before.exempted,
        scheduled: before.scheduled,
        returned: before.returned,
      },
      { planned: '20', exempted: '1', scheduled: '19', returned: '0' },
    );
    await checkHere(watched, 'the returns page');
    // two auditors submit their audits (the audit form comes with the next piece of work)
    const two = await testDb.db
      .selectFrom('audits')
      .select('id')
      .where('council_id', '=', f.councilId)
      .where('status', '=', 'allocated')
      .limit(2)
      .execute();
    await testDb.db
      .updateTable('audits')
      .set({ status: 'submitted', submitted_at: new Date() })
      .where(
        'id',
        'in',
        two.map((a) => a.id),
      )
      .execute();
    await page.reload();
    const afterTwo = await figures();
    assert.equal(afterTwo.returned, '2');
    assert.equal(afterTwo['return rate'], '11%', '2 of 19 scheduled');
    assert.match(await textOf(page, 'main'), /return rate: 2 of 19 scheduled/);
  } finally {
    await watched.close();
  }
});
