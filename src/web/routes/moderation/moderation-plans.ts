import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { MODERATION_RULES, RULE_LABELS } from '../../../domain/moderation-sample.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { disputedAuditsOfMonth } from '../../../services/audits/replies.ts';
import {
  confirmPlan,
  moderationForChange,
  monthModeration,
  type PlanPreview,
  previewPlan,
  reallocateModeration,
} from '../../../services/moderation/moderation-plans.ts';
import { formFields, formText, id } from '../../forms.ts';

const monthParams = z.object({ monthId: id });
const moderationParams = z.object({ moderationId: id });

/** One value as typed, trimmed and kept to 50 characters. */
const planText = (v: string) => v.trim().slice(0, 50);

/** A text field: '' when absent, the first value when sent more than once. */
const field = formText.transform(planText);

/** The plan form as typed, kept to show it again: every rule sent is kept (a blank one is refused). */
const planForm = formFields({
  percent: field,
  seed: field,
  rules: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(planText)),
  action: field,
});
type PlanForm = Pick<z.output<typeof planForm>, 'percent' | 'seed' | 'rules'>;

const moderatorForm = formFields({ moderatorId: field });

/**
 * Choosing a cycle's moderation sample and who moderates each audit: for QA leads. Pages list
 * children by case reference only, and every child listed is written to the access log.
 */
const moderationPlanRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const manage = { access: 'moderation.manage' as const, childRecord: true };

  async function logChildren(
    request: FastifyRequest,
    items: { auditId: string; childId: string }[],
    reason: string,
  ) {
    if (items.length === 0)
      await request.recordChildView({
        recordType: 'moderation list',
        recordId: 'none',
        childId: null,
        reason,
      });
    const seen = new Set<string>();
    for (const item of items) {
      if (seen.has(item.auditId)) continue;
      seen.add(item.auditId);
      await request.recordChildView({
        recordType: 'audit',
        recordId: item.auditId,
        childId: item.childId,
        reason,
      });
    }
  }

  async function planPage(
    request: FastifyRequest,
    reply: FastifyReply,
    monthId: string,
    extra: { form?: PlanForm; errors?: FieldError[]; preview?: PlanPreview } = {},
  ) {
    const me = request.person;
    const page = await monthModeration(db, me.councilId, monthId, me.staffId);
    const form = extra.form ?? {
      percent: String(page.plan?.percent ?? 10),
      seed: '',
      rules: page.plan ? page.plan.rules : [...MODERATION_RULES],
    };
    // audits the case holder or their manager disagreed with, so QA can see and moderate them
    const disputed = await disputedAuditsOfMonth(db, me.councilId, monthId);
    const items = [...(extra.preview?.chosen ?? []), ...page.moderations, ...disputed];
    await logChildren(request, items, 'Listed in the cycle’s moderation sample');
    if (extra.errors?.length) reply.code(400);
    return reply.render('pages/moderation/plan.njk', {
      pageTitle: extra.preview
        ? `Check the moderation sample for ${page.month.name}`
        : `Moderation sample for ${page.month.name}`,
      ...page,
      errors: extra.errors ?? [],
      values: form,
      preview: extra.preview,
      ruleItems: MODERATION_RULES.map((r) => ({
        value: r,
        text: RULE_LABELS[r],
        checked: form.rules.includes(r),
      })),
      ruleLabels: RULE_LABELS,
      disputed,
    });
  }

  app.get(
    '/programme/months/:monthId/moderation',
    { config: manage, schema: { params: monthParams } },
    async (request, reply) => planPage(request, reply, request.params.monthId),
  );

  app.post(
    '/programme/months/:monthId/moderation',
    { config: manage, schema: { params: monthParams, body: planForm } },
    async (request, reply) => {
      const { percent, seed, rules, action } = request.body;
      const form = { percent, seed, rules };
      const { monthId } = request.params;
      try {
        if (action === 'confirm') {
          const result = await confirmPlan(db, request.person, monthId, form);
          const parts = [
            `${result.added} ${result.added === 1 ? 'audit' : 'audits'} added to moderation`,
            result.allocated ? `${result.allocated} allocated to moderators` : '',
            result.unallocated.length ? `${result.unallocated.length} could not be allocated: see below` : '',
          ].filter(Boolean);
          request.session.flash = {
            kind: 'success',
            text: `Moderation sample confirmed. ${parts.join('; ')}.`,
          };
          return reply.redirect(`/programme/months/${monthId}/moderation`, 303);
        }
        const preview = await previewPlan(db, request.person.councilId, monthId, form);
        return planPage(request, reply, monthId, { form: { ...form, seed: String(preview.seed) }, preview });
      } catch (err) {
        if (err instanceof ValidationError)
          return planPage(request, reply, monthId, { form, errors: err.errors });
        throw err;
      }
    },
  );

  async function moderatorPage(
    request: FastifyRequest,
    reply: FastifyReply,
    moderationId: string,
    errors: FieldError[] = [],
    chosen = '',
  ) {
    const me = request.person;
    const found = await moderationForChange(db, me.councilId, moderationId, me.staffId);
    const m = found.moderation;
    await request.recordChildView({
      recordType: 'audit',
      recordId: m.auditId,
      childId: m.childId,
      reason: 'Opened to change who moderates the audit',
    });
    if (errors.length) reply.code(400);
    return reply.render('pages/moderation/plan-moderator.njk', {
      pageTitle: m.moderator ? 'Change the moderator' : 'Choose a moderator',
      ...found,
      errors,
      values: { moderatorId: chosen || m.moderatorId || '' },
      back: `/programme/months/${found.month.id}/moderation`,
    });
  }

  app.get(
    '/moderations/:moderationId/moderator',
    { config: manage, schema: { params: moderationParams } },
    async (request, reply) => moderatorPage(request, reply, request.params.moderationId),
  );

  app.post(
    '/moderations/:moderationId/moderator',
    { config: manage, schema: { params: moderationParams, body: moderatorForm } },
    async (request, reply) => {
      const me = request.person;
      const { moderatorId } = request.body;
      const { moderationId } = request.params;
      try {
        await reallocateModeration(db, me, moderationId, moderatorId);
      } catch (err) {
        if (err instanceof ValidationError)
          return moderatorPage(request, reply, moderationId, err.errors, moderatorId);
        throw err;
      }
      const found = await moderationForChange(db, me.councilId, moderationId, me.staffId);
      request.session.flash = {
        kind: 'success',
        text: `${found.moderation.moderator} will moderate the audit.`,
      };
      return reply.redirect(`/programme/months/${found.month.id}/moderation`, 303);
    },
  );
};

export default moderationPlanRoutes;
