import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import {
  type CohortFormPage,
  cohortListPage,
  cohortPage,
  editCohortPage,
  newCohortPage,
  submitCohortChange,
  submitNewCohort,
} from '../../../services/sampling/cohort-pages.ts';
import { archiveCohort, restoreCohort } from '../../../services/sampling/cohorts.ts';
import { anyForm, formText, id } from '../../forms.ts';
import { formView, sizeView } from './cohort-view.ts';

const cohortParams = z.object({ cohortId: id });
const copyQuery = z.object({ from: formText });

/**
 * Cohorts, for the QA lead: who could be audited, saved under a name, with its size and where its
 * children are on the latest case data before anything is drawn. Cohorts are archived, never
 * deleted. Everything works with plain form posts.
 */
const cohortRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const config = { access: 'sampling.manage' as const };

  app.get('/cohorts', { config }, async (request, reply) => {
    const page = await cohortListPage(db, request.person.councilId);
    return reply.render('pages/cohorts/list.njk', { pageTitle: 'Cohorts', ...page });
  });

  /** The form; refused (400) when it comes back with errors. */
  function renderForm(reply: FastifyReply, page: CohortFormPage) {
    if (page.errors) reply.code(400);
    return reply.render('pages/cohorts/form.njk', formView(page));
  }

  app.get('/cohorts/new', { config, schema: { querystring: copyQuery } }, async (request, reply) =>
    renderForm(reply, await newCohortPage(db, request.person.councilId, request.query.from)),
  );

  app.post('/cohorts/new', { config, schema: { body: anyForm } }, async (request, reply) => {
    const sent = await submitNewCohort(db, request.person, request.body);
    if ('page' in sent) return renderForm(reply, sent.page);
    request.session.flash = { kind: 'success', text: `The cohort “${sent.saved.name}” has been saved` };
    return reply.redirect(`/cohorts/${sent.saved.id}`);
  });

  app.get('/cohorts/:cohortId', { config, schema: { params: cohortParams } }, async (request, reply) => {
    const { cohort, scope, size } = await cohortPage(db, request.person.councilId, request.params.cohortId);
    return reply.render('pages/cohorts/cohort.njk', {
      pageTitle: cohort.name,
      cohort,
      scope,
      size: size && sizeView(size),
    });
  });

  app.get('/cohorts/:cohortId/edit', { config, schema: { params: cohortParams } }, async (request, reply) =>
    renderForm(reply, await editCohortPage(db, request.person.councilId, request.params.cohortId)),
  );

  app.post(
    '/cohorts/:cohortId/edit',
    { config, schema: { params: cohortParams, body: anyForm } },
    async (request, reply) => {
      const { cohortId } = request.params;
      const sent = await submitCohortChange(db, request.person.councilId, cohortId, request.body);
      if ('page' in sent) return renderForm(reply, sent.page);
      request.session.flash = { kind: 'success', text: 'The cohort has been saved' };
      return reply.redirect(`/cohorts/${sent.saved.id}`);
    },
  );

  app.post(
    '/cohorts/:cohortId/archive',
    { config, schema: { params: cohortParams } },
    async (request, reply) => {
      const name = await archiveCohort(db, request.person.councilId, request.params.cohortId);
      request.session.flash = {
        kind: 'success',
        text: `“${name}” has been archived. Samples drawn from it keep it.`,
      };
      return reply.redirect('/cohorts');
    },
  );

  app.post(
    '/cohorts/:cohortId/restore',
    { config, schema: { params: cohortParams } },
    async (request, reply) => {
      const { cohortId } = request.params;
      const name = await restoreCohort(db, request.person.councilId, cohortId);
      request.session.flash = { kind: 'success', text: `“${name}” is in use again` };
      return reply.redirect(`/cohorts/${cohortId}`);
    },
  );
};

export default cohortRoutes;
