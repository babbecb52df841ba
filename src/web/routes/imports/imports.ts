import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fastifyMultipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../../data/db.ts';
import { can } from '../../../domain/roles.ts';
import { sourceLabel } from '../../../domain/snapshot-sources.ts';
import type { FieldError } from '../../../domain/validation.ts';
import type { RowError } from '../../../import/types.ts';
import { ImportRunner, jobProgress } from '../../../jobs/import-runner.ts';
import { importErrorsCsv, importErrorsFileName } from '../../../reports/import-errors-csv.ts';
import {
  checkImportRequest,
  discardUpload,
  FORMAT_LABELS,
  getImport,
  getImportJob,
  type ImportJobView,
  type JobSummary,
  listImports,
  listMappingChoices,
  listUnfinishedJobs,
  MAX_UPLOAD_BYTES,
  type QualityHeadline,
  queueImportJob,
  type StagedUpload,
  stageUpload,
} from '../../../services/case-data/import-jobs.ts';
import { IMPORT_FORMATS } from '../../../services/case-data/run-import.ts';

/** How many errors a result page lists; the CSV download has them all. */
export const ERRORS_SHOWN = 200;
/** How many recorded imports the history lists. */
const HISTORY_SHOWN = 50;

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
  errors: RowError[];
  hasSheets: boolean;
  errorsTotal: number;
  errorsNotShown: number;
  rowsNotListed: number;
  csvHref: string;
}

export function resultView(
  summary: Pick<JobSummary, 'format' | 'asOf' | 'rowsRead' | 'rowsAccepted' | 'rowsRejected' | 'errors'> &
    Partial<JobSummary>,
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
    errors: shown,
    hasSheets: shown.some((e) => e.sheet),
    errorsTotal: errors.length,
    errorsNotShown: Math.max(0, errors.length - shown.length),
    rowsNotListed: summary.errorsNotListed ?? 0,
    csvHref,
  };
}

const running = (job: ImportJobView) => job.state === 'queued' || job.state === 'running';

/** The job's rows read: from the runner while it runs here, else from its row. */
function rowsReadOf(job: ImportJobView): number {
  return jobProgress(job.id)?.rowsRead ?? job.rowsRead;
}

function sendCsv(reply: FastifyReply, fileName: string, errors: readonly RowError[]) {
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${importErrorsFileName(fileName)}"`)
    .header('cache-control', 'no-store')
    .send(importErrorsCsv(errors));
}

/**
 * A promise that resolves once the answer to `request` has been sent (or the request abandoned),
 * for jobs that should start only then; `settle` is called by the plugin's onResponse hook.
 */
export function responseSent() {
  const waiting = new WeakMap<FastifyRequest, () => void>();
  return {
    after(request: FastifyRequest): Promise<void> {
      return new Promise((resolve) => {
        waiting.set(request, resolve);
        // never held up for long, whatever happens to the connection
        setTimeout(resolve, 10_000).unref();
      });
    },
    async settle(request: FastifyRequest) {
      waiting.get(request)?.();
      waiting.delete(request);
    },
  };
}

async function drain(stream: NodeJS.ReadableStream) {
  await pipeline(
    stream,
    new Writable({
      write(_chunk, _encoding, done) {
        done();
      },
    }),
  );
}

/**
 * Case data in through the app, for QA leads and administrators: the upload form and the history
 * of imports; each upload becomes a job read in the background, with a page that shows its
 * progress and then its result, and the rejected rows as CSV.
 */
export default async function importRoutes(
  app: FastifyInstance,
  { db, dataDir }: { db: Db; dataDir: string },
) {
  const access = { access: 'imports.manage' as const };
  const runner = new ImportRunner({ db, dataDir, log: app.log });
  /** the file each upload request brought, until a job takes it or it is thrown away */
  const staged = new WeakMap<FastifyRequest, StagedUpload>();

  // Jobs cut short when the app last stopped are read again; leftovers of ended jobs are removed.
  app.addHook('onReady', async () => {
    void runner.runPending();
    void runner.sweepUploads();
  });
  app.addHook('onClose', async () => {
    await runner.close();
  });

  // Multipart in this plugin only. The form's fields are read before the handler, so the CSRF
  // check (just before the handler) sees its token; the file goes straight to disk.
  await app.register(fastifyMultipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10, parts: 12, fieldSize: 10_000 },
    async onFile(this: FastifyRequest, part: MultipartFile) {
      // Only a file sent by someone who may import is kept; anything else is read and dropped.
      const user = this.user;
      if (!user || !can(user.roles, 'imports.manage') || part.fieldname !== 'file' || !part.filename) {
        await drain(part.file);
        return;
      }
      staged.set(this, await stageUpload(dataDir, part.file, part.filename));
    },
  });
  const forget = async (request: FastifyRequest) => {
    const upload = staged.get(request);
    staged.delete(request);
    await discardUpload(upload);
  };
  app.addHook('onResponse', forget);
  app.addHook('onRequestAbort', forget);
  const sent = responseSent();
  app.addHook('onResponse', sent.settle);
  app.addHook('onRequestAbort', sent.settle);

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    await forget(request);
    if (error.code === 'FST_REQ_FILE_TOO_LARGE' && request.user) {
      reply.code(413);
      return uploadPage(request, reply, {
        errors: [
          { field: 'file', message: `The selected file must be smaller than ${MAX_UPLOAD_BYTES / MB} MB` },
        ],
      });
    }
    // Everything else is shown by the app's own error pages.
    throw error;
  });

  async function uploadPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: Record<string, unknown> } = {},
  ) {
    const user = request.user;
    if (!user) return reply.callNotFound();
    const [mappings, history, jobs] = await Promise.all([
      listMappingChoices(db, user.councilId),
      listImports(db, user.councilId, { limit: HISTORY_SHOWN }),
      listUnfinishedJobs(db, user.councilId),
    ]);
    return reply.render('pages/imports/index.njk', {
      pageTitle: 'Case data',
      errors: extra.errors,
      values: { format: 'auto', asOf: app.today(), ...extra.values },
      formats: IMPORT_FORMATS.map((f) => ({ value: f, text: FORMAT_LABELS[f] })),
      mappings,
      imports: history.imports.map((i) => ({ ...i, who: whoLabel(i), formatText: formatLabel(i.format) })),
      importsTotal: history.total,
      jobs: jobs.map((j) => ({
        ...j,
        who: whoLabel(j),
        formatText: formatLabel(j.format),
        rowsRead: rowsReadOf(j),
      })),
      maxUpload: `${MAX_UPLOAD_BYTES / MB} MB`,
      canManageTokens: can(user.roles, 'importTokens.manage'),
    });
  }

  app.get('/imports', { config: access }, async (request, reply) => uploadPage(request, reply));

  app.post('/imports', { config: access }, async (request, reply) => {
    const user = request.user;
    if (!user) return reply.callNotFound();
    const body = (request.body ?? {}) as Record<string, unknown>;
    const upload = staged.get(request);
    staged.delete(request);
    const errors: FieldError[] = [];
    if (!upload) errors.push({ field: 'file', message: 'Select a file to import' });
    else if (upload.bytes === 0) errors.push({ field: 'file', message: 'The selected file is empty' });
    const input = { format: body.format, mapping: body.mapping, asOf: body.asOf, strict: body.strict };
    const checked = await checkImportRequest(db, user.councilId, input, app.today());
    if (!checked.ok) errors.push(...checked.errors);
    if (!upload || !checked.ok || errors.length) {
      await discardUpload(upload);
      reply.code(400);
      return uploadPage(request, reply, {
        errors,
        values: {
          format: typeof body.format === 'string' && body.format ? body.format : 'auto',
          mapping: body.mapping,
          asOf: body.asOf,
          strict: body.strict,
          chosenFile: upload && upload.bytes > 0 ? upload.fileName : undefined,
        },
      });
    }
    let jobId: string;
    try {
      jobId = await queueImportJob(db, dataDir, upload, checked.value, {
        source: 'web',
        councilId: user.councilId,
        staffId: user.staffId,
      });
    } catch (err) {
      await discardUpload(upload);
      throw err;
    }
    void runner.start(jobId, { after: sent.after(request) });
    return reply.redirect(`/imports/jobs/${jobId}`, 303);
  });

  const jobOf = async (request: FastifyRequest<{ Params: { jobId: string } }>) =>
    request.user ? getImportJob(db, request.user.councilId, request.params.jobId) : undefined;

  app.get<{ Params: { jobId: string } }>(
    '/imports/jobs/:jobId',
    { config: access },
    async (request, reply) => {
      const job = await jobOf(request);
      if (!job) return reply.callNotFound();
      const titles = {
        queued: 'Waiting to read the file',
        running: 'Reading the file',
        done: 'Import finished',
        refused: 'Nothing was imported',
        failed: 'The import failed',
      } as const;
      return reply.render('pages/imports/job.njk', {
        pageTitle: titles[job.state],
        job: {
          ...job,
          who: whoLabel(job),
          formatText: job.mappingName ? `Mapped extract “${job.mappingName}”` : formatLabel(job.format),
          size: fileSize(job.bytesTotal),
          rowsRead: rowsReadOf(job),
        },
        running: running(job),
        result: job.summary ? resultView(job.summary, `/imports/jobs/${job.id}/errors.csv`) : undefined,
      });
    },
  );

  app.get<{ Params: { jobId: string } }>(
    '/imports/jobs/:jobId/progress.json',
    { config: access },
    async (request, reply) => {
      const job = await jobOf(request);
      if (!job) return reply.code(404).send({ error: 'No such import' });
      const rowsRead = rowsReadOf(job);
      return {
        state: job.state,
        rowsRead,
        rowsReadText: `${rowsRead.toLocaleString('en-GB')} ${rowsRead === 1 ? 'row' : 'rows'} read so far`,
      };
    },
  );

  app.get<{ Params: { jobId: string } }>(
    '/imports/jobs/:jobId/errors.csv',
    { config: access },
    async (request, reply) => {
      const job = await jobOf(request);
      if (!job?.summary) return reply.callNotFound();
      return sendCsv(reply, job.fileName, job.summary.errors);
    },
  );

  const importOf = async (request: FastifyRequest<{ Params: { importId: string } }>) =>
    request.user ? getImport(db, request.user.councilId, request.params.importId) : undefined;

  app.get<{ Params: { importId: string } }>(
    '/imports/:importId',
    { config: access },
    async (request, reply) => {
      const record = await importOf(request);
      if (!record) return reply.callNotFound();
      return reply.render('pages/imports/import.njk', {
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
      });
    },
  );

  app.get<{ Params: { importId: string } }>(
    '/imports/:importId/errors.csv',
    { config: access },
    async (request, reply) => {
      const record = await importOf(request);
      if (!record) return reply.callNotFound();
      return sendCsv(reply, record.fileName, record.errors);
    },
  );
}
