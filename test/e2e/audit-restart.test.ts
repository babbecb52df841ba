/**
 * Nothing typed into an audit is lost when the server dies: an auditor types into two sections in
 * a real browser (the page saves as they type, and on moving to the next page), the server process
 * is killed outright in the middle of their editing, and after it is started again every answer
 * typed before the last save is still there. Runs `qaloop serve` as its own process, on an
 * embedded database on disk, or on a new PostgreSQL database when DATABASE_URL is set.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { openDb } from '../../src/data/db.ts';
import { migrateToLatest } from '../../src/data/migrate.ts';
import { AUDIT_PASSWORD, type AuditFixture, buildAuditFixture } from '../helpers/audits.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { freePort } from '../helpers/ports.ts';

const ROOT = join(import.meta.dirname, '..', '..');
let dataDir: string;
let databaseUrl: string | undefined;
let dropDatabase: (() => Promise<void>) | undefined;
let port: number;
let server: ChildProcess | undefined;
let browser: Browser;
let f: AuditFixture;

async function startServer(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'src/cli/main.ts'), 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      QALOOP_DATA_DIR: dataDir,
      QALOOP_DEMO: '0',
      QALOOP_MAIL: 'none',
      QALOOP_LOG_LEVEL: 'warn',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The server stopped: ${stderr.slice(-2000)}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (res.status === 200) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`The server did not become ready in 60 s: ${stderr.slice(-2000)}`);
}

function killServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'qaloop-restart-'));
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    const name = `qaloop_restart_${process.pid}`;
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
  // the council is made before the server starts: the embedded database has one user at a time
  const db = await openDb({ databaseUrl, dataDir });
  await migrateToLatest(db);
  f = await buildAuditFixture(db, 'restart');
  await db.destroy();
  port = await freePort();
  browser = await launchBrowser();
});

after(async () => {
  if (server && server.exitCode === null) await killServer(server);
  await browser?.close();
  await dropDatabase?.();
  rmSync(dataDir, { recursive: true, force: true });
});

async function waitForSave(page: Page) {
  await page.waitForFunction(
    () => /^Saved at /.test(document.getElementById('autosave-status')?.textContent ?? ''),
    undefined,
    { timeout: 15_000 },
  );
}

test('killing the server in the middle of editing loses no answer typed before the last save', async () => {
  server = await startServer();
  const base = `http://127.0.0.1:${port}`;
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();
  await page.goto('/sign-in');
  await page.fill('#email', f.people.auditor.email);
  await page.fill('#password', AUDIT_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign in")')]);

  // section 3: saved as typed, by the page's script
  const assessment = `/audits/${f.audits.allocated}/parts/assessment`;
  await page.goto(assessment);
  await page.check('#grade-2');
  await page
    .locator('#evaluation')
    .pressSequentially('The assessment weighs the history well.', { delay: 5 });
  await page.locator('#impactStatement').pressSequentially('The child’s needs are understood.', { delay: 5 });
  await waitForSave(page);
  // moving on saves too
  await Promise.all([page.waitForNavigation(), page.click('#save-continue')]);
  assert.match(page.url(), /parts\/identity_and_diversity$/);

  // section 4: typed and saved, then more typed while the server is killed
  await page.check('#grade');
  await page.locator('#evaluation').pressSequentially('Identity is explored with the child.', { delay: 5 });
  await waitForSave(page);
  await page.locator('#impactStatement').pressSequentially('Typed as the server died', { delay: 5 });
  await killServer(server);

  server = await startServer();
  const again = await browser.newContext({ baseURL: base });
  const page2 = await again.newPage();
  await page2.goto(assessment);
  if (new URL(page2.url()).pathname === '/sign-in') {
    await page2.fill('#email', f.people.auditor.email);
    await page2.fill('#password', AUDIT_PASSWORD);
    await Promise.all([page2.waitForNavigation(), page2.click('button:has-text("Sign in")')]);
  }
  assert.equal(new URL(page2.url()).pathname, assessment);
  assert.equal(await page2.locator('#grade-2').isChecked(), true);
  assert.equal(await page2.inputValue('#evaluation'), 'The assessment weighs the history well.');
  assert.equal(await page2.inputValue('#impactStatement'), 'The child’s needs are understood.');
  await page2.goto(`/audits/${f.audits.allocated}/parts/identity_and_diversity`);
  assert.equal(await page2.locator('#grade').isChecked(), true);
  assert.equal(await page2.inputValue('#evaluation'), 'Identity is explored with the child.');
  await context.close();
  await again.close();
});
