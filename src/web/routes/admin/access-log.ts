import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { can } from '../../../domain/roles.ts';
import { childIdForReference } from '../../../services/case-data/children.ts';
import { listAccessLog } from '../../../services/organisation/access-log.ts';

const PAGE_SIZE = 50;

const querySchema = z.object({
  child: z.uuid().optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
});

/**
 * Who viewed which child-level record, when and why: for the QA lead and administrators. Child
 * references are shown only to people whose roles already let them open children's records; an
 * administrator sees who looked and why, not at whom.
 */
export default async function accessLogRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get('/access-log', { config: { access: 'accessLog.read' } }, async (request, reply) => {
    const user = request.user;
    if (!user) return reply.callNotFound();
    const { child, page } = querySchema.parse(request.query);
    const seesChildren = can(user.roles, 'children.lookup');
    const childId = seesChildren ? child : undefined;
    const { entries, total } = await listAccessLog(db, user.councilId, {
      childId,
      limit: PAGE_SIZE,
      offset: (page - 1) * PAGE_SIZE,
    });
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const link = (p: number) =>
      `/access-log?${new URLSearchParams({ ...(childId ? { child: childId } : {}), page: String(p) })}`;
    const items: ({ number: number; href: string; current: boolean } | { ellipsis: true })[] = [];
    for (let p = 1; p <= pages; p++) {
      if (p === 1 || p === pages || Math.abs(p - page) <= 2)
        items.push({ number: p, href: link(p), current: p === page });
      else if (!('ellipsis' in (items[items.length - 1] ?? {}))) items.push({ ellipsis: true });
    }
    return reply.render('pages/access-log.njk', {
      pageTitle: 'Access log',
      entries: entries.map((e) => ({ ...e, childReference: seesChildren ? e.childReference : null })),
      total,
      seesChildren,
      filtered: Boolean(childId),
      childReference: childId ? entries[0]?.childReference : undefined,
      values: {},
      pagination:
        pages > 1
          ? {
              previous: page > 1 ? { href: link(page - 1) } : undefined,
              next: page < pages ? { href: link(page + 1) } : undefined,
              items,
            }
          : undefined,
    });
  });

  app.post<{ Body: { reference?: string } }>(
    '/access-log',
    { config: { access: 'children.lookup' } },
    async (request, reply) => {
      const reference = String(request.body?.reference ?? '').trim();
      const id = reference
        ? await childIdForReference(db, request.user?.councilId as string, reference)
        : undefined;
      if (id) return reply.redirect(`/access-log?child=${id}`);
      reply.code(reference ? 404 : 400);
      const { entries, total } = await listAccessLog(db, request.user?.councilId as string, {
        limit: PAGE_SIZE,
      });
      return reply.render('pages/access-log.njk', {
        pageTitle: 'Access log',
        entries,
        total,
        seesChildren: true,
        values: { reference },
        errors: [
          {
            field: 'reference',
            message: reference
              ? `No child with the case reference ${reference} is in the data`
              : 'Enter the child’s case reference',
          },
        ],
      });
    },
  );
}
