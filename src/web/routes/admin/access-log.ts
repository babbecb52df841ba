import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { accessLogChild, accessLogPage } from '../../../services/organisation/access-log.ts';
import { formFields, formText } from '../../forms.ts';
import { accessLogPagination } from './access-log-view.ts';

const PAGE_SIZE = 50;

/** A filter or page number that cannot be used is dropped: the whole log, from its first page. */
const accessLogQuery = z.object({
  child: z.uuid().optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
});
const lookupForm = formFields({ reference: formText });

/**
 * Who viewed which child-level record, when and why: for the QA lead and administrators. Child
 * references are shown only to people whose roles already let them open children's records; an
 * administrator sees who looked and why, not at whom.
 */
const accessLogRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/access-log',
    { config: { access: 'accessLog.read' }, schema: { querystring: accessLogQuery } },
    async (request, reply) => {
      const { child, page } = request.query;
      const log = await accessLogPage(db, request.person, { child, page, pageSize: PAGE_SIZE });
      return reply.render('pages/admin/access-log.njk', {
        pageTitle: 'Access log',
        entries: log.entries,
        total: log.total,
        seesChildren: log.seesChildren,
        filtered: Boolean(log.childId),
        childReference: log.childId ? log.entries[0]?.childReference : undefined,
        values: {},
        pagination: accessLogPagination(page, log.pages, log.childId),
      });
    },
  );

  app.post(
    '/access-log',
    { config: { access: 'children.lookup' }, schema: { body: lookupForm } },
    async (request, reply) => {
      const reference = request.body.reference.trim();
      const found = await accessLogChild(db, request.person.councilId, reference, PAGE_SIZE);
      if ('childId' in found) return reply.redirect(`/access-log?child=${found.childId}`);
      reply.code(reference ? 404 : 400);
      return reply.render('pages/admin/access-log.njk', {
        pageTitle: 'Access log',
        entries: found.entries,
        total: found.total,
        seesChildren: true,
        values: { reference },
        errors: [found.error],
      });
    },
  );
};

export default accessLogRoutes;
