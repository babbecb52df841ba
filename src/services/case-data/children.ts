import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import type { Gender } from '../../data/schema.ts';
import { inTransaction } from '../../data/transaction.ts';
import {
  type CaseStatus,
  caseStatusOn,
  type EpisodeKind,
  STATUS_PRECEDENCE,
} from '../../domain/child-status.ts';
import { todayInLondon } from '../../domain/dates.ts';
import { SnapshotWriter } from '../../import/snapshot-writer.ts';
import { ImportTally } from '../../import/types.ts';
import { episodeDetail, namesIn } from './episode-words.ts';
import { markSnapshotChanged, snapshotOfDate } from './snapshots.ts';

export interface NewChild {
  externalId: string;
  familyExternalId: string | null;
  firstName: string;
  lastName: string;
  dateOfBirth: string | null;
  gender: Gender;
  ethnicity: string | null;
  disability: boolean;
  uasc: boolean;
  involvements: { staffId: string | null; teamId: string; startDate: string; endDate: string | null }[];
  episodes: { kind: EpisodeKind; startDate: string; endDate: string | null; detail?: string | null }[];
}

/** The id of the council's latest snapshot, as a subquery: what every "now" figure reads. */
export const latestSnapshotOf = (councilId: string) =>
  sql<string>`(select ls.id from latest_snapshots ls where ls.council_id = ${councilId})`;

/**
 * Each child's status on a date in a snapshot, computed in the database: the rule of caseStatusOn
 * (src/domain/child-status.ts), from the same precedence list, for counting without loading every
 * child. One row per child with a current episode (`child_id`, `status`); a child without one has no
 * row and is 'no_current_plan'. Grouped once over the snapshot's episodes, not looked up child by
 * child: 3,000 children took 12 ms that way on the QA lead's home page, and the time grows with the
 * council.
 */
export function currentStatusesSql(snapshot: RawBuilder<string>, on: string) {
  const rank = STATUS_PRECEDENCE.map(([kind], i) => `when '${kind}' then ${i + 1}`).join(' ');
  const status = STATUS_PRECEDENCE.map(([, s], i) => `when ${i + 1} then '${s}'`).join(' ');
  return sql`select e.child_id, case min(case e.kind ${sql.raw(rank)} end) ${sql.raw(status)} end as status
    from child_episodes e
    where e.snapshot_id = ${snapshot} and e.start_date <= ${on}::date
      and (e.end_date is null or e.end_date > ${on}::date)
    group by e.child_id`;
}

const RECORDED = 'recorded';

/** A child's name, or their reference when the extract gives no name (Annex A lists have none). */
export function childName(first: string | null, last: string | null, reference: string): string {
  const name = [first, last].filter((x) => x?.trim()).join(' ');
  return name || reference;
}

/**
 * Records children with their families, allocations and episodes into the snapshot of a date (today
 * by default), in one transaction, adding to what the snapshot holds. Extracts come in through the
 * importers; this is for a council's own records and for tests.
 */
export async function recordChildren(
  db: Db,
  councilId: string,
  children: NewChild[],
  asOf: string = todayInLondon(),
): Promise<number> {
  if (children.length === 0) return 0;
  return inTransaction(db, async (trx) => {
    const snapshotId = await snapshotOfDate(trx, councilId, asOf);
    const writer = new SnapshotWriter(trx, { councilId, snapshotId, tally: new ImportTally() });
    await writer.beginSource(RECORDED, { replace: false });
    const at = { file: 'recorded', row: 0 };
    for (const c of children) {
      await writer.child(
        RECORDED,
        {
          ref: c.externalId,
          firstName: c.firstName,
          lastName: c.lastName,
          dateOfBirth: c.dateOfBirth,
          gender: c.gender,
          ethnicity: c.ethnicity,
          disability: c.disability,
          uasc: c.uasc,
        },
        at,
      );
    }
    await writer.flush();
    for (const c of children) {
      if (c.familyExternalId)
        await writer.family(RECORDED, { childRef: c.externalId, familyRef: c.familyExternalId }, at);
      for (const i of c.involvements)
        await writer.allocation(
          RECORDED,
          {
            childRef: c.externalId,
            teamId: i.teamId,
            staffId: i.staffId,
            startDate: i.startDate,
            endDate: i.endDate,
          },
          at,
        );
      for (const e of c.episodes)
        await writer.episode(
          RECORDED,
          {
            childRef: c.externalId,
            kind: e.kind,
            startDate: e.startDate,
            endDate: e.endDate,
            detail: e.detail ?? null,
          },
          at,
        );
    }
    await writer.flush();
    await markSnapshotChanged(trx, snapshotId);
    return children.length;
  });
}

export interface ChildRecord {
  id: string;
  reference: string;
  name: string;
  dateOfBirth: string | null;
  gender: Gender;
  ethnicity: string | null;
  disability: boolean;
  uasc: boolean;
  familyReference: string | null;
  siblings: { id: string; reference: string; name: string }[];
  status: CaseStatus;
  /** the date of the latest snapshot that lists the child, and whether it is the council's latest */
  listedOn: string | null;
  inLatestSnapshot: boolean;
  allocation: { worker: string | null; team: string; since: string | null } | null;
  episodes: { kind: EpisodeKind; startDate: string; endDate: string | null; detail: string | null }[];
}

/** The QA Loop id of a child known by the case management system's reference. */
export async function childIdForReference(db: Db, councilId: string, reference: string) {
  const row = await db
    .selectFrom('children')
    .select('id')
    .where('council_id', '=', councilId)
    .where('external_id', '=', reference.trim())
    // a child added by an import that has not finished is nobody's to see yet
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('snapshots as s')
            .select('s.id')
            .whereRef('s.id', '=', 'children.staged_in')
            .where('s.state', '=', 'building'),
        ),
      ),
    )
    .executeTakeFirst();
  return row?.id;
}

/** A child by the case management system's reference, with status, allocation and episodes. */
export async function findChildByReference(db: Db, councilId: string, reference: string) {
  const id = await childIdForReference(db, councilId, reference);
  return id ? findChild(db, councilId, id) : undefined;
}

/** A child by QA Loop's id, with status, allocation, episodes and brothers and sisters. */
export async function findChild(
  db: Db,
  councilId: string,
  childId: string,
): Promise<ChildRecord | undefined> {
  const c = await db
    .selectFrom('children as c')
    .leftJoin('families as f', 'f.id', 'c.family_id')
    .where('c.council_id', '=', councilId)
    .where('c.id', '=', childId)
    .select([
      'c.id',
      'c.external_id',
      'c.first_name',
      'c.last_name',
      'c.date_of_birth',
      'c.gender',
      'c.ethnicity',
      'c.disability',
      'c.uasc',
      'c.family_id',
      'f.external_id as family_ref',
    ])
    .executeTakeFirst();
  if (!c) return undefined;
  // the picture of the latest snapshot that lists the child: a child who has left the extract
  // keeps their last known details and their audits
  const listed = await db
    .selectFrom('snapshot_children as sc')
    .innerJoin('snapshots as s', 's.id', 'sc.snapshot_id')
    .select(['s.id', 's.as_of'])
    .where('sc.child_id', '=', c.id)
    .orderBy('s.as_of', 'desc')
    .limit(1)
    .executeTakeFirst();
  const latest = await db
    .selectFrom('latest_snapshots')
    .select('as_of')
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  const snapshotId = listed?.id ?? '00000000-0000-0000-0000-000000000000';
  const allocation = await db
    .selectFrom('child_involvements as i')
    .leftJoin('teams as t', 't.id', 'i.team_id')
    .leftJoin('staff as s', 's.id', 'i.staff_id')
    .where('i.child_id', '=', c.id)
    .where('i.snapshot_id', '=', snapshotId)
    .where('i.end_date', 'is', null)
    .select([
      sql<string | null>`coalesce(s.name, i.worker_name)`.as('worker'),
      sql<string>`coalesce(t.name, i.team_name, 'No team given')`.as('team'),
      'i.start_date',
    ])
    .orderBy('i.start_date', 'desc')
    .executeTakeFirst();
  const episodes = await db
    .selectFrom('child_episodes')
    .where('child_id', '=', c.id)
    .where('snapshot_id', '=', snapshotId)
    .select(['kind', 'start_date', 'end_date', 'detail', 'attributes'])
    .orderBy('start_date')
    .execute();
  const siblings = c.family_id
    ? await db
        .selectFrom('children')
        .where('family_id', '=', c.family_id)
        .where('id', '!=', c.id)
        .select(['id', 'external_id', 'first_name', 'last_name'])
        .orderBy('external_id')
        .execute()
    : [];
  const names = await namesIn(db, councilId, episodes);
  return {
    id: c.id,
    reference: c.external_id,
    name: childName(c.first_name, c.last_name, c.external_id),
    dateOfBirth: c.date_of_birth,
    gender: c.gender,
    ethnicity: c.ethnicity,
    disability: c.disability,
    uasc: c.uasc,
    familyReference: c.family_ref,
    siblings: siblings.map((s) => ({
      id: s.id,
      reference: s.external_id,
      name: childName(s.first_name, s.last_name, s.external_id),
    })),
    status: caseStatusOn(episodes, latest?.as_of ?? todayInLondon()),
    listedOn: listed?.as_of ?? null,
    inLatestSnapshot: !!listed && listed.as_of === latest?.as_of,
    allocation: allocation
      ? { worker: allocation.worker, team: allocation.team, since: allocation.start_date }
      : null,
    episodes: episodes.map((e) => ({
      kind: e.kind,
      startDate: e.start_date,
      endDate: e.end_date,
      detail: episodeDetail(e.kind, e.detail, e.attributes, names) ?? null,
    })),
  };
}

export type StatusCounts = Record<CaseStatus, number> & { total: number };

function emptyCounts(): StatusCounts {
  return { in_care: 0, cp_plan: 0, cin_plan: 0, care_leaver: 0, early_help: 0, no_current_plan: 0, total: 0 };
}

/** Open children (with a current allocation) by status, for a worker, a team, a service area or the council. */
export async function openChildrenByStatus(
  db: Db,
  councilId: string,
  scope: { staffId?: string; teamId?: string; serviceAreaId?: string } = {},
  on: string = todayInLondon(),
): Promise<StatusCounts> {
  // The council's latest snapshot, found once for the whole count rather than once for each child:
  // it took the QA lead's home page 0.4 s on the demo council.
  const latest = latestSnapshotOf(councilId);
  const { rows } = await sql<{ status: CaseStatus; n: number }>`
    with open_children as (
      select distinct i.child_id from child_involvements i
      left join teams t on t.id = i.team_id
      where i.snapshot_id = ${latest}
        and (i.start_date is null or i.start_date <= ${on}::date)
        and (i.end_date is null or i.end_date > ${on}::date)
        ${scope.staffId ? sql`and i.staff_id = ${scope.staffId}` : sql``}
        ${scope.teamId ? sql`and i.team_id = ${scope.teamId}` : sql``}
        ${scope.serviceAreaId ? sql`and t.service_area_id = ${scope.serviceAreaId}` : sql``}
    ), statuses as (${currentStatusesSql(latest, on)})
    select coalesce(st.status, 'no_current_plan') as status, count(*)::int as n
    from open_children o
    join children c on c.id = o.child_id and c.council_id = ${councilId}
    left join statuses st on st.child_id = o.child_id
    group by 1`.execute(db);
  const counts = emptyCounts();
  for (const r of rows) {
    counts[r.status] = Number(r.n);
    counts.total += Number(r.n);
  }
  return counts;
}

/** Workers of a team with their number of open children. */
export async function caseloadsInTeam(db: Db, councilId: string, teamId: string) {
  const rows = await db
    .selectFrom('staff as s')
    .where('s.council_id', '=', councilId)
    .where('s.team_id', '=', teamId)
    .where('s.active', '=', true)
    .select([
      's.id',
      's.name',
      's.job_title',
      sql<number>`(select count(distinct i.child_id) from child_involvements i where i.staff_id = s.id and i.end_date is null and i.snapshot_id = (select ls.id from latest_snapshots ls where ls.council_id = s.council_id))`.as(
        'children',
      ),
    ])
    .orderBy('s.name')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, jobTitle: r.job_title, children: Number(r.children) }));
}
