import { basename } from 'node:path';
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import { type SnapshotReader, SnapshotWriter } from '../../import/snapshot-writer.ts';
import {
  type ImportOptions,
  ImportRefusedError,
  type ImportSummary,
  ImportTally,
} from '../../import/types.ts';
import { dataQualityReport } from './data-quality.ts';
import { checkListShrink, childrenBySource } from './shrink-guard.ts';
import { markSnapshotChanged, snapshotOfDate } from './snapshots.ts';

/**
 * Imports case data into the snapshot of its date, as one transaction: the import is recorded (who,
 * when, which file, counts), the sources it brings replace what an earlier import of the same date
 * brought from them, and the snapshot's data-quality report is kept with it. With `strict` any
 * invalid row refuses the whole import; a refused or failed import changes nothing. An import that
 * empties a list, or shrinks it by more than the council allows, is refused unless `allowShrink`
 * (ListShrinkRefusedError, src/services/case-data/shrink-guard.ts).
 */
export async function importSnapshot(
  db: Db,
  format: string,
  options: ImportOptions & { allowShrink?: boolean },
  read: SnapshotReader,
): Promise<ImportSummary> {
  const fileName = options.fileName ?? basename(options.path);
  return inTransaction(db, async (trx) => {
    const snapshotId = await snapshotOfDate(trx, options.councilId, options.asOf);
    // what each list held before this import replaces it, for the guard against emptying one
    const before = await childrenBySource(trx, snapshotId);
    const record = await trx
      .insertInto('imports')
      .values({
        council_id: options.councilId,
        format,
        as_of: options.asOf,
        file_name: fileName,
        source: options.source,
        started_by: options.startedBy ?? null,
        started_at: new Date(),
        rows_read: 0,
        rows_accepted: 0,
        rows_rejected: 0,
        errors: '[]',
        snapshot_id: snapshotId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const tally = new ImportTally();
    const writer = new SnapshotWriter(trx, { councilId: options.councilId, snapshotId, tally });
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
    await writer.flush();
    await markSnapshotChanged(trx, snapshotId);
    options.onProgress?.(tally.rowsRead);
    const summary = tally.summary(format, options.asOf);
    if (options.strict && summary.rowsRejected > 0) throw new ImportRefusedError(summary);
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
      .updateTable('imports')
      .set({
        finished_at: new Date(),
        rows_read: summary.rowsRead,
        rows_accepted: summary.rowsAccepted,
        rows_rejected: summary.rowsRejected,
        errors: JSON.stringify(summary.errors.slice(0, 1000)),
        sources: writer.sources,
        quality: JSON.stringify(quality),
      })
      .where('id', '=', record.id)
      .execute();
    return {
      ...summary,
      snapshot: { id: snapshotId, asOf: options.asOf, sources: writer.sources },
      dataQuality: quality,
      ...(ignoredFiles.length ? { ignoredFiles } : {}),
    };
  });
}
