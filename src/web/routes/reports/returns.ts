import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { can } from '../../../domain/roles.ts';
import { returnsPage } from '../../../metrics/returns.ts';
import { owedAuditsDownload } from '../../../reports/returns.ts';
import { returnsView } from './returns-view.ts';

/** The cycle asked for; a garbled one is ignored (the current cycle is shown). */
const cycleQuery = z.object({ month: z.uuid().optional().catch(undefined) });

/**
 * Returns: planned, exempted, scheduled and returned audits of a cycle, by auditor, team, service
 * area and kind, and the programme year month by month. Computed on each request. Who owes what
 * (children by case reference) downloads as CSV for the QA lead only, and each download is in the
 * access log.
 */
const returnsRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/returns',
    { config: { access: 'returns.read' }, schema: { querystring: cycleQuery } },
    async (request, reply) => {
      const me = request.person;
      const page = await returnsPage(db, me.councilId, request.query.month, app.today());
      const canManage = can(me.roles, 'sampling.manage');
      if (!page.cycle) {
        return reply.render('pages/reports/returns.njk', {
          pageTitle: 'Returns',
          cycles: page.cycles,
          canManage,
        });
      }
      return reply.render('pages/reports/returns.njk', { ...returnsView(page), canManage });
    },
  );

  // Child references: the QA lead's alone, and every child listed is written to the access log.
  app.get(
    '/returns.csv',
    { config: { access: 'sampling.manage', childRecord: true }, schema: { querystring: cycleQuery } },
    async (request, reply) => {
      const me = request.person;
      const download = await owedAuditsDownload(db, me.councilId, request.query.month, app.today());
      for (const audit of download.owed) {
        await request.recordChildView({
          recordType: 'owed audits download',
          recordId: audit.auditId,
          childId: audit.childId,
          reason: `Listed by case reference in the CSV download of ${download.what}`,
        });
      }
      if (download.owed.length === 0) {
        await request.recordChildView({
          recordType: 'owed audits download',
          recordId: download.cycle?.id ?? me.councilId,
          childId: null,
          reason: `CSV download of ${download.what}: no child was listed`,
        });
      }
      reply.header('content-disposition', `attachment; filename="${download.fileName}"`);
      reply.header('cache-control', 'no-store');
      reply.type('text/csv; charset=utf-8');
      return download.csv;
    },
  );
};

export default returnsRoutes;
