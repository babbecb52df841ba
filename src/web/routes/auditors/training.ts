import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { dateParts } from '../../../domain/date-input.ts';
import { formatDate } from '../../../domain/dates.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import {
  attendeeChoices,
  deleteSession,
  getSession,
  readHeldOn,
  recordSession,
  SESSION_KINDS,
  type SessionInput,
  trainingRegisterPage,
  updateSession,
} from '../../../services/sampling/training.ts';
import { formFields, formList, formText, id } from '../../forms.ts';

const sessionParams = z.object({ trainingSessionId: id });
const sessionForm = formFields({
  'heldOn-day': formText,
  'heldOn-month': formText,
  'heldOn-year': formText,
  kind: formText,
  title: formText,
  trainer: formText,
  attendees: formList,
});

interface FormValues {
  'heldOn-day': string;
  'heldOn-month': string;
  'heldOn-year': string;
  kind: string;
  title: string;
  trainer: string;
  attendees: string[];
}

/**
 * The auditor training register: who is trained, awaiting training, not trained in time or due a
 * refresher; the audit training sessions held and who attended (which sets their trained date).
 * QA leads and workforce development (`training.manage`).
 */
const trainingRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const manage = { access: 'training.manage' as const };

  app.get('/auditors/training', { config: manage }, async (request, reply) => {
    const page = await trainingRegisterPage(db, request.person.councilId, app.today());
    return reply.render('pages/auditors/training.njk', { pageTitle: 'Auditor training', ...page });
  });

  const renderForm = async (
    reply: FastifyReply,
    councilId: string,
    options: { sessionId?: string; title?: string; values: FormValues; errors?: FieldError[] },
  ) => {
    const { values, errors } = options;
    const dateError = errors?.find((e) => e.field.startsWith('heldOn-'));
    const read = dateError ? readHeldOn(values, app.today()) : undefined;
    const badParts = read && !read.ok ? read.parts : [];
    const ticked = new Set(values.attendees);
    const teams = (await attendeeChoices(db, councilId, options.sessionId)).map((t) => ({
      team: t.team,
      people: t.people.map((p) => ({ ...p, checked: ticked.has(p.staffId) })),
    }));
    return reply.render('pages/auditors/training-session.njk', {
      pageTitle: options.sessionId
        ? `Change training session: ${options.title}`
        : 'Record a training session',
      sessionId: options.sessionId,
      sessionTitle: options.title,
      values,
      errors,
      dateError: dateError ? { text: dateError.message } : undefined,
      badParts,
      teams,
      ticked: values.attendees.length,
      kindItems: Object.entries(SESSION_KINDS).map(([value, text]) => ({
        value,
        text,
        checked: values.kind === value,
      })),
    });
  };

  const typed = (body: z.output<typeof sessionForm>): FormValues => ({
    'heldOn-day': body['heldOn-day'],
    'heldOn-month': body['heldOn-month'],
    'heldOn-year': body['heldOn-year'],
    kind: body.kind,
    title: body.title,
    trainer: body.trainer,
    attendees: body.attendees,
  });

  const flashSaved = (session: { flash?: unknown }, what: string, heldOn: FormValues, attendees: number) => {
    const date = readHeldOn(heldOn as SessionInput, app.today());
    session.flash = {
      kind: 'success',
      text: `${what}${date.ok && date.value ? ` (${formatDate(date.value)})` : ''}: ${attendees === 1 ? '1 person attended' : `${attendees} people attended`}. Their trained dates have been updated.`,
    };
  };

  app.get('/auditors/training/new', { config: manage }, async (request, reply) =>
    renderForm(reply, request.person.councilId, {
      values: {
        'heldOn-day': '',
        'heldOn-month': '',
        'heldOn-year': '',
        kind: '',
        title: '',
        trainer: '',
        attendees: [],
      },
    }),
  );

  app.post(
    '/auditors/training/new',
    { config: manage, schema: { body: sessionForm } },
    async (request, reply) => {
      const values = typed(request.body);
      const { councilId, staffId } = request.person;
      try {
        const saved = await recordSession(db, councilId, values, { recordedBy: staffId, today: app.today() });
        flashSaved(request.session, 'The training session has been recorded', values, saved.attendees);
        return reply.redirect('/auditors/training');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return renderForm(reply, councilId, { values, errors: err.errors });
      }
    },
  );

  app.get(
    '/auditors/training/:trainingSessionId',
    { config: manage, schema: { params: sessionParams } },
    async (request, reply) => {
      const { councilId } = request.person;
      const s = await getSession(db, councilId, request.params.trainingSessionId);
      const parts = dateParts(s.heldOn);
      return renderForm(reply, councilId, {
        sessionId: s.id,
        title: s.title,
        values: {
          'heldOn-day': parts.day,
          'heldOn-month': parts.month,
          'heldOn-year': parts.year,
          kind: s.kind,
          title: s.title,
          trainer: s.trainer ?? '',
          attendees: s.attendeeIds,
        },
      });
    },
  );

  app.post(
    '/auditors/training/:trainingSessionId',
    { config: manage, schema: { params: sessionParams, body: sessionForm } },
    async (request, reply) => {
      const values = typed(request.body);
      const { councilId } = request.person;
      const { trainingSessionId: sessionId } = request.params;
      try {
        const saved = await updateSession(db, councilId, sessionId, values, app.today());
        flashSaved(request.session, 'The training session has been changed', values, saved.attendees);
        return reply.redirect('/auditors/training');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const s = await getSession(db, councilId, sessionId);
        reply.code(400);
        return renderForm(reply, councilId, { sessionId, title: s.title, values, errors: err.errors });
      }
    },
  );

  app.get(
    '/auditors/training/:trainingSessionId/delete',
    { config: manage, schema: { params: sessionParams } },
    async (request, reply) => {
      const s = await getSession(db, request.person.councilId, request.params.trainingSessionId);
      return reply.render('pages/auditors/training-delete.njk', {
        pageTitle: `Delete ${s.title}?`,
        session: { ...s, attendees: s.attendeeIds.length },
      });
    },
  );

  app.post(
    '/auditors/training/:trainingSessionId/delete',
    { config: manage, schema: { params: sessionParams } },
    async (request, reply) => {
      const { councilId } = request.person;
      const s = await getSession(db, councilId, request.params.trainingSessionId);
      await deleteSession(db, councilId, s.id);
      request.session.flash = {
        kind: 'success',
        text: `The training session “${s.title}” has been deleted. The trained dates of those who attended have been updated.`,
      };
      return reply.redirect('/auditors/training');
    },
  );
};

export default trainingRoutes;
