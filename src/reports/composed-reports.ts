/**
 * The composed reports as the pages and downloads ask for them: the monthly QA report of a cycle
 * (with what the QA lead wrote for it) and the annual report of a programme year. A cycle or year
 * that is not the council's own is NotFoundError.
 */
import type { Db } from '../data/db.ts';
import { addMonths, monthName } from '../domain/dates.ts';
import { NotFoundError } from '../domain/validation.ts';
import { annualReportDocx, annualReportHtml } from './annual.ts';
import { CONTENT_TYPES } from './catalogue.ts';
import {
  type CycleNotesInput,
  getCycleNotes,
  monthlyReportDocx,
  monthlyReportHtml,
  saveCycleNotes,
} from './monthly.ts';
import { councilName, type ReportParams } from './report-base.ts';

export type ComposedFormat = 'docx' | 'html';

/** A report file: its body, its content type, and its name when it downloads as an attachment. */
export interface ComposedFile {
  body: Buffer | string;
  contentType: string;
  /** set for Word files, which download */
  fileName?: string;
}

/** A programme month of the council, the cycle its monthly report is of. */
export async function reportCycle(db: Db, councilId: string, monthId: string) {
  const month = await db
    .selectFrom('programme_months')
    .select(['id', 'month', 'learning_month'])
    .where('council_id', '=', councilId)
    .where('id', '=', monthId)
    .executeTakeFirst();
  if (!month) throw new NotFoundError('cycle');
  return { ...month, councilId, name: monthName(month.month) };
}

/** The monthly report page: the cycle and what is saved of its notes. */
export async function monthlyReportPage(db: Db, councilId: string, monthId: string) {
  const cycle = await reportCycle(db, councilId, monthId);
  return { cycle, saved: await getCycleNotes(db, councilId, cycle.id) };
}

/**
 * Saves the notes of a cycle of the council (see saveCycleNotes: NotesConflictError,
 * ValidationError), giving the cycle.
 */
export async function saveMonthlyReportNotes(
  db: Db,
  person: { councilId: string; staffId: string | null },
  monthId: string,
  input: CycleNotesInput,
) {
  const cycle = await reportCycle(db, person.councilId, monthId);
  await saveCycleNotes(db, cycle.councilId, cycle.id, person.staffId, input);
  return cycle;
}

async function params(
  db: Db,
  councilId: string,
  from: string,
  to: string,
  publication: boolean,
  today: string,
  viewerId: string | undefined,
): Promise<ReportParams> {
  return {
    from,
    to,
    // the audits the reader is moderating blind are left out of the figures (ReportFilters)
    filters: viewerId ? { viewerId } : {},
    filterWords: [],
    councilName: await councilName(db, councilId),
    publication,
    today,
  };
}

/**
 * The monthly QA report of a cycle of the council, in full or prepared for publication, as Word or
 * HTML, for the reader `viewerId` (the audits they are moderating blind are left out).
 */
export async function monthlyReportFile(
  db: Db,
  councilId: string,
  monthId: string,
  format: ComposedFormat,
  publication: boolean,
  today: string,
  viewerId?: string,
): Promise<ComposedFile> {
  const c = await reportCycle(db, councilId, monthId);
  const month = c.month.slice(0, 7);
  const p = await params(db, c.councilId, month, month, publication, today, viewerId);
  const body =
    format === 'docx'
      ? await monthlyReportDocx(db, c.councilId, p)
      : await monthlyReportHtml(db, c.councilId, p);
  return {
    body,
    contentType: CONTENT_TYPES[format],
    fileName:
      format === 'docx' ? `monthly-qa-report-${month}${publication ? '-public' : ''}.docx` : undefined,
  };
}

/**
 * The annual report of a programme year of the council, in full or prepared for publication, as Word
 * or HTML, for the reader `viewerId` (the audits they are moderating blind are left out).
 */
export async function annualReportFile(
  db: Db,
  councilId: string,
  yearId: string,
  format: ComposedFormat,
  publication: boolean,
  today: string,
  viewerId?: string,
): Promise<ComposedFile> {
  const year = await db
    .selectFrom('programme_years')
    .select(['id', 'starts_on'])
    .where('council_id', '=', councilId)
    .where('id', '=', yearId)
    .executeTakeFirst();
  if (!year) throw new NotFoundError('programme year');
  const from = year.starts_on.slice(0, 7);
  const to = addMonths(year.starts_on, 11).slice(0, 7);
  const p = await params(db, councilId, from, to, publication, today, viewerId);
  const body =
    format === 'docx' ? await annualReportDocx(db, councilId, p) : await annualReportHtml(db, councilId, p);
  return {
    body,
    contentType: CONTENT_TYPES[format],
    fileName:
      format === 'docx' ? `annual-qa-report-${from}-to-${to}${publication ? '-public' : ''}.docx` : undefined,
  };
}
