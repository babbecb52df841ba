/**
 * The `language` report, "Language in audit write-ups" (issue 20): language suggestions per 1,000
 * words of submitted audits' write-ups, by the month they were submitted and by service area, so a
 * council can see whether write-ups change. Never by practitioner or auditor. For publication, a
 * month or service area with fewer than 5 audits has its audits shown as "fewer than 5" and its
 * words, suggestions and rate withheld, with a partner withheld so none can be worked back from the
 * total (src/domain/suppression.ts); the council's headline rate is always given.
 */
import type { Db } from '../data/db.ts';
import { monthName } from '../domain/dates.ts';
import { monthRange } from '../domain/month-range.ts';
import { suppressTable } from '../domain/suppression.ts';
import { type LanguageFigures, languageOverview } from '../metrics/language.ts';
import {
  type Column,
  type Count,
  FEWER_THAN,
  numberText,
  PUBLICATION_NOTE,
  publishCount,
  type ReportDocument,
  rangeWords,
} from './document.ts';
import { head, type ReportHead, type ReportParams } from './report-base.ts';

export interface LanguageRow {
  audits: Count;
  words: Count;
  suggestions: Count;
  perThousand: number | null;
}

export interface LanguageReport extends ReportHead<'language'> {
  total: LanguageRow;
  /** audits submitted in the months whose words were never counted */
  uncounted: Count;
  months: (LanguageRow & { month: string })[];
  byServiceArea: (LanguageRow & { name: string })[];
}

const row = (f: LanguageFigures): LanguageRow => ({
  audits: f.audits,
  words: f.words,
  suggestions: f.suggestions,
  perThousand: f.perThousand === null ? null : Math.round(f.perThousand * 10) / 10,
});

export async function buildLanguageReport(
  db: Db,
  councilId: string,
  p: ReportParams,
): Promise<LanguageReport> {
  const o = await languageOverview(db, councilId, monthRange(p.from, p.to), {
    serviceAreaId: p.filters.serviceAreaId,
    teamId: p.filters.teamId,
  });
  return {
    ...head('language', p),
    total: row(o.total),
    uncounted: o.uncounted,
    months: o.months.map((m) => ({ month: m.month, ...row(m) })),
    byServiceArea: o.byServiceArea.map((a) => ({ name: a.name, ...row(a) })),
  };
}

/** Rows as published: those whose audits are hidden have their words, suggestions and rate withheld. */
function publishRows<T extends LanguageRow>(rows: T[], total: number, key: (r: T, i: number) => string): T[] {
  const cells = Object.fromEntries(rows.map((r, i) => [key(r, i), Number(r.audits)]));
  const shown = suppressTable(cells, total);
  return rows.map((r, i) => {
    const text = shown[key(r, i)];
    if (text === String(r.audits)) return r;
    return {
      ...r,
      audits: text === FEWER_THAN ? FEWER_THAN : 'withheld',
      words: 'withheld',
      suggestions: 'withheld',
      perThousand: null,
    };
  });
}

export function publishLanguageReport(r: LanguageReport): LanguageReport {
  const total = Number(r.total.audits);
  return {
    ...r,
    publication: true,
    // the headline is always given: the rate, and the audits unless there are fewer than 5
    total: { ...r.total, audits: publishCount(total) },
    uncounted: publishCount(Number(r.uncounted)),
    months: publishRows(r.months, total, (m) => m.month),
    byServiceArea: publishRows(r.byServiceArea, total, (_, i) => `area-${i}`),
  };
}

const COLUMNS: Column[] = [
  { key: 'audits', header: 'Audits counted', kind: 'count' },
  { key: 'words', header: 'Words written', kind: 'count' },
  { key: 'suggestions', header: 'Suggestions', kind: 'count' },
  { key: 'perThousand', header: 'Suggestions per 1,000 words', kind: 'number', decimals: 1 },
];

const cells = (r: LanguageRow) => ({
  audits: r.audits,
  words: r.words,
  suggestions: r.suggestions,
  perThousand: r.perThousand,
});

export function languageDocument(r: LanguageReport, council: string): ReportDocument {
  const range = rangeWords(r.from, r.to);
  const audits = r.total.audits;
  return {
    title: `Language in audit write-ups, ${range}`,
    subtitle: [council, ...r.filters, ...(r.publication ? ['For publication'] : [])],
    summary: [
      r.total.perThousand === null
        ? 'No words were counted in audits submitted in these months.'
        : `${numberText(r.total.perThousand)} language suggestions per 1,000 words, across ${typeof audits === 'number' ? audits.toLocaleString('en-GB') : audits} submitted ${audits === 1 ? 'audit' : 'audits'}.`,
      ...(Number(r.uncounted) !== 0 && r.uncounted !== 0
        ? [`${r.uncounted} audits submitted in these months were not counted and are left out.`]
        : []),
    ],
    notes: [
      'Counted when each audit is submitted: the words of its write-up (each section’s evaluation and impact statement, answers written in words, and the note of the conversation with the practitioner) and the words and phrases in it that the council’s writing rules point out, from the guide “Language that cares”, the council’s own list and, when switched on, the inclusive-language rules. The impact-statement rule is not counted here.',
      'Audits count in the month they were submitted. A lower figure means fewer words that label, blame or use jargon; the rules in force when each audit was submitted are the ones counted, so a change to the rules changes later figures.',
      'Never shown by practitioner or auditor.',
      ...(r.publication ? [PUBLICATION_NOTE] : []),
    ],
    sections: [
      {
        id: 'language-months',
        heading: 'By month',
        tables: [
          {
            id: 'language-by-month',
            title: 'Language suggestions by month',
            columns: [{ key: 'month', header: 'Month', kind: 'text' }, ...COLUMNS],
            rows: [
              ...r.months.map((m) => ({ cells: { month: monthName(`${m.month}-01`), ...cells(m) } })),
              { cells: { month: 'All months', ...cells(r.total) }, total: true },
            ],
          },
        ],
      },
      {
        id: 'language-areas',
        heading: 'By service area',
        tables: [
          {
            id: 'language-by-service-area',
            title: 'Language suggestions by service area',
            columns: [{ key: 'name', header: 'Service area', kind: 'text' }, ...COLUMNS],
            rows: r.byServiceArea.map((a) => ({ cells: { name: a.name, ...cells(a) } })),
            empty: 'No audits were submitted in these months.',
          },
        ],
      },
    ],
    publication: r.publication,
  };
}
