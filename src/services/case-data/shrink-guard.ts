import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import {
  DEFAULT_SHRINK_PERCENT,
  type ListCount,
  type ListShrink,
  SHRINK_PERCENT_RANGE,
  shrinkMessage,
  shrinksBeyond,
} from '../../domain/list-shrink.ts';
import { ValidationError } from '../../domain/validation.ts';
import { recordSecurityEvent } from '../organisation/security-log.ts';

/**
 * The guard against an import that empties a list or shrinks it by more than the council allows
 * (issue 22): a file with only its header row once removed every child of Annex A list 6 and was
 * reported as "Import finished, 0 rows". Refused imports change nothing: the import's transaction
 * is undone.
 */
export class ListShrinkRefusedError extends Error {
  readonly shrinks: ListShrink[];
  readonly limitPercent: number;
  constructor(shrinks: ListShrink[], limitPercent: number) {
    super(shrinkMessage(shrinks, limitPercent));
    this.shrinks = shrinks;
    this.limitPercent = limitPercent;
  }
}

/** The share of a list (a whole percentage) an import may remove without being confirmed. */
export async function importShrinkPercent(db: Db, councilId: string): Promise<number> {
  const row = await db
    .selectFrom('council_settings')
    .select('import_shrink_percent')
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  return row?.import_shrink_percent ?? DEFAULT_SHRINK_PERCENT;
}

/** The children each source lists in one snapshot, before an import replaces any of them. */
export async function childrenBySource(db: Db, snapshotId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('snapshot_children')
    .select(['source', (eb) => eb.fn.count<string>('child_id').distinct().as('children')])
    .where('snapshot_id', '=', snapshotId)
    .groupBy('source')
    .execute();
  return new Map(rows.map((r) => [r.source, Number(r.children)]));
}

async function childrenOf(db: Db, snapshotId: string, source: string): Promise<number> {
  const row = await db
    .selectFrom('snapshot_children')
    .select((eb) => eb.fn.count<string>('child_id').distinct().as('children'))
    .where('snapshot_id', '=', snapshotId)
    .where('source', '=', source)
    .executeTakeFirst();
  return Number(row?.children ?? 0);
}

/**
 * Checks the sources an import wrote, inside its transaction and before it ends: each is compared
 * with what the same snapshot held from it before the import (`before`), or, when it held nothing,
 * with the latest earlier snapshot that holds the source. Throws ListShrinkRefusedError, so the
 * transaction is undone, unless `allowShrink`.
 */
export async function checkListShrink(
  db: Db,
  options: {
    councilId: string;
    snapshotId: string;
    asOf: string;
    sources: readonly string[];
    before: Map<string, number>;
    allowShrink?: boolean;
  },
): Promise<void> {
  if (options.allowShrink || !options.sources.length) return;
  const counts: ListCount[] = [];
  for (const source of options.sources) {
    let before = options.before.get(source) ?? 0;
    if (before === 0) {
      const earlier = await db
        .selectFrom('snapshots as s')
        .select('s.id')
        .where('s.council_id', '=', options.councilId)
        .where('s.state', '=', 'ready')
        .where('s.as_of', '<', options.asOf)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('snapshot_children as sc')
              .select('sc.id')
              .whereRef('sc.snapshot_id', '=', 's.id')
              .where('sc.source', '=', source),
          ),
        )
        .orderBy('s.as_of', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (earlier) before = await childrenOf(db, earlier.id, source);
    }
    counts.push({ source, before, after: await childrenOf(db, options.snapshotId, source) });
  }
  const limit = await importShrinkPercent(db, options.councilId);
  const shrinks = shrinksBeyond(counts, limit);
  if (shrinks.length) throw new ListShrinkRefusedError(shrinks, limit);
}

/**
 * Saves the share of a list an import may remove without being confirmed (ValidationError: nothing
 * saved), recording the change, old and new, and who made it in the security log.
 */
export async function saveImportShrinkPercent(
  db: Db,
  councilId: string,
  input: { shrinkPercent?: unknown },
  actorId: string | null,
): Promise<number> {
  const text = typeof input.shrinkPercent === 'string' ? input.shrinkPercent.trim().replace(/%$/, '') : '';
  const { min, max } = SHRINK_PERCENT_RANGE;
  const between = `Enter the share of a list's children an import may remove, from ${min}% to ${max}%`;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max)
    throw new ValidationError([
      {
        field: 'shrinkPercent',
        message:
          text === '' || /^\d+$/.test(text) ? between : 'Enter the percentage as a whole number, like 33',
      },
    ]);
  const percent = Number(text);
  await inTransaction(db, async (trx) => {
    const before = await importShrinkPercent(trx, councilId);
    await trx
      .insertInto('council_settings')
      .values({ council_id: councilId, phase_lengths: '{}', import_shrink_percent: percent })
      .onConflict((oc) =>
        oc.column('council_id').doUpdateSet({ import_shrink_percent: percent, updated_at: new Date() }),
      )
      .execute();
    await recordSecurityEvent(trx, {
      councilId,
      kind: 'import_shrink_changed',
      actorId,
      subjectId: null,
      detail: { share: `${before}%, now ${percent}%` },
    });
  });
  return percent;
}
