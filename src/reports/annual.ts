/**
 * The annual QA report: a programme year against the same months a year earlier (domain.md §6):
 * totals, the grade distribution, the section view, moderation, the dip samples' themes, learning
 * against the themes found in audits below good, and the auditors. Composed like the monthly report
 * (src/reports/monthly.ts); its figures come from the same audit facts as the catalogue's reports,
 * so each can be traced to the report of that name and from there to the audits behind it.
 */
import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import type { ReturnsKind } from '../domain/activity-kinds.ts';
import type { AnswerSet, ToolDefinition } from '../domain/audit-tools.ts';
import { addDays, addMonths, formatDate, monthName, yearName } from '../domain/dates.ts';
import { type MonthRange, monthRange, previousYear } from '../domain/month-range.ts';
import {
  CHANGE_RULE,
  type Change,
  changeBetween,
  type Proportion,
  proportion,
} from '../domain/statistics.ts';
import { ENOUGH_TO_PUBLISH, type Keep, Suppression } from '../domain/suppression.ts';
import { allocationFacts } from '../metrics/audit-facts.ts';
import { learningByTheme } from '../services/learning/learning-sessions.ts';
import { listAuditors } from '../services/sampling/auditors.ts';
import { trainingCountsAsAt } from '../services/sampling/training.ts';
import { actionsOnTimeChapter } from './actions-on-time.ts';
import { produceReport } from './catalogue.ts';
import {
  type Count,
  countText,
  gradeWords,
  isSmall,
  publishShare,
  type ReportDocument,
  type ReportTable,
  rangeWords,
  type Share,
  shareText,
  shownCount,
  shownShare,
} from './document.ts';
import { addGradeRow, type GradeCounts, gradedAudits, publishedRow } from './grades.ts';
import { learningImpactDocument } from './learning-impact.ts';
import { type ComposedReport, composedDocx, composedHtml } from './monthly.ts';
import { councilScales, type ReportParams } from './report-base.ts';
import { returnsReport } from './returns.ts';
import { themesBelowGood, themesDocument } from './themes.ts';

/** The kinds the year-on-year grades count: history grades dip samples, QA Loop does not. */
export const COMPARED_KINDS: readonly ReturnsKind[] = ['full_audit', 're_audit'];

const KINDS_NOTE =
  'Grades compared year on year count full case file audits and re-audits only. The imported audit history gives dip samples an overall grade and QA Loop does not, so counting every kind would compare different things.';

export interface YearTotals {
  planned: number;
  exempted: number;
  scheduled: number;
  returned: number;
  returnRate: Proportion;
  graded: number;
  goodOrBetter: Proportion;
  /** final grades by scale, then grade, each with whether it counts as good or better */
  grades: {
    scale: string;
    scaleName: string;
    counts: { key: string; label: string; count: number; good: boolean }[];
  }[];
}

export interface AnnualReport {
  title: string;
  councilName: string;
  from: string;
  to: string;
  previousFrom: string;
  previousTo: string;
  thisYearName: string;
  lastYearName: string;
  thisYear: YearTotals;
  lastYear: YearTotals;
  /** good or better, this year against last (changeBetween) */
  change: Change | null;
  produced: string;
  composed: ComposedReport;
}

async function yearTotals(
  db: Db,
  councilId: string,
  p: ReportParams,
  range: MonthRange,
): Promise<YearTotals> {
  const from = range.from.slice(0, 7);
  const to = range.to.slice(0, 7);
  const params = { ...p, from, to };
  const [returns, graded, scales] = await Promise.all([
    returnsReport(db, councilId, from, to, p.filters),
    gradedAudits(db, councilId, params),
    councilScales(db, councilId),
  ]);
  const r = returns.total;
  const compared = graded.filter((g) => COMPARED_KINDS.includes(g.kind));
  const byScale = new Map<string, Map<string, number>>();
  const good = new Set<string>();
  for (const g of compared) {
    if (g.final_good) good.add(`${g.scale_key ?? ''}/${g.final_grade}`);
    const key = g.scale_key ?? '';
    const counts = byScale.get(key) ?? new Map<string, number>();
    counts.set(g.final_grade, (counts.get(g.final_grade) ?? 0) + 1);
    byScale.set(key, counts);
  }
  return {
    planned: r.planned,
    exempted: r.exempted,
    scheduled: r.scheduled,
    returned: r.returned,
    returnRate: proportion(Math.min(r.returned, r.scheduled), r.scheduled),
    graded: compared.length,
    goodOrBetter: proportion(compared.filter((g) => g.final_good).length, compared.length),
    grades: [...byScale.entries()].map(([key, counts]) => {
      const info = scales.get(key);
      const keys = [...(info?.grades.map((g) => g.key) ?? []), ...counts.keys()].filter(
        (k, i, all) => all.indexOf(k) === i,
      );
      return {
        scale: key,
        scaleName: info?.name ?? (key || 'No scale recorded'),
        counts: keys.map((k) => ({
          key: k,
          label: info?.grades.find((g) => g.key === k)?.label ?? gradeWords(k),
          count: counts.get(k) ?? 0,
          good: info?.grades.find((g) => g.key === k)?.goodOrBetter ?? good.has(`${key}/${k}`),
        })),
      };
    }),
  };
}

const CHANGE_WORDS: Record<Change, string> = {
  improved: 'a real improvement',
  same: 'no change beyond what chance could explain',
  worse: 'a real fall',
};

/** A share as published when the report is for publication: one with no total beside it to give it away. */
function publisher(publication: boolean) {
  return { share: (s: Proportion): Share => (publication ? publishShare(s) : s) };
}

// ---- publication ----------------------------------------------------------------------------------

/** A year's totals as published. */
export interface PublishedYear {
  planned: Count;
  exempted: Count;
  scheduled: Count;
  returned: Count;
  returnRate: Share;
  graded: Count;
  goodOrBetter: Share;
}

/** A scale's final grades in the two years as published: each grade a share of the year's graded audits. */
export interface PublishedScale {
  scale: string;
  scaleName: string;
  grades: { key: string; label: string; thisYear: Share; lastYear: Share }[];
}

export interface PublishedAnnual {
  thisYear: PublishedYear;
  lastYear: PublishedYear;
  scales: PublishedScale[];
}

/**
 * The figures of the year at a glance and the grade distribution, as published: one suppression
 * problem (src/domain/suppression.ts) for each year. Planned is exempted and scheduled added up, and
 * scheduled is returned and not returned; the audits graded are each scale's graded audits added
 * up, each scale's its grades, good or better its good grades and below good the rest. Counts from
 * 1 to 4 are "fewer than 5" and any figure that would give one back through those sums is withheld,
 * but the year's totals are kept, and its return rate and good-or-better rate are published in full
 * when they are of 10 audits or more: a partner is found among the other figures (planned gives way
 * to the return rate when only it and scheduled are left). Not for publication, everything is shown
 * as counted.
 */
export function publishAnnualFigures(
  thisYear: YearTotals,
  lastYear: YearTotals,
  publication: boolean,
): PublishedAnnual {
  const years = [thisYear, lastYear];
  const scaleKeys = [...new Set(years.flatMap((y) => y.grades.map((g) => g.scale)))];
  const scales = scaleKeys.map((scale) => {
    const of = years.map((y) => y.grades.find((g) => g.scale === scale));
    const keys = of
      .flatMap((g) => g?.counts ?? [])
      .filter((g, i, all) => all.findIndex((x) => x.key === g.key) === i);
    return { scale, scaleName: of[0]?.scaleName ?? of[1]?.scaleName ?? scale, keys, of };
  });
  /** A year's grades on a scale as a row of grade counts (none when the year has no such scale). */
  const row = (k: number, y: number): GradeCounts => {
    const counts = Object.fromEntries(
      scales[k].keys.map((g) => [g.key, scales[k].of[y]?.counts.find((x) => x.key === g.key)?.count ?? 0]),
    );
    const total = Object.values(counts).reduce((s, n) => s + n, 0);
    const good = scales[k].keys.filter((g) => g.good).reduce((s, g) => s + counts[g.key], 0);
    return { counts, total, goodOrBetter: proportion(good, total) };
  };
  const published = years.map((y, i) => {
    const rows = scales.map((_, k) => row(k, i));
    if (!publication) {
      return {
        year: {
          planned: y.planned,
          exempted: y.exempted,
          scheduled: y.scheduled,
          returned: y.returned,
          returnRate: y.returnRate,
          graded: y.graded,
          goodOrBetter: y.goodOrBetter,
        } satisfies PublishedYear,
        rows,
      };
    }
    const s = new Suppression();
    const kept = (n: number): Keep => (isSmall(n) ? 0 : 2);
    // the return rate is the year's: kept as a total is, and published in full from 10 audits; planned
    // (exempted and scheduled added up) gives way to it when exempted is small
    const returned = Math.min(y.returned, y.scheduled);
    const returnKept: Keep = y.scheduled >= ENOUGH_TO_PUBLISH ? 2 : 0;
    const planned = s.add(y.planned, { keep: isSmall(y.planned) ? 0 : 1 });
    const exempted = s.add(y.exempted);
    const scheduled = s.add(y.scheduled, { keep: kept(y.scheduled) });
    const returnedId = s.add(returned, { keep: returnKept });
    const notReturned = s.add(y.scheduled - returned, { keep: returnKept, derived: true });
    s.sum(planned, [exempted, scheduled]);
    s.sum(scheduled, [returnedId, notReturned]);
    // the audits graded, good or better and below good: the year's, or its one scale's
    const good = Number(y.goodOrBetter.count);
    const rateKept: Keep = y.graded >= ENOUGH_TO_PUBLISH ? 2 : 0;
    const ids = rows.map((r, k) =>
      addGradeRow(
        s,
        r,
        scales[k].keys.map((g) => g.key),
        new Set(scales[k].keys.filter((g) => g.good).map((g) => g.key)),
        rows.length === 1 ? 2 : 1,
      ),
    );
    const one = ids.length === 1 && Number(rows[0].total) === y.graded ? ids[0] : undefined;
    const graded = one?.total ?? s.add(y.graded, { keep: kept(y.graded) });
    const goodId = one?.good ?? s.add(good, { keep: rateKept });
    if (!one) {
      const below = s.add(y.graded - good, { keep: rateKept, derived: true });
      s.sum(graded, [goodId, below]);
      s.sum(
        graded,
        ids.map((x) => x.total),
      );
      s.sum(
        goodId,
        ids.map((x) => x.good),
      );
      s.sum(
        below,
        ids.map((x) => x.below),
      );
    }
    const hidden = s.solve();
    return {
      year: {
        planned: shownCount(y.planned, hidden(planned)),
        exempted: shownCount(y.exempted, hidden(exempted)),
        scheduled: shownCount(y.scheduled, hidden(scheduled)),
        returned: shownCount(y.returned, hidden(returnedId)),
        returnRate: shownShare(y.returnRate, hidden(returnedId), hidden(scheduled)),
        graded: shownCount(y.graded, hidden(graded)),
        goodOrBetter: shownShare(y.goodOrBetter, hidden(goodId), hidden(graded)),
      } satisfies PublishedYear,
      rows: rows.map((r, k) => publishedRow(r, ids[k], hidden)),
    };
  });
  /** A grade as a share of its scale's graded audits in a year, as published. */
  const share = (k: number, y: number, key: string): Share => {
    const full = row(k, y);
    const shown = published[y].rows[k];
    const count = shown.counts[key];
    if (typeof count === 'number' && typeof shown.total === 'number')
      return proportion(Number(full.counts[key]), Number(full.total));
    return { count, total: shown.total, rate: null, ci95: null };
  };
  return {
    thisYear: published[0].year,
    lastYear: published[1].year,
    scales: scales.map((sc, k) => ({
      scale: sc.scale,
      scaleName: sc.scaleName,
      grades: sc.keys.map((g) => ({
        key: g.key,
        label: g.label,
        thisYear: share(k, 0, g.key),
        lastYear: share(k, 1, g.key),
      })),
    })),
  };
}

/**
 * A column of counts and its total, as published: counts from 1 to 4 "fewer than 5", and partners
 * withheld so that none can be worked out from the total and the others. The total is kept (a
 * year's total), and so is a count of ENOUGH_TO_PUBLISH or more (a month's), while a smaller one will
 * do. `sums` says whether the counts add up to the total; when they do not (a session on two themes
 * counts under each), each count is published on its own. Not for publication, as counted.
 */
export function publishColumn(
  counts: readonly number[],
  publication: boolean,
  total = counts.reduce((s, n) => s + n, 0),
): { counts: Count[]; total: Count } {
  if (!publication) return { counts: [...counts], total };
  const s = new Suppression();
  const ids = counts.map((n) => s.add(n, { keep: n >= ENOUGH_TO_PUBLISH ? 1 : 0 }));
  const totalId = s.add(total, { keep: isSmall(total) ? 0 : 2 });
  if (counts.reduce((a, n) => a + n, 0) === total) s.sum(totalId, ids);
  const hidden = s.solve();
  return {
    counts: counts.map((n, i) => shownCount(n, hidden(ids[i]))),
    total: shownCount(total, hidden(totalId)),
  };
}

/** A share as a chart draws it: only a rate whose count and total are both shown, otherwise none. */
const drawn = (s: Share) =>
  typeof s.count === 'number' && typeof s.total === 'number' && s.rate !== null
    ? { rate: s.rate, ci95: s.ci95 }
    : { rate: null, ci95: null };

function summaryDocument(
  r: Omit<AnnualReport, 'composed'>,
  publication: boolean,
  improved: string,
): ReportDocument {
  const { thisYear: a, lastYear: b } = publishAnnualFigures(r.thisYear, r.lastYear, publication);
  const rows: [string, string, string][] = [
    ['Audits planned', countText(a.planned), countText(b.planned)],
    ['Exempted', countText(a.exempted), countText(b.exempted)],
    ['Scheduled (planned less exempted)', countText(a.scheduled), countText(b.scheduled)],
    ['Returned', countText(a.returned), countText(b.returned)],
    ['Return rate (returned of scheduled)', shareText(a.returnRate), shareText(b.returnRate)],
    ['Audits graded (full case file audits and re-audits)', countText(a.graded), countText(b.graded)],
    ['Graded good or better', shareText(a.goodOrBetter), shareText(b.goodOrBetter)],
  ];
  const table: ReportTable = {
    id: 'year-totals',
    title: `${r.thisYearName} against ${r.lastYearName}`,
    columns: [
      { key: 'figure', header: 'Figure', kind: 'text' },
      { key: 'thisYear', header: r.thisYearName, kind: 'text' },
      { key: 'lastYear', header: r.lastYearName, kind: 'text' },
    ],
    rows: rows.map(([figure, thisYear, lastYear]) => ({ cells: { figure, thisYear, lastYear } })),
  };
  const goodNow = a.goodOrBetter;
  const goodThen = b.goodOrBetter;
  return {
    title: `The year at a glance: ${r.thisYearName} against ${r.lastYearName}`,
    subtitle: [],
    summary: [
      `Audits returned: ${shareText(a.returnRate)} of those scheduled in ${r.thisYearName}, against ${shareText(b.returnRate)} in ${r.lastYearName}.`,
      `Graded good or better: ${shareText(goodNow)} in ${r.thisYearName}, against ${shareText(goodThen)} in ${r.lastYearName}${
        r.change && goodNow.rate !== null && goodThen.rate !== null ? `: ${CHANGE_WORDS[r.change]}` : ''
      }.`,
      improved,
    ],
    notes: [
      KINDS_NOTE,
      CHANGE_RULE.replace('A section counts', 'A rate counts').replace('the section counts', 'it counts'),
    ],
    sections: [
      {
        id: 'year-totals',
        heading: 'Totals',
        paragraphs: [
          `${rangeWords(r.from, r.to)} against ${rangeWords(r.previousFrom, r.previousTo)}. The months not yet reached count as planned only once audits are allocated in them.`,
        ],
        charts:
          drawn(goodNow).rate !== null || drawn(goodThen).rate !== null
            ? [
                {
                  kind: 'rates',
                  title: `Audits graded good or better, ${r.thisYearName} against ${r.lastYearName}, with 95% confidence intervals`,
                  xTitle: 'Good or better',
                  rows: [
                    { group: r.thisYearName, ...drawn(goodNow) },
                    { group: r.lastYearName, ...drawn(goodThen) },
                  ],
                },
              ]
            : [],
        tables: [table],
      },
    ],
    publication,
  };
}

function distributionDocument(r: Omit<AnnualReport, 'composed'>, publication: boolean): ReportDocument {
  const published = publishAnnualFigures(r.thisYear, r.lastYear, publication);
  const sections = published.scales.map(({ scale, scaleName, grades }) => ({
    id: `distribution-${scale}`,
    heading: `Final grades: ${scaleName}`,
    charts: [
      {
        kind: 'rates' as const,
        title: `Final grades, ${scaleName}: ${r.thisYearName} against ${r.lastYearName}`,
        xTitle: 'Share of audits graded',
        rows: grades.flatMap((g) => [
          { group: g.label, series: r.thisYearName, ...drawn(g.thisYear) },
          { group: g.label, series: r.lastYearName, ...drawn(g.lastYear) },
        ]),
      },
    ],
    tables: [
      {
        id: `distribution-${scale}`,
        title: `Final grades, ${scaleName}`,
        columns: [
          { key: 'grade', header: 'Grade', kind: 'text' as const },
          { key: 'thisYear', header: r.thisYearName, kind: 'share' as const },
          { key: 'lastYear', header: r.lastYearName, kind: 'share' as const },
        ],
        rows: grades.map((g) => ({ cells: { grade: g.label, thisYear: g.thisYear, lastYear: g.lastYear } })),
      },
    ],
  }));
  return {
    title: `Grade distribution, ${r.thisYearName} against ${r.lastYearName}`,
    subtitle: [],
    summary: [
      `Audits graded: ${countText(published.thisYear.graded)} in ${r.thisYearName} and ${countText(published.lastYear.graded)} in ${r.lastYearName}.`,
    ],
    notes: [
      'Counted on each audit’s final grade: the moderation panel’s where the audit was moderated, otherwise the auditor’s. Each grade is given as a share of the year’s graded audits, with its count and 95% confidence interval (Wilson).',
      KINDS_NOTE,
    ],
    sections,
    publication,
  };
}

// ---- dip samples --------------------------------------------------------------------------------

interface DipRow {
  month: string;
  theme: string | null;
  n: number;
}

/** Dip samples returned by month and theme: the month's themes in QA Loop, the row's theme in history. */
async function dipSamplesByTheme(db: Db, councilId: string, p: ReportParams, range: MonthRange) {
  const { rows } = await sql<DipRow>`
    select f.month::text as month,
      case when f.source = 'history' then nullif(btrim(h.theme), '')
        else (select string_agg(mt.theme, ' / ' order by mt.position) from month_themes mt
              join programme_months pm on pm.id = mt.month_id
              where pm.council_id = ${councilId} and mt.council_id = ${councilId} and pm.month = f.month) end as theme,
      count(*)::int as n
    from ${allocationFacts(councilId, range, p.filters)} f
    left join audit_history h on h.id = f.history_id
    where f.kind = 'dip_sample' and f.status = 'submitted'
    group by 1, 2
    order by 1, 2`.execute(db);
  // a month's two streams often share a theme: name it once
  const theme = (t: string | null) => (t === null ? null : [...new Set(t.split(' / '))].join(' / '));
  return rows.map((r) => ({ ...r, theme: theme(r.theme), n: Number(r.n) }));
}

interface QuestionYes {
  question: string;
  yes: number;
  answered: number;
}

/**
 * For QA Loop's returned dip samples, each yes/no/partly question's share answered yes, of those
 * answered yes, no or partly ("not applicable" left out), by tool and question.
 */
async function dipSampleYesShares(
  db: Db,
  councilId: string,
  p: ReportParams,
  range: MonthRange,
): Promise<QuestionYes[]> {
  const { rows } = await sql<{ answers: AnswerSet | null; definition: ToolDefinition; tool: string }>`
    select a.answers, v.definition, t.name as tool
    from ${allocationFacts(councilId, range, p.filters)} f
    join audits a on a.id = f.audit_id
    join audit_tool_versions v on v.id = a.tool_version_id
    join audit_tools t on t.id = v.tool_id
    where f.source = 'audits' and f.kind = 'dip_sample' and f.status = 'submitted'`.execute(db);
  const out = new Map<string, QuestionYes>();
  for (const r of rows) {
    const answers = (typeof r.answers === 'string' ? JSON.parse(r.answers) : r.answers) ?? {};
    const definition = typeof r.definition === 'string' ? JSON.parse(r.definition) : r.definition;
    for (const s of (definition as ToolDefinition).sections ?? []) {
      for (const q of s.questions) {
        if (q.type !== 'yes_no_partly_na') continue;
        const value = (answers as AnswerSet)[s.key]?.answers?.[q.key];
        if (value !== 'yes' && value !== 'no' && value !== 'partly') continue;
        const label = `${r.tool}: ${q.text}`;
        const row = out.get(label) ?? { question: label, yes: 0, answered: 0 };
        row.answered++;
        if (value === 'yes') row.yes++;
        out.set(label, row);
      }
    }
  }
  return [...out.values()].sort((a, b) => a.question.localeCompare(b.question, 'en-GB'));
}

async function dipSampleDocument(
  db: Db,
  councilId: string,
  p: ReportParams,
  r: Omit<AnnualReport, 'composed'>,
): Promise<ReportDocument> {
  const pub = publisher(p.publication);
  const range = monthRange(r.from, r.to);
  const [now, then, yes] = await Promise.all([
    dipSamplesByTheme(db, councilId, p, range),
    dipSamplesByTheme(db, councilId, p, previousYear(range)),
    dipSampleYesShares(db, councilId, p, range),
  ]);
  // each year's months and themes add up to its total, which is shown
  const column = (list: DipRow[]) =>
    publishColumn(
      list.map((d) => d.n),
      p.publication,
    );
  const table = (id: string, title: string, list: DipRow[], shown = column(list)): ReportTable => ({
    id,
    title,
    columns: [
      { key: 'month', header: 'Month', kind: 'text' },
      { key: 'theme', header: 'Theme', kind: 'text' },
      { key: 'n', header: 'Dip samples returned', kind: 'count' },
    ],
    rows: [
      ...list.map((d, i) => ({
        cells: {
          month: monthName(d.month.slice(0, 10)),
          theme: d.theme ?? 'No theme recorded',
          n: shown.counts[i],
        },
      })),
      ...(list.length ? [{ total: true, cells: { month: 'All months', theme: '', n: shown.total } }] : []),
    ],
    empty: 'No dip samples were returned in these months.',
  });
  return {
    title: `Dip samples and their themes, ${r.thisYearName} against ${r.lastYearName}`,
    subtitle: [],
    summary: [
      `Dip samples returned: ${countText(column(now).total)} in ${r.thisYearName} and ${countText(column(then).total)} in ${r.lastYearName}.`,
    ],
    notes: [
      'A dip sample is a short themed question set, changed each month to fit the theme. For QA Loop’s dip samples the theme is the programme month’s; for the imported history, the theme the row records. For each yes/no question of QA Loop’s dip samples, the share answered yes of those answered yes, no or partly (“not applicable” left out), with its 95% confidence interval.',
    ],
    sections: [
      {
        id: 'dip-themes',
        heading: 'Dip samples by month and theme',
        tables: [
          table('dip-this-year', `Dip samples returned, ${r.thisYearName}`, now),
          table('dip-last-year', `Dip samples returned, ${r.lastYearName}`, then),
        ],
      },
      {
        id: 'dip-answers',
        heading: 'What the dip samples found',
        tables: [
          {
            id: 'dip-yes',
            title: `Questions answered yes, ${r.thisYearName}`,
            columns: [
              { key: 'question', header: 'Question', kind: 'text' },
              { key: 'yes', header: 'Answered yes', kind: 'share' },
            ],
            rows: yes.map((q) => ({
              cells: { question: q.question, yes: pub.share(proportion(q.yes, q.answered)) },
            })),
            empty: `No dip sample returned in QA Loop in ${r.thisYearName} answered a yes or no question.`,
          },
        ],
      },
    ],
    publication: p.publication,
  };
}

// ---- learning against themes --------------------------------------------------------------------

/**
 * The learning sessions held in the months on practice themes, each counted once however many
 * themes it was on, and their attendances added up: what the Learning page lists.
 */
async function learningTotals(db: Db, councilId: string, range: MonthRange) {
  const row = await db
    .selectFrom('learning_sessions as ls')
    .select((eb) => [
      eb.fn.countAll<number>().as('sessions'),
      eb.fn.sum<number>('ls.attended').as('attended'),
    ])
    .where('ls.council_id', '=', councilId)
    .where('ls.held_on', '>=', range.from)
    .where('ls.held_on', '<', addMonths(range.to, 1))
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('learning_session_themes as lt')
          .select('lt.session_id')
          .whereRef('lt.session_id', '=', 'ls.id')
          .where('lt.council_id', '=', councilId),
      ),
    )
    .executeTakeFirst();
  return { sessions: Number(row?.sessions ?? 0), attended: Number(row?.attended ?? 0) };
}

async function learningDocument(
  db: Db,
  councilId: string,
  p: ReportParams,
  r: Omit<AnnualReport, 'composed'>,
): Promise<ReportDocument> {
  const pub = publisher(p.publication);
  const range = monthRange(r.from, r.to);
  const [learning, totals, found] = await Promise.all([
    learningByTheme(db, councilId, range.from, range.to),
    learningTotals(db, councilId, range),
    themesBelowGood(db, councilId, range, p.filters),
  ]);
  const names = new Map<string, string>();
  for (const l of learning) names.set(l.themeKey, l.themeName);
  for (const t of found.themes) names.set(t.themeKey, t.themeName);
  const rows = [...names.entries()]
    .map(([key, name]) => {
      const l = learning.find((x) => x.themeKey === key);
      const t = found.themes.find((x) => x.themeKey === key);
      return { key, name, sessions: l?.sessions ?? 0, attended: l?.attended ?? 0, found: t?.audits ?? 0 };
    })
    .sort((a, b) => b.found - a.found || b.sessions - a.sessions || a.name.localeCompare(b.name, 'en-GB'));
  const gaps = rows.filter((x) => x.found > 0 && x.sessions === 0).slice(0, 3);
  // the headline counts each session and its attendance once; the themes' attendance adds up to it
  // only when no session was on two themes (publishColumn then keeps it from giving one back)
  const attended = publishColumn(
    rows.map((x) => x.attended),
    p.publication,
    totals.attended,
  );
  const onSeveral = rows.reduce((n, x) => n + x.sessions, 0) > totals.sessions;
  return {
    title: `Learning linked to practice themes, ${r.thisYearName}`,
    subtitle: [],
    summary: [
      totals.sessions
        ? `Learning sessions held on practice themes: ${totals.sessions}, with ${countText(attended.total)} ${totals.attended === 1 ? 'attendance' : 'attendances'} in all.`
        : 'No learning session on a practice theme was held this year.',
      ...(gaps.length
        ? [
            `Themes found in audits below good with no learning session this year: ${gaps.map((g) => g.name).join(', ')}.`,
          ]
        : []),
    ],
    notes: [
      `Each learning session held in the year on practice themes is counted once in the totals, with its attendances (a person at two sessions is two attendances), as the Learning page lists them. In the table a session counts under each of its themes${onSeveral ? ', so the themes add up to more than the totals' : ''}. Beside them, how many returned audits graded below good were tagged with the theme, as a share of all audits below good (QA Loop’s audits only: the imported history carries no themes).`,
    ],
    sections: [
      {
        id: 'learning-themes',
        heading: 'Learning against what audits found',
        tables: [
          {
            id: 'learning-themes',
            title: 'Practice themes: learning held and audits below good',
            columns: [
              { key: 'theme', header: 'Practice theme', kind: 'text' },
              { key: 'sessions', header: 'Sessions on the theme', kind: 'count' },
              { key: 'attended', header: 'Attendances at them', kind: 'count' },
              { key: 'found', header: 'Audits below good with the theme', kind: 'share' },
            ],
            rows: rows.map((x, i) => ({
              cells: {
                theme: x.name,
                sessions: x.sessions,
                attended: attended.counts[i],
                found: pub.share(proportion(x.found, found.belowGood)),
              },
            })),
            empty: 'No learning was recorded and no audit below good was tagged with a theme this year.',
          },
        ],
      },
    ],
    publication: p.publication,
  };
}

// ---- auditors -------------------------------------------------------------------------------------

async function auditorsDocument(
  db: Db,
  councilId: string,
  p: ReportParams,
  r: Omit<AnnualReport, 'composed'>,
): Promise<ReportDocument> {
  const [auditors, per] = await Promise.all([
    listAuditors(db, councilId, { today: p.today }),
    sql<{ auditor: string | null; allocated: number; returned: number }>`
      select f.auditor, count(*) filter (where f.status <> 'exempted')::int as allocated,
        count(*) filter (where f.status = 'submitted')::int as returned
      from ${allocationFacts(councilId, monthRange(r.from, r.to), p.filters)} f
      where f.source = 'audits' and f.status <> 'unallocated'
      group by f.auditor_key, f.auditor
      order by f.auditor`.execute(db),
  ]);
  const trained = auditors.filter((a) => a.trained).length;
  // auditor training as at the end of the programme year (today, when the year has not ended)
  const yearEnd = addDays(addMonths(`${r.to}-01`, 1), -1);
  const training = await trainingCountsAsAt(db, councilId, yearEnd < p.today ? yearEnd : p.today);
  return {
    title: `Auditors, ${r.thisYearName}`,
    subtitle: [],
    summary: [
      `Trained auditors on ${formatDate(p.today)}: ${trained} of ${auditors.length} staff with the auditor role.`,
      `Auditor training on ${formatDate(training.asAt)}: ${training.trained} trained, ${training.awaiting} awaiting training and ${training.overdue} not trained in time.`,
    ],
    notes: [
      'Audits given to each auditor in the year’s cycles in QA Loop (exempted audits left out) and how many they returned. Not in a report for publication, which names nobody below service level.',
      'Auditor training counts the staff in post on the day: trained (with any refresher due), new managers still within the council’s time for training (awaiting), and managers not trained in that time (not trained in time). Managers are those with the case manager, Head of Service or auditor role.',
    ],
    sections: [
      {
        id: 'training',
        heading: `Auditor training on ${formatDate(training.asAt)}`,
        tables: [
          {
            id: 'training',
            title: 'Auditor training',
            columns: [
              { key: 'status', header: 'Training', kind: 'text' },
              { key: 'people', header: 'People', kind: 'count' },
            ],
            rows: [
              { cells: { status: 'Trained', people: training.trained } },
              { cells: { status: 'Awaiting training', people: training.awaiting } },
              { cells: { status: 'Not trained in time', people: training.overdue } },
            ],
          },
        ],
      },
      {
        id: 'auditors',
        heading: 'Audits given and returned, by auditor',
        tables: [
          {
            id: 'auditors',
            title: 'Audits by auditor',
            columns: [
              { key: 'auditor', header: 'Auditor', kind: 'text' },
              { key: 'allocated', header: 'Given', kind: 'count' },
              { key: 'returned', header: 'Returned', kind: 'share' },
            ],
            rows: per.rows.map((a) => ({
              cells: {
                auditor: a.auditor ?? 'No auditor recorded',
                allocated: Number(a.allocated),
                returned: proportion(Number(a.returned), Number(a.allocated)),
              },
            })),
            empty: 'No audits were given to auditors in QA Loop this year.',
          },
        ],
      },
    ],
    publication: false,
  };
}

// ---- the report ----------------------------------------------------------------------------------

/** The annual report of a programme year (p.from to p.to, YYYY-MM) against the year before. */
export async function annualReport(db: Db, councilId: string, p: ReportParams): Promise<AnnualReport> {
  const range = monthRange(p.from, p.to);
  const before = previousYear(range);
  const [thisYear, lastYear] = [
    await yearTotals(db, councilId, p, range),
    await yearTotals(db, councilId, p, before),
  ];
  const twelve = (from: string, to: string) => {
    const [fy, fm] = from.split('-').map(Number);
    const [ty, tm] = to.split('-').map(Number);
    return (ty - fy) * 12 + tm - fm === 11;
  };
  const previousFrom = before.from.slice(0, 7);
  const previousTo = before.to.slice(0, 7);
  const name = (from: string, to: string) =>
    twelve(from, to) ? yearName(`${from}-01`) : rangeWords(from, to);
  const base = {
    title: `Annual quality assurance report, ${name(p.from, p.to)}`,
    councilName: p.councilName,
    from: p.from,
    to: p.to,
    previousFrom,
    previousTo,
    thisYearName: name(p.from, p.to),
    lastYearName: name(previousFrom, previousTo),
    thisYear,
    lastYear,
    change: changeBetween(thisYear.goodOrBetter, lastYear.goodOrBetter),
    produced: formatDate(p.today),
  };
  const sections = await produceReport(db, councilId, 'sections', p);
  const moderation = await produceReport(db, councilId, 'moderation', p);
  const lastModeration = await produceReport(db, councilId, 'moderation', {
    ...p,
    from: previousFrom,
    to: previousTo,
  });
  const sectionsJson = sections.json as {
    improved: number;
    same: number;
    worse: number;
    notCompared: number;
    sections: unknown[];
  };
  const compared = sectionsJson.sections.length - sectionsJson.notCompared;
  const improved = compared
    ? `${sectionsJson.improved} of ${compared} sections of the audit tool improved on ${base.lastYearName}, ${sectionsJson.same} stayed the same and ${sectionsJson.worse} got worse.`
    : `No section of the audit tool can be compared with ${base.lastYearName}.`;
  const lm = lastModeration.json as { moderated: Count; returned: Count; downgraded: Count };
  const chapters: ComposedReport['chapters'] = [
    { heading: 'The year at a glance', documents: [summaryDocument(base, p.publication, improved)] },
    { heading: 'Grade distribution', documents: [distributionDocument(base, p.publication)] },
    { heading: 'The section view', paragraphs: [improved], documents: [sections.document] },
    {
      heading: 'Moderation',
      paragraphs: [
        `In ${base.lastYearName}, ${countText(lm.moderated)} audits of ${countText(lm.returned)} returned were moderated and ${countText(lm.downgraded)} were downgraded.`,
      ],
      documents: [moderation.document],
    },
    { heading: 'Dip samples and their themes', documents: [await dipSampleDocument(db, councilId, p, base)] },
    {
      heading: 'Actions done on time, by grade of audit',
      documents: [await actionsOnTimeChapter(db, councilId, p)],
    },
    {
      heading: 'Learning linked to practice themes',
      documents: [
        await learningDocument(db, councilId, p, base),
        themesDocument(
          await themesBelowGood(db, councilId, range, p.filters),
          base.thisYearName,
          p.publication,
        ),
      ],
    },
    {
      heading: 'Did learning change practice?',
      documents: [await learningImpactDocument(db, councilId, p, base.thisYearName)],
    },
    ...(p.publication
      ? []
      : [{ heading: 'Auditors', documents: [await auditorsDocument(db, councilId, p, base)] }]),
  ];
  return {
    ...base,
    composed: {
      title: base.title,
      councilName: p.councilName,
      lines: [
        `${rangeWords(p.from, p.to)}, against ${rangeWords(previousFrom, previousTo)}`,
        ...p.filterWords.map((f) => `Figures for ${f}`),
        `Produced ${base.produced}`,
      ],
      notes: [
        `This report sets the programme year ${base.thisYearName} against ${base.lastYearName}. Where a month has audits in QA Loop it is counted from them; otherwise from the audit history the council imported, so ${base.lastYearName} comes from the imported history.`,
        KINDS_NOTE,
        'Every share is given with its count and a 95% confidence interval (Wilson). A rate counts as changed only when the 95% confidence interval of the difference between the years (Newcombe’s method) leaves out zero. The figures come from the same audits as QA Loop’s grades, returns, sections and moderation reports for the same months, where each can be traced to the audits behind it.',
      ],
      chapters,
      publication: p.publication,
    },
  };
}

export async function annualReportDocx(db: Db, councilId: string, p: ReportParams): Promise<Buffer> {
  return composedDocx((await annualReport(db, councilId, p)).composed);
}

export async function annualReportHtml(db: Db, councilId: string, p: ReportParams): Promise<string> {
  return composedHtml((await annualReport(db, councilId, p)).composed);
}
