import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { ACTIVITY_KIND_LABELS } from '../../../domain/activity-kinds.ts';
import type { DraftFields } from '../../../domain/audit-form.ts';
import { formatDateTime } from '../../../domain/dates.ts';
import { ValidationError } from '../../../domain/validation.ts';
import {
  auditPage,
  auditPartPage,
  checkPageWriting,
  submitFromCheckPage,
} from '../../../services/audits/audit-pages.ts';
import {
  AUDITS_TO_READ,
  AuditToolMissingError,
  type AuditWork,
  auditsToRead,
  loadAuditWork,
  myAudits,
  nextPart,
  type SaveResult,
  saveDraftPart,
} from '../../../services/audits/audits.ts';
import { publishedExemplarCount } from '../../../services/audits/exemplars.ts';
import { partnerSectionsOfAudit } from '../../../services/multi-agency/invitations.ts';
import { anyForm, id } from '../../forms.ts';
import { auditView, checkView, partView, whyOpened } from './audit-view.ts';

const auditParams = z.object({ auditId: id });
const partParams = z.object({ auditId: id, part: z.string().regex(/^[a-z0-9_]{1,60}$/) });

const read = { access: 'audits.read' as const, childRecord: true };
const write = { access: 'audits.read' as const };

/** The revision of the part the page was showing: 0 when missing or not a count. */
function revisionOf(form: Record<string, unknown>): number {
  const n = Number(form.revision ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** The save button used: on to the next part, back to the overview, or another action row. */
function nextStep(form: Record<string, unknown>): string {
  return typeof form.next === 'string' ? form.next : 'continue';
}

/**
 * Where a "Save and go to" button leads once the part is saved (without JavaScript a link would
 * lose what was typed, so every way out of the form is a button): only one of the audit's own pages
 * (a part, the check page, the child's context, the escalation form) or My audits. Anything else,
 * such as another site, goes to the audit's page.
 */
function saveAndGoTo(target: string, auditId: string, partKeys: readonly string[]): string {
  const audit = `/audits/${auditId}`;
  const allowed = new Set([
    audit,
    `${audit}/check`,
    `${audit}/child`,
    `${audit}/escalate`,
    '/my-audits',
    ...partKeys.map((key) => `${audit}/parts/${key}`),
  ]);
  return allowed.has(target) ? target : audit;
}

/**
 * Doing an audit: My audits, the audit's pages part by part with drafts saved as typed, the check
 * and submission, and the submitted audit as the practitioner, their manager, the Head of Service
 * and QA read it. Who may open which audit: src/services/audits/audit-access.ts. Every page showing a
 * child's audit writes the access log.
 */
const auditRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  // an audit drawn before samples named their tool, in a council with no tool of its kind: say so,
  // and what to do, rather than "Page not found"; anything else goes to the service's error pages
  app.setErrorHandler(async (error, _request, reply) => {
    if (!(error instanceof AuditToolMissingError)) throw error;
    reply.code(409);
    return reply.render('pages/audits/no-tool.njk', {
      pageTitle: 'This audit cannot be opened yet',
      kind: ACTIVITY_KIND_LABELS[error.kind].toLowerCase(),
    });
  });

  /** A list of children's audits: each child listed is written to the access log. */
  async function logList(
    request: FastifyRequest,
    audits: { id: string; childId?: string }[],
    reason: string,
  ) {
    if (audits.length === 0) {
      await request.recordChildView({ recordType: 'audit list', recordId: 'none', childId: null, reason });
      return;
    }
    // one line for each audit listed, written together
    await request.recordChildViews(
      audits.map((a) => ({ recordType: 'audit', recordId: a.id, childId: a.childId ?? null, reason })),
    );
  }

  async function logView(request: FastifyRequest, work: AuditWork, reason: string) {
    await request.recordChildView({
      recordType: 'audit',
      recordId: work.audit.id,
      childId: work.audit.childId,
      reason,
    });
  }

  // --- the lists ---

  app.get('/my-audits', { config: { access: 'audits.mine', childRecord: true } }, async (request, reply) => {
    const mine = await myAudits(db, request.person, app.today());
    await logList(request, [...mine.waiting, ...mine.submitted], 'Listed in the auditor’s My audits');
    return reply.render('pages/audits/my-audits.njk', { pageTitle: 'My audits', mine });
  });

  app.get('/audits', { config: read }, async (request, reply) => {
    const audits = await auditsToRead(db, request.person);
    await logList(request, audits, 'Listed among the submitted audits the person may read');
    return reply.render('pages/audits/to-read.njk', { pageTitle: 'Audits', audits, limit: AUDITS_TO_READ });
  });

  // --- the audit ---

  app.get('/audits/:auditId', { config: read, schema: { params: auditParams } }, async (request, reply) => {
    const page = await auditPage(db, request.person, request.params.auditId, app.today());
    await logView(request, page.work, whyOpened(page.work));
    const { template, view } = auditView(page);
    // a multi-agency audit says which sections came from which partner
    const partnerSections =
      page.work.audit.kind === 'multi_agency'
        ? await partnerSectionsOfAudit(db, request.person.councilId, page.work.audit.id)
        : [];
    // an auditor's link to the published good-practice exemplars of the audit's tool (issue 20)
    const exemplarCount = await publishedExemplarCount(db, request.person.councilId, page.work.audit.toolId);
    return reply.render(template, { ...view, partnerSections, exemplarCount });
  });

  // --- its parts ---

  app.get(
    '/audits/:auditId/parts/:part',
    { config: read, schema: { params: partParams } },
    async (request, reply) => {
      const { auditId, part: partKey } = request.params;
      const { work, part, childContext } = await auditPartPage(
        db,
        request.person,
        auditId,
        partKey,
        app.today(),
      );
      if (!part) return reply.callNotFound();
      if (!work.access.mayEdit) return reply.redirect(`/audits/${work.audit.id}`);
      await logView(request, work, `${whyOpened(work)}, to complete “${part.title}”`);
      const exemplarCount = await publishedExemplarCount(db, request.person.councilId, work.audit.toolId);
      return reply.render('pages/audits/part.njk', { ...partView(work, part, childContext), exemplarCount });
    },
  );

  /** A save refused as a whole (a value no page offers): the part again, or the 400 page without one. */
  async function refusedSave(
    request: FastifyRequest,
    reply: FastifyReply,
    params: { auditId: string; part: string },
    form: DraftFields,
    err: ValidationError,
  ) {
    const { work, part, childContext } = await auditPartPage(
      db,
      request.person,
      params.auditId,
      params.part,
      app.today(),
    );
    reply.code(400);
    if (!part) {
      await logView(request, work, whyOpened(work));
      return reply.render('errors/400.njk', {
        pageTitle: 'There is a problem with the request',
        reason: err.message,
      });
    }
    await logView(request, work, `${whyOpened(work)}, to complete “${part.title}”`);
    return reply.render(
      'pages/audits/part.njk',
      partView(work, part, childContext, { values: form, revision: revisionOf(form), errors: err.errors }),
    );
  }

  app.post(
    '/audits/:auditId/parts/:part',
    { config: read, schema: { params: partParams, body: anyForm } },
    async (request, reply) => {
      const { auditId, part: partKey } = request.params;
      const form = request.body;
      let result: SaveResult;
      try {
        result = await saveDraftPart(db, request.person, auditId, partKey, form, revisionOf(form));
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return refusedSave(request, reply, request.params, form, err);
      }
      const { work, part, childContext } = await auditPartPage(
        db,
        request.person,
        auditId,
        partKey,
        app.today(),
      );
      if (!part) return reply.callNotFound();
      await logView(request, work, `${whyOpened(work)}, to complete “${part.title}”`);
      if (!result.ok) {
        reply.code(409);
        return reply.render(
          'pages/audits/part.njk',
          partView(work, part, childContext, {
            values: form,
            revision: result.conflict.revision,
            conflict: result.conflict,
            extraActionRows: 0,
          }),
        );
      }
      const next = nextStep(form);
      if (next === 'add-action') {
        return reply.render(
          'pages/audits/part.njk',
          partView(work, part, childContext, { extraActionRows: 2 }),
        );
      }
      if (next === 'overview') return reply.redirect(`/audits/${auditId}`);
      if (next !== 'continue') {
        return reply.redirect(
          saveAndGoTo(
            next,
            auditId,
            work.parts.map((p) => p.key),
          ),
        );
      }
      const following = nextPart(work, part.key);
      return reply.redirect(
        following ? `/audits/${auditId}/parts/${following.key}` : `/audits/${auditId}/check`,
      );
    },
  );

  // The page's script saves as the auditor types: the same save, answered in JSON.
  app.post(
    '/audits/:auditId/parts/:part/autosave',
    { config: write, attachValidation: true, schema: { params: partParams, body: anyForm } },
    async (request, reply) => {
      // the script reads JSON: an address that is no audit's part is answered in JSON too
      const invalid = request.validationError;
      if (invalid) {
        if (invalid.validationContext === 'params') return reply.code(404).send({ error: 'No such audit' });
        throw invalid;
      }
      const { auditId, part } = request.params;
      try {
        const result = await saveDraftPart(
          db,
          request.person,
          auditId,
          part,
          request.body,
          revisionOf(request.body),
        );
        if (!result.ok) {
          return reply.code(409).send({
            conflict: true,
            message: `${result.conflict.savedBy ?? 'Someone else'} saved this section at ${formatDateTime(result.conflict.savedAt)}, after you opened it. What you typed here is not saved yet: select a save button to see both versions.`,
          });
        }
        return reply.send({
          revision: result.revision,
          savedAt: formatDateTime(result.savedAt),
          changed: result.changed,
        });
      } catch (err) {
        if (err instanceof ValidationError) return reply.code(400).send({ errors: err.errors });
        throw err;
      }
    },
  );

  // --- checking and submitting ---

  app.get(
    '/audits/:auditId/check',
    { config: read, schema: { params: auditParams } },
    async (request, reply) => {
      const work = await loadAuditWork(db, request.person, request.params.auditId, app.today());
      if (!work.access.mayEdit) return reply.redirect(`/audits/${work.audit.id}`);
      await logView(request, work, `${whyOpened(work)}, to check it before submitting`);
      return reply.render('pages/audits/check.njk', {
        ...checkView(work, undefined),
        writing: await checkPageWriting(db, work),
      });
    },
  );

  app.post(
    '/audits/:auditId/submit',
    { config: read, schema: { params: auditParams } },
    async (request, reply) => {
      const submitted = await submitFromCheckPage(
        db,
        app.queue,
        request.person,
        request.params.auditId,
        app.today(),
      );
      if (submitted.outcome === 'already-submitted') {
        // sent twice (a double click): the first went in, so show the audit rather than an error
        request.session.flash = { kind: 'info', text: 'This audit had already been submitted.' };
        return reply.redirect(`/audits/${submitted.auditId}`);
      }
      const { work } = submitted;
      await logView(request, work, `${whyOpened(work)}, to submit it`);
      if (submitted.outcome === 'problems') {
        reply.code(400);
        return reply.render('pages/audits/check.njk', {
          ...checkView(work, submitted.errors),
          writing: await checkPageWriting(db, work),
        });
      }
      const child = work.details.childReference;
      if (work.audit.kind === 'dip_sample') {
        const next = submitted.nextDipSample;
        request.session.flash = {
          kind: 'success',
          text: next
            ? `Dip sample of ${child} submitted. This is your next one.`
            : `Dip sample of ${child} submitted. You have no more dip samples to do.`,
        };
        return reply.redirect(next ? `/audits/${next}` : '/my-audits');
      }
      request.session.flash = {
        kind: 'success',
        text: `Audit of ${child} submitted. The practitioner and their manager have been told it is ready to read.`,
      };
      return reply.redirect(`/audits/${work.audit.id}`);
    },
  );
};

export default auditRoutes;
