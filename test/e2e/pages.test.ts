/**
 * The signed-out pages in a real browser, one journey done with the keyboard alone, and signing in
 * with JavaScript switched off. Each role's pages are crawled in pages-qa-lead.test.ts and
 * pages-other-roles.test.ts.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { DEMO_PASSWORD } from '../../src/demo/council.ts';
import { ROLES } from '../../src/domain/roles.ts';
import { assertFocusVisible, checkPage, focused, tabTo, textOf, WatchedPage } from '../helpers/browser.ts';
import { type CrawlFixture, crawlFixture, demoPerson } from '../helpers/crawl.ts';

const f: CrawlFixture = await crawlFixture();
after(() => f.close());
const { browser, baseURL, child } = f;

test('the public pages work and are accessible when signed out', async (t) => {
  const watched = await WatchedPage.open(browser, baseURL);
  try {
    const h1 = await checkPage(watched, '/sign-in', { names: ['Sign in'] });
    assert.equal(h1, 'Sign in to QA Loop');
    assert.equal(
      await watched.page.locator('button[data-role]').count(),
      ROLES.length,
      'there is a demonstration sign-in for every role',
    );
    await checkPage(watched, '/accessibility', { names: ['Accessibility statement'] });
    const notFound = await checkPage(watched, '/no-such-page', { names: ['Page not found'], status: 404 });
    assert.equal(notFound, 'Page not found');
    t.diagnostic('3 pages checked signed out');
  } finally {
    await watched.close();
  }
});

test('a keyboard user can sign in, find a child and sign out', { timeout: 300_000 }, async () => {
  const person = await demoPerson(f.testDb.db, 'qa_lead');
  assert.ok(person.email, 'the QA lead demo person has an email address');
  const watched = await WatchedPage.open(browser, baseURL);
  const { page } = watched;
  const { keyboard } = page;
  try {
    await page.goto('/sign-in');

    // The skip link comes first, and takes you past the header to the form.
    await keyboard.press('Tab');
    const skip = await focused(page);
    assert.equal(skip?.text, 'Skip to main content', 'the first Tab focuses the skip link');
    assertFocusVisible(skip, 'the skip link');
    await keyboard.press('Enter');
    await tabTo(page, 'the email field', (el) => el.id === 'email', { max: 1 });
    await keyboard.type(person.email);
    await tabTo(page, 'the password field', (el) => el.id === 'password', { max: 1 });
    // Back to check the email address, then on again.
    const email = await tabTo(page, 'the email field again', (el) => el.id === 'email', {
      max: 1,
      backwards: true,
    });
    assert.equal(email.id, 'email');
    assert.equal(await page.inputValue('#email'), person.email, 'the email address is still there');
    await tabTo(page, 'the password field', (el) => el.id === 'password', { max: 1 });
    await keyboard.type(DEMO_PASSWORD);
    await keyboard.press('Enter');
    await page.waitForURL(`${baseURL}/`);
    assert.equal(await textOf(page, 'h1'), `Hello, ${person.name}`);

    // Children, from the navigation: under More, opened from the keyboard.
    await tabTo(page, 'More in the navigation', (el) => el.tag === 'summary' && el.text.startsWith('More'));
    await keyboard.press('Enter');
    await tabTo(
      page,
      'the Children link',
      (el) => el.tag === 'a' && el.text === 'Children' && el.href === '/children',
    );
    await keyboard.press('Enter');
    await page.waitForURL(`${baseURL}/children`);
    assert.equal(await textOf(page, 'h1'), 'Find a child');
    // past the skip link, the header and every item of the QA lead's navigation
    await tabTo(page, 'the case reference field', (el) => el.id === 'reference', { max: 40 });
    await keyboard.type(child.reference);
    await keyboard.press('Enter');
    await page.waitForURL(`${baseURL}/children/${child.id}`);
    assert.equal(await textOf(page, 'h1'), child.name, 'the child’s record shows their name');

    // Sign out.
    await tabTo(page, 'the Sign out button', (el) => el.tag === 'button' && el.text === 'Sign out', {
      max: 40,
    });
    await keyboard.press('Enter');
    await page.waitForURL(/\/sign-in\?signedOut=1$/);
    assert.equal(await textOf(page, 'h1'), 'Sign in to QA Loop');
    assert.match(await textOf(page, 'main'), /You have signed out/);
    assert.deepEqual(watched.takeProblems(), [], 'errors in the browser console');
  } finally {
    await watched.close();
  }
});

test('signing in works with JavaScript switched off', async () => {
  const person = await demoPerson(f.testDb.db, 'auditor');
  assert.ok(person.email);
  const watched = await WatchedPage.open(browser, baseURL, { javaScriptEnabled: false });
  const { page } = watched;
  try {
    await page.goto('/sign-in');
    await page.locator('#email').fill(person.email);
    await page.locator('#password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${baseURL}/`);
    assert.equal(await textOf(page, 'h1'), `Hello, ${person.name}`);
    assert.ok(
      await page.locator('nav .govuk-service-navigation__link[href="/"]').isVisible(),
      'the navigation shows',
    );
    assert.deepEqual(watched.takeProblems(), [], 'errors in the browser console');
  } finally {
    await watched.close();
  }
});
