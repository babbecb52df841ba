/**
 * The QA lead's pages in a real browser: every page of their navigation and every page one step on
 * is checked for accessibility (WCAG 2.2 AA by axe), a sensible title, one h1 and a clean console.
 * Their crawl is the longest, so it has a file of its own (test/helpers/crawl.ts).
 */
import { after, test } from 'node:test';
import type { WatchedPage } from '../helpers/browser.ts';
import {
  type CrawlFixture,
  crawlFixture,
  crawlFollowOn,
  crawlNavigation,
  crawlTimeout,
  FOLLOW_ON_PAGES,
  type Link,
  navigationOf,
} from '../helpers/crawl.ts';

const f: CrawlFixture = await crawlFixture();
after(() => f.close());

const navigation = await navigationOf(f.testDb.db, 'qa_lead');
let crawled: { links: Map<string, Link[]>; watched: WatchedPage } | undefined;

test('qa_lead: every page of their navigation works and is accessible', {
  timeout: crawlTimeout(navigation.length),
}, async (t) => {
  const result = await crawlNavigation(f, 'qa_lead');
  crawled = result;
  t.diagnostic(`${result.checked} pages of the navigation checked as qa_lead`);
});

test('qa_lead: every page one step on from their navigation works and is accessible', {
  timeout: crawlTimeout(FOLLOW_ON_PAGES.qa_lead ?? 0),
}, async (t) => {
  if (!crawled) throw new Error('the navigation was not crawled');
  try {
    const checked = await crawlFollowOn(f, crawled.watched, 'qa_lead', crawled.links);
    t.diagnostic(`${checked} pages one step on checked as qa_lead`);
  } finally {
    await crawled.watched.close();
  }
});
