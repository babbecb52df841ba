import { open, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Db } from '../../data/db.ts';
import { refreshPlannerStatistics } from '../../data/planner-statistics.ts';
import { annexAReader } from '../../import/annex-a.ts';
import {
  AUDIT_HISTORY_COLUMNS,
  importAuditHistory,
  isAuditHistoryWorkbook,
} from '../../import/audit-history.ts';
import { readCsv } from '../../import/csv-records.ts';
import { openFileSet, pathKind } from '../../import/file-sets.ts';
import { findMapping, mappedReader } from '../../import/mapped.ts';
import { type ImportLimits, withReadLimits } from '../../import/read-limits.ts';
import { SNAPSHOT_ROW_TABLES } from '../../import/snapshot-writer.ts';
import { ssdReader } from '../../import/ssd.ts';
import { type ImportOptions, type ImportSummary, UnreadableFileError } from '../../import/types.ts';
import { latestScope } from '../sampling/cohort-query.ts';
import { importLimits } from './import-limits.ts';
import { type ImportCommitHook, importSnapshot } from './snapshot-import.ts';

export const IMPORT_FORMATS = ['annex-a', 'ssd', 'audit-history', 'mapped'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** The tables an import of each format fills in bulk: their statistics are refreshed once it is in. */
export function tablesFilledBy(format: string | null | undefined): readonly string[] {
  if (format === 'audit-history') return ['audit_history'];
  return ['children', 'families', 'snapshots', ...SNAPSHOT_ROW_TABLES];
}

/**
 * After an import has committed: its tables' statistics brought up to date (see
 * planner-statistics.ts) and, for case data, the council's latest snapshot's case summary worked
 * out (cohort-query.ts), so that the first cohort or sample page after the import is not the one
 * that waits for it (10 s for 400,000 children on PostgreSQL). Neither is part of the import: a
 * failure costs only speed, and the first cohort page then works the summary out.
 */
export async function settleAfterImport(
  db: Db,
  councilId: string,
  format: string | null | undefined,
): Promise<void> {
  await refreshPlannerStatistics(db, tablesFilledBy(format));
  if (format === 'audit-history') return;
  await latestScope(db, councilId).catch(() => undefined);
}

export interface RunImportOptions extends ImportOptions {
  /** detected from the file when not given */
  format?: ImportFormat;
  /** a saved column mapping, by name: the format is then `mapped` */
  mapping?: string;
  /** the person confirmed the file may empty a list or shrink it beyond the council's share */
  allowShrink?: boolean;
  /** run in the import's last transaction, before it commits (snapshot formats only) */
  onCommit?: ImportCommitHook;
  /**
   * build the snapshot aside in short transactions rather than in one (snapshot formats only): the
   * import runner on the embedded database, where one long transaction would hold every page
   */
  buildAside?: boolean;
  /** the most it may read: the council's own (council_settings) when not given */
  limits?: ImportLimits;
}

const SSD_TABLE = /^ssd_[a-z0-9_]+\.csv$/i;

/** The header row of a CSV file, normalised, or undefined when it cannot be read as CSV. */
async function csvHeaders(path: string): Promise<string[] | undefined> {
  let headers: string[] | undefined;
  try {
    for await (const _ of readCsv(path, basename(path), {
      name: 'a',
      required: [],
      headers: (h) => {
        headers = h;
      },
    })) {
      break;
    }
  } catch {
    return headers;
  }
  return headers;
}

/**
 * The format of a file, folder or zip from what it holds: SSD tables are named `ssd_*.csv`; an
 * audit history (a CSV file, or a workbook's first sheet that has them) has `child_id`, `month` and
 * `activity` columns; any other workbook or CSV is read as Annex A. A file that is none of these is
 * refused with the way to say what it is.
 */
export async function detectFormat(path: string, displayName = basename(path)): Promise<ImportFormat> {
  const kind = await pathKind(path);
  if (kind === 'missing') throw new UnreadableFileError(`${displayName}: no such file or folder`);
  if (kind === 'folder' || kind === 'zip') {
    const set = await openFileSet(path, displayName);
    await set.close();
    if (set.entries.some((e) => SSD_TABLE.test(e.name))) return 'ssd';
    if (set.entries.some((e) => /\.(csv|xlsx)$/i.test(e.name))) return 'annex-a';
    throw new UnreadableFileError(
      `${displayName} holds no CSV files: an SSD extract is one CSV per table, named like ssd_person.csv`,
    );
  }
  if (/\.xls[xm]$/i.test(displayName) || /\.xls[xm]$/i.test(path))
    return (await isAuditHistoryWorkbook(path, displayName)) ? 'audit-history' : 'annex-a';
  if (SSD_TABLE.test(displayName)) return 'ssd';
  const headers = await csvHeaders(path);
  if (headers && AUDIT_HISTORY_COLUMNS.every((h) => headers.includes(h))) return 'audit-history';
  if (extname(displayName).toLowerCase() === '.csv' || headers?.length) return 'annex-a';
  throw new UnreadableFileError(
    `${displayName} is not a CSV or XLSX file, nor a folder or zip of them: say what it is with --format`,
  );
}

/**
 * Imports a file, folder or zip in the format given or detected: the one way in for the command,
 * the upload page and the data warehouse's endpoint. Everything it reads counts against the
 * council's limits on rows and uncompressed size (src/import/read-limits.ts): past either, it stops
 * at once with ImportLimitError, an unreadable file, and nothing is written.
 */
export async function runImport(db: Db, options: RunImportOptions): Promise<ImportSummary> {
  const limits = options.limits ?? (await importLimits(db, options.councilId));
  return withReadLimits(limits, async (budget) => {
    // A file on its own, not a zip or workbook (whose parts are counted as they are opened), is
    // its own size uncompressed: counted before it is read.
    const kind = await pathKind(options.path);
    if (kind === 'file' && !(await startsAsZip(options.path))) {
      const info = await stat(options.path);
      budget.countBytes(options.path, info.size);
    }
    return importIn(db, options);
  });
}

async function startsAsZip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return bytesRead === 4 && head.readUInt32LE(0) === 0x04034b50;
  } finally {
    await handle.close();
  }
}

async function importIn(db: Db, options: RunImportOptions): Promise<ImportSummary> {
  const fileName = options.fileName ?? basename(options.path);
  const format: ImportFormat = options.mapping
    ? 'mapped'
    : (options.format ?? (await detectFormat(options.path, fileName)));
  switch (format) {
    case 'audit-history':
      return importAuditHistory(db, { ...options, fileName });
    case 'annex-a':
      return importSnapshot(db, format, { ...options, fileName }, annexAReader(options.path, options.asOf));
    case 'ssd':
      return importSnapshot(db, format, { ...options, fileName }, ssdReader(options.path, options.asOf));
    case 'mapped': {
      if (!options.mapping)
        throw new UnreadableFileError('A mapped extract needs the name of its saved column mapping');
      const mapping = await findMapping(db, options.councilId, options.mapping);
      if (!mapping) throw new UnreadableFileError(`No saved column mapping is called "${options.mapping}"`);
      return importSnapshot(
        db,
        format,
        { ...options, fileName },
        mappedReader(options.path, mapping, options.asOf),
      );
    }
  }
}
