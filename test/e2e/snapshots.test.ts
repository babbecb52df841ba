/**
 * The snapshot pages in a real browser, for the two roles that load case data: the list of
 * snapshots, a data-quality report with something in every section, and the names page, with
 * and without a mistake on it. Each is checked for accessibility (axe), one h1, a title that
 * names the page and a clean console; a name is matched with the keyboard alone.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import type { Role } from '../../src/domain/roles.ts';
import { addServiceArea, addTeam, createCouncil } from '../../src/services/organisation/councils.ts';
import { addPerson } from '../../src/services/organisation/people.ts';
import { createTestApp } from '../helpers/app.ts';
import {
  assertNoAxeViolations,
  checkPage,
  launchBrowser,
  tabTo,
  textOf,
  WatchedPage,
} from '../helpers/browser.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { importLists } from '../helpers/snapshots.ts';

let testDb: TestDb;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;
let snapshotId: string;
let westbrook: string;

const PASSWORD = 'correct horse battery staple';
const CIN = { kind: 'cin_plan' as const, startDate: '2026-01-10' };

before(async () => {
  testDb = await createTestDb();
  const db = testDb.db;
  const councilId = (await createCouncil(db, { code: 'wb', name: 'Westbrook Council' })).id;
  const area = await addServiceArea(db, councilId, 'Children in need');
  westbrook = await addTeam(db, councilId, { name: 'Westbrook North CIN', serviceAreaId: area });
  await addTeam(db, councilId, { name: 'Eastfield CP', serviceAreaId: area });
  for (const role of ['qa_lead', 'administrator'] as Role[]) {
    await addPerson(db, councilId, {
      name: role === 'qa_lead' ? 'Quinn Lead' : 'Alex Admin',
      email: `${role}@westbrook.gov.uk`,
      jobTitle: role === 'qa_lead' ? 'Team Manager' : 'Systems officer',
      teamId: westbrook,
      roles: [role],
      password: PASSWORD,
    });
  }
  await importLists(db, councilId, '2026-11-01', [
    {
      source: 'annex_a:6',
      file: 'october.csv',
      rows: [{ ref: 'K1', episode: CIN, team: 'Westbrook North CIN' }],
    },
  ]);
  const latest = await importLists(db, councilId, '2026-11-08', [
    {
      source: 'annex_a:6',
      file: 'lists.xlsx',
      sheet: 'List 6',
      rows: [
        { ref: 'K1', dateOfBirth: '2016-01-01', episode: CIN, team: 'Westbrook North CIN' },
        { ref: 'K2', dateOfBirth: '2015-03-01', gender: 'female', episode: CIN, team: 'Westbrook Nth CIN' },
        {
          ref: 'K3',
          dateOfBirth: '2012-06-01',
          episode: CIN,
          team: 'Westbrook North CIN',
          worker: 'Quinn Lead',
        },
        { ref: 'K4', dateOfBirth: '2013-06-01', episode: CIN, team: 'Eastfeld CP', worker: 'J Bloggs' },
      ],
    },
    {
      source: 'annex_a:9',
      file: 'lists.xlsx',
      sheet: 'List 9',
      rows: [
        {
          ref: 'K2',
          dateOfBirth: '2015-04-01',
          gender: 'male',
          episode: { kind: 'care_leaver', startDate: '2026-06-01' },
        },
      ],
    },
  ]);
  snapshotId = latest.snapshot?.id as string;
  app = await createTestApp(db, { demo: false });
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
});

async function signIn(watched: WatchedPage, role: Role) {
  const { page } = watched;
  await page.goto('/sign-in');
  await page.locator('#email').fill(`${role}@westbrook.gov.uk`);
  await page.locator('#password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(`${baseURL}/`);
}

for (const role of ['qa_lead', 'administrator'] as Role[]) {
  test(`${role}: the snapshot pages work and are accessible`, { timeout: 300_000 }, async () => {
    const watched = await WatchedPage.open(browser, baseURL);
    try {
      await signIn(watched, role);
      assert.equal(await checkPage(watched, '/imports/snapshots', { names: ['Snapshots'] }), 'Snapshots');
      const quality = `/imports/snapshots/${snapshotId}/quality`;
      assert.ok(
        await watched.page.locator(`main a[href="${quality}"]`).count(),
        'the snapshots page links to the report',
      );
      assert.equal(await checkPage(watched, quality, { names: ['Data quality'] }), 'Data quality');
      const links = await watched.page.locator('main a[href^="/children/"]').count();
      assert.equal(links > 0, role === 'qa_lead', 'child references are links only for the QA lead');
      assert.equal(
        await checkPage(watched, '/imports/names', { names: ['Match team and worker names'] }),
        'Match team and worker names',
      );
    } finally {
      await watched.close();
    }
  });
}

test('a mistake on the names page is shown accessibly; a name is matched with the keyboard', {
  timeout: 300_000,
}, async () => {
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  try {
    await signIn(watched, 'qa_lead');
    await page.goto('/imports/names');
    await page.locator('#team-1').selectOption('');
    await page.getByRole('button', { name: 'Match “Eastfeld CP”' }).click();
    await page.waitForLoadState('load');
    assert.equal(
      await textOf(page, '.govuk-error-summary__list'),
      'Choose the team “Eastfeld CP” stands for',
    );
    assert.match(await page.title(), /^Error: Match team and worker names – QA Loop/);
    watched.forgiveOwnStatus(page.url(), 400);
    await assertNoAxeViolations(page, 'the names page with a mistake');
    assert.deepEqual(watched.takeProblems(), []);

    // the error summary link takes you to the choice; the closest team is chosen with the keyboard
    await page.locator('.govuk-error-summary__list a').click();
    await page.locator('#team-1').focus();
    await page.keyboard.press('ArrowDown');
    await tabTo(page, 'the Match button', (el) => el.tag === 'button' && el.text.startsWith('Match'), {
      max: 1,
    });
    await page.keyboard.press('Enter');
    await page.waitForURL(`${baseURL}/imports/names`);
    assert.match(
      await textOf(page, '.govuk-notification-banner'),
      /“Eastfeld CP” now stands for Eastfield CP: 1 child/,
    );
    await assertNoAxeViolations(page, 'the names page after a match');
    assert.deepEqual(watched.takeProblems(), []);
  } finally {
    await watched.close();
  }
});
