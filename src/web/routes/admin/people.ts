import type { FastifyInstance } from 'fastify';
import type { Db } from '../../../data/db.ts';
import { ROLE_DESCRIPTIONS, ROLE_LABELS, ROLES } from '../../../domain/roles.ts';
import { listTeams } from '../../../services/organisation.ts';
import {
  addPerson,
  getPerson,
  listManagers,
  listPeople,
  MIN_PASSWORD_LENGTH,
  NotFoundError,
  setRoles,
} from '../../../services/people.ts';
import { ValidationError } from '../../../services/validation.ts';

const roleOptions = ROLES.map((role) => ({
  value: role,
  text: ROLE_LABELS[role],
  hint: ROLE_DESCRIPTIONS[role],
}));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

  app.get<{ Params: { staffId: string } }>(
    '/admin/people/:staffId',
    { config: access },
    async (request, reply) => {
      if (!UUID.test(request.params.staffId)) return reply.callNotFound();
      const person = await getPerson(db, request.user?.councilId as string, request.params.staffId);
      if (!person) return reply.callNotFound();
      return reply.render('pages/admin/person.njk', {
        pageTitle: person.name,
        person,
        roleOptions,
        values: { roles: person.roles },
      });
    },
  );

  app.post<{ Params: { staffId: string }; Body: Record<string, unknown> }>(
    '/admin/people/:staffId/roles',
    { config: access },
    async (request, reply) => {
      const user = request.user;
      if (!user || !UUID.test(request.params.staffId)) return reply.callNotFound();
      const person = await getPerson(db, user.councilId, request.params.staffId);
      if (!person) return reply.callNotFound();
      const roles = request.body?.roles;
      const chosen = Array.isArray(roles) ? roles : roles ? [roles] : [];
      const refuse = async (errors: { field: string; message: string }[]) => {
        reply.code(400);
        return reply.render('pages/admin/person.njk', {
          pageTitle: person.name,
          person,
          roleOptions,
          errors,
          values: { roles: chosen },
        });
      };
      if (person.staffId === user.staffId && !chosen.includes('administrator')) {
        return refuse([
          {
            field: 'roles',
            message: 'You cannot remove your own administrator role: ask another administrator',
          },
        ]);
      }
      try {
        await setRoles(db, user.councilId, person.staffId, { roles: chosen });
      } catch (err) {
        if (err instanceof ValidationError) return refuse(err.errors);
        if (err instanceof NotFoundError) return reply.callNotFound();
        throw err;
      }
      request.session.flash = { kind: 'success', text: `Roles for ${person.name} have been saved` };
      return reply.redirect(`/admin/people/${person.staffId}`);
    },
  );
}
