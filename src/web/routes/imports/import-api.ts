import type { Readable } from 'node:stream';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyError } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import type { FieldError } from '../../../domain/validation.ts';
import { ImportRunner, jobProgress } from '../../../jobs/import-runner.ts';
import {
  checkImportRequest,
  discardUpload,
  getImportJob,
  MAX_UPLOAD_BYTES,
  queueImportJob,
  type StagedUpload,
  stageUpload,
  UploadTooLargeError,
} from '../../../services/case-data/import-jobs.ts';
import { anyForm, id } from '../../forms.ts';
import { UnauthorizedError } from '../../plugins/access.ts';
import { drain, responseSent } from './uploads.ts';

/** File types the endpoint takes as a raw body, and the name a file gets when `?fileName=` is not given. */
const RAW_TYPES: Record<string, string> = {
  'application/zip': 'extract.zip',
  'application/x-zip-compressed': 'extract.zip',
  'text/csv': 'extract.csv',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'extract.xlsx',
};

const HOW_TO_SEND =
  'Send the file as multipart/form-data in a field called "file", or as the request body with Content-Type application/zip, text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet (and ?fileName=)';

/** A refusal the endpoint explains in its JSON answer. */
class ApiError extends Error {
  readonly statusCode: number;
  readonly errors?: FieldError[];
  constructor(statusCode: number, message: string, errors?: FieldError[]) {
    super(message);
    this.statusCode = statusCode;
    this.errors = errors;
  }
}

/** Twenty files a minute from one address is far more than a weekly extract needs. */
const postRateLimit = { max: 20, timeWindow: '1 minute' };
/** Status checks, polled while a job runs. */
const getRateLimit = { max: 120, timeWindow: '1 minute' };

const jobParams = z.object({ jobId: id });
const NO_SUCH_JOB = 'There is no import job with this id';

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * The data warehouse's way in: `POST /api/imports` with an import token queues the weekly extract
 * and answers 202 with the job's status address; `GET /api/imports/:jobId` says how it is going.
 * No session and no CSRF token: the bearer token (checked by the access plugin) is the
 * authentication, and its council the only one it reaches. Answers are JSON, never a stack trace.
 */
const importApiRoutes: FastifyPluginAsyncZod<{ db: Db; dataDir: string }> = async (app, { db, dataDir }) => {
  const runner = new ImportRunner({ db, dataDir, log: app.log });
  const sent = responseSent();
  app.addHook('onResponse', sent.settle);
  app.addHook('onRequestAbort', sent.settle);

  app.setErrorHandler(async (error: FastifyError & { errors?: FieldError[] }, request, reply) => {
    let status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    let message: string;
    if (error.validation && error.validationContext === 'params') {
      // a job id that is not one: no such job
      status = 404;
      message = NO_SUCH_JOB;
    } else if (
      error instanceof ApiError ||
      error instanceof UnauthorizedError ||
      error instanceof UploadTooLargeError
    ) {
      message = error.message;
    } else if (error.code === 'FST_REQ_FILE_TOO_LARGE') {
      status = 413;
      message = new UploadTooLargeError(MAX_UPLOAD_BYTES).message;
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      message = HOW_TO_SEND;
    } else if (status === 429) {
      message = 'Too many requests: wait a minute and send again';
    } else if (status < 500) {
      message = 'The request could not be read';
    } else {
      // The message is left out: database errors repeat the values they refused.
      const frames = (error.stack ?? '').split('\n').slice(1).join('\n');
      request.log.error({ failure: { type: error.name, code: error.code, frames } }, 'request failed');
      message = 'Something went wrong, so nothing was queued: try again later';
    }
    if (status === 401) reply.header('www-authenticate', 'Bearer realm="QA Loop imports"');
    reply.code(status).type('application/json; charset=utf-8');
    return { error: message, ...(error.errors ? { errors: error.errors } : {}) };
  });

  // Multipart in this plugin only; files are read in the handler, straight to disk.
  await app.register(fastifyMultipart, {
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10, parts: 12, fieldSize: 10_000 },
  });
  // A file sent as the body is handed to the handler as a stream.
  app.addContentTypeParser(Object.keys(RAW_TYPES), (_request, payload, done) => done(null, payload));

  // The file and its fields are read here, as multipart or as the body; the query's fields are read as sent.
  app.post(
    '/api/imports',
    { config: { access: 'importToken', rateLimit: postRateLimit }, schema: { querystring: anyForm } },
    async (request, reply) => {
      const token = request.importToken;
      if (!token) throw new UnauthorizedError('Send a valid import token');
      const fields: Record<string, unknown> = { ...request.query };
      let upload: StagedUpload | undefined;
      try {
        if (request.isMultipart()) {
          for await (const part of request.parts()) {
            if (part.type === 'file') {
              if (part.fieldname === 'file' && !upload)
                upload = await stageUpload(dataDir, part.file, part.filename || 'extract');
              else await drain(part.file);
            } else {
              fields[part.fieldname] = part.value;
            }
          }
        } else {
          const type = mediaType(request.headers['content-type']);
          const body = request.body as Readable | undefined;
          if (RAW_TYPES[type] && body && typeof body.pipe === 'function') {
            const named = typeof fields.fileName === 'string' ? fields.fileName.trim() : '';
            upload = await stageUpload(dataDir, body, named || RAW_TYPES[type]);
          }
        }
        if (!upload) throw new ApiError(400, HOW_TO_SEND);
        if (upload.bytes === 0) throw new ApiError(400, 'The file is empty');
        const checked = await checkImportRequest(
          db,
          token.councilId,
          {
            format: fields.format,
            mapping: fields.mapping,
            asOf: fields.asOf,
            strict: fields.strict,
            allowShrink: fields.allowShrink,
          },
          app.today(),
        );
        if (!checked.ok)
          throw new ApiError(400, checked.errors.map((e) => e.message).join('; '), checked.errors);
        const jobId = await queueImportJob(
          db,
          upload,
          checked.value,
          { source: 'api', councilId: token.councilId, tokenId: token.tokenId },
          app.queue,
        );
        // Without a job queue (tests), this process reads it once the answer has gone.
        if (!app.queue) void runner.start(jobId, { after: sent.after(request) });
        const status = `/api/imports/${jobId}`;
        return reply.code(202).header('location', status).send({ jobId, state: 'queued', status });
      } finally {
        await discardUpload(upload);
      }
    },
  );

  app.get(
    '/api/imports/:jobId',
    { config: { access: 'importToken', rateLimit: getRateLimit }, schema: { params: jobParams } },
    async (request) => {
      const token = request.importToken;
      if (!token) throw new UnauthorizedError('Send a valid import token');
      const job = await getImportJob(db, token.councilId, request.params.jobId);
      if (!job) throw new ApiError(404, NO_SUCH_JOB);
      return {
        jobId: job.id,
        state: job.state,
        fileName: job.fileName,
        format: job.summary?.format ?? job.format,
        asOf: job.asOf,
        strict: job.strict,
        rowsRead: jobProgress(job.id)?.rowsRead ?? job.rowsRead,
        message: job.message,
        importId: job.importId,
        createdAt: job.createdAt,
        finishedAt: job.finishedAt,
        summary: job.summary,
      };
    },
  );
};

export default importApiRoutes;
