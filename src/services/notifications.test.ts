import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import {
  capturingLogger,
  notificationFixture,
  type ReceivedMail,
  startSmtpServer,
  type TestSmtpServer,
  waitFor,
} from '../../test/helpers/notifications.ts';
import { appDb, type Db } from '../data/db.ts';
import { type JobQueue, startQueue } from '../data/queue.ts';
import { WorkingDayCalendar } from '../domain/working-days.ts';
import { startNotificationWorkers } from '../jobs/notification-worker.ts';
import { createMailer, type Mailer } from '../platform/mailer.ts';
import {
  composeMessage,
  deliverWaiting,
  longDate,
  notifyAllocated,
  reminderDue,
  sendDeadlineReminders,
} from './notifications.ts';

const BASE_URL = 'https://qaloop.example.gov.uk';
const FROM = 'QA Loop <qaloop@example.gov.uk>';

let t: TestDb;
let smtp: TestSmtpServer;
let queue: JobQueue;
let mailer: Mailer;
let workersDb: Db;
const log = capturingLogger();

before(async () => {
  t = await createTestDb();
  smtp = await startSmtpServer();
  mailer = createMailer({ mode: 'smtp', smtpUrl: smtp.url, from: FROM });
  queue = await startQueue(t.db, {
    log: log.logger,
    pollingIntervalSeconds: 0.5,
    queues: { notifications: { retryLimit: 1, retryDelay: 2, retryBackoff: false } },
  });
  // The workers run as the app's role, held by the database to each job's council, as in `qaloop serve`.
  workersDb = appDb(t.db);
  await startNotificationWorkers(queue, { db: workersDb, mailer, baseUrl: BASE_URL, reminderCron: null });
});

after(async () => {
  await queue?.stop();
  await workersDb?.destroy();
  mailer?.close();
  await smtp?.close();
  await t?.close();
});

async function states(councilId: string) {
  return t.db
    .selectFrom('notifications')
    .select(['staff_id', 'kind', 'state', 'channel', 'attempts', 'error', 'sent_at', 'dedupe_key'])
    .where('council_id', '=', councilId)
    .orderBy('created_at')
    .execute();
}

async function settled(councilId: string, count: number) {
  await waitFor(`${count} notifications settled`, async () => {
    const rows = await states(councilId);
    return rows.length === count && rows.every((r) => r.state === 'sent' || r.state === 'skipped');
  });
}

function mailsTo(address: string): ReceivedMail[] {
  return smtp.mails.filter((m) => m.to.includes(address));
}

function assertNamesNoChild(mail: ReceivedMail, secrets: string[]) {
  for (const secret of secrets) {
    assert.ok(!mail.subject.includes(secret), `the subject gives ${secret}`);
    assert.ok(!mail.text.includes(secret), `the body gives ${secret}`);
  }
}

describe('allocation messages', () => {
  test('each auditor gets exactly one e-mail for their new audits, with a link and no child named', async () => {
    const f = await notificationFixture(t.db, [
      'morgan@council.example.gov.uk',
      'robin@council.example.gov.uk',
    ]);
    const [morgan, robin] = f.auditors;
    const ids = [...(await f.addAudits(morgan.id, 3)), ...(await f.addAudits(robin.id, 1))];
    // Morgan's audits are on a tool with a published good-practice exemplar; Robin's on none
    const tool = await t.db
      .selectFrom('audit_tools')
      .select(['id', 'name'])
      .where('council_id', '=', f.councilId)
      .orderBy('name')
      .executeTakeFirstOrThrow();
    await t.db.updateTable('audits').set({ tool_id: tool.id }).where('id', 'in', ids.slice(0, 3)).execute();
    await t.db
      .insertInto('exemplars')
      .values({
        council_id: f.councilId,
        audit_id: ids[3] as string,
        tool_id: tool.id,
        note: 'Clear impact statements',
        status: 'published',
        redacted: JSON.stringify({ sections: [] }),
      })
      .execute();
    const before = smtp.mails.length;

    const recorded = await notifyAllocated(t.db, queue, f.councilId, ids);
    assert.deepEqual(recorded, { recorded: 4, recipients: 2 });
    await settled(f.councilId, 4);

    assert.equal(smtp.mails.length - before, 2, 'two e-mails, one to each auditor');
    const [toMorgan] = mailsTo('morgan@council.example.gov.uk');
    const [toRobin] = mailsTo('robin@council.example.gov.uk');
    assert.equal(toMorgan.subject, 'You have 3 new audits to do');
    assert.equal(toRobin.subject, 'You have a new audit to do');
    assert.equal(toMorgan.from, 'qaloop@example.gov.uk');
    assert.match(toMorgan.text, /3 new audits to do in the November 2026 audit cycle/);
    assert.match(toMorgan.text, /Finish them by Friday 27 November 2026\./);
    assert.match(toRobin.text, /Finish it by Friday 27 November 2026\./);
    // the allocation message links to the tool's guidance and its exemplars (issue 20)
    assert.ok(toMorgan.text.includes(`${BASE_URL}/tools/${tool.id}`), 'links to the tool’s guidance');
    assert.ok(toMorgan.text.includes(`${BASE_URL}/exemplars?tool=${tool.id}`), 'links to its exemplars');
    assert.ok(toMorgan.text.includes(tool.name));
    assert.ok(!toRobin.text.includes('/tools/'), 'no tool, no guidance link');
    assert.ok(!toRobin.text.includes('/exemplars'));
    for (const mail of [toMorgan, toRobin]) {
      assert.ok(mail.text.includes(`${BASE_URL}/`), 'the e-mail links to QA Loop');
      assertNamesNoChild(mail, f.childSecrets);
    }
    for (const row of await states(f.councilId)) {
      assert.equal(row.state, 'sent');
      assert.equal(row.channel, 'smtp');
      assert.equal(row.attempts, 1);
      assert.ok(row.sent_at);
      assert.equal(row.error, null);
    }

    // told again about the same audits: nothing new is recorded or sent
    assert.deepEqual(await notifyAllocated(t.db, queue, f.councilId, ids), { recorded: 0, recipients: 0 });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(smtp.mails.length - before, 2);
  });

  test('inside the allocation’s transaction: nothing is recorded or queued if it rolls back', async () => {
    const f = await notificationFixture(t.db, ['jude@council.example.gov.uk']);
    const ids = await f.addAudits(f.auditors[0].id, 2);
    await assert.rejects(
      t.db.transaction().execute(async (trx) => {
        await notifyAllocated(trx, queue, f.councilId, ids);
        throw new Error('the allocation failed');
      }),
      /the allocation failed/,
    );
    assert.equal((await states(f.councilId)).length, 0);
    await t.db.transaction().execute((trx) => notifyAllocated(trx, queue, f.councilId, ids));
    await settled(f.councilId, 2);
    assert.equal(mailsTo('jude@council.example.gov.uk').length, 1);
  });

  test('someone with no e-mail address: the message is recorded as skipped, with the reason', async () => {
    const f = await notificationFixture(t.db, [null]);
    const ids = await f.addAudits(f.auditors[0].id, 1);
    const before = smtp.mails.length;
    await notifyAllocated(t.db, queue, f.councilId, ids);
    await settled(f.councilId, 1);
    const [row] = await states(f.councilId);
    assert.equal(row.state, 'skipped');
    assert.match(row.error ?? '', /no email address/);
    assert.equal(smtp.mails.length, before);
  });

  test('audits not allocated, or of another council, are not notified', async () => {
    const f = await notificationFixture(t.db, ['ellis@council.example.gov.uk']);
    const other = await notificationFixture(t.db, ['rowan@council.example.gov.uk']);
    const [open, done] = await f.addAudits(f.auditors[0].id, 2);
    const [theirs] = await other.addAudits(other.auditors[0].id, 1);
    await t.db
      .updateTable('audits')
      .set({ status: 'submitted', submitted_at: new Date() })
      .where('id', '=', done)
      .execute();
    const recorded = await notifyAllocated(t.db, null, f.councilId, [open, done, theirs]);
    assert.deepEqual(recorded, { recorded: 1, recipients: 1 });
    assert.equal((await states(other.councilId)).length, 0);
  });
});

describe('when sending fails', () => {
  test('the message is left failed with the reason, nothing personal is logged, and the retry sends it', async () => {
    const f = await notificationFixture(t.db, ['sasha@council.example.gov.uk']);
    const [sasha] = f.auditors;
    const ids = await f.addAudits(sasha.id, 2);
    const logFrom = log.lines.length;
    smtp.refuseWith = { code: 550, message: '5.1.1 <sasha@council.example.gov.uk>: mailbox unavailable' };
    try {
      await notifyAllocated(t.db, queue, f.councilId, ids);
      await waitFor('the failure', async () =>
        (await states(f.councilId)).every((r) => r.state === 'failed'),
      );
    } finally {
      smtp.refuseWith = null;
    }
    const failed = await states(f.councilId);
    for (const row of failed) {
      assert.equal(row.state, 'failed');
      assert.match(row.error ?? '', /550/);
      assert.match(row.error ?? '', /mailbox unavailable/);
      assert.ok(!row.error?.includes('sasha@'), 'the stored reason has no address');
    }
    // pg-boss tries again (retryDelay 2 s here): now the server accepts it
    await settled(f.councilId, 2);
    assert.equal(mailsTo('sasha@council.example.gov.uk').length, 1);
    const sent = await states(f.councilId);
    assert.ok(sent.every((r) => r.state === 'sent' && r.attempts === 2 && r.error === null));

    const logged = log.lines.slice(logFrom).join('\n');
    assert.match(logged, /notification not sent/);
    assert.match(logged, /"code":"550"/);
    for (const secret of [sasha.email as string, sasha.name, 'sasha@', ...f.childSecrets]) {
      assert.ok(!logged.includes(secret), `the log gives ${secret}`);
    }
  });

  test('with e-mail turned off the messages are recorded as skipped', async () => {
    const f = await notificationFixture(t.db, ['rowan@council.example.gov.uk']);
    const ids = await f.addAudits(f.auditors[0].id, 2);
    await notifyAllocated(t.db, null, f.councilId, ids);
    const result = await deliverWaiting(
      t.db,
      createMailer({ mode: 'none' }),
      { councilId: f.councilId, staffId: f.auditors[0].id },
      { baseUrl: BASE_URL },
    );
    assert.deepEqual(result, { sent: 0, failed: 0, skipped: 2 });
    for (const row of await states(f.councilId)) {
      assert.equal(row.state, 'skipped');
      assert.match(row.error ?? '', /QALOOP_MAIL=none/);
    }
  });
});

describe('deadline reminders', () => {
  test('approaching and overdue are each sent once, however often the sweep runs', async () => {
    const f = await notificationFixture(t.db, [
      'morgan.r@council.example.gov.uk',
      'robin.r@council.example.gov.uk',
    ]);
    const [morgan, robin] = f.auditors;
    // Morgan: two due at the end of the window (Friday 27 November), one due on 20 November
    const windowEnd = await f.addAudits(morgan.id, 2);
    const early = await f.addAudits(morgan.id, 1, '2026-11-20');
    // Robin: one with no date of its own (the window's end applies), one already submitted
    await f.addAudits(robin.id, 1, null);
    const [submitted] = await f.addAudits(robin.id, 1);
    await t.db.updateTable('audits').set({ status: 'submitted' }).where('id', '=', submitted).execute();
    const before = smtp.mails.length;

    // Tuesday 24 November: 27 November is within 3 working days; 20 November has passed
    const first = await sendDeadlineReminders(t.db, queue, '2026-11-24', { councilId: f.councilId });
    const again = await sendDeadlineReminders(t.db, queue, '2026-11-24', { councilId: f.councilId });
    assert.equal(first.approaching, 3);
    assert.equal(first.overdue, 1);
    assert.equal(first.recorded, 4);
    assert.equal(again.recorded, 0, 'the second sweep records nothing new');
    await settled(f.councilId, 4);

    const morganMails = mailsTo('morgan.r@council.example.gov.uk');
    assert.deepEqual(morganMails.map((m) => m.subject).sort(), [
      '2 audits due by Friday 27 November 2026',
      'Your audit is overdue',
    ]);
    const [robinMail] = mailsTo('robin.r@council.example.gov.uk');
    assert.equal(robinMail.subject, 'An audit due by Friday 27 November 2026');
    assert.equal(smtp.mails.length - before, 3);
    for (const mail of [...morganMails, robinMail]) assertNamesNoChild(mail, f.childSecrets);
    const overdue = morganMails.find((m) => m.subject === 'Your audit is overdue') as ReceivedMail;
    assert.match(overdue.text, /was due by Friday 20 November 2026 and has not been submitted/);

    // Monday 30 November: the window has ended; each open audit is overdue, told once
    const later = await sendDeadlineReminders(t.db, queue, '2026-11-30', { councilId: f.councilId });
    assert.equal(later.overdue, 4);
    assert.equal(later.recorded, 3, 'the audit already reported overdue is not again');
    await sendDeadlineReminders(t.db, queue, '2026-12-01', { councilId: f.councilId });
    await settled(f.councilId, 7);
    assert.equal(smtp.mails.length - before, 5);
    const rows = await states(f.councilId);
    assert.equal(rows.filter((r) => r.kind === 'overdue').length, 4);
    assert.equal(rows.filter((r) => r.kind === 'deadline_approaching').length, 3);
    assert.ok(rows.some((r) => r.dedupe_key === `overdue:${early[0]}:${morgan.id}`));
    assert.ok(rows.some((r) => r.dedupe_key === `deadline_approaching:${windowEnd[0]}:${morgan.id}`));
  });

  test('no reminder before the last 3 working days', async () => {
    const f = await notificationFixture(t.db, ['jude.r@council.example.gov.uk']);
    await f.addAudits(f.auditors[0].id, 1);
    // Monday 23 November: 27 November is 4 working days away
    const sweep = await sendDeadlineReminders(t.db, null, '2026-11-23', { councilId: f.councilId });
    assert.deepEqual(sweep, { approaching: 0, overdue: 0, recorded: 0, recipients: 0 });
    assert.equal((await states(f.councilId)).length, 0);
    // Tuesday 24 November: it is
    const next = await sendDeadlineReminders(t.db, null, '2026-11-24', { councilId: f.councilId });
    assert.deepEqual(next, { approaching: 1, overdue: 0, recorded: 1, recipients: 1 });
  });

  test('reminderDue counts working days, skipping weekends and bank holidays', () => {
    const calendar = new WorkingDayCalendar();
    // Friday 27 November 2026
    assert.equal(reminderDue('2026-11-27', '2026-11-23', calendar), null);
    assert.equal(reminderDue('2026-11-27', '2026-11-24', calendar), 'deadline_approaching');
    assert.equal(reminderDue('2026-11-27', '2026-11-27', calendar), 'deadline_approaching');
    assert.equal(reminderDue('2026-11-27', '2026-11-28', calendar), 'overdue');
    assert.equal(reminderDue('2026-11-27', '2026-11-20', calendar), null);
    // Wednesday 30 December 2026, across Christmas and Boxing Day (bank holidays 25 and 28 December)
    assert.equal(reminderDue('2026-12-30', '2026-12-23', calendar), 'deadline_approaching');
    assert.equal(reminderDue('2026-12-30', '2026-12-22', calendar), null);
    assert.equal(reminderDue('2026-11-27', '2026-11-20', calendar, 5), 'deadline_approaching');
  });
});

describe('the message', () => {
  test('says how many, which cycle, by when and where, in plain English', () => {
    const link = `${BASE_URL}/`;
    const one = composeMessage({
      kind: 'allocated',
      count: 1,
      month: '2026-11-01',
      deadline: '2026-11-27',
      link,
    });
    assert.equal(one.subject, 'You have a new audit to do');
    assert.equal(
      one.body,
      [
        'You have been given a new audit to do in the November 2026 audit cycle.',
        'Finish it by Friday 27 November 2026.',
        `Sign in to QA Loop to see it:\n${link}`,
        'This email does not say which children the audits are about. You can see that when you sign in.',
      ].join('\n\n'),
    );
    const overdue = composeMessage({
      kind: 'overdue',
      count: 3,
      month: '2026-11-01',
      deadline: '2026-11-27',
      link,
    });
    assert.equal(overdue.subject, '3 of your audits are overdue');
    assert.match(
      overdue.body,
      /^3 audits in the November 2026 audit cycle were due by Friday 27 November 2026 and have not been submitted\./,
    );
    const soon = composeMessage({
      kind: 'deadline_approaching',
      count: 2,
      month: '2026-11-01',
      deadline: null,
      link,
    });
    assert.equal(soon.subject, '2 audits due soon');
    const withTools = composeMessage({
      kind: 'allocated',
      count: 2,
      month: '2026-11-01',
      deadline: null,
      link,
      tools: [
        {
          name: 'Case file audit',
          guidance: `${BASE_URL}/tools/a`,
          exemplars: `${BASE_URL}/exemplars?tool=a`,
        },
        { name: 'Dip sample: visits', guidance: `${BASE_URL}/tools/b`, exemplars: null },
      ],
    });
    assert.ok(
      withTools.body.includes(
        `Case file audit: the guidance on what good looks like:\n${BASE_URL}/tools/a\n\nGood-practice exemplars for Case file audit:\n${BASE_URL}/exemplars?tool=a`,
      ),
    );
    assert.ok(
      withTools.body.includes(
        `Dip sample: visits: the guidance on what good looks like:\n${BASE_URL}/tools/b`,
      ),
    );
    assert.ok(!withTools.body.includes('exemplars?tool=b'));
    assert.equal(longDate('2026-12-25'), 'Friday 25 December 2026');
  });
});

describe('GOV.UK Notify', () => {
  test('sends the subject and body as personalisation of the one template, with our reference', async () => {
    const requests: { url: string; body: Record<string, unknown>; auth: string }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({
          url: req.url ?? '',
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
          auth: String(req.headers.authorization),
        });
        res.writeHead(requests.length === 1 ? 201 : 400, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            requests.length === 1
              ? { id: 'x' }
              : { errors: [{ error: 'BadRequestError', message: 'Not a valid email address: x@y' }] },
          ),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const templateId = '11111111-2222-3333-4444-555555555555';
      const apiKey = `qaloop_test-${'a'.repeat(8)}-0000-0000-0000-${'b'.repeat(12)}-${'c'.repeat(8)}-0000-0000-0000-${'d'.repeat(12)}`;
      const notify = createMailer(
        { mode: 'notify', apiKey, templateId },
        { notifyBaseUrl: `http://127.0.0.1:${port}` },
      );
      assert.equal(notify.channel, 'notify');
      await notify.send({ to: 'pat@council.example.gov.uk', subject: 'S', body: 'B', reference: 'ref-1' });
      assert.equal(requests[0].url, '/v2/notifications/email');
      assert.match(requests[0].auth, /^Bearer /);
      assert.deepEqual(requests[0].body, {
        template_id: templateId,
        email_address: 'pat@council.example.gov.uk',
        personalisation: { subject: 'S', body: 'B' },
        reference: 'ref-1',
      });
      await assert.rejects(
        notify.send({ to: 'x@y', subject: 'S', body: 'B', reference: 'ref-2' }),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, '400');
          assert.match(err.message, /GOV\.UK Notify did not accept the message \(400\): BadRequestError/);
          assert.ok(!err.message.includes('x@y'));
          return true;
        },
      );
    } finally {
      server.close();
    }
  });
});
