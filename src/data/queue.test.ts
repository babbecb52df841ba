import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import {
  notificationFixture,
  startSmtpServer,
  type TestSmtpServer,
  waitFor,
} from '../../test/helpers/notifications.ts';
import {
  DEFAULT_REMINDER_CRON,
  runReminderSweep,
  startNotificationWorkers,
} from '../jobs/notification-worker.ts';
import { createMailer } from '../platform/mailer.ts';
import { enqueueWaiting, notifyAllocated } from '../services/notifications.ts';
import { type Db, dbConnection, openDb } from './db.ts';
import { migrateToLatest } from './migrate.ts';
import { type JobQueue, QUEUES, startQueue } from './queue.ts';

const BASE_URL = 'https://qaloop.example.gov.uk';

let t: TestDb;
let smtp: TestSmtpServer;

before(async () => {
  t = await createTestDb();
  smtp = await startSmtpServer();
});

after(async () => {
  await smtp?.close();
  await t?.close();
});

async function startWorker(db: Db): Promise<{ queue: JobQueue; close(): Promise<void> }> {
  const queue = await startQueue(db, { pollingIntervalSeconds: 0.5 });
  const mailer = createMailer({ mode: 'smtp', smtpUrl: smtp.url, from: 'qaloop@example.gov.uk' });
  await startNotificationWorkers(queue, { db, mailer, baseUrl: BASE_URL, reminderCron: null });
  return {
    queue,
    async close() {
      await queue.stop();
      mailer.close();
    },
  };
}

function recipients(from: number): string[] {
  return smtp.mails.slice(from).flatMap((m) => m.to);
}

test('two app instances working the same queue send each message once', async () => {
  const emails = Array.from({ length: 8 }, (_, i) => `auditor${i}@two.example.gov.uk`);
  const f = await notificationFixture(t.db, emails);
  const ids: string[] = [];
  for (const a of f.auditors) ids.push(...(await f.addAudits(a.id, 2)));
  const first = await startWorker(t.db);
  const second = await startWorker(t.db);
  const from = smtp.mails.length;
  smtp.delayMs = 150; // slow enough that deliveries overlap
  try {
    await notifyAllocated(t.db, first.queue, f.councilId, ids);
    // both instances also try to queue everyone waiting, as each does when it starts
    await Promise.all([enqueueWaiting(t.db, first.queue), enqueueWaiting(t.db, second.queue)]);
    await waitFor('every message sent', async () => {
      const waiting = await t.db
        .selectFrom('notifications')
        .select('id')
        .where('council_id', '=', f.councilId)
        .where('state', '!=', 'sent')
        .execute();
      return waiting.length === 0;
    });
    await new Promise((r) => setTimeout(r, 1500)); // time for any second delivery to show itself
  } finally {
    smtp.delayMs = 0;
    await Promise.all([first.close(), second.close()]);
  }
  assert.deepEqual(recipients(from).sort(), [...emails].sort(), 'one e-mail to each auditor, none twice');
  for (const mail of smtp.mails.slice(from)) assert.equal(mail.subject, 'You have 2 new audits to do');
  const rows = await t.db
    .selectFrom('notifications')
    .select(['attempts'])
    .where('council_id', '=', f.councilId)
    .execute();
  assert.equal(rows.length, 16);
  assert.ok(rows.every((r) => r.attempts === 1));
});

test('a message queued before a restart is sent after it: the queue lives in the database', async () => {
  // A database of its own that can be closed and opened again: a folder for the embedded one,
  // a second connection to the test's database on PostgreSQL.
  const connection = dbConnection(t.db);
  const dataDir = mkdtempSync(join(tmpdir(), 'qaloop-queue-'));
  const open = () =>
    connection?.kind === 'postgres' ? openDb({ databaseUrl: connection.url, dataDir }) : openDb({ dataDir });
  let db = await open();
  try {
    await migrateToLatest(db);
    const f = await notificationFixture(db, ['restart@three.example.gov.uk']);
    const ids = await f.addAudits(f.auditors[0].id, 3);

    // an instance that queues the message and stops before any worker takes it
    const sender = await startQueue(db, { background: false, pollingIntervalSeconds: 0.5 });
    await notifyAllocated(db, sender, f.councilId, ids);
    await sender.stop();
    const jobs = await sql<{ state: string }>`select state from pgboss.job
      where name = ${QUEUES.notifications.name} and data->>'staffId' = ${f.auditors[0].id}`.execute(db);
    assert.deepEqual(
      jobs.rows.map((r) => r.state),
      ['created'],
    );
    assert.equal(recipients(0).filter((r) => r === 'restart@three.example.gov.uk').length, 0);

    // the process stops and starts again
    await db.destroy();
    db = await open();
    const from = smtp.mails.length;
    const worker = await startWorker(db);
    try {
      await waitFor('the message after the restart', () =>
        recipients(from).includes('restart@three.example.gov.uk'),
      );
    } finally {
      await worker.close();
    }
    const rows = await db
      .selectFrom('notifications')
      .select(['state'])
      .where('council_id', '=', f.councilId)
      .execute();
    assert.deepEqual(
      rows.map((r) => r.state),
      ['sent', 'sent', 'sent'],
    );
    assert.equal(smtp.mails.slice(from).length, 1);
  } finally {
    await db.destroy();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('the reminder sweep runs on demand through the queue, once', async () => {
  const f = await notificationFixture(t.db, ['sweep@four.example.gov.uk']);
  await f.addAudits(f.auditors[0].id, 1, '2026-11-20');
  const worker = await startWorker(t.db);
  const from = smtp.mails.length;
  try {
    const id = await runReminderSweep(worker.queue, '2026-11-24');
    assert.ok(id);
    await waitFor('the overdue message', () => recipients(from).includes('sweep@four.example.gov.uk'));
    await runReminderSweep(worker.queue, '2026-11-25');
    await waitFor('the second sweep', async () => {
      const r = await sql<{
        n: number;
      }>`select count(*)::int as n from pgboss.job where name = ${QUEUES.reminderSweep.name} and state = 'completed'`.execute(
        t.db,
      );
      return r.rows[0].n >= 2;
    });
  } finally {
    await worker.close();
  }
  const mine = smtp.mails.slice(from).filter((m) => m.to.includes('sweep@four.example.gov.uk'));
  assert.deepEqual(
    mine.map((m) => m.subject),
    ['Your audit is overdue'],
  );
});

test('stopping the queue is quick and leaves nothing running', async () => {
  const worker = await startWorker(t.db);
  const started = Date.now();
  await worker.close();
  assert.ok(Date.now() - started < 5000, `stopping took ${Date.now() - started} ms`);
  // stopping twice is harmless
  await worker.queue.stop();
});

test('the reminder sweep is on the schedule each working morning, London time', async () => {
  const queue = await startQueue(t.db, { pollingIntervalSeconds: 0.5 });
  try {
    const mailer = createMailer({ mode: 'none' });
    await startNotificationWorkers(queue, { db: t.db, mailer, baseUrl: BASE_URL });
    const schedules = await queue.boss.getSchedules(QUEUES.reminderSweep.name);
    assert.equal(schedules.length, 1);
    assert.equal(schedules[0].cron, DEFAULT_REMINDER_CRON);
    assert.equal(schedules[0].timezone, 'Europe/London');
  } finally {
    await queue.stop();
  }
});
