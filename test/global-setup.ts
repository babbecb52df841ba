/**
 * Runs once before `npm test` starts the test files (node --test --test-global-setup): makes the
 * databases every file starts from, so that no file migrates a database or loads the demo council
 * itself. On the embedded database they are dumps in a temporary folder; with DATABASE_URL they are
 * template databases on the server. Both go again when the run ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropServerDb, makeTemplates, TEMPLATES_VARIABLE, type TestTemplates } from './helpers/db.ts';

let dir: string | undefined;
let made: TestTemplates | undefined;

export async function globalSetup() {
  const started = Date.now();
  dir = mkdtempSync(join(tmpdir(), 'qaloop-test-templates-'));
  made = await makeTemplates(dir, `qaloop_tpl_${process.pid}_${Date.now().toString(36)}`);
  process.env[TEMPLATES_VARIABLE] = JSON.stringify(made);
  console.log(`Test databases made in ${((Date.now() - started) / 1000).toFixed(1)} s (${made.kind})`);
}

export async function globalTeardown() {
  if (dir) rmSync(dir, { recursive: true, force: true });
  const serverUrl = process.env.DATABASE_URL;
  if (made?.kind === 'postgres' && serverUrl) {
    for (const name of [made.migrated, made.demo]) await dropServerDb(serverUrl, name);
  }
}
