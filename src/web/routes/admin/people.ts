import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { ROLE_DESCRIPTIONS, ROLE_LABELS, ROLES } from '../../../domain/roles.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import {
  addPerson,
  changePerson,
  MIN_PASSWORD_LENGTH,
  newPersonChoices,
  type PersonChange,
  peoplePage,
  personPage,
} from '../../../services/organisation/people.ts';
import { anyForm, formFields, formList, formText, id } from '../../forms.ts';

const roleOptions = ROLES.map((role) => ({
  value: role,
  text: ROLE_LABELS[role],
  hint: ROLE_DESCRIPTIONS[role],
}));

const staffParams = z.object({ staffId: id });
const peopleQuery = z.object({ team: formText });
const rolesForm = formFields({ roles: formList });
const passwordForm = formFields({ password: formText });

/** The words that confirm each change, before "for" and the person's name. */
const DONE: Record<PersonChange['kind'], string> = {
  roles: 'Roles have been saved',
  password: 'A new password has been set',
  unlock: 'The account has been unlocked',
};

/** Administrators add people and give them roles. */
const adminPeopleRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const access = { access: 'people.manage' as const };

  app.get(
    '/admin/people',
    { config: access, schema: { querystring: peopleQuery } },
    async (request, reply) => {
      const page = await peoplePage(db, request.person.councilId, request.query.team);
      return reply.render('pages/admin/people.njk', {
        pageTitle: 'People',
        people: page.people,
        teams: page.teams,
        team: page.team,
      });
    },
  );

  async function newPersonPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: Record<string, unknown> } = {},
  ) {
    const choices = await newPersonChoices(db, request.person.councilId);
    return reply.render('pages/admin/person-new.njk', {
      pageTitle: 'Add a person',
      errors: extra.errors,
      values: extra.values ?? {},
      teams: choices.teams,
      managers: choices.managers,
      roleOptions,
      minPasswordLength: MIN_PASSWORD_LENGTH,
    });
  }

  app.get('/admin/people/new', { config: access }, async (request, reply) => newPersonPage(request, reply));

  app.post('/admin/people', { config: access, schema: { body: anyForm } }, async (request, reply) => {
    const { _csrf, ...values } = request.body;
    try {
      await addPerson(db, request.person.councilId, values);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      reply.code(400);
      return newPersonPage(request, reply, { errors: err.errors, values: { ...values, password: '' } });
    }
    request.session.flash = { kind: 'success', text: `${String(values.name).trim()} has been added` };
    return reply.redirect('/admin/people');
  });

  /** The person's page, with any errors and answers to show again. */
  async function renderPerson(
    request: FastifyRequest,
    reply: FastifyReply,
    staffId: string,
    extra: { errors?: FieldError[]; values?: Record<string, unknown> } = {},
  ) {
    const me = request.person;
    const { person, roleChanges } = await personPage(db, me.councilId, staffId);
    return reply.render('pages/admin/person.njk', {
      pageTitle: person.name,
      person,
      roleOptions,
      isSelf: person.staffId === me.staffId,
      roleChanges,
      minPasswordLength: MIN_PASSWORD_LENGTH,
      errors: extra.errors,
      values: { roles: person.roles, ...extra.values },
    });
  }

  app.get(
    '/admin/people/:staffId',
    { config: access, schema: { params: staffParams } },
    async (request, reply) => renderPerson(request, reply, request.params.staffId),
  );

  /** Makes a change to a person; validation errors are shown on their page, nothing changed. */
  async function change(
    request: FastifyRequest,
    reply: FastifyReply,
    staffId: string,
    what: PersonChange,
    values: Record<string, unknown> = {},
  ) {
    const me = request.person;
    try {
      const person = await changePerson(db, me.councilId, staffId, what, me.staffId);
      request.session.flash = { kind: 'success', text: `${DONE[what.kind]} for ${person.name}` };
      return reply.redirect(`/admin/people/${person.staffId}`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      reply.code(400);
      return renderPerson(request, reply, staffId, { errors: err.errors, values });
    }
  }

  app.post(
    '/admin/people/:staffId/roles',
    { config: access, schema: { params: staffParams, body: rolesForm } },
    async (request, reply) => {
      const { roles } = request.body;
      return change(request, reply, request.params.staffId, { kind: 'roles', roles }, { roles });
    },
  );

  app.post(
    '/admin/people/:staffId/password',
    { config: access, schema: { params: staffParams, body: passwordForm } },
    async (request, reply) =>
      change(request, reply, request.params.staffId, { kind: 'password', password: request.body.password }),
  );

  app.post(
    '/admin/people/:staffId/unlock',
    { config: access, schema: { params: staffParams } },
    async (request, reply) => change(request, reply, request.params.staffId, { kind: 'unlock' }),
  );
};

export default adminPeopleRoutes;
