import { nameKey } from '../../../domain/name-matching.ts';
import type { CountChange, DataQualityReport } from '../../../services/case-data/data-quality.ts';
import type { UnmatchedNames } from '../../../services/case-data/name-aliases.ts';
import type { SnapshotSummary } from '../../../services/case-data/snapshots.ts';

/** A change on the snapshot before, as the report's tables say it. */
export function changeText(c: CountChange): string {
  if (c.change === null) return 'No previous snapshot';
  if (c.change === 0) return 'No change';
  return c.change > 0 ? `+${c.change.toLocaleString('en-GB')}` : `−${(-c.change).toLocaleString('en-GB')}`;
}

/** How an import came in, when no person is named. */
const SENT_THROUGH: Record<string, string> = {
  command: 'through the qaloop command',
  web: 'through the upload page',
  api: 'from the data warehouse',
};

/** The snapshots list: each import says who or what sent it. */
export function snapshotsView(snapshots: SnapshotSummary[]) {
  return snapshots.map((s) => ({
    ...s,
    imports: s.imports.map((i) => ({
      ...i,
      sentBy: i.startedBy ? `by ${i.startedBy}` : (SENT_THROUGH[i.source] ?? ''),
    })),
  }));
}

/** The report's count tables, each row with its change on the snapshot before in words. */
export function qualityCounts(report: DataQualityReport) {
  const withChange = (rows: CountChange[]) => rows.map((c) => ({ ...c, changeText: changeText(c) }));
  return {
    byList: withChange(report.counts.byList),
    byTeam: withChange(report.counts.byTeam),
    byServiceArea: withChange(report.counts.byServiceArea),
  };
}

/**
 * Where a refused match is shown: the row of the name on the page (its team or worker choice), or
 * the list of names when it is not among them.
 */
export function failedMatch(
  unmatched: UnmatchedNames,
  input: { kind: string; name: string; target: string },
): { kind: string; name: string; field: string; target: string } {
  const kind = input.kind === 'worker' ? 'worker' : 'team';
  const name = input.name.trim();
  const rows = kind === 'team' ? unmatched.teams.names : unmatched.workers.names;
  const index = rows.findIndex((r) => r.name === name || nameKey(r.name) === nameKey(name));
  const field = index >= 0 ? `${kind}-${index + 1}` : 'unmatched';
  return { kind, name, field, target: input.target };
}
