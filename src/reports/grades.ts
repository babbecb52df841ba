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
import { ENOUGH_TO_PUBLISH, type Keep, keptTotal, Suppression } from '../domain/suppression.ts';
import { allocationFacts } from '../metrics/audit-facts.ts';
import {
  type Column,
  type Count,
  gradeWords,
  PUBLICATION_NOTE,
  type ReportDocument,
  type ReportSection,
  type ReportTable,
  rangeWords,
  type Share,
  shareText,
  shownCount,
  shownShare,
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

/** The ids of a row of grade counts in a suppression problem (src/domain/suppression.ts). */
export interface GradeIds {
  counts: Record<string, number>;
  total: number;
  /** good or better */
  good: number;
  /** below good: not shown, but the total less good or better gives it */
  below: number;
}

/**
 * Adds a row of grade counts to a suppression problem: each grade, the row's total, good or better
 * and (worked out from those) below good, with the lines between them. `keep` is how much the row's
 * total is kept (a month's, the report's); its good or better is kept as much when the row has
 * ENOUGH_TO_PUBLISH audits. `counts` gives ids already added for the row (a table's total row that
 * is another table's too).
 */
export function addGradeRow(
  s: Suppression,
  r: GradeCounts,
  keys: readonly string[],
  goodKeys: ReadonlySet<string>,
  keep: Keep,
  same?: GradeIds,
): GradeIds {
  if (same) return same;
  const total = Number(r.total);
  const good = Number(r.goodOrBetter.count);
  const rateKept: Keep = total >= ENOUGH_TO_PUBLISH ? keep : 0;
  const ids: GradeIds = {
    counts: Object.fromEntries(keys.map((k) => [k, s.add(Number(r.counts[k] ?? 0))])),
    total: s.add(total, { keep: keptTotal(total, keep) }),
    good: s.add(good, { keep: rateKept }),
    below: s.add(total - good, { keep: rateKept, derived: true }),
  };
  s.sum(ids.total, Object.values(ids.counts));
  s.sum(ids.total, [ids.good, ids.below]);
  // good or better is its good grades added up (where the audits say so: a grade is good or better
  // on its scale), and below good the others
  const goodSum = keys.filter((k) => goodKeys.has(k)).reduce((n, k) => n + Number(r.counts[k] ?? 0), 0);
  if (goodSum === good) {
    s.sum(
      ids.good,
      keys.filter((k) => goodKeys.has(k)).map((k) => ids.counts[k]),
    );
    s.sum(
      ids.below,
      keys.filter((k) => !goodKeys.has(k)).map((k) => ids.counts[k]),
    );
  }
  return ids;
}

/** The rows of a table add up, grade by grade, to its total row. */
function addColumns(s: Suppression, rows: readonly GradeIds[], total: GradeIds, keys: readonly string[]) {
  for (const k of keys)
    s.sum(
      total.counts[k],
      rows.map((r) => r.counts[k]),
    );
  s.sum(
    total.total,
    rows.map((r) => r.total),
  );
  s.sum(
    total.good,
    rows.map((r) => r.good),
  );
  s.sum(
    total.below,
    rows.map((r) => r.below),
  );
}

/** A row of grade counts as published, once the problem is solved. */
export function publishedRow<R extends GradeCounts>(r: R, ids: GradeIds, hidden: (id: number) => boolean): R {
  const counts: Record<string, Count> = {};
  for (const [k, id] of Object.entries(ids.counts))
    counts[k] = shownCount(Number(r.counts[k] ?? 0), hidden(id));
  return {
    ...r,
    counts,
    total: shownCount(Number(r.total), hidden(ids.total)),
    goodOrBetter: shownShare(r.goodOrBetter as Proportion, hidden(ids.good), hidden(ids.total)),
  };
}

/**
 * Rows of grade counts (with their total row) as published: counts from 1 to 4 shown as "fewer than
 * 5", and the counts that would give them back through a row's or a column's total, or through good
 * or better, withheld (src/domain/suppression.ts). The rows' totals and good or better are kept as a
 * month's are (published when the row has ENOUGH_TO_PUBLISH audits), the total row's as the report's.
 * `totalHidden` names the total row's cells (grade keys, 'total', 'goodOrBetter') hidden in the
 * table this one shares its totals with.
 */
export function publishGradeRows<T extends GradeCounts>(
  rows: T[],
  goodKeys: ReadonlySet<string>,
  total?: GradeCounts,
  totalHidden?: ReadonlySet<string>,
): { rows: T[]; total?: GradeCounts } {
  const all = total ? [...rows, total] : rows;
  const keys = [...new Set(all.flatMap((r) => Object.keys(r.counts)))];
  const s = new Suppression();
  const ids = rows.map((r) => addGradeRow(s, r, keys, goodKeys, 1));
  const totalIds = total ? addGradeRow(s, total, keys, goodKeys, 2) : undefined;
  if (totalIds) {
    addColumns(s, ids, totalIds, keys);
    for (const k of keys) if (totalHidden?.has(k)) s.hide(totalIds.counts[k]);
    if (totalHidden?.has('total')) s.hide(totalIds.total);
    if (totalHidden?.has('goodOrBetter')) s.hide(totalIds.good);
  }
  const hidden = s.solve();
  return {
    rows: rows.map((r, i) => publishedRow(r, ids[i], hidden)),
    total: total && totalIds ? publishedRow(total, totalIds, hidden) : undefined,
  };
}

/**
 * The grades report for publication: no team or worker; counts from 1 to 4 "fewer than 5" and the
 * counts that would give them back withheld, as one problem across every table (the scales' months,
 * good or better across scales, and the breakdowns, which add up to the same totals), so no table
 * gives back what another hides. The report's totals, and the total and good-or-better rate of every
 * month with ENOUGH_TO_PUBLISH audits or more, are always published.
 */
export function publishGradesReport(r: GradesReport): GradesReport {
  const s = new Suppression();
  const single = r.scales.length === 1;
  const blocks = r.scales.map((b) => {
    const goodKeys = new Set(b.grades.filter((g) => g.goodOrBetter).map((g) => g.key));
    const keys = [...new Set([...b.grades.map((g) => g.key), ...Object.keys(b.total.counts)])];
    const total = addGradeRow(s, b.total, keys, goodKeys, single ? 2 : 1);
    const months = b.months.map((m) => addGradeRow(s, m, keys, goodKeys, 1));
    addColumns(s, months, total, keys);
    return { total, months };
  });
  // good or better across scales, month by month: with one scale, that scale's
  const across = (share: Proportion, parts: GradeIds[], keep: Keep): GradeIds => {
    if (single) return parts[0];
    const total = Number(share.total);
    const rateKept: Keep = total >= ENOUGH_TO_PUBLISH ? keep : 0;
    const ids: GradeIds = {
      counts: {},
      total: s.add(total, { keep: keptTotal(total, keep) }),
      good: s.add(Number(share.count), { keep: rateKept }),
      below: s.add(total - Number(share.count), { keep: rateKept, derived: true }),
    };
    s.sum(ids.total, [ids.good, ids.below]);
    for (const part of ['total', 'good', 'below'] as const)
      s.sum(
        ids[part],
        parts.map((p) => p[part]),
      );
    return ids;
  };
  const acrossMonths = r.goodOrBetter.months.map((m) =>
    across(
      m as Proportion,
      blocks.flatMap((b, k) => {
        const i = r.scales[k].months.findIndex((x) => x.month === m.month);
        return i < 0 ? [] : [b.months[i]];
      }),
      1,
    ),
  );
  const acrossTotal = across(
    r.goodOrBetter.total as Proportion,
    blocks.map((b) => b.total),
    2,
  );
  if (!single) {
    for (const part of ['total', 'good', 'below'] as const)
      s.sum(
        acrossTotal[part],
        acrossMonths.map((m) => m[part]),
      );
  }
  // the breakdowns' total row: every grade across scales
  const allKeys = [...new Set(r.scales.flatMap((b) => Object.keys(b.total.counts)))];
  const goodKeys = new Set(r.scales.flatMap((b) => b.grades.filter((g) => g.goodOrBetter).map((g) => g.key)));
  const totalCounts: Record<string, number> = {};
  for (const k of allKeys) {
    const parts = blocks.filter((_, i) => k in r.scales[i].total.counts).map((b) => b.total.counts[k]);
    if (single) totalCounts[k] = parts[0];
    else {
      totalCounts[k] = s.add(parts.reduce((n, id) => n + s.count(id), 0));
      s.sum(totalCounts[k], parts);
    }
  }
  const overall: GradeIds = { ...acrossTotal, counts: totalCounts };
  if (!single) s.sum(overall.total, Object.values(totalCounts));
  const grouped = <T extends GradeCounts>(list: T[]) => {
    const ids = list.map((g) => addGradeRow(s, g, allKeys, goodKeys, 0));
    addColumns(s, ids, overall, allKeys);
    return ids;
  };
  const byServiceArea = grouped(r.byServiceArea);
  const byLocality = grouped(r.byLocality);
  const byKind = grouped(r.byKind);
  const hidden = s.solve();
  const scales = r.scales.map((b, k) => ({
    ...b,
    months: b.months.map((m, i) => publishedRow(m, blocks[k].months[i], hidden)),
    total: publishedRow(b.total, blocks[k].total, hidden),
  }));
  const share = (p: Proportion, ids: GradeIds) => shownShare(p, hidden(ids.good), hidden(ids.total));
  return {
    ...r,
    publication: true,
    months: scales[0]?.months ?? r.months,
    total: scales[0]?.total ?? r.total,
    scales,
    goodOrBetter: {
      months: r.goodOrBetter.months.map((m, i) => ({
        ...share(m as Proportion, acrossMonths[i]),
        month: m.month,
      })),
      total: share(r.goodOrBetter.total as Proportion, acrossTotal),
    },
    byServiceArea: r.byServiceArea.map((g, i) => publishedRow(g, byServiceArea[i], hidden)),
    byLocality: r.byLocality.map((g, i) => publishedRow(g, byLocality[i], hidden)),
    byTeam: [],
    byWorker: [],
    byKind: r.byKind.map((g, i) => publishedRow(g, byKind[i], hidden)),
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
