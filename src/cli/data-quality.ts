import type { Db } from '../data/db.ts';
import { formatDate } from '../domain/dates.ts';
import {
  type CountChange,
  type DataQualityReport,
  dataQualityReport,
} from '../services/case-data/data-quality.ts';
import { findSnapshot, latestSnapshot } from '../services/case-data/snapshots.ts';

/** How many examples of each finding the readable output prints; --json gives the report's own. */
export const EXAMPLES_PRINTED = 10;

/** There is no snapshot to report on: none at all, or none of the date asked for. */
export class NoSnapshotError extends Error {}

/**
 * What `qaloop data-quality` prints: the report of the latest snapshot, or of the one dated
 * `asOf`, as JSON or as readable lines.
 */
export async function dataQualityOutput(
  db: Db,
  councilId: string,
  options: { asOf?: string; json: boolean },
): Promise<string> {
  const snapshot = options.asOf
    ? await findSnapshot(db, councilId, { asOf: options.asOf })
    : await latestSnapshot(db, councilId);
  if (!snapshot) {
    const latest = await latestSnapshot(db, councilId);
    throw new NoSnapshotError(
      !latest
        ? 'There is no snapshot yet: import case data first with "qaloop import PATH".'
        : `There is no snapshot dated ${options.asOf}: the latest is dated ${latest.asOf}.`,
    );
  }
  const report = await dataQualityReport(db, councilId, snapshot.id);
  return options.json ? JSON.stringify(report) : reportText(report);
}

/** "a", "a and b", "a, b and c" */
function inWords(items: string[]): string {
  return items.length > 1
    ? `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
    : (items[0] ?? '');
}

function plural(n: number, one: string, many: string) {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
}

/** A finding's count line, up to EXAMPLES_PRINTED example lines, and how many more there are. */
function finding(title: string, count: number, examples: string[]): string[] {
  const lines = [`${title}: ${count.toLocaleString('en-GB')}`];
  for (const e of examples.slice(0, EXAMPLES_PRINTED)) lines.push(`  ${e}`);
  const more = count - Math.min(examples.length, EXAMPLES_PRINTED);
  if (more > 0 && examples.length)
    lines.push(`  and ${more.toLocaleString('en-GB')} more (--json lists up to 100)`);
  return lines;
}

function change(c: CountChange): string {
  if (c.change === null) return 'no previous snapshot';
  if (c.change === 0) return 'no change';
  return c.change > 0 ? `+${c.change}` : `−${-c.change}`;
}

function counts(title: string, rows: CountChange[]): string[] {
  const lines = [`${title}:`];
  if (!rows.length) lines.push('  none');
  for (const c of rows.slice(0, EXAMPLES_PRINTED)) {
    lines.push(`  ${c.name}: ${c.count.toLocaleString('en-GB')} (${change(c)})`);
  }
  if (rows.length > EXAMPLES_PRINTED) lines.push(`  and ${rows.length - EXAMPLES_PRINTED} more (see --json)`);
  return lines;
}

/** The report as lines a person reads in a terminal. */
export function reportText(report: DataQualityReport): string {
  const where = (r: DataQualityReport['conflicts']['examples'][number]['rows'][number]) =>
    [r.source, r.file, r.sheet && `sheet ${r.sheet}`, r.row && `row ${r.row}`].filter(Boolean).join(', ');
  const details = (r: DataQualityReport['conflicts']['examples'][number]['rows'][number]) =>
    [
      `born ${r.dateOfBirth ?? 'not given'}`,
      `gender ${r.gender ?? 'not given'}`,
      `ethnicity ${r.ethnicity ?? 'not given'}`,
    ].join(', ');
  const { teams, workers } = report.unmatchedNames;
  return [
    `Data quality of the snapshot of ${formatDate(report.asOf)}` +
      (report.previousAsOf ? `, compared with ${formatDate(report.previousAsOf)}` : ', the first snapshot'),
    `Children listed: ${report.children.toLocaleString('en-GB')}`,
    `Open cases: ${report.openChildren.toLocaleString('en-GB')}`,
    '',
    ...finding(
      'Same child twice with conflicting details',
      report.conflicts.count,
      report.conflicts.examples.map(
        (e) =>
          `${e.childRef}: ${inWords(e.fields)} ${e.fields.length === 1 ? 'differs' : 'differ'} (${e.rows
            .map((r) => `${where(r)}: ${details(r)}`)
            .join('; ')})`,
      ),
    ),
    ...finding(
      'Open cases with no allocated worker',
      report.unallocated.count,
      report.unallocated.examples.map((e) => e.childRef),
    ),
    ...finding(
      'Cases allocated to managers',
      report.allocatedToManagers.count,
      report.allocatedToManagers.examples.map((e) => `${e.childRef}: ${e.worker}, ${e.jobTitle}`),
    ),
    ...finding(
      'Ages that do not fit the list',
      report.ageMismatches.count,
      report.ageMismatches.examples.map((e) => `${e.childRef}: ${e.message}`),
    ),
    ...finding(
      'Team names not matched',
      teams.length,
      teams.map((n) => `${n.name} (${plural(n.children, 'child', 'children')})`),
    ),
    ...finding(
      'Worker names not matched',
      workers.length,
      workers.map((n) => `${n.name} (${plural(n.children, 'child', 'children')})`),
    ),
    '',
    ...counts('Children by list', report.counts.byList),
    ...counts('Open cases by team', report.counts.byTeam),
    ...counts('Open cases by service area', report.counts.byServiceArea),
  ].join('\n');
}
