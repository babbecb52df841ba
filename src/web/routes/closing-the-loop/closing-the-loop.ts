import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Db } from '../../../data/db.ts';
import { addMonths } from '../../../domain/dates.ts';
import { can } from '../../../domain/roles.ts';
import { quarterOf } from '../../../domain/service-qa.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { findingsThemeCounts } from '../../../metrics/findings.ts';
import { learningImpact } from '../../../metrics/learning-impact.ts';
import { serviceThemeCounts } from '../../../metrics/service-qa-themes.ts';
import {
  MAX_WINDOW_MONTHS,
  MIN_WINDOW_MONTHS,
  setLearningWindow,
} from '../../../services/learning/learning-window.ts';
import { formFields, formText } from '../../forms.ts';
import { impactView } from './closing-the-loop-view.ts';

const windowForm = formFields({ windowMonths: formText });

/**
 * Closing the loop: did practice on a theme change after the learning on it? Figures only, for
 * everyone who may read it (QA, senior leaders, workforce development): no names, children or
 * audits. The QA lead sets how many months either side of the learning are compared.
 */
const closingTheLoopRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    form: { values?: { windowMonths: string }; errors?: FieldError[] } = {},
  ) {
    const me = request.person;
    const impact = await learningImpact(db, me.councilId, app.today());
    // another source: the themes other services' QA found this quarter, to plan learning against
    const otherServices = await serviceThemeCounts(db, me.councilId, quarterOf(app.today()));
    return reply.render('pages/closing-the-loop/index.njk', {
      pageTitle: 'Closing the loop',
      ...impactView(impact),
      canSetWindow: can(me.roles, 'programme.manage'),
      otherServices,
      otherServicesLearning: impact.themes.map((t) => t.themeKey),
      findingsThemes: await findingsThemeCounts(db, me.councilId, addMonths(app.today(), -11), app.today()),
      canCollate: can(me.roles, 'serviceQa.collation'),
      values: form.values ?? { windowMonths: String(impact.windowMonths) },
      errors: form.errors,
      minMonths: MIN_WINDOW_MONTHS,
      maxMonths: MAX_WINDOW_MONTHS,
    });
  }

  app.get('/closing-the-loop', { config: { access: 'loop.read' } }, async (request, reply) =>
    page(request, reply),
  );

  app.post(
    '/closing-the-loop/window',
    { config: { access: 'programme.manage' }, schema: { body: windowForm } },
    async (request, reply) => {
      try {
        const months = await setLearningWindow(db, request.person.councilId, request.body.windowMonths);
        request.session.flash = {
          kind: 'success',
          text: `Audits are now compared ${months} month${months === 1 ? '' : 's'} either side of the learning`,
        };
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return page(request, reply, {
          values: { windowMonths: request.body.windowMonths },
          errors: err.errors,
        });
      }
      return reply.redirect('/closing-the-loop', 303);
    },
  );
};

export default closingTheLoopRoutes;
