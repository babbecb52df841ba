import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Db } from '../../../data/db.ts';
import { organisationPage } from '../../../services/organisation/councils.ts';

const organisationRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get('/organisation', { config: { access: 'organisation.read' } }, async (request, reply) => {
    const page = await organisationPage(db, request.person.councilId);
    return reply.render('pages/admin/organisation.njk', {
      pageTitle: 'Organisation',
      teams: page.teams,
      localities: page.localities,
      serviceAreas: page.serviceAreas,
      totals: page.totals,
    });
  });
};

export default organisationRoutes;
