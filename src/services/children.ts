import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import type { EpisodeKind, Gender } from '../data/schema.ts';
import { inTransaction } from '../data/transaction.ts';
import { type CaseStatus, STATUS_PRECEDENCE } from '../domain/child-status.ts';
import { todayInLondon } from '../domain/dates.ts';

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

const BATCH = 500;

/**
 * A child's status on a date, computed in the database over `children as c`: the rule of
 * caseStatusOn (src/domain/child-status.ts), from the same precedence list, for counting without
 * loading every child.
 */
export function caseStatusSql(on: string) {
  const rank = STATUS_PRECEDENCE.map(([kind], i) => `when '${kind}' then ${i + 1}`).join(' ');
  const status = STATUS_PRECEDENCE.map(([, s], i) => `when ${i + 1} then '${s}'`).join(' ');
  return sql<CaseStatus>`case (select min(case e.kind ${sql.raw(rank)} end) from child_episodes e
    where e.child_id = c.id and e.start_date <= ${on}::date and (e.end_date is null or e.end_date > ${on}::date))
    ${sql.raw(status)} else 'no_current_plan' end`;
}

function chunks<T>(items: T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Records children with their families, allocations (involvements) and episodes, in one transaction.
 * Families are matched by their identifier; a child already known by identifier is refused.
 */
export async function recordChildren(db: Db, councilId: string, children: NewChild[]): Promise<number> {
  if (children.length === 0) return 0;
  return inTransaction(db, async (trx) => {
    const familyRefs = [...new Set(children.map((c) => c.familyExternalId).filter((f): f is string => !!f))];
    const familyIds = new Map<string, string>();
    for (const batch of chunks(familyRefs)) {
      const rows = await trx
        .insertInto('families')
        .values(batch.map((external_id) => ({ council_id: councilId, external_id })))
        .onConflict((oc) =>
          oc
            .columns(['council_id', 'external_id'])
            .doUpdateSet({ external_id: (eb) => eb.ref('excluded.external_id') }),
        )
        .returning(['id', 'external_id'])
        .execute();
      for (const r of rows) familyIds.set(r.external_id, r.id);
    }
    for (const batch of chunks(children)) {
      const rows = await trx
        .insertInto('children')
        .values(
          batch.map((c) => ({
            council_id: councilId,
            external_id: c.externalId,
            family_id: c.familyExternalId ? (familyIds.get(c.familyExternalId) ?? null) : null,
            first_name: c.firstName,
            last_name: c.lastName,
            date_of_birth: c.dateOfBirth,
            gender: c.gender,
            ethnicity: c.ethnicity,
            disability: c.disability,
            uasc: c.uasc,
          })),
        )
        .returning(['id', 'external_id'])
        .execute();
      const idOf = new Map(rows.map((r) => [r.external_id, r.id]));
      const involvements = batch.flatMap((c) =>
        c.involvements.map((i) => ({
          council_id: councilId,
          child_id: idOf.get(c.externalId) as string,
          staff_id: i.staffId,
          team_id: i.teamId,
          start_date: i.startDate,
          end_date: i.endDate,
        })),
      );
      for (const part of chunks(involvements))
        await trx.insertInto('child_involvements').values(part).execute();
      const episodes = batch.flatMap((c) =>
        c.episodes.map((e) => ({
          council_id: councilId,
          child_id: idOf.get(c.externalId) as string,
          kind: e.kind,
          start_date: e.startDate,
          end_date: e.endDate,
          detail: e.detail ?? null,
        })),
      );
      for (const part of chunks(episodes)) await trx.insertInto('child_episodes').values(part).execute();
    }
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
  allocation: { worker: string | null; team: string; since: string } | null;
  episodes: { kind: EpisodeKind; startDate: string; endDate: string | null; detail: string | null }[];
}

/** The QA Loop id of a child known by the case management system's reference. */
export async function childIdForReference(db: Db, councilId: string, reference: string) {
  const row = await db
    .selectFrom('children')
    .select('id')
    .where('council_id', '=', councilId)
    .where('external_id', '=', reference.trim())
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
      caseStatusSql(todayInLondon()).as('status'),
    ])
    .executeTakeFirst();
  if (!c) return undefined;
  const allocation = await db
    .selectFrom('child_involvements as i')
    .innerJoin('teams as t', 't.id', 'i.team_id')
    .leftJoin('staff as s', 's.id', 'i.staff_id')
    .where('i.child_id', '=', c.id)
    .where('i.end_date', 'is', null)
    .select(['s.name as worker', 't.name as team', 'i.start_date'])
    .orderBy('i.start_date', 'desc')
    .executeTakeFirst();
  const episodes = await db
    .selectFrom('child_episodes')
    .where('child_id', '=', c.id)
    .select(['kind', 'start_date', 'end_date', 'detail'])
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
  return {
    id: c.id,
    reference: c.external_id,
    name: `${c.first_name} ${c.last_name}`,
    dateOfBirth: c.date_of_birth,
    gender: c.gender,
    ethnicity: c.ethnicity,
    disability: c.disability,
    uasc: c.uasc,
    familyReference: c.family_ref,
    siblings: siblings.map((s) => ({
      id: s.id,
      reference: s.external_id,
      name: `${s.first_name} ${s.last_name}`,
    })),
    status: c.status,
    allocation: allocation
      ? { worker: allocation.worker, team: allocation.team, since: allocation.start_date }
      : null,
    episodes: episodes.map((e) => ({
      kind: e.kind,
      startDate: e.start_date,
      endDate: e.end_date,
      detail: e.detail,
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
  const q = db
    .selectFrom('children as c')
    .where('c.council_id', '=', councilId)
    .where((eb) => {
      let open = eb
        .selectFrom('child_involvements as i')
        .innerJoin('teams as t', 't.id', 'i.team_id')
        .whereRef('i.child_id', '=', 'c.id')
        .where('i.start_date', '<=', on)
        .where((w) => w.or([w('i.end_date', 'is', null), w('i.end_date', '>', on)]));
      if (scope.staffId) open = open.where('i.staff_id', '=', scope.staffId);
      if (scope.teamId) open = open.where('i.team_id', '=', scope.teamId);
      if (scope.serviceAreaId) open = open.where('t.service_area_id', '=', scope.serviceAreaId);
      return eb.exists(open.select('i.id'));
    })
    .select([caseStatusSql(on).as('status'), (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status');
  const rows = await q.execute();
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
      sql<number>`(select count(distinct i.child_id) from child_involvements i where i.staff_id = s.id and i.end_date is null)`.as(
        'children',
      ),
    ])
    .orderBy('s.name')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, jobTitle: r.job_title, children: Number(r.children) }));
}
