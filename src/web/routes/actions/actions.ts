import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { dateParts } from '../../../domain/date-input.ts';
import { formatDate, monthName } from '../../../domain/dates.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../../domain/validation.ts';
import {
  ActionAlreadyDoneError,
  type ActionItem,
  actionForMarking,
  actionsFor,
  DONE_SHOWN_DAYS,
  listOversight,
  MAX_DONE_NOTE,
  MAX_OVERSIGHT_NOTE,
  markActionDone,
  mayRecordOversight,
  OVERSIGHT_REFUSED,
  readMarkDone,
  recordOversight,
} from '../../../services/audits/actions.ts';
import { type AuditAccess, auditAccess, must } from '../../../services/audits/audit-access.ts';
import type { SignedInUser } from '../../../services/organisation/auth.ts';

const actionParams = z.object({ actionId: z.uuid() });
const auditParams = z.object({ auditId: z.uuid() });

type Body = Record<string, unknown>;
const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** Where a page about an action goes back to: the audit it came from, or the actions list. */
function backFor(from: unknown, auditId: string) {
  return from === 'audit'
    ? { from: 'audit', href: `/audits/${auditId}`, text: 'Back to the audit' }
    : { from: '', href: '/actions', text: 'Back to actions' };
}

/**
 * Actions from audits, tracked until done, and management oversight of a submitted audit. Pages
 * show children by case reference, and each opening is written to the access log.
 */
export default async function actionRoutes(app: FastifyInstance, { db }: { db: Db }) {
  const actions = { access: 'actions.read' as const, childRecord: true };
  const oversight = { access: 'audits.read' as const, childRecord: true };
  const user = (request: FastifyRequest) => request.user as SignedInUser;

  // --- the actions list ---

  app.get('/actions', { config: actions }, async (request, reply) => {
    const me = user(request);
    const list = await actionsFor(db, me, app.today());
    const shown = new Map<string, ActionItem>();
    for (const a of [...list.mine, ...(list.overdue ?? [])]) shown.set(a.auditId, a);
    for (const a of shown.values()) {
      await request.recordChildView({
        recordType: 'audit actions',
        recordId: a.auditId,
        childId: a.childId,
        reason: 'Actions from the audit listed on the actions page',
      });
    }
    if (shown.size === 0) {
      await request.recordChildView({
        recordType: 'actions list',
        recordId: me.staffId,
        childId: null,
        reason: 'Actions page opened: no child was listed',
      });
    }
    return reply.render('pages/actions/list.njk', {
      pageTitle: 'Actions',
      mine: list.mine,
      openCount: list.mine.filter((a) => a.status === 'open').length,
      overdue: list.overdue,
      overdueScope: list.overdueScope,
      doneShownDays: DONE_SHOWN_DAYS,
    });
  });

  // --- marking an action done ---

  async function donePage(
    request: FastifyRequest,
    reply: FastifyReply,
    action: ActionItem,
    from: unknown,
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    const today = app.today();
    await request.recordChildView({
      recordType: 'audit action',
      recordId: action.id,
      childId: action.childId,
      reason: 'Action from an audit opened to mark it as done',
    });
    const values =
      extra.values ??
      Object.fromEntries(Object.entries(dateParts(today)).map(([k, v]) => [`doneOn-${k}`, v]));
    const dateError = extra.errors?.find((e) => e.field.startsWith('doneOn-'));
    return reply.render('pages/actions/done.njk', {
      pageTitle: action.status === 'done' ? 'Action done' : 'Mark the action as done',
      action,
      back: backFor(from, action.auditId),
      values,
      errors: extra.errors,
      dateError: dateError ? { text: dateError.message } : undefined,
      badParts: dateError ? readMarkDone(values, today).badParts : [],
      maxNote: MAX_DONE_NOTE,
    });
  }

  app.get<{ Querystring: { from?: string } }>(
    '/actions/:actionId/done',
    { config: actions },
    async (request, reply) => {
      const params = actionParams.safeParse(request.params);
      if (!params.success) return reply.callNotFound();
      try {
        const action = await actionForMarking(db, user(request), params.data.actionId, app.today());
        return donePage(request, reply, action, request.query.from);
      } catch (err) {
        if (err instanceof NotFoundError) return reply.callNotFound();
        throw err;
      }
    },
  );

  app.post<{ Body: Body }>('/actions/:actionId/done', { config: actions }, async (request, reply) => {
    const params = actionParams.safeParse(request.params);
    if (!params.success) return reply.callNotFound();
    const body = request.body ?? {};
    const values = Object.fromEntries(
      ['doneOn-day', 'doneOn-month', 'doneOn-year', 'note'].map((k) => [k, text(body[k])]),
    );
    const today = app.today();
    try {
      const done = await markActionDone(db, user(request), params.data.actionId, values, today);
      request.session.flash = {
        kind: 'success',
        text: `The action has been marked as done${done.doneOn === today ? '' : ` on ${formatDate(done.doneOn)}`}`,
      };
      return reply.redirect(backFor(body.from, done.auditId).href);
    } catch (err) {
      if (err instanceof NotFoundError) return reply.callNotFound();
      if (!(err instanceof ValidationError)) throw err;
      const action = await actionForMarking(db, user(request), params.data.actionId, today);
      reply.code(err instanceof ActionAlreadyDoneError ? 409 : 400);
      return donePage(request, reply, action, body.from, { errors: err.errors, values });
    }
  });

  // --- management oversight ---

  async function oversightPage(
    request: FastifyRequest,
    reply: FastifyReply,
    access: AuditAccess,
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    const { audit } = access;
    await request.recordChildView({
      recordType: 'audit',
      recordId: audit.id,
      childId: audit.childId,
      reason: 'Audit opened by the case’s manager to record management oversight',
    });
    const month = await db
      .selectFrom('programme_months')
      .select('month')
      .where('id', '=', audit.monthId)
      .executeTakeFirst();
    return reply.render('pages/audits/oversight.njk', {
      pageTitle: 'Record management oversight',
      audit,
      monthName: month ? monthName(month.month) : null,
      entries: await listOversight(db, audit.councilId, audit.id),
      values: extra.values ?? {},
      errors: extra.errors,
      maxNote: MAX_OVERSIGHT_NOTE,
    });
  }

  /** The person's access to the audit in the address, refused unless they may record oversight. */
  async function oversightAccess(request: FastifyRequest): Promise<AuditAccess | undefined> {
    const params = auditParams.safeParse(request.params);
    if (!params.success) return undefined;
    try {
      const access = await auditAccess(db, user(request), params.data.auditId);
      must(mayRecordOversight(access), OVERSIGHT_REFUSED);
      return access;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  app.get('/audits/:auditId/oversight', { config: oversight }, async (request, reply) => {
    const access = await oversightAccess(request);
    if (!access) return reply.callNotFound();
    return oversightPage(request, reply, access);
  });

  app.post<{ Body: Body }>('/audits/:auditId/oversight', { config: oversight }, async (request, reply) => {
    const access = await oversightAccess(request);
    if (!access) return reply.callNotFound();
    const values = { note: text(request.body?.note) };
    try {
      await recordOversight(db, user(request), access.audit.id, values);
      request.session.flash = { kind: 'success', text: 'Management oversight has been recorded' };
      return reply.redirect(`/audits/${access.audit.id}`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      reply.code(400);
      return oversightPage(request, reply, access, { errors: err.errors, values });
    }
  });
}
