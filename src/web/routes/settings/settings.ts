import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { PHASES } from '../../../domain/cycle-phases.ts';
import { monthName } from '../../../domain/dates.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { bankHolidays } from '../../../domain/working-days.ts';
import {
  getAfterSubmissionSettings,
  saveEscalationDirector,
  saveReauditSettings,
  seniorLeaderChoices,
} from '../../../services/audits/reaudits.ts';
import {
  addClosureDay,
  getPhaseLengths,
  listClosureDays,
  type RecomputeSummary,
  removeClosureDay,
  setPhaseLengths,
} from '../../../services/programme/cycles.ts';

const closureParam = z.object({ closureId: z.uuid() });

/**
 * The council's settings: its calendar (phase lengths in working days, its own closure days), when
 * audits are re-audited, and who receives escalations as the Assistant Director for quality
 * assurance. QA lead only.
 */
export default async function settingsRoutes(app: FastifyInstance, { db }: { db: Db }) {
  const manage = { access: 'programme.manage' as const };

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: Record<string, unknown> } = {},
  ) {
    const councilId = request.user?.councilId as string;
    const lengths = await getPhaseLengths(db, councilId);
    const year = Number(app.today().slice(0, 4));
    const after = await getAfterSubmissionSettings(db, councilId);
    const typed = (extra.values?.after ?? {}) as Record<string, string>;
    const directorId = typed.escalationDirectorId ?? after.escalationDirectorId ?? '';
    return reply.render('pages/settings/calendar.njk', {
      pageTitle: 'Phase lengths and closure days',
      phases: PHASES.filter((p) => !p.alongside),
      lengths: { ...lengths, ...((extra.values?.lengths as object) ?? {}) },
      closures: await listClosureDays(db, councilId),
      holidays: [...bankHolidays(year), ...bankHolidays(year + 1)],
      after: {
        reauditMonths: String(after.reauditMonths),
        reauditRequiresImprovement: after.reauditRequiresImprovement ? 'yes' : 'no',
        escalationDirectorId: after.escalationDirectorId ?? '',
        ...typed,
      },
      directorItems: [
        { value: '', text: 'Find by job title' },
        ...(await seniorLeaderChoices(db, councilId)).map((p) => ({
          value: p.id,
          text: `${p.name}, ${p.jobTitle}`,
        })),
      ].map((item) => ({ ...item, selected: item.value === directorId })),
      errors: extra.errors,
      values: extra.values ?? {},
    });
  }

  function summarise(summary: RecomputeSummary, what: string) {
    const moved = summary.moved.length;
    const kept = summary.keptUnderWay.map((k) => monthName(k.month));
    return `${what}. ${moved === 1 ? '1 future cycle was' : `${moved} future cycles were`} re-dated.${kept.length ? ` ${kept.join(', ')} ${kept.length === 1 ? 'is' : 'are'} under way and kept ${kept.length === 1 ? 'its' : 'their'} dates: re-date from the month’s page if needed.` : ''}`;
  }

  app.get('/settings/calendar', { config: manage }, async (request, reply) => page(request, reply));

  app.post<{ Body: Record<string, unknown> }>(
    '/settings/calendar/phases',
    { config: manage },
    async (request, reply) => {
      const body = request.body ?? {};
      const lengths = Object.fromEntries(PHASES.filter((p) => !p.alongside).map((p) => [p.key, body[p.key]]));
      try {
        const summary = await setPhaseLengths(db, request.user?.councilId as string, lengths, app.today());
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

  app.post<{ Body: Record<string, unknown> }>(
    '/settings/calendar/closures',
    { config: manage },
    async (request, reply) => {
      const input = { date: String(request.body?.date ?? ''), reason: String(request.body?.reason ?? '') };
      try {
        const summary = await addClosureDay(db, request.user?.councilId as string, input, app.today());
        request.session.flash = {
          kind: 'success',
          text: summarise(summary, `${input.date} has been added as a closure day`),
        };
        return reply.redirect('/settings/calendar');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return page(request, reply, { errors: err.errors, values: input });
      }
    },
  );

  app.post('/settings/calendar/closures/:closureId/delete', { config: manage }, async (request, reply) => {
    const params = closureParam.safeParse(request.params);
    if (!params.success) return reply.callNotFound();
    const summary = await removeClosureDay(
      db,
      request.user?.councilId as string,
      params.data.closureId,
      app.today(),
    );
    request.session.flash = { kind: 'success', text: summarise(summary, 'The closure day has been removed') };
    return reply.redirect('/settings/calendar');
  });

  const text = (v: unknown) => (typeof v === 'string' ? v : '');

  app.post<{ Body: Record<string, unknown> }>(
    '/settings/reaudits',
    { config: manage },
    async (request, reply) => {
      const input = {
        reauditMonths: text(request.body?.reauditMonths),
        reauditRequiresImprovement: text(request.body?.reauditRequiresImprovement),
      };
      try {
        const saved = await saveReauditSettings(db, request.user?.councilId as string, input);
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

  app.post<{ Body: Record<string, unknown> }>(
    '/settings/escalations',
    { config: manage },
    async (request, reply) => {
      const input = { escalationDirectorId: text(request.body?.escalationDirectorId) };
      try {
        const councilId = request.user?.councilId as string;
        const id = await saveEscalationDirector(db, councilId, input);
        const chosen = id ? (await seniorLeaderChoices(db, councilId)).find((c) => c.id === id) : undefined;
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
}
