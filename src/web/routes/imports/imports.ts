import fastifyMultipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { can } from '../../../domain/roles.ts';
import type { FieldError } from '../../../domain/validation.ts';
import type { RowError } from '../../../import/types.ts';
import { cancelJobHere, ImportRunner, startImportWorker } from '../../../jobs/import-runner.ts';
import { importErrorsCsv, importErrorsFileName } from '../../../reports/import-errors-csv.ts';
import {
  cancelImportJob,
  discardUpload,
  FORMAT_LABELS,
  getImport,
  getImportJob,
  importsPage,
  MAX_UPLOAD_BYTES,
  queueUploadedImport,
  type StagedUpload,
  stageUpload,
} from '../../../services/case-data/import-jobs.ts';
import { IMPORT_FORMATS } from '../../../services/case-data/run-import.ts';
import { anyForm, id } from '../../forms.ts';
import { historyView, importPageView, jobPageView, jobProgressView } from './imports-view.ts';
import { drain, responseSent } from './uploads.ts';

/** How many recorded imports the history lists. */
const HISTORY_SHOWN = 50;

const MB = 1024 * 1024;

const jobParams = z.object({ jobId: id });
/** The progress of a job that is not one answers in JSON, like one that is not found. */
const progressParams = z.object({ jobId: z.string() });
const importParams = z.object({ importId: id });

function sendCsv(reply: FastifyReply, fileName: string, errors: readonly RowError[]) {
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${importErrorsFileName(fileName)}"`)
    .header('cache-control', 'no-store')
    .send(importErrorsCsv(errors));
}

/**
 * Case data in through the app, for QA leads and administrators: the upload form and the history
 * of imports; each upload becomes a job read in the background, with a page that shows its
 * progress and then its result, and the rejected rows as CSV.
 */
/** A date as the upload form's three fields: a YYYY-MM-DD date's day, month and year, else as typed. */
function asOfParts(value: unknown) {
  const typed = typeof value === 'string' ? value.trim() : '';
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(typed);
  if (iso)
    return { 'asOf-day': String(Number(iso[3])), 'asOf-month': String(Number(iso[2])), 'asOf-year': iso[1] };
  const [day = '', month = '', year = ''] = typed ? typed.split('/') : [];
  return { 'asOf-day': day, 'asOf-month': month, 'asOf-year': year };
}

const importRoutes: FastifyPluginAsyncZod<{
  db: Db;
  dataDir: string;
  /** seconds between looks for jobs whose instance stopped while reading them */
  watchSeconds?: number;
}> = async (app, { db, dataDir, watchSeconds = 15 }) => {
  const access = { access: 'imports.manage' as const };
  const runner = new ImportRunner({ db, dataDir, log: app.log, queue: app.queue });
  /** the file each upload request brought, until a job takes it or it is thrown away */
  const staged = new WeakMap<FastifyRequest, StagedUpload>();

  // Jobs cut short when an instance stopped are read again; leftover uploads are removed. With a
  // job queue, this instance also reads the jobs it hands out, whichever instance queued them, and
  // takes up within seconds any job whose instance stops while reading it.
  app.addHook('onReady', async () => {
    if (app.queue) {
      await startImportWorker(app.queue, runner);
      runner.watch(watchSeconds * 1000);
    }
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
    const user = request.person;
    const page = await importsPage(db, user.councilId, HISTORY_SHOWN);
    const { imports, jobs } = historyView(page.history, page.jobs);
    return reply.render('pages/imports/index.njk', {
      pageTitle: 'Case data',
      errors: extra.errors,
      values: { format: 'auto', ...asOfParts(app.today()), ...extra.values },
      formats: IMPORT_FORMATS.map((f) => ({ value: f, text: FORMAT_LABELS[f] })),
      mappings: page.mappings,
      imports,
      importsTotal: page.history.total,
      jobs,
      maxUpload: `${MAX_UPLOAD_BYTES / MB} MB`,
      canManageTokens: can(user.roles, 'importTokens.manage'),
    });
  }

  // `?allowShrink=yes`: from a job refused for emptying or shrinking a list, the box comes ticked
  app.get(
    '/imports',
    { config: access, schema: { querystring: z.object({ allowShrink: z.string().optional() }) } },
    async (request, reply) =>
      uploadPage(request, reply, {
        values: request.query.allowShrink === 'yes' ? { allowShrink: 'yes' } : {},
      }),
  );

  // A multipart form: its fields were read with the file (above), so the body is read as sent.
  app.post('/imports', { config: access }, async (request, reply) => {
    const { councilId, staffId } = request.person;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const upload = staged.get(request);
    staged.delete(request);
    const date = {
      'asOf-day': body['asOf-day'],
      'asOf-month': body['asOf-month'],
      'asOf-year': body['asOf-year'],
    };
    // the form's date input; `asOf` as text still works (YYYY-MM-DD or D/M/YYYY)
    const typed = Object.values(date).some((v) => v !== undefined);
    const input = {
      format: body.format,
      mapping: body.mapping,
      ...(typed ? date : { asOf: body.asOf }),
      strict: body.strict,
      allowShrink: body.allowShrink,
    };
    const queued = await queueUploadedImport(
      db,
      upload,
      input,
      { councilId, staffId },
      app.today(),
      app.queue,
    );
    if (!queued.ok) {
      reply.code(400);
      return uploadPage(request, reply, {
        errors: queued.errors,
        values: {
          format: typeof body.format === 'string' && body.format ? body.format : 'auto',
          mapping: body.mapping,
          ...(typed ? date : asOfParts(body.asOf)),
          strict: body.strict,
          allowShrink: body.allowShrink,
          chosenFile: upload && upload.bytes > 0 ? upload.fileName : undefined,
        },
      });
    }
    // Without a job queue (tests), this process reads it once the answer has gone.
    if (!app.queue) void runner.start(queued.value, { after: sent.after(request) });
    return reply.redirect(`/imports/jobs/${queued.value}`, 303);
  });

  app.get(
    '/imports/jobs/:jobId',
    { config: access, schema: { params: jobParams } },
    async (request, reply) => {
      const job = await getImportJob(db, request.person.councilId, request.params.jobId);
      if (!job) return reply.callNotFound();
      return reply.render('pages/imports/job.njk', jobPageView(job));
    },
  );

  // Cancels a job waiting or being read (issue 22): nothing from its file is imported, and the
  // imports after it need not wait for it. Whoever may send imports may cancel them.
  app.post(
    '/imports/jobs/:jobId/cancel',
    { config: access, schema: { params: jobParams, body: anyForm } },
    async (request, reply) => {
      const { councilId, staffId } = request.person;
      const { jobId } = request.params;
      // A job this process is reading is told in memory, without waiting for the database: on the
      // embedded database the import's transaction holds its only connection until it stops.
      if (!cancelJobHere(jobId, councilId, staffId)) {
        const outcome = await cancelImportJob(db, councilId, jobId, staffId);
        if (!outcome) return reply.callNotFound();
      }
      return reply.redirect(`/imports/jobs/${jobId}`, 303);
    },
  );

  app.get(
    '/imports/jobs/:jobId/progress.json',
    { config: access, schema: { params: progressParams } },
    async (request, reply) => {
      const job = await getImportJob(db, request.person.councilId, request.params.jobId);
      if (!job) return reply.code(404).send({ error: 'No such import' });
      return jobProgressView(job);
    },
  );

  app.get(
    '/imports/jobs/:jobId/errors.csv',
    { config: access, schema: { params: jobParams } },
    async (request, reply) => {
      const job = await getImportJob(db, request.person.councilId, request.params.jobId);
      if (!job?.summary) return reply.callNotFound();
      return sendCsv(reply, job.fileName, job.summary.errors);
    },
  );

  app.get(
    '/imports/:importId',
    { config: access, schema: { params: importParams } },
    async (request, reply) => {
      const record = await getImport(db, request.person.councilId, request.params.importId);
      if (!record) return reply.callNotFound();
      return reply.render('pages/imports/import.njk', importPageView(record));
    },
  );

  app.get(
    '/imports/:importId/errors.csv',
    { config: access, schema: { params: importParams } },
    async (request, reply) => {
      const record = await getImport(db, request.person.councilId, request.params.importId);
      if (!record) return reply.callNotFound();
      return sendCsv(reply, record.fileName, record.errors);
    },
  );
};

export default importRoutes;
