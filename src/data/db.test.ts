import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DatabaseUnavailableError, describeUrl, openDb } from './db.ts';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'qaloop-db-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the embedded database is opened by one process at a time, and free again once closed', async () => {
  const first = await openDb({ dataDir: dir });
  await assert.rejects(openDb({ dataDir: dir }), (err: Error) => {
    assert.ok(err instanceof DatabaseUnavailableError);
    assert.match(err.message, /in use by another QA Loop process \(pid \d+\)/);
    return true;
  });
  await first.destroy();
  const second = await openDb({ dataDir: dir });
  await second.destroy();
});

test('a lock left by a process that has gone is taken over', async () => {
  writeFileSync(join(dir, 'qaloop.lock'), '999999999');
  const db = await openDb({ dataDir: dir });
  await db.destroy();
});

test('a connection string is described without its user or password', () => {
  assert.equal(
    describeUrl('postgres://qa:secret@db.council.local:5433/qaloop'),
    'db.council.local:5433/qaloop',
  );
});
