/**
 * The quarterly collation of QA from across children's services (issue 19 item 2): every source
 * side by side by practice theme ("Chronologies: found in 4 of 6 services this quarter", the audit
 * programme counted as a source), against the quarter before; what each service reviewed, its
 * grades with the good-or-better share and its 95% interval; each service's strengths and areas for
 * development. As a page, Word and Excel; the version for publication names no contributor, shows
 * counts from 1 to 4 as "fewer than 5" and withholds what would give them back, and keeps the
 * headline: the entries, the services and the number reviewed across them.
 */
import type { Db } from '../data/db.ts';
import type { Quarter } from '../domain/service-qa.ts';
import { proportion } from '../domain/statistics.ts';
import { Suppression } from '../domain/suppression.ts';
import {
  AUDIT_PROGRAMME,
  AUDIT_PROGRAMME_NAME,
  type ServiceQaCollation,
  serviceQaCollation,
} from '../metrics/service-qa-themes.ts';
import {
  type Column,
  type Count,
  PUBLICATION_NOTE,
  publishCount,
  type ReportDocument,
  type ReportSection,
  type Share,
  shownCount,
  shownShare,
  type TableRow,
} from './document.ts';
import { documentBodyHtml, reportDocx, reportXlsx } from './render.ts';

/** The short names the side-by-side table heads the usual services' columns with. */
const SHORT_NAMES: Record<string, string> = {
  sen: 'SEN and EHCPs',
  lado: 'LADO',
  youth_justice: 'Youth justice',
  iro_cpa: 'IRO and CPA',
  complaints: 'Complaints',
  practice_reviews: 'Practice reviews',
  partnership_audits: 'Partnership audits',
};

export const FOUND = 'Found';

export const COLLATION_NOTES = [
  'Each service outside the monthly audit programme records its own QA: what it reviewed, how many, strengths, areas for development, the practice themes it found and, where it grades, how many it graded each grade. An entry belongs to the quarter its period ends in.',
  `A theme is "found in 4 of 6 services" when 4 of the 6 sources with anything this quarter found it: each service with at least one entry, and QA Loop's own audits (${AUDIT_PROGRAMME_NAME}: the practice themes tagged in audits returned in the quarter's months) when any were returned. A service without an entry this quarter is not counted.`,
  'The good-or-better share is of those a service graded, with its 95% confidence interval (Wilson). Services grade on the council’s grade scale; a small number graded gives a wide interval.',
];

function countCell(n: number, publication: boolean): Count {
  return publication ? publishCount(n) : n;
}

/** The collation as a report in every format. */
export function collationDocument(
  c: ServiceQaCollation,
  councilName: string,
  publication: boolean,
): ReportDocument {
  const q = c.quarter;
  const servicesWord = (n: number) => `${n} ${n === 1 ? 'service' : 'services'}`;
  const summary: string[] = [
    c.entries
      ? `${c.entries} ${c.entries === 1 ? 'entry' : 'entries'} from ${servicesWord(c.services.length)} this quarter, ${c.reviewedCount.toLocaleString('en-GB')} reviewed between them.`
      : 'No service has recorded QA for this quarter yet.',
    c.audits
      ? `${AUDIT_PROGRAMME_NAME}: ${countCell(c.audits, publication)} ${c.audits === 1 ? 'audit' : 'audits'} returned in the quarter's months, counted as one source.`
      : `${AUDIT_PROGRAMME_NAME}: no audits returned in the quarter's months.`,
    ...c.themes
      .filter((t) => t.found > 0)
      .slice(0, 5)
      .map((t) => `${t.sentence} (${t.previousSentence}).`),
  ];
  if (c.silent.length) summary.push(`No entry yet this quarter from: ${c.silent.join(', ')}.`);

  // ---- themes by source ----
  // a column a source, headed with its short name so ten columns fit a page without breaking words
  const shortened = c.services.filter((s) => SHORT_NAMES[s.key] && SHORT_NAMES[s.key] !== s.name);
  const sourceColumns: Column[] = [
    ...c.services.map((s) => ({
      key: `s_${s.id}`,
      header: SHORT_NAMES[s.key] ?? s.name,
      kind: 'text' as const,
    })),
    ...(c.audits
      ? [{ key: AUDIT_PROGRAMME, header: `${AUDIT_PROGRAMME_NAME} (audits tagged)`, kind: 'count' as const }]
      : []),
  ];
  const themeRows: TableRow[] = c.themes.map((t) => {
    const cells: TableRow['cells'] = {
      theme: t.name,
      found: c.sources ? `${t.found} of ${c.sources}` : '0',
      previous: c.previousSources ? `${t.previousFound} of ${c.previousSources}` : 'No QA recorded',
    };
    for (const s of c.services) cells[`s_${s.id}`] = t.foundBy.has(s.id) ? FOUND : '';
    if (c.audits) cells[AUDIT_PROGRAMME] = countCell(t.audits, publication);
    return { cells };
  });

  // ---- what each service reviewed, and its grades ----
  const gradeKeys: { key: string; label: string }[] = [];
  for (const s of c.services)
    for (const g of s.gradeCounts ?? [])
      if (!gradeKeys.some((x) => x.key === g.key)) gradeKeys.push({ key: g.key, label: g.label });
  const serviceRows: TableRow[] = [];
  const gradeRows: TableRow[] = [];
  for (const s of c.services) {
    let hidden = (_: number) => false;
    const sup = new Suppression();
    const reviewedId = sup.add(s.reviewedCount);
    const gradedId = sup.add(s.graded);
    const gradeIds = (s.gradeCounts ?? []).map((g) => sup.add(g.count));
    const good = (s.gradeCounts ?? []).filter((g) => g.goodOrBetter).reduce((n, g) => n + g.count, 0);
    const goodId = sup.add(good, { derived: true });
    if (publication) {
      if (gradeIds.length) sup.sum(gradedId, gradeIds);
      const goodParts = (s.gradeCounts ?? []).flatMap((g, i) => (g.goodOrBetter ? [gradeIds[i]] : []));
      if (goodParts.length) sup.sum(goodId, goodParts);
      // the number reviewed is the number graded when every one was graded: it would give it back
      if (s.graded && s.graded === s.reviewedCount) sup.sum(reviewedId, [gradedId]);
      hidden = sup.solve();
    }
    const shown = (id: number) => (publication ? shownCount(sup.count(id), hidden(id)) : sup.count(id));
    let share: Share | null = s.goodOrBetter;
    if (publication && s.goodOrBetter)
      share = shownShare(proportion(good, s.graded), hidden(goodId), hidden(gradedId));
    serviceRows.push({
      cells: {
        service: s.name,
        entries: s.entries.length,
        reviewed: shown(reviewedId),
        graded: s.gradeCounts ? shown(gradedId) : 'Does not grade',
        good: s.gradeCounts ? share : null,
      },
    });
    if (s.gradeCounts) {
      const cells: TableRow['cells'] = { service: s.name, graded: shown(gradedId) };
      for (const k of gradeKeys) {
        const i = (s.gradeCounts ?? []).findIndex((g) => g.key === k.key);
        cells[`g_${k.key}`] = i < 0 ? 0 : shown(gradeIds[i]);
      }
      gradeRows.push({ cells });
    }
  }

  const sections: ReportSection[] = [
    {
      id: 'themes',
      heading: 'Practice themes, every source side by side',
      paragraphs: c.themes.length
        ? [
            `Sources with QA this quarter: ${c.sources}. Last quarter: ${c.previousSources}.`,
            ...(shortened.length
              ? [`In the table: ${shortened.map((s) => `${SHORT_NAMES[s.key]} is ${s.name}`).join('; ')}.`]
              : []),
          ]
        : [],
      tables: [
        {
          id: 'themes-by-source',
          title: `Practice themes by source, ${q.label}`,
          columns: [
            { key: 'theme', header: 'Practice theme', kind: 'text' },
            { key: 'found', header: 'Sources that found it', kind: 'text' },
            { key: 'previous', header: 'Last quarter', kind: 'text' },
            ...sourceColumns,
          ],
          rows: themeRows,
          empty: 'No source found a practice theme this quarter or last.',
        },
      ],
    },
    {
      id: 'services',
      heading: 'What each service reviewed',
      tables: [
        {
          id: 'services-reviewed',
          title: `What each service reviewed, ${q.label}`,
          columns: [
            { key: 'service', header: 'Service', kind: 'text' },
            { key: 'entries', header: 'Entries', kind: 'count' },
            { key: 'reviewed', header: 'Reviewed', kind: 'count' },
            { key: 'graded', header: 'Graded', kind: 'count' },
            { key: 'good', header: 'Good or better', kind: 'share' },
          ],
          rows: serviceRows,
          empty: 'No service has recorded QA for this quarter yet.',
        },
        ...(gradeRows.length
          ? [
              {
                id: 'services-grades',
                title: `Grades given by each service, ${q.label}`,
                columns: [
                  { key: 'service', header: 'Service', kind: 'text' as const },
                  ...gradeKeys.map((k) => ({ key: `g_${k.key}`, header: k.label, kind: 'count' as const })),
                  { key: 'graded', header: 'Graded', kind: 'count' as const },
                ],
                rows: gradeRows,
              },
            ]
          : []),
      ],
    },
  ];

  for (const s of c.services) {
    const paragraphs: string[] = [];
    for (const e of s.entries) {
      const themes = e.themeKeys.map((k) => c.themes.find((t) => t.key === k)?.name ?? k);
      paragraphs.push(
        `${e.period}: ${e.reviewed} (${countCell(e.reviewedCount, publication)} reviewed)${
          !publication && e.contributor ? `, entered by ${e.contributor}` : ''
        }${e.source === 'import' ? ', imported' : ''}.`,
      );
      if (e.strengths.trim()) paragraphs.push(`Strengths: ${e.strengths.trim()}`);
      if (e.development.trim()) paragraphs.push(`Areas for development: ${e.development.trim()}`);
      paragraphs.push(`Practice themes: ${themes.length ? themes.join(', ') : 'none recorded'}.`);
    }
    sections.push({ id: `service-${s.key}`, heading: s.name, paragraphs, tables: [] });
  }

  return {
    title: `QA from across services, ${q.label}`,
    subtitle: [councilName, q.months, ...(publication ? ['For publication'] : [])],
    summary,
    notes: [...COLLATION_NOTES, ...(publication ? [PUBLICATION_NOTE] : [])],
    sections,
    publication,
  };
}

/** The collation of a quarter as a report, from the database. */
export async function buildCollation(
  db: Db,
  councilId: string,
  quarter: Quarter,
  publication: boolean,
): Promise<{ collation: ServiceQaCollation; document: ReportDocument }> {
  const [collation, council] = await Promise.all([
    serviceQaCollation(db, councilId, quarter),
    db.selectFrom('councils').select('name').where('id', '=', councilId).executeTakeFirstOrThrow(),
  ]);
  return { collation, document: collationDocument(collation, council.name, publication) };
}

/** The report's body for the page: the page gives the title and the quarter chooser above it. */
export async function collationBodyHtml(doc: ReportDocument): Promise<string> {
  const html = await documentBodyHtml({ ...doc, subtitle: [] }, { headingLevel: 1 });
  return html.replace(/^<h1 class="govuk-heading-l">[^<]*<\/h1>\n?/, '');
}

export const collationDocx = (doc: ReportDocument) => reportDocx(doc);
export const collationXlsx = (doc: ReportDocument) => reportXlsx(doc);

/** "qa-collation-2026-10-01-for-publication.docx" */
export function collationFileName(quarter: Quarter, publication: boolean, ext: 'docx' | 'xlsx'): string {
  return `qa-collation-${quarter.start}${publication ? '-for-publication' : ''}.${ext}`;
}
