import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import type { FieldError } from '../../../domain/validation.ts';
import {
  createEntry,
  deleteEntry,
  type EntryChoices,
  type EntryFormValues,
  EntryValidationError,
  editChoices,
  entriesPage,
  entryChoices,
  entryFormValues,
  getEntry,
  standardGrades,
  updateEntry,
} from '../../../services/service-qa/entries.ts';
import { anyForm, formText, id } from '../../forms.ts';

const entryParams = z.object({ sqEntryId: id });
const listQuery = z.object({ service: formText, quarter: formText });

/** The entry form's choices as the page shows them. */
function formView(choices: EntryChoices, values: EntryFormValues) {
  const serviceId = typeof values.serviceId === 'string' ? values.serviceId : '';
  const chosen = choices.services.find((s) => s.id === serviceId);
  return {
    scope: choices.scope,
    services: choices.services,
    serviceItems: [
      { value: '', text: 'Choose a service' },
      ...choices.services.map((s) => ({ value: s.id, text: s.name, selected: s.id === serviceId })),
    ],
    gradingServices: choices.services.filter((s) => s.grades).map((s) => s.name),
    showGrades: choices.scope.kind === 'all' ? choices.services.some((s) => s.grades) : !!chosen?.grades,
    themeItems: choices.themes.map((t) => ({
      value: t.key,
      text: t.name,
      checked: Array.isArray(values.themes) && values.themes.includes(t.key),
    })),
    grades: choices.grades,
    values,
  };
}

/**
 * QA from elsewhere: a service's contributor lists and adds their own service's entries, changes
 * and deletes them; the QA lead sees every service's (capability serviceQa.contribute; which
 * entries, in src/services/service-qa/access.ts).
 */
const serviceQaEntryRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const access = { access: 'serviceQa.contribute' as const };

  app.get('/service-qa', { config: access, schema: { querystring: listQuery } }, async (request, reply) => {
    const page = await entriesPage(db, request.person, request.query, app.today());
    return reply.render('pages/service-qa/index.njk', {
      pageTitle: 'QA from elsewhere',
      ...page,
      quarterItems: page.quarters.map((q) => ({
        value: q.start,
        text: `${q.label} (${q.months})`,
        selected: q.start === page.quarter.start,
      })),
      serviceItems: [
        { value: '', text: 'All services' },
        ...page.services.map((s) => ({
          value: s.id,
          text: s.active ? s.name : `${s.name} (retired)`,
          selected: s.id === page.serviceId,
        })),
      ],
    });
  });

  async function newPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: EntryFormValues } = {},
  ) {
    const choices = await entryChoices(db, request.person);
    return reply.render('pages/service-qa/entry-form.njk', {
      pageTitle: 'Add QA activity',
      title: 'Add QA activity',
      action: '/service-qa/entries',
      errors: extra.errors,
      ...formView(choices, extra.values ?? {}),
    });
  }

  app.get('/service-qa/entries/new', { config: access }, async (request, reply) => newPage(request, reply));

  app.post('/service-qa/entries', { config: access, schema: { body: anyForm } }, async (request, reply) => {
    try {
      const saved = await createEntry(db, request.person, request.body, app.today());
      request.session.flash = {
        kind: 'success',
        text: `The QA activity has been added to ${saved.quarter.label}`,
      };
      return reply.redirect(`/service-qa?quarter=${saved.quarter.start}`, 303);
    } catch (err) {
      if (!(err instanceof EntryValidationError)) throw err;
      reply.code(400);
      return newPage(request, reply, { errors: err.errors, values: err.values });
    }
  });

  app.get(
    '/service-qa/entries/:sqEntryId',
    { config: access, schema: { params: entryParams } },
    async (request, reply) => {
      const entry = await getEntry(db, request.person, request.params.sqEntryId);
      return reply.render('pages/service-qa/entry.njk', {
        pageTitle: `${entry.serviceName}: ${entry.reviewed}`,
        entry,
        grades: entry.grades ? await standardGrades(db, request.person.councilId) : [],
      });
    },
  );

  async function editPage(
    request: FastifyRequest,
    reply: FastifyReply,
    entryId: string,
    extra: { errors?: FieldError[]; values?: EntryFormValues } = {},
  ) {
    const entry = await getEntry(db, request.person, entryId);
    const choices = await editChoices(db, request.person, entry);
    return reply.render('pages/service-qa/entry-form.njk', {
      pageTitle: 'Change QA activity',
      title: 'Change QA activity',
      action: `/service-qa/entries/${entry.id}`,
      entry,
      errors: extra.errors,
      ...formView(choices, extra.values ?? entryFormValues(entry, choices.grades)),
    });
  }

  app.get(
    '/service-qa/entries/:sqEntryId/edit',
    { config: access, schema: { params: entryParams } },
    async (request, reply) => editPage(request, reply, request.params.sqEntryId),
  );

  app.post(
    '/service-qa/entries/:sqEntryId',
    { config: access, schema: { params: entryParams, body: anyForm } },
    async (request, reply) => {
      try {
        const saved = await updateEntry(
          db,
          request.person,
          request.params.sqEntryId,
          request.body,
          app.today(),
        );
        request.session.flash = { kind: 'success', text: 'The QA activity has been saved' };
        return reply.redirect(`/service-qa/entries/${saved.id}`, 303);
      } catch (err) {
        if (!(err instanceof EntryValidationError)) throw err;
        reply.code(400);
        return editPage(request, reply, request.params.sqEntryId, { errors: err.errors, values: err.values });
      }
    },
  );

  app.post(
    '/service-qa/entries/:sqEntryId/delete',
    { config: access, schema: { params: entryParams, body: anyForm } },
    async (request, reply) => {
      const entry = await deleteEntry(db, request.person, request.params.sqEntryId);
      request.session.flash = {
        kind: 'success',
        text: `The QA activity “${entry.reviewed}” of ${entry.serviceName} has been deleted`,
      };
      return reply.redirect(`/service-qa?quarter=${entry.quarter.start}`, 303);
    },
  );
};

export default serviceQaEntryRoutes;
