import { sql } from 'kysely';
/**
 * An episode of a child's record in words, for the child's page and the timeline beside an audit:
 * codes as words, teams and workers by the council's names, dates as "3 December 2026".
 */
import type { Db } from '../../data/db.ts';
import {
  attributeWords,
  episodeDetailWords,
  type NameLookup,
  TEAM_ATTRIBUTES,
  WORKER_ATTRIBUTES,
} from '../../domain/case-record-words.ts';
import type { EpisodeKind } from '../../domain/child-status.ts';
import { nameKey } from '../../domain/name-matching.ts';

/**
 * An episode's detail, or what the extract said about it beyond the dates, in words: codes as words,
 * teams and workers by name, dates as "3 December 2026", no identifiers.
 */
export function episodeDetail(
  kind: EpisodeKind,
  detail: string | null,
  attributes: Record<string, unknown> | null,
  names: NameLookup,
): string | undefined {
  if (detail?.trim()) return episodeDetailWords(kind, detail);
  return attributeWords(attributes, names) || undefined;
}

/**
 * The council's names for the teams and workers an extract names in episodes (by its ID for them,
 * their name, or a name mapped to them on the names page), so the timeline says "Safeguarding North"
 * where the extract wrote T03.
 */
export async function namesIn(
  db: Db,
  councilId: string,
  episodes: { attributes: Record<string, unknown> | null }[],
): Promise<NameLookup> {
  const wanted = (keys: Set<string>) => [
    ...new Set(
      episodes.flatMap((e) =>
        Object.entries(e.attributes ?? {})
          .filter(([k, v]) => keys.has(k) && typeof v === 'string' && v.trim() !== '')
          .map(([, v]) => (v as string).trim()),
      ),
    ),
  ];
  const teamValues = wanted(TEAM_ATTRIBUTES);
  const workerValues = wanted(WORKER_ATTRIBUTES);
  const byKey = (
    rows: { external_id: string | null; name: string }[],
    aliases: { alias_key: string; name: string }[],
  ) => {
    const map = new Map<string, string>();
    for (const a of aliases) map.set(`alias:${a.alias_key}`, a.name);
    for (const r of rows) map.set(`name:${nameKey(r.name)}`, r.name);
    for (const r of rows) if (r.external_id) map.set(`id:${r.external_id.trim()}`, r.name);
    return (value: string) =>
      map.get(`id:${value.trim()}`) ??
      map.get(`name:${nameKey(value)}`) ??
      map.get(`alias:${nameKey(value)}`);
  };
  if (!teamValues.length && !workerValues.length) return { team: () => undefined, worker: () => undefined };
  // the council's teams or staff, and the names mapped to them, in one statement
  const rows = (
    await sql<{ kind: 'team' | 'worker' | 'team_alias' | 'worker_alias'; key: string | null; name: string }>`
      select 'team' as kind, t.external_id as key, t.name from teams t
        where ${teamValues.length > 0}::boolean and t.council_id = ${councilId}
      union all
      select 'worker', s.external_id, s.name from staff s
        where ${workerValues.length > 0}::boolean and s.council_id = ${councilId}
      union all
      select a.kind || '_alias', a.alias_key, coalesce(t.name, s.name) from name_aliases a
        left join teams t on t.id = a.team_id
        left join staff s on s.id = a.staff_id
        where a.council_id = ${councilId} and coalesce(t.name, s.name) is not null
          and ((a.kind = 'team' and ${teamValues.length > 0}::boolean)
            or (a.kind = 'worker' and ${workerValues.length > 0}::boolean))`.execute(db)
  ).rows;
  const of = (kind: string) => rows.filter((r) => r.kind === kind);
  const teams = of('team').map((r) => ({ external_id: r.key, name: r.name }));
  const staff = of('worker').map((r) => ({ external_id: r.key, name: r.name }));
  const teamAliases = of('team_alias').map((r) => ({ alias_key: r.key ?? '', name: r.name }));
  const workerAliases = of('worker_alias').map((r) => ({ alias_key: r.key ?? '', name: r.name }));
  return { team: byKey(teams, teamAliases), worker: byKey(staff, workerAliases) };
}
