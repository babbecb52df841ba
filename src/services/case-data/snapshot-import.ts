import { basename } from 'node:path';
import type { Transaction } from 'kysely';
import type { Db } from '../../data/db.ts';
import type { Database } from '../../data/schema.ts';
import { inTransaction } from '../../data/transaction.ts';
import { readBudget } from '../../import/read-limits.ts';
import { SNAPSHOT_ROW_TABLES, type SnapshotReader, SnapshotWriter } from '../../import/snapshot-writer.ts';
import {
  type ImportOptions,
  ImportRefusedError,
  type ImportSummary,
  ImportTally,
} from '../../import/types.ts';
import { dataQualityReport } from './data-quality.ts';
import { checkListShrink } from './shrink-guard.ts';
import {
  beginBuilding,
  clearAbandonedSnapshots,
  discardBuilding,
  makeCurrent,
  markSnapshotChanged,
} from './snapshots.ts';

/** What an import built aside hands to its caller in its last transaction, before it commits. */
export type ImportCommitHook = (trx: Transaction<Database>, summary: ImportSummary) => Promise<void>;

/**
 * Imports case data into the snapshot of its date. The import is recorded (who, when, which file,
 * counts), the sources it brings replace what an earlier import of the same date brought from them,
 * and the snapshot's data-quality report is kept with it. With `strict` any invalid row refuses the
 * whole import; an import that empties a list, or shrinks it by more than the council allows, is
 * refused unless `allowShrink` (ListShrinkRefusedError, src/services/case-data/shrink-guard.ts).
 *
 * The rows are built aside (issue 22): written batch by batch into a snapshot nobody reads
 * (`building`); with `buildAside`, each batch its own short transaction, so that on the
 * embedded database, which has one session, pages are answered between batches rather than after
 * the whole import. Its last transaction, short, checks the guards and makes the rows current, with
 * the record of the import and whatever `onCommit` adds (the job's end); until then readers see
 * the data as it was. A refused or failed import changes nothing anyone sees, and what it wrote
 * aside is removed; one cut short by the process stopping is removed by the next import or when the
 * app starts (clearAbandonedSnapshots).
 */
export async function importSnapshot(
  db: Db,
  format: string,
  options: ImportOptions & { allowShrink?: boolean; onCommit?: ImportCommitHook; buildAside?: boolean },
  read: SnapshotReader,
): Promise<ImportSummary> {
  // Unless asked to build aside, the whole import is one transaction, as the command line's and
  // PostgreSQL's imports always were: then even the teams, workers and families an SSD extract
  // brings are undone with a refused import.
  if (!db.isTransaction && !options.buildAside)
    return db.transaction().execute((trx) => importSnapshot(trx, format, options, read));
  const fileName = options.fileName ?? basename(options.path);
  const startedAt = new Date();
  // Inside a caller's transaction (the job runner on PostgreSQL) that transaction undoes it all.
  const own = !db.isTransaction;
  if (own) await clearAbandonedSnapshots(db, SNAPSHOT_ROW_TABLES, options.councilId);
  const builtId = await beginBuilding(db, options.councilId, options.asOf);
  try {
    const tally = new ImportTally();
    const writer = new SnapshotWriter(db, {
      councilId: options.councilId,
      snapshotId: builtId,
      tally,
      aside: true,
    });
    const ignoredFiles: string[] = [];
    await read({
      ignoredFiles,
      writer,
      tally,
      fileName,
      rowRead: () => {
        tally.read();
        if (options.onProgress && tally.rowsRead % 1000 === 0) options.onProgress(tally.rowsRead);
      },
    });
    // a limit passed inside a reader that went on regardless still refuses the import
    readBudget()?.throwIfExceeded();
    await writer.flush();
    options.onProgress?.(tally.rowsRead);
    const summary = tally.summary(format, options.asOf);
    if (options.strict && summary.rowsRejected > 0) throw new ImportRefusedError(summary);
    return await inTransaction(db, async (trx) => {
      const { snapshotId, before } = await makeCurrent(
        trx,
        { id: builtId, councilId: options.councilId, asOf: options.asOf, replaces: writer.replaced },
        SNAPSHOT_ROW_TABLES,
      );
      await writer.applyHeldBack(trx);
      await markSnapshotChanged(trx, snapshotId);
      await checkListShrink(trx, {
        councilId: options.councilId,
        snapshotId,
        asOf: options.asOf,
        sources: writer.sources,
        before,
        allowShrink: options.allowShrink,
      });
      const quality = await dataQualityReport(trx, options.councilId, snapshotId);
      await trx
        .insertInto('imports')
        .values({
          council_id: options.councilId,
          format,
          as_of: options.asOf,
          file_name: fileName,
          source: options.source,
          started_by: options.startedBy ?? null,
          started_at: startedAt,
          finished_at: new Date(),
          rows_read: summary.rowsRead,
          rows_accepted: summary.rowsAccepted,
          rows_rejected: summary.rowsRejected,
          errors: JSON.stringify(summary.errors.slice(0, 1000)),
          sources: writer.sources,
          quality: JSON.stringify(quality),
          snapshot_id: snapshotId,
        })
        .execute();
      const result: ImportSummary = {
        ...summary,
        snapshot: { id: snapshotId, asOf: options.asOf, sources: writer.sources },
        dataQuality: quality,
        ...(ignoredFiles.length ? { ignoredFiles } : {}),
      };
      await options.onCommit?.(trx, result);
      return result;
    });
  } catch (err) {
    // Nobody saw any of it: what was written aside goes now (on the caller's transaction, its undoing).
    if (own) await discardBuilding(db, builtId, SNAPSHOT_ROW_TABLES).catch(() => {});
    throw err;
  }
}
