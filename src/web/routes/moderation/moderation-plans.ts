import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../../data/db.ts';
import { MODERATION_RULES, RULE_LABELS } from '../../../domain/moderation-sample.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import {
  confirmPlan,
  moderationForChange,
  monthModeration,
  type PlanPreview,
  previewPlan,
  reallocateModeration,
} from '../../../services/moderation/moderation-plans.ts';
import type { SignedInUser } from '../../../services/organisation/auth.ts';

/** The plan form as typed, kept to show it again. */
interface PlanForm {
  percent: string;
  seed: string;
  rules: string[];
}

function text(value: unknown): string {
  if (Array.isArray(value)) return text(value[0]);
  return typeof value === 'string' ? value.trim().slice(0, 50) : '';
}

function readForm(body: unknown): PlanForm {
  const b = (body ?? {}) as Record<string, unknown>;
  const rules = (Array.isArray(b.rules) ? b.rules : b.rules === undefined ? [] : [b.rules]).map(text);
  return { percent: text(b.percent), seed: text(b.seed), rules };
}

const user = (request: FastifyRequest) => request.user as SignedInUser;
const param = (request: FastifyRequest, name: string) =>
  String((request.params as Record<string, unknown>)[name]);

/**
 * Choosing a cycle's moderation sample and who moderates each audit: for QA leads. Pages list
 * children by case reference only, and every child listed is written to the access log.
 */
export default async function moderationPlanRoutes(app: FastifyInstance, { db }: { db: Db }) {
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
    extra: { form?: PlanForm; errors?: FieldError[]; preview?: PlanPreview } = {},
  ) {
    const page = await monthModeration(
      db,
      user(request).councilId,
      param(request, 'monthId'),
      user(request).staffId,
    );
    const form = extra.form ?? {
      percent: String(page.plan?.percent ?? 10),
      seed: '',
      rules: page.plan ? page.plan.rules : [...MODERATION_RULES],
    };
    const items = [...(extra.preview?.chosen ?? []), ...page.moderations];
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
    });
  }

  app.get('/programme/months/:monthId/moderation', { config: manage }, async (request, reply) =>
    planPage(request, reply),
  );

  app.post('/programme/months/:monthId/moderation', { config: manage }, async (request, reply) => {
    const form = readForm(request.body);
    const action = text((request.body as Record<string, unknown> | undefined)?.action);
    const monthId = param(request, 'monthId');
    try {
      if (action === 'confirm') {
        const result = await confirmPlan(db, user(request), monthId, form);
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
      const preview = await previewPlan(db, user(request).councilId, monthId, form);
      return planPage(request, reply, { form: { ...form, seed: String(preview.seed) }, preview });
    } catch (err) {
      if (err instanceof ValidationError) return planPage(request, reply, { form, errors: err.errors });
      throw err;
    }
  });

  async function moderatorPage(
    request: FastifyRequest,
    reply: FastifyReply,
    errors: FieldError[] = [],
    chosen = '',
  ) {
    const found = await moderationForChange(
      db,
      user(request).councilId,
      param(request, 'moderationId'),
      user(request).staffId,
    );
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

  app.get('/moderations/:moderationId/moderator', { config: manage }, async (request, reply) =>
    moderatorPage(request, reply),
  );

  app.post('/moderations/:moderationId/moderator', { config: manage }, async (request, reply) => {
    const moderatorId = text((request.body as Record<string, unknown> | undefined)?.moderatorId);
    const moderationId = param(request, 'moderationId');
    try {
      await reallocateModeration(db, user(request), moderationId, moderatorId);
    } catch (err) {
      if (err instanceof ValidationError) return moderatorPage(request, reply, err.errors, moderatorId);
      throw err;
    }
    const found = await moderationForChange(db, user(request).councilId, moderationId, user(request).staffId);
    request.session.flash = {
      kind: 'success',
      text: `${found.moderation.moderator} will moderate the audit.`,
    };
    return reply.redirect(`/programme/months/${found.month.id}/moderation`, 303);
  });
}
