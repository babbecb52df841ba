import type { FastifyInstance } from 'fastify';
import type { Db } from '../../data/db.ts';
import { can, NAVIGATION } from '../../domain/roles.ts';
import { suppressTable } from '../../domain/suppression.ts';
import { escalationCounts } from '../../services/audits/escalations.ts';
import { caseloadsInTeam, openChildrenByStatus } from '../../services/case-data/children.ts';
import { listTeams } from '../../services/organisation/councils.ts';

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
};

/** The home page: for each of the person's roles, what they can see and do now. */
export default async function homeRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get('/', { config: { access: 'signedIn' } }, async (request, reply) => {
    const user = request.user;
    if (!user) return reply.redirect('/sign-in');
    const council = user.councilId;
    const nextSteps = NAVIGATION.filter((n) => n.href !== '/' && can(user.roles, n.capability)).map((n) => ({
      href: n.href,
      text: n.text,
      description: NEXT_STEPS[n.href],
    }));

    const ownCaseload = can(user.roles, 'caseload.own')
      ? await openChildrenByStatus(db, council, { staffId: user.staffId })
      : null;
    const team =
      can(user.roles, 'caseload.team') && user.teamId
        ? {
            name: user.teamName,
            counts: await openChildrenByStatus(db, council, { teamId: user.teamId }),
            workers: await caseloadsInTeam(db, council, user.teamId),
          }
        : null;
    let services = null;
    if (can(user.roles, 'caseload.services')) {
      const teams = await listTeams(db, council);
      const mine = user.serviceAreaId ? teams.filter((t) => t.serviceAreaId === user.serviceAreaId) : teams;
      services = {
        scope: user.serviceAreaId ? mine[0]?.serviceArea : 'All services',
        counts: await openChildrenByStatus(
          db,
          council,
          user.serviceAreaId ? { serviceAreaId: user.serviceAreaId } : {},
        ),
        teams: mine.filter((t) => t.openChildren > 0),
      };
    }
    const councilFigures =
      can(user.roles, 'figures.council') && !services ? await openChildrenByStatus(db, council) : null;
    // Readers without child-level access (scrutiny, workforce development) see small numbers suppressed.
    const suppress = !can(user.roles, 'children.lookup') && !can(user.roles, 'caseload.services');
    let councilTexts: Record<string, string> | undefined;
    if (councilFigures && suppress) {
      const { total, ...cells } = councilFigures;
      councilTexts = suppressTable(cells, total);
    }

    // escalations waiting for a response: the person's own, and for QA every one in the council
    const escalations = can(user.roles, 'escalations.read') ? await escalationCounts(db, user) : null;

    return reply.render('pages/home.njk', {
      pageTitle: 'Home',
      escalations,
      nextSteps,
      ownCaseload,
      team,
      services,
      councilFigures,
      councilTexts,
    });
  });
}
