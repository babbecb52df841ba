/**
 * Signing in with the council's own accounts, in Chromium, against a real OpenID provider (the
 * `oidc-provider` package) started on loopback: the first sign-in links the provider's subject
 * through a verified email address, later ones match by subject; roles come from the provider's
 * claim (a role that opens children's records waits for a QA lead); people without an account,
 * disabled or gone are refused with the names of whom to ask; a tampered state or nonce and an
 * expired code are refused; passwords can be turned off; signing out offers the provider's sign-out.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import type { OidcConfig } from '../../src/platform/config.ts';
import { addServiceArea, addTeam, createCouncil } from '../../src/services/organisation/councils.ts';
import { addPerson } from '../../src/services/organisation/people.ts';
import { Agent, createTestApp } from '../helpers/app.ts';
import { assertNoAxeViolations, assertReflows, launchBrowser, WatchedPage } from '../helpers/browser.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { freePort, startTestProvider, type TestProvider } from '../helpers/oidc-provider.ts';

let testDb: TestDb;
let provider: TestProvider;
let browser: Browser;
/** roles from the provider, passwords on */
let app: FastifyInstance;
let base: string;
/** passwords off, roles QA Loop's own */
let noPasswordsApp: FastifyInstance;
let noPasswordsBase: string;
let councilId: string;
const staff: Record<string, string> = {};

const BUTTON = 'Sign in with your council account';

function oidcConfig(overrides: Partial<OidcConfig> = {}): OidcConfig {
  return {
    issuer: provider.issuer,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    rolesClaim: 'roles',
    roleMap: { 'QALoop.QALead': 'qa_lead', 'QALoop.Training': 'workforce_development' },
    emailsVerified: false,
    label: BUTTON,
    ...overrides,
  };
}

before(async () => {
  testDb = await createTestDb();
  const { db } = testDb;
  councilId = (await createCouncil(db, { code: 'wb', name: 'Westbrook Council' })).id;
  const area = await addServiceArea(db, councilId, 'Children in need');
  const team = await addTeam(db, councilId, { name: 'Westbrook North CIN', serviceAreaId: area });
  const people = [
    ['admin', 'Alex Admin', 'administrator'],
    ['jo', 'Jo Worker', 'practitioner'],
    ['sam', 'Sam Trainer', 'practitioner'],
    ['dana', 'Dana Disabled', 'practitioner'],
    ['lee', 'Lee Leaver', 'practitioner'],
  ] as const;
  for (const [key, name, role] of people) {
    staff[key] = (
      await addPerson(db, councilId, {
        name,
        email: `${key}@westbrook.gov.uk`,
        jobTitle: 'Social worker',
        teamId: team,
        roles: [role],
      })
    ).staffId;
  }
  await db.updateTable('user_accounts').set({ disabled: true }).where('staff_id', '=', staff.dana).execute();
  await db.updateTable('staff').set({ active: false }).where('id', '=', staff.lee).execute();

  const [port, noPasswordsPort] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${port}`;
  noPasswordsBase = `http://127.0.0.1:${noPasswordsPort}`;
  provider = await startTestProvider({
    appBaseUrls: [base, noPasswordsBase],
    people: {
      'jo-subject': {
        email: 'JO@westbrook.gov.uk',
        email_verified: true,
        name: 'Jo W',
        roles: ['practitioner'],
      },
      'sam-subject': {
        email: 'sam@westbrook.gov.uk',
        email_verified: true,
        roles: ['QALoop.Training', 'QALoop.QALead', 'Something.Else'],
      },
      'admin-unverified': {
        email: 'admin@westbrook.gov.uk',
        email_verified: false,
        roles: ['administrator'],
      },
      stranger: { email: 'stranger@westbrook.gov.uk', email_verified: true },
      'dana-subject': { email: 'dana@westbrook.gov.uk', email_verified: true, roles: ['practitioner'] },
      'lee-subject': { email: 'lee@westbrook.gov.uk', email_verified: true, roles: ['practitioner'] },
    },
  });
  app = await createTestApp(db, { demo: false, oidc: oidcConfig(), baseUrl: base });
  await app.listen({ port, host: '127.0.0.1' });
  noPasswordsApp = await createTestApp(db, {
    demo: false,
    oidc: oidcConfig({ rolesClaim: undefined }),
    localPasswords: false,
    baseUrl: noPasswordsBase,
  });
  await noPasswordsApp.listen({ port: noPasswordsPort, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await noPasswordsApp?.close();
  await provider?.close();
  await testDb?.close();
});

/** From QA Loop's sign-in page through the provider's sign-in form, back to wherever QA Loop sends them. */
async function signInThroughProvider(watched: WatchedPage, login: string, appBase = base) {
  const { page } = watched;
  await page.goto(`${appBase}/sign-in`);
  await page.getByRole('button', { name: BUTTON }).click();
  await page.waitForURL((url) => url.href.startsWith(provider.issuer));
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'anything');
  await page.click('button[type="submit"]');
  // Redirects are not committed, so this is the page QA Loop finally shows.
  await page.waitForURL((url) => url.href.startsWith(appBase), { waitUntil: 'load' });
  await page.waitForLoadState('load');
}

/**
 * Changes where a redirect leads (Chromium does not let a route see a request it reached by
 * following a redirect, so the redirect itself is changed), optionally holding it first.
 */
async function rewriteRedirects(
  watched: WatchedPage,
  pattern: string,
  change: (location: URL) => boolean | Promise<boolean>,
) {
  await watched.page.route(pattern, async (route) => {
    const response = await route.fetch({ maxRedirects: 0 });
    const location = response.headers().location;
    if (!location) return route.fulfill({ response });
    const url = new URL(location, route.request().url());
    if (!(await change(url))) return route.fulfill({ response });
    return route.fulfill({ response, headers: { ...response.headers(), location: url.href } });
  });
}

async function h1Of(watched: WatchedPage) {
  return (await watched.page.locator('h1').textContent())?.trim();
}

async function signedInName(watched: WatchedPage) {
  return (await watched.page.locator('.app-account__name').textContent())?.trim();
}

/** What checkPage checks, for a page reached by a redirect that cannot be opened again. */
async function checkReachedPage(watched: WatchedPage, label: string, titleWords: string) {
  const { page } = watched;
  assert.equal(await page.locator('h1').count(), 1, `${label}: one h1`);
  assert.match(await page.title(), new RegExp(`${titleWords}.*QA Loop`));
  await assertNoAxeViolations(page, label);
  await assertReflows(page, label);
}

async function account(staffId: string) {
  return testDb.db
    .selectFrom('user_accounts')
    .select(['oidc_issuer', 'oidc_subject', 'last_signed_in_at'])
    .where('staff_id', '=', staffId)
    .executeTakeFirstOrThrow();
}

async function events(kind: string, staffId: string) {
  return testDb.db
    .selectFrom('security_events')
    .select(['kind', 'detail'])
    .where('kind', '=', kind)
    .where('subject_id', '=', staffId)
    .execute();
}

test('the first sign-in links the provider’s subject through a verified email address', async () => {
  const watched = await WatchedPage.open(browser, base);
  try {
    await signInThroughProvider(watched, 'jo-subject');
    assert.equal(new URL(watched.page.url()).pathname, '/');
    assert.equal(await signedInName(watched), 'Jo Worker');
    const linked = await account(staff.jo);
    assert.equal(linked.oidc_issuer, provider.issuer);
    assert.equal(linked.oidc_subject, 'jo-subject');
    assert.ok(linked.last_signed_in_at, 'the sign-in is recorded');
    assert.equal((await events('single_sign_on_linked', staff.jo)).length, 1);
  } finally {
    await watched.close();
  }
});

test('a later sign-in matches by subject, even after the email address changed', async () => {
  provider.people.set('jo-subject', {
    email: 'jo.worker@elsewhere.example',
    email_verified: false,
    roles: ['practitioner'],
  });
  const watched = await WatchedPage.open(browser, base);
  try {
    await signInThroughProvider(watched, 'jo-subject');
    assert.equal(new URL(watched.page.url()).pathname, '/');
    assert.equal(await signedInName(watched), 'Jo Worker');
    assert.equal((await events('single_sign_on_linked', staff.jo)).length, 1, 'linked only once');
  } finally {
    await watched.close();
  }
});

test('roles come from the provider: one that opens children’s records waits for a QA lead', async () => {
  const watched = await WatchedPage.open(browser, base);
  try {
    await signInThroughProvider(watched, 'sam-subject');
    assert.equal(await signedInName(watched), 'Sam Trainer');
    assert.match(await watched.page.locator('main').innerText(), /once a QA lead confirms them/);
    const roles = await testDb.db
      .selectFrom('staff_roles')
      .select('role')
      .where('staff_id', '=', staff.sam)
      .execute();
    assert.deepEqual(
      roles.map((r) => r.role),
      ['workforce_development'],
      'the training role at once, practitioner gone, QA lead not yet',
    );
    const waiting = await testDb.db
      .selectFrom('role_grants')
      .select('role')
      .where('staff_id', '=', staff.sam)
      .where('outcome', 'is', null)
      .execute();
    assert.deepEqual(
      waiting.map((r) => r.role),
      ['qa_lead'],
    );
  } finally {
    await watched.close();
  }
});

test('someone without a QA Loop account is refused, and told whom to ask', async () => {
  const watched = await WatchedPage.open(browser, base);
  try {
    await signInThroughProvider(watched, 'stranger');
    assert.equal(await h1Of(watched), 'You cannot sign in to QA Loop');
    const text = await watched.page.locator('main').innerText();
    assert.match(text, /does not have a QA Loop account/);
    assert.match(text, /Ask Alex Admin/);
    await checkReachedPage(watched, 'refused (no account)', 'You cannot sign in');
    const home = await watched.page.goto(`${base}/`);
    assert.equal(new URL(home?.url() ?? '').pathname, '/sign-in', 'not signed in');
  } finally {
    await watched.close();
  }
  // An email address the provider has not verified does not open someone's account.
  const again = await WatchedPage.open(browser, base);
  try {
    await signInThroughProvider(again, 'admin-unverified');
    assert.equal(await h1Of(again), 'You cannot sign in to QA Loop');
    assert.equal((await account(staff.admin)).oidc_subject, null);
  } finally {
    await again.close();
  }
});

test('a disabled person, and a leaver, are refused and the refusal is recorded', async () => {
  const watched = await WatchedPage.open(browser, base);
  try {
    await signInThroughProvider(watched, 'dana-subject');
    assert.equal(await h1Of(watched), 'You cannot sign in to QA Loop');
    const text = await watched.page.locator('main').innerText();
    assert.match(text, /has been turned off/);
    assert.match(text, /Ask Alex Admin/);
    await checkReachedPage(watched, 'refused (disabled)', 'You cannot sign in');
    assert.equal((await events('sign_in_refused', staff.dana)).length, 1);
  } finally {
    await watched.close();
  }
  const leaver = await WatchedPage.open(browser, base);
  try {
    await signInThroughProvider(leaver, 'lee-subject');
    assert.match(await leaver.page.locator('main').innerText(), /you have left/);
    assert.equal((await events('sign_in_refused', staff.lee)).length, 1);
  } finally {
    await leaver.close();
  }
});

test('a tampered state is refused', async () => {
  const watched = await WatchedPage.open(browser, base);
  try {
    provider.beforeReturn = (url) => url.searchParams.set('state', 'not-the-state-we-sent');
    await signInThroughProvider(watched, 'jo-subject');
    provider.beforeReturn = undefined;
    assert.equal(await h1Of(watched), 'Sign-in did not work');
    await checkReachedPage(watched, 'sign-in did not work', 'Sign-in did not work');
    const home = await watched.page.goto(`${base}/`);
    assert.equal(new URL(home?.url() ?? '').pathname, '/sign-in', 'not signed in');
  } finally {
    provider.beforeReturn = undefined;
    await watched.close();
  }
});

test('a tampered nonce is refused', async () => {
  const watched = await WatchedPage.open(browser, base);
  try {
    await rewriteRedirects(watched, `${base}/sign-in/oidc?**`, (url) => {
      if (!url.searchParams.has('nonce')) return false;
      url.searchParams.set('nonce', 'a-nonce-we-did-not-send');
      return true;
    });
    await signInThroughProvider(watched, 'jo-subject');
    assert.equal(await h1Of(watched), 'Sign-in did not work');
    const home = await watched.page.goto(`${base}/`);
    assert.equal(new URL(home?.url() ?? '').pathname, '/sign-in', 'not signed in');
  } finally {
    await watched.close();
  }
});

test('an expired code is refused', async () => {
  provider.codeTtlSeconds = 1;
  const watched = await WatchedPage.open(browser, base);
  try {
    // The code is held past its life before it reaches QA Loop.
    provider.beforeReturn = () => new Promise((done) => setTimeout(done, 2_100));
    await signInThroughProvider(watched, 'jo-subject');
    assert.equal(await h1Of(watched), 'Sign-in did not work');
  } finally {
    provider.codeTtlSeconds = 60;
    provider.beforeReturn = undefined;
    await watched.close();
  }
});

test('with passwords off the form is gone and a password sent anyway is refused', async () => {
  const watched = await WatchedPage.open(browser, noPasswordsBase);
  try {
    const { page } = watched;
    await page.goto(`${noPasswordsBase}/sign-in`);
    assert.equal(await page.locator('input[name="password"]').count(), 0);
    assert.equal(await page.getByRole('button', { name: BUTTON }).count(), 1);
    // A password sent by hand, as a form left open from before passwords were turned off.
    // The answer is a new page at the same address: wait for its load, not the current one's.
    const answered = page.waitForEvent('load');
    await page.evaluate(() => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = '/sign-in';
      document.body.append(form);
      for (const [name, value] of [
        ['email', 'jo@westbrook.gov.uk'],
        ['password', 'correct horse battery staple'],
      ]) {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        form.append(input);
      }
      form.submit();
    });
    await answered;
    assert.equal(await h1Of(watched), 'Sign in with your council account');
    await checkReachedPage(watched, 'passwords off', 'Sign in with your council account');

    // The button there still signs in through the provider; roles stay QA Loop's own.
    await signInThroughProvider(watched, 'jo-subject', noPasswordsBase);
    assert.equal(await signedInName(watched), 'Jo Worker');
  } finally {
    await watched.close();
  }
});

test('signing out ends the QA Loop session and offers the provider’s sign-out', async () => {
  const watched = await WatchedPage.open(browser, base);
  try {
    const { page } = watched;
    await signInThroughProvider(watched, 'jo-subject');
    assert.equal(await signedInName(watched), 'Jo Worker');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForLoadState('load');
    assert.equal(await h1Of(watched), 'You have signed out of QA Loop');
    await checkReachedPage(watched, 'signed out', 'You have signed out of QA Loop');
    const link = page.getByRole('button', { name: 'Sign out of your council account' });
    const href = new URL((await link.getAttribute('href')) ?? '');
    assert.ok(href.href.startsWith(provider.issuer));
    assert.ok(href.searchParams.get('id_token_hint'));
    assert.equal(href.searchParams.get('post_logout_redirect_uri'), `${base}/sign-in?signedOut=1`);

    // QA Loop's session is over already.
    const home = await page.goto(`${base}/`);
    assert.equal(new URL(home?.url() ?? '').pathname, '/sign-in');

    // The provider asks, signs out, and sends the person back to QA Loop's sign-in page.
    await page.goto(href.href);
    await page.locator('button[autofocus], button[type="submit"]').first().click();
    await page.waitForURL((url) => url.href.startsWith(base));
    assert.match(await page.locator('main').innerText(), /You have signed out/);
  } finally {
    await watched.close();
  }
});

test('the sign-in routes: nothing without single sign-on, and no callback without a started sign-in', async () => {
  const withoutSso = await createTestApp(testDb.db, { demo: false });
  try {
    const agent = new Agent(withoutSso);
    const page = await agent.get('/sign-in');
    assert.doesNotMatch(page.body, new RegExp(BUTTON));
    assert.equal((await agent.get('/sign-in/oidc?returnTo=/')).statusCode, 404);
    assert.equal((await agent.get('/sign-in/oidc/callback?code=x&state=y')).statusCode, 404);
  } finally {
    await withoutSso.close();
  }
  const agent = new Agent(app);
  const callback = await agent.get('/sign-in/oidc/callback?code=x&state=y');
  assert.equal(callback.statusCode, 400);
  assert.match(callback.body, /Sign-in did not work/);
});

test('a provider that cannot be reached is a page that says so, and is tried again next time', async () => {
  const unreachable = await createTestApp(testDb.db, {
    demo: false,
    oidc: { ...oidcConfig(), issuer: `http://127.0.0.1:${await freePort()}` },
  });
  try {
    const agent = new Agent(unreachable);
    for (let i = 0; i < 2; i++) {
      const res = await agent.get('/sign-in/oidc?returnTo=/audits');
      assert.equal(res.statusCode, 503);
      assert.match(res.body, /sign-in service cannot be reached/);
    }
  } finally {
    await unreachable.close();
  }
  // An http:// issuer anywhere but this machine is refused.
  const insecure = await createTestApp(testDb.db, {
    demo: false,
    oidc: { ...oidcConfig(), issuer: 'http://login.example.invalid' },
  });
  try {
    const res = await new Agent(insecure).get('/sign-in/oidc?returnTo=/');
    assert.equal(res.statusCode, 503);
  } finally {
    await insecure.close();
  }
});
