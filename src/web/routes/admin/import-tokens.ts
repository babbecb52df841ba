import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import {
  createImportToken,
  getImportToken,
  listImportTokens,
  revokeImportToken,
} from '../../../services/case-data/import-tokens.ts';
import { formFields, formText, id } from '../../forms.ts';

const tokenParams = z.object({ tokenId: id });
const tokenForm = formFields({ name: formText });

/**
 * Administrators make the tokens the data warehouse sends its weekly extract with, see when each
 * was last used, and revoke them. A new token is shown once; QA Loop keeps only its hash.
 */
const adminImportTokenRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const access = { access: 'importTokens.manage' as const };

  async function listPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: Record<string, unknown> } = {},
  ) {
    return reply.render('pages/admin/import-tokens.njk', {
      pageTitle: 'Import tokens',
      tokens: await listImportTokens(db, request.person.councilId),
      errors: extra.errors,
      values: extra.values ?? {},
    });
  }

  app.get('/admin/import-tokens', { config: access }, async (request, reply) => listPage(request, reply));

  app.post(
    '/admin/import-tokens',
    { config: access, schema: { body: tokenForm } },
    async (request, reply) => {
      const { councilId, staffId } = request.person;
      const { name } = request.body;
      try {
        const made = await createImportToken(db, councilId, { name }, staffId);
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

  app.get(
    '/admin/import-tokens/:tokenId/revoke',
    { config: access, schema: { params: tokenParams } },
    async (request, reply) => {
      const token = await getImportToken(db, request.person.councilId, request.params.tokenId);
      if (!token) return reply.callNotFound();
      return reply.render('pages/admin/import-token-revoke.njk', {
        pageTitle: `Revoke ${token.name}`,
        token,
      });
    },
  );

  // Another council's token, or none, is not found (revokeImportToken's NotFoundError: the 404 page).
  app.post(
    '/admin/import-tokens/:tokenId/revoke',
    { config: access, schema: { params: tokenParams } },
    async (request, reply) => {
      const { councilId, staffId } = request.person;
      const token = await revokeImportToken(db, councilId, request.params.tokenId, staffId);
      request.session.flash = {
        kind: 'success',
        text: `The token “${token.name}” has been revoked: nothing sent with it will be accepted`,
      };
      return reply.redirect('/admin/import-tokens', 303);
    },
  );
};

export default adminImportTokenRoutes;
