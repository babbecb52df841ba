import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fastifyMultipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Capability, can } from '../../../domain/roles.ts';
import { discardUpload, type StagedUpload, stageUpload } from '../../../services/case-data/import-jobs.ts';

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

/** Reads a file part that is not wanted to its end, keeping nothing. */
export async function drain(stream: NodeJS.ReadableStream) {
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
 * One file uploaded with a form (multipart), for the routes registered in the same plugin: the
 * file is kept on disk only when the person may use the form (`capability`) and only until the
 * answer is sent; a file too large is answered by `tooLarge` (a 413 page saying so). Gives back
 * the file staged for a request, if any.
 */
export async function singleFileUpload(
  app: FastifyInstance,
  options: {
    dataDir: string;
    capability: Capability;
    maxBytes: number;
    tooLarge: (request: FastifyRequest, reply: FastifyReply, message: string) => unknown;
  },
): Promise<(request: FastifyRequest) => StagedUpload | undefined> {
  const staged = new WeakMap<FastifyRequest, StagedUpload>();
  await app.register(fastifyMultipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: options.maxBytes, files: 1, fields: 5, parts: 6, fieldSize: 10_000 },
    async onFile(this: FastifyRequest, part: MultipartFile) {
      // Only a file sent by someone who may use the form is kept; anything else is read and dropped.
      const user = this.user;
      if (!user || !can(user.roles, options.capability) || part.fieldname !== 'file' || !part.filename) {
        await drain(part.file);
        return;
      }
      staged.set(this, await stageUpload(options.dataDir, part.file, part.filename, options.maxBytes));
    },
  });
  const forget = async (request: FastifyRequest) => {
    const upload = staged.get(request);
    staged.delete(request);
    await discardUpload(upload);
  };
  app.addHook('onResponse', forget);
  app.addHook('onRequestAbort', forget);
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    await forget(request);
    if ((error.code === 'FST_REQ_FILE_TOO_LARGE' || error.statusCode === 413) && request.user) {
      reply.code(413);
      return options.tooLarge(
        request,
        reply,
        `The selected file must be smaller than ${Math.round(options.maxBytes / 1024 / 1024)} MB`,
      );
    }
    throw error;
  });
  return (request) => staged.get(request);
}
