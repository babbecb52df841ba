import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import { type CycleDue, type CyclePhaseDates, liveCycles, whatIsDue } from '../../domain/cycle-tasks.ts';
import type { IsoDate } from '../../domain/dates.ts';
import { can } from '../../domain/roles.ts';
import { suppressTable } from '../../domain/suppression.ts';
import { listReturnCycles } from '../../metrics/returns.ts';
import { cyclesTargets, type TargetsAgainstActuals } from '../../metrics/targets.ts';
import { escalationCounts } from '../audits/escalations.ts';
import { caseloadsInTeam, openChildrenByStatus } from '../case-data/children.ts';
import { managersNotTrainedInTime } from '../sampling/training.ts';
import type { SignedInUser } from './auth.ts';
import { listTeams } from './councils.ts';
import { grantsWaitingFor } from './role-grants.ts';
import { leaversWithOpenWork } from './staff-import.ts';

export interface LiveCycle extends CycleDue {
  targets: TargetsAgainstActuals;
}

/**
 * The QA lead's month: each live cycle (src/domain/cycle-tasks.ts), the stage it is in and what is
 * due, with each planned activity's target against what was drawn, allocated, returned and exempted.
 */
export async function liveCycleTasks(db: Db, councilId: string, today: IsoDate): Promise<LiveCycle[]> {
  const live = liveCycles(await listReturnCycles(db, councilId), today);
  if (live.length === 0) return [];
  const ids = live.map((c) => c.id);
  const [audits, plans, moderations, notes, targets] = await Promise.all([
    db
      .selectFrom('audits')
      .select((eb) => [
        'month_id',
        eb.fn.count<number>('id').filterWhere('status', '=', 'unallocated').as('unallocated'),
        eb.fn.count<number>('id').filterWhere('status', 'in', ['allocated', 'in_progress']).as('owed'),
        eb.fn
          .count<number>('id')
          .filterWhere((w) =>
            w.and([w('status', 'in', ['allocated', 'in_progress']), w('due_on', '<', today)]),
          )
          .as('overdue'),
        eb.fn.count<number>('id').filterWhere('status', '=', 'submitted').as('returned'),
      ])
      .where('council_id', '=', councilId)
      .where('month_id', 'in', ids)
      .groupBy('month_id')
      .execute(),
    db
      .selectFrom('moderation_plans')
      .select('month_id')
      .where('council_id', '=', councilId)
      .where('month_id', 'in', ids)
      .where('confirmed_at', 'is not', null)
      .execute(),
    db
      .selectFrom('moderations as m')
      .innerJoin('audits as a', 'a.id', 'm.audit_id')
      .select((eb) => [
        'a.month_id',
        eb.fn.count<number>('m.id').filterWhere('m.status', 'in', ['unallocated', 'allocated']).as('waiting'),
        eb.fn.count<number>('m.id').filterWhere('m.status', '=', 'submitted').as('for_panel'),
      ])
      .where('m.council_id', '=', councilId)
      .where('a.month_id', 'in', ids)
      .groupBy('a.month_id')
      .execute(),
    db
      .selectFrom('cycle_report_notes')
      .select('month_id')
      .where('council_id', '=', councilId)
      .where('month_id', 'in', ids)
      .where(sql<boolean>`(trim(strengths) <> '' or trim(areas_for_development) <> '')`)
      .execute(),
    cyclesTargets(db, councilId, ids),
  ]);
  return live.map((c, i) => {
    const a = audits.find((r) => r.month_id === c.id);
    const m = moderations.find((r) => r.month_id === c.id);
    const due = whatIsDue(
      {
        monthId: c.id,
        monthName: c.name,
        phases: c.phases as CyclePhaseDates[] | null,
        activities: targets[i].rows.flatMap((r) =>
          r.target === null ? [] : [{ name: r.name, target: r.target, drawn: r.drawn }],
        ),
        unallocated: Number(a?.unallocated ?? 0),
        owed: Number(a?.owed ?? 0),
        overdue: Number(a?.overdue ?? 0),
        returned: Number(a?.returned ?? 0),
        moderationChosen: plans.some((p) => p.month_id === c.id),
        moderationsWaiting: Number(m?.waiting ?? 0),
        forPanel: Number(m?.for_panel ?? 0),
        reportWritten: notes.some((n) => n.month_id === c.id),
      },
      today,
    );
    return { ...due, targets: targets[i] };
  });
}

/**
 * What the home page shows a person, by their roles: their own caseload, their team's, the
 * services they oversee or the council's figures (small numbers suppressed for readers without
 * child-level access), and escalations waiting for a response.
 */
export async function homePage(db: Db, user: SignedInUser, today: IsoDate) {
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

  // the QA lead's month: what is due in each live cycle
  const cycles = can(user.roles, 'programme.manage') ? await liveCycleTasks(db, council, today) : null;

  // the QA lead's line when any manager has not been trained in auditing in time (with team and start date)
  const notTrainedInTime = can(user.roles, 'programme.manage')
    ? (await managersNotTrainedInTime(db, council, today)).map((p) => ({
        name: p.name,
        team: p.team,
        startedOn: p.startedOn,
      }))
    : null;

  // roles that open children's records, waiting for this QA lead to confirm them
  const roleGrantsWaiting = can(user.roles, 'security.read')
    ? await grantsWaitingFor(db, council, user.staffId)
    : 0;

  // people who have left with audits, actions or moderations still theirs, for the QA lead to give to others
  const leavers = can(user.roles, 'programme.manage') ? await leaversWithOpenWork(db, council) : null;

  return {
    leavers,
    escalations,
    cycles,
    ownCaseload,
    team,
    services,
    councilFigures,
    councilTexts,
    notTrainedInTime,
    roleGrantsWaiting,
  };
}
