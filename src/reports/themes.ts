/**
 * The practice themes most often found in audits below good (domain.md §6, §10): of the returned
 * audits whose final grade is not good or better, how many were tagged with each theme, so the QA
 * team and workforce development can see what to work on. Imported history carries no themes, so
 * only QA Loop's audits count.
 */
import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import type { MonthRange } from '../domain/month-range.ts';
import { proportion } from '../domain/statistics.ts';
import { allocationFacts, type ReportFilters } from '../metrics/audit-facts.ts';
import type { FindingsThemeCount } from '../metrics/findings.ts';
import { publishCount, publishShare, type ReportDocument } from './document.ts';

export interface ThemeBelowGood {
  themeKey: string;
  themeName: string;
  /** audits below good tagged with the theme (in any section) */
  audits: number;
}

/**
 * Practice themes tagged in QA Loop's returned audits whose final grade is below good, in the months
 * and filters asked for: how many of those audits were tagged with each theme, most first, and how
 * many audits below good there were. Imported history carries no themes, so it is not counted.
 */
export async function themesBelowGood(
  db: Db,
  councilId: string,
  range: MonthRange,
  filters: ReportFilters,
): Promise<{ belowGood: number; themes: ThemeBelowGood[] }> {
  const facts = allocationFacts(councilId, range, filters);
  const [total, themes] = await Promise.all([
    sql<{ n: number }>`
      select count(*)::int as n from ${facts} f join audits a on a.id = f.audit_id
      where f.source = 'audits' and f.status = 'submitted' and a.final_good_or_better = false`.execute(db),
    sql<{ theme_key: string; name: string | null; audits: number }>`
      select apt.theme_key, pt.name, count(distinct apt.audit_id)::int as audits
      from ${facts} f
      join audits a on a.id = f.audit_id
      join audit_practice_themes apt on apt.audit_id = a.id and apt.council_id = ${councilId}
      left join practice_themes pt on pt.council_id = ${councilId} and pt.key = apt.theme_key
      where f.source = 'audits' and f.status = 'submitted' and a.final_good_or_better = false
      group by apt.theme_key, pt.name`.execute(db),
  ]);
  return {
    belowGood: Number(total.rows[0]?.n ?? 0),
    themes: themes.rows
      .map((r) => ({ themeKey: r.theme_key, themeName: r.name ?? r.theme_key, audits: Number(r.audits) }))
      .sort((a, b) => b.audits - a.audits || a.themeName.localeCompare(b.themeName, 'en-GB')),
  };
}

/** The themes below good as a chapter of a composed report. */
export function themesDocument(
  found: { belowGood: number; themes: ThemeBelowGood[] },
  range: string,
  publication: boolean,
  limit = 10,
): ReportDocument {
  const shown = found.themes.slice(0, limit);
  const share = (n: number) => {
    const p = proportion(n, found.belowGood);
    return publication ? publishShare(p) : p;
  };
  return {
    title: `Practice themes in audits below good, ${range}`,
    subtitle: [],
    summary: [
      found.belowGood
        ? `Audits graded below good: ${publication ? publishCount(found.belowGood) : found.belowGood}.${
            shown[0] ? ` The theme most often found in them: ${shown[0].themeName}.` : ''
          }`
        : 'No audit returned in these months was graded below good.',
    ],
    notes: [
      'Auditors tag each section of an audit with the practice themes it shows. For each theme, the number of returned audits graded below good (final grade) that were tagged with it in any section, as a share of all audits below good, with its 95% confidence interval. An audit can carry several themes, so the shares add up to more than 100%. Imported audit history carries no themes.',
    ],
    sections: [
      {
        id: 'themes-below-good',
        heading: 'Themes most often found in audits below good',
        charts: shown.length
          ? [
              {
                kind: 'rates',
                title: `Audits below good tagged with each practice theme, ${range}`,
                xTitle: 'Share of audits below good',
                rows: shown.map((t) => {
                  const s = share(t.audits);
                  return { group: t.themeName, rate: s.rate, ci95: s.ci95 };
                }),
              },
            ]
          : [],
        tables: [
          {
            id: 'themes-below-good',
            title: 'Practice themes in audits below good',
            columns: [
              { key: 'theme', header: 'Practice theme', kind: 'text' },
              { key: 'audits', header: 'Audits below good with the theme', kind: 'share' },
            ],
            rows: shown.map((t) => ({ cells: { theme: t.themeName, audits: share(t.audits) } })),
            empty: 'No audit below good was tagged with a practice theme.',
          },
        ],
      },
    ],
    publication,
  };
}

/** Counts of the themes other services' QA found in a quarter (src/metrics/service-qa-themes.ts). */
export interface OtherServicesThemes {
  quarter: { label: string };
  servicesWithEntries: number;
  themes: Map<string, { themeName: string; services: number; names: string[] }>;
}

export const OTHER_SERVICES_NOTE =
  'Another source, not counted in the audit figures above: the practice themes found by the QA of services outside the audit programme (SEN, LADO, youth justice and others) in the quarter the report ends in, as how many of the services that recorded QA that quarter found each theme. The quarterly collation lays them side by side.';

/**
 * The themes report as the audits alone found them: for the month's report to committee, which
 * reports the cycle's audits in 3 to 5 pages (the quarter's collation is where other services' QA
 * is read, and the findings reports and the practice themes report where findings' themes are).
 */
export function withoutOtherSources(doc: ReportDocument): ReportDocument {
  return {
    ...doc,
    notes: doc.notes.filter((n) => n !== OTHER_SERVICES_NOTE && n !== FINDINGS_THEMES_NOTE),
    sections: doc.sections.map((s) => ({
      ...s,
      tables: s.tables.filter((t) => t.id !== 'themes-other-services' && t.id !== 'themes-findings'),
    })),
  };
}

/**
 * The themes report with, beside the audit figures and clearly labelled as another source, how many
 * other services' QA found each theme in the quarter; unchanged when no service recorded QA then.
 */
export function withOtherServices(doc: ReportDocument, others: OtherServicesThemes): ReportDocument {
  if (!others.servicesWithEntries || !others.themes.size) return doc;
  const n = others.servicesWithEntries;
  const rows = [...others.themes.values()]
    .map((t) => ({ name: t.themeName, services: t.services }))
    .sort((a, b) => b.services - a.services || a.name.localeCompare(b.name, 'en-GB'))
    .map((t) => ({
      cells: { theme: t.name, services: `${t.services} of ${n} ${n === 1 ? 'service' : 'services'}` },
    }));
  const [first, ...rest] = doc.sections;
  return {
    ...doc,
    notes: [...doc.notes, OTHER_SERVICES_NOTE],
    sections: [
      {
        ...first,
        tables: [
          ...first.tables,
          {
            id: 'themes-other-services',
            title: `Found by other services’ QA, ${others.quarter.label} (another source)`,
            columns: [
              { key: 'theme', header: 'Practice theme', kind: 'text' },
              { key: 'services', header: 'Found by other services’ QA this quarter', kind: 'text' },
            ],
            rows,
          },
        ],
      },
      ...rest,
    ],
  };
}

export const FINDINGS_THEMES_NOTE =
  'Findings reports: the practice themes the QA lead said a themed audit’s, dip-sample round’s or multi-agency audit’s findings are about, counted once per findings report, for the samples drawn in these months.';

/**
 * The themes report with the practice themes the months' findings reports are about, beside the
 * audits' own: what themed audits found feeds the same picture. Unchanged when no findings report
 * named a theme.
 */
export function withFindings(
  doc: ReportDocument,
  counts: readonly FindingsThemeCount[],
  publication = false,
): ReportDocument {
  if (!counts.length) return doc;
  const [first, ...rest] = doc.sections;
  return {
    ...doc,
    notes: [...doc.notes, FINDINGS_THEMES_NOTE],
    sections: [
      {
        ...first,
        tables: [
          ...first.tables,
          {
            id: 'themes-findings',
            title: 'The practice themes of findings reports',
            columns: [
              { key: 'theme', header: 'Practice theme', kind: 'text' },
              { key: 'findings', header: 'Findings reports about it', kind: 'count' },
            ],
            // published as every count is: 1 to 4 as “fewer than 5”
            rows: counts.map((c) => ({
              cells: { theme: c.themeName, findings: publication ? publishCount(c.findings) : c.findings },
            })),
          },
        ],
      },
      ...rest,
    ],
  };
}
