import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../../data/db.ts';
import { can } from '../../domain/roles.ts';
import { loadSignedInUser } from '../../services/auth.ts';
import type { Access } from '../types.ts';

export class ForbiddenError extends Error {
  statusCode = 403;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** every route with who may use it, for the access tests */
    routeAccess: { method: string; url: string; access: Access | undefined }[];
  }
}

/** A path inside QA Loop to return to after signing in; anything else goes home. */
export function safeReturnPath(value: unknown): string {
  if (
    typeof value !== 'string' ||
    !value.startsWith('/') ||
    value.startsWith('//') ||
    value.startsWith('/\\')
  ) {
    return '/';
  }
  return value;
}

/**
 * Signs people in from their session, times out idle sessions, and enforces each route's declared
 * access. The app will not start if any route has not declared who may use it.
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

    const idleMs = opts.idleMinutes * 60_000;
    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const session = request.session;
      if (session?.userId) {
        const now = Date.now();
        if (session.lastSeen && now - session.lastSeen > idleMs) {
          session.userId = undefined;
          session.signedOutReason = 'idle';
        } else {
          const user = await loadSignedInUser(opts.db, session.userId);
          if (user) {
            request.user = user;
            session.lastSeen = now;
          } else {
            session.userId = undefined;
          }
        }
      }

      // The not-found handler has no route config: it is public, and shows the same page to everyone.
      const access = request.routeOptions.config?.access ?? 'public';
      if (access === 'public') return;
      if (!request.user) {
        if (request.method === 'GET' || request.method === 'HEAD') {
          return reply.redirect(`/sign-in?returnTo=${encodeURIComponent(request.url)}`);
        }
        throw new ForbiddenError('Sign in to do this');
      }
      if (!can(request.user.roles, access)) throw new ForbiddenError('Your roles do not allow this page');
    });
  },
  { name: 'qaloop-access', dependencies: ['@fastify/session'] },
);
