/**
 * The staff file in a real browser, on a council with no demo: the upload page, the preview of
 * what the example staff file changes, and the result once confirmed. Each page is checked for
 * accessibility (axe), one h1, a title that names the page and reflow at 320 pixels.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { addServiceArea, addTeam, createCouncil } from '../../src/services/organisation/councils.ts';
import { addPerson } from '../../src/services/organisation/people.ts';
import { createTestApp } from '../helpers/app.ts';
import { checkPage, launchBrowser, textOf, WatchedPage } from '../helpers/browser.ts';
import { signInAs } from '../helpers/crawl.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'staff-file.csv');
const PASSWORD = 'correct horse battery staple';

let testDb: TestDb;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;

before(async () => {
  testDb = await createTestDb();
  const db = testDb.db;
  const councilId = (await createCouncil(db, { code: 'sfc', name: 'Staff File Council' })).id;
  const area = await addServiceArea(db, councilId, 'Quality and Performance');
  const team = await addTeam(db, councilId, { name: 'Quality Assurance', serviceAreaId: area });
  await addPerson(db, councilId, {
    name: 'Quinn Lead',
    email: 'quinn.lead@example.gov.uk',
    jobTitle: 'QA Officer',
    teamId: team,
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

test('a QA lead uploads the staff file, checks the preview and confirms it', {
  timeout: 300_000,
}, async () => {
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  try {
    await page.goto('/sign-in');
    await page.locator('#email').fill('quinn.lead@example.gov.uk');
    await page.locator('#password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${baseURL}/`);

    assert.equal(await checkPage(watched, '/imports/staff', { names: ['Staff file'] }), 'Staff file');
    await page.locator('#file').setInputFiles(FIXTURE);
    await page.getByRole('button', { name: 'Check the staff file' }).click();
    await page.waitForURL(/\/imports\/staff\/[0-9a-f-]+$/);
    const preview = new URL(page.url()).pathname;
    assert.equal(
      await checkPage(watched, preview, { names: ['Check the staff file'] }),
      'Check the staff file',
    );
    assert.match(await textOf(page, 'main'), /Tom Reid/);
    assert.match(await textOf(page, 'main'), /Assessment Team North/);

    await page.getByRole('button', { name: 'Confirm and apply the changes' }).click();
    await page.waitForURL(`${baseURL}${preview}`);
    assert.match(await textOf(page, '.govuk-notification-banner'), /The staff file has been applied/);
    assert.equal(await checkPage(watched, preview, { names: ['Staff file applied'] }), 'Staff file applied');
    assert.match(
      await textOf(page, 'main'),
      /No leaver of this file has open audits, actions or moderations/,
    );
  } finally {
    await watched.close();
  }
});

test('on the demo council, a leaver’s open work is shown on the preview, the result, the staff file page and the QA lead’s home', {
  timeout: 300_000,
}, async () => {
  const demoDb = await createTestDb({ demo: true });
  const demoApp = await createTestApp(demoDb.db, { demo: true });
  const demoURL = await demoApp.listen({ port: 0, host: '127.0.0.1' });
  const dir = mkdtempSync(join(tmpdir(), 'qaloop-e2e-staff-'));
  const watched = await WatchedPage.open(browser, demoURL);
  const { page } = watched;
  try {
    const busy = await demoDb.db
      .selectFrom('audits as a')
      .innerJoin('staff as s', 's.id', 'a.auditor_id')
      .innerJoin('teams as tm', 'tm.id', 's.team_id')
      .where('a.status', 'in', ['allocated', 'in_progress'])
      .where((eb) => eb.or([eb('s.external_id', 'is', null), eb('s.external_id', 'not like', 'DEMO-%')]))
      .select(['s.name', 's.email', 's.job_title', 'tm.name as team'])
      .orderBy('s.name')
      .executeTakeFirstOrThrow();
    const path = join(dir, 'leavers.csv');
    writeFileSync(
      path,
      [
        'Name,Email,Job title,Team,Leaving date',
        `${busy.name},${busy.email},${busy.job_title},${busy.team},20/11/2026`,
      ].join('\n'),
    );
    await signInAs(watched, demoURL, 'qa_lead');
    await page.goto('/imports/staff');
    await page.locator('#file').setInputFiles(path);
    await page.getByRole('button', { name: 'Check the staff file' }).click();
    await page.waitForURL(/\/imports\/staff\/[0-9a-f-]+$/);
    const preview = new URL(page.url()).pathname;
    assert.equal(
      await checkPage(watched, preview, { names: ['Check the staff file'] }),
      'Check the staff file',
    );
    assert.match(await textOf(page, 'main'), new RegExp(busy.name));
    await page.getByRole('button', { name: 'Confirm and apply the changes' }).click();
    await page.waitForURL(`${demoURL}${preview}`);
    assert.equal(await checkPage(watched, preview, { names: ['Staff file applied'] }), 'Staff file applied');
    assert.ok(await page.locator('main a[href$="/allocation"]').count(), 'links to choose another auditor');
    assert.equal(await checkPage(watched, '/imports/staff', { names: ['Staff file'] }), 'Staff file');
    assert.match(await textOf(page, 'main'), new RegExp(busy.name));
    await checkPage(watched, '/', { names: ['Home'] });
    assert.match(await textOf(page, '#leavers-open-work'), new RegExp(busy.name));
  } finally {
    await watched.close();
    await demoApp.close();
    await demoDb.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
