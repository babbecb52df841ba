import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Db } from '../../../data/db.ts';
import { can } from '../../../domain/roles.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { emptyGradeRows, readGradeScaleForm } from '../../../services/programme/tool-pages.ts';
import { addGradeScale, listGradeScalesWithGrades } from '../../../services/programme/tools.ts';
import { anyForm } from '../../forms.ts';

/** Grade scales: everyone reads what each grade means; the QA lead adds the council's own. */
const gradeScaleRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: object } = {},
  ) {
    const me = request.person;
    return reply.render('pages/tools/grade-scales.njk', {
      pageTitle: 'Grade scales',
      scales: await listGradeScalesWithGrades(db, me.councilId),
      canManage: can(me.roles, 'programme.manage'),
      errors: extra.errors,
      values: extra.values ?? { grades: emptyGradeRows() },
    });
  }

  app.get('/grade-scales', { config: { access: 'programme.read' } }, async (request, reply) =>
    page(request, reply),
  );

  // The form's rows are read by their names (grades-0-label, …).
  app.post(
    '/grade-scales',
    { config: { access: 'programme.manage' }, schema: { body: anyForm } },
    async (request, reply) => {
      const input = readGradeScaleForm(request.body);
      try {
        await addGradeScale(db, request.person.councilId, input);
        request.session.flash = {
          kind: 'success',
          text: `The ${input.name.trim()} grade scale has been added`,
        };
        return reply.redirect('/grade-scales');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return page(request, reply, { errors: err.errors, values: input });
      }
    },
  );
};

export default gradeScaleRoutes;
