/**
 * The `actions` report (domain.md §6): the actions audits set for the child, counted for audits of
 * every grade, not only inadequate: created, done on time, done late, overdue and not yet due, by the
 * audit's final grade and by month. "On time" is done on or before its due date; the share done on
 * time is of the actions due by the report's date.
 */
import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import { formatDate, monthName } from '../domain/dates.ts';
import { monthRange } from '../domain/month-range.ts';
import { type Proportion, proportion } from '../domain/statistics.ts';
import { ENOUGH_TO_PUBLISH, type Keep, suppressGrid } from '../domain/suppression.ts';
import { allocationFacts } from '../metrics/audit-facts.ts';
import {
  type Column,
  type Count,
  FEWER_THAN,
  gradeWords,
  isSmall,
  PUBLICATION_NOTE,
  publishCount,
  publishShare,
  type ReportDocument,
  rangeWords,
  type Share,
  shareText,
} from './document.ts';
import {
  councilScales,
  groupBy,
  head,
  type ReportHead,
  type ReportParams,
  reportMonths,
} from './report-base.ts';

export interface ActionCounts {
  created: Count;
  done: Count;
  doneOnTime: Count;
  doneLate: Count;
  /** open and past their due date */
  overdue: Count;
  /** open and not yet due */
  notYetDue: Count;
  /** done on time, of those due by the report's date */
  onTime: Share;
}

export interface ActionsReport extends ReportHead<'actions'> {
  /** the date overdue is counted on */
  asOf: string;
  total: ActionCounts;
  byGrade: (ActionCounts & { grade: string | null; name: string })[];
  months: (ActionCounts & { month: string })[];
}

interface ActionRow {
  month: string;
  final_grade: string | null;
  final_order: number | null;
  due_on: string;
  status: 'open' | 'done';
  done_on: string | null;
}

function counts(rows: readonly ActionRow[], today: string): ActionCounts {
  const done = rows.filter((r) => r.status === 'done');
  const onTime = done.filter((r) => (r.done_on as string) <= r.due_on).length;
  // due by the report's date: past their due date, or due today and already done (one due today and
  // still open is not yet late)
  const isDue = (r: ActionRow) => r.due_on < today || (r.due_on === today && r.status === 'done');
  const due = rows.filter(isDue).length;
  const dueDoneOnTime = done.filter((r) => isDue(r) && (r.done_on as string) <= r.due_on).length;
  return {
    created: rows.length,
    done: done.length,
    doneOnTime: onTime,
    doneLate: done.length - onTime,
    overdue: rows.filter((r) => r.status === 'open' && r.due_on < today).length,
    notYetDue: rows.filter((r) => r.status === 'open' && r.due_on >= today).length,
    onTime: proportion(dueDoneOnTime, due),
  };
}

export async function buildActionsReport(db: Db, councilId: string, p: ReportParams): Promise<ActionsReport> {
  const [{ rows: raw }, scales] = await Promise.all([
    sql<ActionRow>`
      select f.month::text as month, f.final_grade, f.final_order, x.due_on::text as due_on, x.status,
        x.done_on::text as done_on
      from ${allocationFacts(councilId, monthRange(p.from, p.to), p.filters)} f
      join audit_actions x on x.audit_id = f.audit_id
      where f.status = 'submitted'`.execute(db),
    councilScales(db, councilId),
  ]);
  const rows = raw.map((r) => ({ ...r, month: r.month.slice(0, 7) }));
  const label = (grade: string | null) => {
    if (!grade) return 'No overall grade (dip samples)';
    for (const s of scales.values()) {
      const g = s.grades.find((x) => x.key === grade);
      if (g) return g.label;
    }
    return gradeWords(grade);
  };
  const byGradeRows = [...groupBy(rows, (r) => r.final_grade).entries()].sort(
    ([a, x], [b, y]) =>
      (x[0].final_order ?? 99) - (y[0].final_order ?? 99) || String(a).localeCompare(String(b)),
  );
  const byMonth = groupBy(rows, (r) => r.month);
  const months = reportMonths(p);
  return {
    ...head('actions', p),
    asOf: p.today,
    total: counts(rows, p.today),
    byGrade: byGradeRows.map(([grade, list]) => ({ grade, name: label(grade), ...counts(list, p.today) })),
    months: months.map((month) => ({ month, ...counts(byMonth.get(month) ?? [], p.today) })),
  };
}

/** The counts that add up to those created, and created itself as the line's total. */
const PARTS = ['doneOnTime', 'doneLate', 'overdue', 'notYetDue', 'created'] as const;

/**
 * Rows of action counts as published: counts from 1 to 4 hidden, and partners hidden across rows
 * and columns so none can be worked back from a total (src/domain/suppression.ts); done (on time
 * and late together) and the on-time share withheld when they would give a hidden count back.
 */
function publishRows<T extends ActionCounts>(rows: T[], totalHidden?: readonly boolean[]): T[] {
  const grid = rows.map((r) => PARTS.map((k) => Number(r[k])));
  // the total row (last) is hidden as in the table that shares its totals
  const forced = rows.map((_, i) => (i === rows.length - 1 && totalHidden ? [...totalHidden] : []));
  // the actions created (the last part) are kept: the report's always, a row's from 10
  const keep = grid.map((row, i) =>
    row.map(
      (n, j): Keep =>
        j < row.length - 1
          ? 0
          : i === rows.length - 1
            ? isSmall(n)
              ? 0
              : 2
            : n >= ENOUGH_TO_PUBLISH
              ? 1
              : 0,
    ),
  );
  const hidden = suppressGrid(grid, forced, keep);
  return rows.map((r, i) => {
    const out = { ...r };
    PARTS.forEach((k, j) => {
      (out as ActionCounts)[k] = hidden[i][j] ? (isSmall(grid[i][j]) ? FEWER_THAN : 'withheld') : grid[i][j];
    });
    const doneHidden = hidden[i][0] !== hidden[i][1];
    out.done = doneHidden ? 'withheld' : publishCount(Number(r.done));
    out.onTime = publishShare(r.onTime as Proportion, hidden[i].some(Boolean));
    return out;
  });
}

export function publishActionsReport(r: ActionsReport): ActionsReport {
  const months = publishRows<ActionCounts & { month: string }>([...r.months, { ...r.total, month: '' }]);
  const total = months[months.length - 1];
  const totalHidden = PARTS.map((k) => typeof total[k] !== 'number');
  return {
    ...r,
    publication: true,
    total: (({ month: _, ...rest }) => rest)(total),
    byGrade: publishRows([...r.byGrade, { ...r.total, grade: null, name: '' }], totalHidden).slice(0, -1),
    months: months.slice(0, -1),
  };
}

const COLUMNS: Column[] = [
  { key: 'created', header: 'Created', kind: 'count' },
  { key: 'doneOnTime', header: 'Done on time', kind: 'count' },
  { key: 'doneLate', header: 'Done late', kind: 'count' },
  { key: 'overdue', header: 'Overdue', kind: 'count' },
  { key: 'notYetDue', header: 'Not yet due', kind: 'count' },
  { key: 'onTime', header: 'Done on time, of those due', kind: 'share' },
];

export function actionsDocument(r: ActionsReport, council: string): ReportDocument {
  const range = rangeWords(r.from, r.to);
  return {
    title: `Actions from audits, ${range}`,
    subtitle: [council, ...r.filters, ...(r.publication ? ['For publication'] : [])],
    summary: [
      `Actions set by audits: ${r.total.created}.`,
      `Done on time, of those due by ${formatDate(r.asOf)}: ${shareText(r.total.onTime, 'none due yet')}.`,
      `Overdue: ${r.total.overdue}; not yet due: ${r.total.notYetDue}.`,
    ],
    notes: [
      `Every action an audit sets for the child, for audits of every grade. Done on time means done on or before its due date; overdue means still open after it, counted on ${formatDate(r.asOf)}.`,
      ...(r.publication ? [PUBLICATION_NOTE] : []),
    ],
    sections: [
      {
        id: 'actions',
        heading: 'Actions by the audit’s grade',
        charts: [
          {
            kind: 'rates',
            title: 'Actions done on time by the audit’s grade, with 95% confidence intervals',
            xTitle: 'Done on time',
            rows: r.byGrade.map((g) => ({ group: g.name, rate: g.onTime.rate, ci95: g.onTime.ci95 })),
          },
        ],
        tables: [
          {
            id: 'actions-by-grade',
            title: 'By the audit’s final grade',
            columns: [{ key: 'grade', header: 'Audit graded', kind: 'text' }, ...COLUMNS],
            rows: [
              ...r.byGrade.map((g) => ({ cells: { ...g, grade: g.name } })),
              { total: true, cells: { ...r.total, grade: 'All audits' } },
            ],
            empty: 'No actions were set in these months.',
          },
          {
            id: 'actions-by-month',
            title: 'By the month of the audit',
            columns: [{ key: 'month', header: 'Month', kind: 'text' }, ...COLUMNS],
            rows: r.months.map((m) => ({ cells: { ...m, month: monthName(`${m.month}-01`) } })),
          },
        ],
      },
    ],
    publication: r.publication,
  };
}
