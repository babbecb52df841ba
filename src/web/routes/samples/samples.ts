import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { monthName } from '../../../domain/dates.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { DRAW_FORM_FIELDS, fieldText } from '../../../services/sampling/draw-form.ts';
import {
  type AuditToAllocate,
  allocateWholeSample,
  allocationPage,
  auditToAllocate,
  checkDraw,
  type DrawPage,
  drawFormWithErrors,
  drawFromForm,
  exemptFromForm,
  giveAuditTo,
  newDrawPage,
  reinstateFromPage,
  samplePage,
} from '../../../services/sampling/sample-pages.ts';
import { formFields, formText, id } from '../../forms.ts';
import {
  type AllocationResult,
  allocationView,
  backTo,
  drawView,
  exemptView,
  sampleView,
} from './sample-view.ts';

declare module 'fastify' {
  interface Session {
    /** what the last automatic allocation of a sample did, for that sample's page (no child references) */
    allocationResult?: AllocationResult;
  }
}

const sampleParams = z.object({ sampleId: id });
const auditParams = z.object({ auditId: id });
/** The draw form: every field as typed (the service says what is wrong with it). */
const drawForm = formFields(Object.fromEntries(DRAW_FORM_FIELDS.map((f) => [f, formText])));
/** The draw form filled in from an address; `cohort`, `month` and `snapshot` come from links. */
const drawAddress = z.object({
  ...Object.fromEntries(DRAW_FORM_FIELDS.map((f) => [f, formText])),
  cohort: formText.optional(),
  month: formText.optional(),
  snapshot: formText,
  again: formText,
});
const allocationForm = formFields({ auditorId: formText, note: formText });
const exemptionForm = formFields({ reason: formText, otherNote: formText, note: formText });

/**
 * Drawing a sample from a cohort and handing its audits to auditors: for the QA lead. Sample and
 * audit pages list children by case reference only, never by name, and each opening of them is
 * written to the access log.
 */
const sampleRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const manage = { access: 'sampling.manage' as const };
  const childLevel = { ...manage, childRecord: true };

  // --- drawing ---

  function renderDraw(reply: FastifyReply, page: DrawPage) {
    if (page.errors.length) reply.code(400);
    return reply.render('pages/samples/new.njk', drawView(page));
  }

  app.get('/samples/new', { config: manage, schema: { querystring: drawAddress } }, async (request, reply) =>
    renderDraw(reply, await newDrawPage(db, request.person.councilId, app.today(), request.query)),
  );

  app.post('/samples/preview', { config: manage, schema: { body: drawForm } }, async (request, reply) =>
    renderDraw(reply, await checkDraw(db, request.person.councilId, app.today(), request.body)),
  );

  app.post('/samples', { config: manage, schema: { body: drawForm } }, async (request, reply) => {
    const me = request.person;
    try {
      const drawn = await drawFromForm(db, me, request.body, app.queue);
      request.session.flash = {
        kind: 'success',
        text: `The sample has been drawn: ${drawn.sampleSize} ${drawn.sampleSize === 1 ? 'child' : 'children'} from “${drawn.cohortName}”, with seed ${drawn.seed}. Allocate their audits below.`,
      };
      return reply.redirect(`/samples/${drawn.id}`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderDraw(
        reply,
        await drawFormWithErrors(db, me.councilId, app.today(), request.body, err.errors),
      );
    }
  });

  // --- a sample and its audits ---

  async function renderSample(
    request: FastifyRequest,
    reply: FastifyReply,
    sampleId: string,
    errors?: FieldError[],
  ) {
    const page = await samplePage(db, request.person.councilId, sampleId);
    // what the last automatic allocation did, once
    let kept = request.session.allocationResult;
    if (kept?.sampleId === page.sample.id) request.session.allocationResult = undefined;
    else kept = undefined;
    await request.recordChildView({
      recordType: 'sample',
      recordId: page.sample.id,
      childId: null,
      reason: `Sample for the ${monthName(page.sample.month)} cycle opened: it lists the children drawn by case reference`,
    });
    if (errors?.length) reply.code(400);
    return reply.render('pages/samples/sample.njk', sampleView(page, errors, kept));
  }

  app.get(
    '/samples/:sampleId',
    { config: childLevel, schema: { params: sampleParams } },
    async (request, reply) => renderSample(request, reply, request.params.sampleId),
  );

  app.post(
    '/samples/:sampleId/allocate',
    { config: childLevel, schema: { params: sampleParams } },
    async (request, reply) => {
      const { sampleId } = request.params;
      try {
        const result = await allocateWholeSample(db, app.queue, request.person, sampleId);
        request.session.allocationResult = { sampleId, ...result };
        return reply.redirect(`/samples/${sampleId}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderSample(request, reply, sampleId, err.errors);
      }
    },
  );

  // --- one audit: its auditor, its exemption ---

  const recordAuditView = (request: FastifyRequest, audit: AuditToAllocate, why: string) =>
    request.recordChildView({
      recordType: 'audit',
      recordId: audit.id,
      childId: audit.child_id,
      reason: why,
    });

  async function renderAllocation(
    request: FastifyRequest,
    reply: FastifyReply,
    auditId: string,
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    const { audit, choices } = await allocationPage(db, request.person.councilId, auditId);
    await recordAuditView(request, audit, 'Audit opened to choose its auditor');
    if (extra.errors?.length) reply.code(400);
    return reply.render('pages/samples/allocation.njk', allocationView(audit, choices, extra));
  }

  app.get(
    '/audits/:auditId/allocation',
    { config: childLevel, schema: { params: auditParams } },
    async (request, reply) => renderAllocation(request, reply, request.params.auditId),
  );

  app.post(
    '/audits/:auditId/allocation',
    { config: childLevel, schema: { params: auditParams, body: allocationForm } },
    async (request, reply) => {
      const { auditId } = request.params;
      const values = { auditorId: fieldText(request.body.auditorId), note: request.body.note };
      try {
        const { audit, auditorName } = await giveAuditTo(db, app.queue, request.person, auditId, values);
        request.session.flash = {
          kind: 'success',
          text: `The audit of ${audit.child_ref} is now with ${auditorName ?? 'the auditor you chose'}`,
        };
        return reply.redirect(backTo(audit));
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderAllocation(request, reply, auditId, { errors: err.errors, values });
      }
    },
  );

  async function renderExempt(
    request: FastifyRequest,
    reply: FastifyReply,
    auditId: string,
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    const audit = await auditToAllocate(db, request.person.councilId, auditId);
    await recordAuditView(request, audit, 'Audit opened to exempt it');
    if (extra.errors?.length) reply.code(400);
    return reply.render('pages/samples/exempt.njk', exemptView(audit, extra));
  }

  app.get(
    '/audits/:auditId/exempt',
    { config: childLevel, schema: { params: auditParams } },
    async (request, reply) => renderExempt(request, reply, request.params.auditId),
  );

  app.post(
    '/audits/:auditId/exempt',
    { config: childLevel, schema: { params: auditParams, body: exemptionForm } },
    async (request, reply) => {
      const { auditId } = request.params;
      const { otherNote, note } = request.body;
      const values = { reason: fieldText(request.body.reason), otherNote, note };
      try {
        const { audit, reasonText } = await exemptFromForm(db, request.person, auditId, values);
        request.session.flash = {
          kind: 'success',
          text: `The audit of ${audit.child_ref} is exempted (${reasonText.toLowerCase()}). It is counted as exempted, not deleted: reinstate it if this was a mistake.`,
        };
        return reply.redirect(backTo(audit));
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderExempt(request, reply, auditId, { errors: err.errors, values });
      }
    },
  );

  app.post(
    '/audits/:auditId/reinstate',
    { config: manage, schema: { params: auditParams } },
    async (request, reply) => {
      const { audit, withAuditor, refused } = await reinstateFromPage(
        db,
        request.person,
        request.params.auditId,
      );
      request.session.flash =
        refused !== null
          ? { kind: 'info', text: refused }
          : {
              kind: 'success',
              text: withAuditor
                ? `The audit of ${audit.child_ref} has been reinstated: it is with ${audit.auditor} again`
                : audit.auditor
                  ? `The audit of ${audit.child_ref} has been reinstated: ${audit.auditor} can no longer take it this month, so it is waiting to be allocated`
                  : `The audit of ${audit.child_ref} has been reinstated: it is waiting to be allocated`,
            };
      return reply.redirect(backTo(audit));
    },
  );
};

export default sampleRoutes;
