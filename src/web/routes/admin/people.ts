import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { ROLE_DESCRIPTIONS, ROLE_LABELS, ROLES } from '../../../domain/roles.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../../domain/validation.ts';
import { listTeams } from '../../../services/organisation/councils.ts';
import {
  addPerson,
  getPerson,
  listManagers,
  listPeople,
  listRoleChanges,
  MIN_PASSWORD_LENGTH,
  setPassword,
  setRoles,
  unlockAccount,
} from '../../../services/organisation/people.ts';

const roleOptions = ROLES.map((role) => ({
  value: role,
  text: ROLE_LABELS[role],
  hint: ROLE_DESCRIPTIONS[role],
}));

/** Administrators add people and give them roles. */
export default async function adminPeopleRoutes(app: FastifyInstance, { db }: { db: Db }) {
  const access = { access: 'people.manage' as const };

  app.get<{ Querystring: { team?: string } }>('/admin/people', { config: access }, async (request, reply) => {
    const councilId = request.user?.councilId as string;
    const teams = await listTeams(db, councilId);
    const team = teams.find((t) => t.id === request.query.team);
    const people = await listPeople(db, councilId, { teamId: team?.id });
    return reply.render('pages/admin/people.njk', { pageTitle: 'People', people, teams, team });
  });

  const formData = async (councilId: string) => ({
    teams: await listTeams(db, councilId),
    managers: await listManagers(db, councilId),
    roleOptions,
    minPasswordLength: MIN_PASSWORD_LENGTH,
  });

  app.get('/admin/people/new', { config: access }, async (request, reply) =>
    reply.render('pages/admin/person-new.njk', {
      pageTitle: 'Add a person',
      values: {},
      ...(await formData(request.user?.councilId as string)),
    }),
  );

  app.post<{ Body: Record<string, unknown> }>('/admin/people', { config: access }, async (request, reply) => {
    const councilId = request.user?.councilId as string;
    const { _csrf, ...values } = request.body ?? {};
    try {
      await addPerson(db, councilId, values as never);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      reply.code(400);
      return reply.render('pages/admin/person-new.njk', {
        pageTitle: 'Add a person',
        errors: err.errors,
        values: { ...values, password: '' },
        ...(await formData(councilId)),
      });
    }
    request.session.flash = { kind: 'success', text: `${String(values.name).trim()} has been added` };
    return reply.redirect('/admin/people');
  });

  const staffParams = z.object({ staffId: z.uuid() });

  /** The person's page, with any errors and answers to show again. */
  async function personPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: Record<string, unknown> } = {},
  ) {
    const user = request.user;
    const params = staffParams.safeParse(request.params);
    if (!user || !params.success) return reply.callNotFound();
    const person = await getPerson(db, user.councilId, params.data.staffId);
    if (!person) return reply.callNotFound();
    return reply.render('pages/admin/person.njk', {
      pageTitle: person.name,
      person,
      roleOptions,
      isSelf: person.staffId === user.staffId,
      roleChanges: await listRoleChanges(db, user.councilId, person.staffId),
      minPasswordLength: MIN_PASSWORD_LENGTH,
      errors: extra.errors,
      values: { roles: person.roles, ...extra.values },
    });
  }

  app.get('/admin/people/:staffId', { config: access }, async (request, reply) => personPage(request, reply));

  /** Runs an action on a person; validation errors are shown on their page, nothing changed. */
  async function act(
    request: FastifyRequest<{ Params: { staffId: string }; Body: Record<string, unknown> }>,
    reply: FastifyReply,
    action: (councilId: string, staffId: string, changedBy: string) => Promise<string>,
    values: Record<string, unknown> = {},
  ) {
    const user = request.user;
    const params = staffParams.safeParse(request.params);
    if (!user || !params.success) return reply.callNotFound();
    const person = await getPerson(db, user.councilId, params.data.staffId);
    if (!person) return reply.callNotFound();
    try {
      const done = await action(user.councilId, person.staffId, user.staffId);
      request.session.flash = { kind: 'success', text: `${done} for ${person.name}` };
    } catch (err) {
      if (err instanceof ValidationError) {
        reply.code(400);
        return personPage(request, reply, { errors: err.errors, values });
      }
      if (err instanceof NotFoundError) return reply.callNotFound();
      throw err;
    }
    return reply.redirect(`/admin/people/${person.staffId}`);
  }

  app.post<{ Params: { staffId: string }; Body: Record<string, unknown> }>(
    '/admin/people/:staffId/roles',
    { config: access },
    async (request, reply) => {
      const roles = request.body?.roles;
      const chosen = Array.isArray(roles) ? roles : roles ? [roles] : [];
      return act(
        request,
        reply,
        async (councilId, staffId, changedBy) => {
          await setRoles(db, councilId, staffId, { roles: chosen }, changedBy);
          return 'Roles have been saved';
        },
        { roles: chosen },
      );
    },
  );

  app.post<{ Params: { staffId: string }; Body: Record<string, unknown> }>(
    '/admin/people/:staffId/password',
    { config: access },
    async (request, reply) =>
      act(request, reply, async (councilId, staffId) => {
        await setPassword(db, councilId, staffId, { password: request.body?.password });
        return 'A new password has been set';
      }),
  );

  app.post<{ Params: { staffId: string }; Body: Record<string, unknown> }>(
    '/admin/people/:staffId/unlock',
    { config: access },
    async (request, reply) =>
      act(request, reply, async (councilId, staffId) => {
        await unlockAccount(db, councilId, staffId);
        return 'The account has been unlocked';
      }),
  );
}
