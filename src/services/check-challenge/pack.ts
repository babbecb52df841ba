/**
 * A team's check-and-challenge pack for a week (domain.md §4, §12): the audit figures of
 * src/metrics/check-challenge-pack.ts, the team's data-quality items from the latest snapshot, and
 * the goals earlier meetings set (open ones carry over until closed; last week's with their status).
 * Stored with the meeting as JSON, so the history shows what each meeting saw. No child is named.
 */
import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import type { GoalStatus } from '../../domain/check-challenge.ts';
import { addDays, type IsoDate } from '../../domain/dates.ts';
import {
  type PackAuditFigures,
  type PackQuarter,
  packAuditFigures,
  packDay,
  packQuarters,
} from '../../metrics/check-challenge-pack.ts';
import { MANAGER_TITLE_PATTERN } from '../case-data/data-quality.ts';
import type { CheckChallengeTeam } from './access.ts';

/** The most days since a child's last visit of each kind before it is out of timescale. */
export const VISIT_TIMESCALE_DAYS = { cp: 14, cin: 28, cla: 42 } as const;

export const VISIT_RULE =
  'A child is counted as having a visit out of timescale when the latest visit the extract carries is longer ago ' +
  `than the timescale for their plan (child protection ${VISIT_TIMESCALE_DAYS.cp} days, child in need ` +
  `${VISIT_TIMESCALE_DAYS.cin} days, in care ${VISIT_TIMESCALE_DAYS.cla} days), or there is none since the plan began ` +
  'that long ago.';

export interface PackDataQuality {
  /** the latest snapshot's date; null when the council has none */
  snapshotAsOf: IsoDate | null;
  /** the team's open children in it */
  children: number;
  /** open with the team but no allocated worker */
  unallocated: number;
  /** allocated to a manager rather than a case holder */
  heldByManagers: number;
  /** null when the extract carries no visits */
  visits: { due: number; outOfTimescale: number } | null;
}

export interface PackGoal {
  id: string;
  text: string;
  owner: string | null;
  dueOn: IsoDate;
  status: GoalStatus;
  closedNote: string;
  closedOn: IsoDate | null;
  /** the Monday of the meeting that set it */
  setInWeek: IsoDate;
  /** open and past its date on the pack's day */
  overdue: boolean;
}

export interface CheckChallengePack extends PackAuditFigures {
  version: 1;
  team: { id: string; name: string; serviceArea: string };
  weekOf: IsoDate;
  /** the day the figures were counted on */
  asOf: IsoDate;
  quarter: PackQuarter;
  previousQuarter: PackQuarter;
  dataQuality: PackDataQuality;
  goals: PackGoal[];
}

async function teamDataQuality(db: Db, councilId: string, teamId: string): Promise<PackDataQuality> {
  const snap = await db
    .selectFrom('snapshots')
    .select(['id', 'as_of'])
    .where('council_id', '=', councilId)
    .where('state', '=', 'ready')
    .orderBy('as_of', 'desc')
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!snap) return { snapshotAsOf: null, children: 0, unallocated: 0, heldByManagers: 0, visits: null };
  const asOf = snap.as_of;
  const open = sql`(i.end_date is null or i.end_date > ${asOf}::date)`;
  const { rows } = await sql<{ children: number; unallocated: number; managers: number; carries: boolean }>`
    with team_children as (
      select distinct i.child_id from child_involvements i
      where i.snapshot_id = ${snap.id} and i.council_id = ${councilId} and i.team_id = ${teamId} and ${open}
    )
    select
      (select count(*)::int from team_children) as children,
      (select count(*)::int from team_children tc where not exists (
        select 1 from child_involvements i where i.snapshot_id = ${snap.id} and i.child_id = tc.child_id and ${open}
          and (i.staff_id is not null or i.worker_name is not null))) as unallocated,
      (select count(distinct i.child_id)::int from child_involvements i join staff s on s.id = i.staff_id
        where i.snapshot_id = ${snap.id} and i.council_id = ${councilId} and i.team_id = ${teamId} and ${open}
          and s.job_title ~* ${MANAGER_TITLE_PATTERN}) as managers,
      exists (select 1 from child_visits v where v.snapshot_id = ${snap.id}) as carries`.execute(db);
  const r = rows[0];
  let visits: PackDataQuality['visits'] = null;
  if (r.carries) {
    const v = await sql<{ due: number; late: number }>`
      with team_children as (
        select distinct i.child_id from child_involvements i
        where i.snapshot_id = ${snap.id} and i.council_id = ${councilId} and i.team_id = ${teamId} and ${open}
      ), plans as (
        select distinct on (e.child_id) e.child_id, e.start_date,
          case e.kind when 'cp_plan' then 'cp' when 'cla' then 'cla' else 'cin' end as visit_kind,
          case e.kind when 'cp_plan' then ${VISIT_TIMESCALE_DAYS.cp}::int when 'cla' then ${VISIT_TIMESCALE_DAYS.cla}::int
            else ${VISIT_TIMESCALE_DAYS.cin}::int end as days
        from child_episodes e join team_children tc on tc.child_id = e.child_id
        where e.snapshot_id = ${snap.id} and e.kind in ('cp_plan', 'cla', 'cin_plan')
          and e.start_date <= ${asOf}::date and (e.end_date is null or e.end_date > ${asOf}::date)
        order by e.child_id, case e.kind when 'cp_plan' then 1 when 'cla' then 2 else 3 end
      )
      select count(*)::int as due,
        (count(*) filter (where coalesce((select max(v.visit_date) from child_visits v
            where v.snapshot_id = ${snap.id} and v.child_id = p.child_id and v.kind = p.visit_kind), p.start_date)
          < ${asOf}::date - p.days))::int as late
      from plans p`.execute(db);
    visits = { due: v.rows[0]?.due ?? 0, outOfTimescale: v.rows[0]?.late ?? 0 };
  }
  return {
    snapshotAsOf: asOf,
    children: r.children,
    unallocated: r.unallocated,
    heldByManagers: r.managers,
    visits,
  };
}

/**
 * The goals a week's pack follows up: every goal set at an earlier meeting still open, with those
 * set at last week's meeting or closed in the last week whatever their status.
 */
export async function goalsForWeek(
  db: Db,
  councilId: string,
  teamId: string,
  week: IsoDate,
  asOf: IsoDate,
): Promise<PackGoal[]> {
  const lastWeek = addDays(week, -7);
  const rows = await db
    .selectFrom('check_challenge_goals as g')
    .innerJoin('check_challenge_meetings as m', 'm.id', 'g.meeting_id')
    .leftJoin('staff as s', 's.id', 'g.owner_id')
    .select([
      'g.id',
      'g.text',
      's.name as owner',
      'g.due_on',
      'g.status',
      'g.closed_note',
      sql<string | null>`g.closed_at::date::text`.as('closed_on'),
      'm.week_of',
    ])
    .where('g.council_id', '=', councilId)
    .where('m.council_id', '=', councilId)
    .where('g.team_id', '=', teamId)
    .where('m.week_of', '<', week)
    .where((eb) =>
      eb.or([
        eb('g.status', '=', 'open'),
        eb('m.week_of', '=', lastWeek),
        eb(sql`g.closed_at::date`, '>=', lastWeek),
      ]),
    )
    .orderBy('g.due_on')
    .orderBy('g.created_at')
    .orderBy('g.id')
    .execute();
  return rows.map((g) => ({
    id: g.id,
    text: g.text,
    owner: g.owner,
    dueOn: g.due_on,
    status: g.status,
    closedNote: g.closed_note,
    closedOn: g.closed_on,
    setInWeek: g.week_of,
    overdue: g.status === 'open' && g.due_on < asOf,
  }));
}

/** A team's pack for a week as it stands today. */
export async function buildPack(
  db: Db,
  councilId: string,
  team: CheckChallengeTeam,
  week: IsoDate,
  today: IsoDate,
): Promise<CheckChallengePack> {
  const asOf = packDay(week, today);
  const { quarter, previous } = packQuarters(asOf);
  const [figures, dataQuality, goals] = await Promise.all([
    packAuditFigures(db, councilId, team.id, asOf),
    teamDataQuality(db, councilId, team.id),
    goalsForWeek(db, councilId, team.id, week, asOf),
  ]);
  return {
    version: 1,
    team: { id: team.id, name: team.name, serviceArea: team.serviceArea },
    weekOf: week,
    asOf,
    quarter,
    previousQuarter: previous,
    ...figures,
    dataQuality,
    goals,
  };
}
