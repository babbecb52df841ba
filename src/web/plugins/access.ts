import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { acrossCouncils, type CouncilScope, runInScope } from '../../data/council-context.ts';
import type { Db } from '../../data/db.ts';
import { can } from '../../domain/roles.ts';
import { authenticateImportToken } from '../../services/case-data/import-tokens.ts';
import { loadSignedInUser, type SignedInUser } from '../../services/organisation/auth.ts';
import type { Access } from '../types.ts';

export class ForbiddenError extends Error {
  statusCode = 403;
}

/** No import token, or one that is unknown or revoked. */
export class UnauthorizedError extends Error {
  statusCode = 401;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** every route with who may use it, for the access tests */
    routeAccess: { method: string; url: string; access: Access | undefined }[];
  }
  interface FastifyRequest {
    /** the council this request may see in the database: none until the person or token is known */
    councilScope: CouncilScope;
  }
}

/**
 * Runs every request inside a council scope (data/council-context.ts), empty until the signed-in
 * person or the import token is known (the access hook below fills it in). Added first, so all
 * other hooks and the route run inside it. A form's body is read from the network in the
 * server's own context, so the scope is entered again once it has been read (as
 * @fastify/request-context does).
 */
export function councilScopeHooks(app: FastifyInstance): void {
  app.decorateRequest('councilScope', null as unknown as CouncilScope);
  app.addHook('onRequest', (request, _reply, done) => {
    const scope: CouncilScope = { councilId: undefined };
    request.councilScope = scope;
    runInScope(scope, done);
  });
  app.addHook('preValidation', (request, _reply, done) => {
    runInScope(request.councilScope, done);
  });
}

const ORIGIN = 'http://qaloop.invalid';

/**
 * A path inside QA Loop to return to after signing in; anything else goes home. The value is
 * resolved as a browser would resolve it, so tricks such as `/\t/evil.example` (browsers drop the
 * tab), backslashes or dot segments (`/..//evil.example`) cannot lead off the site.
 */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.length > 2000) return '/';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return '/';
  try {
    const url = new URL(value, ORIGIN);
    if (url.origin !== ORIGIN) return '/';
    // `/..//evil.example` resolves to the path `//evil.example`, which a browser reads as another site.
    if (url.pathname.startsWith('//') || url.pathname.startsWith('/\\')) return '/';
    return `${url.pathname}${url.search}`;
  } catch {
    return '/';
  }
}

/**
 * How often a signed-in person's last activity is written to their session. The session is saved
 * only when it changes (app.ts: not rolling), so most requests read it and write nothing; each
 * save also moves the cookie's and the stored session's 12-hour expiry on.
 */
export const SEEN_EVERY_MS = 60_000;

/** Form fields never kept across a sign-in. */
const NOT_KEPT = new Set(['_csrf', 'password']);

/**
 * Signs people in from their session, times out idle sessions, and enforces each route's declared
 * access. The app will not start if a route has not declared who may use it, and a request that
 * reaches a route without a declaration is refused (access fails closed).
 *
 * A form sent after the session timed out is not lost: what was typed (never a password) is kept
 * in the session, the person signs in again, and the form comes back filled in.
 */
export default fp(
  async (app: FastifyInstance, opts: { db: Db; idleMinutes: number }) => {
    const routes: RouteOptions[] = [];
    app.decorate('routeAccess', {
      getter: () =>
        routes.map((r) => ({
          method: Array.isArray(r.method) ? r.method.join(',') : r.method,
          url: r.url,
          access: r.config?.access,
        })),
    });
    app.addHook('onRoute', (route) => {
      routes.push(route);
    });
    app.addHook('onReady', async () => {
      const missing = routes.filter((r) => !r.config?.access);
      if (missing.length) {
        throw new Error(
          `Routes that do not say who may use them (config.access): ${missing.map((r) => `${r.method} ${r.url}`).join(', ')}`,
        );
      }
    });

    app.decorateRequest('person', {
      getter(this: FastifyRequest): SignedInUser {
        if (!this.user) throw new ForbiddenError('Sign in to do this');
        return this.user;
      },
    });

    const idleMs = opts.idleMinutes * 60_000;
    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const session = request.session;
      if (session?.userId) {
        const now = Date.now();
        // lastSeen moves at most once a minute (SEEN_EVERY_MS), so a session that has not been
        // idle too long is no longer written back on every request. Counting from the time kept
        // can only end a session early, by less than that minute, never late: on any instance.
        if (session.lastSeen && now - session.lastSeen > idleMs) {
          session.userId = undefined;
          session.signedOutReason = 'idle';
        } else {
          const userId = session.userId;
          const user = await acrossCouncils('the signed-in person is loaded from their session', () =>
            loadSignedInUser(opts.db, userId),
          );
          if (user) {
            request.user = user;
            request.councilScope.councilId = user.councilId;
            if (!session.lastSeen || now - session.lastSeen >= SEEN_EVERY_MS) session.lastSeen = now;
          } else {
            session.userId = undefined;
          }
        }
      }

      const access = routeAccess(request);
      if (access === 'public') return;
      if (access === 'importToken') {
        const token = await acrossCouncils('an import token is found by its hash', () =>
          authenticateImportToken(opts.db, request.headers.authorization),
        );
        if (!token) throw new UnauthorizedError('Send a valid import token: Authorization: Bearer qlt_…');
        request.importToken = token;
        request.councilScope.councilId = token.councilId;
        return;
      }
      if (!request.user) {
        if (request.method === 'GET' || request.method === 'HEAD') {
          return reply.redirect(`/sign-in?returnTo=${encodeURIComponent(request.url)}`);
        }
        // Decided once the form has been read (preValidation below), so it can be kept.
        return;
      }
      if (!can(request.user.roles, access)) throw new ForbiddenError('Your roles do not allow this page');
    });

    // Before the route's schema is checked: a form sent after a time-out is kept, not refused.
    app.addHook('preValidation', async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.user || request.importToken || routeAccess(request) === 'public') return;
      const formPage = safeReturnPath(refererPath(request));
      const body = request.body;
      if (request.session && body && typeof body === 'object' && formPage !== '/') {
        const fields: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
          if (!NOT_KEPT.has(k) && (typeof v === 'string' || Array.isArray(v)))
            fields[k] = v as string | string[];
        }
        request.session.keptForm = { path: formPage, fields };
        return reply.redirect(`/sign-in?returnTo=${encodeURIComponent(formPage)}`);
      }
      throw new ForbiddenError('Sign in to do this');
    });
  },
  { name: 'qaloop-access', dependencies: ['@fastify/session'] },
);

/** A route's declared access; the not-found page is public; anything undeclared is refused. */
function routeAccess(request: FastifyRequest): Access {
  const declared = request.routeOptions.config?.access;
  if (declared) return declared;
  if (request.is404) return 'public';
  throw new ForbiddenError('This page has not said who may use it');
}

function refererPath(request: FastifyRequest): string | undefined {
  const referer = request.headers.referer;
  if (!referer) return undefined;
  try {
    const url = new URL(referer);
    if (url.hostname !== request.hostname) return undefined;
    return `${url.pathname}${url.search}`;
  } catch {
    return undefined;
  }
}
