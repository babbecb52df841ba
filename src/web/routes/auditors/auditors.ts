import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { dateParts } from '../../../domain/date-input.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import {
  auditorsPage,
  auditorToEdit,
  saveAuditorSettings,
} from '../../../services/sampling/auditor-pages.ts';
import { type AuditorDetails, MAX_CAPACITY, readTrainedOn } from '../../../services/sampling/auditors.ts';
import { formFields, formText, id } from '../../forms.ts';

const staffParams = z.object({ staffId: id });
const settingsForm = formFields({
  'trainedOn-day': formText,
  'trainedOn-month': formText,
  'trainedOn-year': formText,
  capacity: formText,
});

/**
 * The QA lead's list of auditors: trained when, how many audits a month they can take, what they
 * have this cycle, and whether they may do dip samples; and the form to record training and capacity.
 */
const auditorRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const manage = { access: 'sampling.manage' as const };

  app.get('/auditors', { config: manage }, async (request, reply) => {
    const page = await auditorsPage(db, request.person.councilId, app.today());
    return reply.render('pages/auditors/list.njk', { pageTitle: 'Auditors', ...page });
  });

  const renderEdit = (
    reply: FastifyReply,
    auditor: AuditorDetails,
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) => {
    const values = extra.values ?? {
      ...Object.fromEntries(
        Object.entries(dateParts(auditor.trainedOn)).map(([k, v]) => [`trainedOn-${k}`, v]),
      ),
      capacity: String(auditor.capacity),
    };
    const dateError = extra.errors?.find((e) => e.field.startsWith('trainedOn-'));
    // the parts of the date to highlight: the ones missing, or all of them when the date is wrong
    const read = dateError ? readTrainedOn(values, app.today()) : undefined;
    const badParts = read && !read.ok ? read.parts : [];
    return reply.render('pages/auditors/edit.njk', {
      pageTitle: `Training and capacity: ${auditor.name}`,
      auditor,
      values,
      errors: extra.errors,
      dateError: dateError ? { text: dateError.message } : undefined,
      badParts,
      maxCapacity: MAX_CAPACITY,
    });
  };

  app.get('/auditors/:staffId', { config: manage, schema: { params: staffParams } }, async (request, reply) =>
    renderEdit(reply, await auditorToEdit(db, request.person.councilId, request.params.staffId)),
  );

  app.post(
    '/auditors/:staffId',
    { config: manage, schema: { params: staffParams, body: settingsForm } },
    async (request, reply) => {
      const { councilId } = request.person;
      const { staffId } = request.params;
      const values = {
        'trainedOn-day': request.body['trainedOn-day'],
        'trainedOn-month': request.body['trainedOn-month'],
        'trainedOn-year': request.body['trainedOn-year'],
        capacity: request.body.capacity,
      };
      try {
        const saved = await saveAuditorSettings(db, councilId, staffId, values, app.today());
        request.session.flash = {
          kind: 'success',
          text: `${saved.name ?? 'The auditor'}’s training and capacity have been saved${saved.trainedOn ? '' : ': not trained, so they will not be allocated audits'}`,
        };
        return reply.redirect('/auditors');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const auditor = await auditorToEdit(db, councilId, staffId);
        reply.code(400);
        return renderEdit(reply, auditor, { errors: err.errors, values });
      }
    },
  );
};

export default auditorRoutes;
