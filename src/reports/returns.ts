import { stringify } from 'csv-stringify/sync';
import type { Db } from '../data/db.ts';
import type { ReturnFigures } from '../domain/returns.ts';
import { monthlyReturns, type OwedAudit } from '../services/returns.ts';

/** A month's or the total's figures as the returns report gives them (interfaces.md). */
export interface ReturnsReportFigures {
  planned: number;
  exempted: number;
  scheduled: number;
  returned: number;
  /** returned ÷ scheduled, 0–1 to 3 places; null when nothing was scheduled */
  returnRate: number | null;
}

/** The `returns` report of interfaces.md: months written YYYY-MM. */
export interface ReturnsReport {
  report: 'returns';
  from: string;
  to: string;
  months: (ReturnsReportFigures & { month: string })[];
  total: ReturnsReportFigures;
}

const figures = (f: ReturnFigures): ReturnsReportFigures => ({
  planned: f.planned,
  exempted: f.exempted,
  scheduled: f.scheduled,
  returned: f.returned,
  returnRate: f.returnRate,
});

/** The returns of every month from one to another (YYYY-MM, inclusive), and their total. */
export async function returnsReport(
  db: Db,
  councilId: string,
  from: string,
  to: string,
): Promise<ReturnsReport> {
  const returns = await monthlyReturns(db, councilId, { from: `${from}-01`, to: `${to}-01` });
  return {
    report: 'returns',
    from,
    to,
    months: returns.months.map((m) => ({ month: m.month.slice(0, 7), ...figures(m) })),
    total: figures(returns.total),
  };
}

export const RETURNS_CSV_COLUMNS = [
  'month',
  'planned',
  'exempted',
  'scheduled',
  'returned',
  'returnRate',
] as const;

/**
 * The returns report as CSV: one row a month, with the JSON's field names, then a row `total`. A rate
 * with nothing scheduled is left empty. `bom` for a file people open in Excel.
 */
export function returnsReportCsv(report: ReturnsReport, options: { bom?: boolean } = {}): string {
  const row = (month: string, f: ReturnsReportFigures) => [
    month,
    f.planned,
    f.exempted,
    f.scheduled,
    f.returned,
    f.returnRate === null ? '' : f.returnRate,
  ];
  return stringify([...report.months.map((m) => row(m.month, m)), row('total', report.total)], {
    header: true,
    columns: [...RETURNS_CSV_COLUMNS],
    bom: options.bom ?? false,
  });
}

export const OWED_CSV_COLUMNS = [
  'Auditor',
  'Auditor email',
  'Child reference',
  'Team',
  'Service area',
  'Activity',
  'Status',
  'Due',
  'Days overdue',
] as const;

const STATUS_NAMES: Record<OwedAudit['status'], string> = {
  allocated: 'Not started',
  in_progress: 'In progress',
};

/**
 * Who owes what, for the QA lead to chase: one row per audit not yet returned. Children are named
 * by their case reference only. Cells a spreadsheet would take for a formula are written with a
 * quote in front (CSV injection), and the file starts with a byte-order mark so Excel reads UTF-8.
 */
export function owedAuditsCsv(rows: readonly OwedAudit[]): string {
  return stringify(
    rows.map((r) => [
      r.auditor,
      r.auditorEmail ?? '',
      r.childReference,
      r.team ?? '',
      r.serviceArea ?? '',
      r.kindName,
      STATUS_NAMES[r.status],
      r.dueOn ?? '',
      r.daysOverdue === null ? '' : String(r.daysOverdue),
    ]),
    { header: true, columns: [...OWED_CSV_COLUMNS], escape_formulas: true, bom: true },
  );
}

/** The download's name: `owed-audits-2026-11.csv` for November 2026's cycle. */
export function owedAuditsFileName(month: string): string {
  return `owed-audits-${month.slice(0, 7)}.csv`;
}
