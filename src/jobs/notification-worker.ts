/**
 * The queue workers for messages to auditors (see src/services/notifications.ts):
 *  - qaloop-notifications: delivers one person's waiting messages; a failure is retried by the queue
 *  - qaloop-reminder-sweep: records auditors' deadline reminders, reminders of actions due and
 *    overdue, and chases of unanswered escalations and of follow-ups due, then queues anyone with
 *    messages waiting; scheduled each working morning, and sent on demand with `runReminderSweep`
 */

import type { JobResult } from 'pg-boss';
import { acrossCouncils, withCouncil } from '../data/council-context.ts';
import type { Db } from '../data/db.ts';
import { type JobQueue, QUEUES } from '../data/queue.ts';
import { type IsoDate, todayInLondon } from '../domain/dates.ts';
import type { Mailer } from '../platform/mailer.ts';
import { type ActionReminderSweep, sendActionReminders } from '../services/audits/actions.ts';
import { type ChaseSweep, chaseEscalations } from '../services/audits/escalations.ts';
import {
  type DeliveryJob,
  deliverWaiting,
  enqueueWaiting,
  type ReminderOptions,
  type ReminderSweep,
  sendDeadlineReminders,
} from '../services/notifications.ts';

/** 07:00 London time, Monday to Friday */
export const DEFAULT_REMINDER_CRON = '0 7 * * 1-5';

export interface NotificationWorkerOptions extends ReminderOptions {
  db: Db;
  mailer: Mailer;
  /** the address of QA Loop for links in messages */
  baseUrl: string;
  /** when the reminder sweep runs (cron, London time); null leaves the schedule as it is */
  reminderCron?: string | null;
  /** today's date in England */
  today?: () => IsoDate;
}

export interface ReminderSweepJob {
  /** the day to sweep as; today when absent */
  today?: IsoDate;
}

/**
 * Starts this instance's workers, puts the daily sweep on the schedule, and queues any messages
 * recorded while no queue was running.
 */
export async function startNotificationWorkers(
  queue: JobQueue,
  options: NotificationWorkerOptions,
): Promise<void> {
  const { db, mailer } = options;
  const log = queue.log;
  const polling = { pollingIntervalSeconds: queue.pollingIntervalSeconds };

  // A few people at a time, fetching again at once while there are more; each job settles on its
  // own, so one person's failure is retried without anyone else's messages going again.
  await queue.boss.work<DeliveryJob>(
    QUEUES.notifications.name,
    { ...polling, batchSize: 5, perJobResults: true, burstWhenBatchFull: true },
    async (jobs) => {
      const results: JobResult[] = [];
      for (const job of jobs) {
        try {
          // each person's messages are read as their own council, which the database holds them to
          const delivery = await withCouncil(job.data.councilId, () =>
            deliverWaiting(db, mailer, job.data, { baseUrl: options.baseUrl, log, signal: job.signal }),
          );
          // what failed, and why, is on the messages; failing the job has the queue try again later
          results.push(
            delivery.failed > 0
              ? { id: job.id, status: 'failed', output: { notSent: delivery.failed } }
              : { id: job.id, status: 'completed', output: delivery },
          );
        } catch (err) {
          const stopped = job.signal.aborted;
          if (!stopped) {
            const { name, code } = err as Error & { code?: string };
            log.error({ job: job.id, err: name, code }, 'notification delivery failed');
          }
          results.push({ id: job.id, status: 'failed', output: { message: stopped ? 'stopped' : 'error' } });
        }
      }
      return results;
    },
  );

  await queue.boss.work<ReminderSweepJob>(QUEUES.reminderSweep.name, polling, async ([job]) => {
    const today = job.data?.today ?? (options.today ?? todayInLondon)();
    // Council by council, each seeing only its own audits, actions and escalations.
    const councils = await acrossCouncils('the daily sweep visits every council', () =>
      db.selectFrom('councils').select('id').orderBy('id').execute(),
    );
    const sweep: ReminderSweep = { approaching: 0, overdue: 0, recorded: 0, recipients: 0 };
    const actions: ActionReminderSweep = { recorded: 0, due: 0, overdue: 0 };
    const chases: ChaseSweep = { chased: 0, recorded: 0, followUps: 0, followUpMessages: 0 };
    for (const council of councils) {
      await withCouncil(council.id, async () => {
        addCounts(sweep, await sendDeadlineReminders(db, queue, today, { workingDays: options.workingDays }));
        addCounts(actions, await sendActionReminders(db, queue, today));
        addCounts(chases, await chaseEscalations(db, queue, today));
      });
    }
    const waiting = await queueEveryonesWaiting(db, queue);
    log.info(
      {
        approaching: sweep.approaching,
        overdue: sweep.overdue,
        recorded: sweep.recorded,
        actionsDue: actions.due,
        actionsOverdue: actions.overdue,
        escalationsChased: chases.chased,
        followUpsChased: chases.followUps,
        waiting,
      },
      'reminder sweep',
    );
    return { ...sweep, actions, chases, waiting };
  });

  const cron = options.reminderCron === undefined ? DEFAULT_REMINDER_CRON : options.reminderCron;
  if (cron) await queue.boss.schedule(QUEUES.reminderSweep.name, cron, {}, { tz: 'Europe/London' });

  await queueEveryonesWaiting(db, queue);
}

/** Queues a delivery for everyone, in any council, with messages waiting (each job names its council). */
function queueEveryonesWaiting(db: Db, queue: JobQueue) {
  return acrossCouncils('who has messages waiting, in every council', () => enqueueWaiting(db, queue));
}

/** Adds each count of `more` to `total` (the sweep's figures, summed over the councils). */
function addCounts<T extends object>(total: T, more: T): void {
  const sum = total as Record<string, number>;
  for (const [key, value] of Object.entries(more)) sum[key] = (sum[key] ?? 0) + (value as number);
}

/** Asks the queue to run the reminder sweep now (once, on whichever instance takes it). */
export function runReminderSweep(queue: JobQueue, today?: IsoDate): Promise<string | null> {
  return queue.send('reminderSweep', today ? { today } : {});
}
