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
  const [teams, staff, teamAliases, workerAliases] = await Promise.all([
    teamValues.length
      ? db.selectFrom('teams').select(['external_id', 'name']).where('council_id', '=', councilId).execute()
      : [],
    workerValues.length
      ? db.selectFrom('staff').select(['external_id', 'name']).where('council_id', '=', councilId).execute()
      : [],
    teamValues.length
      ? db
          .selectFrom('name_aliases as a')
          .innerJoin('teams as t', 't.id', 'a.team_id')
          .select(['a.alias_key', 't.name'])
          .where('a.council_id', '=', councilId)
          .where('a.kind', '=', 'team')
          .execute()
      : [],
    workerValues.length
      ? db
          .selectFrom('name_aliases as a')
          .innerJoin('staff as s', 's.id', 'a.staff_id')
          .select(['a.alias_key', 's.name'])
          .where('a.council_id', '=', councilId)
          .where('a.kind', '=', 'worker')
          .execute()
      : [],
  ]);
  return { team: byKey(teams, teamAliases), worker: byKey(staff, workerAliases) };
}
