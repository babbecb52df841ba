import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { dateParts } from '../../../domain/date-input.ts';
import { formatDate, monthName } from '../../../domain/dates.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { actionsPageOnTime } from '../../../reports/actions-on-time.ts';
import {
  ActionAlreadyDoneError,
  type ActionItem,
  actionForMarking,
  actionForReassigning,
  actionsFor,
  DONE_SHOWN_DAYS,
  MAX_DONE_NOTE,
  MAX_OVERSIGHT_NOTE,
  markActionDone,
  oversightPage,
  readMarkDone,
  reassignAction,
  recordOversight,
} from '../../../services/audits/actions.ts';
import { formFields, formText, id } from '../../forms.ts';

const actionParams = z.object({ actionId: id });
const auditParams = z.object({ auditId: id });
const fromQuery = z.object({ from: formText });
const doneForm = formFields({
  'doneOn-day': formText,
  'doneOn-month': formText,
  'doneOn-year': formText,
  note: formText,
  from: formText,
});
const oversightForm = formFields({ note: formText });
const ownerForm = formFields({ ownerId: formText, from: formText });

/** Where a page about an action goes back to: the audit it came from, or the actions list. */
function backFor(from: string, auditId: string) {
  return from === 'audit'
    ? { from: 'audit', href: `/audits/${auditId}`, text: 'Back to the audit' }
    : { from: '', href: '/actions', text: 'Back to actions' };
}

/**
 * Actions from audits, tracked until done, and management oversight of a submitted audit. Pages
 * show children by case reference, and each opening is written to the access log.
 */
const actionRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const actions = { access: 'actions.read' as const, childRecord: true };
  const oversight = { access: 'audits.read' as const, childRecord: true };

  // --- the actions list ---

  app.get('/actions', { config: actions }, async (request, reply) => {
    const me = request.person;
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
      mayReassign: me.roles.includes('qa_lead'),
      onTime: await actionsPageOnTime(db, me, app.today()),
    });
  });

  // --- marking an action done ---

  async function donePage(
    request: FastifyRequest,
    reply: FastifyReply,
    action: ActionItem,
    from: string,
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

  app.get(
    '/actions/:actionId/done',
    { config: actions, schema: { params: actionParams, querystring: fromQuery } },
    async (request, reply) => {
      const action = await actionForMarking(db, request.person, request.params.actionId, app.today());
      return donePage(request, reply, action, request.query.from);
    },
  );

  app.post(
    '/actions/:actionId/done',
    { config: actions, schema: { params: actionParams, body: doneForm } },
    async (request, reply) => {
      const { from, note } = request.body;
      const values = {
        'doneOn-day': request.body['doneOn-day'],
        'doneOn-month': request.body['doneOn-month'],
        'doneOn-year': request.body['doneOn-year'],
        note,
      };
      const today = app.today();
      try {
        const done = await markActionDone(db, request.person, request.params.actionId, values, today);
        request.session.flash = {
          kind: 'success',
          text: `The action has been marked as done${done.doneOn === today ? '' : ` on ${formatDate(done.doneOn)}`}`,
        };
        return reply.redirect(backFor(from, done.auditId).href);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const action = await actionForMarking(db, request.person, request.params.actionId, today);
        reply.code(err instanceof ActionAlreadyDoneError ? 409 : 400);
        return donePage(request, reply, action, from, { errors: err.errors, values });
      }
    },
  );

  // --- giving an action to someone else (QA leads) ---

  /** Where the owner page goes back to: leavers' open work on the staff file page, or the actions list. */
  const ownerBack = (from: string) =>
    from === 'staff'
      ? { from: 'staff', href: '/imports/staff', text: 'Back to the staff file' }
      : { from: '', href: '/actions', text: 'Back to actions' };

  async function ownerPage(
    request: FastifyRequest,
    reply: FastifyReply,
    actionId: string,
    from: string,
    extra: { errors?: FieldError[]; ownerId?: string } = {},
  ) {
    const page = await actionForReassigning(db, request.person, actionId, app.today());
    await request.recordChildView({
      recordType: 'audit action',
      recordId: page.action.id,
      childId: page.action.childId,
      reason: 'Action from an audit opened to give it to someone else',
    });
    const teams = new Map<string, { team: string; people: typeof page.choices }>();
    for (const c of page.choices) {
      const team = c.team ?? 'No team';
      const group = teams.get(team) ?? { team, people: [] };
      group.people.push(c);
      teams.set(team, group);
    }
    return reply.render('pages/actions/owner.njk', {
      pageTitle: 'Give the action to someone else',
      action: page.action,
      ownerHasLeft: page.ownerHasLeft,
      lastChange: page.lastChange,
      teams: [...teams.values()],
      ownerId: extra.ownerId ?? '',
      back: ownerBack(from),
      errors: extra.errors,
    });
  }

  app.get(
    '/actions/:actionId/owner',
    { config: actions, schema: { params: actionParams, querystring: fromQuery } },
    async (request, reply) => ownerPage(request, reply, request.params.actionId, request.query.from),
  );

  app.post(
    '/actions/:actionId/owner',
    { config: actions, schema: { params: actionParams, body: ownerForm } },
    async (request, reply) => {
      const { ownerId, from } = request.body;
      try {
        const done = await reassignAction(
          db,
          request.person,
          request.params.actionId,
          { ownerId },
          { queue: app.queue, today: app.today() },
        );
        request.session.flash = {
          kind: 'success',
          text: `The action has been given to ${done.newOwner}. ${done.previousOwner} no longer owns it.`,
        };
        return reply.redirect(ownerBack(from).href);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return ownerPage(request, reply, request.params.actionId, from, { errors: err.errors, ownerId });
      }
    },
  );

  // --- management oversight ---

  async function renderOversight(
    request: FastifyRequest,
    reply: FastifyReply,
    auditId: string,
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    const page = await oversightPage(db, request.person, auditId);
    await request.recordChildView({
      recordType: 'audit',
      recordId: page.audit.id,
      childId: page.audit.childId,
      reason: 'Audit opened by the case’s manager to record management oversight',
    });
    return reply.render('pages/audits/oversight.njk', {
      pageTitle: 'Record management oversight',
      audit: page.audit,
      monthName: page.month ? monthName(page.month) : null,
      entries: page.entries,
      values: extra.values ?? {},
      errors: extra.errors,
      maxNote: MAX_OVERSIGHT_NOTE,
    });
  }

  app.get(
    '/audits/:auditId/oversight',
    { config: oversight, schema: { params: auditParams } },
    async (request, reply) => renderOversight(request, reply, request.params.auditId),
  );

  app.post(
    '/audits/:auditId/oversight',
    { config: oversight, schema: { params: auditParams, body: oversightForm } },
    async (request, reply) => {
      const { auditId } = request.params;
      const values = { note: request.body.note };
      try {
        await recordOversight(db, request.person, auditId, values);
        request.session.flash = { kind: 'success', text: 'Management oversight has been recorded' };
        return reply.redirect(`/audits/${auditId}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return renderOversight(request, reply, auditId, { errors: err.errors, values });
      }
    },
  );
};

export default actionRoutes;
