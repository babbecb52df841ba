import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';

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
