import type { SnapshotReader } from './snapshot-import.ts';
import { UnreadableFileError } from './types.ts';

/** Reads a Standard Safeguarding Dataset extract: a folder or zip of CSVs named after its tables. */
export function ssdReader(_path: string): SnapshotReader {
  return async () => {
    throw new UnreadableFileError('SSD is being built');
  };
}
