import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import {
  GREEN_WHEN_LABELS,
  MEASURE_KINDS,
  measureKindLabel,
  RED_WHEN_LABELS,
} from '../../../domain/improvement-plan.ts';
import { can } from '../../../domain/roles.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { evidenceRows, MEASURE_COUNTS_TEXT } from '../../../metrics/plan-evidence.ts';
import {
  addMeasure,
  changeMeasure,
  EMPTY_MEASURE_FORM,
  MAX_LABEL,
  type MeasureForm,
  measuresPage,
  removeMeasure,
  requireMeasure,
  setThresholds,
  type ThresholdsForm,
  thresholdsForm,
} from '../../../services/improvement/measures.ts';
import { currentPlan, requireOutcome } from '../../../services/improvement/plan.ts';
import { formFields, formText, id } from '../../forms.ts';

const outcomeParams = z.object({ outcomeId: id });
const measureParams = z.object({ outcomeId: id, measureId: id });

const measureForm = formFields({
  kind: formText,
  section: formText,
  theme: formText,
  question: formText,
  target: formText,
  better: formText,
  label: formText,
});
const changeForm = formFields({ target: formText, better: formText, label: formText });
const thresholdsBody = formFields({ minimumCount: formText, greenWhen: formText, redWhen: formText });

const pct = (x: number) => String(Math.round(x * 10000) / 100);

/**
 * The audit measures an outcome of the improvement plan is judged by, with their evidence, and the
 * plan's thresholds for a suggested rating (issue 18). Everyone who reads the plan sees an
 * outcome's measures; only the QA lead adds, changes or removes them and sets the thresholds.
 */
const measureRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const manage = { access: 'plan.manage' as const };

  async function measuresView(
    request: FastifyRequest,
    reply: FastifyReply,
    outcomeId: string,
    values: MeasureForm,
    errors?: FieldError[],
  ) {
    const me = request.person;
    const page = await measuresPage(db, me.councilId, outcomeId, app.today());
    const { choices } = page;
    const selectItems = (items: { value: string; text: string }[], chosen: string, prompt: string) => [
      { value: '', text: prompt, selected: chosen === '' },
      ...items.map((i) => ({ ...i, selected: i.value === chosen })),
    ];
    return reply.render('pages/plan/measures.njk', {
      pageTitle: `Audit measures for outcome ${page.outcome.ref}`,
      outcome: page.outcome,
      rows: evidenceRows(page.evidence),
      measures: page.evidence.measures.map((m) => ({
        ...m.measure,
        kindLabel: measureKindLabel(m.measure.kind),
        counts: MEASURE_COUNTS_TEXT[m.measure.kind],
        targetText: `${pct(m.measure.target)}% or ${m.measure.better === 'higher' ? 'more' : 'less'}`,
      })),
      thresholds: page.thresholds,
      greenWhen: GREEN_WHEN_LABELS[page.thresholds.greenWhen],
      redWhen: RED_WHEN_LABELS[page.thresholds.redWhen],
      canManage: can(me.roles, 'plan.manage'),
      kinds: MEASURE_KINDS,
      sectionItems: selectItems(
        choices.sections.map((s) => ({ value: s.value, text: `${s.toolName}: ${s.title}` })),
        values.section,
        'Choose a section',
      ),
      questionItems: selectItems(
        choices.questions.map((q) => ({
          value: q.value,
          text: `${q.toolName}: ${q.questionText} – ${q.answerLabel}`,
        })),
        values.question,
        'Choose a question and answer',
      ),
      themeItems: selectItems(
        choices.themes.map((t) => ({ value: t.key, text: t.name })),
        values.theme,
        'Choose a practice theme',
      ),
      values,
      errors,
      maxLabel: MAX_LABEL,
    });
  }

  app.get(
    '/plan/outcomes/:outcomeId/measures',
    { config: { access: 'plan.read' }, schema: { params: outcomeParams } },
    async (request, reply) =>
      measuresView(request, reply, request.params.outcomeId, { ...EMPTY_MEASURE_FORM }),
  );

  app.post(
    '/plan/outcomes/:outcomeId/measures',
    { config: manage, schema: { params: outcomeParams, body: measureForm } },
    async (request, reply) => {
      const me = request.person;
      const { outcomeId } = request.params;
      const values: MeasureForm = { ...EMPTY_MEASURE_FORM, ...request.body };
      let added: { label: string };
      try {
        added = await addMeasure(db, me.councilId, me, outcomeId, values);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return measuresView(request, reply, outcomeId, values, err.errors);
      }
      request.session.flash = { kind: 'success', text: `“${added.label}” has been added` };
      return reply.redirect(`/plan/outcomes/${outcomeId}/measures`);
    },
  );

  async function changeView(
    request: FastifyRequest,
    reply: FastifyReply,
    outcomeId: string,
    measureId: string,
    values?: { target: string; better: string; label: string },
    errors?: FieldError[],
  ) {
    const { councilId } = request.person;
    const outcome = await requireOutcome(db, councilId, outcomeId);
    const measure = await requireMeasure(db, councilId, outcomeId, measureId);
    return reply.render('pages/plan/measures-change.njk', {
      pageTitle: `Change ${measure.label}`,
      outcome,
      measure: { ...measure, kindLabel: measureKindLabel(measure.kind) },
      values: values ?? { target: pct(measure.target), better: measure.better, label: measure.label },
      errors,
      maxLabel: MAX_LABEL,
    });
  }

  app.get(
    '/plan/outcomes/:outcomeId/measures/:measureId',
    { config: manage, schema: { params: measureParams } },
    async (request, reply) => changeView(request, reply, request.params.outcomeId, request.params.measureId),
  );

  app.post(
    '/plan/outcomes/:outcomeId/measures/:measureId',
    { config: manage, schema: { params: measureParams, body: changeForm } },
    async (request, reply) => {
      const me = request.person;
      const { outcomeId, measureId } = request.params;
      const values = { target: request.body.target, better: request.body.better, label: request.body.label };
      try {
        await changeMeasure(db, me.councilId, me, outcomeId, measureId, values);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return changeView(request, reply, outcomeId, measureId, values, err.errors);
      }
      request.session.flash = { kind: 'success', text: 'The measure has been changed' };
      return reply.redirect(`/plan/outcomes/${outcomeId}/measures`);
    },
  );

  app.post(
    '/plan/outcomes/:outcomeId/measures/:measureId/remove',
    { config: manage, schema: { params: measureParams } },
    async (request, reply) => {
      const me = request.person;
      const { outcomeId, measureId } = request.params;
      const removed = await removeMeasure(db, me.councilId, me, outcomeId, measureId);
      request.session.flash = { kind: 'success', text: `“${removed.label}” has been removed` };
      return reply.redirect(`/plan/outcomes/${outcomeId}/measures`);
    },
  );

  async function settingsView(
    request: FastifyRequest,
    reply: FastifyReply,
    values?: ThresholdsForm,
    errors?: FieldError[],
  ) {
    const plan = await currentPlan(db, request.person.councilId);
    const shown = values ?? (plan ? thresholdsForm(plan) : undefined);
    return reply.render('pages/plan/settings.njk', {
      pageTitle: 'Thresholds for a suggested rating',
      plan,
      values: shown,
      errors,
      greenItems: Object.entries(GREEN_WHEN_LABELS).map(([value, text]) => ({
        value,
        text,
        checked: shown?.greenWhen === value,
      })),
      redItems: Object.entries(RED_WHEN_LABELS).map(([value, text]) => ({
        value,
        text,
        checked: shown?.redWhen === value,
      })),
    });
  }

  app.get('/plan/settings', { config: manage }, async (request, reply) => settingsView(request, reply));

  app.post('/plan/settings', { config: manage, schema: { body: thresholdsBody } }, async (request, reply) => {
    const me = request.person;
    const values: ThresholdsForm = {
      minimumCount: request.body.minimumCount,
      greenWhen: request.body.greenWhen,
      redWhen: request.body.redWhen,
    };
    try {
      await setThresholds(db, me.councilId, me, values);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      reply.code(400);
      return settingsView(request, reply, values, err.errors);
    }
    request.session.flash = { kind: 'success', text: 'The thresholds have been saved' };
    return reply.redirect('/plan/settings');
  });
};

export default measureRoutes;
