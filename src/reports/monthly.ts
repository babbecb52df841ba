/**
 * The monthly QA report (domain.md §3, phase 5): one cycle's returns, grades, moderation,
 * escalations, feedback and the practice themes found in audits below good, with the strengths and
 * areas for development the QA lead writes in the app. Composed from the catalogue's reports, so
 * every figure in it is the figure the report of that name gives for the month; as Word (a title
 * page, a contents list, a Heading 1 per chapter, real tables and charts with alternative text) and
 * as a page of HTML. The composition helpers here serve the annual report too.
 */

import { AlignmentType, HeadingLevel, Paragraph, type Table, TextRun } from 'docx';
import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import { inTransaction } from '../data/transaction.ts';
import { formatDate, formatDateTime, monthName } from '../domain/dates.ts';
import { type FieldError, ValidationError } from '../domain/validation.ts';
import { isLeftOutBlindNote } from '../metrics/audit-facts.ts';
import { actionsOnTimeChapter } from './actions-on-time.ts';
import { produceReport } from './catalogue.ts';
import { type ChartSpec, PUBLICATION_NOTE, type ReportDocument, type ReportTable } from './document.ts';
import {
  chartSaysSomething,
  documentBodyHtml,
  escapeHtml,
  FEWEST_CHART_MONTHS,
  htmlPage,
  wordContent,
  wordDocument,
} from './render.ts';
import type { ReportParams } from './report-base.ts';
import { withoutOtherSources } from './themes.ts';

// ---- what the QA lead writes -----------------------------------------------------------------

export const MAX_NOTE_LENGTH = 20000;

export interface CycleNotes {
  monthId: string;
  strengths: string;
  areasForDevelopment: string;
  /** 0 before anything is saved */
  revision: number;
  updatedBy: string | null;
  /** "22 November 2026 at 3:05pm", or null before anything is saved */
  updatedAt: string | null;
}

/** A save typed on an older revision: what is saved now, so nothing typed is lost. */
export class NotesConflictError extends Error {
  readonly saved: CycleNotes;
  constructor(saved: CycleNotes) {
    super('The notes were saved by someone else after they were opened');
    this.saved = saved;
  }
}

/** The cycle's notes (empty, revision 0, when none are saved). */
export async function getCycleNotes(db: Db, councilId: string, monthId: string): Promise<CycleNotes> {
  const row = await db
    .selectFrom('cycle_report_notes as n')
    .leftJoin('staff as s', 's.id', 'n.updated_by')
    .select(['n.strengths', 'n.areas_for_development', 'n.revision', 'n.updated_at', 's.name'])
    .where('n.council_id', '=', councilId)
    .where('n.month_id', '=', monthId)
    .executeTakeFirst();
  return {
    monthId,
    strengths: row?.strengths ?? '',
    areasForDevelopment: row?.areas_for_development ?? '',
    revision: row?.revision ?? 0,
    updatedBy: row?.name ?? null,
    updatedAt: row ? formatDateTime(new Date(row.updated_at as unknown as string)) : null,
  };
}

export interface CycleNotesInput {
  strengths: unknown;
  areasForDevelopment: unknown;
  revision: unknown;
}

/**
 * Saves the cycle's notes over the revision they were typed on, bumping it, in one transaction. A
 * save on an older revision is refused with NotesConflictError (what is saved now); text that is too
 * long with ValidationError. The month must be the council's own (the caller checks).
 */
export async function saveCycleNotes(
  db: Db,
  councilId: string,
  monthId: string,
  staffId: string | null,
  input: CycleNotesInput,
): Promise<CycleNotes> {
  const text = (v: unknown) => (typeof v === 'string' ? v.replace(/\r\n/g, '\n').trim() : '');
  const strengths = text(input.strengths);
  const areas = text(input.areasForDevelopment);
  const revision = Number(input.revision);
  const errors: FieldError[] = [];
  if (strengths.length > MAX_NOTE_LENGTH)
    errors.push({ field: 'strengths', message: `Strengths must be ${MAX_NOTE_LENGTH} characters or fewer` });
  if (areas.length > MAX_NOTE_LENGTH)
    errors.push({
      field: 'areasForDevelopment',
      message: `Areas for development must be ${MAX_NOTE_LENGTH} characters or fewer`,
    });
  if (errors.length) throw new ValidationError(errors);
  const expected = Number.isInteger(revision) && revision >= 0 ? revision : -1;
  const saved = await inTransaction(db, async (trx) => {
    const { rows } = await sql<{ revision: number }>`
      insert into cycle_report_notes (month_id, council_id, strengths, areas_for_development, revision, updated_by, updated_at)
      select ${monthId}, ${councilId}, ${strengths}, ${areas}, 1, ${staffId}, now()
      where ${expected} = 0
      on conflict (month_id) do update set
        strengths = excluded.strengths,
        areas_for_development = excluded.areas_for_development,
        revision = cycle_report_notes.revision + 1,
        updated_by = excluded.updated_by,
        updated_at = now()
      where cycle_report_notes.council_id = ${councilId} and cycle_report_notes.revision = ${expected}
      returning revision`.execute(trx);
    if (rows.length) return true;
    if (expected === 0) {
      // nothing saved yet and the insert was skipped: only when a row now exists
      return false;
    }
    const { rows: updated } = await sql<{ revision: number }>`
      update cycle_report_notes set strengths = ${strengths}, areas_for_development = ${areas},
        revision = revision + 1, updated_by = ${staffId}, updated_at = now()
      where month_id = ${monthId} and council_id = ${councilId} and revision = ${expected}
      returning revision`.execute(trx);
    return updated.length > 0;
  });
  const now = await getCycleNotes(db, councilId, monthId);
  if (!saved) throw new NotesConflictError(now);
  return now;
}

/** Paragraphs of what the QA lead wrote: split on blank lines, lines within kept together. */
export function paragraphsOf(text: string): string[] {
  return text
    .replace(/\r\n/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, ' ').trim())
    .filter(Boolean);
}

// ---- composing a report of chapters ----------------------------------------------------------

export interface Chapter {
  heading: string;
  /** paragraphs before the chapter's documents */
  paragraphs?: string[];
  /** said when the chapter has no paragraphs and no documents */
  empty?: string;
  documents: ReportDocument[];
}

export interface ComposedReport {
  title: string;
  councilName: string;
  /** lines under the title on the title page: the months, the themes, the date produced */
  lines: string[];
  /** how the report is put together, on the title page */
  notes: string[];
  chapters: Chapter[];
  publication: boolean;
}

/** A chapter's document without what the title page already says (council, "For publication"). */
function asChapter(doc: ReportDocument, council: string): ReportDocument {
  return {
    ...doc,
    subtitle: doc.subtitle.filter((s) => s !== council && s !== 'For publication'),
    notes: doc.notes.filter((n) => n !== PUBLICATION_NOTE && !isLeftOutBlindNote(n)),
  };
}

/**
 * The title page's notes: how the report is put together, the audits left out while the reader
 * moderates them (said once here rather than in each chapter), and the note for publication.
 */
function titleNotes(report: ComposedReport): string[] {
  const leftOut = report.chapters.flatMap((c) =>
    c.documents.flatMap((d) => d.notes.filter(isLeftOutBlindNote)),
  );
  return [...report.notes, ...new Set(leftOut), ...(report.publication ? [PUBLICATION_NOTE] : [])];
}

/** The composed report as a Word document: title page and contents, a Heading 1 per chapter. */
export async function composedDocx(report: ComposedReport): Promise<Buffer> {
  const out: (Paragraph | Table)[] = [
    new Paragraph({
      spacing: { after: 120 },
      children: [new TextRun({ text: report.councilName, size: 32, bold: true })],
    }),
    new Paragraph({ text: report.title, heading: HeadingLevel.TITLE, spacing: { after: 240 } }),
    ...report.lines.map(
      (l) => new Paragraph({ spacing: { after: 120 }, children: [new TextRun({ text: l, size: 26 })] }),
    ),
    ...(report.publication
      ? [
          new Paragraph({
            spacing: { before: 240 },
            children: [new TextRun({ text: 'For publication', bold: true })],
          }),
        ]
      : []),
    new Paragraph({ text: 'Contents', heading: HeadingLevel.HEADING_2, spacing: { before: 240 } }),
    // on one line: the chapters follow on, so a list of them would take more room than it saves
    new Paragraph({ text: report.chapters.map((c, i) => `${i + 1}. ${c.heading}`).join('   ') }),
    new Paragraph({ text: 'About this report', heading: HeadingLevel.HEADING_2, spacing: { before: 240 } }),
    ...titleNotes(report).map(
      (n) => new Paragraph({ spacing: { after: 120 }, children: [new TextRun({ text: n, size: 20 })] }),
    ),
  ];
  for (const [i, chapter] of report.chapters.entries()) {
    out.push(
      new Paragraph({
        text: `${i + 1}. ${chapter.heading}`,
        heading: HeadingLevel.HEADING_1,
        // chapters follow on: a page each would give two short paragraphs a page to themselves
        spacing: { before: 360 },
        keepNext: true,
      }),
    );
    for (const p of chapter.paragraphs ?? []) out.push(new Paragraph({ text: p, spacing: { after: 160 } }));
    if (!chapter.paragraphs?.length && !chapter.documents.length && chapter.empty) {
      out.push(
        new Paragraph({
          alignment: AlignmentType.LEFT,
          children: [new TextRun({ text: chapter.empty, italics: true })],
        }),
      );
    }
    // a chapter of one report: its heading names the report, so the report's title is not repeated
    const one = chapter.documents.length === 1;
    for (const doc of chapter.documents)
      out.push(...(await wordContent(asChapter(doc, report.councilName), 2, { title: !one })));
  }
  // 10 point: a month's report for a committee in 3 to 5 pages
  return wordDocument(report.title, out, { publication: report.publication, fontSize: 20 });
}

/** The composed report as a page of its own, with a contents list linking to each chapter. */
export async function composedHtml(report: ComposedReport): Promise<string> {
  const parts: string[] = [
    `<p class="govuk-body-l">${escapeHtml(report.councilName)}</p>`,
    `<h1 class="govuk-heading-xl">${escapeHtml(report.title)}</h1>`,
    ...report.lines.map((l) => `<p class="govuk-body">${escapeHtml(l)}</p>`),
    ...(report.publication ? ['<p class="govuk-body"><strong>For publication</strong></p>'] : []),
    '<h2 class="govuk-heading-m">Contents</h2>',
    `<ol class="govuk-list govuk-list--number">${report.chapters
      .map((c, i) => `<li><a class="govuk-link" href="#chapter-${i + 1}">${escapeHtml(c.heading)}</a></li>`)
      .join('')}</ol>`,
    '<h2 class="govuk-heading-m">About this report</h2>',
    ...titleNotes(report).map((n) => `<p class="govuk-body-s app-report-note">${escapeHtml(n)}</p>`),
  ];
  for (const [i, chapter] of report.chapters.entries()) {
    parts.push(
      `<section class="app-report-chapter" aria-labelledby="chapter-${i + 1}">`,
      `<h2 class="govuk-heading-l" id="chapter-${i + 1}">${i + 1}. ${escapeHtml(chapter.heading)}</h2>`,
    );
    for (const p of chapter.paragraphs ?? []) parts.push(`<p class="govuk-body">${escapeHtml(p)}</p>`);
    if (!chapter.paragraphs?.length && !chapter.documents.length && chapter.empty) {
      parts.push(`<p class="govuk-body"><em>${escapeHtml(chapter.empty)}</em></p>`);
    }
    for (const doc of chapter.documents) {
      const d = asChapter(doc, report.councilName);
      parts.push(`<h3 class="govuk-heading-m">${escapeHtml(d.title)}</h3>`);
      parts.push(await documentBodyHtml(d, { headingLevel: 2 }));
    }
    parts.push('</section>');
  }
  return htmlPage(report.title, parts.join('\n'));
}

// ---- the monthly report ------------------------------------------------------------------------

export interface MonthlyReport {
  title: string;
  councilName: string;
  /** YYYY-MM */
  month: string;
  monthId: string | null;
  /** the cycle's themes, "Management oversight (Social care)" */
  themes: string[];
  produced: string;
  /** the figures' chapters, each a report of the catalogue (or the themes below good) */
  documents: ReportDocument[];
  narrative: { strengths: string[]; areasForDevelopment: string[]; updatedAt: string | null };
  publication: boolean;
}

const FIGURE_CHAPTERS = ['returns', 'grades', 'moderation', 'escalations', 'feedback', 'themes'] as const;

/** The cycle (programme month) of a month written YYYY-MM, with its themes in order. */
async function cycleOf(db: Db, councilId: string, month: string) {
  const pm = await db
    .selectFrom('programme_months')
    .select(['id', 'learning_month'])
    .where('council_id', '=', councilId)
    .where('month', '=', `${month}-01`)
    .executeTakeFirst();
  if (!pm) return { monthId: null, themes: [] as string[], learningMonth: false };
  const themes = await db
    .selectFrom('month_themes')
    .select(['theme', 'stream'])
    .where('council_id', '=', councilId)
    .where('month_id', '=', pm.id)
    .orderBy('position')
    .execute();
  return {
    monthId: pm.id,
    themes: themes.map((t) => (t.stream ? `${t.theme} (${t.stream})` : t.theme)),
    learningMonth: pm.learning_month,
  };
}

/** The monthly QA report of one cycle month (p.from = p.to, YYYY-MM). */
export async function buildMonthlyReport(db: Db, councilId: string, p: ReportParams): Promise<MonthlyReport> {
  if (p.from !== p.to)
    throw new RangeError('The monthly report is of one month: from and to must be the same');
  const month = p.from;
  const cycle = await cycleOf(db, councilId, month);
  const documents: ReportDocument[] = [];
  for (const name of FIGURE_CHAPTERS) {
    const { document } = await produceReport(db, councilId, name, p);
    // the cycle's own audits: other services' QA is the quarter's collation, and findings' themes
    // the findings reports' and the practice themes report's, not the month's report
    documents.push(name === 'themes' ? withoutOtherSources(document) : document);
  }
  // actions done on time by grade: followed up for audits of every grade, not only inadequate
  documents.push(await actionsOnTimeChapter(db, councilId, p));
  const notes = cycle.monthId ? await getCycleNotes(db, councilId, cycle.monthId) : null;
  return {
    title: `Monthly quality assurance report, ${monthName(`${month}-01`)}`,
    councilName: p.councilName,
    month,
    monthId: cycle.monthId,
    themes: cycle.themes,
    produced: formatDate(p.today),
    documents,
    narrative: {
      strengths: paragraphsOf(notes?.strengths ?? ''),
      areasForDevelopment: paragraphsOf(notes?.areasForDevelopment ?? ''),
      updatedAt: notes?.updatedAt ?? null,
    },
    publication: p.publication,
  };
}

/**
 * Tables for managers rather than the committee: of single people (each auditor, each worker), and
 * every practitioner's written answers (the summary gives what they mention most).
 */
const MANAGERS_TABLES = new Set(['returns-by-auditor', 'by-auditor', 'by-worker', 'practitioner-answers']);

/**
 * A chapter's report laid out for the committee, a month in 3 to 5 pages: without the tables of
 * single people or every practitioner's answers, without the tables of the month that only repeat its summary (a row for the month
 * and one for all months), without a Month column that says the same month in every row, and
 * without month-by-month charts of too few months to show anything (the summary gives the month's
 * figures in words) or bars that only draw the counts of the table beside them.
 */
export function forTheCommittee(doc: ReportDocument): ReportDocument {
  // bars of one kind of count (the scores practitioners gave) draw the table beside them again
  const countsOfTheTable = (c: ChartSpec) => c.kind === 'stacked' && c.categories.length === 1;
  const isMonth = (t: ReportTable) => t.columns[0]?.header === 'Month';
  const repeatsSummary = (t: ReportTable) => isMonth(t) && t.rows.filter((r) => !r.total).length <= 1;
  const oneMonthColumn = (t: ReportTable): ReportTable => {
    const month = t.columns.find((c) => c.header === 'Month');
    if (!month || t.columns.length < 2) return t;
    const values = new Set(t.rows.map((r) => String(r.cells[month.key] ?? '')));
    return values.size === 1 ? { ...t, columns: t.columns.filter((c) => c !== month) } : t;
  };
  return {
    ...doc,
    sections: doc.sections
      .map((s) => ({
        ...s,
        charts: s.charts?.filter((c) => chartSaysSomething(c) && !countsOfTheTable(c)),
        tables: s.tables.filter((t) => !MANAGERS_TABLES.has(t.id) && !repeatsSummary(t)).map(oneMonthColumn),
      }))
      // a section left with words about a chart it no longer has goes too
      .filter((s) => s.tables.length || s.charts?.length),
  };
}

/** The monthly report as chapters: what the QA lead wrote first, then the figures. */
export function monthlyComposed(r: MonthlyReport, filterWords: string[] = []): ComposedReport {
  const headings: Record<number, string> = {
    0: 'Returns',
    1: 'Grades',
    2: 'Moderation',
    3: 'Escalations',
    4: 'Practitioner and family feedback',
    5: 'Practice themes',
    6: 'Actions done on time',
  };
  return {
    title: r.title,
    councilName: r.councilName,
    lines: [
      ...(r.themes.length ? [`This cycle’s themes: ${r.themes.join('; ')}`] : []),
      ...filterWords.map((f) => `Figures for ${f}`),
      `Produced ${r.produced}`,
    ],
    notes: [
      'Each chapter of figures gives the figures of the report of the same name for the month in QA Loop, where they can be traced to the audits behind them and are also given by auditor and by worker, with each practitioner’s written answers. Every share is given with its count and a 95% confidence interval; monthly samples are small, so read a single month’s rate with its interval.',
      'Strengths and areas for development are written by the QA lead for the cycle.',
      `Charts of month-by-month variation need ${FEWEST_CHART_MONTHS} months or more, so a month’s report has none: each chapter’s summary gives the month’s figures in words.`,
    ],
    chapters: [
      {
        heading: 'Strengths',
        paragraphs: r.narrative.strengths,
        empty: 'The QA lead has not written the strengths of this cycle yet.',
        documents: [],
      },
      {
        heading: 'Areas for development',
        paragraphs: r.narrative.areasForDevelopment,
        empty: 'The QA lead has not written the areas for development of this cycle yet.',
        documents: [],
      },
      ...r.documents.map((d, i) => ({ heading: headings[i] ?? d.title, documents: [forTheCommittee(d)] })),
    ],
    publication: r.publication,
  };
}

export async function monthlyReportDocx(db: Db, councilId: string, p: ReportParams): Promise<Buffer> {
  return composedDocx(monthlyComposed(await buildMonthlyReport(db, councilId, p), p.filterWords));
}

export async function monthlyReportHtml(db: Db, councilId: string, p: ReportParams): Promise<string> {
  return composedHtml(monthlyComposed(await buildMonthlyReport(db, councilId, p), p.filterWords));
}
