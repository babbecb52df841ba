import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { dateParts } from '../../../domain/date-input.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../../domain/validation.ts';
import { currentCycle, listReturnCycles } from '../../../metrics/returns.ts';
import {
  type AuditorDetails,
  type AuditorSettingsInput,
  getAuditor,
  listAuditors,
  MAX_CAPACITY,
  readTrainedOn,
  updateAuditorSettings,
} from '../../../services/sampling/auditors.ts';

const staffParam = z.object({ staffId: z.uuid() });

/**
 * The QA lead's list of auditors: trained when, how many audits a month they can take, what they
 * have this cycle, and whether they may do dip samples; and the form to record training and capacity.
 */
export default async function auditorRoutes(app: FastifyInstance, { db }: { db: Db }) {
  const manage = { access: 'sampling.manage' as const };

  app.get('/auditors', { config: manage }, async (request, reply) => {
    const councilId = request.user?.councilId as string;
    const today = app.today();
    const cycle = currentCycle(await listReturnCycles(db, councilId), today);
    const auditors = await listAuditors(db, councilId, { monthId: cycle?.id, today });
    return reply.render('pages/auditors/list.njk', {
      pageTitle: 'Auditors',
      cycle,
      auditors,
      counts: {
        trained: auditors.filter((a) => a.trained).length,
        dipSamples: auditors.filter((a) => a.mayDoDipSamples).length,
        capacity: auditors.filter((a) => a.trained).reduce((n, a) => n + a.capacity, 0),
      },
    });
  });

  const editPage = (
    reply: FastifyReply,
    auditor: AuditorDetails,
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) => {
    const values = extra.values ?? {
      ...Object.fromEntries(
        Object.entries(dateParts(auditor.trainedOn)).map(([k, v]) => [`trainedOn-${k}`, v]),
      ),
      capacity: String(auditor.capacity),
    };
    const dateError = extra.errors?.find((e) => e.field.startsWith('trainedOn-'));
    // the parts of the date to highlight: the ones missing, or all of them when the date is wrong
    const read = dateError ? readTrainedOn(values, app.today()) : undefined;
    const badParts = read && !read.ok ? read.parts : [];
    return reply.render('pages/auditors/edit.njk', {
      pageTitle: `Training and capacity: ${auditor.name}`,
      auditor,
      values,
      errors: extra.errors,
      dateError: dateError ? { text: dateError.message } : undefined,
      badParts,
      maxCapacity: MAX_CAPACITY,
    });
  };

  app.get('/auditors/:staffId', { config: manage }, async (request, reply) => {
    const params = staffParam.safeParse(request.params);
    if (!params.success) return reply.callNotFound();
    const auditor = await getAuditor(db, request.user?.councilId as string, params.data.staffId);
    if (!auditor) return reply.callNotFound();
    return editPage(reply, auditor);
  });

  app.post<{ Body: Record<string, unknown> }>(
    '/auditors/:staffId',
    { config: manage },
    async (request, reply) => {
      const params = staffParam.safeParse(request.params);
      if (!params.success) return reply.callNotFound();
      const councilId = request.user?.councilId as string;
      const body = request.body ?? {};
      const values = Object.fromEntries(
        ['trainedOn-day', 'trainedOn-month', 'trainedOn-year', 'capacity'].map((k) => [
          k,
          typeof body[k] === 'string' ? (body[k] as string) : '',
        ]),
      );
      try {
        const saved = await updateAuditorSettings(
          db,
          councilId,
          params.data.staffId,
          values as AuditorSettingsInput,
          app.today(),
        );
        const auditor = await getAuditor(db, councilId, params.data.staffId);
        request.session.flash = {
          kind: 'success',
          text: `${auditor?.name ?? 'The auditor'}’s training and capacity have been saved${saved.trainedOn ? '' : ': not trained, so they will not be allocated audits'}`,
        };
        return reply.redirect('/auditors');
      } catch (err) {
        if (err instanceof NotFoundError) return reply.callNotFound();
        if (!(err instanceof ValidationError)) throw err;
        const auditor = await getAuditor(db, councilId, params.data.staffId);
        if (!auditor) return reply.callNotFound();
        reply.code(400);
        return editPage(reply, auditor, { errors: err.errors, values });
      }
    },
  );
}
