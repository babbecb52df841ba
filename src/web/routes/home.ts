import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Db } from '../../data/db.ts';
import { can, NAVIGATION } from '../../domain/roles.ts';
import { homePage } from '../../services/organisation/home.ts';

const NEXT_STEPS: Record<string, string> = {
  '/audits':
    'Submitted audits of the children you hold, manage or oversee: findings, actions, feedback and oversight.',
  '/my-audits': 'The audits allocated to you, most urgent first, with your drafts and anything overdue.',
  '/children': 'Look up a child’s record by their case reference. Each view is written to the access log.',
  '/cohorts':
    'Say who could be audited, and see how many children each cohort holds, and where, before drawing a sample.',
  '/returns':
    'See each cycle’s audits planned, exempted, scheduled and returned, by auditor, team and service.',
  '/organisation': 'See the council’s localities, service areas and teams, with staff and open children.',
  '/admin/people': 'Add people, give them roles and see who can sign in.',
  '/access-log': 'See who viewed which child’s record, when and why.',
  '/security': 'Confirm roles that open children’s records, and see every change to who can sign in.',
};

/** The home page: for each of the person's roles, what they can see and do now. */
const homeRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get('/', { config: { access: 'signedIn' } }, async (request, reply) => {
    const user = request.person;
    const nextSteps = NAVIGATION.filter((n) => n.href !== '/' && can(user.roles, n.capability)).map((n) => ({
      href: n.href,
      text: n.text,
      description: NEXT_STEPS[n.href],
    }));
    const page = await homePage(db, user, app.today());
    return reply.render('pages/home.njk', {
      pageTitle: 'Home',
      escalations: page.escalations,
      roleGrantsWaiting: page.roleGrantsWaiting,
      cycles: page.cycles,
      notTrainedInTime: page.notTrainedInTime,
      leavers: page.leavers,
      nextSteps,
      ownCaseload: page.ownCaseload,
      team: page.team,
      services: page.services,
      councilFigures: page.councilFigures,
      councilTexts: page.councilTexts,
    });
  });
};

export default homeRoutes;
