import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import {
  buildSelfEvaluation,
  checkPeriod,
  defaultPeriod,
  selfEvaluationDocx,
  selfEvaluationFileName,
} from '../../../reports/self-evaluation.ts';
import { formText } from '../../forms.ts';

// The period form is never refused by its schema: months that cannot be used are said on the page.
const periodQuery = z.object({ from: formText.optional(), to: formText.optional() });

/**
 * The self-evaluation pack for the QA lead: a page with the period (the 12 months to this month
 * unless chosen) and the pack as a Word document to edit. Figures only: no child or practitioner is
 * named, so no view is a child's record.
 */
const selfEvaluationRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const access = { access: 'selfEvaluation.read' as const };

  /** The period asked for: the default when none is given, with any errors. */
  const periodOf = (query: { from?: string; to?: string }) => {
    const fallback = defaultPeriod(app.today());
    const from = (query.from ?? '').trim() || fallback.from;
    const to = (query.to ?? '').trim() || fallback.to;
    return { from, to, errors: checkPeriod(from, to) };
  };

  app.get(
    '/reports/self-evaluation',
    { config: access, schema: { querystring: periodQuery } },
    async (request, reply) => {
      const period = periodOf(request.query);
      if (period.errors.length) reply.code(400);
      const query = new URLSearchParams({ from: period.from, to: period.to }).toString();
      return reply.render('pages/reports/self-evaluation.njk', {
        pageTitle: 'Self-evaluation pack',
        values: { from: period.from, to: period.to },
        errors: period.errors,
        download: period.errors.length ? null : `/reports/self-evaluation/pack.docx?${query}`,
      });
    },
  );

  app.get(
    '/reports/self-evaluation/pack.docx',
    { config: access, schema: { querystring: periodQuery } },
    async (request, reply) => {
      const period = periodOf(request.query);
      if (period.errors.length) {
        reply.code(400);
        reply.type('text/plain; charset=utf-8');
        return `The pack cannot be made: ${period.errors.map((e) => e.message).join('; ')}.`;
      }
      const pack = await buildSelfEvaluation(db, request.person.councilId, period, app.today());
      const file = await selfEvaluationDocx(pack);
      reply.header(
        'content-disposition',
        `attachment; filename="${selfEvaluationFileName(period.from, period.to)}"`,
      );
      reply.header('cache-control', 'no-store');
      reply.type('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
      return file;
    },
  );
};

export default selfEvaluationRoutes;
