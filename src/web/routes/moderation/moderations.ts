import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { repliesOf } from '../../../services/audits/replies.ts';
import type { ChildContext } from '../../../services/case-data/child-context.ts';
import {
  decidePanel,
  MAX_COMMENTS,
  type ModerationWork,
  myModerations,
  panelEntry,
  panelForMonth,
  panelMemberChoices,
  QUALITIES,
  QUALITY_LABELS,
  regradePage,
  saveModerationDraft,
  sectionGradeField,
  submitModeration,
} from '../../../services/moderation/moderations.ts';
import { anyForm, formFields, formList, formText, id } from '../../forms.ts';

const idParams = z.object({ moderationId: id });
const monthParams = z.object({ monthId: id });

/** Typed text is kept to show again, up to well past the longest allowed. */
const KEEP_CHARS = MAX_COMMENTS + 1000;

/** The first value of a field as typed, kept up to `max` characters. */
function text(value: unknown, max = KEEP_CHARS): string {
  if (Array.isArray(value)) return text(value[0], max);
  return typeof value === 'string' ? value.slice(0, max) : '';
}

const decisionForm = formFields({
  finalGrade: formText.transform((v) => v.slice(0, 100)),
  reason: formText.transform((v) => v.slice(0, KEEP_CHARS)),
  'panelDate-day': formText.transform((v) => v.slice(0, 20)),
  'panelDate-month': formText.transform((v) => v.slice(0, 20)),
  'panelDate-year': formText.transform((v) => v.slice(0, 20)),
  // ids chosen; kept to a list's length so a flood of values goes no further
  members: formList.transform((v) => v.slice(0, 200).map((x) => String(x).slice(0, 100))),
});

const manage = { access: 'moderation.manage' as const, childRecord: true };

/**
 * Moderation (domain.md §4), for QA: the moderator's list, the blind re-grade (the audit's evidence
 * without the auditor's grades), each month's panel with both sets of grades side by side, and the
 * panel's decision. Every page naming a child writes the access log.
 */
const moderationRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get('/moderation', { config: manage }, async (request, reply) => {
    const mine = await myModerations(db, request.person);
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

  // --- the blind re-grade ---

  async function renderRegrade(
    request: FastifyRequest,
    reply: FastifyReply,
    page: { work: ModerationWork; childContext: ChildContext | undefined },
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    const { work } = page;
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
      childContext: page.childContext,
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

  app.get(
    '/moderations/:moderationId',
    { config: manage, schema: { params: idParams } },
    async (request, reply) => {
      const page = await regradePage(db, request.person, request.params.moderationId);
      return renderRegrade(request, reply, page);
    },
  );

  app.post(
    '/moderations/:moderationId',
    { config: manage, schema: { params: idParams, body: anyForm } },
    async (request, reply) => {
      const me = request.person;
      const id = request.params.moderationId;
      const form = request.body;
      if (text(form.action) === 'submit') {
        try {
          await submitModeration(db, me, id, form);
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          const page = await regradePage(db, me, id);
          const values: Record<string, string> = {};
          for (const [k, v] of Object.entries(form)) if (k !== '_csrf') values[k] = text(v);
          return renderRegrade(request, reply, page, { errors: err.errors, values });
        }
        request.session.flash = {
          kind: 'success',
          text: 'Your moderation has been submitted. The moderation panel will compare it with the auditor’s grades.',
        };
        return reply.redirect('/moderation');
      }
      await saveModerationDraft(db, me, id, form);
      request.session.flash = { kind: 'success', text: 'Your draft has been saved.' };
      return reply.redirect(`/moderations/${id}`);
    },
  );

  // --- the panel ---

  app.get(
    '/moderation/panel/:monthId',
    { config: manage, schema: { params: monthParams } },
    async (request, reply) => {
      const panel = await panelForMonth(db, request.person.councilId, request.params.monthId);
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
    },
  );

  async function decisionPage(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    extra: { errors?: FieldError[]; values?: Record<string, string>; members?: string[] } = {},
  ) {
    const { month, row } = await panelEntry(db, request.person.councilId, id);
    const choices = row.decision ? [] : await panelMemberChoices(db, request.person.councilId);
    // the person recording the decision is ticked to start with
    const ticked = new Set(extra.members ?? [request.person.staffId]);
    const [year, monthNumber, day] = app.today().split('-');
    await request.recordChildView({
      recordType: 'audit',
      recordId: row.auditId,
      childId: row.childId,
      reason: 'Opened by the moderation panel to decide the final grade',
    });
    const values = extra.values ?? {};
    // the case holder's and manager's replies to the findings, beside the auditor's grades
    const replies = await repliesOf(db, request.person.councilId, row.auditId);
    if (extra.errors?.length) reply.code(400);
    return reply.render('pages/moderation/decision.njk', {
      pageTitle: `Moderation panel decision: ${row.childReference}`,
      replySections: row.sections
        .map((s) => ({ title: s.title, replies: replies.filter((r) => r.sectionKey === s.key) }))
        .filter((s) => s.replies.length),
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
      memberItems: choices.map((c) => ({
        value: c.id,
        text: c.name,
        hint: c.jobTitle ? { text: c.jobTitle } : undefined,
        checked: ticked.has(c.id),
      })),
      panelDate: {
        day: values['panelDate-day'] ?? String(Number(day)),
        month: values['panelDate-month'] ?? String(Number(monthNumber)),
        year: values['panelDate-year'] ?? year,
      },
    });
  }

  app.get(
    '/moderations/:moderationId/decision',
    { config: manage, schema: { params: idParams } },
    async (request, reply) => decisionPage(request, reply, request.params.moderationId),
  );

  app.post(
    '/moderations/:moderationId/decision',
    { config: manage, schema: { params: idParams, body: decisionForm } },
    async (request, reply) => {
      const id = request.params.moderationId;
      const body = request.body;
      const values = {
        finalGrade: body.finalGrade,
        reason: body.reason,
        'panelDate-day': body['panelDate-day'],
        'panelDate-month': body['panelDate-month'],
        'panelDate-year': body['panelDate-year'],
      };
      const panel = {
        date: { day: body['panelDate-day'], month: body['panelDate-month'], year: body['panelDate-year'] },
        members: body.members,
        today: app.today(),
      };
      let outcome: string;
      try {
        outcome = await decidePanel(db, app.queue ?? null, request.person, id, { ...values, panel });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return decisionPage(request, reply, id, { errors: err.errors, values, members: body.members });
      }
      const { month } = await panelEntry(db, request.person.councilId, id);
      request.session.flash = {
        kind: 'success',
        text: `The panel’s decision has been recorded: ${outcome}. The auditor has been told.`,
      };
      return reply.redirect(`/moderation/panel/${month.id}`);
    },
  );
};

export default moderationRoutes;
