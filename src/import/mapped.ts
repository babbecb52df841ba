import type { Db } from '../data/db.ts';
import type { SnapshotReader } from './snapshot-import.ts';
import { UnreadableFileError } from './types.ts';

export interface ColumnMapping {
  id: string;
  name: string;
  listKind: string;
  columns: Record<string, string>;
}

/** A council's saved column mapping by name. */
export async function findMapping(
  db: Db,
  councilId: string,
  name: string,
): Promise<ColumnMapping | undefined> {
  const row = await db
    .selectFrom('column_mappings')
    .select(['id', 'name', 'list_kind', 'columns'])
    .where('council_id', '=', councilId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row ? { id: row.id, name: row.name, listKind: row.list_kind, columns: row.columns } : undefined;
}

/** Reads any other CSV or XLSX extract through a saved column mapping. */
export function mappedReader(_path: string, _mapping: ColumnMapping): SnapshotReader {
  return async () => {
    throw new UnreadableFileError('Mapped extracts are being built');
  };
}
