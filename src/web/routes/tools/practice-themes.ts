import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { can } from '../../../domain/roles.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../../domain/validation.ts';
import {
  listPracticeThemes,
  savePracticeTheme,
  setPracticeThemeActive,
} from '../../../services/programme/practice-themes.ts';

const themeParam = z.object({ themeId: z.uuid() });

/** The practice-theme taxonomy: everyone reads it; the QA lead adds, renames and retires themes. */
export default async function practiceThemeRoutes(app: FastifyInstance, { db }: { db: Db }) {
  const manage = { access: 'programme.manage' as const };

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: object } = {},
  ) {
    const user = request.user;
    if (!user) return reply.callNotFound();
    const canManage = can(user.roles, 'programme.manage');
    return reply.render('pages/practice-themes.njk', {
      pageTitle: 'Practice themes',
      themes: await listPracticeThemes(db, user.councilId, { includeRetired: canManage }),
      canManage,
      errors: extra.errors,
      values: extra.values ?? {},
    });
  }

  app.get('/practice-themes', { config: { access: 'signedIn' } }, async (request, reply) =>
    page(request, reply),
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/practice-themes',
    { config: manage },
    async (request, reply) => {
      const input = { name: request.body?.name, description: request.body?.description };
      try {
        await savePracticeTheme(db, request.user?.councilId as string, input);
        request.session.flash = { kind: 'success', text: `“${String(input.name).trim()}” has been added` };
        return reply.redirect('/practice-themes');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return page(request, reply, { errors: err.errors, values: input });
      }
    },
  );

  async function editPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: object } = {},
  ) {
    const params = themeParam.safeParse(request.params);
    if (!params.success) return reply.callNotFound();
    const themes = await listPracticeThemes(db, request.user?.councilId as string, { includeRetired: true });
    const theme = themes.find((t) => t.id === params.data.themeId);
    if (!theme) return reply.callNotFound();
    return reply.render('pages/practice-theme.njk', {
      pageTitle: `Change ${theme.name}`,
      theme,
      errors: extra.errors,
      values: extra.values ?? { name: theme.name, description: theme.description },
    });
  }

  app.get('/practice-themes/:themeId', { config: manage }, async (request, reply) =>
    editPage(request, reply),
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/practice-themes/:themeId',
    { config: manage },
    async (request, reply) => {
      const params = themeParam.safeParse(request.params);
      if (!params.success) return reply.callNotFound();
      const input = { name: request.body?.name, description: request.body?.description };
      try {
        await savePracticeTheme(db, request.user?.councilId as string, input, params.data.themeId);
      } catch (err) {
        if (err instanceof NotFoundError) return reply.callNotFound();
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return editPage(request, reply, { errors: err.errors, values: input });
      }
      request.session.flash = { kind: 'success', text: 'The practice theme has been saved' };
      return reply.redirect('/practice-themes');
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/practice-themes/:themeId/active',
    { config: manage },
    async (request, reply) => {
      const params = themeParam.safeParse(request.params);
      if (!params.success) return reply.callNotFound();
      const active = request.body?.active === 'yes';
      try {
        await setPracticeThemeActive(db, request.user?.councilId as string, params.data.themeId, active);
      } catch (err) {
        if (err instanceof NotFoundError) return reply.callNotFound();
        throw err;
      }
      request.session.flash = {
        kind: 'success',
        text: active ? 'The theme is back in use' : 'The theme has been retired',
      };
      return reply.redirect('/practice-themes');
    },
  );
}
