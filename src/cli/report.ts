import type { Db } from '../data/db.ts';
import { todayInLondon } from '../domain/dates.ts';
import {
  checkMonths,
  describeFilters,
  type FilterNames,
  MAX_MONTHS,
  ReportFilterError,
  resolveFilters,
} from '../metrics/audit-facts.ts';
import { annualReportDocx, annualReportHtml } from '../reports/annual.ts';
import { NotForPublicationError } from '../reports/audit-list.ts';
import {
  FILE_FORMATS,
  isReportName,
  produceReport,
  REPORT_FORMATS,
  REPORT_NAMES,
  type ReportFormat,
  type ReportName,
  renderReport,
} from '../reports/catalogue.ts';
import { monthlyReportDocx, monthlyReportHtml } from '../reports/monthly.ts';
import { councilName } from '../reports/report-base.ts';

/** `qaloop report NAME …` was called wrongly: the message says how to call it (exit 2). */
export class ReportUsageError extends Error {}

/** Reports composed of others, as documents to read: Word or HTML only. */
export const COMPOSED_REPORTS = ['monthly', 'annual'] as const;
export type ComposedName = (typeof COMPOSED_REPORTS)[number];
const COMPOSED_FORMATS: readonly ReportFormat[] = ['docx', 'html'];
const isComposed = (name: string): name is ComposedName =>
  (COMPOSED_REPORTS as readonly string[]).includes(name);

export interface ReportArgs {
  name: ReportName | ComposedName;
  from: string;
  to: string;
  format: ReportFormat;
  out?: string;
  filters: FilterNames;
  publication: boolean;
}

const MONTH = /^(20\d{2})-(0[1-9]|1[0-2])$/;

/** The command's options that narrow a report, and the filter each sets. */
export const FILTER_OPTIONS = {
  'service-area': 'serviceArea',
  team: 'team',
  worker: 'worker',
  locality: 'locality',
  kind: 'kind',
} as const satisfies Record<string, keyof FilterNames>;

const list = (xs: readonly string[]) =>
  xs.length > 2 ? `${xs.slice(0, -1).join(', ')} or ${xs.at(-1)}` : xs.join(' or ');

/**
 * Reads `report NAME --from YYYY-MM --to YYYY-MM [--format F] [--out PATH] [--service-area NAME]
 * [--team NAME] [--worker NAME] [--locality NAME] [--kind KIND] [--public]`.
 */
export function reportArgs(positionals: string[], values: Record<string, unknown>): ReportArgs {
  const name = positionals[1];
  const names = [...REPORT_NAMES, ...COMPOSED_REPORTS].join(', ');
  if (!name)
    throw new ReportUsageError(`Say which report: qaloop report NAME, where NAME is one of: ${names}`);
  if (!isReportName(name) && !isComposed(name))
    throw new ReportUsageError(`No report is called ${name}: the reports are ${names}`);
  const format = (values.format as string | undefined) ?? 'json';
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new ReportUsageError(`The ${name} report comes as ${list(REPORT_FORMATS)}, not ${format}`);
  }
  const from = values.from as string | undefined;
  const to = values.to as string | undefined;
  for (const [option, value] of [
    ['--from', from],
    ['--to', to],
  ] as const) {
    if (!value) throw new ReportUsageError(`Give the months to report on: ${option} YYYY-MM`);
    if (!MONTH.test(value))
      throw new ReportUsageError(`${option} must be a month written YYYY-MM from 2000, like 2026-04`);
  }
  if ((from as string) > (to as string)) {
    throw new ReportUsageError(`--from ${from} is after --to ${to}: the range runs from the earlier month`);
  }
  if (checkMonths(from as string, to as string).length) {
    throw new ReportUsageError(`A report covers at most ${MAX_MONTHS} months: choose a shorter range`);
  }
  if (isComposed(name) && !COMPOSED_FORMATS.includes(format as ReportFormat)) {
    throw new ReportUsageError(
      `The ${name} report comes as docx or html, not ${format}: add --format docx or --format html`,
    );
  }
  if (name === 'monthly' && from !== to) {
    throw new ReportUsageError(
      `The monthly report is of one cycle: give the same month as --from and --to, like --from ${from} --to ${from}`,
    );
  }
  if (FILE_FORMATS.includes(format as ReportFormat) && !values.out) {
    throw new ReportUsageError(`The ${format} format makes a file: say where to write it with --out PATH`);
  }
  const filters: FilterNames = {};
  for (const [option, key] of Object.entries(FILTER_OPTIONS)) {
    const value = values[option];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !value.trim()) throw new ReportUsageError(`--${option} needs a name`);
    filters[key] = value;
  }
  if (name === 'audits' && values.public === true)
    throw new ReportUsageError(new NotForPublicationError().message);
  return {
    name,
    from: from as string,
    to: to as string,
    format: format as ReportFormat,
    out: values.out as string | undefined,
    filters,
    publication: values.public === true,
  };
}

/**
 * The report in its format: text for json, csv and html, bytes for xlsx and docx. CSV written to a
 * file starts with a byte-order mark, for Excel. A filter naming nothing in the council is a usage
 * error.
 */
export async function reportOutput(
  db: Db,
  councilId: string,
  args: ReportArgs,
  today = todayInLondon(),
): Promise<string | Buffer> {
  let filters: Awaited<ReturnType<typeof resolveFilters>>;
  try {
    filters = await resolveFilters(db, councilId, args.filters);
  } catch (err) {
    if (err instanceof ReportFilterError) throw new ReportUsageError(`${err.message} in this council`);
    throw err;
  }
  const params = {
    from: args.from,
    to: args.to,
    filters,
    filterWords: await describeFilters(db, councilId, filters),
    councilName: await councilName(db, councilId),
    publication: args.publication,
    today,
  };
  if (args.name === 'monthly') {
    return args.format === 'docx'
      ? monthlyReportDocx(db, councilId, params)
      : monthlyReportHtml(db, councilId, params);
  }
  if (args.name === 'annual') {
    return args.format === 'docx'
      ? annualReportDocx(db, councilId, params)
      : annualReportHtml(db, councilId, params);
  }
  const produced = await produceReport(db, councilId, args.name, params);
  return renderReport(produced, args.format, { bom: args.out !== undefined });
}
