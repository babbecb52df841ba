/**
 * The `moderation` report of interfaces.md, from the consistency figures: returned and moderated
 * audits, the panel's outcomes, the final grades of the moderated audits, and agreement between
 * auditors and moderators as linear weighted kappa. Besides the fields interfaces.md names, the JSON
 * carries the figures by month, service area and auditor, and the kappa trend by quarter. Its
 * document (src/reports/document.ts) gives it as CSV, Excel, Word and HTML like every report.
 */
import type { Db } from '../data/db.ts';
import { kappaWords } from '../domain/agreement.ts';
import { monthName } from '../domain/dates.ts';
import { suppressGrid } from '../domain/suppression.ts';
import {
  type Agreement,
  MIN_FOR_AUDITOR_KAPPA,
  MIN_FOR_TREND_KAPPA,
  type ModerationCounts,
  type ModerationFilters,
  moderationFigures,
} from '../metrics/moderation-figures.ts';
import {
  type Column,
  type Count,
  countText,
  FEWER_THAN,
  gradeWords,
  isSmall,
  PUBLICATION_NOTE,
  type ReportDocument,
  type ReportTable,
  rangeWords,
  type Share,
  shareText,
} from './document.ts';

/** The figures of a month, service area, auditor or the whole range, as the report gives them. */
export interface ModerationReportCounts {
  returned: number;
  moderated: number;
  /** moderated ÷ returned, 0–1 to 3 places; null when none returned */
  moderatedRate: number | null;
  moderatedCi95: [number, number] | null;
  supported: number;
  upgraded: number;
  downgraded: number;
  /** downgraded ÷ moderated, 0–1 to 3 places; null when none moderated */
  downgradedRate: number | null;
  downgradedCi95: [number, number] | null;
}

export interface ModerationReport {
  report: 'moderation';
  from: string;
  to: string;
  returned: number;
  moderated: number;
  moderatedRate: number | null;
  supported: number;
  upgraded: number;
  downgraded: number;
  downgradedRate: number | null;
  /** final grades of the moderated audits */
  finalGrades: Record<string, number>;
  /** linear weighted kappa, auditor's grade against the moderator's blind grade; null without pairs */
  kappa: number | null;
  /** the moderated audits the kappa is worked out from */
  kappaN: number;
  moderatedCi95: [number, number] | null;
  downgradedCi95: [number, number] | null;
  /** an auditor's kappa is given once they have this many moderated audits */
  auditorKappaMinimum: number;
  byMonth: (ModerationReportCounts & { month: string })[];
  byService: (ModerationReportCounts & { serviceArea: string | null })[];
  byAuditor: (ModerationReportCounts & { auditor: string | null; kappa: number | null; kappaN: number })[];
  /** kappa by quarter, given once a quarter has `auditorKappaMinimum` moderated audits */
  trend: { quarter: string; name: string; moderated: number; kappa: number | null; kappaN: number }[];
}

const reportCounts = (c: ModerationCounts): ModerationReportCounts => ({
  returned: c.returned,
  moderated: c.moderated,
  moderatedRate: c.moderatedShare.rate,
  moderatedCi95: c.moderatedShare.ci95,
  supported: c.supported,
  upgraded: c.upgraded,
  downgraded: c.downgraded,
  downgradedRate: c.downgradedShare.rate,
  downgradedCi95: c.downgradedShare.ci95,
});

/** A kappa as reported: null unless there are enough moderated audits for it. */
const shownKappa = (a: Agreement) => (a.enough ? a.kappa : null);

/** The moderation report of the months from one to another (YYYY-MM, inclusive). */
export async function moderationReport(
  db: Db,
  councilId: string,
  from: string,
  to: string,
  filters: ModerationFilters = {},
): Promise<ModerationReport> {
  const f = await moderationFigures(db, councilId, { from: `${from}-01`, to: `${to}-01` }, filters);
  const total = reportCounts(f.total);
  return {
    report: 'moderation',
    from,
    to,
    returned: total.returned,
    moderated: total.moderated,
    moderatedRate: total.moderatedRate,
    supported: total.supported,
    upgraded: total.upgraded,
    downgraded: total.downgraded,
    downgradedRate: total.downgradedRate,
    finalGrades: f.total.finalGrades,
    kappa: f.total.agreement.kappa,
    kappaN: f.total.agreement.n,
    moderatedCi95: total.moderatedCi95,
    downgradedCi95: total.downgradedCi95,
    auditorKappaMinimum: MIN_FOR_AUDITOR_KAPPA,
    byMonth: f.byMonth.map((m) => ({ month: m.month.slice(0, 7), ...reportCounts(m) })),
    byService: f.byService.map((s) => ({ serviceArea: s.name, ...reportCounts(s) })),
    byAuditor: f.byAuditor.map((a) => ({
      auditor: a.name,
      ...reportCounts(a),
      kappa: shownKappa(a.agreement),
      kappaN: a.agreement.n,
    })),
    trend: f.trend.map((q) => ({
      quarter: q.quarter.slice(0, 7),
      name: q.name,
      moderated: q.moderated,
      kappa: shownKappa(q),
      kappaN: q.n,
    })),
  };
}

// ---- the document ---------------------------------------------------------------------------

/** A kappa for publication: the figure and its words, never how many audits it rests on. */
function publishedKappaText(kappa: number | null, n: number, minimum: number): string {
  if (n < Math.max(minimum, 5)) return 'Too few moderated audits to judge';
  if (kappa === null) return 'Not measurable: every grade the same';
  return `${kappa.toFixed(2)} (${kappaWords(kappa)})`;
}

function kappaText(kappa: number | null, n: number, minimum: number): string {
  if (n === 0) return 'No moderated audits';
  if (n < minimum) return `Fewer than ${minimum} moderated audits (${n})`;
  if (kappa === null) return `Not measurable: every grade the same (${n} audits)`;
  return `${kappa.toFixed(2)} (${kappaWords(kappa)}, ${n} audits)`;
}

const share = (count: Count, total: Count, rate: number | null, ci95: [number, number] | null): Share => ({
  count,
  total,
  rate,
  ci95,
});

const COUNT_COLUMNS: Column[] = [
  { key: 'returned', header: 'Returned', kind: 'count' },
  { key: 'moderated', header: 'Moderated', kind: 'share' },
  { key: 'supported', header: 'Supported', kind: 'count' },
  { key: 'upgraded', header: 'Upgraded', kind: 'count' },
  { key: 'downgraded', header: 'Downgraded', kind: 'share' },
];

function countCells(c: PublishedCounts) {
  return {
    returned: c.returned,
    moderated: share(c.moderated, c.returned, c.moderatedRate, c.moderatedCi95),
    supported: c.supported,
    upgraded: c.upgraded,
    downgraded: share(c.downgraded, c.moderated, c.downgradedRate, c.downgradedCi95),
  };
}

/** A report's counts with each possibly suppressed, for publication. */
export type PublishedCounts = Omit<
  ModerationReportCounts,
  'returned' | 'moderated' | 'supported' | 'upgraded' | 'downgraded'
> & { returned: Count; moderated: Count; supported: Count; upgraded: Count; downgraded: Count };

export type PublishedModerationReport = Omit<
  ModerationReport,
  | 'returned'
  | 'moderated'
  | 'supported'
  | 'upgraded'
  | 'downgraded'
  | 'finalGrades'
  | 'byMonth'
  | 'byService'
  | 'byAuditor'
  | 'kappaN'
  | 'trend'
> &
  PublishedCounts & {
    /** null for publication: it is the number of moderated audits */
    kappaN: number | null;
    /** for publication, each quarter's agreement without its count (null: too few to judge) */
    trend: { quarter: string; name: string; moderated?: number; kappa: number | null; kappaN?: number }[];
    publication?: boolean;
    finalGrades: Record<string, Count>;
    byMonth: (PublishedCounts & { month: string })[];
    byService: (PublishedCounts & { serviceArea: string | null })[];
    byAuditor: (PublishedCounts & { auditor: string | null; kappa: number | null; kappaN: number })[];
  };

/**
 * Rows of moderation counts (with the total row they add up to, last) as published. Each row's
 * supported, upgraded, downgraded and not moderated add up to its returned audits, and the rows to
 * the total row: hidden cells are "fewer than 5" or "withheld" (src/domain/suppression.ts), and a
 * row's moderated count and its rates are withheld when any of its cells is hidden. `totalHidden`
 * hides the total row as the table sharing its totals did.
 */
function publishRows<T extends ModerationReportCounts>(
  rows: T[],
  totalHidden?: readonly boolean[],
): { rows: (T & PublishedCounts)[]; totalHidden: boolean[] } {
  const grid = rows.map((c) => [c.supported, c.upgraded, c.downgraded, c.returned - c.moderated, c.returned]);
  const forced = rows.map((_, i) => (i === rows.length - 1 && totalHidden ? [...totalHidden] : []));
  const hidden = suppressGrid(grid, forced);
  const shown = (n: number, h: boolean): Count => (h ? (isSmall(n) ? FEWER_THAN : 'withheld') : n);
  const out = rows.map((c, i) => {
    const any = hidden[i].some(Boolean);
    return {
      ...c,
      returned: shown(c.returned, hidden[i][4]),
      moderated: any ? shown(c.moderated, true) : c.moderated,
      moderatedRate: any ? null : c.moderatedRate,
      moderatedCi95: any ? null : c.moderatedCi95,
      supported: shown(c.supported, hidden[i][0]),
      upgraded: shown(c.upgraded, hidden[i][1]),
      downgraded: shown(c.downgraded, hidden[i][2]),
      downgradedRate: any ? null : c.downgradedRate,
      downgradedCi95: any ? null : c.downgradedCi95,
    };
  });
  return { rows: out, totalHidden: hidden[hidden.length - 1] ?? [] };
}

/**
 * The report for publication: no auditor named (auditors are workers), counts from 1 to 4 shown as
 * "fewer than 5" with the figures that would give them back withheld; the months and the service
 * areas add up to the same totals and hide the total row alike.
 */
export function publishModerationReport(r: ModerationReport): PublishedModerationReport {
  const grades = Object.keys(r.finalGrades);
  const hidden = suppressGrid([grades.map((g) => r.finalGrades[g])])[0];
  const months = publishRows([...r.byMonth, { ...r, month: '' }]);
  const services = publishRows([...r.byService, { ...r, serviceArea: null }], months.totalHidden);
  const { month: _, ...total } = months.rows[months.rows.length - 1];
  return {
    ...r,
    ...total,
    publication: true,
    finalGrades: Object.fromEntries(
      grades.map((g, i) => [
        g,
        hidden[i] ? (isSmall(r.finalGrades[g]) ? FEWER_THAN : 'withheld') : r.finalGrades[g],
      ]),
    ),
    byMonth: months.rows.slice(0, -1),
    byService: services.rows.slice(0, -1),
    byAuditor: [],
    kappaN: null,
    trend: r.trend.map((q) => ({
      quarter: q.quarter,
      name: q.name,
      kappa: q.kappaN >= Math.max(MIN_FOR_TREND_KAPPA, 5) ? q.kappa : null,
    })),
  };
}

const ABOUT =
  'Counted from the audits the moderation panel has decided, and from imported audit history with a ' +
  'moderated grade. Agreement compares the auditor’s overall grade with the moderator’s blind grade ' +
  'before the panel, as Cohen’s weighted kappa with linear weights on the grade scale: 1 is full ' +
  'agreement and 0 what chance would give. An auditor’s kappa is shown once they have at least ' +
  `${MIN_FOR_AUDITOR_KAPPA} moderated audits; the trend is by quarter, because a month's sample is small, ` +
  `each quarter's kappa shown from ${MIN_FOR_TREND_KAPPA} moderated audits.`;

/** The moderation report as a document: the summary, then a table for each breakdown. */
export function moderationDocument(
  r: ModerationReport | PublishedModerationReport,
  council?: string,
  filters: string[] = [],
): ReportDocument {
  const publication = Boolean((r as PublishedModerationReport).publication);
  const p = r as PublishedModerationReport;
  const tables: ReportTable[] = [
    {
      id: 'by-month',
      title: 'By month',
      columns: [{ key: 'month', header: 'Month', kind: 'text' }, ...COUNT_COLUMNS],
      rows: p.byMonth.map((m) => ({ cells: { month: monthName(`${m.month}-01`), ...countCells(m) } })),
    },
    {
      id: 'by-service',
      title: 'By service area',
      columns: [{ key: 'serviceArea', header: 'Service area', kind: 'text' }, ...COUNT_COLUMNS],
      rows: p.byService.map((s) => ({
        cells: { serviceArea: s.serviceArea ?? 'No service area recorded', ...countCells(s) },
      })),
    },
    ...(publication
      ? []
      : [
          {
            id: 'by-auditor',
            title: 'By auditor',
            columns: [
              { key: 'auditor', header: 'Auditor', kind: 'text' as const },
              ...COUNT_COLUMNS,
              { key: 'kappa', header: 'Agreement (kappa)', kind: 'text' as const },
            ],
            rows: p.byAuditor.map((a) => ({
              cells: {
                auditor: a.auditor ?? 'No auditor recorded',
                ...countCells(a),
                kappa: kappaText(a.kappa, a.kappaN, r.auditorKappaMinimum),
              },
            })),
          },
        ]),
    {
      id: 'trend',
      title: 'Agreement by quarter',
      columns: [
        { key: 'quarter', header: 'Quarter', kind: 'text' },
        { key: 'moderated', header: 'Moderated', kind: 'count' },
        { key: 'kappa', header: 'Agreement (kappa)', kind: 'text' },
      ],
      rows: r.trend.map((q) => ({
        cells: {
          quarter: q.name,
          // the quarters add up to the moderated audits: for publication, their agreement only
          moderated: publication ? '' : q.moderated,
          kappa: publication
            ? publishedKappaText(
                q.kappa,
                q.kappaN ?? (q.kappa === null ? 0 : MIN_FOR_TREND_KAPPA),
                MIN_FOR_TREND_KAPPA,
              )
            : kappaText(q.kappa, q.kappaN ?? 0, MIN_FOR_TREND_KAPPA),
        },
      })),
    },
    {
      id: 'final-grades',
      title: 'Final grades of the moderated audits',
      columns: [
        { key: 'grade', header: 'Grade', kind: 'text' },
        { key: 'audits', header: 'Audits', kind: 'count' },
      ],
      rows: Object.entries(p.finalGrades).map(([g, n]) => ({ cells: { grade: gradeWords(g), audits: n } })),
    },
  ];
  return {
    title: `Moderation, ${rangeWords(r.from, r.to)}`,
    subtitle: [...(council ? [council] : []), ...filters, ...(publication ? ['For publication'] : [])],
    summary: [
      `Audits returned: ${countText(p.returned)}.`,
      `Moderated: ${shareText(share(p.moderated, p.returned, p.moderatedRate, p.moderatedCi95), 'none returned')}.`,
      `Outcomes: ${countText(p.supported)} supported, ${countText(p.upgraded)} upgraded, ${countText(p.downgraded)} downgraded.`,
      `Downgraded: ${shareText(share(p.downgraded, p.moderated, p.downgradedRate, p.downgradedCi95), 'none moderated')}.`,
      `Agreement between auditors and moderators (weighted kappa, linear weights): ${publication ? publishedKappaText(r.kappa, r.kappaN ?? (r.kappa === null ? 0 : 5), 1) : kappaText(r.kappa, r.kappaN ?? 0, 1)}.`,
    ],
    notes: [ABOUT, ...(publication ? [PUBLICATION_NOTE] : [])],
    sections: [{ id: 'moderation', heading: 'Moderation outcomes', tables }],
    publication,
  };
}
