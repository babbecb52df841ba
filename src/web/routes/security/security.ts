import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { ROLE_LABELS } from '../../../domain/roles.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import {
  confirmRoleGrant,
  MAX_NOTE_LENGTH,
  pendingGrants,
  refuseRoleGrant,
  SECURITY_EVENT_KINDS,
  securityLog,
  withdrawRoleGrant,
} from '../../../services/organisation/role-grants.ts';
import { formFields, formText, id } from '../../forms.ts';

/** A kind or page that cannot be used is dropped: the whole log, from its first page. */
const logQuery = z.object({
  kind: z.string().max(50).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
});
const grantParams = z.object({ grantId: id });
const withdrawParams = z.object({ staffId: id, grantId: id });
const refuseForm = formFields({ note: formText });

function pagination(page: number, pages: number, kind: string | null) {
  if (pages <= 1) return undefined;
  const link = (p: number) =>
    `/security?${new URLSearchParams({ ...(kind ? { kind } : {}), page: String(p) })}`;
  const items: ({ number: number; href: string; current: boolean } | { ellipsis: true })[] = [];
  for (let p = 1; p <= pages; p++) {
    if (p === 1 || p === pages || Math.abs(p - page) <= 2)
      items.push({ number: p, href: link(p), current: p === page });
    else if (!('ellipsis' in (items[items.length - 1] ?? {}))) items.push({ ellipsis: true });
  }
  return {
    previous: page > 1 ? { href: link(page - 1) } : undefined,
    next: page < pages ? { href: link(page + 1) } : undefined,
    items,
  };
}

/**
 * The security log and the roles waiting for a QA lead to confirm (QA leads), and the administrator
 * withdrawing a role they asked for (from the person's page).
 */
const securityRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const access = { access: 'security.read' as const };

  async function renderSecurity(
    request: FastifyRequest,
    reply: FastifyReply,
    query: { kind?: string; page: number },
    errors?: FieldError[],
  ) {
    const me = request.person;
    const [grants, log] = await Promise.all([
      pendingGrants(db, me.councilId),
      securityLog(db, me.councilId, { kind: query.kind, page: query.page }),
    ]);
    return reply.render('pages/security/security.njk', {
      pageTitle: 'Security',
      grants: grants.map((g) => ({
        ...g,
        mayConfirm: g.staffId !== me.staffId && g.requestedById !== me.staffId,
        isMine: g.staffId === me.staffId,
      })),
      log,
      kinds: SECURITY_EVENT_KINDS,
      pagination: pagination(log.page, log.pages, log.kind),
      errors,
    });
  }

  app.get('/security', { config: access, schema: { querystring: logQuery } }, async (request, reply) =>
    renderSecurity(request, reply, request.query),
  );

  app.post(
    '/security/grants/:grantId/confirm',
    { config: access, schema: { params: grantParams } },
    async (request, reply) => {
      const me = request.person;
      try {
        const done = await confirmRoleGrant(db, me.councilId, request.params.grantId, me.staffId, app.queue);
        request.session.flash = {
          kind: 'success',
          text: `${done.name} now has the role ${ROLE_LABELS[done.role]}`,
        };
        return reply.redirect('/security');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return renderSecurity(request, reply, { page: 1 }, err.errors);
      }
    },
  );

  async function renderRefuse(
    request: FastifyRequest,
    reply: FastifyReply,
    grantId: string,
    extra: { errors?: FieldError[]; note?: string } = {},
  ) {
    const grant = (await pendingGrants(db, request.person.councilId)).find((g) => g.id === grantId);
    if (!grant) {
      request.session.flash = { kind: 'info', text: 'That role is no longer waiting for a QA lead' };
      return reply.redirect('/security');
    }
    return reply.render('pages/security/refuse.njk', {
      pageTitle: `Refuse ${grant.roleLabel} for ${grant.person}`,
      grant,
      maxNoteLength: MAX_NOTE_LENGTH,
      values: { note: extra.note ?? '' },
      errors: extra.errors,
    });
  }

  app.get(
    '/security/grants/:grantId/refuse',
    { config: access, schema: { params: grantParams } },
    async (request, reply) => renderRefuse(request, reply, request.params.grantId),
  );

  app.post(
    '/security/grants/:grantId/refuse',
    { config: access, schema: { params: grantParams, body: refuseForm } },
    async (request, reply) => {
      const me = request.person;
      const { note } = request.body;
      try {
        const done = await refuseRoleGrant(db, me.councilId, request.params.grantId, me.staffId, note);
        request.session.flash = {
          kind: 'success',
          text: `The role ${ROLE_LABELS[done.role]} has been refused for ${done.name}`,
        };
        return reply.redirect('/security');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return renderRefuse(request, reply, request.params.grantId, { errors: err.errors, note });
      }
    },
  );

  // The person who asked takes the request back (the Withdraw button on the person's page).
  app.post(
    '/admin/people/:staffId/grants/:grantId/withdraw',
    { config: { access: 'people.manage' }, schema: { params: withdrawParams } },
    async (request, reply) => {
      const me = request.person;
      const { staffId, grantId } = request.params;
      try {
        const done = await withdrawRoleGrant(db, me.councilId, grantId, me.staffId, staffId);
        request.session.flash = {
          kind: 'success',
          text: `Your request for the role ${ROLE_LABELS[done.role]} has been withdrawn`,
        };
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        request.session.flash = { kind: 'info', text: err.errors[0]?.message ?? 'Nothing was withdrawn' };
      }
      return reply.redirect(`/admin/people/${staffId}`);
    },
  );
};

export default securityRoutes;
