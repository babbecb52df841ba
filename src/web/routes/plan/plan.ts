import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { ACTIVITY_KIND_LABELS } from '../../../domain/activity-kinds.ts';
import { monthName } from '../../../domain/dates.ts';
import { ragLabel } from '../../../domain/improvement-plan.ts';
import { can } from '../../../domain/roles.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { outcomeServiceQa } from '../../../metrics/service-qa-themes.ts';
import { findingsCitedBy } from '../../../services/findings/findings.ts';
import {
  addUpdate,
  areaPlace,
  badDueParts,
  badWrittenOnParts,
  canEditOutcome,
  createArea,
  createOutcome,
  createPlan,
  currentPlan,
  leadChoices,
  MAX_AREA_TITLE,
  MAX_LIST,
  MAX_NOTES,
  MAX_OUTCOME,
  MAX_PLAN_TITLE,
  MAX_REASON,
  MAX_UPDATE,
  outcomePage,
  type PlanArea,
  type PlanOutcome,
  planOverview,
  planSuggestions,
  requireArea,
  requireOutcome,
  setRating,
  updateArea,
  updateOutcome,
} from '../../../services/improvement/plan.ts';
import { formFields, formText, id } from '../../forms.ts';
import {
  type AreaValues,
  areaValues,
  emptyOutcomePageValues,
  type OutcomePageValues,
  type OutcomeValues,
  outcomeFormValues,
  outcomeValues,
  outcomeView,
  planView,
} from './plan-view.ts';

const areaParams = z.object({ areaId: id });
const outcomeParams = z.object({ outcomeId: id });

const planForm = formFields({ title: formText });
const areaForm = formFields({
  number: formText,
  title: formText,
  wantToSee: formText,
  needsToChange: formText,
  position: formText,
});
const outcomeForm = formFields({
  area: formText,
  ref: formText,
  outcome: formText,
  lead: formText,
  leadStaffId: formText,
  'dueOn-day': formText,
  'dueOn-month': formText,
  'dueOn-year': formText,
  evidenceNotes: formText,
});
const ratingForm = formFields({ locality: formText, rag: formText, reason: formText });
const updateForm = formFields({
  'writtenOn-day': formText,
  'writtenOn-month': formText,
  'writtenOn-year': formText,
  text: formText,
});
const newOutcomeQuery = z.object({ area: z.string().max(100).optional() });

/**
 * The improvement plan (issue 18): its areas, outcomes and red/amber/green ratings per locality.
 * Everyone who may read the plan reads it; the QA lead changes it; an outcome's lead rates their
 * outcome, keeps its evidence notes and writes its updates (checked in the service).
 */
const planRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const read = { access: 'plan.read' as const };
  const manage = { access: 'plan.manage' as const };

  app.get('/plan', { config: read }, async (request, reply) => {
    const me = request.person;
    const overview = await planOverview(db, me.councilId);
    const suggestions = await planSuggestions(db, me.councilId, overview, app.today());
    return reply.render('pages/plan/index.njk', {
      pageTitle: overview.plan ? overview.plan.title : 'Improvement plan',
      ...planView(overview, suggestions),
      canManage: can(me.roles, 'plan.manage'),
    });
  });

  // ---- the plan itself
  const newPlanPage = (reply: FastifyReply, values: { title: string }, errors?: FieldError[]) =>
    reply.render('pages/plan/new.njk', {
      pageTitle: 'Start a plan',
      values,
      errors,
      maxTitle: MAX_PLAN_TITLE,
    });

  app.get('/plan/new', { config: manage }, async (request, reply) => {
    const existing = await currentPlan(db, request.person.councilId);
    if (existing)
      return reply.render('pages/plan/new.njk', {
        pageTitle: 'Start a plan',
        existing,
        values: { title: '' },
      });
    return newPlanPage(reply, { title: '' });
  });

  app.post('/plan/new', { config: manage, schema: { body: planForm } }, async (request, reply) => {
    const values = { title: request.body.title };
    try {
      await createPlan(db, request.person.councilId, request.person, values);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      reply.code(400);
      return newPlanPage(reply, values, err.errors);
    }
    request.session.flash = { kind: 'success', text: 'Your plan has been started: add its first area' };
    return reply.redirect('/plan/areas/new');
  });

  // ---- areas
  async function areaPage(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { area?: PlanArea; values: AreaValues; errors?: FieldError[] },
  ) {
    const overview = await planOverview(db, request.person.councilId);
    if (!overview.plan) return reply.redirect('/plan');
    const places = overview.areas.length + (options.area ? 0 : 1);
    return reply.render('pages/plan/area-form.njk', {
      pageTitle: options.area ? `Change ${options.area.title}` : 'Add an area of the service',
      ...options,
      places,
      maxTitle: MAX_AREA_TITLE,
      maxList: MAX_LIST,
    });
  }

  app.get('/plan/areas/new', { config: manage }, async (request, reply) =>
    areaPage(request, reply, { values: areaValues() }),
  );

  app.post('/plan/areas/new', { config: manage, schema: { body: areaForm } }, async (request, reply) => {
    const { number, title, wantToSee, needsToChange, position } = request.body;
    const values: AreaValues = { number, title, wantToSee, needsToChange, position };
    try {
      await createArea(db, request.person.councilId, request.person, values);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      reply.code(400);
      return areaPage(request, reply, { values, errors: err.errors });
    }
    request.session.flash = { kind: 'success', text: `“${values.title.trim()}” has been added to the plan` };
    return reply.redirect('/plan');
  });

  app.get(
    '/plan/areas/:areaId/edit',
    { config: manage, schema: { params: areaParams } },
    async (request, reply) => {
      const { councilId } = request.person;
      const area = await requireArea(db, councilId, request.params.areaId);
      return areaPage(request, reply, {
        area,
        values: areaValues(area, await areaPlace(db, councilId, area)),
      });
    },
  );

  app.post(
    '/plan/areas/:areaId/edit',
    { config: manage, schema: { params: areaParams, body: areaForm } },
    async (request, reply) => {
      const { councilId } = request.person;
      const { number, title, wantToSee, needsToChange, position } = request.body;
      const values: AreaValues = { number, title, wantToSee, needsToChange, position };
      try {
        await updateArea(db, councilId, request.person, request.params.areaId, values);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        const area = await requireArea(db, councilId, request.params.areaId);
        return areaPage(request, reply, { area, values, errors: err.errors });
      }
      request.session.flash = { kind: 'success', text: `“${values.title.trim()}” has been saved` };
      return reply.redirect('/plan');
    },
  );

  // ---- outcomes
  async function outcomeFormPage(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { outcome?: PlanOutcome; values: OutcomeValues; errors?: FieldError[] },
  ) {
    const me = request.person;
    const overview = await planOverview(db, me.councilId);
    if (!overview.plan) return reply.redirect('/plan');
    const manager = can(me.roles, 'plan.manage');
    const leads = manager ? await leadChoices(db, me.councilId) : [];
    const dateError = options.errors?.find((e) => e.field.startsWith('dueOn-'));
    return reply.render('pages/plan/outcome-form.njk', {
      pageTitle: options.outcome ? `Change outcome ${options.outcome.ref}` : 'Add an outcome',
      ...options,
      manager,
      areaItems: [
        { value: '', text: 'Select an area' },
        ...overview.areas.map((a) => ({
          value: a.id,
          text: [a.number, a.title].filter(Boolean).join(' '),
          selected: options.values.area === a.id,
        })),
      ],
      leadItems: [
        { value: '', text: 'No one yet' },
        ...leads.map((l) => ({
          value: l.id,
          text: l.jobTitle ? `${l.name}, ${l.jobTitle}` : l.name,
          selected: options.values.leadStaffId === l.id,
        })),
      ],
      dateError: dateError ? { text: dateError.message } : undefined,
      badParts: dateError ? badDueParts(options.values) : [],
      maxOutcome: MAX_OUTCOME,
      maxNotes: MAX_NOTES,
    });
  }

  app.get(
    '/plan/outcomes/new',
    { config: manage, schema: { querystring: newOutcomeQuery } },
    async (request, reply) =>
      outcomeFormPage(request, reply, { values: outcomeValues(undefined, request.query.area) }),
  );

  app.post(
    '/plan/outcomes/new',
    { config: manage, schema: { body: outcomeForm } },
    async (request, reply) => {
      const values = outcomeFormValues(request.body);
      let outcomeId: string;
      try {
        outcomeId = await createOutcome(db, request.person.councilId, request.person, values);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return outcomeFormPage(request, reply, { values, errors: err.errors });
      }
      request.session.flash = { kind: 'success', text: `Outcome ${values.ref.trim()} has been added` };
      return reply.redirect(`/plan/outcomes/${outcomeId}`);
    },
  );

  async function showOutcome(
    request: FastifyRequest,
    reply: FastifyReply,
    outcomeId: string,
    values: OutcomePageValues = emptyOutcomePageValues(),
    errors?: FieldError[],
  ) {
    const page = await outcomePage(db, request.person.councilId, request.person, outcomeId, app.today());
    const badParts = errors?.some((e) => e.field.startsWith('writtenOn-'))
      ? badWrittenOnParts(values, app.today())
      : [];
    // another source beside the audit evidence: services' QA that found the outcome's themes
    const serviceQa = await outcomeServiceQa(db, request.person.councilId, outcomeId, app.today());
    // and the findings reports of themed audits and dip samples the QA lead cited as its evidence
    const findings = (await findingsCitedBy(db, request.person.councilId, outcomeId)).map((f) => ({
      ...f,
      title: f.question || f.cohortName,
      when: `${ACTIVITY_KIND_LABELS[f.kind]}, ${monthName(f.month)}`,
    }));
    return reply.render('pages/plan/outcome.njk', {
      ...outcomeView(page, values, errors, badParts),
      findings,
      canReadFindings: can(request.person.roles, 'findings.read'),
      serviceQa,
      canCollate: can(request.person.roles, 'serviceQa.collation'),
      maxReason: MAX_REASON,
      maxUpdate: MAX_UPDATE,
    });
  }

  app.get(
    '/plan/outcomes/:outcomeId',
    { config: read, schema: { params: outcomeParams } },
    async (request, reply) => showOutcome(request, reply, request.params.outcomeId),
  );

  app.get(
    '/plan/outcomes/:outcomeId/edit',
    { config: read, schema: { params: outcomeParams } },
    async (request, reply) => {
      const outcome = await requireOutcome(db, request.person.councilId, request.params.outcomeId);
      if (!canEditOutcome(request.person, outcome)) return forbidden(reply);
      return outcomeFormPage(request, reply, { outcome, values: outcomeValues(outcome) });
    },
  );

  app.post(
    '/plan/outcomes/:outcomeId/edit',
    { config: read, schema: { params: outcomeParams, body: outcomeForm } },
    async (request, reply) => {
      const { councilId } = request.person;
      const { outcomeId } = request.params;
      const values = outcomeFormValues(request.body);
      try {
        await updateOutcome(db, councilId, request.person, outcomeId, values);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        const outcome = await requireOutcome(db, councilId, outcomeId);
        return outcomeFormPage(request, reply, { outcome, values, errors: err.errors });
      }
      request.session.flash = { kind: 'success', text: 'The outcome has been saved' };
      return reply.redirect(`/plan/outcomes/${outcomeId}`);
    },
  );

  app.post(
    '/plan/outcomes/:outcomeId/rating',
    { config: read, schema: { params: outcomeParams, body: ratingForm } },
    async (request, reply) => {
      const { outcomeId } = request.params;
      const { locality, rag, reason } = request.body;
      const values = { ...emptyOutcomePageValues(), locality, rag, reason };
      try {
        const set = await setRating(db, request.person.councilId, request.person, outcomeId, values, {
          today: app.today(),
        });
        request.session.flash = {
          kind: 'success',
          text: `${set.place} has been rated ${ragLabel(set.rag)}`,
        };
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return showOutcome(request, reply, outcomeId, values, err.errors);
      }
      return reply.redirect(`/plan/outcomes/${outcomeId}#ratings`);
    },
  );

  app.post(
    '/plan/outcomes/:outcomeId/updates',
    { config: read, schema: { params: outcomeParams, body: updateForm } },
    async (request, reply) => {
      const { outcomeId } = request.params;
      const b = request.body;
      const values = {
        ...emptyOutcomePageValues(),
        'writtenOn-day': b['writtenOn-day'],
        'writtenOn-month': b['writtenOn-month'],
        'writtenOn-year': b['writtenOn-year'],
        text: b.text,
      };
      try {
        await addUpdate(db, request.person.councilId, request.person, outcomeId, values, app.today());
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return showOutcome(request, reply, outcomeId, values, err.errors);
      }
      request.session.flash = { kind: 'success', text: 'Your update has been added' };
      return reply.redirect(`/plan/outcomes/${outcomeId}#updates`);
    },
  );

  function forbidden(reply: FastifyReply) {
    reply.code(403);
    return reply.render('errors/403.njk', {
      pageTitle: 'You cannot do this',
      reason: 'Only the QA lead and the outcome’s lead can change it.',
    });
  }
};

export default planRoutes;
