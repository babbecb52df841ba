import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { type Db, isReachable } from '../../data/db.ts';
import { isMigrated } from '../../data/migrate.ts';
import type { JobQueue } from '../../data/queue.ts';

/** Whether the app is stopping: set from the moment SIGTERM arrives (src/cli/main.ts). */
export interface Lifecycle {
  shuttingDown: boolean;
}

/** What /health/ready answers: each part the platform may want to see, and the verdict. */
export interface Readiness {
  status: 'ready' | 'not ready' | 'shutting down';
  database: 'reachable' | 'unreachable';
  migrations: 'current' | 'not current' | 'unknown';
  /** 'not started': this app was built without a queue (tests); `qaloop serve` always starts one */
  queue: 'running' | 'stopped' | 'not started';
}

/**
 * Liveness and readiness for the platform: no personal data, no sign-in. Ready means the database
 * answers, every migration this version knows is applied, and the job queue (when the app has one)
 * is running; not ready is a 503, so a load balancer sends its requests to another instance. From
 * the moment the app is told to stop, it says `shutting down`.
 */
const healthRoutes: FastifyPluginAsyncZod<{ db: Db; queue: JobQueue | null; lifecycle: Lifecycle }> = async (
  app,
  { db, queue, lifecycle },
) => {
  app.get('/health/live', { config: { access: 'public' } }, async () => ({ status: 'live' }));

  app.get('/health/ready', { config: { access: 'public' } }, async (_request, reply): Promise<Readiness> => {
    const reachable = await isReachable(db);
    let migrations: Readiness['migrations'] = 'unknown';
    if (reachable) {
      try {
        migrations = (await isMigrated(db)) ? 'current' : 'not current';
      } catch {
        migrations = 'unknown';
      }
    }
    const answer: Readiness = {
      status: 'ready',
      database: reachable ? 'reachable' : 'unreachable',
      migrations,
      queue: queue ? (queue.running ? 'running' : 'stopped') : 'not started',
    };
    if (lifecycle.shuttingDown) answer.status = 'shutting down';
    else if (!reachable || migrations !== 'current' || answer.queue === 'stopped')
      answer.status = 'not ready';
    if (answer.status !== 'ready') reply.code(503);
    return answer;
  });
};

export default healthRoutes;
