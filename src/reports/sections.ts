/**
 * The `sections` report (interfaces.md, domain.md §6 "Section view"): for each section of the audit
 * tool, the share of audits rated good or better in the months asked for, against the same months a
 * year earlier, and how many sections improved, stayed the same or got worse. Sections are followed
 * across tool versions by their lineage; the history's section_1 … section_12 are the default tool's
 * twelve sections.
 */
import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import { DEFAULT_JOURNEY_SECTIONS } from '../domain/builtin-tools.ts';
import { BUILTIN_SCALES } from '../domain/grade-scales.ts';
import { type MonthRange, monthRange, previousYear } from '../domain/month-range.ts';
import {
  CHANGE_RULE,
  type Change,
  changeBetween,
  type Proportion,
  proportion,
} from '../domain/statistics.ts';
import { allocationFacts, type ReportFilters } from '../metrics/audit-facts.ts';
import {
  type Count,
  PUBLICATION_NOTE,
  publishCount,
  publishShare,
  type ReportDocument,
  rangeWords,
  type Share,
} from './document.ts';
import { head, type ReportHead, type ReportParams } from './report-base.ts';

export interface SectionYear {
  audits: Count;
  goodOrBetter: Share;
}

export interface SectionResult {
  /** the section's title */
  section: string;
  /** the section's lineage: the same key across versions of the tool */
  key: string;
  position: number;
  audits: Count;
  goodOrBetter: Share;
  previousYear: SectionYear | null;
  /** null when either year has no audits of the section */
  change: Change | null;
}

export interface SectionsReport extends ReportHead<'sections'> {
  sections: SectionResult[];
  improved: number;
  same: number;
  worse: number;
  /** sections with no audits in one of the two years */
  notCompared: number;
  /** how "the same" is decided */
  rule: string;
  previousFrom: string;
  previousTo: string;
}

interface SectionRow {
  key: string;
  title: string;
  position: number;
  month: string;
  audits: number;
  good: number;
}

const GOOD = BUILTIN_SCALES.flatMap((s) => s.grades.filter((g) => g.goodOrBetter).map((g) => g.key));
const HISTORY_SECTIONS = DEFAULT_JOURNEY_SECTIONS.map(
  (s, i) => [`section_${i + 1}`, s.key, s.title, i + 1] as const,
);

/** Graded sections of returned audits in the months, counted by section (lineage) and month. */
export async function sectionCounts(
  db: Db,
  councilId: string,
  range: MonthRange,
  filters: ReportFilters,
): Promise<SectionRow[]> {
  const history = sql`(values ${sql.join(
    HISTORY_SECTIONS.map(
      ([column, key, title, position]) => sql`(${column}, ${key}, ${title}, ${position}::int)`,
    ),
  )}) as hs(column_name, key, title, position)`;
  const { rows } = await sql<SectionRow>`
    with facts as (select * from ${allocationFacts(councilId, range, filters)} f where f.status = 'submitted'),
    results as (
      select r.section_lineage as key, r.section_title as title, r.position, f.month, r.good_or_better as good
      from facts f join audit_section_results r on r.audit_id = f.audit_id
      where f.source = 'audits' and r.grade is not null
      union all
      select hs.key, hs.title, hs.position, f.month, e.value in (${sql.join(GOOD)})
      from facts f join audit_history h on h.id = f.history_id
      cross join lateral jsonb_each_text(h.section_grades) e
      join ${history} on hs.column_name = e.key
      where f.source = 'history'
    )
    select key, max(title) as title, min(position)::int as position, month::text as month,
      count(*)::int as audits, (count(*) filter (where good))::int as good
    from results group by key, month`.execute(db);
  return rows;
}

function yearOf(rows: readonly SectionRow[]) {
  const out = new Map<
    string,
    { title: string; position: number; audits: number; good: number; month: string }
  >();
  for (const r of rows) {
    const s = out.get(r.key);
    if (!s)
      out.set(r.key, {
        title: r.title,
        position: r.position,
        audits: r.audits,
        good: r.good,
        month: r.month,
      });
    else {
      s.audits += r.audits;
      s.good += r.good;
      s.position = Math.min(s.position, r.position);
      // the title of the newest month it was graded in
      if (r.month > s.month) {
        s.title = r.title;
        s.month = r.month;
      }
    }
  }
  return out;
}

export async function buildSectionsReport(
  db: Db,
  councilId: string,
  p: ReportParams,
): Promise<SectionsReport> {
  const range = monthRange(p.from, p.to);
  const before = previousYear(range);
  const [now, then] = await Promise.all([
    sectionCounts(db, councilId, range, p.filters),
    sectionCounts(db, councilId, before, p.filters),
  ]);
  const thisYear = yearOf(now);
  const lastYear = yearOf(then);
  const keys = [...new Set([...thisYear.keys(), ...lastYear.keys()])].sort(
    (a, b) =>
      (thisYear.get(a)?.position ?? lastYear.get(a)?.position ?? 99) -
        (thisYear.get(b)?.position ?? lastYear.get(b)?.position ?? 99) || a.localeCompare(b),
  );
  const sections: SectionResult[] = keys.map((key) => {
    const a = thisYear.get(key);
    const b = lastYear.get(key);
    const nowShare = proportion(a?.good ?? 0, a?.audits ?? 0);
    const previous = b ? { audits: b.audits, goodOrBetter: proportion(b.good, b.audits) } : null;
    return {
      section: a?.title ?? b?.title ?? key,
      key,
      position: a?.position ?? b?.position ?? 99,
      audits: a?.audits ?? 0,
      goodOrBetter: nowShare,
      previousYear: previous,
      change:
        a && b ? changeBetween({ count: a.good, total: a.audits }, { count: b.good, total: b.audits }) : null,
    };
  });
  const count = (c: Change) => sections.filter((s) => s.change === c).length;
  return {
    ...head('sections', p),
    sections,
    improved: count('improved'),
    same: count('same'),
    worse: count('worse'),
    notCompared: sections.filter((s) => s.change === null).length,
    rule: CHANGE_RULE,
    previousFrom: before.from.slice(0, 7),
    previousTo: before.to.slice(0, 7),
  };
}

export function publishSectionsReport(r: SectionsReport): SectionsReport {
  return {
    ...r,
    publication: true,
    sections: r.sections.map((s) => ({
      ...s,
      audits: publishCount(Number(s.audits)),
      goodOrBetter: publishShare(s.goodOrBetter as Proportion),
      previousYear: s.previousYear
        ? {
            audits: publishCount(Number(s.previousYear.audits)),
            goodOrBetter: publishShare(s.previousYear.goodOrBetter as Proportion),
          }
        : null,
    })),
  };
}

const CHANGE_WORDS: Record<Change, string> = { improved: 'Improved', same: 'The same', worse: 'Worse' };

export function sectionsDocument(r: SectionsReport, council: string): ReportDocument {
  const range = rangeWords(r.from, r.to);
  const last = rangeWords(r.previousFrom, r.previousTo);
  const compared = r.sections.length - r.notCompared;
  return {
    title: `Audit sections, ${range}`,
    subtitle: [council, ...r.filters, ...(r.publication ? ['For publication'] : [])],
    summary: [
      compared
        ? `${r.improved} of ${compared} sections improved on ${last}, ${r.same} stayed the same and ${r.worse} got worse.`
        : `No section can be compared with ${last}: one of the two years has no graded sections.`,
      ...(r.notCompared ? [`${r.notCompared} sections had no graded audits in one of the two years.`] : []),
    ],
    notes: [
      'For each section of the audit tool, the share of audits whose section was graded good or better, with its count and 95% confidence interval (Wilson), against the same months a year earlier. Sections are matched across versions of the tool; imported history counts the default tool’s twelve sections.',
      `How “the same” is decided: ${r.rule}`,
      ...(r.publication ? [PUBLICATION_NOTE] : []),
    ],
    sections: [
      {
        id: 'sections',
        heading: 'Sections graded good or better, this year and last',
        charts: [
          {
            kind: 'rates',
            title: `Sections good or better, ${range} against ${last}`,
            xTitle: 'Good or better',
            // last year first, in grey; this year second, in blue
            rows: r.sections.flatMap((s) => [
              ...(s.previousYear
                ? [
                    {
                      group: s.section,
                      rate: s.previousYear.goodOrBetter.rate,
                      ci95: s.previousYear.goodOrBetter.ci95,
                      series: last,
                    },
                  ]
                : []),
              { group: s.section, rate: s.goodOrBetter.rate, ci95: s.goodOrBetter.ci95, series: range },
            ]),
          },
        ],
        tables: [
          {
            id: 'sections',
            title: 'Sections graded good or better',
            columns: [
              { key: 'section', header: 'Section', kind: 'text' },
              { key: 'goodOrBetter', header: range, kind: 'share' },
              { key: 'previousYear', header: last, kind: 'share' },
              { key: 'change', header: 'Change', kind: 'text' },
            ],
            rows: r.sections.map((s) => ({
              cells: {
                section: s.section,
                goodOrBetter: s.goodOrBetter,
                previousYear: s.previousYear?.goodOrBetter ?? null,
                change: s.change ? CHANGE_WORDS[s.change] : 'Not compared',
              },
            })),
            empty: 'No sections were graded in these months.',
          },
        ],
      },
    ],
    publication: r.publication,
  };
}
