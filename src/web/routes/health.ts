import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import { isMigrated } from '../../data/migrate.ts';

/** Liveness and readiness for the platform: no personal data, no sign-in. */
export default async function healthRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get('/health/live', { config: { access: 'public' } }, async () => ({ status: 'live' }));

  app.get('/health/ready', { config: { access: 'public' } }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(db);
      if (!(await isMigrated(db))) {
        reply.code(503);
        return { status: 'not ready', reason: 'database not migrated' };
      }
      return { status: 'ready' };
    } catch {
      reply.code(503);
      return { status: 'not ready', reason: 'database unreachable' };
    }
  });
}
