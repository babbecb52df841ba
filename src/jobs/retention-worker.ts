import type { Db } from '../data/db.ts';
import type { JobQueue } from '../data/queue.ts';
import { QUEUES } from '../data/queue.ts';
import { todayInLondon } from '../domain/dates.ts';
import { applyRetentionToAll } from '../services/organisation/retention.ts';

/** Each night at 02:30, London time: quiet, and before anyone's working day. */
export const DEFAULT_RETENTION_CRON = '30 2 * * *';

export interface RetentionJob {
  /** the day to apply the settings as; today when absent */
  today?: string;
}

/**
 * Starts this instance's retention worker and puts the daily run on the schedule. pg-boss hands the
 * scheduled job to one instance, however many are running. The log has counts only.
 */
export async function startRetentionWorker(
  queue: JobQueue,
  options: { db: Db; cron?: string | null; today?: () => string },
): Promise<void> {
  await queue.boss.work<RetentionJob>(
    QUEUES.retention.name,
    { pollingIntervalSeconds: queue.pollingIntervalSeconds },
    async ([job]) => {
      const today = job.data?.today ?? (options.today ?? todayInLondon)();
      const removed = await applyRetentionToAll(options.db, today, queue.log);
      queue.log.info(removed, 'retention applied');
      return removed;
    },
  );
  const cron = options.cron === undefined ? DEFAULT_RETENTION_CRON : options.cron;
  if (cron) await queue.boss.schedule(QUEUES.retention.name, cron, {}, { tz: 'Europe/London' });
}

/** Asks the queue to apply retention now (once, on whichever instance takes it). */
export function runRetention(queue: JobQueue, today?: string): Promise<string | null> {
  return queue.send('retention', today ? { today } : {});
}
