/**
 * Actions done on time, by the grade of the audit they came from and by service area
 * (src/metrics/actions-on-time.ts), as a chapter of the monthly and annual reports: so nobody can say
 * that only inadequate audits are followed up. For publication, counts from 1 to 4 are hidden with
 * partners as in every report; the council-wide share is always given.
 */

import type { Db } from '../data/db.ts';
import { addMonths, formatDate, type IsoDate } from '../domain/dates.ts';
import { monthRange } from '../domain/month-range.ts';
import type { Role } from '../domain/roles.ts';
import { ENOUGH_TO_PUBLISH, type Keep, suppressGrid } from '../domain/suppression.ts';
import {
  type ActionsOnTime,
  actionsOnTime,
  GRADE_GROUP_RULE,
  type OnTimeFigures,
} from '../metrics/actions-on-time.ts';
import { reportScope } from '../metrics/report-scope.ts';
import {
  type Count,
  countText,
  FEWER_THAN,
  isSmall,
  PUBLICATION_NOTE,
  type ReportDocument,
  rangeWords,
  type Share,
  shareText,
} from './document.ts';
import type { ReportParams } from './report-base.ts';

/** A row as shown: the share done on time and the overdue still open, either possibly suppressed. */
export interface ShownOnTime {
  name: string;
  onTime: Share;
  overdueOpen: Count;
}

const hiddenCount = (n: number): Count => (isSmall(n) ? FEWER_THAN : 'withheld');

/**
 * Rows (the last being the total) as published: done on time and not on time hidden with partners
 * across rows, the total row kept (the headline); overdue still open likewise in a column of its own.
 */
export function publishOnTimeRows(rows: readonly (OnTimeFigures & { name: string })[]): ShownOnTime[] {
  const last = rows.length - 1;
  const grid = rows.map((r) => [r.onTime.count, r.onTime.total - r.onTime.count, r.onTime.total]);
  // the total row is the headline, never hidden; a row's total is kept from ENOUGH_TO_PUBLISH
  const keep = rows.map((r, i): Keep[] =>
    i === last ? [2, 2, 2] : [0, 0, r.onTime.total >= ENOUGH_TO_PUBLISH ? 1 : 0],
  );
  const hidden = suppressGrid(grid, undefined, keep);
  const overdue = rows.map((r) => [r.overdueOpen]);
  const overdueHidden = suppressGrid(
    overdue,
    undefined,
    rows.map((_, i) => [i === last ? 2 : 0] as Keep[]),
  );
  return rows.map((r, i) => {
    const [countHidden, restHidden, totalHidden] = hidden[i];
    const any = countHidden || restHidden || totalHidden;
    return {
      name: r.name,
      onTime: any
        ? {
            count: countHidden || restHidden ? hiddenCount(r.onTime.count) : r.onTime.count,
            total: totalHidden ? hiddenCount(r.onTime.total) : r.onTime.total,
            rate: null,
            ci95: null,
          }
        : r.onTime,
      overdueOpen: overdueHidden[i][0] ? hiddenCount(r.overdueOpen) : r.overdueOpen,
    };
  });
}

export interface OnTimeTables {
  byGrade: ShownOnTime[];
  byServiceArea: ShownOnTime[];
  total: ShownOnTime;
}

/** The figures as shown: in full, or for publication. Grade groups with no actions are left out but good, RI and inadequate. */
export function onTimeTables(f: ActionsOnTime, publication: boolean): OnTimeTables {
  const grades = f.byGrade.filter((g) => g.group !== 'ungraded' || g.onTime.total > 0);
  const total = { name: 'All actions', ...f.total };
  if (!publication) {
    return { byGrade: grades, byServiceArea: f.byServiceArea, total };
  }
  const g = publishOnTimeRows([...grades, total]);
  const a = publishOnTimeRows([...f.byServiceArea, total]);
  return { byGrade: g.slice(0, -1), byServiceArea: a.slice(0, -1), total: g[g.length - 1] };
}

/** What every place that shows the figures says about how they are counted. */
export function onTimeRule(f: ActionsOnTime): string {
  return `An action counts when it is due in these months or was done in them, up to ${formatDate(f.countedTo)}; it is done on time when it was done on or before its due date. Overdue means past its due date and still open today. ${GRADE_GROUP_RULE}`;
}

/** The chapter: the share done on time by grade and by service area, with overdue still open. */
export function actionsOnTimeDocument(f: ActionsOnTime, publication: boolean): ReportDocument {
  const t = onTimeTables(f, publication);
  const range = rangeWords(f.range.from, f.range.to);
  const columns = [
    { key: 'name', header: 'Audit graded', kind: 'text' as const },
    { key: 'onTime', header: 'Done on time', kind: 'share' as const },
    { key: 'overdueOpen', header: 'Overdue, still open', kind: 'count' as const },
  ];
  const rows = (list: ShownOnTime[]) => [
    ...list.map((r) => ({ cells: { ...r } })),
    { total: true, cells: { ...t.total } },
  ];
  return {
    title: 'Actions done on time, by grade of audit',
    subtitle: [],
    summary: [
      `Actions done on or before their due date, of those due in ${range} or done in it: ${shareText(t.total.onTime, 'none due')}.`,
      `Overdue and still open: ${countText(t.total.overdueOpen)}.`,
      'Actions are followed up for audits of every grade, not only those graded inadequate.',
    ],
    notes: [onTimeRule(f), ...(publication ? [PUBLICATION_NOTE] : [])],
    sections: [
      {
        id: 'actions-on-time',
        heading: 'Done on time, by the audit’s grade and by service area',
        charts: [
          {
            kind: 'rates',
            title: 'Actions done on time by the audit’s grade, with 95% confidence intervals',
            xTitle: 'Done on time',
            rows: t.byGrade.map((g) => ({ group: g.name, rate: g.onTime.rate, ci95: g.onTime.ci95 })),
          },
        ],
        tables: [
          {
            id: 'actions-on-time-by-grade',
            title: 'By the grade of the audit',
            columns,
            rows: rows(t.byGrade),
            empty: 'No actions were due in these months.',
          },
          {
            id: 'actions-on-time-by-service-area',
            title: 'By service area',
            columns: [{ ...columns[0], header: 'Service area' }, ...columns.slice(1)],
            rows: f.byServiceArea.length ? rows(t.byServiceArea) : [],
            empty: 'No actions were due in these months.',
          },
        ],
      },
    ],
    publication,
  };
}

/** The chapter for a report's months, filters and date. */
export async function actionsOnTimeChapter(
  db: Db,
  councilId: string,
  p: ReportParams,
): Promise<ReportDocument> {
  const f = await actionsOnTime(db, councilId, monthRange(p.from, p.to), p.filters, p.today);
  return actionsOnTimeDocument(f, p.publication);
}

/** What the Actions page shows QA and senior leaders: the last 12 months to today, in their scope. */
export interface ActionsPageOnTime {
  /** "December 2025 to November 2026" */
  period: string;
  rows: { name: string; onTime: string; overdueOpen: string }[];
  total: { name: string; onTime: string; overdueOpen: string };
  rule: string;
  /** said instead of the table when no action was due */
  empty: boolean;
  limitedToServiceArea: boolean;
}

/**
 * The Actions page's table of actions done on time by grade of audit, for QA leads and senior
 * leaders (a Head of Service sees their services, as in their reports); null for anyone else.
 */
export async function actionsPageOnTime(
  db: Db,
  person: { councilId: string; staffId: string; serviceAreaId: string | null; roles: readonly Role[] },
  today: IsoDate,
): Promise<ActionsPageOnTime | null> {
  if (!person.roles.includes('qa_lead') && !person.roles.includes('senior_leader')) return null;
  const scope = reportScope(person);
  const to = `${today.slice(0, 7)}-01`;
  const range = { from: addMonths(to, -11), to };
  const f = await actionsOnTime(db, person.councilId, range, scope.fixed, today);
  const t = onTimeTables(f, false);
  const shown = (r: ShownOnTime) => ({
    name: r.name,
    onTime: shareText(r.onTime, 'None due'),
    overdueOpen: countText(r.overdueOpen),
  });
  return {
    period: rangeWords(range.from, range.to),
    rows: t.byGrade.map(shown),
    total: shown(t.total),
    rule: onTimeRule(f),
    empty: f.total.onTime.total === 0,
    limitedToServiceArea: scope.limitedTo === 'serviceArea',
  };
}
