import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { STAND_INS } from '../../../domain/redaction.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import {
  exemplarMarkPage,
  exemplarReviewPage,
  listExemplars,
  MAX_NOTE,
  markExemplar,
  readExemplar,
  saveExemplarReview,
  withdrawExemplar,
} from '../../../services/audits/exemplars.ts';
import { anyForm, formFields, formText, id } from '../../forms.ts';

const auditParams = z.object({ auditId: id });
const exemplarParams = z.object({ exemplarId: id });
const listQuery = z.object({ tool: id.optional().catch(undefined) });
const markForm = formFields({ note: formText, otherNames: formText });

const manage = { access: 'exemplars.manage' as const, childRecord: true };
const read = { access: 'exemplars.read' as const, childRecord: true };

/**
 * Good-practice exemplars (issue 20): the QA lead marks a submitted audit, reviews its redacted text
 * and publishes it; auditors read the published ones for their tool. Each page is derived from a
 * child's audit, so each writes the access log. Rules: src/services/audits/exemplars.ts.
 */
const exemplarRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const logView = (request: FastifyRequest, exemplarId: string, childId: string, reason: string) =>
    request.recordChildView({ recordType: 'exemplar', recordId: exemplarId, childId, reason });

  // --- marking ---

  async function markPage(
    request: FastifyRequest,
    reply: FastifyReply,
    auditId: string,
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    const page = await exemplarMarkPage(db, request.person, auditId);
    if (page.exemplarId && !extra.errors) return reply.redirect(`/exemplars/${page.exemplarId}/review`);
    await request.recordChildView({
      recordType: 'audit',
      recordId: page.audit.id,
      childId: page.audit.childId,
      reason: 'Audit opened by QA to mark it as a good-practice exemplar',
    });
    if (extra.errors?.length) reply.code(400);
    return reply.render('pages/exemplars/mark.njk', {
      pageTitle: 'Mark as a good-practice exemplar',
      audit: page.audit,
      toolName: page.toolName,
      errors: extra.errors,
      values: extra.values ?? {},
      maxNote: MAX_NOTE,
    });
  }

  app.get(
    '/audits/:auditId/exemplar',
    { config: manage, schema: { params: auditParams } },
    async (request, reply) => markPage(request, reply, request.params.auditId),
  );

  app.post(
    '/audits/:auditId/exemplar',
    { config: manage, schema: { params: auditParams, body: markForm } },
    async (request, reply) => {
      const values = { note: request.body.note, otherNames: request.body.otherNames };
      let exemplarId: string;
      try {
        exemplarId = await markExemplar(db, request.person, request.params.auditId, values);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return markPage(request, reply, request.params.auditId, { errors: err.errors, values });
      }
      request.session.flash = {
        kind: 'success',
        text: 'Marked as a good-practice exemplar. Check what was replaced before you publish it.',
      };
      return reply.redirect(`/exemplars/${exemplarId}/review`);
    },
  );

  // --- reviewing, publishing, withdrawing ---

  async function reviewPage(
    request: FastifyRequest,
    reply: FastifyReply,
    exemplarId: string,
    extra: { errors?: FieldError[]; form?: Record<string, string | string[]> } = {},
  ) {
    const typed = extra.form
      ? new Map(Object.entries(extra.form).map(([k, v]) => [k, Array.isArray(v) ? (v[0] ?? '') : v]))
      : undefined;
    const page = await exemplarReviewPage(db, request.person, exemplarId, typed);
    await logView(
      request,
      page.exemplar.id,
      page.exemplar.childId,
      'Exemplar opened by QA to review its redaction',
    );
    // the review shows the audit's own words beside the redacted text
    await request.recordChildView({
      recordType: 'audit',
      recordId: page.exemplar.auditId,
      childId: page.exemplar.childId,
      reason: 'Audit’s own words read beside its exemplar’s redaction',
    });
    if (extra.errors?.length) reply.code(400);
    return reply.render('pages/exemplars/review.njk', {
      pageTitle: 'Review the exemplar before publishing',
      ...page,
      note: typed?.get('note') ?? page.exemplar.note,
      errors: extra.errors,
      standIns: Object.values(STAND_INS),
      maxNote: MAX_NOTE,
    });
  }

  app.get(
    '/exemplars/:exemplarId/review',
    { config: manage, schema: { params: exemplarParams } },
    async (request, reply) => reviewPage(request, reply, request.params.exemplarId),
  );

  async function saveReview(
    request: FastifyRequest,
    reply: FastifyReply,
    exemplarId: string,
    form: Record<string, string | string[]>,
    publish: boolean,
  ) {
    try {
      await saveExemplarReview(db, request.person, exemplarId, form, publish);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return reviewPage(request, reply, exemplarId, { errors: err.errors, form });
    }
    request.session.flash = {
      kind: 'success',
      text: publish
        ? 'Published: auditors using this tool can now read the exemplar.'
        : 'Your changes have been saved.',
    };
    return reply.redirect(publish ? `/exemplars/${exemplarId}` : `/exemplars/${exemplarId}/review`);
  }

  app.post(
    '/exemplars/:exemplarId/review',
    { config: manage, schema: { params: exemplarParams, body: anyForm } },
    async (request, reply) => saveReview(request, reply, request.params.exemplarId, request.body, false),
  );

  app.post(
    '/exemplars/:exemplarId/publish',
    { config: manage, schema: { params: exemplarParams, body: anyForm } },
    async (request, reply) => saveReview(request, reply, request.params.exemplarId, request.body, true),
  );

  app.post(
    '/exemplars/:exemplarId/withdraw',
    { config: { access: 'exemplars.manage' }, schema: { params: exemplarParams } },
    async (request, reply) => {
      await withdrawExemplar(db, request.person, request.params.exemplarId);
      request.session.flash = {
        kind: 'success',
        text: 'Withdrawn: auditors can no longer read this exemplar.',
      };
      return reply.redirect('/exemplars');
    },
  );

  // --- reading ---

  app.get('/exemplars', { config: read, schema: { querystring: listQuery } }, async (request, reply) => {
    const list = await listExemplars(db, request.person, request.query.tool);
    if (list.items.length === 0) {
      await request.recordChildView({
        recordType: 'exemplar list',
        recordId: 'none',
        childId: null,
        reason: 'Listed the good-practice exemplars',
      });
    }
    for (const e of list.items)
      await logView(request, e.id, e.childId, 'Listed among the good-practice exemplars');
    const toolName = request.query.tool ? list.items[0]?.toolName : undefined;
    return reply.render('pages/exemplars/list.njk', {
      pageTitle: toolName ? `Good-practice exemplars: ${toolName}` : 'Good-practice exemplars',
      ...list,
      toolFilter: request.query.tool,
      groups: list.manager
        ? (['in_review', 'published', 'withdrawn'] as const).map((status) => ({
            status,
            items: list.items.filter((i) => i.status === status),
          }))
        : list.tools.map((t) => ({ tool: t, items: list.items.filter((i) => i.toolId === t.id) })),
    });
  });

  app.get(
    '/exemplars/:exemplarId',
    { config: read, schema: { params: exemplarParams } },
    async (request, reply) => {
      const exemplar = await readExemplar(db, request.person, request.params.exemplarId);
      await logView(request, exemplar.id, exemplar.childId, 'Good-practice exemplar read');
      return reply.render('pages/exemplars/exemplar.njk', {
        pageTitle: `Good-practice exemplar: ${exemplar.toolName}`,
        exemplar,
      });
    },
  );
};

export default exemplarRoutes;
