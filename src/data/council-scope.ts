import type { Db } from './db.ts';

type CouncilTable = 'localities' | 'service_areas' | 'teams' | 'staff' | 'children';

/** True when the row exists and belongs to the council: the guard against crossing councils. */
export async function belongsToCouncil(db: Db, table: CouncilTable, id: string, councilId: string) {
  const row = await db
    .selectFrom(table)
    .select('id')
    .where('id', '=', id)
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  return row !== undefined;
}
