/**
 * A real council starts on QA Loop as the README's "Setting up your council" tells its IT team and
 * QA lead, with nothing but the product's own interfaces: on an empty database with the demo off,
 * `qaloop council create`, the SSD extract and the staff file through `qaloop import`, `qaloop
 * serve` connected to the council's OpenID provider (a real one, on loopback), the QA lead signing
 * in through it, recording the auditors' training, planning the year, drawing a sample and
 * allocating the first audit. On the embedded database, or on PostgreSQL with DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { monthName, todayInLondon } from '../../src/domain/dates.ts';
import { checkPage, launchBrowser, textOf, WatchedPage } from '../helpers/browser.ts';
import { freePort, startTestProvider, type TestProvider } from '../helpers/oidc-provider.ts';
import { sampleExtract, writeSsdFolder } from '../helpers/ssd-extract.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'qaloop.js');
const today = todayInLondon();

let work: string;
let env: Record<string, string | undefined>;
let dropDatabase: (() => Promise<void>) | undefined;
let provider: TestProvider;
let server: ChildProcess | undefined;
let base: string;
let browser: Browser;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function qaloop(args: string[], extra: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, ...extra } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `qaloop serve`, resolved once it says it is running. */
function serve(extra: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve'], { env: { ...env, ...extra } });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 120_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('QA Loop is running')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve stopped (${code}): ${out}`));
    });
  });
}

const STAFF_FILE = [
  'Name,Email,Staff ID,Job title,Team,Line manager email,Start date,Leaving date,Roles,Service area',
  'Quinn Adebayo,quinn.adebayo@northshire.gov.uk,S100,Head of Quality Assurance,Quality Assurance,,01/04/2019,,qa_lead,Quality and Performance',
  'Aisha Patel,aisha.patel@northshire.gov.uk,S101,Practice Development Manager,Quality Assurance,quinn.adebayo@northshire.gov.uk,01/09/2022,,auditor,Quality and Performance',
  'Ben Okafor,ben.okafor@northshire.gov.uk,W2,Team Manager,Safeguarding East,,03/01/2018,,case_manager,',
  'Ada Lovell,ada.lovell@northshire.gov.uk,W1,Social Worker,Safeguarding East,ben.okafor@northshire.gov.uk,12/05/2021,,practitioner,',
  'Cara Singh,cara.singh@northshire.gov.uk,W3,Social Worker,Children in Care,,2020-02-02,,practitioner,',
].join('\n');

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'qaloop-real-council-'));
  const serverUrl = process.env.DATABASE_URL;
  let databaseUrl: string | undefined;
  if (serverUrl) {
    const name = `qaloop_real_${process.pid}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.query(`create database "${name}"`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`drop database if exists "${name}" with (force)`);
      await dropper.end();
    };
  }
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    QALOOP_DATA_DIR: join(work, 'data'),
    QALOOP_DEMO: '0',
    QALOOP_LOG_LEVEL: 'warn',
    QALOOP_BASE_URL: base,
    PORT: String(port),
    HOST: '127.0.0.1',
  };
  provider = await startTestProvider({
    appBaseUrls: [base],
    people: {
      'quinn-at-entra': {
        email: 'quinn.adebayo@northshire.gov.uk',
        email_verified: true,
        name: 'Quinn Adebayo',
      },
    },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const stopped = new Promise((done) => server?.once('exit', done));
    server.kill('SIGTERM');
    await stopped;
  }
  await provider?.close();
  await dropDatabase?.();
  rmSync(work, { recursive: true, force: true });
});

test('a council set up from the command line signs its QA lead in through its own provider and allocates its first audit', {
  timeout: 600_000,
}, async () => {
  // 1. The council and its first administrator, with a one-time link.
  const created = await qaloop([
    'council',
    'create',
    '--code',
    'nth',
    '--name',
    'Northshire County Council',
    '--admin-email',
    'it.admin@northshire.gov.uk',
    '--admin-name',
    'Ira Admin',
  ]);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, new RegExp(`${base}/sign-in/link/\\S+`), 'the first administrator’s link');
  const again = await qaloop([
    'council',
    'create',
    '--code',
    'NTH',
    '--name',
    'Again',
    '--admin-email',
    'x@y.gov.uk',
  ]);
  assert.equal(again.code, 1, 'a second council with the same code is refused');
  const listed = await qaloop(['council', 'list', '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  const councils = JSON.parse(listed.stdout) as { code: string; name: string }[];
  assert.deepEqual(
    councils.map((c) => [c.code, c.name]),
    [['NTH', 'Northshire County Council']],
  );

  // 2. Its SSD extract, then its staff file: the organisation and the people.
  const extract = writeSsdFolder(join(work, 'ssd'), sampleExtract());
  const ssd = await qaloop(['import', extract, '--format', 'ssd', '--as-of', today, '--council', 'NTH']);
  assert.equal(ssd.code, 0, ssd.stderr + ssd.stdout);
  const staffPath = join(work, 'staff.csv');
  writeFileSync(staffPath, STAFF_FILE);
  const staff = await qaloop([
    'import',
    staffPath,
    '--format',
    'staff',
    '--as-of',
    today,
    '--council',
    'NTH',
    '--json',
  ]);
  assert.equal(staff.code, 0, staff.stderr + staff.stdout);
  const applied = JSON.parse(staff.stdout) as Record<string, unknown>;
  assert.ok(JSON.stringify(applied).includes('Quinn Adebayo'), 'the QA lead joins');

  // 3. The app, connected to the council's provider, passwords off.
  server = await serve({
    QALOOP_OIDC_ISSUER: provider.issuer,
    QALOOP_OIDC_CLIENT_ID: provider.clientId,
    QALOOP_OIDC_CLIENT_SECRET: provider.clientSecret,
    QALOOP_LOCAL_PASSWORDS: '0',
  });

  const watched = await WatchedPage.open(browser, base, { viewport: { width: 1280, height: 900 } });
  const { page } = watched;
  try {
    // 4. The QA lead signs in with the council's account.
    await page.goto('/sign-in');
    assert.equal(await page.locator('input[type="password"]').count(), 0, 'no password form');
    await page.getByRole('button', { name: 'Sign in with your council account' }).click();
    await page.fill('input[name="login"]', 'quinn-at-entra');
    await page.fill('input[name="password"]', 'anything');
    await page.click('button[type="submit"]');
    await page.waitForURL(`${base}/`);
    assert.match(await textOf(page, 'header'), /Quinn Adebayo/);
    await checkPage(watched, '/', { names: ['Home'], orHeading: true });

    // 5. Aisha's audit training, so she can be allocated audits.
    await page.goto('/auditors/training/new');
    const [y, m, d] = today.split('-');
    await page.locator('#heldOn-day').fill(String(Number(d)));
    await page.locator('#heldOn-month').fill(String(Number(m)));
    await page.locator('#heldOn-year').fill(y);
    await page.locator('input[name="kind"]').first().check();
    await page.locator('#title').fill('Case file audit training');
    await page.getByLabel('Aisha Patel').check();
    await page.getByRole('button', { name: 'Record session' }).click();
    await page.waitForLoadState('load');
    assert.doesNotMatch(await textOf(page, 'main'), /There is a problem/);

    // 6. The programme year, from this year's April.
    const startYear = Number(m) >= 4 ? Number(y) : Number(y) - 1;
    await page.goto('/programme/years/new');
    await page.locator('#startMonth').fill(`${startYear}-04`);
    await page.getByRole('button', { name: 'Create the programme year' }).click();
    await page.waitForURL(/\/programme\?year=/);
    await page
      .locator('a[href^="/programme/months/"]', { hasText: monthName(today).split(' ')[0] })
      .first()
      .click();
    await page.waitForURL(/\/programme\/months\/[0-9a-f-]{36}$/);

    // 7. A sample from "All open cases", and its first audit allocated.
    await page.getByRole('button', { name: 'Draw a sample' }).click();
    await page.waitForURL(/\/samples\/new\?month=/);
    await page.getByLabel('Cohort', { exact: true }).selectOption({ label: 'All open cases' });
    await page.getByLabel('Full case file audit').check();
    await page.locator('#toolFullAudit').selectOption({ index: 1 });
    await page.getByLabel('A number of children').check();
    await page.getByLabel('Number of children', { exact: true }).fill('1');
    await page.getByLabel('Simple random sample').check();
    await page.getByRole('button', { name: 'Check the sample' }).click();
    await page.waitForURL(/\/samples\/preview/);
    await page.getByRole('button', { name: 'Draw the sample' }).click();
    await page.waitForURL(/\/samples\/[0-9a-f-]{36}$/);
    await page.getByRole('button', { name: 'Allocate automatically' }).click();
    await page.waitForURL(/\/samples\/[0-9a-f-]{36}$/);
    assert.match(await textOf(page, '.govuk-notification-banner'), /1 audit allocated/);
    assert.match(await textOf(page, 'main'), /Aisha Patel/, 'allocated to the trained auditor');
  } finally {
    await watched.close();
  }
});
