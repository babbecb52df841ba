import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import {
  MAX_REASON,
  REPLY_CHOICE_LABELS,
  REPLY_CHOICES,
  reasonField,
  replyField,
} from '../../../domain/section-replies.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { type ReplyFormPage, replyFormPage, saveReplies } from '../../../services/audits/replies.ts';
import { addToModeration } from '../../../services/moderation/moderation-plans.ts';
import { anyForm, id } from '../../forms.ts';
import { answerRows } from './audit-view.ts';

const auditParams = z.object({ auditId: id });

/** Typed text is kept to show again, up to well past the longest allowed. */
const KEEP_CHARS = MAX_REASON + 1000;

function text(value: unknown): string {
  if (Array.isArray(value)) return text(value[0]);
  return typeof value === 'string' ? value.slice(0, KEEP_CHARS) : '';
}

/** The reply form's view: each section's findings, the replies given, and the radios of those still open. */
function replyView(page: ReplyFormPage, values: Record<string, string>, errors: FieldError[] | undefined) {
  const { work } = page;
  const scale = work.tool.scale;
  const themeNames = new Map(work.themes.map((t) => [t.key, t.name]));
  return {
    pageTitle: `Reply to the findings – audit of ${work.details.childReference}`,
    errors,
    work,
    details: work.details,
    roleText: page.roleText,
    closed: page.closed,
    maxReason: MAX_REASON,
    openCount: page.open.length,
    sections: page.sections.map((s) => {
      const choice = values[replyField(s.key)] ?? '';
      return {
        key: s.key,
        number: s.number,
        title: s.section.title,
        rows: answerRows(s.section, s.answers, scale, themeNames),
        mine: s.mine,
        others: s.others,
        open: page.open.some((o) => o.key === s.key),
        replyName: replyField(s.key),
        reasonName: reasonField(s.key),
        reason: values[reasonField(s.key)] ?? '',
        items: REPLY_CHOICES.map((c) => ({ value: c, text: REPLY_CHOICE_LABELS[c], checked: choice === c })),
      };
    }),
  };
}

/**
 * The practitioner's reply to a submitted audit's findings (issue 20, item 5): the case holder and
 * their line manager each agree or disagree with every section's findings, once, until the audit has
 * been moderated; and, for QA, adding a disputed audit to the cycle's moderation. Who may reply:
 * src/services/audits/replies.ts. Every page showing the audit writes the access log.
 */
const replyRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const replyConfig = { access: 'audits.reply' as const, childRecord: true };

  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    page: ReplyFormPage,
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    await request.recordChildView({
      recordType: 'audit',
      recordId: page.work.audit.id,
      childId: page.work.audit.childId,
      reason: `Opened by ${page.role === 'practitioner' ? 'its case holder' : 'the case holder’s manager'} to reply to its findings`,
    });
    if (extra.errors?.length) reply.code(400);
    return reply.render('pages/audits/reply.njk', replyView(page, extra.values ?? {}, extra.errors));
  }

  app.get(
    '/audits/:auditId/reply',
    { config: replyConfig, schema: { params: auditParams } },
    async (request, reply) => {
      const page = await replyFormPage(db, request.person, request.params.auditId, app.today());
      return render(request, reply, page);
    },
  );

  app.post(
    '/audits/:auditId/reply',
    { config: replyConfig, schema: { params: auditParams, body: anyForm } },
    async (request, reply) => {
      const { auditId } = request.params;
      const form = request.body;
      let result: { saved: number; disagreed: number };
      try {
        result = await saveReplies(db, request.person, auditId, form);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const page = await replyFormPage(db, request.person, auditId, app.today());
        const values: Record<string, string> = {};
        for (const s of page.sections) {
          values[replyField(s.key)] = text(form[replyField(s.key)]);
          values[reasonField(s.key)] = text(form[reasonField(s.key)]);
        }
        return render(request, reply, page, { errors: err.errors, values });
      }
      const noun = result.saved === 1 ? 'reply' : 'replies';
      request.session.flash = {
        kind: 'success',
        text: `Your ${noun} to ${result.saved === 1 ? 'one section' : `${result.saved} sections`} ${result.saved === 1 ? 'has' : 'have'} been saved.${result.disagreed ? ' QA can see where you disagree.' : ''}`,
      };
      return reply.redirect(`/audits/${auditId}#replies-heading`, 303);
    },
  );

  // --- QA: a disputed audit added to the cycle's moderation ---

  app.post(
    '/audits/:auditId/moderate',
    { config: { access: 'moderation.manage' as const }, schema: { params: auditParams, body: anyForm } },
    async (request, reply) => {
      const { auditId } = request.params;
      try {
        const added = await addToModeration(db, request.person, auditId);
        request.session.flash = {
          kind: 'success',
          text: added.allocated
            ? 'The audit has been added to moderation and allocated to a moderator.'
            : `The audit has been added to moderation, but could not be allocated: ${added.unallocated[0]?.reason ?? 'no moderator'}.`,
        };
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        request.session.flash = { kind: 'info', text: err.errors.map((e) => e.message).join('. ') };
      }
      return reply.redirect(`/audits/${auditId}#replies-heading`, 303);
    },
  );
};

export default replyRoutes;
