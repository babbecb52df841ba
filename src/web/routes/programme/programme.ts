import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import {
  ACTIVITY_KIND_LABELS,
  ACTIVITY_KIND_PLANNED_LABELS,
  ACTIVITY_KINDS,
} from '../../../domain/activity-kinds.ts';
import { currentPhase } from '../../../domain/cycle-phases.ts';
import { monthName } from '../../../domain/dates.ts';
import { can } from '../../../domain/roles.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../../domain/validation.ts';
import { createDueReaudits, reauditsOfMonth } from '../../../services/audits/reaudits.ts';
import { recomputeMonthCycle, type StoredPhase } from '../../../services/programme/cycles.ts';
import {
  createProgrammeYear,
  currentProgrammeYear,
  getMonth,
  getProgrammeYear,
  listProgrammeYears,
  updateMonth,
} from '../../../services/programme/programme.ts';
import { listSamplesOfMonth } from '../../../services/sampling/samples.ts';

const idParam = z.object({ monthId: z.uuid() });
const yearQuery = z.object({ year: z.uuid().optional().catch(undefined) });

/** Rows of a repeated field group in a form body: themes[0][stream] arrives as `themes-0-stream`. */
function rows(body: Record<string, unknown>, prefix: string, fields: string[]) {
  const out: Record<string, string>[] = [];
  for (let i = 0; i < 50; i++) {
    const present = fields.some((f) => `${prefix}-${i}-${f}` in body);
    if (!present) break;
    out.push(Object.fromEntries(fields.map((f) => [f, String(body[`${prefix}-${i}-${f}`] ?? '')])));
  }
  return out;
}

/** The programme: a calendar everyone signed in can read; the QA lead plans it. */
export default async function programmeRoutes(app: FastifyInstance, { db }: { db: Db }) {
  const manage = { access: 'programme.manage' as const };

  app.get('/programme', { config: { access: 'signedIn' } }, async (request, reply) => {
    const user = request.user;
    if (!user) return reply.callNotFound();
    const query = yearQuery.parse(request.query);
    const years = await listProgrammeYears(db, user.councilId);
    const chosen = query.year
      ? years.find((y) => y.id === query.year)
      : await currentProgrammeYear(db, user.councilId);
    const year = chosen ? await getProgrammeYear(db, user.councilId, chosen.id) : undefined;
    const today = app.today();
    return reply.render('pages/programme/year.njk', {
      pageTitle: year ? `Programme ${year.name}` : 'Programme',
      year,
      years,
      canManage: can(user.roles, 'programme.manage'),
      months: year?.months.map((m) => {
        const phases = (m.phases as StoredPhase[] | null) ?? null;
        return {
          ...m,
          phases,
          auditing: phases?.find((p) => p.key === 'auditing'),
          now: phases ? currentPhase(phases, today) : null,
        };
      }),
    });
  });

  const newYearPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    errors?: FieldError[],
    values = {},
  ) => {
    const years = await listProgrammeYears(db, request.user?.councilId as string);
    const latest = years[0];
    const suggested = latest
      ? `${Number(latest.startsOn.slice(0, 4)) + 1}${latest.startsOn.slice(4, 7)}`
      : undefined;
    return reply.render('pages/programme/new-year.njk', {
      pageTitle: 'Plan a programme year',
      years,
      errors,
      values: { startMonth: suggested, copyFrom: latest?.id, ...values },
    });
  };

  app.get('/programme/years/new', { config: manage }, async (request, reply) => newYearPage(request, reply));

  app.post<{ Body: Record<string, unknown> }>(
    '/programme/years',
    { config: manage },
    async (request, reply) => {
      try {
        const id = await createProgrammeYear(db, request.user?.councilId as string, {
          startMonth: request.body?.startMonth,
          copyFrom: request.body?.copyFrom,
        });
        request.session.flash = { kind: 'success', text: 'The programme year has been created' };
        return reply.redirect(`/programme?year=${id}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return newYearPage(request, reply, err.errors, request.body ?? {});
      }
    },
  );

  app.get('/programme/months/:monthId', { config: { access: 'signedIn' } }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    const user = request.user;
    if (!params.success || !user) return reply.callNotFound();
    const found = await getMonth(db, user.councilId, params.data.monthId);
    if (!found) return reply.callNotFound();
    const phases = (found.month.phases as StoredPhase[] | null) ?? null;
    const canSample = can(user.roles, 'sampling.manage');
    const samples = canSample ? await listSamplesOfMonth(db, user.councilId, found.month.id) : [];
    // re-audits whose month is now planned join it; QA sees them by child reference, logged
    await createDueReaudits(db, user.councilId);
    const reaudits = canSample ? await reauditsOfMonth(db, user.councilId, found.month.id) : [];
    for (const r of reaudits) {
      await request.recordChildView({
        recordType: 'audit',
        recordId: r.auditId,
        childId: r.childId,
        reason: `Listed by case reference among the re-audits due in ${found.month.name}`,
      });
    }
    return reply.render('pages/programme/month.njk', {
      pageTitle: found.month.name,
      year: found.year,
      month: found.month,
      phases,
      now: phases ? currentPhase(phases, app.today()) : null,
      canManage: can(user.roles, 'programme.manage'),
      canSample,
      samples: samples.map((s) => ({ ...s, kindText: ACTIVITY_KIND_LABELS[s.kind] ?? s.kind })),
      reaudits: reaudits.map((r) => ({ ...r, originalMonthName: monthName(r.originalMonth) })),
    });
  });

  const editPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    monthId: string,
    extra: { errors?: FieldError[]; values?: Record<string, unknown> } = {},
  ) => {
    const councilId = request.user?.councilId as string;
    const found = await getMonth(db, councilId, monthId);
    if (!found) return reply.callNotFound();
    const tools = await db
      .selectFrom('audit_tools')
      .select(['id', 'name', 'kind'])
      .where('council_id', '=', councilId)
      .where('archived', '=', false)
      .orderBy('name')
      .execute();
    const m = found.month;
    const values = extra.values ?? {
      learningMonth: m.learningMonth,
      cycleStartsOn: m.cycleStartsOn,
      themes: [...m.themes, { stream: '', theme: '' }, { stream: '', theme: '' }],
      activities: [
        ...m.activities.map((a) => ({
          kind: a.kind,
          target: String(a.target),
          toolId: a.toolId ?? '',
          description: a.description,
        })),
        { kind: '', target: '', toolId: '', description: '' },
      ],
    };
    return reply.render('pages/programme/edit-month.njk', {
      pageTitle: `Plan ${m.name}`,
      month: m,
      year: found.year,
      tools,
      kinds: ACTIVITY_KINDS.map((k) => ({ value: k, text: ACTIVITY_KIND_PLANNED_LABELS[k] })),
      errors: extra.errors,
      values,
    });
  };

  app.get('/programme/months/:monthId/edit', { config: manage }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return reply.callNotFound();
    return editPage(request, reply, params.data.monthId);
  });

  app.post<{ Body: Record<string, unknown> }>(
    '/programme/months/:monthId',
    { config: manage },
    async (request, reply) => {
      const params = idParam.safeParse(request.params);
      if (!params.success) return reply.callNotFound();
      const body = request.body ?? {};
      const themes = rows(body, 'themes', ['stream', 'theme']);
      const activities = rows(body, 'activities', ['kind', 'target', 'toolId', 'description']);
      const values = {
        learningMonth: body.learningMonth === 'yes',
        cycleStartsOn: String(body.cycleStartsOn ?? ''),
        themes: [...themes, { stream: '', theme: '' }],
        activities: [...activities, { kind: '', target: '', toolId: '', description: '' }],
      };
      try {
        const result = await updateMonth(
          db,
          request.user?.councilId as string,
          params.data.monthId,
          {
            learningMonth: values.learningMonth,
            cycleStartsOn: values.cycleStartsOn,
            themes: themes as { stream: string; theme: string }[],
            activities: activities as { kind: string; target: string }[],
          },
          app.today(),
        );
        request.session.flash = {
          kind: result.status === 'kept' ? 'info' : 'success',
          text:
            result.status === 'kept'
              ? 'The plan has been saved. The cycle is under way, so its dates were kept: re-date it below if they must change.'
              : 'The plan has been saved',
        };
        return reply.redirect(`/programme/months/${params.data.monthId}`);
      } catch (err) {
        if (err instanceof NotFoundError) return reply.callNotFound();
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return editPage(request, reply, params.data.monthId, { errors: err.errors, values });
      }
    },
  );

  app.post('/programme/months/:monthId/redate', { config: manage }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    const councilId = request.user?.councilId as string;
    if (!params.success || !(await getMonth(db, councilId, params.data.monthId))) return reply.callNotFound();
    const found = await getMonth(db, councilId, params.data.monthId);
    const phases = (found?.month.phases as StoredPhase[] | null) ?? null;
    if (phases && currentPhase(phases, app.today()).state === 'finished') {
      request.session.flash = {
        kind: 'info',
        text: 'This cycle has finished: its dates are history and stay as they were',
      };
      return reply.redirect(`/programme/months/${params.data.monthId}`);
    }
    await recomputeMonthCycle(db, councilId, params.data.monthId, { force: true, today: app.today() });
    request.session.flash = {
      kind: 'success',
      text: 'The cycle has been re-dated from the current settings',
    };
    return reply.redirect(`/programme/months/${params.data.monthId}`);
  });
}
