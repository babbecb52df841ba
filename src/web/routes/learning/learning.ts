import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { dateParts } from '../../../domain/date-input.ts';
import { can } from '../../../domain/roles.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../../domain/validation.ts';
import {
  badDateParts,
  createLearningSession,
  deleteLearningSession,
  getLearningSession,
  LEARNING_FORMATS,
  type LearningSession,
  type LearningSessionInput,
  listLearningSessions,
  MAX_ATTENDED,
  MAX_NOTES,
  MAX_TITLE,
  updateLearningSession,
} from '../../../services/learning/learning-sessions.ts';
import { listPracticeThemes } from '../../../services/programme/practice-themes.ts';

const sessionParam = z.object({ sessionId: z.uuid() });

const FIELDS = ['title', 'heldOn-day', 'heldOn-month', 'heldOn-year', 'format', 'attended', 'notes'] as const;

type FormValues = Record<(typeof FIELDS)[number], string> & { themes: string[] };

/** What was sent, as text, to fill the form in again when it is refused. */
function formValues(body: Record<string, unknown> | undefined): FormValues {
  const b = body ?? {};
  const text = Object.fromEntries(
    FIELDS.map((k) => [k, typeof b[k] === 'string' ? (b[k] as string) : '']),
  ) as Record<(typeof FIELDS)[number], string>;
  const themes = b.themes;
  return {
    ...text,
    themes: Array.isArray(themes)
      ? themes.filter((t): t is string => typeof t === 'string')
      : typeof themes === 'string' && themes !== ''
        ? [themes]
        : [],
  };
}

function sessionValues(session: LearningSession): FormValues {
  const date = dateParts(session.heldOn);
  return {
    title: session.title,
    'heldOn-day': date.day,
    'heldOn-month': date.month,
    'heldOn-year': date.year,
    format: session.format,
    attended: String(session.attended),
    notes: session.notes,
    themes: session.themes.map((t) => t.key),
  };
}

/**
 * Learning sessions run on practice themes (domain.md §1 "closing the loop"): workforce
 * development and QA record them; senior leaders read them. No child-level data.
 */
export default async function learningRoutes(app: FastifyInstance, { db }: { db: Db }) {
  const manage = { access: 'learning.manage' as const };
  const councilOf = (request: FastifyRequest) => request.user?.councilId as string;

  app.get('/learning', { config: { access: 'learning.read' } }, async (request, reply) => {
    const user = request.user;
    if (!user) return reply.callNotFound();
    const sessions = await listLearningSessions(db, user.councilId);
    return reply.render('pages/learning/index.njk', {
      pageTitle: 'Learning sessions',
      sessions,
      attendedTotal: sessions.reduce((n, s) => n + s.attended, 0),
      canManage: can(user.roles, 'learning.manage'),
    });
  });

  async function formPage(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { session?: LearningSession; values: FormValues; errors?: FieldError[] },
  ) {
    const { session, values, errors } = options;
    const themes = await listPracticeThemes(db, councilOf(request), { includeRetired: true });
    // themes in use, and any retired theme the session is already on
    const offered = themes.filter((t) => t.active || session?.themes.some((s) => s.key === t.key));
    const dateError = errors?.find((e) => e.field.startsWith('heldOn-'));
    return reply.render('pages/learning/form.njk', {
      pageTitle: session ? `Change ${session.title}` : 'Record a learning session',
      session,
      values,
      errors,
      dateError: dateError ? { text: dateError.message } : undefined,
      badParts: dateError ? badDateParts(values as LearningSessionInput, app.today()) : [],
      formatItems: LEARNING_FORMATS.map((f) => ({
        value: f.value,
        text: f.label,
        checked: values.format === f.value,
      })),
      themeItems: offered.map((t) => ({
        value: t.key,
        text: t.active ? t.name : `${t.name} (retired)`,
        checked: values.themes.includes(t.key),
      })),
      maxTitle: MAX_TITLE,
      maxNotes: MAX_NOTES,
      maxAttended: MAX_ATTENDED,
    });
  }

  const emptyValues = (): FormValues => formValues({});

  app.get('/learning/new', { config: manage }, async (request, reply) =>
    formPage(request, reply, { values: emptyValues() }),
  );

  app.post<{ Body: Record<string, unknown> }>('/learning/new', { config: manage }, async (request, reply) => {
    const values = formValues(request.body);
    try {
      await createLearningSession(
        db,
        councilOf(request),
        request.user?.staffId ?? null,
        values as LearningSessionInput,
        app.today(),
      );
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      reply.code(400);
      return formPage(request, reply, { values, errors: err.errors });
    }
    request.session.flash = { kind: 'success', text: `“${values.title.trim()}” has been recorded` };
    return reply.redirect('/learning');
  });

  async function findSession(request: FastifyRequest) {
    const params = sessionParam.safeParse(request.params);
    if (!params.success) return undefined;
    return getLearningSession(db, councilOf(request), params.data.sessionId);
  }

  app.get('/learning/:sessionId/edit', { config: manage }, async (request, reply) => {
    const session = await findSession(request);
    if (!session) return reply.callNotFound();
    return formPage(request, reply, { session, values: sessionValues(session) });
  });

  app.post<{ Body: Record<string, unknown> }>(
    '/learning/:sessionId/edit',
    { config: manage },
    async (request, reply) => {
      const session = await findSession(request);
      if (!session) return reply.callNotFound();
      const values = formValues(request.body);
      try {
        await updateLearningSession(
          db,
          councilOf(request),
          session.id,
          values as LearningSessionInput,
          app.today(),
        );
      } catch (err) {
        if (err instanceof NotFoundError) return reply.callNotFound();
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return formPage(request, reply, { session, values, errors: err.errors });
      }
      request.session.flash = { kind: 'success', text: 'The learning session has been saved' };
      return reply.redirect('/learning');
    },
  );

  app.get('/learning/:sessionId/delete', { config: manage }, async (request, reply) => {
    const session = await findSession(request);
    if (!session) return reply.callNotFound();
    return reply.render('pages/learning/delete.njk', {
      pageTitle: `Delete ${session.title}`,
      session,
    });
  });

  app.post('/learning/:sessionId/delete', { config: manage }, async (request, reply) => {
    const session = await findSession(request);
    if (!session) return reply.callNotFound();
    try {
      await deleteLearningSession(db, councilOf(request), session.id);
    } catch (err) {
      if (err instanceof NotFoundError) return reply.callNotFound();
      throw err;
    }
    request.session.flash = { kind: 'success', text: `“${session.title}” has been deleted` };
    return reply.redirect('/learning');
  });
}
