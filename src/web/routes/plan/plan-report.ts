import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Db } from '../../../data/db.ts';
import { can } from '../../../domain/roles.ts';
import { NotFoundError } from '../../../domain/validation.ts';
import {
  buildPlanProgress,
  planProgressBodyHtml,
  planProgressDocx,
  recordPlanReport,
  subtitleLines,
} from '../../../reports/plan-progress.ts';

const CONTENT_TYPE_DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/**
 * The improvement plan's progress report for the improvement board: read as a page, downloaded as
 * Word. In full for those who read the plan (`plan.read`); prepared for publication (no one named,
 * small counts suppressed) for them and for scrutiny readers (`plan.published`). Each Word version
 * the QA lead produces is recorded, so the next report says what changed since. No child is named.
 */
const planReportRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  async function page(request: FastifyRequest, reply: FastifyReply, publication: boolean) {
    const me = request.person;
    const built = await buildPlanProgress(db, me.councilId, app.today(), publication);
    const base = publication ? '/plan/report/for-publication' : '/plan/report';
    return reply.render('pages/plan/report.njk', {
      pageTitle: built ? built.report.title : 'Improvement plan progress report',
      publication,
      // the page gives the title, with the links to the other versions under it
      body: built ? planProgressBodyHtml(built.report, 1, { title: false }) : null,
      subtitle: built ? subtitleLines(built.report) : [],
      wordHref: `${base}.docx`,
      fullHref: can(me.roles, 'plan.read') ? '/plan/report' : null,
      publicationHref: '/plan/report/for-publication',
      canManage: can(me.roles, 'plan.manage'),
      canRead: can(me.roles, 'plan.read'),
    });
  }

  async function word(request: FastifyRequest, reply: FastifyReply, publication: boolean) {
    const me = request.person;
    const built = await buildPlanProgress(db, me.councilId, app.today(), publication);
    if (!built) throw new NotFoundError('improvement plan');
    const file = await planProgressDocx(built.report);
    // the QA lead produces the board's report: the next one says what changed since
    if (can(me.roles, 'plan.manage'))
      await recordPlanReport(
        db,
        me.councilId,
        built.planId,
        me.staffId,
        publication ? 'publication' : 'full',
      );
    const name = `improvement-plan-progress-${app.today()}${publication ? '-for-publication' : ''}.docx`;
    reply.header('content-disposition', `attachment; filename="${name}"`);
    reply.header('cache-control', 'no-store');
    reply.type(CONTENT_TYPE_DOCX);
    return file;
  }

  const full = { access: 'plan.read' as const };
  const published = { access: 'plan.published' as const };
  app.get('/plan/report', { config: full }, (request, reply) => page(request, reply, false));
  app.get('/plan/report.docx', { config: full }, (request, reply) => word(request, reply, false));
  app.get('/plan/report/for-publication', { config: published }, (request, reply) =>
    page(request, reply, true),
  );
  app.get('/plan/report/for-publication.docx', { config: published }, (request, reply) =>
    word(request, reply, true),
  );
};

export default planReportRoutes;
