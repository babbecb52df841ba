/**
 * The checks every page test relies on catch what they are for: axe finds a WCAG failure on a page
 * and names it, keeps to the WCAG tags (a best-practice rule alone does not fail a page), and the
 * reflow check names what sticks out at 320 CSS pixels. Plain pages set in the browser, no app;
 * like the checks themselves, on the embedded database's run only.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertNoAxeViolations, assertReflows, JUDGES_MARKUP, launchBrowser } from '../helpers/browser.ts';

const skip = JUDGES_MARKUP ? false : 'axe and reflow run on the embedded database only';

let browser: Browser;
let page: Page;
before(async () => {
  if (skip) return;
  browser = await launchBrowser();
  page = await browser.newPage();
});
after(() => browser?.close());

/** A page with `body` in its main region, and `outside` before it (outside every landmark). */
const shell = (body: string, outside = '') =>
  `<!doctype html><html lang="en"><head><title>A page</title></head><body>${outside}<main>${body}</main></body></html>`;

test('axe fails a page with an unlabelled field and an image without a text alternative, naming both', {
  skip,
}, async () => {
  await page.setContent(
    shell('<h1>Form</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text">'),
  );
  await assert.rejects(assertNoAxeViolations(page, 'the form'), (err: Error) => {
    assert.match(err.message, /the form has 2 accessibility violations/);
    assert.match(err.message, /image-alt/);
    assert.match(err.message, /label/);
    return true;
  });
});

test('axe passes a page whose only fault is a best-practice rule outside WCAG (content outside landmarks)', {
  skip,
}, async () => {
  await page.setContent(shell('<h1>Inside</h1>', '<p>Outside</p>'));
  await assertNoAxeViolations(page, 'the page');
});

test('the reflow check names an element wider than 320 CSS pixels, and passes a wide table that scrolls in its own box', {
  skip,
}, async () => {
  await page.setContent(shell('<h1>Wide</h1><div id="wide" style="width:600px">Too wide</div>'));
  await assert.rejects(assertReflows(page, 'the wide page'), /div#wide/);
  await page.setContent(
    shell(
      '<h1>Table</h1><div style="overflow-x:auto"><table style="width:900px"><tr><td>Cell</td></tr></table></div>',
    ),
  );
  await assertReflows(page, 'the table page');
});
