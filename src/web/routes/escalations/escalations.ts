import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { ESCALATION_KIND_LABELS, ESCALATION_KINDS, ESCALATION_URGENCY } from '../../../domain/escalations.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { type AuditAccess, auditAccess } from '../../../services/audits/audit-access.ts';
import {
  type EscalationPage,
  escalationForm,
  getEscalation,
  listEscalations,
  RECIPIENT_WHY,
  raiseEscalation,
  respondToEscalation,
} from '../../../services/audits/escalations.ts';
import type { SignedInUser } from '../../../services/organisation/auth.ts';

const auditParams = z.object({ auditId: z.uuid() });
const escalationParams = z.object({ id: z.uuid() });

/** Typed text is kept to show again, up to well past the longest allowed. */
const KEEP_CHARS = 20_000;

function user(request: FastifyRequest): SignedInUser {
  return request.user as SignedInUser;
}

function text(value: unknown, max = 200): string {
  if (Array.isArray(value)) return text(value[0], max);
  return typeof value === 'string' ? value.slice(0, max) : '';
}

function list(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((v): v is string => typeof v === 'string' && v !== '').map((v) => v.slice(0, 100));
}

/** "A", "A and B", "A, B and C" */
function names(people: string[]): string {
  if (people.length <= 1) return people.join('');
  return `${people.slice(0, -1).join(', ')} and ${people[people.length - 1]}`;
}

interface RaiseForm {
  kind: string;
  found: string;
  recipients: string[];
  addRecipient: string;
}

function readRaiseForm(body: unknown): RaiseForm {
  const b = (body ?? {}) as Record<string, unknown>;
  return {
    kind: text(b.kind),
    found: text(b.found, KEEP_CHARS),
    recipients: list(b.recipients),
    addRecipient: text(b.addRecipient, 100),
  };
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
export default async function escalationRoutes(app: FastifyInstance, { db }: { db: Db }) {
  const readAudit = { access: 'audits.read' as const, childRecord: true };
  const readEscalation = { access: 'escalations.read' as const, childRecord: true };

  async function accessOf(request: FastifyRequest): Promise<AuditAccess | undefined> {
    const params = auditParams.safeParse(request.params);
    if (!params.success) return undefined;
    return auditAccess(db, user(request), params.data.auditId);
  }

  async function raisePage(
    request: FastifyRequest,
    reply: FastifyReply,
    access: AuditAccess,
    extra: { errors?: FieldError[]; form?: RaiseForm } = {},
  ) {
    const me = user(request);
    // refuses (403) anyone who may not raise one from this audit now
    const { defaults, others } = await escalationForm(db, access, me);
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
      recordId: access.audit.id,
      childId: access.audit.childId,
      reason: 'Audit opened to raise an escalation',
    });
    if (errors.length) reply.code(400);
    return reply.render('pages/escalations/new.njk', {
      pageTitle: 'Raise an escalation',
      errors,
      // the template ticks what these say, so a form kept over a sign-in comes back as it was
      values: { kind: form.kind, found: form.found, recipients: [...picked] },
      audit: access.audit,
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

  app.get('/audits/:auditId/escalate', { config: readAudit }, async (request, reply) => {
    const access = await accessOf(request);
    if (!access) return reply.callNotFound();
    return raisePage(request, reply, access);
  });

  app.post('/audits/:auditId/escalate', { config: readAudit }, async (request, reply) => {
    const access = await accessOf(request);
    if (!access) return reply.callNotFound();
    const form = readRaiseForm(request.body);
    const me = user(request);
    let id: string;
    try {
      id = await raiseEscalation(db, app.queue ?? null, me, access.audit.id, {
        kind: form.kind || undefined,
        found: form.found,
        recipients: chosen(form),
      });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return raisePage(request, reply, access, { errors: err.errors, form });
    }
    const sentTo = await db
      .selectFrom('escalation_recipients as r')
      .innerJoin('staff as s', 's.id', 'r.staff_id')
      .select('s.name')
      .where('r.escalation_id', '=', id)
      .orderBy('s.name')
      .execute();
    request.session.flash = {
      kind: 'success',
      text: `Your escalation has been sent to ${names(sentTo.map((s) => s.name))}. They have been emailed, and will be reminded until someone records a response.`,
    };
    return reply.redirect(`/audits/${access.audit.id}`);
  });

  app.get('/escalations', { config: { access: 'escalations.read' } }, async (request, reply) => {
    const me = user(request);
    const lists = await listEscalations(db, me, { today: app.today() });
    return reply.render('pages/escalations/list.njk', {
      pageTitle: 'Escalations',
      lists,
      mayRaise: me.roles.includes('auditor') || me.roles.includes('qa_lead'),
      waitingForYou: lists.toYou.filter((e) => !e.answered),
      answeredToYou: lists.toYou.filter((e) => e.answered),
    });
  });

  async function escalationPage(
    request: FastifyRequest,
    reply: FastifyReply,
    escalation: EscalationPage,
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    await request.recordChildView({
      recordType: 'escalation',
      recordId: escalation.id,
      childId: escalation.childId,
      reason: extra.errors ? 'Escalation opened to record the response' : 'Escalation opened',
    });
    if (extra.errors?.length) reply.code(400);
    return reply.render('pages/escalations/escalation.njk', {
      pageTitle: `Escalation: ${escalation.kindLabel}`,
      errors: extra.errors,
      values: extra.values ?? {},
      escalation,
    });
  }

  app.get('/escalations/:id', { config: readEscalation }, async (request, reply) => {
    const params = escalationParams.safeParse(request.params);
    if (!params.success) return reply.callNotFound();
    const escalation = await getEscalation(db, user(request), params.data.id, app.today());
    return escalationPage(request, reply, escalation);
  });

  app.post('/escalations/:id/response', { config: readEscalation }, async (request, reply) => {
    const params = escalationParams.safeParse(request.params);
    if (!params.success) return reply.callNotFound();
    const me = user(request);
    const response = text((request.body as Record<string, unknown> | undefined)?.response, KEEP_CHARS);
    try {
      await respondToEscalation(db, me, params.data.id, { response });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const escalation = await getEscalation(db, me, params.data.id, app.today());
      return escalationPage(request, reply, escalation, { errors: err.errors, values: { response } });
    }
    request.session.flash = {
      kind: 'success',
      text: 'Your response has been recorded. The person who raised the escalation and the QA team can see it.',
    };
    return reply.redirect(`/escalations/${params.data.id}`);
  });
}
