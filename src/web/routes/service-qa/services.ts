import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import {
  addContributor,
  removeContributor,
  serviceContributors,
} from '../../../services/service-qa/contributors.ts';
import {
  getQaService,
  qaServicesPage,
  saveQaService,
  setQaServiceActive,
} from '../../../services/service-qa/qa-services.ts';
import { anyForm, formFields, formText, id } from '../../forms.ts';

const serviceParams = z.object({ sqServiceId: id });
const serviceForm = formFields({ name: formText, grades: formText });
const contributorForm = formFields({ name: formText, email: formText, jobTitle: formText });
const removeForm = formFields({ staffId: formText });

type Values = Record<string, string>;

/**
 * The services whose QA is collated, for the QA lead (serviceQa.manage): add one, rename it, say
 * whether it grades, retire or restore it; each service's contributors added and removed.
 */
const serviceQaServiceRoutes: FastifyPluginAsyncZod<{ db: Db; localPasswords?: boolean }> = async (
  app,
  { db, localPasswords = true },
) => {
  const access = { access: 'serviceQa.manage' as const };

  async function listPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: Values } = {},
  ) {
    const services = await qaServicesPage(db, request.person.councilId);
    return reply.render('pages/service-qa/services.njk', {
      pageTitle: 'Services and contributors',
      services,
      errors: extra.errors,
      values: extra.values ?? {},
    });
  }

  app.get('/service-qa/services', { config: access }, async (request, reply) => listPage(request, reply));

  app.post(
    '/service-qa/services',
    { config: access, schema: { body: serviceForm } },
    async (request, reply) => {
      const { name, grades } = request.body;
      try {
        const serviceId = await saveQaService(db, request.person.councilId, { name, grades });
        request.session.flash = {
          kind: 'success',
          text: `${name.trim()} has been added. Add its contributors below`,
        };
        return reply.redirect(`/service-qa/services/${serviceId}`, 303);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return listPage(request, reply, { errors: err.errors, values: { name, grades } });
      }
    },
  );

  async function servicePage(
    request: FastifyRequest,
    reply: FastifyReply,
    serviceId: string,
    extra: { errors?: FieldError[]; values?: Values; contributor?: Values } = {},
  ) {
    const { councilId } = request.person;
    const service = await getQaService(db, councilId, serviceId);
    const contributors = await serviceContributors(db, councilId, serviceId);
    return reply.render('pages/service-qa/service.njk', {
      pageTitle: service.name,
      service,
      contributors,
      localPasswords,
      errors: extra.errors,
      values: extra.values ?? { name: service.name, grades: service.grades ? 'yes' : 'no' },
      contributor: extra.contributor ?? {},
    });
  }

  app.get(
    '/service-qa/services/:sqServiceId',
    { config: access, schema: { params: serviceParams } },
    async (request, reply) => servicePage(request, reply, request.params.sqServiceId),
  );

  app.post(
    '/service-qa/services/:sqServiceId',
    { config: access, schema: { params: serviceParams, body: serviceForm } },
    async (request, reply) => {
      const { sqServiceId } = request.params;
      const { name, grades } = request.body;
      try {
        await saveQaService(db, request.person.councilId, { name, grades }, sqServiceId);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return servicePage(request, reply, sqServiceId, { errors: err.errors, values: { name, grades } });
      }
      request.session.flash = { kind: 'success', text: 'The service has been saved' };
      return reply.redirect(`/service-qa/services/${sqServiceId}`, 303);
    },
  );

  for (const [path, active] of [
    ['retire', false],
    ['restore', true],
  ] as const) {
    app.post(
      `/service-qa/services/:sqServiceId/${path}`,
      { config: access, schema: { params: serviceParams, body: anyForm } },
      async (request, reply) => {
        const service = await setQaServiceActive(
          db,
          request.person.councilId,
          request.params.sqServiceId,
          active,
        );
        request.session.flash = {
          kind: 'success',
          text: active
            ? `${service.name} has been restored: its contributors can add QA activity again`
            : `${service.name} has been retired: its entries are kept, and it takes no new ones`,
        };
        return reply.redirect(`/service-qa/services/${service.id}`, 303);
      },
    );
  }

  app.post(
    '/service-qa/services/:sqServiceId/contributors',
    { config: access, schema: { params: serviceParams, body: contributorForm } },
    async (request, reply) => {
      const { sqServiceId } = request.params;
      const { name, email, jobTitle } = request.body;
      const me = request.person;
      try {
        const added = await addContributor(db, app.queue, {
          councilId: me.councilId,
          serviceId: sqServiceId,
          person: { name, email, jobTitle },
          addedBy: me.staffId,
          sendLink: localPasswords,
        });
        request.session.flash = {
          kind: 'success',
          text: added.created
            ? localPasswords
              ? `${added.name} has been added as a contributor and sent a link to sign in for the first time`
              : `${added.name} has been added as a contributor: they sign in with their council account`
            : `${added.name} is now a contributor for this service`,
        };
        return reply.redirect(`/service-qa/services/${sqServiceId}`, 303);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return servicePage(request, reply, sqServiceId, {
          errors: err.errors.map((e) => ({ ...e, field: `contributor-${e.field}` })),
          contributor: { name, email, jobTitle },
        });
      }
    },
  );

  app.post(
    '/service-qa/services/:sqServiceId/contributors/remove',
    { config: access, schema: { params: serviceParams, body: removeForm } },
    async (request, reply) => {
      const me = request.person;
      const { sqServiceId } = request.params;
      const removed = await removeContributor(db, app.queue, {
        councilId: me.councilId,
        serviceId: sqServiceId,
        staffId: z.uuid().safeParse(request.body.staffId).success
          ? request.body.staffId
          : '00000000-0000-0000-0000-000000000000',
        removedBy: me.staffId,
      });
      request.session.flash = {
        kind: 'success',
        text: `${removed.name} is no longer a contributor for this service. Their entries are kept`,
      };
      return reply.redirect(`/service-qa/services/${sqServiceId}`, 303);
    },
  );
};

export default serviceQaServiceRoutes;
