import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import {
  ACTIVITY_KIND_LABELS,
  ACTIVITY_KIND_PLANNED_LABELS,
  ACTIVITY_KINDS,
} from '../../../domain/activity-kinds.ts';
import { dateParts } from '../../../domain/date-input.ts';
import { monthName } from '../../../domain/dates.ts';
import { can } from '../../../domain/roles.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { createProgrammeYear, updateMonth } from '../../../services/programme/programme.ts';
import {
  editMonthPage,
  monthPage,
  monthPlanFromForm,
  newYearPage,
  programmePage,
  redateMonth,
} from '../../../services/programme/programme-pages.ts';
import { anyForm, id } from '../../forms.ts';

const monthParams = z.object({ monthId: id });
/** A year that is not one shows the current year, as before any was chosen. */
const yearQuery = z.object({ year: z.uuid().optional().catch(undefined) });

/** The programme: a calendar everyone signed in can read; the QA lead plans it. */
const programmeRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const manage = { access: 'programme.manage' as const };
  const signedIn = { access: 'programme.read' as const };

  app.get('/programme', { config: signedIn, schema: { querystring: yearQuery } }, async (request, reply) => {
    const me = request.person;
    const { years, year, months } = await programmePage(db, me.councilId, request.query.year, app.today());
    return reply.render('pages/programme/year.njk', {
      pageTitle: year ? `Programme ${year.name}` : 'Programme',
      year,
      years,
      canManage: can(me.roles, 'programme.manage'),
      months,
    });
  });

  // --- planning a year ---

  async function renderNewYear(
    request: FastifyRequest,
    reply: FastifyReply,
    errors?: FieldError[],
    values: Record<string, unknown> = {},
  ) {
    const page = await newYearPage(db, request.person.councilId);
    return reply.render('pages/programme/new-year.njk', {
      pageTitle: 'Plan a programme year',
      years: page.years,
      errors,
      values: { startMonth: page.suggested, copyFrom: page.copyFrom, ...values },
    });
  }

  app.get('/programme/years/new', { config: manage }, async (request, reply) =>
    renderNewYear(request, reply),
  );

  app.post('/programme/years', { config: manage, schema: { body: anyForm } }, async (request, reply) => {
    try {
      const yearId = await createProgrammeYear(db, request.person.councilId, {
        startMonth: request.body.startMonth,
        copyFrom: request.body.copyFrom,
      });
      request.session.flash = { kind: 'success', text: 'The programme year has been created' };
      return reply.redirect(`/programme?year=${yearId}`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      reply.code(400);
      return renderNewYear(request, reply, err.errors, request.body);
    }
  });

  // --- a cycle ---

  app.get(
    '/programme/months/:monthId',
    { config: signedIn, schema: { params: monthParams } },
    async (request, reply) => {
      const me = request.person;
      const page = await monthPage(db, me, request.params.monthId, app.today());
      // re-audits are listed by child reference: each is logged
      for (const r of page.reaudits) {
        await request.recordChildView({
          recordType: 'audit',
          recordId: r.auditId,
          childId: r.childId,
          reason: `Listed by case reference among the re-audits due in ${page.month.name}`,
        });
      }
      return reply.render('pages/programme/month.njk', {
        pageTitle: page.month.name,
        year: page.year,
        month: page.month,
        phases: page.phases,
        now: page.now,
        canManage: can(me.roles, 'programme.manage'),
        canSample: page.canSample,
        samples: page.samples.map((s) => ({ ...s, kindText: ACTIVITY_KIND_LABELS[s.kind] ?? s.kind })),
        reaudits: page.reaudits.map((r) => ({ ...r, originalMonthName: monthName(r.originalMonth) })),
        targets: page.targets,
      });
    },
  );

  // --- planning a month ---

  async function renderEdit(
    request: FastifyRequest,
    reply: FastifyReply,
    monthId: string,
    extra: { errors?: FieldError[]; values?: Record<string, unknown> } = {},
  ) {
    const { year, month: m, tools } = await editMonthPage(db, request.person.councilId, monthId);
    const start = dateParts(m.cycleStartsOn);
    const values = extra.values ?? {
      learningMonth: m.learningMonth,
      cycleStartsOn: m.cycleStartsOn,
      'cycleStartsOn-day': start.day,
      'cycleStartsOn-month': start.month,
      'cycleStartsOn-year': start.year,
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
      year,
      tools,
      kinds: ACTIVITY_KINDS.map((k) => ({ value: k, text: ACTIVITY_KIND_PLANNED_LABELS[k] })),
      // the start date is a date input: an error about it leads to its first field
      errors: extra.errors?.map((e) =>
        e.field === 'cycleStartsOn' ? { ...e, href: '#cycleStartsOn-day' } : e,
      ),
      values,
    });
  }

  app.get(
    '/programme/months/:monthId/edit',
    { config: manage, schema: { params: monthParams } },
    async (request, reply) => renderEdit(request, reply, request.params.monthId),
  );

  app.post(
    '/programme/months/:monthId',
    { config: manage, schema: { params: monthParams, body: anyForm } },
    async (request, reply) => {
      const { monthId } = request.params;
      const { values, plan } = monthPlanFromForm(request.body);
      try {
        const result = await updateMonth(db, request.person.councilId, monthId, plan, app.today());
        request.session.flash = {
          kind: result.status === 'kept' ? 'info' : 'success',
          text:
            result.status === 'kept'
              ? 'The plan has been saved. The cycle is under way, so its dates were kept: re-date it below if they must change.'
              : 'The plan has been saved',
        };
        return reply.redirect(`/programme/months/${monthId}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return renderEdit(request, reply, monthId, { errors: err.errors, values });
      }
    },
  );

  app.post(
    '/programme/months/:monthId/redate',
    { config: manage, schema: { params: monthParams } },
    async (request, reply) => {
      const { monthId } = request.params;
      const done = await redateMonth(db, request.person.councilId, monthId, app.today());
      request.session.flash =
        done === 'finished'
          ? { kind: 'info', text: 'This cycle has finished: its dates are history and stay as they were' }
          : { kind: 'success', text: 'The cycle has been re-dated from the current settings' };
      return reply.redirect(`/programme/months/${monthId}`);
    },
  );
};

export default programmeRoutes;
