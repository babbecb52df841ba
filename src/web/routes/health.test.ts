import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestApp } from '../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { MIGRATION_NAMES } from '../../data/migrate.ts';
import { type JobQueue, startQueue } from '../../data/queue.ts';
import { buildApp } from '../app.ts';

// What a load balancer or the platform's probe reads: a 503 whenever this instance should not be
// sent people's requests, and the part that is wrong, in words an IT team can act on.

let t: TestDb;
let queue: JobQueue;
let app: FastifyInstance;
const dataDir = mkdtempSync(join(tmpdir(), 'qaloop-health-'));

before(async () => {
  t = await createTestDb();
  queue = await startQueue(t.db, { background: false });
  app = await buildApp({
    db: t.db,
    queue,
    logger: false,
    sessionSecret: 'test-secret-test-secret-test-secret-test-secret',
    config: { demo: false, sessionIdleMinutes: 30, secureCookies: false, trustProxy: 0, dataDir },
  });
  await app.ready();
});
after(async () => {
  await app?.close();
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function ready(on: FastifyInstance = app) {
  const res = await on.inject({ url: '/health/ready' });
  return { statusCode: res.statusCode, body: res.json() };
}

test('ready: the database answers, migrations are current and the job queue is running', async () => {
  assert.deepEqual(await ready(), {
    statusCode: 200,
    body: { status: 'ready', database: 'reachable', migrations: 'current', queue: 'running' },
  });
});

test('a migration this version knows but the database lacks makes the instance not ready', async () => {
  const last = MIGRATION_NAMES.at(-1) as string;
  const row = await t.db
    .selectFrom('qaloop_migrations' as never)
    .selectAll()
    .where('name' as never, '=', last as never)
    .executeTakeFirstOrThrow();
  await t.db
    .deleteFrom('qaloop_migrations' as never)
    .where('name' as never, '=', last as never)
    .execute();
  try {
    const { statusCode, body } = await ready();
    assert.equal(statusCode, 503);
    assert.equal(body.status, 'not ready');
    assert.equal(body.migrations, 'not current');
  } finally {
    await t.db
      .insertInto('qaloop_migrations' as never)
      .values(row as never)
      .execute();
  }
  assert.equal((await ready()).statusCode, 200);
});

test('an app built without a queue (as in tests) says so, and is still ready', async () => {
  const bare = await createTestApp(t.db, { demo: false });
  try {
    const { statusCode, body } = await ready(bare);
    assert.equal(statusCode, 200);
    assert.equal(body.queue, 'not started');
  } finally {
    await bare.close();
  }
});

test('from the moment shutdown begins, readiness says shutting down (503) while pages still answer', async () => {
  app.beginShutdown();
  const { statusCode, body } = await ready();
  assert.equal(statusCode, 503);
  assert.equal(body.status, 'shutting down');
  const live = await app.inject({ url: '/health/live' });
  assert.equal(live.statusCode, 200, 'requests are still served until the app closes');
});

test('a stopped queue makes the instance not ready', async () => {
  const other = await createTestDb();
  const otherQueue = await startQueue(other.db, { background: false });
  const otherApp = await buildApp({
    db: other.db,
    queue: otherQueue,
    logger: false,
    config: { demo: false, sessionIdleMinutes: 30, secureCookies: false, trustProxy: 0, dataDir },
  });
  try {
    assert.equal((await ready(otherApp)).statusCode, 200);
    await otherQueue.stop();
    const { statusCode, body } = await ready(otherApp);
    assert.equal(statusCode, 503);
    assert.deepEqual(body, {
      status: 'not ready',
      database: 'reachable',
      migrations: 'current',
      queue: 'stopped',
    });
  } finally {
    await otherApp.close();
    await other.close();
  }
});
