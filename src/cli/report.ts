import type { Db } from '../data/db.ts';
import {
  moderationReport,
  moderationReportCsv,
  moderationReportDocx,
  moderationReportHtml,
  moderationReportXlsx,
} from '../reports/moderation.ts';
import { returnsReport, returnsReportCsv } from '../reports/returns.ts';

/** `qaloop report NAME …` was called wrongly: the message says how to call it (exit 2). */
export class ReportUsageError extends Error {}

/** The reports there are, and the formats each comes in. */
export const REPORTS = {
  returns: ['json', 'csv'],
  moderation: ['json', 'csv', 'xlsx', 'docx', 'html'],
} as const;

/** Formats that are files rather than text: they need --out. */
const FILE_FORMATS = ['xlsx', 'docx'];

export type ReportName = keyof typeof REPORTS;

export interface ReportArgs {
  name: ReportName;
  from: string;
  to: string;
  format: string;
  out?: string;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Reads `report NAME --from YYYY-MM --to YYYY-MM [--format F] [--out PATH]`. */
export function reportArgs(positionals: string[], values: Record<string, unknown>): ReportArgs {
  const name = positionals[1];
  const names = Object.keys(REPORTS).join(', ');
  if (!name)
    throw new ReportUsageError(`Say which report: qaloop report NAME, where NAME is one of: ${names}`);
  if (!(name in REPORTS)) throw new ReportUsageError(`No report is called ${name}: the reports are ${names}`);
  const formats: readonly string[] = REPORTS[name as ReportName];
  const format = (values.format as string | undefined) ?? 'json';
  if (!formats.includes(format)) {
    const list =
      formats.length > 2 ? `${formats.slice(0, -1).join(', ')} or ${formats.at(-1)}` : formats.join(' or ');
    throw new ReportUsageError(`The ${name} report comes as ${list}, not ${format}`);
  }
  const from = values.from as string | undefined;
  const to = values.to as string | undefined;
  for (const [option, value] of [
    ['--from', from],
    ['--to', to],
  ] as const) {
    if (!value) throw new ReportUsageError(`Give the months to report on: ${option} YYYY-MM`);
    if (!MONTH.test(value))
      throw new ReportUsageError(`${option} must be a month written YYYY-MM, like 2026-04`);
  }
  if ((from as string) > (to as string)) {
    throw new ReportUsageError(`--from ${from} is after --to ${to}: the range runs from the earlier month`);
  }
  if (FILE_FORMATS.includes(format) && !values.out) {
    throw new ReportUsageError(`The ${format} format makes a file: say where to write it with --out PATH`);
  }
  return {
    name: name as ReportName,
    from: from as string,
    to: to as string,
    format,
    out: values.out as string | undefined,
  };
}

/**
 * The report in its format: text for json, csv and html, bytes for xlsx and docx. CSV written to a
 * file starts with a byte-order mark, for Excel.
 */
export async function reportOutput(db: Db, councilId: string, args: ReportArgs): Promise<string | Buffer> {
  const bom = args.out !== undefined;
  if (args.name === 'moderation') {
    const report = await moderationReport(db, councilId, args.from, args.to);
    switch (args.format) {
      case 'csv':
        return moderationReportCsv(report, { bom });
      case 'xlsx':
        return moderationReportXlsx(report);
      case 'docx':
        return moderationReportDocx(report);
      case 'html':
        return moderationReportHtml(report);
      default:
        return `${JSON.stringify(report)}\n`;
    }
  }
  const report = await returnsReport(db, councilId, args.from, args.to);
  return args.format === 'csv' ? returnsReportCsv(report, { bom }) : `${JSON.stringify(report)}\n`;
}
