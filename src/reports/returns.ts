import { stringify } from 'csv-stringify/sync';
import type { Db } from '../data/db.ts';
import { monthName } from '../domain/dates.ts';
import type { ReturnFigures } from '../domain/returns.ts';
import { suppressGrid } from '../domain/suppression.ts';
import { NotFoundError } from '../domain/validation.ts';
import type { ReportFilters } from '../metrics/audit-facts.ts';
import {
  chosenReturnCycle,
  type KindReturns,
  monthlyReturns,
  type OwedAudit,
  owedAudits,
  type ReturnsGroup,
} from '../metrics/returns.ts';
import {
  type Column,
  type Count,
  countText,
  FEWER_THAN,
  isSmall,
  PUBLICATION_NOTE,
  publishShare,
  type ReportDocument,
  rangeWords,
  type Share,
  shareText,
} from './document.ts';

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
  filters: ReportFilters = {},
): Promise<ReturnsReport> {
  const returns = await monthlyReturns(db, councilId, { from: `${from}-01`, to: `${to}-01` }, filters);
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

/**
 * The CSV of who owes what in the cycle an address asks for (else the current one): the audits
 * listed, by case reference, with the words for the access log and the file's name. NotFoundError
 * when the address names no cycle of the council.
 */
export async function owedAuditsDownload(
  db: Db,
  councilId: string,
  monthId: string | undefined,
  today: string,
) {
  const { cycle } = await chosenReturnCycle(db, councilId, monthId, today);
  if (cycle === null) throw new NotFoundError('cycle');
  const owed = cycle ? await owedAudits(db, councilId, cycle.id, today) : [];
  return {
    cycle,
    owed,
    what: cycle ? `audits owed in ${cycle.name}` : 'audits owed (no cycle yet)',
    fileName: cycle ? owedAuditsFileName(cycle.month) : 'owed-audits.csv',
    csv: owedAuditsCsv(owed),
  };
}

// ---- the document ---------------------------------------------------------------------------

/** A returns row as a reader sees it: counts possibly suppressed, the return rate a share. */
interface ReturnsCells {
  planned: Count;
  exempted: Count;
  scheduled: Count;
  returned: Share;
}

function returnsCells(f: ReturnsReportFigures): ReturnsCells {
  return {
    planned: f.planned,
    exempted: f.exempted,
    scheduled: f.scheduled,
    // every scheduled audit is counted, not a sample of them: no interval
    returned: { count: f.returned, total: f.scheduled, rate: f.returnRate, ci95: null },
  };
}

/**
 * Rows of returns (with the total row they add up to, last) as published. Each row's exempted,
 * returned and not returned add up to its planned audits, and the rows to the total row: hidden
 * cells (1 to 4, and their partners along rows and columns) are "fewer than 5" or "withheld", and
 * the scheduled audits and the return rate of a row with any hidden cell are withheld. `totalHidden`
 * hides the total row's cells as another table sharing its totals hid them.
 */
export function publishReturnsRows(
  rows: ReturnsReportFigures[],
  totalHidden?: readonly boolean[],
): { cells: ReturnsCells[]; totalHidden: boolean[] } {
  const grid = rows.map((f) => [f.exempted, f.returned, f.scheduled - f.returned, f.planned]);
  const forced = rows.map((_, i) => (i === rows.length - 1 && totalHidden ? [...totalHidden] : []));
  const hidden = suppressGrid(grid, forced);
  const shown = (n: number, h: boolean): Count => (h ? (isSmall(n) ? FEWER_THAN : 'withheld') : n);
  const cells = rows.map((f, i) => {
    const any = hidden[i].some(Boolean);
    return {
      planned: shown(f.planned, hidden[i][3]),
      exempted: shown(f.exempted, hidden[i][0]),
      scheduled: any ? shown(f.scheduled, true) : f.scheduled,
      returned: any
        ? publishShare({ count: f.returned, total: f.scheduled, rate: f.returnRate, ci95: null }, true)
        : returnsCells(f).returned,
    };
  });
  return { cells, totalHidden: hidden[hidden.length - 1] ?? [] };
}

const RETURNS_COLUMNS: Column[] = [
  { key: 'planned', header: 'Planned', kind: 'count' },
  { key: 'exempted', header: 'Exempted', kind: 'count' },
  { key: 'scheduled', header: 'Scheduled', kind: 'count' },
  { key: 'returned', header: 'Returned of scheduled', kind: 'share' },
];

/** The returns of the months and their breakdowns, as a document. */
export function returnsDocument(
  r: ReturnsReport,
  breakdown: {
    byServiceArea: ReturnsGroup[];
    byTeam: ReturnsGroup[];
    byAuditor: ReturnsGroup[];
    byKind: KindReturns[];
  },
  council: string,
  filters: string[],
  publication: boolean,
): ReportDocument {
  const range = rangeWords(r.from, r.to);
  const monthsPublished = publication ? publishReturnsRows([...r.months, r.total]) : null;
  const cellsOf = (rows: ReturnsReportFigures[]) =>
    publication
      ? publishReturnsRows([...rows, r.total], monthsPublished?.totalHidden).cells.slice(0, -1)
      : rows.map(returnsCells);
  const group = (
    id: string,
    title: string,
    header: string,
    none: string,
    rows: (ReturnFigures & { name: string | null })[],
  ) => ({
    id,
    title,
    columns: [{ key: 'group', header, kind: 'text' as const }, ...RETURNS_COLUMNS],
    rows: cellsOf(rows).map((cells, i) => ({ cells: { group: rows[i].name ?? none, ...cells } })),
  });
  const monthCells = monthsPublished ? monthsPublished.cells.slice(0, -1) : r.months.map(returnsCells);
  const total = monthsPublished ? (monthsPublished.cells.at(-1) as ReturnsCells) : returnsCells(r.total);
  return {
    title: `Returns, ${range}`,
    subtitle: [council, ...filters, ...(publication ? ['For publication'] : [])],
    summary: [
      `Audits planned: ${countText(total.planned)}; exempted with a recorded reason: ${countText(total.exempted)}; scheduled: ${countText(total.scheduled)}.`,
      `Returned: ${shareText(total.returned, 'none scheduled')}.`,
    ],
    notes: [
      'Planned audits are those allocated in the month; exempted, those withdrawn for a recorded reason; scheduled, planned less exempted; returned, those completed. The return rate is returned of scheduled. It counts every scheduled audit rather than a sample, so it carries no confidence interval; the XmR chart shows whether a month’s rate is a real change.',
      ...(publication ? [PUBLICATION_NOTE] : []),
    ],
    sections: [
      {
        id: 'returns-by-month',
        heading: 'Month by month',
        charts: [
          {
            kind: 'spc',
            title: `Return rate by month, ${range}`,
            yTitle: 'Returned of scheduled',
            percent: true,
            // the published rate: null where it is withheld
            series: r.months.map((m, i) => ({
              label: monthName(`${m.month}-01`),
              value: monthCells[i].returned.rate,
            })),
          },
        ],
        tables: [
          {
            id: 'returns-by-month',
            title: 'Returns by month',
            columns: [{ key: 'month', header: 'Month', kind: 'text' }, ...RETURNS_COLUMNS],
            rows: [
              ...r.months.map((m, i) => ({ cells: { month: monthName(`${m.month}-01`), ...monthCells[i] } })),
              { total: true, cells: { month: 'All months', ...total } },
            ],
          },
        ],
      },
      {
        id: 'returns-breakdowns',
        heading: 'Who returned what',
        tables: [
          group(
            'returns-by-service-area',
            'By service area',
            'Service area',
            'No service area recorded',
            breakdown.byServiceArea,
          ),
          ...(publication
            ? []
            : [
                group('returns-by-team', 'By team', 'Team', 'No team recorded', breakdown.byTeam),
                group(
                  'returns-by-auditor',
                  'By auditor',
                  'Auditor',
                  'Not yet allocated',
                  breakdown.byAuditor,
                ),
              ]),
          // a third table sharing the same totals would give more back than it tells a reader
          ...(publication
            ? []
            : [group('returns-by-kind', 'By kind of activity', 'Activity', '', breakdown.byKind)]),
        ],
      },
    ],
    publication,
  };
}
