import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import { sourceLabel } from '../../domain/snapshot-sources.ts';
import { findSnapshot, type Snapshot } from './snapshots.ts';

/** How many examples each finding lists; the counts are always complete. */
export const EXAMPLES_LISTED = 100;

/** Job titles of people who manage rather than hold cases. */
export const MANAGER_TITLE_PATTERN = '(manager|head of|director|team leader|service lead)';

export interface CountChange {
  name: string;
  count: number;
  previous: number | null;
  change: number | null;
}

export interface DataQualityReport {
  snapshotId: string;
  asOf: string;
  previousAsOf: string | null;
  children: number;
  openChildren: number;
  conflicts: {
    count: number;
    examples: {
      childId: string;
      childRef: string;
      fields: string[];
      rows: {
        source: string;
        file: string | null;
        sheet: string | null;
        row: number | null;
        dateOfBirth: string | null;
        gender: string | null;
        ethnicity: string | null;
      }[];
    }[];
  };
  unallocated: { count: number; examples: { childId: string; childRef: string }[] };
  allocatedToManagers: {
    count: number;
    examples: { childId: string; childRef: string; worker: string; jobTitle: string }[];
  };
  ageMismatches: {
    count: number;
    examples: { childId: string; childRef: string; age: number; list: string; message: string }[];
  };
  unmatchedNames: {
    teams: { name: string; children: number }[];
    workers: { name: string; children: number }[];
  };
  counts: { byList: CountChange[]; byTeam: CountChange[]; byServiceArea: CountChange[] };
}

/** Children open on the snapshot's date: an allocation or an episode not yet ended. */
function openChildren(snapshotId: string, asOf: string) {
  return sql`(select i.child_id from child_involvements i where i.snapshot_id = ${snapshotId}
      and (i.end_date is null or i.end_date > ${asOf}::date)
    union select e.child_id from child_episodes e where e.snapshot_id = ${snapshotId}
      and e.kind <> 'assessment' and e.kind <> 's47'
      and (e.end_date is null or e.end_date > ${asOf}::date))`;
}

function compare(current: { name: string; n: number }[], previous: { name: string; n: number }[] | null) {
  const before = new Map(previous?.map((p) => [p.name, Number(p.n)]) ?? []);
  const names = new Set([...current.map((c) => c.name), ...before.keys()]);
  const now = new Map(current.map((c) => [c.name, Number(c.n)]));
  return [...names]
    .map((name) => {
      const count = now.get(name) ?? 0;
      const prev = previous ? (before.get(name) ?? 0) : null;
      return { name, count, previous: prev, change: prev === null ? null : count - prev };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

async function countsOf(db: Db, snapshotId: string, asOf: string) {
  const open = openChildren(snapshotId, asOf);
  const byList = await sql<{ name: string; n: number }>`
    select source as name, count(distinct child_id)::int as n from snapshot_children
    where snapshot_id = ${snapshotId} group by source`.execute(db);
  const byTeam = await sql<{ name: string; n: number }>`
    select coalesce(t.name, i.team_name, 'No team given') as name, count(distinct i.child_id)::int as n
    from child_involvements i left join teams t on t.id = i.team_id
    where i.snapshot_id = ${snapshotId} and (i.end_date is null or i.end_date > ${asOf}::date)
      and i.child_id in ${open}
    group by 1`.execute(db);
  const byArea = await sql<{ name: string; n: number }>`
    select coalesce(a.name, 'Team not matched') as name, count(distinct i.child_id)::int as n
    from child_involvements i left join teams t on t.id = i.team_id left join service_areas a on a.id = t.service_area_id
    where i.snapshot_id = ${snapshotId} and (i.end_date is null or i.end_date > ${asOf}::date)
    group by 1`.execute(db);
  return {
    byList: byList.rows.map((r) => ({ name: sourceLabel(r.name), n: r.n })),
    byTeam: byTeam.rows,
    byServiceArea: byArea.rows,
  };
}

/**
 * The data-quality report of a snapshot: the same child twice with conflicting details, open cases
 * with no allocated worker, cases allocated to managers, ages that do not fit the list, names not
 * matched to a team or worker, and counts per list, team and service area against the snapshot
 * before. Computed in the database, whatever the snapshot's size.
 */
export async function dataQualityReport(
  db: Db,
  councilId: string,
  snapshotId: string,
): Promise<DataQualityReport> {
  const snap = await db
    .selectFrom('snapshots')
    .select(['id', 'as_of'])
    .where('id', '=', snapshotId)
    .where('council_id', '=', councilId)
    .executeTakeFirstOrThrow();
  const asOf = snap.as_of;
  const previous = await db
    .selectFrom('snapshots')
    .select(['id', 'as_of'])
    .where('council_id', '=', councilId)
    .where('state', '=', 'ready')
    .where('as_of', '<', asOf)
    .orderBy('as_of', 'desc')
    .limit(1)
    .executeTakeFirst();
  const open = openChildren(snapshotId, asOf);

  const totals = await sql<{ children: number; open: number }>`
    select (select count(distinct child_id)::int from snapshot_children where snapshot_id = ${snapshotId}) as children,
           (select count(*)::int from ${open} o) as open`.execute(db);

  const conflictRows = await sql<{
    child_id: string;
    external_id: string;
    dob: boolean;
    gender: boolean;
    ethnicity: boolean;
    total: number;
  }>`
    select sc.child_id, c.external_id,
      count(distinct sc.date_of_birth) > 1 as dob,
      count(distinct sc.gender) filter (where sc.gender <> 'unknown') > 1 as gender,
      count(distinct sc.ethnicity) > 1 as ethnicity,
      count(*) over ()::int as total
    from snapshot_children sc join children c on c.id = sc.child_id
    where sc.snapshot_id = ${snapshotId}
    group by sc.child_id, c.external_id
    having count(distinct sc.date_of_birth) > 1
      or count(distinct sc.gender) filter (where sc.gender <> 'unknown') > 1
      or count(distinct sc.ethnicity) > 1
    order by c.external_id limit ${EXAMPLES_LISTED}`.execute(db);
  const conflictIds = conflictRows.rows.map((r) => r.child_id);
  const conflictDetail = conflictIds.length
    ? await db
        .selectFrom('snapshot_children')
        .select(['child_id', 'source', 'file', 'sheet', 'row', 'date_of_birth', 'gender', 'ethnicity'])
        .where('snapshot_id', '=', snapshotId)
        .where('child_id', 'in', conflictIds)
        // as a person would find them: file by file, sheet by sheet, row by row
        .orderBy('file')
        .orderBy('sheet')
        .orderBy('row')
        .orderBy('id')
        .execute()
    : [];

  const unallocated = await sql<{ child_id: string; external_id: string; total: number }>`
    select o.child_id, c.external_id, count(*) over ()::int as total
    from ${open} o join children c on c.id = o.child_id
    where not exists (select 1 from child_involvements i where i.snapshot_id = ${snapshotId}
      and i.child_id = o.child_id and (i.end_date is null or i.end_date > ${asOf}::date)
      and (i.staff_id is not null or i.worker_name is not null))
    order by c.external_id limit ${EXAMPLES_LISTED}`.execute(db);

  const managers = await sql<{
    child_id: string;
    external_id: string;
    worker: string;
    job_title: string;
    total: number;
  }>`
    with m as (
      select distinct on (c.external_id) i.child_id, c.external_id, s.name as worker, s.job_title
      from child_involvements i join staff s on s.id = i.staff_id join children c on c.id = i.child_id
      where i.snapshot_id = ${snapshotId} and (i.end_date is null or i.end_date > ${asOf}::date)
        and s.job_title ~* ${MANAGER_TITLE_PATTERN}
      order by c.external_id
    )
    select *, count(*) over ()::int as total from m order by external_id limit ${EXAMPLES_LISTED}`.execute(
    db,
  );

  const ages = await sql<{
    child_id: string;
    external_id: string;
    age: number;
    list: string;
    rule: string;
    total: number;
  }>`
    with aged as (
      select distinct c.id as child_id, c.external_id,
        date_part('year', age(${asOf}::date, c.date_of_birth))::int as age, e.kind as list
      from child_episodes e join children c on c.id = e.child_id
      where e.snapshot_id = ${snapshotId} and c.date_of_birth is not null
        and (e.end_date is null or e.end_date > ${asOf}::date)
        and e.kind in ('care_leaver', 'cla', 'cp_plan', 'cin_plan', 'early_help')
    ), wrong as (
      select *, case when list = 'care_leaver' then 'care_leaver' else 'child' end as rule from aged
      where (list = 'care_leaver' and (age < 16 or age > 25)) or (list <> 'care_leaver' and age >= 18)
    )
    select *, count(*) over ()::int as total from wrong order by external_id limit ${EXAMPLES_LISTED}`.execute(
    db,
  );

  const unmatchedTeams = await sql<{ name: string; children: number }>`
    select team_name as name, count(distinct child_id)::int as children from child_involvements
    where snapshot_id = ${snapshotId} and team_id is null and team_name is not null
    group by team_name order by team_name`.execute(db);
  const unmatchedWorkers = await sql<{ name: string; children: number }>`
    select worker_name as name, count(distinct child_id)::int as children from child_involvements
    where snapshot_id = ${snapshotId} and staff_id is null and worker_name is not null
    group by worker_name order by worker_name`.execute(db);

  const now = await countsOf(db, snapshotId, asOf);
  const before = previous ? await countsOf(db, previous.id, previous.as_of) : null;

  const EPISODE_WORDS: Record<string, string> = {
    care_leaver: 'care leavers',
    cla: 'children in care',
    cp_plan: 'child protection plans',
    cin_plan: 'child in need plans',
    early_help: 'early help',
  };
  return {
    snapshotId,
    asOf,
    previousAsOf: previous?.as_of ?? null,
    children: totals.rows[0].children,
    openChildren: totals.rows[0].open,
    conflicts: {
      count: conflictRows.rows[0]?.total ?? 0,
      examples: conflictRows.rows.map((r) => ({
        childId: r.child_id,
        childRef: r.external_id,
        fields: [r.dob && 'date of birth', r.gender && 'gender', r.ethnicity && 'ethnicity'].filter(
          (f): f is string => !!f,
        ),
        rows: conflictDetail
          .filter((d) => d.child_id === r.child_id)
          .map((d) => ({
            source: sourceLabel(d.source),
            file: d.file,
            sheet: d.sheet,
            row: d.row,
            dateOfBirth: d.date_of_birth,
            gender: d.gender,
            ethnicity: d.ethnicity,
          })),
      })),
    },
    unallocated: {
      count: unallocated.rows[0]?.total ?? 0,
      examples: unallocated.rows.map((r) => ({ childId: r.child_id, childRef: r.external_id })),
    },
    allocatedToManagers: {
      count: managers.rows[0]?.total ?? 0,
      examples: managers.rows.map((r) => ({
        childId: r.child_id,
        childRef: r.external_id,
        worker: r.worker,
        jobTitle: r.job_title,
      })),
    },
    ageMismatches: {
      count: ages.rows[0]?.total ?? 0,
      examples: ages.rows.map((r) => ({
        childId: r.child_id,
        childRef: r.external_id,
        age: r.age,
        list: EPISODE_WORDS[r.list] ?? r.list,
        message:
          r.rule === 'care_leaver'
            ? `Aged ${r.age} among care leavers, who are 16 to 25`
            : `Aged ${r.age} among ${EPISODE_WORDS[r.list] ?? r.list}, which are for children under 18`,
      })),
    },
    unmatchedNames: { teams: unmatchedTeams.rows, workers: unmatchedWorkers.rows },
    counts: {
      byList: compare(now.byList, before?.byList ?? null),
      byTeam: compare(now.byTeam, before?.byTeam ?? null),
      byServiceArea: compare(now.byServiceArea, before?.byServiceArea ?? null),
    },
  };
}

/** One of the council's snapshots with its data-quality report; undefined when there is no such snapshot. */
export async function snapshotQuality(
  db: Db,
  councilId: string,
  snapshotId: string,
): Promise<{ snapshot: Snapshot; report: DataQualityReport } | undefined> {
  const snapshot = await findSnapshot(db, councilId, { id: snapshotId });
  if (!snapshot) return undefined;
  return { snapshot, report: await dataQualityReport(db, councilId, snapshot.id) };
}
