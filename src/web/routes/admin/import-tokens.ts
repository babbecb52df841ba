import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../../data/db.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../../domain/validation.ts';
import {
  createImportToken,
  getImportToken,
  listImportTokens,
  revokeImportToken,
} from '../../../services/case-data/import-tokens.ts';

/**
 * Administrators make the tokens the data warehouse sends its weekly extract with, see when each
 * was last used, and revoke them. A new token is shown once; QA Loop keeps only its hash.
 */
export default async function adminImportTokenRoutes(app: FastifyInstance, { db }: { db: Db }) {
  const access = { access: 'importTokens.manage' as const };

  async function listPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: Record<string, unknown> } = {},
  ) {
    const user = request.user;
    if (!user) return reply.callNotFound();
    return reply.render('pages/admin/import-tokens.njk', {
      pageTitle: 'Import tokens',
      tokens: await listImportTokens(db, user.councilId),
      errors: extra.errors,
      values: extra.values ?? {},
    });
  }

  app.get('/admin/import-tokens', { config: access }, async (request, reply) => listPage(request, reply));

  app.post<{ Body: Record<string, unknown> }>(
    '/admin/import-tokens',
    { config: access },
    async (request, reply) => {
      const user = request.user;
      if (!user) return reply.callNotFound();
      const name = request.body?.name;
      try {
        const made = await createImportToken(db, user.councilId, { name }, user.staffId);
        // Shown on this answer and never again: a reload asks before sending the form again.
        reply.code(201);
        return reply.render('pages/admin/import-token-created.njk', {
          pageTitle: 'Import token made',
          made,
          endpoint: `${request.protocol}://${request.host}/api/imports`,
        });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return listPage(request, reply, { errors: err.errors, values: { name } });
      }
    },
  );

  app.get<{ Params: { tokenId: string } }>(
    '/admin/import-tokens/:tokenId/revoke',
    { config: access },
    async (request, reply) => {
      const user = request.user;
      if (!user) return reply.callNotFound();
      const token = await getImportToken(db, user.councilId, request.params.tokenId);
      if (!token) return reply.callNotFound();
      return reply.render('pages/admin/import-token-revoke.njk', {
        pageTitle: `Revoke ${token.name}`,
        token,
      });
    },
  );

  app.post<{ Params: { tokenId: string } }>(
    '/admin/import-tokens/:tokenId/revoke',
    { config: access },
    async (request, reply) => {
      const user = request.user;
      if (!user) return reply.callNotFound();
      const token = await getImportToken(db, user.councilId, request.params.tokenId);
      if (!token) return reply.callNotFound();
      try {
        await revokeImportToken(db, user.councilId, token.id, user.staffId);
      } catch (err) {
        if (err instanceof NotFoundError) return reply.callNotFound();
        throw err;
      }
      request.session.flash = {
        kind: 'success',
        text: `The token “${token.name}” has been revoked: nothing sent with it will be accepted`,
      };
      return reply.redirect('/admin/import-tokens', 303);
    },
  );
}
