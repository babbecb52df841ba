import type { Db } from '../../src/data/db.ts';
import type { Gender } from '../../src/data/schema.ts';
import type { EpisodeKind } from '../../src/domain/child-status.ts';
import type { ImportSummary } from '../../src/import/types.ts';
import { importSnapshot } from '../../src/services/case-data/snapshot-import.ts';

/** One row of an invented list: a child, and what the list says about them. */
export interface ListRow {
  ref: string;
  dateOfBirth?: string | null;
  gender?: Gender | null;
  ethnicity?: string | null;
  /** an episode the row describes (the list's kind when the list has one) */
  episode?: { kind: EpisodeKind; startDate: string; endDate?: string | null };
  team?: string | null;
  worker?: string | null;
  /** the row is invalid: rejected with this message, as a reader would */
  rejected?: string;
}

/** An invented list as a file: its source (`annex_a:6`…), its name, and its rows (row 2 onwards). */
export interface ListFile {
  source: string;
  file: string;
  sheet?: string;
  rows: ListRow[];
}

/**
 * Imports invented lists into the snapshot of `asOf` through the import core, as a reader would:
 * each row names a child, their episode and who they are allocated to by name. Recorded as one
 * import of `fileName`.
 */
export function importLists(
  db: Db,
  councilId: string,
  asOf: string,
  lists: ListFile[],
  options: { fileName?: string; startedBy?: string | null; allowShrink?: boolean } = {},
): Promise<ImportSummary> {
  return importSnapshot(
    db,
    'annex-a',
    {
      councilId,
      path: options.fileName ?? lists[0]?.file ?? 'lists.csv',
      asOf,
      strict: false,
      source: 'web',
      startedBy: options.startedBy ?? null,
      // invented lists shrink and empty freely; the guard against that has its own tests
      allowShrink: options.allowShrink ?? true,
    },
    async ({ writer, tally, rowRead }) => {
      for (const list of lists) {
        await writer.beginSource(list.source);
        for (const [i, r] of list.rows.entries()) {
          rowRead();
          const at = { file: list.file, ...(list.sheet ? { sheet: list.sheet } : {}), row: i + 2 };
          if (r.rejected) {
            tally.reject([{ ...at, column: 'child_id', message: r.rejected }]);
            continue;
          }
          await writer.child(
            list.source,
            {
              ref: r.ref,
              dateOfBirth: r.dateOfBirth ?? null,
              gender: r.gender ?? null,
              ethnicity: r.ethnicity ?? null,
            },
            at,
          );
          if (r.episode)
            await writer.episode(
              list.source,
              {
                childRef: r.ref,
                kind: r.episode.kind,
                startDate: r.episode.startDate,
                endDate: r.episode.endDate ?? null,
              },
              at,
            );
          if (r.team || r.worker)
            await writer.allocation(
              list.source,
              { childRef: r.ref, teamName: r.team ?? null, workerName: r.worker ?? null },
              at,
            );
        }
        await writer.flush();
      }
    },
  );
}
