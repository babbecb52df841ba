import type { Db } from '../data/db.ts';
import type { JobQueue } from '../data/queue.ts';
import { QUEUES } from '../data/queue.ts';
import { todayInLondon } from '../domain/dates.ts';
import { startDueRounds } from '../services/reviews/rounds.ts';

/** Every hour, at ten past, London time: a round due today starts early in the day it falls on. */
export const DEFAULT_REVIEW_ROUNDS_CRON = '10 * * * *';

export interface ReviewRoundsJob {
  /** the day to start rounds as; today when absent */
  today?: string;
}

/**
 * Starts this instance's worker for recurring reviews' rounds and puts the hourly look on the
 * schedule. pg-boss hands each scheduled job to one instance; should two ever run at once, each
 * round is still started once (startRound's lock and the rounds' unique index). The log has counts
 * and ids only.
 */
export async function startReviewRoundsWorker(
  queue: JobQueue,
  options: { db: Db; cron?: string | null; today?: () => string },
): Promise<void> {
  await queue.boss.work<ReviewRoundsJob>(
    QUEUES.reviewRounds.name,
    { pollingIntervalSeconds: queue.pollingIntervalSeconds },
    async ([job]) => {
      const today = job.data?.today ?? (options.today ?? todayInLondon)();
      const result = await startDueRounds(options.db, today, queue, queue.log);
      if (result.started || result.refused || result.failed) queue.log.info(result, 'review rounds started');
      return result;
    },
  );
  const cron = options.cron === undefined ? DEFAULT_REVIEW_ROUNDS_CRON : options.cron;
  if (cron) await queue.boss.schedule(QUEUES.reviewRounds.name, cron, {}, { tz: 'Europe/London' });
}

/** Asks the queue to start the rounds due now (once, on whichever instance takes it). */
export function runReviewRounds(queue: JobQueue, today?: string): Promise<string | null> {
  return queue.send('reviewRounds', today ? { today } : {});
}
