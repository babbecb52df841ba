import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { inTransaction } from '../../../data/transaction.ts';
import { rolesSavedMessage } from '../../../domain/role-grants.ts';
import { ROLE_DESCRIPTIONS, ROLE_LABELS, ROLES, type Role } from '../../../domain/roles.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import {
  addPerson,
  changePerson,
  newPersonChoices,
  type PersonChange,
  peoplePage,
  personPage,
} from '../../../services/organisation/people.ts';
import { sendSignInLink } from '../../../services/organisation/sign-in-links.ts';
import { anyForm, formFields, formList, formText, id } from '../../forms.ts';

const roleOptions = ROLES.map((role) => ({
  value: role,
  text: ROLE_LABELS[role],
  hint: ROLE_DESCRIPTIONS[role],
}));

const staffParams = z.object({ staffId: id });
const peopleQuery = z.object({ team: formText });
const rolesForm = formFields({ roles: formList });
const disableForm = formFields({ reason: formText });

/** The words that confirm each change, before "for" and the person's name. */
const DONE: Record<PersonChange['kind'], string> = {
  roles: 'Roles have been saved',
  disable: 'The account has been disabled and every session ended',
  enable: 'The account has been enabled',
};

/** Administrators add people and give them roles. */
const adminPeopleRoutes: FastifyPluginAsyncZod<{ db: Db; localPasswords?: boolean }> = async (
  app,
  { db, localPasswords = true },
) => {
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
      localPasswords,
    });
  }

  app.get('/admin/people/new', { config: access }, async (request, reply) => newPersonPage(request, reply));

  app.post('/admin/people', { config: access, schema: { body: anyForm } }, async (request, reply) => {
    // only the form's own fields: a password sent with it is never taken
    const { name, email, jobTitle, teamId, lineManagerId, roles } = request.body;
    const values = { name, email, jobTitle, teamId, lineManagerId, roles } as Record<
      string,
      string | string[]
    >;
    const me = request.person;
    let pending: Role[] = [];
    try {
      // the person and their first-sign-in link, e-mailed to them, together or not at all
      pending = await inTransaction(db, async (trx) => {
        // roles that open children's records wait for a QA lead to confirm them
        const added = await addPerson(trx, me.councilId, values, {
          grant: { requestedBy: me.staffId, source: 'administrator', queue: app.queue },
        });
        if (localPasswords) {
          await sendSignInLink(trx, app.queue, {
            councilId: me.councilId,
            staffId: added.staffId,
            sentBy: me.staffId,
          });
        }
        return added.pending;
      });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      reply.code(400);
      return newPersonPage(request, reply, { errors: err.errors, values });
    }
    const who = String(name).trim();
    request.session.flash = {
      kind: 'success',
      text: localPasswords
        ? `${who} has been added and sent a link to sign in for the first time`
        : `${who} has been added: they sign in with their council account`,
    };
    if (pending.length)
      request.session.flash.text += `. Waiting for a QA lead to confirm: ${pending.map((r) => ROLE_LABELS[r]).join(', ')}`;
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
    const { person, roleChanges, pendingGrants } = await personPage(db, me.councilId, staffId);
    return reply.render('pages/admin/person.njk', {
      pageTitle: person.name,
      person,
      roleOptions,
      isSelf: person.staffId === me.staffId,
      roleChanges,
      pendingGrants,
      myStaffId: me.staffId,
      localPasswords,
      errors: extra.errors,
      // roles waiting for a QA lead stay ticked, so saving again does not withdraw them
      values: { roles: [...person.roles, ...pendingGrants.map((g) => g.role)], ...extra.values },
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
      const person = await changePerson(db, me.councilId, staffId, what, me.staffId, app.queue);
      request.session.flash = {
        kind: 'success',
        text: person.roles
          ? rolesSavedMessage(person.name, person.roles)
          : `${DONE[what.kind]} for ${person.name}`,
      };
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

  // A one-time link to the person's own email address; the administrator never sees it.
  app.post(
    '/admin/people/:staffId/sign-in-link',
    { config: access, schema: { params: staffParams } },
    async (request, reply) => {
      const me = request.person;
      if (!localPasswords) return reply.callNotFound();
      const { person } = await personPage(db, me.councilId, request.params.staffId);
      if (!person.hasAccount || !person.email || person.disabled) {
        reply.code(400);
        return renderPerson(request, reply, person.staffId, {
          errors: [
            {
              field: 'send-link',
              message: person.disabled
                ? 'Enable the account before sending a sign-in link'
                : 'This person has no account or email address to send a link to',
            },
          ],
        });
      }
      await sendSignInLink(db, app.queue, {
        councilId: me.councilId,
        staffId: person.staffId,
        sentBy: me.staffId,
      });
      request.session.flash = {
        kind: 'success',
        text: `A one-time sign-in link has been emailed to ${person.name}. It works once, for 24 hours.`,
      };
      return reply.redirect(`/admin/people/${person.staffId}`);
    },
  );

  app.post(
    '/admin/people/:staffId/disable',
    { config: access, schema: { params: staffParams, body: disableForm } },
    async (request, reply) => {
      const { reason } = request.body;
      return change(request, reply, request.params.staffId, { kind: 'disable', reason }, { reason });
    },
  );

  app.post(
    '/admin/people/:staffId/enable',
    { config: access, schema: { params: staffParams } },
    async (request, reply) => change(request, reply, request.params.staffId, { kind: 'enable' }),
  );
};

export default adminPeopleRoutes;
