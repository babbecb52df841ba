import { formatDate } from '../../../domain/dates.ts';
import { isShrinkRefusal } from '../../../domain/list-shrink.ts';
import { sourceLabel } from '../../../domain/snapshot-sources.ts';
import type { RowError } from '../../../import/types.ts';
import { jobProgress } from '../../../jobs/import-runner.ts';
import {
  FORMAT_LABELS,
  type ImportJobView,
  type ImportListing,
  type ImportRecord,
  type JobSummary,
  type QualityHeadline,
} from '../../../services/case-data/import-jobs.ts';

/** How many errors a result page lists; the CSV download has them all. */
export const ERRORS_SHOWN = 200;

const MB = 1024 * 1024;

export function formatLabel(format: string | null | undefined): string {
  if (!format) return 'Detected from the file';
  return FORMAT_LABELS[format as keyof typeof FORMAT_LABELS] ?? format;
}

/** A file size as people say it: 840 KB, 12.5 MB. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < MB) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / MB).toFixed(bytes < 100 * MB ? 1 : 0)} MB`;
}

/** Who started an import: the person, the data warehouse's token, or the command. */
export function whoLabel(x: { source: string; startedBy: string | null; tokenName: string | null }): string {
  if (x.startedBy) return x.startedBy;
  if (x.source === 'api') return x.tokenName ? `Data warehouse (token “${x.tokenName}”)` : 'Data warehouse';
  if (x.source === 'command') return 'The qaloop command';
  return 'Not recorded';
}

/** What a result page shows: counts, the quality headline, and the first errors. */
export interface ResultView {
  format: string;
  asOf: string;
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  quality: QualityHeadline | undefined;
  sources: string[];
  ignoredFiles: string[];
  /** what the person should know about how the files were read (a file read as Windows-1252) */
  notices: string[];
  errors: RowError[];
  hasSheets: boolean;
  errorsTotal: number;
  errorsNotShown: number;
  rowsNotListed: number;
  csvHref: string;
}

export function resultView(
  summary: Pick<JobSummary, 'format' | 'asOf' | 'rowsRead' | 'rowsAccepted' | 'rowsRejected' | 'errors'> &
    Partial<JobSummary> & { notices?: string[] },
  csvHref: string,
): ResultView {
  const errors = summary.errors ?? [];
  const shown = errors.slice(0, ERRORS_SHOWN);
  return {
    format: formatLabel(summary.format),
    asOf: summary.asOf,
    rowsRead: summary.rowsRead,
    rowsAccepted: summary.rowsAccepted,
    rowsRejected: summary.rowsRejected,
    quality: summary.quality,
    sources: (summary.snapshot?.sources ?? []).map(sourceLabel),
    ignoredFiles: summary.ignoredFiles ?? [],
    notices: summary.notices ?? [],
    errors: shown,
    hasSheets: shown.some((e) => e.sheet),
    errorsTotal: errors.length,
    errorsNotShown: Math.max(0, errors.length - shown.length),
    rowsNotListed: summary.errorsNotListed ?? 0,
    csvHref,
  };
}

export const running = (job: ImportJobView) => job.state === 'queued' || job.state === 'running';

/** The job's rows read: from the runner while it runs here, else from its row. */
export function rowsReadOf(job: ImportJobView): number {
  return jobProgress(job.id)?.rowsRead ?? job.rowsRead;
}

/** The history and unfinished jobs of the Case data page, with who sent each and its format. */
export function historyView(history: { imports: ImportListing[] }, jobs: ImportJobView[]) {
  return {
    imports: history.imports.map((i) => ({ ...i, who: whoLabel(i), formatText: formatLabel(i.format) })),
    jobs: jobs.map((j) => ({
      ...j,
      who: whoLabel(j),
      formatText: formatLabel(j.format),
      rowsRead: rowsReadOf(j),
      cancellable: cancellable(j),
    })),
  };
}

const JOB_TITLES = {
  queued: 'Waiting to read the file',
  running: 'Reading the file',
  done: 'Import finished',
  refused: 'Nothing was imported',
  failed: 'The import failed',
  cancelled: 'Import cancelled',
} as const;

/** "Cancelled by Quinn Lead at 2:30 pm on 7 December 2026": who cancelled a job, and when. */
export function cancelledText(job: Pick<ImportJobView, 'cancelledBy' | 'cancelledAt'>): string {
  const at = job.cancelledAt;
  const when = at
    ? ` at ${at.toLocaleTimeString('en-GB', { hour: 'numeric', minute: '2-digit', hour12: true, timeZone: 'Europe/London' })} on ${formatDate(at)}`
    : '';
  return `Cancelled by ${job.cancelledBy ?? 'a QA lead'}${when}.`;
}

/** A job still to be read or being read, that no one has cancelled yet, may be cancelled. */
export const cancellable = (job: ImportJobView) => running(job) && !job.cancelledAt;

/** A job's page: its state, and its result once it has one. */
export function jobPageView(job: ImportJobView) {
  const stopping = job.state === 'running' && !!job.cancelledAt;
  return {
    pageTitle: stopping ? 'Cancelling the import' : JOB_TITLES[job.state],
    /** cancelled, or being stopped after a cancel: who and when */
    cancelled: job.state === 'cancelled' || stopping ? cancelledText(job) : undefined,
    stopping,
    cancellable: cancellable(job),
    job: {
      ...job,
      who: whoLabel(job),
      formatText: job.mappingName ? `Mapped extract “${job.mappingName}”` : formatLabel(job.format),
      size: fileSize(job.bytesTotal),
      rowsRead: rowsReadOf(job),
    },
    running: running(job),
    result: job.summary ? resultView(job.summary, `/imports/jobs/${job.id}/errors.csv`) : undefined,
    /** refused for emptying or shrinking a list: the page offers to send it again, confirmed */
    shrinkRefused: job.state === 'refused' && isShrinkRefusal(job.message),
  };
}

/** A job's progress, for the page that refreshes itself while the file is read. */
export function jobProgressView(job: ImportJobView) {
  const rowsRead = rowsReadOf(job);
  return {
    state: job.state,
    rowsRead,
    rowsReadText: `${rowsRead.toLocaleString('en-GB')} ${rowsRead === 1 ? 'row' : 'rows'} read so far`,
  };
}

/** A recorded import's page: who sent it, and its result. */
export function importPageView(record: ImportRecord) {
  return {
    pageTitle: `Import of ${record.fileName}`,
    record: { ...record, who: whoLabel(record) },
    result: {
      ...resultView(
        {
          ...record,
          errors: record.errors,
          quality: record.quality,
          snapshot: record.snapshotId
            ? { id: record.snapshotId, asOf: record.asOf, sources: record.sources }
            : undefined,
        },
        `/imports/${record.id}/errors.csv`,
      ),
      // an import keeps its first 1,000 errors (the full list went back to whoever imported)
      errorsKeptOnly: record.errors.length >= 1000,
    },
  };
}
