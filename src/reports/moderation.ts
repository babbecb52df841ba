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
import { ENOUGH_TO_PUBLISH, type Keep, keptTotal, Suppression } from '../domain/suppression.ts';
import {
  type Agreement,
  MIN_FOR_AUDITOR_KAPPA,
  MIN_FOR_TREND_KAPPA,
  MODERATION_FIGURE_WORDS,
  type ModerationCounts,
  type ModerationFilters,
  moderationFigures,
} from '../metrics/moderation-figures.ts';
import {
  type Column,
  type Count,
  countText,
  gradeWords,
  PUBLICATION_NOTE,
  type ReportDocument,
  type ReportTable,
  rangeWords,
  type Share,
  shareText,
  shownCount,
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
  { key: 'returned', header: MODERATION_FIGURE_WORDS.returned, kind: 'count' },
  {
    key: 'moderated',
    header: `${MODERATION_FIGURE_WORDS.moderated}, ${MODERATION_FIGURE_WORDS.ofReturned}`,
    kind: 'share',
  },
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

/** The ids of a row of moderation counts in a suppression problem (src/domain/suppression.ts). */
interface ModerationIds {
  returned: number;
  moderated: number;
  notModerated: number;
  supported: number;
  upgraded: number;
  downgraded: number;
  /** supported and upgraded: not shown, but moderated less downgraded gives it */
  notDowngraded: number;
}

/**
 * Adds a row of moderation counts: returned is moderated and not moderated added up, moderated the
 * panel's outcomes. `keep` is how much the row's figures are kept (a month's, the report's): its
 * returned audits, and its moderated share in full when ENOUGH_TO_PUBLISH audits were returned.
 */
function addModerationRow(s: Suppression, c: ModerationReportCounts, keep: Keep): ModerationIds {
  const rateKept: Keep = c.returned >= ENOUGH_TO_PUBLISH ? keep : 0;
  const ids: ModerationIds = {
    returned: s.add(c.returned, { keep: keptTotal(c.returned, keep) }),
    moderated: s.add(c.moderated, { keep: rateKept }),
    notModerated: s.add(c.returned - c.moderated, { keep: rateKept, derived: true }),
    supported: s.add(c.supported),
    upgraded: s.add(c.upgraded),
    downgraded: s.add(c.downgraded),
    notDowngraded: s.add(c.supported + c.upgraded, { derived: true }),
  };
  s.sum(ids.returned, [ids.moderated, ids.notModerated]);
  s.sum(ids.moderated, [ids.supported, ids.upgraded, ids.downgraded]);
  s.sum(ids.moderated, [ids.downgraded, ids.notDowngraded]);
  s.sum(ids.notDowngraded, [ids.supported, ids.upgraded]);
  return ids;
}

/** A row of moderation counts as published, once the problem is solved. */
function publishedCounts<T extends ModerationReportCounts>(
  c: T,
  ids: ModerationIds,
  hidden: (id: number) => boolean,
): T & PublishedCounts {
  const moderatedShown = !hidden(ids.moderated) && !hidden(ids.returned);
  // the share of the moderated audits downgraded (the rest, supported and upgraded, kept from
  // giving a small count back by the problem's lines)
  const downgradedShown = !hidden(ids.downgraded) && !hidden(ids.moderated) && !hidden(ids.notDowngraded);
  return {
    ...c,
    returned: shownCount(c.returned, hidden(ids.returned)),
    moderated: shownCount(c.moderated, hidden(ids.moderated)),
    moderatedRate: moderatedShown ? c.moderatedRate : null,
    moderatedCi95: moderatedShown ? c.moderatedCi95 : null,
    supported: shownCount(c.supported, hidden(ids.supported)),
    upgraded: shownCount(c.upgraded, hidden(ids.upgraded)),
    downgraded: shownCount(c.downgraded, hidden(ids.downgraded)),
    downgradedRate: downgradedShown ? c.downgradedRate : null,
    downgradedCi95: downgradedShown ? c.downgradedCi95 : null,
  };
}

/**
 * The report for publication: no auditor named (auditors are workers), counts from 1 to 4 shown as
 * "fewer than 5" with the figures that would give them back withheld, as one problem across the
 * months, the service areas and the final grades of the moderated audits, which all add up to the
 * same totals (src/domain/suppression.ts). The audits returned and the share of them moderated are
 * kept: always published for the whole report, and for every month with ENOUGH_TO_PUBLISH audits
 * returned.
 */
export function publishModerationReport(r: ModerationReport): PublishedModerationReport {
  const s = new Suppression();
  const total = addModerationRow(s, r, 2);
  const months = r.byMonth.map((m) => addModerationRow(s, m, 1));
  const services = r.byService.map((a) => addModerationRow(s, a, 0));
  for (const rows of [months, services]) {
    for (const k of Object.keys(total) as (keyof ModerationIds)[])
      s.sum(
        total[k],
        rows.map((x) => x[k]),
      );
  }
  // the final grades of the moderated audits add up to them
  const grades = Object.keys(r.finalGrades);
  const gradeIds = grades.map((g) => s.add(r.finalGrades[g]));
  if (grades.reduce((n, g) => n + r.finalGrades[g], 0) === r.moderated) s.sum(total.moderated, gradeIds);
  const hidden = s.solve();
  const { month: _, ...shown } = publishedCounts({ ...r, month: '' }, total, hidden);
  return {
    ...r,
    ...shown,
    publication: true,
    finalGrades: Object.fromEntries(
      grades.map((g, i) => [g, shownCount(r.finalGrades[g], hidden(gradeIds[i]))]),
    ),
    byMonth: r.byMonth.map((m, i) => publishedCounts(m, months[i], hidden)),
    byService: r.byService.map((a, i) => publishedCounts(a, services[i], hidden)),
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
  'Moderated audits are those the moderation panel has decided, of the returned audits that can be ' +
  'moderated (submitted with an overall grade; dip samples have none), counted as the consistency page ' +
  'and the cycle dashboard count them; imported audit history counts a row with a ' +
  'moderated grade as moderated. Agreement compares the auditor’s overall grade with the moderator’s blind grade ' +
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
      `${MODERATION_FIGURE_WORDS.returned}: ${countText(p.returned)}.`,
      `Moderated: ${shareText(share(p.moderated, p.returned, p.moderatedRate, p.moderatedCi95), 'none returned')}, ${MODERATION_FIGURE_WORDS.moderated.toLowerCase()}, ${MODERATION_FIGURE_WORDS.ofReturned}.`,
      `Outcomes: ${countText(p.supported)} supported, ${countText(p.upgraded)} upgraded, ${countText(p.downgraded)} downgraded.`,
      `Downgraded: ${shareText(share(p.downgraded, p.moderated, p.downgradedRate, p.downgradedCi95), 'none moderated')}.`,
      `Agreement between auditors and moderators (weighted kappa, linear weights): ${publication ? publishedKappaText(r.kappa, r.kappaN ?? (r.kappa === null ? 0 : 5), 1) : kappaText(r.kappa, r.kappaN ?? 0, 1)}.`,
    ],
    notes: [ABOUT, ...(publication ? [PUBLICATION_NOTE] : [])],
    sections: [{ id: 'moderation', heading: 'Moderation outcomes', tables }],
    publication,
  };
}
