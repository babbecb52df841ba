import type { Db } from '../../data/db.ts';
import { can } from '../../domain/roles.ts';
import { suppressTable } from '../../domain/suppression.ts';
import { escalationCounts } from '../audits/escalations.ts';
import { caseloadsInTeam, openChildrenByStatus } from '../case-data/children.ts';
import type { SignedInUser } from './auth.ts';
import { listTeams } from './councils.ts';

/**
 * What the home page shows a person, by their roles: their own caseload, their team's, the
 * services they oversee or the council's figures (small numbers suppressed for readers without
 * child-level access), and escalations waiting for a response.
 */
export async function homePage(db: Db, user: SignedInUser) {
  const council = user.councilId;
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

  return { escalations, ownCaseload, team, services, councilFigures, councilTexts };
}
