/**
 * The quarterly collation of QA from across services in a real browser, on the demo council with
 * entries from three services: the QA lead reads this quarter's collation, chooses last quarter with
 * the quarter chooser (also with JavaScript off: it is a plain form), opens the publication version,
 * downloads Word and Excel, and sees the services' themes beside the audit themes on the practice
 * themes, learning and Closing the loop pages. Every page passes axe and reflows at 320 px.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { createTestApp } from '../helpers/app.ts';
import { checkPage, launchBrowser, textOf, WatchedPage } from '../helpers/browser.ts';
import { signInAs } from '../helpers/crawl.ts';
import { createTestDb, type TestDbWithDemo } from '../helpers/db.ts';

let testDb: TestDbWithDemo;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;

async function entry(
  key: string,
  start: string,
  end: string,
  count: number,
  themes: string[],
  grades: Record<string, number> | null,
) {
  const councilId = testDb.demo.councilId;
  const service = await testDb.db
    .selectFrom('qa_services')
    .select('id')
    .where('council_id', '=', councilId)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  const row = await testDb.db
    .insertInto('service_qa_entries')
    .values({
      council_id: councilId,
      service_id: service.id,
      period_start: start,
      period_end: end,
      quarter_start: end >= '2026-10-01' ? '2026-10-01' : '2026-07-01',
      reviewed: `Browser test: ${key} files`,
      reviewed_count: count,
      strengths: `Browser test strengths of ${key}`,
      development: `Browser test development of ${key}`,
      grades: grades ? JSON.stringify(grades) : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await testDb.db
    .insertInto('service_qa_entry_themes')
    .values(themes.map((k) => ({ entry_id: row.id, council_id: councilId, theme_key: k })))
    .execute();
}

before(async () => {
  testDb = await createTestDb({ demo: true });
  // the demo's own entries are left out, so the figures here are the test's
  await testDb.db.deleteFrom('service_qa_entries').where('council_id', '=', testDb.demo.councilId).execute();
  await entry('lado', '2026-10-01', '2026-11-15', 6, ['chronologies', 'management_oversight'], null);
  await entry('sen', '2026-10-01', '2026-10-31', 14, ['chronologies', 'voice_of_the_child'], {
    outstanding: 2,
    good: 8,
    requires_improvement: 3,
    inadequate: 1,
  });
  await entry('youth_justice', '2026-11-01', '2026-11-20', 8, ['voice_of_the_child'], {
    good: 5,
    requires_improvement: 3,
  });
  await entry('sen', '2026-07-01', '2026-09-30', 10, ['chronologies'], { good: 6, requires_improvement: 4 });
  app = await createTestApp(testDb.db);
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
});

test('the QA lead reads the quarter’s collation, chooses last quarter and downloads it', {
  timeout: 300_000,
}, async () => {
  const watched = await WatchedPage.open(browser, baseURL, { acceptDownloads: true });
  const { page } = watched;
  page.setDefaultTimeout(30_000);
  try {
    await signInAs(watched, baseURL, 'qa_lead');
    const h1 = await checkPage(watched, '/service-qa/collation', { names: ['QA from across services'] });
    assert.equal(h1, 'QA from across services, Q3 2026 to 2027');
    const sentences = await textOf(page, '#theme-sentences');
    assert.match(sentences, /Chronologies: found in \d of 4 services this quarter/);
    assert.match(sentences, /Voice of the child: found in \d of 4 services this quarter/);
    assert.match(
      await textOf(page, '#collation-summary'),
      /3 entries from 3 services this quarter, 28 reviewed/,
    );
    const table = page.locator('#themes-by-source');
    assert.equal(
      await table
        .locator('thead th')
        .filter({ hasText: /^LADO$/ })
        .count(),
      1,
    );
    assert.match(await textOf(page, '.app-report'), /LADO is LADO service/);
    assert.equal(await table.locator('thead th').filter({ hasText: 'QA Loop audits' }).count(), 1);
    assert.match(await textOf(page, '.app-report'), /Browser test strengths of youth_justice/);

    // last quarter with the quarter chooser
    await page.getByLabel('Quarter').selectOption('2026-07-01');
    await page.getByRole('button', { name: 'Show quarter' }).click();
    assert.match(page.url(), /quarter=2026-07-01/);
    assert.equal(await textOf(page, 'h1'), 'QA from across services, Q2 2026 to 2027');
    assert.match(
      await textOf(page, '#collation-summary'),
      /1 entry from 1 service this quarter, 10 reviewed/,
    );

    // the publication version of that quarter
    await page.getByRole('link', { name: 'Publication version' }).click();
    assert.match(page.url(), /quarter=2026-07-01&version=publication/);
    await checkPage(watched, new URL(page.url()).pathname + new URL(page.url()).search, {
      names: ['QA from across services'],
    });
    assert.match(await textOf(page, '.govuk-inset-text'), /prepared for publication/);

    // Word and Excel
    for (const [name, file] of [
      ['Download as Word', /qa-collation-2026-07-01-for-publication\.docx/],
      ['Download as Excel', /qa-collation-2026-07-01-for-publication\.xlsx/],
    ] as const) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name }).click(),
      ]);
      assert.match(download.suggestedFilename(), file);
    }

    // a quarter that is not one
    await checkPage(watched, '/service-qa/collation?quarter=2026-11-01', {
      names: ['QA from across services'],
      status: 400,
    });
    assert.match(await textOf(page, '.govuk-error-summary'), /Choose a quarter from the list/);

    // the services' themes beside the audit themes, labelled as another source
    await checkPage(watched, '/practice-themes', { names: ['Practice themes'] });
    assert.match(await textOf(page, 'table'), /Found by other services’ QA this quarter/);
    for (const path of ['/learning', '/closing-the-loop']) {
      await checkPage(watched, path, { names: ['Learning sessions', 'Closing the loop'] });
      assert.match(await textOf(page, '#other-services-themes'), /Chronologies\s*2 of 3 services/);
    }
  } finally {
    await watched.context.close();
  }
});

test('the quarter chooser works with JavaScript off', { timeout: 300_000 }, async () => {
  const watched = await WatchedPage.open(browser, baseURL, { javaScriptEnabled: false });
  const { page } = watched;
  page.setDefaultTimeout(30_000);
  try {
    await signInAs(watched, baseURL, 'senior_leader');
    await page.goto('/service-qa/collation');
    assert.equal(await textOf(page, 'h1'), 'QA from across services, Q3 2026 to 2027');
    await page.locator('#quarter').selectOption('2026-07-01');
    await page.getByRole('button', { name: 'Show quarter' }).click();
    await page.waitForURL(/quarter=2026-07-01/);
    assert.equal(await textOf(page, 'h1'), 'QA from across services, Q2 2026 to 2027');
  } finally {
    await watched.context.close();
  }
});
