import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { GOVUK_DIST } from './views.ts';

/**
 * The one inline script QA Loop serves is GOV.UK Frontend's template line that marks the page as
 * JavaScript-enabled. Rather than allowing inline scripts, the Content-Security-Policy allows exactly
 * that script by its SHA-256 hash, computed from the installed template.
 */
export function govukTemplateScriptHash(): string {
  const template = readFileSync(join(GOVUK_DIST, 'govuk', 'template.njk'), 'utf8');
  const match = template.match(/<script[^>]*>([^<]*)<\/script>/);
  if (!match) throw new Error('GOV.UK Frontend template has no inline script to hash');
  return `'sha256-${createHash('sha256').update(match[1]).digest('base64')}'`;
}

export default fp(
  async (app: FastifyInstance) => {
    await app.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", govukTemplateScriptHash()],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'self'"],
          objectSrc: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'same-origin' },
    });
    // Pages may hold personal data: never cache them.
    app.addHook('onSend', async (_request, reply, payload) => {
      const type = String(reply.getHeader('content-type') ?? '');
      if (type.startsWith('text/html') || type.startsWith('application/json')) {
        reply.header('cache-control', 'no-store');
      }
      return payload;
    });
  },
  { name: 'qaloop-security' },
);
