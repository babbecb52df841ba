/**
 * The child's context on a page of its own, in a real browser: checked with axe on a desktop and
 * on a small phone screen, where nothing may run off the side of the page.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { createTestApp } from '../helpers/app.ts';
import { fillSubmittedAudit } from '../helpers/audit-document.ts';
import { type AuditFixture, buildAuditFixture, signInInBrowser } from '../helpers/audits.ts';
import { checkPage, launchBrowser, WatchedPage } from '../helpers/browser.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

let testDb: TestDb;
let app: FastifyInstance;
let browser: Browser;
let baseURL: string;
let f: AuditFixture;

before(async () => {
  testDb = await createTestDb();
  const db = testDb.db;
  f = await buildAuditFixture(db, 'e2edoc');
  await fillSubmittedAudit(db, f);
  const snapshot = await db
    .selectFrom('latest_snapshots')
    .select('id')
    .where('council_id', '=', f.councilId)
    .executeTakeFirstOrThrow();
  const visit = (visit_date: string, seen: boolean, seen_alone: boolean) => ({
    council_id: f.councilId,
    snapshot_id: snapshot.id,
    source: 'recorded',
    child_id: f.children.submitted,
    kind: 'cp' as const,
    visit_date,
    seen,
    seen_alone,
  });
  await db
    .insertInto('child_visits')
    .values([
      visit('2026-11-10', true, true),
      visit('2026-10-27', true, false),
      visit('2026-10-13', false, false),
    ])
    .execute();
  await db
    .insertInto('child_placements')
    .values({
      council_id: f.councilId,
      snapshot_id: snapshot.id,
      source: 'recorded',
      child_id: f.children.submitted,
      start_date: '2026-07-01',
      end_date: '2026-08-15',
      placement_type: 'U4: Foster placement with a long and descriptive name that has to wrap',
      provider: 'Westbrook Fostering',
      change_reason: 'Returned home',
    })
    .execute();
  app = await createTestApp(db, { demo: false });
  baseURL = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await testDb?.close();
});

async function signIn(watched: WatchedPage, email: string) {
  await signInInBrowser(watched.page, { email });
}

test('the child’s context page passes axe on a desktop and on a phone, and nothing runs off the page', async () => {
  for (const viewport of [
    { width: 1280, height: 900 },
    { width: 320, height: 640 },
  ]) {
    const watched = await WatchedPage.open(browser, baseURL, { viewport });
    try {
      await signIn(watched, f.people.practitioner.email);
      const path = `/audits/${f.audits.submitted}/child`;
      const h1 = await checkPage(watched, path, { names: ['The child’s context'] });
      assert.equal(h1, 'The child’s context');
      const items = await watched.page.locator('.app-timeline__item').count();
      assert.ok(items >= 6, `the timeline lists the visits, the placement and the plans (${items})`);
      const overflow = await watched.page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.equal(overflow, 0, `at ${viewport.width}px wide the page does not scroll sideways`);
    } finally {
      await watched.close();
    }
  }
});
