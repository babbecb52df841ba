/**
 * The checks every page test relies on catch what they are for: axe finds a WCAG failure on a page
 * and names it, keeps to the WCAG tags (a best-practice rule alone does not fail a page), and the
 * reflow check names what sticks out at 320 CSS pixels, and the page check refuses a page without
 * the parts every page owes its users. Plain pages set in the browser or served on loopback, no app;
 * like the checks themselves, on the embedded database's run only.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  assertNoAxeViolations,
  assertReflows,
  checkPage,
  JUDGES_MARKUP,
  launchBrowser,
  WatchedPage,
} from '../helpers/browser.ts';

const skip = JUDGES_MARKUP ? false : 'axe and reflow run on the embedded database only';

let browser: Browser;
let page: Page;
/** Serves each page below at its own path, for the page check, which opens what it checks. */
let server: Server;
let baseUrl: string;
const served = new Map<string, string>();
before(async () => {
  if (skip) return;
  browser = await launchBrowser();
  page = await browser.newPage();
  server = createServer((req, res) => {
    // the browser asks for an icon; the app serves one, and a 404 would be a console error
    if (req.url === '/favicon.ico') return res.writeHead(204).end();
    const html = served.get(req.url ?? '');
    res.writeHead(html ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html ?? 'Not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

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

/** A page with the service's layout: skip link, one main region, the footer's accessibility link. */
const laidOut = (title: string, main: string, footer = '<a href="/accessibility">Accessibility</a>') =>
  `<!doctype html><html lang="en"><head><title>${title}</title></head><body>
  <a class="govuk-skip-link" href="#main-content">Skip to main content</a>
  <main id="main-content">${main}</main><footer>${footer}</footer></body></html>`;

test('the page check passes a page with the layout, one h1 and a title naming it, and refuses each part missing', {
  skip,
}, async () => {
  served.set('/good', laidOut('Cohorts – QA Loop', '<h1>Cohorts</h1>'));
  served.set('/two-headings', laidOut('Cohorts – QA Loop', '<h1>Cohorts</h1><h1>Again</h1>'));
  served.set('/other-title', laidOut('Samples – QA Loop', '<h1>Cohorts</h1>'));
  served.set('/no-footer-link', laidOut('Cohorts – QA Loop', '<h1>Cohorts</h1>', '<p>Footer</p>'));
  const watched = await WatchedPage.open(browser, baseUrl);
  try {
    assert.equal(await checkPage(watched, '/good', { names: ['Cohorts'] }), 'Cohorts');
    await assert.rejects(checkPage(watched, '/two-headings', { names: ['Cohorts'] }), /exactly one h1/);
    await assert.rejects(checkPage(watched, '/other-title', { names: ['Cohorts'] }), /names none of/);
    await assert.rejects(
      checkPage(watched, '/no-footer-link', { names: ['Cohorts'] }),
      /no link to the accessibility statement/,
    );
  } finally {
    await watched.close();
  }
});
