import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isAssetRequest } from './assets.ts';

/**
 * When the app turns new requests away rather than queue them (issue 22). Requests wait in this
 * process for the database (on the embedded database, one session for everyone) and for the event
 * loop; without a limit, 200 people at once on the embedded database were answered after 5 s or
 * not at all, and the app went on working through requests long abandoned for 20 s after they
 * stopped, answering nothing else, not even /health/live.
 */
export interface BusyLimits {
  /** requests answered at once (health checks and assets aside) beyond which new ones are turned away */
  maxInFlight: number;
  /** room kept beyond `maxInFlight` for saving drafts, so that what someone typed is kept first */
  draftRoom: number;
  /** how late the event loop may run (ms) before new requests other than drafts are turned away */
  maxEventLoopDelayMs: number;
  /** what Retry-After says, in seconds */
  retryAfterSeconds: number;
}

export const DEFAULT_BUSY_LIMITS: BusyLimits = {
  // above the 50 connections the page benchmarks use, and a queue of a few seconds at most
  maxInFlight: 64,
  draftRoom: 32,
  // off unless set: one long report on the embedded database holds the loop for seconds, and
  // turning everyone away for that would be worse than the short wait; the requests in flight
  // already bound the queue
  maxEventLoopDelayMs: Number.POSITIVE_INFINITY,
  retryAfterSeconds: 60,
};

/**
 * On the embedded database, which answers one statement at a time for everyone: 64 pages in flight
 * there were each answered after 6–10 s, so fewer are taken on (a page there takes 30–150 ms).
 */
export const EMBEDDED_BUSY_LIMITS: Partial<BusyLimits> = { maxInFlight: 16, draftRoom: 16 };

export const BUSY_MESSAGE = 'QA Loop is busy — try again in a minute';
const DRAFT_MESSAGE =
  'QA Loop is busy, so this has not been saved yet. Keep this page open: it will try again in a minute.';

/** The health checks and the service's own assets: cheap, and never turned away. */
const exempt = (url: string) => url.startsWith('/health/') || isAssetRequest(url);
/** Saving a draft as the auditor types: kept before page views. */
const isDraftSave = (request: FastifyRequest) =>
  request.method === 'POST' && /\/autosave(\?|$)/.test(request.url);
const wantsJson = (request: FastifyRequest) =>
  request.url.startsWith('/api/') || /application\/json/.test(request.headers.accept ?? '');

/** How late the event loop is running: a timer that should fire every SAMPLE_MS, measured. */
const SAMPLE_MS = 100;

/**
 * Load shedding: a request that arrives while the app is at its limit is answered at once with 503
 * and Retry-After ("QA Loop is busy — try again in a minute", a GOV.UK page, or JSON for the API
 * and the page's scripts) instead of waiting in an unlimited queue. A request already being
 * answered is never dropped; one whose browser has gone by the time its turn comes is not worked
 * on. /health/live and the assets always answer. (A small plugin rather than
 * @fastify/under-pressure, which is not among the app's packages and measures the event loop only,
 * not the requests waiting for the database.)
 */
export default fp(
  async (app: FastifyInstance, options: { limits?: Partial<BusyLimits> }) => {
    const limits = { ...DEFAULT_BUSY_LIMITS, ...options.limits };
    let inFlight = 0;
    let loopDelay = 0;
    let expected = performance.now() + SAMPLE_MS;
    const sampler = setInterval(() => {
      const now = performance.now();
      loopDelay = Math.max(0, now - expected);
      expected = now + SAMPLE_MS;
    }, SAMPLE_MS);
    sampler.unref();
    app.addHook('onClose', async () => clearInterval(sampler));

    let page: string | undefined;
    const busyPage = async (): Promise<string> => {
      page ??= await app.view('errors/503.njk', {
        pageTitle: 'QA Loop is busy',
        retryMinutes: Math.max(1, Math.round(limits.retryAfterSeconds / 60)),
      });
      return page;
    };

    const turnAway = async (request: FastifyRequest, reply: FastifyReply) => {
      reply
        .code(503)
        .header('retry-after', String(limits.retryAfterSeconds))
        .header('cache-control', 'no-store');
      request.log.warn(
        { inFlight, loopDelayMs: Math.round(loopDelay), route: request.routeOptions.url ?? 'not-found' },
        'busy: request turned away',
      );
      if (wantsJson(request))
        return reply.send({ error: 'busy', message: isDraftSave(request) ? DRAFT_MESSAGE : BUSY_MESSAGE });
      return reply.type('text/html; charset=utf-8').send(await busyPage());
    };

    app.addHook('onRequest', async (request, reply) => {
      if (exempt(request.url)) return;
      const draft = isDraftSave(request);
      const room = draft ? limits.maxInFlight + limits.draftRoom : limits.maxInFlight;
      const late = !draft && loopDelay > limits.maxEventLoopDelayMs;
      if (inFlight >= room || late) return turnAway(request, reply);
      inFlight++;
      counted.add(request);
      // answered, abandoned or handed over: whichever comes first frees its place
      reply.raw.once('close', () => release(request));
    });
    const counted = new WeakSet<FastifyRequest>();
    const release = (request: FastifyRequest) => {
      if (counted.delete(request)) inFlight--;
    };
    app.addHook('onResponse', async (request) => release(request));
    app.addHook('onRequestAbort', async (request) => release(request));

    // A request whose browser gave up while it waited is not worked on: after a burst, the app
    // is free again at once rather than answering people who have gone.
    app.addHook('preHandler', async (request, reply) => {
      if (!request.raw.socket?.destroyed) return;
      reply.hijack();
      reply.raw.destroy();
    });
  },
  // registered before the views (and sessions), so it turns requests away before they read
  // anything: the page is rendered with the views when first needed
  { name: 'qaloop-busy' },
);
