import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { GOVUK_DIST, MOJ_DIR, ROOT } from './views.ts';

/** Where the assets are served from: none of these paths reads or writes a session. */
export const ASSET_PREFIXES: readonly string[] = ['/assets/', '/govuk/', '/moj/', '/public/'];

/**
 * Whether a request is for an asset. Its cookies are set aside before sessions are read (see
 * src/web/app.ts): a stylesheet or icon that was asked for before signing in and answered after it
 * must not set the old session's cookie again, signing the person out.
 */
export const isAssetRequest = (url: string) => ASSET_PREFIXES.some((prefix) => url.startsWith(prefix));

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
