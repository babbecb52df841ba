import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { addMonths } from '../../../domain/dates.ts';
import { can } from '../../../domain/roles.ts';
import { quarterOf } from '../../../domain/service-qa.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { findingsThemeCounts } from '../../../metrics/findings.ts';
import { serviceThemeCounts } from '../../../metrics/service-qa-themes.ts';
import {
  createLearningSession,
  deleteLearningSession,
  type LearningSession,
  learningFormThemes,
  listLearningSessions,
  requireLearningSession,
  updateLearningSession,
} from '../../../services/learning/learning-sessions.ts';
import { formFields, formList, formText, id } from '../../forms.ts';
import { emptyValues, type FormValues, formValues, formView, sessionValues } from './learning-view.ts';

const sessionParams = z.object({ sessionId: id });

const sessionForm = formFields({
  title: formText,
  'heldOn-day': formText,
  'heldOn-month': formText,
  'heldOn-year': formText,
  format: formText,
  attended: formText,
  notes: formText,
  themes: formList,
});

/**
 * Learning sessions run on practice themes (domain.md §1 "closing the loop"): workforce
 * development and QA record them; senior leaders read them. No child-level data.
 */
const learningRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const manage = { access: 'learning.manage' as const };

  app.get('/learning', { config: { access: 'learning.read' } }, async (request, reply) => {
    const me = request.person;
    const sessions = await listLearningSessions(db, me.councilId);
    return reply.render('pages/learning/index.njk', {
      pageTitle: 'Learning sessions',
      sessions,
      attendedTotal: sessions.reduce((n, s) => n + s.attended, 0),
      canManage: can(me.roles, 'learning.manage'),
      // another source: the themes other services' QA found this quarter, to plan learning against
      otherServices: await serviceThemeCounts(db, me.councilId, quarterOf(app.today())),
      otherServicesLearning: [...new Set(sessions.flatMap((s) => s.themes.map((t) => t.key)))],
      findingsThemes: await findingsThemeCounts(db, me.councilId, addMonths(app.today(), -11), app.today()),
      canCollate: can(me.roles, 'serviceQa.collation'),
    });
  });

  async function formPage(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { session?: LearningSession; values: FormValues; errors?: FieldError[] },
  ) {
    const themes = await learningFormThemes(db, request.person.councilId, options.session);
    return reply.render('pages/learning/form.njk', formView({ ...options, themes, today: app.today() }));
  }

  app.get('/learning/new', { config: manage }, async (request, reply) =>
    formPage(request, reply, { values: emptyValues() }),
  );

  app.post('/learning/new', { config: manage, schema: { body: sessionForm } }, async (request, reply) => {
    const me = request.person;
    const values = formValues(request.body);
    try {
      await createLearningSession(db, me.councilId, me.staffId, values, app.today());
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      reply.code(400);
      return formPage(request, reply, { values, errors: err.errors });
    }
    request.session.flash = { kind: 'success', text: `“${values.title.trim()}” has been recorded` };
    return reply.redirect('/learning');
  });

  app.get(
    '/learning/:sessionId/edit',
    { config: manage, schema: { params: sessionParams } },
    async (request, reply) => {
      const session = await requireLearningSession(db, request.person.councilId, request.params.sessionId);
      return formPage(request, reply, { session, values: sessionValues(session) });
    },
  );

  app.post(
    '/learning/:sessionId/edit',
    { config: manage, schema: { params: sessionParams, body: sessionForm } },
    async (request, reply) => {
      const { councilId } = request.person;
      const { sessionId } = request.params;
      const values = formValues(request.body);
      try {
        await updateLearningSession(db, councilId, sessionId, values, app.today());
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        const session = await requireLearningSession(db, councilId, sessionId);
        return formPage(request, reply, { session, values, errors: err.errors });
      }
      request.session.flash = { kind: 'success', text: 'The learning session has been saved' };
      return reply.redirect('/learning');
    },
  );

  app.get(
    '/learning/:sessionId/delete',
    { config: manage, schema: { params: sessionParams } },
    async (request, reply) => {
      const session = await requireLearningSession(db, request.person.councilId, request.params.sessionId);
      return reply.render('pages/learning/delete.njk', {
        pageTitle: `Delete ${session.title}`,
        session,
      });
    },
  );

  app.post(
    '/learning/:sessionId/delete',
    { config: manage, schema: { params: sessionParams } },
    async (request, reply) => {
      const deleted = await deleteLearningSession(db, request.person.councilId, request.params.sessionId);
      request.session.flash = { kind: 'success', text: `“${deleted.title}” has been deleted` };
      return reply.redirect('/learning');
    },
  );
};

export default learningRoutes;
