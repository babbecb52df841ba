import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import { closestName, nameKey } from '../../domain/name-matching.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';
import { latestSnapshot, markSnapshotChanged, type Snapshot } from './snapshots.ts';

export type NameKind = 'team' | 'worker';

/** How many names not matched each list shows, those with the most children first. */
export const NAMES_LISTED = 50;

/** A team or worker name an extract gave that matches none of the council's, as people wrote it. */
export interface UnmatchedName {
  /** the spelling most children have */
  name: string;
  /** every spelling that reduces to the same name (case, spacing and punctuation ignored) */
  spellings: string[];
  children: number;
  /** the closest of the council's teams or workers, when one is close enough to suggest */
  suggestion: { id: string; name: string } | null;
}

export interface UnmatchedNames {
  snapshot: Snapshot | undefined;
  teams: { count: number; names: UnmatchedName[] };
  workers: { count: number; names: UnmatchedName[] };
}

export interface TeamChoice {
  id: string;
  name: string;
  serviceArea: string;
}

export interface WorkerChoice {
  id: string;
  name: string;
  jobTitle: string;
  active: boolean;
}

/** The council's teams, and its workers grouped by team: what a name can be matched to. */
export async function nameChoices(db: Db, councilId: string) {
  const [teams, staff] = await Promise.all([
    db
      .selectFrom('teams as t')
      .innerJoin('service_areas as a', 'a.id', 't.service_area_id')
      .select(['t.id', 't.name', 'a.name as service_area'])
      .where('t.council_id', '=', councilId)
      .orderBy(sql`lower(t.name)`)
      .execute(),
    db
      .selectFrom('staff as s')
      .leftJoin('teams as t', 't.id', 's.team_id')
      .select(['s.id', 's.name', 's.job_title', 's.active', 't.name as team'])
      .where('s.council_id', '=', councilId)
      .orderBy(sql`lower(t.name)`)
      .orderBy(sql`lower(s.name)`)
      .execute(),
  ]);
  const groups = new Map<string, WorkerChoice[]>();
  for (const s of staff) {
    const team = s.team ?? 'No team';
    const group = groups.get(team) ?? [];
    group.push({ id: s.id, name: s.name, jobTitle: s.job_title, active: s.active });
    groups.set(team, group);
  }
  return {
    teams: teams.map((t): TeamChoice => ({ id: t.id, name: t.name, serviceArea: t.service_area })),
    workersByTeam: [...groups].map(([team, workers]) => ({ team, workers })),
  };
}

/** Names as the extract wrote them, gathered by what identifies them, most children first. */
function gather(rows: { name: string; children: number }[]): Omit<UnmatchedName, 'suggestion'>[] {
  const byKey = new Map<string, { spellings: { name: string; children: number }[]; children: number }>();
  for (const r of rows) {
    const key = nameKey(r.name);
    const entry = byKey.get(key) ?? { spellings: [], children: 0 };
    entry.spellings.push({ name: r.name, children: Number(r.children) });
    entry.children += Number(r.children);
    byKey.set(key, entry);
  }
  return [...byKey.values()]
    .map((e) => {
      const spellings = e.spellings.sort((a, b) => b.children - a.children || a.name.localeCompare(b.name));
      return { name: spellings[0].name, spellings: spellings.map((s) => s.name), children: e.children };
    })
    .sort((a, b) => b.children - a.children || a.name.localeCompare(b.name));
}

/**
 * The team and worker names in the latest snapshot that match none of the council's teams and
 * workers, with the children each is given for and the closest team or worker to suggest.
 */
export async function unmatchedNames(db: Db, councilId: string): Promise<UnmatchedNames> {
  const snapshot = await latestSnapshot(db, councilId);
  if (!snapshot) return { snapshot, teams: { count: 0, names: [] }, workers: { count: 0, names: [] } };
  const [teamRows, workerRows, teams, staff] = await Promise.all([
    sql<{ name: string; children: number }>`
      select team_name as name, count(distinct child_id)::int as children from child_involvements
      where snapshot_id = ${snapshot.id} and team_id is null and team_name is not null
      group by team_name`.execute(db),
    sql<{ name: string; children: number }>`
      select worker_name as name, count(distinct child_id)::int as children from child_involvements
      where snapshot_id = ${snapshot.id} and staff_id is null and worker_name is not null
      group by worker_name`.execute(db),
    db.selectFrom('teams').select(['id', 'name']).where('council_id', '=', councilId).execute(),
    db.selectFrom('staff').select(['id', 'name']).where('council_id', '=', councilId).execute(),
  ]);
  const withSuggestion =
    (candidates: { id: string; name: string }[]) => (n: Omit<UnmatchedName, 'suggestion'>) => {
      const best = closestName(n.name, candidates);
      return { ...n, suggestion: best ? { id: best.candidate.id, name: best.candidate.name } : null };
    };
  const teamNames = gather(teamRows.rows);
  const workerNames = gather(workerRows.rows);
  return {
    snapshot,
    teams: {
      count: teamNames.length,
      names: teamNames.slice(0, NAMES_LISTED).map(withSuggestion(teams)),
    },
    workers: {
      count: workerNames.length,
      names: workerNames.slice(0, NAMES_LISTED).map(withSuggestion(staff)),
    },
  };
}

export interface SavedAlias {
  id: string;
  kind: NameKind;
  alias: string;
  /** the team or worker the name stands for */
  target: string;
  createdBy: string | null;
  createdAt: Date;
}

/** The names saved as another spelling of a team or worker, by kind and name. */
export async function listAliases(db: Db, councilId: string): Promise<SavedAlias[]> {
  const rows = await db
    .selectFrom('name_aliases as a')
    .leftJoin('teams as t', 't.id', 'a.team_id')
    .leftJoin('staff as s', 's.id', 'a.staff_id')
    .leftJoin('staff as by', 'by.id', 'a.created_by')
    .select([
      'a.id',
      'a.kind',
      'a.alias',
      't.name as team',
      's.name as worker',
      'by.name as created_by',
      sql<Date>`a.created_at`.as('created_at'),
    ])
    .where('a.council_id', '=', councilId)
    .orderBy('a.kind')
    .orderBy(sql`lower(a.alias)`)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    alias: r.alias,
    target: (r.kind === 'team' ? r.team : r.worker) ?? '',
    createdBy: r.created_by,
    createdAt: r.created_at,
  }));
}

const mapSchema = z.object({
  kind: z.enum(['team', 'worker'], { message: 'Say whether the name is a team’s or a worker’s' }),
  name: z
    .string({ message: 'Say which name to match' })
    .trim()
    .min(1, { message: 'Say which name to match' })
    .max(200, { message: 'A name is 200 characters or fewer' })
    .refine((n) => nameKey(n) !== '', { message: 'The name has no letters or numbers to match by' }),
  target: z.string().optional(),
});

export interface MapNameInput {
  kind: unknown;
  name: unknown;
  /** the id of the team or worker chosen */
  target: unknown;
}

export interface MappedName {
  kind: NameKind;
  name: string;
  target: string;
  /** children of the latest snapshot now with the team or worker */
  children: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Saves a name as another spelling of one of the council's teams or workers, and puts the latest
 * snapshot's children given under that name (in any spelling that reduces to it) with the team or
 * worker, in one transaction. Later imports match the name by the saved alias. A worker brings
 * their team to a child with none, as an import would.
 */
export async function mapName(
  db: Db,
  councilId: string,
  input: MapNameInput,
  createdBy: string | null,
): Promise<MappedName> {
  const parsed = mapSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError([{ field: String(issue.path[0] ?? 'name'), message: issue.message }]);
  }
  const { kind, name } = parsed.data;
  const targetId = (parsed.data.target ?? '').trim();
  const what = kind === 'team' ? 'team' : 'worker';
  if (!targetId) {
    throw new ValidationError([{ field: 'target', message: `Choose the ${what} “${name}” stands for` }]);
  }
  return inTransaction(db, async (trx) => {
    const target = !UUID.test(targetId)
      ? undefined
      : kind === 'team'
        ? await trx
            .selectFrom('teams')
            .select(['id', 'name', sql<string | null>`null`.as('team_id')])
            .where('id', '=', targetId)
            .where('council_id', '=', councilId)
            .executeTakeFirst()
        : await trx
            .selectFrom('staff')
            .select(['id', 'name', 'team_id'])
            .where('id', '=', targetId)
            .where('council_id', '=', councilId)
            .executeTakeFirst();
    if (!target) {
      throw new ValidationError([{ field: 'target', message: `Choose a ${what} from the list` }]);
    }
    const key = nameKey(name);
    await trx
      .insertInto('name_aliases')
      .values({
        council_id: councilId,
        kind,
        alias_key: key,
        alias: name,
        team_id: kind === 'team' ? target.id : null,
        staff_id: kind === 'worker' ? target.id : null,
        created_by: createdBy,
      })
      .onConflict((oc) =>
        oc.columns(['council_id', 'kind', 'alias_key']).doUpdateSet({
          alias: name,
          team_id: kind === 'team' ? target.id : null,
          staff_id: kind === 'worker' ? target.id : null,
          created_by: createdBy,
          created_at: new Date(),
        }),
      )
      .execute();

    const snapshot = await latestSnapshot(trx, councilId);
    const spellings = snapshot ? await spellingsOf(trx, snapshot.id, kind, key) : [];
    if (!snapshot || !spellings.length) return { kind, name, target: target.name, children: 0 };
    const updated =
      kind === 'team'
        ? await trx
            .updateTable('child_involvements')
            .set({ team_id: target.id })
            .where('snapshot_id', '=', snapshot.id)
            .where('team_name', 'in', spellings)
            .returning('child_id')
            .execute()
        : await trx
            .updateTable('child_involvements')
            .set((eb) => ({
              staff_id: target.id,
              team_id: eb.fn.coalesce('team_id', eb.val(target.team_id)),
            }))
            .where('snapshot_id', '=', snapshot.id)
            .where('worker_name', 'in', spellings)
            .returning('child_id')
            .execute();
    await markSnapshotChanged(trx, snapshot.id);
    return { kind, name, target: target.name, children: new Set(updated.map((u) => u.child_id)).size };
  });
}

/** The spellings of a team or worker name in a snapshot that reduce to `key`. */
async function spellingsOf(db: Db, snapshotId: string, kind: NameKind, key: string): Promise<string[]> {
  const column = kind === 'team' ? 'team_name' : 'worker_name';
  const rows = await db
    .selectFrom('child_involvements')
    .select(`${column} as name`)
    .distinct()
    .where('snapshot_id', '=', snapshotId)
    .where(column, 'is not', null)
    .execute();
  return rows.map((r) => r.name as string).filter((n) => nameKey(n) === key);
}

/**
 * Removes a saved spelling. The latest snapshot's children it placed go back to being given under
 * a name not matched, so the name can be matched again: a team goes back to the worker's team (or
 * none), a worker to none (and the team they brought with them, when the extract gave no team).
 */
export async function removeAlias(db: Db, councilId: string, aliasId: string): Promise<{ alias: string }> {
  if (!UUID.test(aliasId)) throw new NotFoundError('saved name');
  return inTransaction(db, async (trx) => {
    const alias = await trx
      .deleteFrom('name_aliases')
      .where('id', '=', aliasId)
      .where('council_id', '=', councilId)
      .returning(['kind', 'alias', 'alias_key', 'team_id', 'staff_id'])
      .executeTakeFirst();
    if (!alias) throw new NotFoundError('saved name');
    const snapshot = await latestSnapshot(trx, councilId);
    const spellings = snapshot ? await spellingsOf(trx, snapshot.id, alias.kind, alias.alias_key) : [];
    if (!snapshot || !spellings.length) return { alias: alias.alias };
    if (alias.kind === 'team' && alias.team_id) {
      await trx
        .updateTable('child_involvements as i')
        .set((eb) => ({
          team_id: eb.selectFrom('staff as s').select('s.team_id').whereRef('s.id', '=', 'i.staff_id'),
        }))
        .where('i.snapshot_id', '=', snapshot.id)
        .where('i.team_name', 'in', spellings)
        .where('i.team_id', '=', alias.team_id)
        .execute();
    } else if (alias.kind === 'worker' && alias.staff_id) {
      await trx
        .updateTable('child_involvements')
        .set((eb) => ({
          staff_id: null,
          team_id: eb.case().when('team_name', 'is', null).then(null).else(eb.ref('team_id')).end(),
        }))
        .where('snapshot_id', '=', snapshot.id)
        .where('worker_name', 'in', spellings)
        .where('staff_id', '=', alias.staff_id)
        .execute();
    }
    await markSnapshotChanged(trx, snapshot.id);
    return { alias: alias.alias };
  });
}

/** The page where names are matched: the names not matched, the teams and workers to choose, the names saved. */
export async function namesPage(db: Db, councilId: string) {
  const [unmatched, choices, aliases] = await Promise.all([
    unmatchedNames(db, councilId),
    nameChoices(db, councilId),
    listAliases(db, councilId),
  ]);
  return { unmatched, choices, aliases };
}
