import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { childContext } from '../../../services/case-data/child-context.ts';
import {
  decidePanel,
  loadModerationWork,
  MAX_COMMENTS,
  type ModerationWork,
  myModerations,
  panelEntry,
  panelForMonth,
  QUALITIES,
  QUALITY_LABELS,
  saveModerationDraft,
  sectionGradeField,
  submitModeration,
} from '../../../services/moderation/moderations.ts';
import type { SignedInUser } from '../../../services/organisation/auth.ts';

const idParams = z.object({ moderationId: z.uuid() });
const monthParams = z.object({ monthId: z.uuid() });

const manage = { config: { access: 'moderation.manage' as const, childRecord: true } };

function user(request: FastifyRequest): SignedInUser {
  return request.user as SignedInUser;
}

function text(value: unknown, max = MAX_COMMENTS + 1000): string {
  if (Array.isArray(value)) return text(value[0], max);
  return typeof value === 'string' ? value.slice(0, max) : '';
}

/**
 * Moderation (domain.md §4), for QA: the moderator's list, the blind re-grade (the audit's evidence
 * without the auditor's grades), each month's panel with both sets of grades side by side, and the
 * panel's decision. Every page naming a child writes the access log.
 */
export default async function moderationRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get('/moderation', manage, async (request, reply) => {
    const mine = await myModerations(db, user(request));
    const listed = [...mine.waiting, ...mine.awaitingPanel];
    for (const m of listed) {
      await request.recordChildView({
        recordType: 'moderation',
        recordId: m.id,
        childId: m.childId,
        reason: 'Listed on the Moderation page',
      });
    }
    if (!listed.length) {
      await request.recordChildView({
        recordType: 'moderation list',
        recordId: 'none',
        childId: null,
        reason: 'Moderation page: no child was listed',
      });
    }
    return reply.render('pages/moderation/index.njk', { pageTitle: 'Moderation', mine });
  });

  async function regradePage(
    request: FastifyRequest,
    reply: FastifyReply,
    work: ModerationWork,
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    await request.recordChildView({
      recordType: 'audit',
      recordId: work.auditId,
      childId: work.childId,
      reason: 'Opened by its moderator for the blind re-grade',
    });
    const values = extra.values ?? work.draft;
    const grades = (chosen: string | undefined) =>
      work.tool.scale.grades.map((g) => ({ value: g.key, text: g.label, checked: g.key === chosen }));
    if (extra.errors?.length) reply.code(400);
    return reply.render('pages/moderation/regrade.njk', {
      pageTitle: `Moderate the audit of ${work.details.childReference}`,
      errors: extra.errors,
      work,
      details: work.details,
      childContext: await childContext(db, user(request).councilId, work.childId),
      childContextLink: '',
      values,
      gradeSections: work.evidence.sections.map((s) => {
        const field = sectionGradeField(s.key);
        return { ...s, field, items: s.graded ? grades(values[field]) : [] };
      }),
      overallItems: grades(values.overallGrade),
      qualityItems: QUALITIES.map((q) => ({
        value: q,
        text: QUALITY_LABELS[q],
        checked: values.quality === q,
      })),
      maxComments: MAX_COMMENTS,
    });
  }

  app.get('/moderations/:moderationId', manage, async (request, reply) => {
    const params = idParams.safeParse(request.params);
    if (!params.success) return reply.callNotFound();
    const work = await loadModerationWork(db, user(request), params.data.moderationId);
    return regradePage(request, reply, work);
  });

  app.post('/moderations/:moderationId', manage, async (request, reply) => {
    const params = idParams.safeParse(request.params);
    if (!params.success) return reply.callNotFound();
    const me = user(request);
    const id = params.data.moderationId;
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (text(body.action) === 'submit') {
      try {
        await submitModeration(db, me, id, body);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const work = await loadModerationWork(db, me, id);
        const values: Record<string, string> = {};
        for (const [k, v] of Object.entries(body)) if (k !== '_csrf') values[k] = text(v);
        return regradePage(request, reply, work, { errors: err.errors, values });
      }
      request.session.flash = {
        kind: 'success',
        text: 'Your moderation has been submitted. The moderation panel will compare it with the auditor’s grades.',
      };
      return reply.redirect('/moderation');
    }
    await saveModerationDraft(db, me, id, body);
    request.session.flash = { kind: 'success', text: 'Your draft has been saved.' };
    return reply.redirect(`/moderations/${id}`);
  });

  app.get('/moderation/panel/:monthId', manage, async (request, reply) => {
    const params = monthParams.safeParse(request.params);
    if (!params.success) return reply.callNotFound();
    const panel = await panelForMonth(db, user(request).councilId, params.data.monthId);
    for (const r of panel.rows) {
      await request.recordChildView({
        recordType: 'moderation',
        recordId: r.id,
        childId: r.childId,
        reason: `Listed on the moderation panel for ${panel.month.name}`,
      });
    }
    if (!panel.rows.length) {
      await request.recordChildView({
        recordType: 'moderation panel',
        recordId: panel.month.id,
        childId: null,
        reason: `Moderation panel for ${panel.month.name}: no child was listed`,
      });
    }
    return reply.render('pages/moderation/panel.njk', {
      pageTitle: `Moderation panel, ${panel.month.name}`,
      panel,
      waiting: panel.rows.filter((r) => !r.decision).length,
    });
  });

  async function decisionPage(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    const { month, row } = await panelEntry(db, user(request).councilId, id);
    await request.recordChildView({
      recordType: 'audit',
      recordId: row.auditId,
      childId: row.childId,
      reason: 'Opened by the moderation panel to decide the final grade',
    });
    const values = extra.values ?? {};
    if (extra.errors?.length) reply.code(400);
    return reply.render('pages/moderation/decision.njk', {
      pageTitle: `Moderation panel decision: ${row.childReference}`,
      errors: extra.errors,
      values,
      month,
      row,
      finalItems: row.scale.grades.map((g) => ({
        value: g.key,
        text: g.label,
        checked: values.finalGrade === g.key,
        hint:
          g.key === row.auditorOverall.key && g.key === row.moderatorOverall.key
            ? { text: 'The auditor’s and the moderator’s overall grade' }
            : g.key === row.auditorOverall.key
              ? { text: 'The auditor’s overall grade' }
              : g.key === row.moderatorOverall.key
                ? { text: 'The moderator’s overall grade' }
                : undefined,
      })),
      maxComments: MAX_COMMENTS,
    });
  }

  app.get('/moderations/:moderationId/decision', manage, async (request, reply) => {
    const params = idParams.safeParse(request.params);
    if (!params.success) return reply.callNotFound();
    return decisionPage(request, reply, params.data.moderationId);
  });

  app.post('/moderations/:moderationId/decision', manage, async (request, reply) => {
    const params = idParams.safeParse(request.params);
    if (!params.success) return reply.callNotFound();
    const id = params.data.moderationId;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const values = { finalGrade: text(body.finalGrade, 100), reason: text(body.reason) };
    let outcome: string;
    try {
      outcome = await decidePanel(db, app.queue ?? null, user(request), id, values);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return decisionPage(request, reply, id, { errors: err.errors, values });
    }
    const { month } = await panelEntry(db, user(request).councilId, id);
    request.session.flash = {
      kind: 'success',
      text: `The panel’s decision has been recorded: ${outcome}. The auditor has been told.`,
    };
    return reply.redirect(`/moderation/panel/${month.id}`);
  });
}
