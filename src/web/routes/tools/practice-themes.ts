import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { can } from '../../../domain/roles.ts';
import { quarterOf } from '../../../domain/service-qa.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { serviceThemeCounts } from '../../../metrics/service-qa-themes.ts';
import {
  listPracticeThemes,
  savePracticeTheme,
  setPracticeThemeActive,
} from '../../../services/programme/practice-themes.ts';
import { practiceThemeToChange } from '../../../services/programme/tool-pages.ts';
import { formFields, formText, id } from '../../forms.ts';

const themeParams = z.object({ themeId: id });
const themeForm = formFields({ name: formText, description: formText });
const activeForm = formFields({ active: formText });

/** The practice-theme taxonomy: everyone reads it; the QA lead adds, renames and retires themes. */
const practiceThemeRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const manage = { access: 'programme.manage' as const };

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: object } = {},
  ) {
    const me = request.person;
    const canManage = can(me.roles, 'programme.manage');
    return reply.render('pages/tools/practice-themes.njk', {
      pageTitle: 'Practice themes',
      themes: await listPracticeThemes(db, me.councilId, { includeRetired: canManage }),
      // another source beside the themes: how many other services' QA found each this quarter
      otherServices: await serviceThemeCounts(db, me.councilId, quarterOf(app.today())),
      canCollate: can(me.roles, 'serviceQa.collation'),
      canManage,
      errors: extra.errors,
      values: extra.values ?? {},
    });
  }

  app.get('/practice-themes', { config: { access: 'programme.read' } }, async (request, reply) =>
    page(request, reply),
  );

  app.post('/practice-themes', { config: manage, schema: { body: themeForm } }, async (request, reply) => {
    const input = { name: request.body.name, description: request.body.description };
    try {
      await savePracticeTheme(db, request.person.councilId, input);
      request.session.flash = { kind: 'success', text: `“${input.name.trim()}” has been added` };
      return reply.redirect('/practice-themes');
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      reply.code(400);
      return page(request, reply, { errors: err.errors, values: input });
    }
  });

  async function editPage(
    request: FastifyRequest,
    reply: FastifyReply,
    themeId: string,
    extra: { errors?: FieldError[]; values?: object } = {},
  ) {
    const theme = await practiceThemeToChange(db, request.person.councilId, themeId);
    return reply.render('pages/tools/practice-theme.njk', {
      pageTitle: `Change ${theme.name}`,
      theme,
      errors: extra.errors,
      values: extra.values ?? { name: theme.name, description: theme.description },
    });
  }

  app.get(
    '/practice-themes/:themeId',
    { config: manage, schema: { params: themeParams } },
    async (request, reply) => editPage(request, reply, request.params.themeId),
  );

  app.post(
    '/practice-themes/:themeId',
    { config: manage, schema: { params: themeParams, body: themeForm } },
    async (request, reply) => {
      const { themeId } = request.params;
      const input = { name: request.body.name, description: request.body.description };
      try {
        await savePracticeTheme(db, request.person.councilId, input, themeId);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return editPage(request, reply, themeId, { errors: err.errors, values: input });
      }
      request.session.flash = { kind: 'success', text: 'The practice theme has been saved' };
      return reply.redirect('/practice-themes');
    },
  );

  app.post(
    '/practice-themes/:themeId/active',
    { config: manage, schema: { params: themeParams, body: activeForm } },
    async (request, reply) => {
      const active = request.body.active === 'yes';
      await setPracticeThemeActive(db, request.person.councilId, request.params.themeId, active);
      request.session.flash = {
        kind: 'success',
        text: active ? 'The theme is back in use' : 'The theme has been retired',
      };
      return reply.redirect('/practice-themes');
    },
  );
};

export default practiceThemeRoutes;
