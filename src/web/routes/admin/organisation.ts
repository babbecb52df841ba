import type { FastifyInstance } from 'fastify';
import type { Db } from '../../../data/db.ts';
import { listNamed, listTeams } from '../../../services/organisation/councils.ts';

export default async function organisationRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get('/organisation', { config: { access: 'organisation.read' } }, async (request, reply) => {
    const councilId = request.user?.councilId as string;
    const [teams, localities, serviceAreas] = await Promise.all([
      listTeams(db, councilId),
      listNamed(db, councilId, 'localities'),
      listNamed(db, councilId, 'service_areas'),
    ]);
    return reply.render('pages/organisation.njk', {
      pageTitle: 'Organisation',
      teams,
      localities,
      serviceAreas,
      totals: {
        staff: teams.reduce((s, t) => s + t.staff, 0),
        openChildren: teams.reduce((s, t) => s + t.openChildren, 0),
      },
    });
  });
}
