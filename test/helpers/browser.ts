import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core';

/** The WCAG levels every page must meet: 2.0, 2.1 and 2.2 at A and AA. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** The system Chromium, headless. The tests never download a browser. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * A browser tab that remembers every console error and uncaught script error since it was last
 * checked. A Content-Security-Policy violation, a missing stylesheet or script, and a script that
 * throws all show up here.
 */
export class WatchedPage {
  readonly page: Page;
  readonly context: BrowserContext;
  private problems: string[] = [];

  private constructor(context: BrowserContext, page: Page) {
    this.context = context;
    this.page = page;
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const where = message.location().url;
      this.problems.push(`console error: ${message.text()}${where ? ` (${where})` : ''}`);
    });
    page.on('pageerror', (error) => this.problems.push(`uncaught script error: ${error.message}`));
  }

  static async open(
    browser: Browser,
    baseURL: string,
    options: BrowserContextOptions = {},
  ): Promise<WatchedPage> {
    const context = await browser.newContext({ baseURL, ...options });
    // a page waits up to a minute to load: the suite runs four files at once on two cores, and a
    // heavy page (a Head of Service's check and challenge) has taken over 30 s there; a crawl's
    // own time limit still bounds the whole
    context.setDefaultNavigationTimeout(60_000);
    return new WatchedPage(context, await context.newPage());
  }

  /** The problems seen since the last call, forgetting them. */
  takeProblems(): string[] {
    const seen = this.problems;
    this.problems = [];
    return seen;
  }

  /**
   * Forgets the console's report that a page the test meant to open answered with an error status
   * (Chromium reports the 404 of the page itself as "Failed to load resource").
   */
  forgiveOwnStatus(url: string, status: number) {
    this.problems = this.problems.filter(
      (p) => !(p.includes(`status of ${status}`) && p.endsWith(`(${url})`)),
    );
  }

  close() {
    return this.context.close();
  }
}

type NodeResult = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number]['nodes'][number];

/**
 * GOV.UK Frontend's radios and checkboxes that conditionally reveal a question carry aria-expanded,
 * which ARIA does not allow on them. GOV.UK keeps it on purpose, having found that screen readers
 * announce it (alphagov/govuk-frontend#979), so that one finding on those inputs is set aside;
 * every other rule still applies to them.
 */
function isGovukConditionalReveal(rule: string, node: NodeResult): boolean {
  if (rule !== 'aria-allowed-attr') return false;
  if (
    !/class="govuk-(radios|checkboxes)__input"/.test(node.html) ||
    !/aria-controls="conditional-/.test(node.html)
  )
    return false;
  const failed = [...node.all, ...node.any, ...node.none].flatMap(
    (check) => (check.data as { values?: unknown[] } | null)?.values ?? [null],
  );
  return failed.length > 0 && failed.every((v) => typeof v === 'string' && v.startsWith('aria-expanded='));
}

/**
 * Whether this run judges the markup itself: axe and the reflow check. They judge the HTML and CSS
 * the templates make, which do not depend on the database that answered, so they run on the
 * embedded database (`npm test`, CI's first run) and not on CI's second run against PostgreSQL
 * (DATABASE_URL), where they were most of each page check's time (0.8 s of 1.1 s a page). Everything
 * else a page check asserts (status, h1, title, layout, a clean console) runs on both.
 */
export const JUDGES_MARKUP = !process.env.DATABASE_URL;

/**
 * Runs axe on the page and fails, listing every violation and the elements it affects (on the
 * embedded database: JUDGES_MARKUP).
 *
 * axe runs in the page itself (legacy mode): the app's pages have no frames, and the default way
 * (a partial run in each frame, finished in a new blank page) took 1.7 s a page against 0.7 s,
 * most of the browser journeys' time. Only violations are gathered in full (resultTypes): the
 * passes are not read. The options come before the tags, which they would otherwise replace.
 */
export async function assertNoAxeViolations(page: Page, label: string) {
  if (!JUDGES_MARKUP) return;
  const results = await new AxeBuilder({ page })
    .options({ resultTypes: ['violations'] })
    .withTags(AXE_TAGS)
    .setLegacyMode(true)
    .analyze();
  results.violations = results.violations
    .map((v) => ({ ...v, nodes: v.nodes.filter((n) => !isGovukConditionalReveal(v.id, n)) }))
    .filter((v) => v.nodes.length > 0);
  const report = results.violations.map(
    (v) =>
      `  ${v.id} (${v.impact}): ${v.help}\n` +
      v.nodes.map((n) => `    - ${n.target.join(' ')}: ${n.failureSummary?.replace(/\s+/g, ' ')}`).join('\n'),
  );
  assert.equal(
    results.violations.length,
    0,
    `${label} has ${results.violations.length} accessibility violations:\n${report.join('\n')}`,
  );
}

export interface PageExpectations {
  /** what the page is for: one of these names must appear in the `<title>` */
  names: string[];
  /** the title may name the page by its h1 instead (a link "Children" opens "Find a child") */
  orHeading?: boolean;
  status?: number;
}

/**
 * Opens `path` and checks what every page owes its users: the expected status, one h1, a title that
 * says which page and which service this is, the service's layout, no accessibility violations and
 * no errors in the console. Returns the h1's text.
 */
export async function checkPage(
  watched: WatchedPage,
  path: string,
  expect: PageExpectations,
): Promise<string> {
  const { page } = watched;
  watched.takeProblems();
  const response = await page.goto(path, { waitUntil: 'load' });
  assert.ok(response, `${path}: no response`);
  const status = expect.status ?? 200;
  assert.equal(response.status(), status, `${path}: status ${response.status()}, expected ${status}`);
  if (status !== 200) watched.forgiveOwnStatus(page.url(), status);
  const label = `${path} (${new URL(page.url()).pathname})`;

  // read in one step in the page: six separate lookups took 130 ms a page
  const seen = await page.evaluate(() => ({
    h1s: [...document.querySelectorAll('h1')].map((h) => h.textContent ?? ''),
    title: document.title,
    skipLinks: document.querySelectorAll('a.govuk-skip-link[href="#main-content"]').length,
    mains: document.querySelectorAll('main#main-content').length,
    footerLinks: document.querySelectorAll('footer a[href="/accessibility"]').length,
  }));
  const h1s = seen.h1s.map((t) => t.replace(/\s+/g, ' ').trim());
  assert.equal(h1s.length, 1, `${label}: expected exactly one h1, found ${JSON.stringify(h1s)}`);
  const h1 = h1s[0];
  assert.ok(h1, `${label}: the h1 is empty`);

  const { title } = seen;
  assert.match(title, /QA Loop/, `${label}: the title "${title}" does not name the service`);
  const names = expect.orHeading ? [...expect.names, h1] : expect.names;
  assert.ok(
    names.some((name) => name && title.includes(name)),
    `${label}: the title "${title}" names none of ${JSON.stringify(names)}`,
  );

  // The same layout everywhere: a skip link to the one main region, and the footer's links.
  assert.equal(seen.skipLinks, 1, `${label}: no skip link`);
  assert.equal(seen.mains, 1, `${label}: no single main region`);
  assert.equal(seen.footerLinks, 1, `${label}: no link to the accessibility statement in the footer`);

  await assertNoAxeViolations(page, label);
  await screenshot(page, path);
  await assertReflows(page, label);
  assert.deepEqual(watched.takeProblems(), [], `${label}: errors in the browser console`);
  return h1;
}

/** The narrowest window every page must fit without sideways scrolling (WCAG 1.4.10 Reflow). */
export const REFLOW_WIDTH = 320;

/**
 * Checks that the page open now reflows at 320 CSS pixels wide: the page itself never scrolls
 * sideways (WCAG 1.4.10). A wide data table may scroll inside its own region (the exception for
 * data tables), which the page's width does not count. On failure, names the outermost elements
 * that stick out, to say where to look. The window is put back to its size afterwards.
 */
export async function assertReflows(page: Page, label: string) {
  if (!JUDGES_MARKUP) return;
  const size = page.viewportSize();
  await page.setViewportSize({ width: REFLOW_WIDTH, height: size?.height ?? 720 });
  try {
    // Runs in the browser, so it must not use anything from this file.
    const found = await page.evaluate((width) => {
      const root = document.scrollingElement ?? document.documentElement;
      const sticksOut = (el: Element) => el.getBoundingClientRect().right > width + 0.5;
      const clips = (el: Element) => getComputedStyle(el).overflowX !== 'visible';
      // inside a box that scrolls or clips, only what is positioned outside it can widen the page
      const escapes = (el: Element) => ['absolute', 'fixed'].includes(getComputedStyle(el).position);
      const culprits: string[] = [];
      const walk = (el: Element, clipped = false) => {
        for (const child of el.children) {
          if (sticksOut(child) && (!clipped || escapes(child))) {
            const name =
              child.tagName.toLowerCase() +
              (child.id ? `#${child.id}` : '') +
              [...child.classList].map((c) => `.${c}`).join('');
            const text = (child.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 40);
            culprits.push(`${name} (${Math.round(child.getBoundingClientRect().right)} px) "${text}"`);
          } else walk(child, clipped || clips(child));
        }
      };
      walk(document.body);
      return { scrollWidth: root.scrollWidth, culprits: culprits.slice(0, 10) };
    }, REFLOW_WIDTH);
    assert.ok(
      found.scrollWidth <= REFLOW_WIDTH,
      `${label} scrolls sideways at ${REFLOW_WIDTH} px wide: it is ${found.scrollWidth} px wide. ` +
        `Sticking out: ${found.culprits.join('; ') || 'nothing found'}`,
    );
  } finally {
    if (size) await page.setViewportSize(size);
  }
}

let screenshots = 0;

/** With E2E_SCREENSHOTS=<folder>, a full-page screenshot of every page checked, numbered in order. */
async function screenshot(page: Page, path: string) {
  const folder = process.env.E2E_SCREENSHOTS;
  if (!folder) return;
  mkdirSync(folder, { recursive: true });
  const name = path.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'home';
  screenshots++;
  await page.screenshot({
    path: join(folder, `${String(screenshots).padStart(2, '0')}-${name}.png`),
    fullPage: true,
  });
}

export interface FocusedElement {
  tag: string;
  id: string;
  text: string;
  href: string | null;
  /** the browser would draw a keyboard focus indicator (`:focus-visible`) */
  focusVisible: boolean;
  /** the element's focused style differs visibly: an outline, a box shadow or a background */
  indicator: string;
}

/** What has the keyboard focus now, and whether you can see it. */
export function focused(page: Page): Promise<FocusedElement | null> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const transparent = (c: string) => c === 'transparent' || /rgba\(.*,\s*0\)$/.test(c);
    const marks: string[] = [];
    if (
      style.outlineStyle !== 'none' &&
      Number.parseFloat(style.outlineWidth) > 0 &&
      !transparent(style.outlineColor)
    ) {
      marks.push(`outline ${style.outlineWidth} ${style.outlineColor}`);
    }
    if (style.boxShadow && style.boxShadow !== 'none') marks.push(`box-shadow ${style.boxShadow}`);
    if (!transparent(style.backgroundColor) && style.backgroundColor === 'rgb(255, 221, 0)') {
      marks.push('yellow background');
    }
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      text: (el.textContent ?? '').replace(/\s+/g, ' ').trim(),
      href: el.getAttribute('href'),
      focusVisible: el.matches(':focus-visible'),
      indicator: marks.join('; '),
    };
  });
}

/**
 * Presses Tab (or Shift+Tab) until the focused element is the one `matches` wants, as a keyboard
 * user would; fails if it is not reached in `max` presses. Returns the focused element.
 */
export async function tabTo(
  page: Page,
  description: string,
  matches: (el: FocusedElement) => boolean,
  { max = 20, backwards = false }: { max?: number; backwards?: boolean } = {},
): Promise<FocusedElement> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
    const el = await focused(page);
    if (el && matches(el)) {
      assertFocusVisible(el, description);
      return el;
    }
    seen.push(el ? `${el.tag}${el.id ? `#${el.id}` : ''} "${el.text.slice(0, 30)}"` : 'nothing');
  }
  assert.fail(
    `${description} was not reached in ${max} presses of ${backwards ? 'Shift+Tab' : 'Tab'}: ${seen.join(', ')}`,
  );
}

/** The text of the first element `selector` finds, with its white space tidied. */
export async function textOf(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

export function assertFocusVisible(el: FocusedElement | null, description: string) {
  assert.ok(el, `${description}: nothing has the focus`);
  assert.ok(el.focusVisible, `${description}: the focus is not shown as keyboard focus`);
  assert.ok(el.indicator, `${description}: the focused element looks no different`);
}
