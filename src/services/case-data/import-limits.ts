import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import {
  DEFAULT_IMPORT_MAX_MEGABYTES,
  DEFAULT_IMPORT_MAX_ROWS,
  IMPORT_MAX_MEGABYTES_RANGE,
  IMPORT_MAX_ROWS_RANGE,
} from '../../domain/import-limits.ts';
import { type FieldError, ValidationError } from '../../domain/validation.ts';
import type { ImportLimits } from '../../import/read-limits.ts';
import { recordSecurityEvent } from '../organisation/security-log.ts';

const MB = 1024 * 1024;
const n = (x: number) => x.toLocaleString('en-GB');

/** The council's limits on one import, as the settings page shows them and the readers count them. */
export interface CouncilImportLimits extends ImportLimits {
  maxMegabytes: number;
}

/** The most one import of the council may read: rows, and megabytes once uncompressed. */
export async function importLimits(db: Db, councilId: string): Promise<CouncilImportLimits> {
  const row = await db
    .selectFrom('council_settings')
    .select(['import_max_rows', 'import_max_megabytes'])
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  const maxRows = row?.import_max_rows ?? DEFAULT_IMPORT_MAX_ROWS;
  const maxMegabytes = row?.import_max_megabytes ?? DEFAULT_IMPORT_MAX_MEGABYTES;
  return { maxRows, maxMegabytes, maxBytes: maxMegabytes * MB };
}

/** A whole number as people type it ("2,000,000", "2 000 000"), or undefined. */
function wholeNumber(value: unknown): number | undefined {
  const text = typeof value === 'string' ? value.trim().replace(/[,\s_]/g, '') : '';
  return /^\d{1,12}$/.test(text) ? Number(text) : undefined;
}

/**
 * Saves the most rows and megabytes one import may read (ValidationError, every mistake at once:
 * nothing saved), recording the change, old and new, and who made it in the security log.
 */
export async function saveImportLimits(
  db: Db,
  councilId: string,
  input: { maxRows?: unknown; maxMegabytes?: unknown },
  actorId: string | null,
): Promise<CouncilImportLimits> {
  const errors: FieldError[] = [];
  const rows = wholeNumber(input.maxRows);
  const megabytes = wholeNumber(input.maxMegabytes);
  const blank = (v: unknown) => typeof v !== 'string' || v.trim() === '';
  {
    const { min, max } = IMPORT_MAX_ROWS_RANGE;
    if (rows === undefined || rows < min || rows > max)
      errors.push({
        field: 'maxRows',
        message:
          rows === undefined && !blank(input.maxRows)
            ? `Enter the number of rows as a whole number, like ${n(DEFAULT_IMPORT_MAX_ROWS)}`
            : `Enter the most rows one import may read, from ${n(min)} to ${n(max)}`,
      });
  }
  {
    const { min, max } = IMPORT_MAX_MEGABYTES_RANGE;
    if (megabytes === undefined || megabytes < min || megabytes > max)
      errors.push({
        field: 'maxMegabytes',
        message:
          megabytes === undefined && !blank(input.maxMegabytes)
            ? `Enter the size in megabytes as a whole number, like ${n(DEFAULT_IMPORT_MAX_MEGABYTES)}`
            : `Enter the most megabytes one import may read, from ${n(min)} to ${n(max)}`,
      });
  }
  if (errors.length || rows === undefined || megabytes === undefined) throw new ValidationError(errors);
  await inTransaction(db, async (trx) => {
    const before = await importLimits(trx, councilId);
    await trx
      .insertInto('council_settings')
      .values({
        council_id: councilId,
        phase_lengths: '{}',
        import_max_rows: rows,
        import_max_megabytes: megabytes,
      })
      .onConflict((oc) =>
        oc.column('council_id').doUpdateSet({
          import_max_rows: rows,
          import_max_megabytes: megabytes,
          updated_at: new Date(),
        }),
      )
      .execute();
    await recordSecurityEvent(trx, {
      councilId,
      kind: 'import_limits_changed',
      actorId,
      subjectId: null,
      detail: {
        rows: `${n(before.maxRows)}, now ${n(rows)}`,
        size: `${n(before.maxMegabytes)} MB, now ${n(megabytes)} MB`,
      },
    });
  });
  return { maxRows: rows, maxMegabytes: megabytes, maxBytes: megabytes * MB };
}
