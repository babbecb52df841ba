import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { CONVERSATION_WITH, type DraftFields, type FormPart } from '../../../domain/audit-form.ts';
import { formatDateTime } from '../../../domain/dates.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { afterSubmissionPanel } from '../../../services/audits/actions.ts';
import { AuditAccessError, auditAccess } from '../../../services/audits/audit-access.ts';
import {
  AUDITS_TO_READ,
  type AuditWork,
  auditsToRead,
  loadAuditWork,
  myAudits,
  nextAuditOfKind,
  nextPart,
  partOf,
  type SaveResult,
  type SubmitError,
  saveDraftPart,
  submitAudit,
} from '../../../services/audits/audits.ts';
import { escalationPanel } from '../../../services/audits/escalations.ts';
import { feedbackPanel } from '../../../services/audits/feedback.ts';
import { childContext } from '../../../services/case-data/child-context.ts';
import { moderationPanel } from '../../../services/moderation/moderations.ts';
import type { SignedInUser } from '../../../services/organisation/auth.ts';
import {
  actionRows,
  answerRows,
  draftRows,
  gradeItems,
  questionControls,
  STATE_TAGS,
} from './audit-pages.ts';

const auditParams = z.object({ auditId: z.uuid() });
const partParams = z.object({ auditId: z.uuid(), part: z.string().regex(/^[a-z0-9_]{1,60}$/) });

const read = { config: { access: 'audits.read' as const, childRecord: true } };
const write = { config: { access: 'audits.read' as const } };

function user(request: FastifyRequest): SignedInUser {
  return request.user as SignedInUser;
}

function revisionOf(body: Record<string, unknown> | undefined): number {
  const n = Number(body?.revision ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/**
 * Doing an audit: My audits, the audit's pages part by part with drafts saved as typed, the check
 * and submission, and the submitted audit as the practitioner, their manager, the Head of Service
 * and QA read it. Who may open which audit: src/services/audits/audit-access.ts. Every page showing a
 * child's audit writes the access log.
 */
export default async function auditRoutes(app: FastifyInstance, { db }: { db: Db }) {
  /** A list of children's audits: each child listed is written to the access log. */
  async function logList(
    request: FastifyRequest,
    audits: { id: string; childId?: string }[],
    reason: string,
  ) {
    if (audits.length === 0) {
      await request.recordChildView({ recordType: 'audit list', recordId: 'none', childId: null, reason });
    }
    for (const a of audits) {
      await request.recordChildView({
        recordType: 'audit',
        recordId: a.id,
        childId: a.childId ?? null,
        reason,
      });
    }
  }

  app.get('/my-audits', { config: { access: 'audits.mine', childRecord: true } }, async (request, reply) => {
    const mine = await myAudits(db, user(request), app.today());
    await logList(request, [...mine.waiting, ...mine.submitted], 'Listed in the auditor’s My audits');
    return reply.render('pages/audits/my-audits.njk', { pageTitle: 'My audits', mine });
  });

  app.get('/audits', { config: { access: 'audits.read', childRecord: true } }, async (request, reply) => {
    const audits = await auditsToRead(db, user(request));
    await logList(request, audits, 'Listed among the submitted audits the person may read');
    return reply.render('pages/audits/to-read.njk', { pageTitle: 'Audits', audits, limit: AUDITS_TO_READ });
  });

  async function logView(request: FastifyRequest, work: AuditWork, reason: string) {
    await request.recordChildView({
      recordType: 'audit',
      recordId: work.audit.id,
      childId: work.audit.childId,
      reason,
    });
  }

  function whyOpened(work: AuditWork): string {
    const r = work.access.relations;
    if (r.has('auditor')) return 'Opened by the auditor it is allocated to';
    if (r.has('qa')) return 'Opened by QA';
    if (r.has('practitioner')) return 'Opened by the case holder';
    if (r.has('manager')) return 'Opened by the case holder’s manager';
    if (r.has('service')) return 'Opened by a senior leader for the service';
    return 'Opened';
  }

  app.get<{ Params: { auditId: string } }>('/audits/:auditId', read, async (request, reply) => {
    const params = auditParams.safeParse(request.params);
    if (!params.success) return reply.callNotFound();
    const today = app.today();
    const work = await loadAuditWork(db, user(request), params.data.auditId, today);
    await logView(request, work, whyOpened(work));
    const [context, escalations] = await Promise.all([
      childContext(db, work.audit.councilId, work.audit.childId),
      escalationPanel(db, work.access, user(request)),
    ]);
    const base = { work, details: work.details, childContext: context, escalationPanel: escalations };
    if (work.submitted) {
      const themeNames = new Map(work.themes.map((t) => [t.key, t.name]));
      const scale = work.tool.scale;
      return reply.render('pages/audits/submitted.njk', {
        ...base,
        pageTitle: `Audit of ${work.details.childReference}`,
        sections: work.tool.definition.sections.map((s, i) => ({
          number: i + 1,
          title: s.title,
          rows: answerRows(s, work.submitted?.answers[s.key], scale, themeNames),
        })),
        overallGrade: scale.grades.find((g) => g.key === work.submitted?.overallGrade)?.label ?? null,
        conversation: work.submitted.conversation
          ? {
              ...work.submitted.conversation,
              withText: CONVERSATION_WITH.find((c) => c.value === work.submitted?.conversation?.with)?.text,
            }
          : null,
        afterPanel: await afterSubmissionPanel(db, work.access, user(request), today),
        moderationPanel: await moderationPanel(db, work.access),
        feedbackPanel: await feedbackPanel(db, work.access, user(request)),
      });
    }
    const completed = work.parts.filter((p) => work.states[p.key] === 'completed').length;
    return reply.render('pages/audits/audit.njk', {
      ...base,
      pageTitle: `Audit of ${work.details.childReference}`,
      parts: work.parts.map((p, i) => ({
        ...p,
        number: i + 1,
        href: `/audits/${work.audit.id}/parts/${p.key}`,
        tag: STATE_TAGS[work.states[p.key]],
        savedAt: work.drafts[p.key]?.savedAt ?? null,
      })),
      completed,
      mayEdit: work.access.mayEdit,
    });
  });

  /** The form of one part, with what was typed (or `values` as sent, after an error or a conflict). */
  async function renderPart(
    reply: FastifyReply,
    work: AuditWork,
    part: FormPart,
    page: {
      values?: DraftFields;
      revision?: number;
      errors?: FieldError[];
      conflict?: Extract<SaveResult, { ok: false }>['conflict'];
      extraActionRows?: number;
    } = {},
  ) {
    const draft = work.drafts[part.key];
    const values = page.values ?? draft?.fields ?? {};
    const section = work.tool.definition.sections.find((s) => s.key === part.key);
    const index = work.parts.findIndex((p) => p.key === part.key);
    const next = nextPart(work, part.key);
    const context = await childContext(db, work.audit.councilId, work.audit.childId);
    return reply.render('pages/audits/part.njk', {
      pageTitle: `${part.title} – audit of ${work.details.childReference}`,
      work,
      details: work.details,
      part,
      section,
      partNumber: index + 1,
      partCount: work.parts.length,
      nextTitle: next?.title ?? null,
      values,
      revision: page.revision ?? draft?.revision ?? 0,
      savedAt: draft?.savedAt ? formatDateTime(draft.savedAt) : null,
      savedBy: draft?.savedBy ?? null,
      errors: page.errors,
      gradeItems: gradeItems(work.tool.scale, values.grade as string | undefined),
      overallItems: gradeItems(work.tool.scale, values.overallGrade as string | undefined),
      conversationItems: CONVERSATION_WITH.map((c) => ({
        value: c.value,
        text: c.text,
        checked: values.conversationWith === c.value,
      })),
      themeItems: work.themes.map((t) => ({
        value: t.key,
        text: t.name,
        checked: ([] as string[]).concat(values.practiceThemes ?? []).includes(t.key),
      })),
      ownerItems: work.owners.map((o) => ({
        value: o.id,
        text: `${o.name}, ${o.jobTitle}${o.why ? ` (${o.why.toLowerCase()})` : ''}`,
      })),
      actions: section?.isJourneySection ? actionRows(values, page.extraActionRows ?? 1) : [],
      questions: section ? questionControls(section, work.tool.scale, values) : [],
      conflict: page.conflict
        ? {
            ...page.conflict,
            savedAt: formatDateTime(page.conflict.savedAt),
            rows: draftRows(work, part, page.conflict.theirs),
          }
        : null,
      childContext: context,
      autosave: `/audits/${work.audit.id}/parts/${part.key}/autosave`,
    });
  }

  async function openPart(request: FastifyRequest, auditId: string, partKey: string) {
    const work = await loadAuditWork(db, user(request), auditId, app.today());
    const part = partOf(work, partKey);
    return { work, part };
  }

  app.get<{ Params: { auditId: string; part: string } }>(
    '/audits/:auditId/parts/:part',
    read,
    async (request, reply) => {
      const params = partParams.safeParse(request.params);
      if (!params.success) return reply.callNotFound();
      const { work, part } = await openPart(request, params.data.auditId, params.data.part);
      if (!part) return reply.callNotFound();
      if (!work.access.mayEdit) return reply.redirect(`/audits/${work.audit.id}`);
      await logView(request, work, `${whyOpened(work)}, to complete “${part.title}”`);
      return renderPart(reply, work, part);
    },
  );

  app.post<{ Params: { auditId: string; part: string }; Body: Record<string, unknown> }>(
    '/audits/:auditId/parts/:part',
    { config: { access: 'audits.read', childRecord: true } },
    async (request, reply) => {
      const params = partParams.safeParse(request.params);
      if (!params.success) return reply.callNotFound();
      const { auditId } = params.data;
      const body = request.body ?? {};
      const next = typeof body.next === 'string' ? body.next : 'continue';
      let result: SaveResult;
      try {
        result = await saveDraftPart(db, user(request), auditId, params.data.part, body, revisionOf(body));
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const { work, part } = await openPart(request, auditId, params.data.part);
        reply.code(400);
        if (!part) {
          await logView(request, work, whyOpened(work));
          return reply.render('errors/400.njk', {
            pageTitle: 'There is a problem with the request',
            reason: err.message,
          });
        }
        await logView(request, work, `${whyOpened(work)}, to complete “${part.title}”`);
        return renderPart(reply, work, part, {
          values: body as DraftFields,
          revision: revisionOf(body),
          errors: err.errors,
        });
      }
      const { work, part } = await openPart(request, auditId, params.data.part);
      if (!part) return reply.callNotFound();
      await logView(request, work, `${whyOpened(work)}, to complete “${part.title}”`);
      if (!result.ok) {
        reply.code(409);
        return renderPart(reply, work, part, {
          values: body as DraftFields,
          revision: result.conflict.revision,
          conflict: result.conflict,
          extraActionRows: 0,
        });
      }
      if (next === 'add-action') {
        return renderPart(reply, work, part, { extraActionRows: 2 });
      }
      if (next === 'overview') return reply.redirect(`/audits/${auditId}`);
      const following = nextPart(work, part.key);
      return reply.redirect(
        following ? `/audits/${auditId}/parts/${following.key}` : `/audits/${auditId}/check`,
      );
    },
  );

  // The page's script saves as the auditor types: the same save, answered in JSON.
  app.post<{ Params: { auditId: string; part: string }; Body: Record<string, unknown> }>(
    '/audits/:auditId/parts/:part/autosave',
    write,
    async (request, reply) => {
      const params = partParams.safeParse(request.params);
      if (!params.success) return reply.code(404).send({ error: 'No such audit' });
      try {
        const result = await saveDraftPart(
          db,
          user(request),
          params.data.auditId,
          params.data.part,
          request.body ?? {},
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

  async function renderCheck(reply: FastifyReply, work: AuditWork, errors: SubmitError[] | undefined) {
    return reply.render('pages/audits/check.njk', {
      pageTitle: `Check and submit – audit of ${work.details.childReference}`,
      work,
      details: work.details,
      errors,
      parts: work.parts.map((p, i) => ({
        ...p,
        number: i + 1,
        href: `/audits/${work.audit.id}/parts/${p.key}`,
        tag: STATE_TAGS[work.states[p.key]],
        rows: draftRows(work, p, work.drafts[p.key]?.fields ?? {}),
      })),
    });
  }

  app.get<{ Params: { auditId: string } }>('/audits/:auditId/check', read, async (request, reply) => {
    const params = auditParams.safeParse(request.params);
    if (!params.success) return reply.callNotFound();
    const work = await loadAuditWork(db, user(request), params.data.auditId, app.today());
    if (!work.access.mayEdit) return reply.redirect(`/audits/${work.audit.id}`);
    await logView(request, work, `${whyOpened(work)}, to check it before submitting`);
    return renderCheck(reply, work, undefined);
  });

  app.post<{ Params: { auditId: string } }>(
    '/audits/:auditId/submit',
    { config: { access: 'audits.read', childRecord: true } },
    async (request, reply) => {
      const params = auditParams.safeParse(request.params);
      if (!params.success) return reply.callNotFound();
      const today = app.today();
      let result: Awaited<ReturnType<typeof submitAudit>>;
      try {
        result = await submitAudit(db, app.queue, user(request), params.data.auditId, today);
      } catch (err) {
        // sent twice (a double click): the first went in, so show the audit rather than an error
        const access =
          err instanceof AuditAccessError ? await auditAccess(db, user(request), params.data.auditId) : null;
        if (access?.audit.status !== 'submitted' || !access.mayRead) throw err;
        request.session.flash = { kind: 'info', text: 'This audit had already been submitted.' };
        return reply.redirect(`/audits/${access.audit.id}`);
      }
      const work = await loadAuditWork(db, user(request), params.data.auditId, today);
      await logView(request, work, `${whyOpened(work)}, to submit it`);
      if (!result.ok) {
        reply.code(400);
        return renderCheck(reply, work, result.errors);
      }
      if (work.audit.kind === 'dip_sample') {
        const next = await nextAuditOfKind(db, user(request), 'dip_sample', today);
        request.session.flash = {
          kind: 'success',
          text: next
            ? `Dip sample of ${work.details.childReference} submitted. This is your next one.`
            : `Dip sample of ${work.details.childReference} submitted. You have no more dip samples to do.`,
        };
        return reply.redirect(next ? `/audits/${next}` : '/my-audits');
      }
      request.session.flash = {
        kind: 'success',
        text: `Audit of ${work.details.childReference} submitted. The practitioner and their manager have been told it is ready to read.`,
      };
      return reply.redirect(`/audits/${work.audit.id}`);
    },
  );
}
