import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import {
  FAMILY_FIELDS,
  FAMILY_LINK_DAYS,
  FAMILY_QUESTIONS,
  IMPACT_MAX,
  IMPACT_MIN,
  MAX_ANSWER_LENGTH,
  PRACTITIONER_QUESTIONS,
  RECORDED_METHODS,
  RESPONDENTS,
} from '../../../domain/family-feedback.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { type AuditAccess, auditAccess } from '../../../services/audits/audit-access.ts';
import {
  createFamilyFeedbackLink,
  FamilyLinkError,
  giveFamilyFeedback,
  givePractitionerFeedback,
  mustBeCaseHolderAfterSubmission,
  mustBeQaAfterSubmission,
  openFamilyFeedbackLink,
  practitionerFeedbackOn,
  recordFamilyFeedback,
} from '../../../services/audits/feedback.ts';

const auditParam = z.object({ auditId: z.uuid() });

/** As many tries a minute from one address as the sign-in page allows. */
const familyRateLimit = { max: 20, timeWindow: '1 minute' };

const PRACTITIONER_FIELDS = ['impact', 'childChange', 'processChange'];
const RECORD_FIELDS = ['method', ...FAMILY_FIELDS];

/** The form's fields as typed, each a string (the first, if a field came twice). */
function formValues(body: unknown, fields: string[]): Record<string, string> {
  const source = (body ?? {}) as Record<string, unknown>;
  const values: Record<string, string> = {};
  for (const f of fields) {
    const v = Array.isArray(source[f]) ? source[f][0] : source[f];
    values[f] = typeof v === 'string' ? v : '';
  }
  return values;
}

/** The form's fields for a service: blanks as missing, so the schema says what is needed. */
function inputFrom(values: Record<string, string>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === '' ? undefined : v]));
}

const questionsForPage = FAMILY_QUESTIONS.map((q) => ({
  ...q,
  options: 'options' in q ? q.options.map((o) => ({ value: o.value, text: o.text })) : [],
}));

/**
 * Feedback after an audit (domain.md §4): the case holder's three questions; family feedback that
 * QA records from a call or a visit; and single-use links with which a family answers online,
 * without an account. The family's page names no child, worker or reference, and its address (which
 * holds the link's token) is never logged: requests are logged by route pattern.
 */
export default async function feedbackRoutes(app: FastifyInstance, { db }: { db: Db }) {
  /** The audit named in the address and what the person may do with it; undefined for a bad address. */
  async function accessFor(request: FastifyRequest): Promise<AuditAccess | undefined> {
    const params = auditParam.safeParse(request.params);
    const user = request.user;
    if (!params.success || !user) return undefined;
    return auditAccess(db, user, params.data.auditId);
  }

  const recordView = (request: FastifyRequest, access: AuditAccess, reason: string) =>
    request.recordChildView({
      recordType: 'audit',
      recordId: access.audit.id,
      childId: access.audit.childId,
      reason,
    });

  // --- the case holder's feedback ---

  async function practitionerPage(
    request: FastifyRequest,
    reply: FastifyReply,
    access: AuditAccess,
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    const given = await practitionerFeedbackOn(db, access.audit.id);
    await recordView(request, access, 'Audit opened by its case holder to give feedback on it');
    if (extra.errors?.length) reply.code(400);
    return reply.render('pages/feedback/practitioner.njk', {
      pageTitle: given ? 'Your feedback on the audit' : 'Give your feedback on the audit',
      errors: extra.errors,
      values: extra.values ?? {},
      audit: access.audit,
      given,
      questions: PRACTITIONER_QUESTIONS,
      impacts: Array.from({ length: IMPACT_MAX - IMPACT_MIN + 1 }, (_, i) => String(IMPACT_MIN + i)),
      maxLength: MAX_ANSWER_LENGTH,
    });
  }

  const practitionerConfig = { access: 'audits.read' as const, childRecord: true };

  app.get('/audits/:auditId/feedback', { config: practitionerConfig }, async (request, reply) => {
    const access = await accessFor(request);
    if (!access) return reply.callNotFound();
    mustBeCaseHolderAfterSubmission(access);
    return practitionerPage(request, reply, access);
  });

  app.post('/audits/:auditId/feedback', { config: practitionerConfig }, async (request, reply) => {
    const access = await accessFor(request);
    const user = request.user;
    if (!access || !user) return reply.callNotFound();
    const values = formValues(request.body, PRACTITIONER_FIELDS);
    try {
      await givePractitionerFeedback(db, user, access.audit.id, inputFrom(values));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return practitionerPage(request, reply, access, { errors: err.errors, values });
    }
    request.session.flash = {
      kind: 'success',
      text: 'Thank you: your feedback on the audit has been saved',
    };
    return reply.redirect(`/audits/${access.audit.id}`);
  });

  // --- family feedback, recorded by QA ---

  const familyConfig = { access: 'feedback.family' as const, childRecord: true };

  async function recordPage(
    request: FastifyRequest,
    reply: FastifyReply,
    access: AuditAccess,
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    await recordView(request, access, 'Audit opened to record the family’s feedback');
    if (extra.errors?.length) reply.code(400);
    return reply.render('pages/feedback/record-family.njk', {
      pageTitle: 'Record family feedback',
      errors: extra.errors,
      values: extra.values ?? {},
      audit: access.audit,
      methods: RECORDED_METHODS,
      respondents: RESPONDENTS,
      questions: questionsForPage,
      maxLength: MAX_ANSWER_LENGTH,
    });
  }

  app.get('/audits/:auditId/family-feedback', { config: familyConfig }, async (request, reply) => {
    const access = await accessFor(request);
    const user = request.user;
    if (!access || !user) return reply.callNotFound();
    mustBeQaAfterSubmission(user, access);
    return recordPage(request, reply, access);
  });

  app.post('/audits/:auditId/family-feedback', { config: familyConfig }, async (request, reply) => {
    const access = await accessFor(request);
    const user = request.user;
    if (!access || !user) return reply.callNotFound();
    const values = formValues(request.body, RECORD_FIELDS);
    try {
      await recordFamilyFeedback(db, user, access.audit.id, inputFrom(values));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return recordPage(request, reply, access, { errors: err.errors, values });
    }
    request.session.flash = { kind: 'success', text: 'The family’s feedback has been recorded' };
    return reply.redirect(`/audits/${access.audit.id}`);
  });

  app.post('/audits/:auditId/family-feedback/links', { config: familyConfig }, async (request, reply) => {
    const access = await accessFor(request);
    const user = request.user;
    if (!access || !user) return reply.callNotFound();
    const made = await createFamilyFeedbackLink(db, user, access.audit.id, new Date());
    await recordView(request, access, 'Audit opened to make a feedback link for the family');
    // Shown on this answer and never again: only the link's hash is kept.
    reply.code(201);
    return reply.render('pages/feedback/link-created.njk', {
      pageTitle: 'Feedback link made',
      audit: access.audit,
      link: `${request.protocol}://${request.host}${made.path}`,
      expiresAt: made.expiresAt,
      days: FAMILY_LINK_DAYS,
    });
  });

  // --- the family's own page, through a link ---

  const publicConfig = { access: 'public' as const, rateLimit: familyRateLimit };

  /** The page for a link that cannot be used: the 404 page for one that never existed. */
  function closedLink(reply: FastifyReply, err: FamilyLinkError) {
    if (err.problem === 'unknown') return reply.callNotFound();
    reply.code(err.statusCode);
    return reply.render('pages/feedback/family-closed.njk', {
      pageTitle: err.problem === 'used' ? 'This link has already been used' : 'This link has expired',
      problem: err.problem,
      message: err.message,
    });
  }

  async function familyPage(
    reply: FastifyReply,
    councilName: string,
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    if (extra.errors?.length) reply.code(400);
    return reply.render('pages/feedback/family.njk', {
      pageTitle: 'Tell us about the help your family has had',
      // the visitor's session holds the form's CSRF secret and nothing else
      hasForm: true,
      councilName,
      errors: extra.errors,
      values: extra.values ?? {},
      respondents: RESPONDENTS,
      questions: questionsForPage,
      maxLength: MAX_ANSWER_LENGTH,
    });
  }

  app.get<{ Params: { token: string } }>(
    '/family-feedback/:token',
    { config: publicConfig },
    async (request, reply) => {
      try {
        const link = await openFamilyFeedbackLink(db, request.params.token, new Date());
        return familyPage(reply, link.councilName);
      } catch (err) {
        if (err instanceof FamilyLinkError) return closedLink(reply, err);
        throw err;
      }
    },
  );

  app.post<{ Params: { token: string } }>(
    '/family-feedback/:token',
    { config: publicConfig },
    async (request, reply) => {
      const token = request.params.token;
      const values = formValues(request.body, FAMILY_FIELDS);
      const now = new Date();
      try {
        await giveFamilyFeedback(db, token, inputFrom(values), now);
      } catch (err) {
        if (err instanceof FamilyLinkError) return closedLink(reply, err);
        if (!(err instanceof ValidationError)) throw err;
        try {
          const link = await openFamilyFeedbackLink(db, token, now);
          return familyPage(reply, link.councilName, { errors: err.errors, values });
        } catch (closed) {
          if (closed instanceof FamilyLinkError) return closedLink(reply, closed);
          throw closed;
        }
      }
      return reply.redirect('/family-feedback/thank-you', 303);
    },
  );

  app.get('/family-feedback/thank-you', { config: { access: 'public' } }, async (_request, reply) =>
    reply.render('pages/feedback/family-thanks.njk', { pageTitle: 'Thank you' }),
  );
}
