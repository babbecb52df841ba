/**
 * The reports page and its downloads: each of the catalogue's reports for a range of months and
 * filters, held to what the person may see (src/metrics/report-scope.ts).
 */
import type { Db } from '../data/db.ts';
import { can, type Role } from '../domain/roles.ts';
import { type FieldError, NotFoundError } from '../domain/validation.ts';
import { filterOptions } from '../metrics/report-filters.ts';
import { reportScope } from '../metrics/report-scope.ts';
import { listReturnCycles } from '../metrics/returns.ts';
import { NotForPublicationError } from './audit-list.ts';
import {
  CONTENT_TYPES,
  isReportName,
  type ProducedReport,
  produceReport,
  REPORT_FORMATS,
  REPORT_NAMES,
  REPORTS,
  type ReportFormat,
  type ReportName,
  renderReport,
} from './catalogue.ts';
import { documentBodyHtml } from './render.ts';
import { type ReportQuery, readReportForm, reportQueryString } from './report-form.ts';

/** Who is asking: their council, roles and the service area a Head of Service is held to. */
export interface ReportReader {
  councilId: string;
  /** who is asking: the audit list hides the grades of audits they are moderating blind */
  staffId: string;
  councilName: string;
  roles: Role[];
  serviceAreaId: string | null;
}

/** The formats the audits behind the figures download in. */
export const AUDIT_LIST_FORMATS = ['csv', 'xlsx', 'json'] as const;

/** The cycles with audits, newest first, for the monthly report; the programme years, for the annual. */
async function composedReports(db: Db, councilId: string, today: string) {
  const cycles = (await listReturnCycles(db, councilId))
    .filter((c) => !c.learningMonth && (c.hasAudits || c.hasHistory) && c.month <= today)
    .slice(0, 12);
  const years = await db
    .selectFrom('programme_years')
    .select(['id', 'name', 'starts_on'])
    .where('council_id', '=', councilId)
    .orderBy('starts_on', 'desc')
    .execute();
  return { cycles, years };
}

/**
 * The reports page: the form and the list of reports, and when a report is chosen and the form
 * holds, the report itself with links to download it. `unknownReport` when the address names a
 * report that is not on the list.
 */
export async function reportsPage(
  db: Db,
  person: ReportReader,
  query: ReportQuery & { name?: string },
  today: string,
) {
  const scope = reportScope(person);
  const { name } = query;
  const chosen = name && isReportName(name) && name !== 'audits' ? name : undefined;
  const form = await readReportForm(db, person, scope, query, today);
  const options = await filterOptions(db, person.councilId, scope);
  // the monthly and annual reports: in full and for publication for QA, for publication only for
  // scrutiny readers (src/reports/composed-reports.ts composedVersion)
  const composed = can(person.roles, 'reports.published')
    ? { ...(await composedReports(db, person.councilId, today)), full: can(person.roles, 'reports.monthly') }
    : null;
  // the improvement plan's progress report (src/reports/plan-progress.ts): in full for those who
  // read the plan, prepared for publication for scrutiny readers too
  const planReport = can(person.roles, 'plan.published') ? { full: can(person.roles, 'plan.read') } : null;
  const common = {
    composed,
    planReport,
    reports: REPORT_NAMES.filter((n) => n !== 'audits').map((n) => ({ name: n, ...REPORTS[n] })),
    scope,
    options,
    values: form.values,
    chosen,
  };
  const unknownReport = Boolean(name && !chosen);
  if (unknownReport || !chosen || form.errors.length || !form.params) {
    return { common, chosen, errors: form.errors, unknownReport };
  }
  const produced = await produceReport(db, person.councilId, chosen, form.params);
  const linkQuery = reportQueryString(form.values, { name: chosen });
  return {
    common,
    chosen,
    errors: form.errors,
    unknownReport,
    report: {
      title: produced.document.title,
      body: await documentBodyHtml(produced.document, { headingLevel: 2 }),
      downloads: REPORT_FORMATS.map((format) => ({
        format,
        href: `/reports/${chosen}.${format}?${linkQuery}`,
      })),
      auditList:
        form.params.publication || scope.publicationOnly
          ? null
          : ['csv', 'xlsx'].map((format) => ({ format, href: `/reports/audit-list/${format}?${linkQuery}` })),
    },
  };
}

/**
 * A report as a file: `file` is its name and format ("grades.csv"), or its name alone with the
 * format in the query. NotFoundError for a report or format that is not on the list; the form's
 * errors when it does not hold.
 */
export async function reportFile(
  db: Db,
  person: ReportReader,
  file: string,
  query: ReportQuery & { format?: string },
  today: string,
): Promise<
  | { errors: FieldError[] }
  | { errors?: undefined; output: Buffer | string; fileName: string; contentType: string }
> {
  const match = /^([a-z]+)\.([a-z]+)$/.exec(file);
  const name = match?.[1] ?? '';
  const format = (match?.[2] ?? query.format ?? '') as ReportFormat;
  if (!isReportName(name) || name === 'audits' || !(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new NotFoundError('report');
  }
  const form = await readReportForm(db, person, reportScope(person), query, today);
  if (form.errors.length || !form.params) return { errors: form.errors };
  const produced = await produceReport(db, person.councilId, name as ReportName, form.params);
  const output = await renderReport(produced, format, { bom: format === 'csv' });
  return {
    output,
    fileName: `${name}-${form.params.from}-to-${form.params.to}${form.params.publication ? '-for-publication' : ''}.${format}`,
    contentType: CONTENT_TYPES[format],
  };
}

/**
 * The audits behind a report's figures, naming each child by case reference: never for
 * publication. Gives the children listed (each to be written to the access log), the words for the
 * log, the file and its name; or why it cannot be made.
 */
export async function auditList(
  db: Db,
  person: ReportReader,
  format: (typeof AUDIT_LIST_FORMATS)[number],
  query: ReportQuery,
  today: string,
): Promise<
  | { refused: string }
  | {
      refused?: undefined;
      children: NonNullable<ProducedReport['children']>;
      what: string;
      /** the file, made once its children are in the access log */
      output: () => Promise<Buffer | string>;
      fileName: string;
      contentType: string;
    }
> {
  const form = await readReportForm(db, person, reportScope(person), query, today);
  if (form.errors.length || !form.params) {
    return { refused: `This list cannot be made: ${form.errors.map((e) => e.message).join('; ')}.` };
  }
  if (form.params.publication) return { refused: `${new NotForPublicationError().message}.` };
  const produced = await produceReport(db, person.councilId, 'audits', form.params, {
    staffId: person.staffId,
  });
  return {
    children: produced.children ?? [],
    output: () => renderReport(produced, format, { bom: format === 'csv' }),
    what: `the audits behind the figures of ${form.params.from} to ${form.params.to}`,
    fileName: `audits-${form.params.from}-to-${form.params.to}.${format}`,
    contentType: CONTENT_TYPES[format],
  };
}
