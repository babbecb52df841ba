import type { SnapshotReader } from './snapshot-import.ts';
import { UnreadableFileError } from './types.ts';

/** Reads an Ofsted Annex A workbook (a sheet per list), a CSV of one list, or a folder or zip of them. */
export function annexAReader(_path: string): SnapshotReader {
  return async () => {
    throw new UnreadableFileError('Annex A is being built');
  };
}
