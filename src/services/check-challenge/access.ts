/**
 * Whose check-and-challenge packs a person may open (domain.md §2): the QA lead every team's; a
 * team manager (case manager) their own team's, and the teams of the people they line-manage; a
 * Head of Service (senior leader) the teams of their service area, and a senior leader with no
 * service area (an Assistant Director) every team's, as their dashboards are held. The capability
 * `checkChallenge.read` opens the pages; this decides the teams.
 */
import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import type { Role } from '../../domain/roles.ts';
import { NotFoundError } from '../../domain/validation.ts';
import { AuditAccessError } from '../audits/audit-access.ts';

export const NOT_YOUR_TEAM =
  'This is another team’s check and challenge: you can open your own team’s, or your services’ teams’.';

/** Someone opening check and challenge: who they are and where they work. */
export interface CheckChallengePerson {
  councilId: string;
  staffId: string;
  roles: readonly Role[];
  teamId: string | null;
  serviceAreaId: string | null;
}

export interface CheckChallengeTeam {
  id: string;
  name: string;
  serviceAreaId: string;
  serviceArea: string;
}

/** Why a person sees the teams they see, in words for the list page. */
export type TeamScope = 'council' | 'serviceArea' | 'ownTeams';

export function teamScope(person: CheckChallengePerson): TeamScope {
  if (person.roles.includes('qa_lead')) return 'council';
  if (person.roles.includes('senior_leader')) return person.serviceAreaId ? 'serviceArea' : 'council';
  return 'ownTeams';
}

/** The teams a person may see, by service area then name. Teams with no staff and no audits are left out. */
export async function teamsFor(db: Db, person: CheckChallengePerson): Promise<CheckChallengeTeam[]> {
  const scope = teamScope(person);
  const isCaseManager = person.roles.includes('case_manager');
  const { rows } = await sql<CheckChallengeTeam>`
    select t.id, t.name, t.service_area_id as "serviceAreaId", sa.name as "serviceArea"
    from teams t join service_areas sa on sa.id = t.service_area_id and sa.council_id = ${person.councilId}
    where t.council_id = ${person.councilId}
      and (exists (select 1 from staff s where s.team_id = t.id and s.active)
        or exists (select 1 from audits a where a.team_id = t.id and a.council_id = ${person.councilId}))
      and (${scope === 'council'}
        or (${scope === 'serviceArea'} and t.service_area_id = ${person.serviceAreaId})
        or (${isCaseManager} and (t.id = ${person.teamId}
          or exists (select 1 from staff s where s.team_id = t.id and s.active and s.council_id = ${person.councilId}
            and s.line_manager_id = ${person.staffId}))))
    order by lower(sa.name), lower(t.name), t.id`.execute(db);
  return rows;
}

/**
 * The team, if the person may see it: NotFoundError when it is not one of the council's teams,
 * AuditAccessError (403) when it is not theirs.
 */
export async function mustSeeTeam(
  db: Db,
  person: CheckChallengePerson,
  teamId: string,
): Promise<CheckChallengeTeam> {
  const team = await db
    .selectFrom('teams as t')
    .innerJoin('service_areas as sa', 'sa.id', 't.service_area_id')
    .select(['t.id', 't.name', 't.service_area_id as serviceAreaId', 'sa.name as serviceArea'])
    .where('t.council_id', '=', person.councilId)
    .where('t.id', '=', teamId)
    .executeTakeFirst();
  if (!team) throw new NotFoundError('team');
  const scope = teamScope(person);
  if (scope === 'council') return team;
  if (scope === 'serviceArea' && team.serviceAreaId === person.serviceAreaId) return team;
  if (person.roles.includes('case_manager')) {
    if (team.id === person.teamId) return team;
    const manages = await db
      .selectFrom('staff')
      .select('id')
      .where('council_id', '=', person.councilId)
      .where('team_id', '=', teamId)
      .where('active', '=', true)
      .where('line_manager_id', '=', person.staffId)
      .limit(1)
      .executeTakeFirst();
    if (manages) return team;
  }
  throw new AuditAccessError(NOT_YOUR_TEAM);
}
