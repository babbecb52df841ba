import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { formatDate } from '../../../domain/dates.ts';
import { ESCALATION_KIND_LABELS, ESCALATION_KINDS, ESCALATION_URGENCY } from '../../../domain/escalations.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import {
  type EscalationPage,
  escalationFormPage,
  getEscalation,
  listEscalations,
  RECIPIENT_WHY,
  raisedEscalation,
  raiseEscalation,
  readFollowUpOn,
  recordFollowUp,
  respondToEscalation,
} from '../../../services/audits/escalations.ts';
import { formFields, formList, formText, id } from '../../forms.ts';

const auditParams = z.object({ auditId: id });
const escalationParams = z.object({ id });

/** Typed text is kept to show again, up to well past the longest allowed. */
const KEEP_CHARS = 20_000;

/** A text field as typed, kept up to `max` characters. */
const text = (max: number) => formText.transform((v) => v.slice(0, max));

const raiseForm = formFields({
  kind: text(200),
  found: text(KEEP_CHARS),
  recipients: formList.transform((ids) => ids.map((v) => v.slice(0, 100))),
  addRecipient: text(100),
});
type RaiseForm = Pick<z.output<typeof raiseForm>, 'kind' | 'found' | 'recipients' | 'addRecipient'>;

const responseForm = formFields({
  response: text(KEEP_CHARS),
  'followUpOn-day': text(20),
  'followUpOn-month': text(20),
  'followUpOn-year': text(20),
});

const followUpForm = formFields({ note: text(KEEP_CHARS) });

/** "A", "A and B", "A, B and C" */
function names(people: string[]): string {
  if (people.length <= 1) return people.join('');
  return `${people.slice(0, -1).join(', ')} and ${people[people.length - 1]}`;
}

/** The people chosen: the boxes ticked and the one added from the list. */
function chosen(form: RaiseForm): string[] {
  return [...new Set([...form.recipients, ...(form.addRecipient ? [form.addRecipient] : [])])];
}

/**
 * Escalations (domain.md §11): raised from inside an audit by its auditor or by QA, sent to the
 * case's line manager, the Head of Service and the Assistant Director for quality assurance, and
 * followed until someone records the response. The list pages name no child; the escalation's own
 * page and the form to raise one show the child's reference and write the access log.
 */
const escalationRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const readAudit = { access: 'audits.read' as const, childRecord: true };
  const readEscalation = { access: 'escalations.read' as const, childRecord: true };

  // --- raising one from an audit ---

  async function raisePage(
    request: FastifyRequest,
    reply: FastifyReply,
    auditId: string,
    extra: { errors?: FieldError[]; form?: RaiseForm } = {},
  ) {
    // refuses (403) anyone who may not raise one from this audit now
    const { audit, defaults, others } = await escalationFormPage(db, request.person, auditId);
    const form = extra.form ?? {
      kind: '',
      found: '',
      recipients: defaults.map((d) => d.staffId),
      addRecipient: '',
    };
    const picked = new Set(chosen(form));
    // someone added from the list before a mistake elsewhere shows as a ticked box
    const added = others.filter((o) => picked.has(o.staffId));
    const people = [...defaults, ...added.map((a) => ({ ...a, why: RECIPIENT_WHY.added }))];
    let errors = extra.errors ?? [];
    // with no one to tick, a problem with who it goes to is shown at the list to add from
    if (people.length === 0) {
      errors = errors.map((e) => (e.field === 'recipients' ? { ...e, field: 'addRecipient' } : e));
    }
    await request.recordChildView({
      recordType: 'audit',
      recordId: audit.id,
      childId: audit.childId,
      reason: 'Audit opened to raise an escalation',
    });
    if (errors.length) reply.code(400);
    return reply.render('pages/escalations/new.njk', {
      pageTitle: 'Raise an escalation',
      errors,
      // the template ticks what these say, so a form kept over a sign-in comes back as it was
      values: { kind: form.kind, found: form.found, recipients: [...picked] },
      audit,
      kinds: ESCALATION_KINDS.map((k) => ({
        value: k,
        text: ESCALATION_KIND_LABELS[k],
        hint: ESCALATION_URGENCY[k],
      })),
      people: people.map((p) => ({ value: p.staffId, text: `${p.name}, ${p.jobTitle}`, hint: p.why })),
      others: [
        { value: '', text: 'Choose a person' },
        ...others
          .filter((o) => !picked.has(o.staffId))
          .map((o) => ({ value: o.staffId, text: `${o.name}, ${o.jobTitle}` })),
      ],
    });
  }

  app.get(
    '/audits/:auditId/escalate',
    { config: readAudit, schema: { params: auditParams } },
    async (request, reply) => raisePage(request, reply, request.params.auditId),
  );

  app.post(
    '/audits/:auditId/escalate',
    { config: readAudit, schema: { params: auditParams, body: raiseForm } },
    async (request, reply) => {
      const { auditId } = request.params;
      const { kind, found, recipients, addRecipient } = request.body;
      const form = { kind, found, recipients, addRecipient };
      let escalationId: string;
      try {
        escalationId = await raiseEscalation(db, app.queue ?? null, request.person, auditId, {
          kind: form.kind || undefined,
          found: form.found,
          recipients: chosen(form),
        });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return raisePage(request, reply, auditId, { errors: err.errors, form });
      }
      const raised = await raisedEscalation(db, request.person.councilId, escalationId);
      request.session.flash = {
        kind: 'success',
        text: `Your escalation has been sent to ${names(raised.sentTo)}. They have been emailed, and will be reminded until someone records a response.`,
      };
      return reply.redirect(`/audits/${raised.auditId}`);
    },
  );

  // --- the lists ---

  app.get('/escalations', { config: { access: 'escalations.read' } }, async (request, reply) => {
    const me = request.person;
    const lists = await listEscalations(db, me, { today: app.today() });
    return reply.render('pages/escalations/list.njk', {
      pageTitle: 'Escalations',
      lists,
      mayRaise: me.roles.includes('auditor') || me.roles.includes('qa_lead'),
      waitingForYou: lists.toYou.filter((e) => !e.answered),
      // answered, with a follow-up date set and no follow-up recorded yet
      followUpsForYou: lists.toYou.filter((e) => e.answered && e.followUpStatus),
      answeredToYou: lists.toYou.filter((e) => e.answered && !e.followUpStatus),
    });
  });

  // --- one escalation and its response ---

  async function escalationPage(
    request: FastifyRequest,
    reply: FastifyReply,
    escalation: EscalationPage,
    extra: {
      errors?: FieldError[];
      values?: Record<string, string>;
      reason?: string;
      /** the parts of the follow-up date to highlight */
      badParts?: string[];
    } = {},
  ) {
    await request.recordChildView({
      recordType: 'escalation',
      recordId: escalation.id,
      childId: escalation.childId,
      reason: extra.reason ?? 'Escalation opened',
    });
    if (extra.errors?.length) reply.code(400);
    return reply.render('pages/escalations/escalation.njk', {
      pageTitle: `Escalation: ${escalation.kindLabel}`,
      errors: extra.errors,
      values: extra.values ?? {},
      badParts: extra.badParts ?? [],
      escalation,
    });
  }

  app.get(
    '/escalations/:id',
    { config: readEscalation, schema: { params: escalationParams } },
    async (request, reply) => {
      const escalation = await getEscalation(db, request.person, request.params.id, app.today());
      return escalationPage(request, reply, escalation);
    },
  );

  app.post(
    '/escalations/:id/response',
    { config: readEscalation, schema: { params: escalationParams, body: responseForm } },
    async (request, reply) => {
      const me = request.person;
      const today = app.today();
      const values = {
        response: request.body.response,
        'followUpOn-day': request.body['followUpOn-day'],
        'followUpOn-month': request.body['followUpOn-month'],
        'followUpOn-year': request.body['followUpOn-year'],
      };
      try {
        await respondToEscalation(db, me, request.params.id, values, today);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const escalation = await getEscalation(db, me, request.params.id, today);
        const date = readFollowUpOn(values, today);
        return escalationPage(request, reply, escalation, {
          errors: err.errors,
          values,
          reason: 'Escalation opened to record the response',
          badParts: date.ok ? [] : date.parts,
        });
      }
      const followUp = readFollowUpOn(values, today);
      request.session.flash = {
        kind: 'success',
        text: `Your response has been recorded. The person who raised the escalation and the QA team can see it.${
          followUp.ok && followUp.value
            ? ` From ${formatDate(followUp.value)}, the people it went to will be reminded until someone records the follow-up.`
            : ''
        }`,
      };
      return reply.redirect(`/escalations/${request.params.id}`);
    },
  );

  app.post(
    '/escalations/:id/follow-up',
    { config: readEscalation, schema: { params: escalationParams, body: followUpForm } },
    async (request, reply) => {
      const me = request.person;
      const { note } = request.body;
      try {
        await recordFollowUp(db, me, request.params.id, { note });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const escalation = await getEscalation(db, me, request.params.id, app.today());
        return escalationPage(request, reply, escalation, {
          errors: err.errors,
          values: { note },
          reason: 'Escalation opened to record the follow-up',
        });
      }
      request.session.flash = {
        kind: 'success',
        text: 'The follow-up has been recorded. No more reminders will be sent about it.',
      };
      return reply.redirect(`/escalations/${request.params.id}`);
    },
  );
};

export default escalationRoutes;
