import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { PHASES } from '../../../domain/cycle-phases.ts';
import { formatDate, monthName } from '../../../domain/dates.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { bankHolidays } from '../../../domain/working-days.ts';
import { saveReauditSettings } from '../../../services/audits/reaudits.ts';
import { chooseEscalationDirector, councilSettingsPage } from '../../../services/organisation/settings.ts';
import {
  addClosureDay,
  type RecomputeSummary,
  removeClosureDay,
  setPhaseLengths,
} from '../../../services/programme/cycles.ts';
import { saveTrainingPeriods } from '../../../services/sampling/training.ts';
import { anyForm, formFields, formText, id } from '../../forms.ts';

const closureParams = z.object({ closureId: id });
const closureForm = formFields({
  'date-day': formText,
  'date-month': formText,
  'date-year': formText,
  reason: formText,
});
const reauditForm = formFields({ reauditMonths: formText, reauditRequiresImprovement: formText });
const directorForm = formFields({ escalationDirectorId: formText });
const trainingForm = formFields({ refresherMonths: formText, newManagerMonths: formText });

/** The phases whose lengths the council sets (those run alongside another take no time of their own). */
const SET_PHASES = PHASES.filter((p) => !p.alongside);

/** What a change to the calendar did to the cycles already planned. */
function summarise(summary: RecomputeSummary, what: string) {
  const moved = summary.moved.length;
  const kept = summary.keptUnderWay.map((k) => monthName(k.month));
  return `${what}. ${moved === 1 ? '1 future cycle was' : `${moved} future cycles were`} re-dated.${kept.length ? ` ${kept.join(', ')} ${kept.length === 1 ? 'is' : 'are'} under way and kept ${kept.length === 1 ? 'its' : 'their'} dates: re-date from the month’s page if needed.` : ''}`;
}

/**
 * The council's settings: its calendar (phase lengths in working days, its own closure days), when
 * audits are re-audited, and who receives escalations as the Assistant Director for quality
 * assurance. QA lead only.
 */
const settingsRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const manage = { access: 'programme.manage' as const };

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: Record<string, unknown> } = {},
  ) {
    const settings = await councilSettingsPage(db, request.person.councilId);
    const year = Number(app.today().slice(0, 4));
    const { after } = settings;
    const typed = (extra.values?.after ?? {}) as Record<string, string>;
    const directorId = typed.escalationDirectorId ?? after.escalationDirectorId ?? '';
    return reply.render('pages/settings/calendar.njk', {
      pageTitle: 'Phase lengths and closure days',
      phases: SET_PHASES,
      lengths: { ...settings.lengths, ...((extra.values?.lengths as object) ?? {}) },
      closures: settings.closures,
      holidays: [...bankHolidays(year), ...bankHolidays(year + 1)],
      after: {
        reauditMonths: String(after.reauditMonths),
        reauditRequiresImprovement: after.reauditRequiresImprovement ? 'yes' : 'no',
        escalationDirectorId: after.escalationDirectorId ?? '',
        ...typed,
      },
      training: {
        refresherMonths: String(settings.training.refresherMonths),
        newManagerMonths: String(settings.training.newManagerMonths),
        ...((extra.values?.training as Record<string, string>) ?? {}),
      },
      directorItems: [
        { value: '', text: 'Find by job title' },
        ...settings.directors.map((p) => ({ value: p.id, text: `${p.name}, ${p.jobTitle}` })),
      ].map((item) => ({ ...item, selected: item.value === directorId })),
      errors: extra.errors,
      values: extra.values ?? {},
    });
  }

  app.get('/settings/calendar', { config: manage }, async (request, reply) => page(request, reply));

  // A field for each phase, read by its key.
  app.post(
    '/settings/calendar/phases',
    { config: manage, schema: { body: anyForm } },
    async (request, reply) => {
      const body = request.body;
      const lengths = Object.fromEntries(SET_PHASES.map((p) => [p.key, body[p.key]]));
      try {
        const summary = await setPhaseLengths(db, request.person.councilId, lengths, app.today());
        request.session.flash = {
          kind: 'success',
          text: summarise(summary, 'Phase lengths have been saved'),
        };
        return reply.redirect('/settings/calendar');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return page(request, reply, { errors: err.errors, values: { lengths } });
      }
    },
  );

  app.post(
    '/settings/calendar/closures',
    { config: manage, schema: { body: closureForm } },
    async (request, reply) => {
      const input = {
        'date-day': request.body['date-day'],
        'date-month': request.body['date-month'],
        'date-year': request.body['date-year'],
        reason: request.body.reason,
      };
      try {
        const summary = await addClosureDay(db, request.person.councilId, input, app.today());
        request.session.flash = {
          kind: 'success',
          text: summarise(summary, `${formatDate(summary.date)} has been added as a closure day`),
        };
        return reply.redirect('/settings/calendar');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return page(request, reply, { errors: err.errors, values: input });
      }
    },
  );

  app.post(
    '/settings/calendar/closures/:closureId/delete',
    { config: manage, schema: { params: closureParams } },
    async (request, reply) => {
      const summary = await removeClosureDay(
        db,
        request.person.councilId,
        request.params.closureId,
        app.today(),
      );
      request.session.flash = {
        kind: 'success',
        text: summarise(summary, 'The closure day has been removed'),
      };
      return reply.redirect('/settings/calendar');
    },
  );

  app.post(
    '/settings/reaudits',
    { config: manage, schema: { body: reauditForm } },
    async (request, reply) => {
      const input = {
        reauditMonths: request.body.reauditMonths,
        reauditRequiresImprovement: request.body.reauditRequiresImprovement,
      };
      try {
        const saved = await saveReauditSettings(db, request.person.councilId, input);
        request.session.flash = {
          kind: 'success',
          text: `Re-audit settings have been saved: audits graded inadequate${saved.reauditRequiresImprovement ? ' or requires improvement' : ''} submitted from now on are re-audited ${saved.reauditMonths === 1 ? '1 month' : `${saved.reauditMonths} months`} later`,
        };
        return reply.redirect('/settings/calendar');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return page(request, reply, { errors: err.errors, values: { after: input } });
      }
    },
  );

  app.post(
    '/settings/training',
    { config: manage, schema: { body: trainingForm } },
    async (request, reply) => {
      const input = {
        refresherMonths: request.body.refresherMonths,
        newManagerMonths: request.body.newManagerMonths,
      };
      try {
        const saved = await saveTrainingPeriods(db, request.person.councilId, input);
        request.session.flash = {
          kind: 'success',
          text: `Auditor training settings have been saved: a refresher is due ${saved.refresherMonths === 1 ? '1 month' : `${saved.refresherMonths} months`} after training, and a new manager is to be trained within ${saved.newManagerMonths === 1 ? '1 month' : `${saved.newManagerMonths} months`} of starting`,
        };
        return reply.redirect('/settings/calendar');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return page(request, reply, { errors: err.errors, values: { training: input } });
      }
    },
  );

  app.post(
    '/settings/escalations',
    { config: manage, schema: { body: directorForm } },
    async (request, reply) => {
      const input = { escalationDirectorId: request.body.escalationDirectorId };
      try {
        const chosen = await chooseEscalationDirector(db, request.person.councilId, input);
        request.session.flash = {
          kind: 'success',
          text: chosen
            ? `${chosen.name} will receive every escalation as the Assistant Director for quality assurance`
            : 'The Assistant Director for quality assurance will be found by job title',
        };
        return reply.redirect('/settings/calendar');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return page(request, reply, { errors: err.errors, values: { after: input } });
      }
    },
  );
};

export default settingsRoutes;
