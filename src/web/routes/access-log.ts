import type { FastifyInstance } from 'fastify';
import type { Db } from '../../data/db.ts';
import { listAccessLog } from '../../services/access-log.ts';

const PAGE_SIZE = 50;

/** Who viewed which child-level record, when and why: for the QA lead and administrators. */
export default async function accessLogRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get<{ Querystring: { child?: string; page?: string } }>(
    '/access-log',
    { config: { access: 'accessLog.read' } },
    async (request, reply) => {
      const child = (request.query.child ?? '').trim().slice(0, 40);
      const page = Math.max(1, Number.parseInt(request.query.page ?? '1', 10) || 1);
      const { entries, total } = await listAccessLog(db, request.user?.councilId as string, {
        childReference: child || undefined,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
      });
      const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
      const link = (p: number) =>
        `/access-log?${new URLSearchParams({ ...(child ? { child } : {}), page: String(p) })}`;
      return reply.render('pages/access-log.njk', {
        pageTitle: 'Access log',
        entries,
        total,
        child,
        pagination:
          pages > 1
            ? {
                previous: page > 1 ? { href: link(page - 1) } : undefined,
                next: page < pages ? { href: link(page + 1) } : undefined,
                items: Array.from({ length: pages }, (_, i) => ({
                  number: i + 1,
                  href: link(i + 1),
                  current: i + 1 === page,
                })).filter((it) => Math.abs(it.number - page) <= 2 || it.number === 1 || it.number === pages),
              }
            : undefined,
      });
    },
  );
}
