/**
 * Every role but the QA lead in a real browser (the QA lead's crawl is pages-qa-lead.test.ts): every
 * page each can reach is checked for accessibility (WCAG 2.2 AA by axe), a sensible title, one h1
 * and a clean console.
 */
import { after, test } from 'node:test';
import { ROLES } from '../../src/domain/roles.ts';
import {
  type CrawlFixture,
  crawlFixture,
  crawlFollowOn,
  crawlNavigation,
  crawlTimeout,
  FOLLOW_ON_PAGES,
  navigationOf,
} from '../helpers/crawl.ts';

const f: CrawlFixture = await crawlFixture();
after(() => f.close());

for (const role of ROLES.filter((r) => r !== 'qa_lead')) {
  const pages = (await navigationOf(f.testDb.db, role)).length + (FOLLOW_ON_PAGES[role] ?? 0);
  test(`${role}: every page they can reach works and is accessible`, {
    timeout: crawlTimeout(pages),
  }, async (t) => {
    const { checked, links, watched } = await crawlNavigation(f, role);
    try {
      const more = await crawlFollowOn(f, watched, role, links);
      t.diagnostic(`${checked + more} pages checked as ${role}`);
    } finally {
      await watched.close();
    }
  });
}
