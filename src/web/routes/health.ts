import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { type Db, isReachable } from '../../data/db.ts';
import { isMigrated } from '../../data/migrate.ts';

/** Liveness and readiness for the platform: no personal data, no sign-in. */
const healthRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get('/health/live', { config: { access: 'public' } }, async () => ({ status: 'live' }));

  app.get('/health/ready', { config: { access: 'public' } }, async (_request, reply) => {
    const unreachable = { status: 'not ready', reason: 'database unreachable' };
    try {
      if (!(await isReachable(db))) {
        reply.code(503);
        return unreachable;
      }
      if (!(await isMigrated(db))) {
        reply.code(503);
        return { status: 'not ready', reason: 'database not migrated' };
      }
      return { status: 'ready' };
    } catch {
      reply.code(503);
      return unreachable;
    }
  });
};

export default healthRoutes;
