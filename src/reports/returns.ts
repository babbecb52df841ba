import { stringify } from 'csv-stringify/sync';
import type { Db } from '../data/db.ts';
import { monthName } from '../domain/dates.ts';
import type { ReturnFigures } from '../domain/returns.ts';
import { ENOUGH_TO_PUBLISH, type Keep, keptTotal, Suppression } from '../domain/suppression.ts';
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
import type { TargetsAgainstActuals } from '../metrics/targets.ts';
import {
  type Column,
  type Count,
  countText,
  isSmall,
  PUBLICATION_NOTE,
  type ReportDocument,
  type ReportSection,
  rangeWords,
  type Share,
  shareText,
  shownCount,
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

/** The ids of a returns row in a suppression problem (src/domain/suppression.ts). */
interface ReturnsIds {
  planned: number;
  exempted: number;
  scheduled: number;
  returned: number;
  notReturned: number;
}

/**
 * Adds a returns row: planned is exempted and scheduled added up, scheduled is returned and not
 * returned. `keep` is how much the row is kept (a month's, the report's): its scheduled audits, and
 * its return rate in full when ENOUGH_TO_PUBLISH audits were scheduled; planned gives way to them
 * when exempted is small (kept one less).
 */
function addReturnsRow(s: Suppression, f: ReturnsReportFigures, keep: Keep): ReturnsIds {
  const returned = Math.min(f.returned, f.scheduled);
  const rateKept: Keep = f.scheduled >= ENOUGH_TO_PUBLISH ? keep : 0;
  const ids: ReturnsIds = {
    planned: s.add(f.planned, { keep: keep === 2 && !isSmall(f.planned) ? 1 : 0 }),
    exempted: s.add(f.exempted),
    scheduled: s.add(f.scheduled, { keep: keptTotal(f.scheduled, keep) }),
    returned: s.add(returned, { keep: rateKept }),
    notReturned: s.add(f.scheduled - returned, { keep: rateKept, derived: true }),
  };
  s.sum(ids.planned, [ids.exempted, ids.scheduled]);
  s.sum(ids.scheduled, [ids.returned, ids.notReturned]);
  return ids;
}

function publishedReturnsCells(f: ReturnsReportFigures, ids: ReturnsIds, hidden: (id: number) => boolean) {
  const rateShown = !hidden(ids.returned) && !hidden(ids.scheduled);
  return {
    planned: shownCount(f.planned, hidden(ids.planned)),
    exempted: shownCount(f.exempted, hidden(ids.exempted)),
    scheduled: shownCount(f.scheduled, hidden(ids.scheduled)),
    returned: rateShown
      ? returnsCells(f).returned
      : {
          count: shownCount(f.returned, hidden(ids.returned)),
          total: shownCount(f.scheduled, hidden(ids.scheduled)),
          rate: null,
          ci95: null,
        },
  };
}

/**
 * Tables of returns sharing one total row, as published: one suppression problem across them
 * (src/domain/suppression.ts), so no table gives back what another hides. Counts from 1 to 4 are
 * "fewer than 5" and any figure that would give one back through a row's or a column's sums is
 * withheld. The total row's scheduled audits and return rate are always published, and so are each
 * month's when ENOUGH_TO_PUBLISH audits were scheduled: planned gives way first. `months` are kept as
 * months; `groups` (service areas) are not.
 */
export function publishReturnsTables(
  months: ReturnsReportFigures[],
  total: ReturnsReportFigures,
  groups: ReturnsReportFigures[][] = [],
): { months: ReturnsCells[]; total: ReturnsCells; groups: ReturnsCells[][] } {
  const s = new Suppression();
  const totalIds = addReturnsRow(s, total, 2);
  const tables = [
    months.map((m) => addReturnsRow(s, m, 1)),
    ...groups.map((g) => g.map((x) => addReturnsRow(s, x, 0))),
  ];
  for (const rows of tables) {
    for (const k of Object.keys(totalIds) as (keyof ReturnsIds)[])
      s.sum(
        totalIds[k],
        rows.map((x) => x[k]),
      );
  }
  const hidden = s.solve();
  return {
    months: months.map((m, i) => publishedReturnsCells(m, tables[0][i], hidden)),
    total: publishedReturnsCells(total, totalIds, hidden),
    groups: groups.map((g, k) => g.map((x, i) => publishedReturnsCells(x, tables[k + 1][i], hidden))),
  };
}

/**
 * Rows of returns (months, with the total row they add up to, last) as published
 * (publishReturnsTables).
 */
export function publishReturnsRows(rows: ReturnsReportFigures[]): { cells: ReturnsCells[] } {
  const t = publishReturnsTables(rows.slice(0, -1), rows[rows.length - 1]);
  return { cells: [...t.months, t.total] };
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
  targets: { month: string; targets: TargetsAgainstActuals }[] = [],
): ReportDocument {
  const range = rangeWords(r.from, r.to);
  // the months and the service areas add up to the same total row: suppressed together
  const published = publication ? publishReturnsTables(r.months, r.total, [breakdown.byServiceArea]) : null;
  const cellsOf = (rows: ReturnsReportFigures[]) =>
    published && rows === breakdown.byServiceArea ? published.groups[0] : rows.map(returnsCells);
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
  const monthCells = published ? published.months : r.months.map(returnsCells);
  const total = published ? published.total : returnsCells(r.total);
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
      // the plan against what was done: in the full report only (a table per cycle would give back
      // counts the published tables hide)
      ...(publication || targets.length === 0 ? [] : [targetsSection(targets, filters.length > 0)]),
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

/** Each cycle's planned activities, their targets and what was drawn, allocated, returned and exempted. */
function targetsSection(
  targets: { month: string; targets: TargetsAgainstActuals }[],
  filtered: boolean,
): ReportSection {
  return {
    id: 'returns-targets',
    heading: 'Target against actual',
    paragraphs: [
      'Each cycle’s planned activities with the number the plan set, beside the audits drawn, given to an auditor, returned and exempted, and how many are still to draw. “Planned” in the tables above counts only the audits drawn, so an activity planned and not yet drawn shows here alone.',
      ...(filtered
        ? [
            'Targets are set for the whole council, so these tables count the whole council whatever the filters.',
          ]
        : []),
    ],
    tables: targets.map(({ month, targets: t }) => ({
      id: `returns-targets-${month}`,
      title: `Target against actual, ${monthName(`${month}-01`)}`,
      columns: [
        { key: 'activity', header: 'Activity', kind: 'text' },
        { key: 'target', header: 'Target', kind: 'text' },
        { key: 'drawn', header: 'Drawn', kind: 'count' },
        { key: 'allocated', header: 'Allocated', kind: 'count' },
        { key: 'returned', header: 'Returned', kind: 'count' },
        { key: 'exempted', header: 'Exempted', kind: 'count' },
        { key: 'toDraw', header: 'Still to draw', kind: 'count' },
      ],
      rows: [
        ...t.rows.map((r) => ({
          cells: {
            activity: r.name,
            target: r.target === null ? 'Not planned' : String(r.target),
            drawn: r.drawn,
            allocated: r.allocated,
            returned: r.returned,
            exempted: r.exempted,
            toDraw: r.toDraw,
          },
        })),
        {
          total: true,
          cells: {
            activity: 'All activities',
            target: String(t.total.target),
            drawn: t.total.drawn,
            allocated: t.total.allocated,
            returned: t.total.returned,
            exempted: t.total.exempted,
            toDraw: t.total.toDraw,
          },
        },
      ],
    })),
  };
}
