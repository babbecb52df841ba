/**
 * The `grades` report (interfaces.md, domain.md §6): the final grades of returned audits (the
 * moderation panel's where moderated) by month on each grade scale, with good or better as a share
 * with its 95% Wilson interval, across scales by month (drawn as an XmR chart), and by service area,
 * locality, team, worker and kind of activity.
 */
import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import { ACTIVITY_KIND_LABELS, type ReturnsKind } from '../domain/activity-kinds.ts';
import { monthName } from '../domain/dates.ts';
import { monthRange } from '../domain/month-range.ts';
import { type Proportion, proportion } from '../domain/statistics.ts';
import { suppressGrid } from '../domain/suppression.ts';
import { allocationFacts } from '../metrics/audit-facts.ts';
import {
  type Column,
  type Count,
  FEWER_THAN,
  gradeWords,
  isSmall,
  PUBLICATION_NOTE,
  publishShare,
  type ReportDocument,
  type ReportSection,
  type ReportTable,
  rangeWords,
  type Share,
  shareText,
} from './document.ts';
import {
  byName,
  councilScales,
  GROUPINGS,
  type Grouping,
  groupBy,
  head,
  type ReportHead,
  type ReportParams,
  reportMonths,
  type ScaleInfo,
} from './report-base.ts';

export interface GradeCounts {
  /** audits by final grade, best first */
  counts: Record<string, Count>;
  total: Count;
  goodOrBetter: Share;
}

export interface GradeBlock {
  scale: string;
  scaleName: string;
  /** the scale's grades, best first, with whether each counts as good or better */
  grades: { key: string; label: string; goodOrBetter: boolean }[];
  months: (GradeCounts & { month: string })[];
  total: GradeCounts;
}

export interface GroupGrades extends GradeCounts {
  name: string | null;
}

export interface GradesReport extends ReportHead<'grades'> {
  /** the scale most audits were graded on; its months and total follow (interfaces.md) */
  scale: string | null;
  months: (GradeCounts & { month: string })[];
  total: GradeCounts;
  /** one block per scale that appears */
  scales: GradeBlock[];
  /** good or better across every scale, month by month */
  goodOrBetter: { months: (Share & { month: string })[]; total: Share };
  byServiceArea: GroupGrades[];
  byLocality: GroupGrades[];
  /** not in a report for publication */
  byTeam: GroupGrades[];
  /** not in a report for publication */
  byWorker: GroupGrades[];
  byKind: (GroupGrades & { kind: ReturnsKind })[];
}

interface GradeRow {
  month: string;
  scale_key: string | null;
  final_grade: string;
  final_good: boolean | null;
  kind: ReturnsKind;
  area_key: string | null;
  service_area: string | null;
  locality_key: string | null;
  locality: string | null;
  team_key: string | null;
  team: string | null;
  worker_key: string | null;
  worker: string | null;
}

/** The returned audits with a final grade, one row each. */
export async function gradedAudits(db: Db, councilId: string, p: ReportParams): Promise<GradeRow[]> {
  const { rows } = await sql<GradeRow>`
    select f.month::text as month, f.scale_key, f.final_grade, f.final_good, f.kind,
      f.area_key, f.service_area, f.locality_key, f.locality, f.team_key, f.team, f.worker_key, f.worker
    from ${allocationFacts(councilId, monthRange(p.from, p.to), p.filters)} f
    where f.status = 'submitted' and f.final_grade is not null`.execute(db);
  return rows.map((r) => ({ ...r, month: r.month.slice(0, 7) }));
}

function gradeCounts(rows: readonly GradeRow[], keys: readonly string[]): GradeCounts {
  const counts: Record<string, number> = Object.fromEntries(keys.map((k) => [k, 0]));
  let good = 0;
  for (const r of rows) {
    counts[r.final_grade] = (counts[r.final_grade] ?? 0) + 1;
    if (r.final_good) good++;
  }
  return { counts, total: rows.length, goodOrBetter: proportion(good, rows.length) };
}

/** Scales in the order reports show them: the one with most audits first. */
function scaleOrder(rows: readonly GradeRow[]): string[] {
  const n = new Map<string, number>();
  for (const r of rows) n.set(r.scale_key ?? '', (n.get(r.scale_key ?? '') ?? 0) + 1);
  return [...n.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
}

/** Every grade key that appears, in the order of their scales (best first). */
function allGradeKeys(scales: ScaleInfo[], rows: readonly GradeRow[]): string[] {
  const keys: string[] = [];
  for (const s of scales) for (const g of s.grades) if (!keys.includes(g.key)) keys.push(g.key);
  for (const r of rows) if (!keys.includes(r.final_grade)) keys.push(r.final_grade);
  return keys;
}

function groups(rows: readonly GradeRow[], grouping: Grouping, keys: string[]): GroupGrades[] {
  const g = GROUPINGS[grouping];
  return [...groupBy(rows, (r) => r[g.key as keyof GradeRow] as string | null).values()]
    .map((list) => ({ name: list[0][g.name as keyof GradeRow] as string | null, ...gradeCounts(list, keys) }))
    .sort(byName);
}

export async function buildGradesReport(db: Db, councilId: string, p: ReportParams): Promise<GradesReport> {
  const [rows, scaleInfo] = await Promise.all([gradedAudits(db, councilId, p), councilScales(db, councilId)]);
  const months = reportMonths(p);
  const order = scaleOrder(rows);
  const scales: GradeBlock[] = order.map((key) => {
    const info = scaleInfo.get(key) ?? { key, name: key || 'No scale recorded', grades: [] };
    const own = rows.filter((r) => (r.scale_key ?? '') === key);
    const keys = allGradeKeys([info], own);
    const byMonth = groupBy(own, (r) => r.month);
    return {
      scale: key,
      scaleName: info.name,
      grades: keys.map((k) => {
        const grade = info.grades.find((x) => x.key === k);
        return { key: k, label: grade?.label ?? gradeWords(k), goodOrBetter: grade?.goodOrBetter ?? false };
      }),
      months: months.map((month) => ({ month, ...gradeCounts(byMonth.get(month) ?? [], keys) })),
      total: gradeCounts(own, keys),
    };
  });
  const keys = allGradeKeys(
    order.map((k) => scaleInfo.get(k)).filter((s): s is ScaleInfo => Boolean(s)),
    rows,
  );
  const byMonth = groupBy(rows, (r) => r.month);
  const monthShare = (list: readonly GradeRow[]) =>
    proportion(list.filter((r) => r.final_good).length, list.length);
  const main = scales[0];
  const empty = gradeCounts([], []);
  return {
    ...head('grades', p),
    scale: main?.scale ?? null,
    months: main?.months ?? months.map((month) => ({ month, ...empty })),
    total: main?.total ?? empty,
    scales,
    goodOrBetter: {
      months: months.map((month) => ({ month, ...monthShare(byMonth.get(month) ?? []) })),
      total: monthShare(rows),
    },
    byServiceArea: groups(rows, 'serviceArea', keys),
    byLocality: groups(rows, 'locality', keys),
    byTeam: groups(rows, 'team', keys),
    byWorker: groups(rows, 'worker', keys),
    byKind: [...groupBy(rows, (r) => r.kind).entries()].map(([kind, list]) => ({
      kind,
      name: ACTIVITY_KIND_LABELS[kind] ?? kind,
      ...gradeCounts(list, keys),
    })),
  };
}

// ---- publication ------------------------------------------------------------------------------

/**
 * Rows of grade counts (with their total row) as published: hidden cells (1 to 4, and those that
 * would give them away through a row or column total) shown as "fewer than 5" or "withheld". A row's
 * good or better is withheld when exactly one hidden count lies among the good-or-better grades or
 * among the others, since the share would then give that count back.
 */
export function publishGradeRows<T extends GradeCounts>(
  rows: T[],
  goodKeys: ReadonlySet<string>,
  total?: GradeCounts,
  /** the total row's cells (grade keys, 'total') hidden in the table this one shares its totals with */
  totalHidden?: ReadonlySet<string>,
): { rows: T[]; total?: GradeCounts } {
  const all = total ? [...rows, total] : rows;
  const keys = [...new Set(all.flatMap((r) => Object.keys(r.counts)))];
  // each row's total is a column of its own: the totals add up to the grand total, so one hidden
  // total is given a partner like any other count
  const grid = all.map((r) => [...keys.map((k) => Number(r.counts[k] ?? 0)), Number(r.total)]);
  const forced = all.map((_, i) =>
    total && i === rows.length && totalHidden ? [...keys, 'total'].map((k) => totalHidden.has(k)) : [],
  );
  const hidden = suppressGrid(grid, forced);
  const totalAt = keys.length;
  const publish = <R extends GradeCounts>(r: R, i: number): R => {
    const counts: Record<string, Count> = {};
    keys.forEach((k, j) => {
      counts[k] = hidden[i][j] ? (isSmall(grid[i][j]) ? FEWER_THAN : 'withheld') : grid[i][j];
    });
    const hiddenGood = keys.filter((k, j) => hidden[i][j] && goodKeys.has(k)).length;
    const hiddenOther = keys.filter((k, j) => hidden[i][j] && !goodKeys.has(k)).length;
    const anyHidden = hiddenGood === 1 || hiddenOther === 1;
    return {
      ...r,
      counts,
      total: hidden[i][totalAt] ? (isSmall(grid[i][totalAt]) ? FEWER_THAN : 'withheld') : grid[i][totalAt],
      goodOrBetter: publishShare(r.goodOrBetter as Proportion, anyHidden || hidden[i][totalAt]),
    };
  };
  return {
    rows: rows.map((r, i) => publish(r, i)),
    total: total ? publish(total, rows.length) : undefined,
  };
}

export function publishGradesReport(r: GradesReport): GradesReport {
  const goodKeys = new Set(r.scales.flatMap((b) => b.grades.filter((g) => g.goodOrBetter).map((g) => g.key)));
  const scales = r.scales.map((b) => {
    const { rows, total } = publishGradeRows(b.months, goodKeys, b.total);
    return { ...b, months: rows, total: total as GradeCounts };
  });
  // across scales, a month's share is withheld wherever a scale's share of that month is
  const hiddenMonth = (month: string) =>
    scales.some((b) => {
      const m = b.months.find((x) => x.month === month);
      return m !== undefined && Number(m.total) !== 0 && typeof m.goodOrBetter.count !== 'number';
    });
  // the breakdowns add up to the same totals as the months: their total row is hidden as the
  // months' is, so no table gives back what another hides
  const combined = r.scales.reduce<GradeCounts>(
    (acc, b) => ({
      counts: { ...acc.counts, ...(b.total.counts as Record<string, number>) },
      total: Number(acc.total) + Number(b.total.total),
      goodOrBetter: acc.goodOrBetter,
    }),
    { counts: {}, total: 0, goodOrBetter: r.goodOrBetter.total },
  );
  const totalHidden = new Set<string>();
  for (const b of scales) {
    for (const [k, c] of Object.entries(b.total.counts)) if (typeof c !== 'number') totalHidden.add(k);
    if (typeof b.total.total !== 'number') totalHidden.add('total');
  }
  if (
    scales.length > 1 &&
    scales.some((b) => isSmall(Number(r.scales.find((x) => x.scale === b.scale)?.total.total)))
  )
    totalHidden.add('total');
  const grouped = <T extends GradeCounts>(list: T[]) =>
    publishGradeRows(list, goodKeys, combined, totalHidden).rows;
  return {
    ...r,
    publication: true,
    months: scales[0]?.months ?? r.months,
    total: scales[0]?.total ?? r.total,
    scales,
    goodOrBetter: {
      months: r.goodOrBetter.months.map((m) => ({
        ...publishShare(m as Proportion, hiddenMonth(m.month)),
        month: m.month,
      })),
      total: publishShare(
        r.goodOrBetter.total as Proportion,
        scales.some((b) => Number(b.total.total) !== 0 && typeof b.total.goodOrBetter.count !== 'number'),
      ),
    },
    byServiceArea: grouped(r.byServiceArea),
    byLocality: grouped(r.byLocality),
    byTeam: [],
    byWorker: [],
    byKind: grouped(r.byKind),
  };
}

// ---- the document -----------------------------------------------------------------------------

const ABOUT =
  'Counted on each audit’s final grade: the grade the moderation panel agreed where the audit was ' +
  'moderated, otherwise the auditor’s overall grade. Audits without an overall grade (dip samples) are ' +
  'not counted. Each grade scale says which of its grades count as good or better, so the share can be ' +
  'compared across scales and years. Monthly samples are small: every share is given with its count ' +
  'and a 95% confidence interval (Wilson), the range the true rate is likely to lie in.';

/** A table of grade counts with good or better, one row per group and a total row. */
export function gradeTable(
  id: string,
  title: string,
  header: string,
  grades: { key: string; label: string }[],
  rows: { name: string; counts: GradeCounts; total?: boolean }[],
): ReportTable {
  const columns: Column[] = [
    { key: 'group', header, kind: 'text' },
    ...grades.map((g) => ({ key: g.key, header: g.label, kind: 'count' as const })),
    { key: 'total', header: 'Audits', kind: 'count' },
    { key: 'goodOrBetter', header: 'Good or better', kind: 'share' },
  ];
  return {
    id,
    title,
    columns,
    rows: rows.map((r) => ({
      total: r.total,
      cells: {
        group: r.name,
        ...Object.fromEntries(grades.map((g) => [g.key, r.counts.counts[g.key] ?? 0])),
        total: r.counts.total,
        goodOrBetter: r.counts.goodOrBetter,
      },
    })),
  };
}

/** The grade labels of every scale in the report, best first, each once. */
function reportGrades(r: GradesReport) {
  const out: { key: string; label: string }[] = [];
  for (const b of r.scales) for (const g of b.grades) if (!out.some((x) => x.key === g.key)) out.push(g);
  return out;
}

/** The grades report as a document. */
export function gradesDocument(r: GradesReport, council: string): ReportDocument {
  const range = rangeWords(r.from, r.to);
  const grades = reportGrades(r);
  const total = r.goodOrBetter.total;
  const summary = [
    `Audits graded: ${typeof total.total === 'number' ? total.total.toLocaleString('en-GB') : total.total}.`,
    `Good or better: ${shareText(total, 'none graded')}.`,
    ...r.scales.map(
      (b) =>
        `${b.scaleName}: ${b.grades.map((g) => `${g.label.toLowerCase()} ${b.total.counts[g.key] ?? 0}`).join(', ')}.`,
    ),
  ];
  const sections: ReportSection[] = [
    {
      id: 'good-or-better',
      heading: 'Good or better, month by month',
      paragraphs: [
        'The chart is an XmR (statistical process control) chart: a month outside the dashed limits, or a run or trend of months, is a change worth looking into; months moving within the limits are the usual variation of small samples.',
      ],
      charts: [
        {
          kind: 'spc',
          title: `Audits graded good or better, ${range}`,
          yTitle: 'Good or better',
          percent: true,
          series: r.goodOrBetter.months.map((m) => ({
            label: monthName(`${m.month}-01`),
            value: typeof m.total === 'number' && m.total > 0 ? m.rate : null,
          })),
        },
      ],
      tables: [
        {
          id: 'good-or-better-by-month',
          title: 'Good or better by month',
          columns: [
            { key: 'month', header: 'Month', kind: 'text' },
            { key: 'goodOrBetter', header: 'Good or better', kind: 'share' },
          ],
          rows: [
            ...r.goodOrBetter.months.map((m) => ({
              cells: { month: monthName(`${m.month}-01`), goodOrBetter: m },
            })),
            { total: true, cells: { month: 'All months', goodOrBetter: r.goodOrBetter.total } },
          ],
        },
      ],
    },
    ...r.scales.map(
      (b): ReportSection => ({
        id: `grades-${b.scale}`,
        heading: `Grades by month: ${b.scaleName}`,
        // a chart would draw a hidden count as nothing: for publication, the table alone
        charts: r.publication
          ? []
          : [
              {
                kind: 'stacked',
                title: `Final grades by month, ${b.scaleName}`,
                categories: b.grades.map((g) => g.label),
                rows: b.months.flatMap((m) =>
                  b.grades.map((g) => ({
                    group: monthName(`${m.month}-01`),
                    category: g.label,
                    count: typeof m.counts[g.key] === 'number' ? (m.counts[g.key] as number) : 0,
                  })),
                ),
              },
            ],
        tables: [
          gradeTable(
            `grades-by-month-${b.scale}`,
            `Final grades by month, ${b.scaleName}`,
            'Month',
            b.grades,
            [
              ...b.months.map((m) => ({ name: monthName(`${m.month}-01`), counts: m })),
              { name: 'All months', counts: b.total, total: true },
            ],
          ),
        ],
      }),
    ),
  ];
  const breakdowns: [Grouping | 'kind', GroupGrades[]][] = [
    ['serviceArea', r.byServiceArea],
    ['locality', r.byLocality],
    ...(r.publication
      ? []
      : ([
          ['team', r.byTeam],
          ['worker', r.byWorker],
        ] as [Grouping, GroupGrades[]][])),
    ['kind', r.byKind],
  ];
  sections.push({
    id: 'breakdowns',
    heading: 'Where practice is good or better',
    charts: r.byServiceArea.length
      ? [
          {
            kind: 'rates',
            title: 'Good or better by service area, with 95% confidence intervals',
            xTitle: 'Good or better',
            rows: r.byServiceArea.map((g) => ({
              group: g.name ?? GROUPINGS.serviceArea.none,
              rate: g.goodOrBetter.rate,
              ci95: g.goodOrBetter.ci95,
            })),
          },
        ]
      : [],
    tables: breakdowns.map(([grouping, list]) => {
      const words =
        grouping === 'kind'
          ? { title: 'By kind of activity', header: 'Activity', none: '' }
          : GROUPINGS[grouping];
      return gradeTable(
        `by-${grouping}`,
        words.title,
        words.header,
        grades,
        list.map((g) => ({ name: g.name ?? words.none, counts: g })),
      );
    }),
  });
  return {
    title: `Audit grades, ${range}`,
    subtitle: [council, ...r.filters, ...(r.publication ? ['For publication'] : [])],
    summary,
    notes: [ABOUT, ...(r.publication ? [PUBLICATION_NOTE] : [])],
    sections,
    publication: r.publication,
  };
}
