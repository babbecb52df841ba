import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyView from '@fastify/view';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import nunjucks from 'nunjucks';
import { CASE_STATUS_LABELS, type CaseStatus } from '../../domain/child-status.ts';
import { formatDate, formatDateTime } from '../../domain/dates.ts';
import { navigationMenu } from '../../domain/navigation.ts';
import { type Capability, can, type NavItem, ROLE_LABELS, type Role } from '../../domain/roles.ts';
import type { FieldError } from '../../domain/validation.ts';
import { evidenceRows, type OutcomeEvidence } from '../../metrics/plan-evidence.ts';
import { trimFilter } from './trim-filter.ts';

const require = createRequire(import.meta.url);
export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const GOVUK_DIST = join(dirname(require.resolve('govuk-frontend/package.json')), 'dist');
export const MOJ_DIR = dirname(require.resolve('@ministryofjustice/frontend/package.json'));

declare module 'fastify' {
  interface FastifyReply {
    /** Renders a page with the layout's context: the person, their navigation, CSRF token, messages. */
    render(template: string, data?: Record<string, unknown>): Promise<FastifyReply>;
  }
}

export interface PageContext {
  errors?: FieldError[];
  [key: string]: unknown;
}

/** GOV.UK error summary items from field errors: each links to its field. */
export function errorSummary(errors: FieldError[] | undefined) {
  return (errors ?? []).map((e) => ({ text: e.message, href: e.href ?? `#${e.field}` }));
}

export default fp(
  async (app: FastifyInstance, opts: { demo: boolean }) => {
    await app.register(fastifyView, {
      engine: { nunjucks },
      templates: [join(ROOT, 'views'), GOVUK_DIST, MOJ_DIR],
      options: {
        autoescape: true,
        throwOnUndefined: false,
        noCache: process.env.NODE_ENV === 'development',
        onConfigure: (env: nunjucks.Environment) => {
          env.addFilter('trim', trimFilter);
          env.addFilter('date', (d: string | Date | null) => formatDate(d));
          env.addFilter('dateTime', (d: Date | null) => formatDateTime(d));
          env.addFilter('roleLabel', (r: Role) => ROLE_LABELS[r] ?? r);
          env.addFilter('statusLabel', (s: CaseStatus) => CASE_STATUS_LABELS[s] ?? s);
          env.addFilter('number', (n: number) => (typeof n === 'number' ? n.toLocaleString('en-GB') : n));
          env.addFilter('errorSummary', errorSummary);
          env.addFilter(
            'plural',
            (n: number, one: string, many: string) =>
              `${typeof n === 'number' ? n.toLocaleString('en-GB') : n} ${n === 1 ? one : many}`,
          );
          env.addFilter('errorFor', (errors: FieldError[] | undefined, field: string) => {
            const e = (errors ?? []).find((x) => x.field === field);
            return e ? { text: e.message } : undefined;
          });
          env.addFilter('planEvidenceRows', (e: OutcomeEvidence | undefined | null) =>
            e ? evidenceRows(e) : [],
          );
          env.addGlobal('serviceName', 'QA Loop');
        },
      },
    });

    app.decorateReply(
      'render',
      async function render(this: FastifyReply, template: string, data: PageContext = {}) {
        const request: FastifyRequest = this.request;
        const user = request.user;
        const session = request.session;
        let flash = session?.flash;
        if (flash) session.flash = undefined;
        const currentPath = request.url.split('?')[0];
        let values = data.values as Record<string, unknown> | undefined;
        // A form sent after the session timed out comes back with what was typed.
        const kept = session?.keptForm;
        if (kept && user && kept.path.split('?')[0] === currentPath && values) {
          values = { ...values, ...kept.fields };
          session.keptForm = undefined;
          flash = {
            kind: 'info',
            text: 'You were signed out before this was saved. We kept what you typed: check it and send it again.',
          };
        }
        // Signed-in pages carry the sign-out form; signed-out pages only need a token when they
        // have a form, so a visitor reading an error page leaves nothing in the database.
        const csrfToken = session && (user || data.hasForm) ? this.generateCsrf() : undefined;
        // the row of links, and the rest under "More" by area (src/domain/navigation.ts)
        const menu = user ? navigationMenu(user.roles) : { primary: [], more: [] };
        const link = (item: NavItem) => ({
          href: item.href,
          text: item.text,
          active: item.href === '/' ? currentPath === '/' : currentPath.startsWith(item.href),
        });
        const navigation = menu.primary.map(link);
        const navigationMore = menu.more.map((g) => ({ name: g.name, items: g.items.map(link) }));
        this.type('text/html; charset=utf-8');
        return this.view(template, {
          ...data,
          values,
          user,
          can: (capability: Capability) => (user ? can(user.roles, capability) : false),
          navigation,
          navigationMore,
          navigationMoreActive: navigationMore.some((g) => g.items.some((i) => i.active)),
          csrfToken,
          flash,
          currentPath,
          demo: opts.demo,
        });
      },
    );
  },
  { name: 'qaloop-views', dependencies: ['@fastify/csrf-protection'] },
);
