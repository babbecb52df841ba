import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../../data/db.ts';
import { MAX_GRADES } from '../../../domain/grade-scales.ts';
import { can } from '../../../domain/roles.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { addGradeScale, listGradeScalesWithGrades } from '../../../services/programme/tools.ts';

/** Grade scales: everyone reads what each grade means; the QA lead adds the council's own. */
export default async function gradeScaleRoutes(app: FastifyInstance, { db }: { db: Db }) {
  const emptyRows = () =>
    Array.from({ length: MAX_GRADES }, () => ({ label: '', goodOrBetter: false, descriptor: '' }));

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: object } = {},
  ) {
    const user = request.user;
    if (!user) return reply.callNotFound();
    return reply.render('pages/tools/grade-scales.njk', {
      pageTitle: 'Grade scales',
      scales: await listGradeScalesWithGrades(db, user.councilId),
      canManage: can(user.roles, 'programme.manage'),
      errors: extra.errors,
      values: extra.values ?? { grades: emptyRows() },
    });
  }

  app.get('/grade-scales', { config: { access: 'signedIn' } }, async (request, reply) =>
    page(request, reply),
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/grade-scales',
    { config: { access: 'programme.manage' } },
    async (request, reply) => {
      const body = request.body ?? {};
      const grades = emptyRows().map((_, i) => ({
        label: String(body[`grades-${i}-label`] ?? ''),
        goodOrBetter: body[`grades-${i}-goodOrBetter`] === 'yes',
        descriptor: String(body[`grades-${i}-descriptor`] ?? ''),
      }));
      const name = String(body.name ?? '');
      try {
        await addGradeScale(db, request.user?.councilId as string, { name, grades });
        request.session.flash = { kind: 'success', text: `The ${name.trim()} grade scale has been added` };
        return reply.redirect('/grade-scales');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return page(request, reply, { errors: err.errors, values: { name, grades } });
      }
    },
  );
}
