import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { GOVUK_DIST, MOJ_DIR, ROOT } from './views.ts';

/** GOV.UK Frontend, MOJ Frontend and QA Loop's own assets, served from the installed packages. */
export default async function assets(app: FastifyInstance) {
  // Every asset route is public.
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config ?? {}), access: 'public' };
  });
  const cache = { maxAge: '1d', immutable: false };
  await app.register(fastifyStatic, {
    root: join(GOVUK_DIST, 'govuk', 'assets'),
    prefix: '/assets/',
    ...cache,
  });
  await app.register(fastifyStatic, {
    root: join(GOVUK_DIST, 'govuk'),
    prefix: '/govuk/',
    allowedPath: (path) => /^\/govuk-frontend\.min\.(css|js)(\.map)?$/.test(path),
    decorateReply: false,
    ...cache,
  });
  await app.register(fastifyStatic, {
    root: join(MOJ_DIR, 'moj'),
    prefix: '/moj/',
    allowedPath: (path) =>
      /^\/moj-frontend\.min\.(css|js)(\.map)?$/.test(path) || path.startsWith('/assets/'),
    decorateReply: false,
    ...cache,
  });
  await app.register(fastifyStatic, {
    root: join(ROOT, 'public'),
    prefix: '/public/',
    decorateReply: false,
    ...cache,
  });
}
