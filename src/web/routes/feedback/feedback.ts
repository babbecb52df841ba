import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
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
import type { AuditFacts } from '../../../services/audits/audit-access.ts';
import {
  createFamilyFeedbackLink,
  FamilyLinkError,
  familyFeedbackAudit,
  type GivenPractitionerFeedback,
  giveFamilyFeedback,
  givePractitionerFeedback,
  openFamilyFeedbackLink,
  practitionerFeedbackPage,
  recordFamilyFeedback,
} from '../../../services/audits/feedback.ts';
import { formFields, formText, id } from '../../forms.ts';

const auditParams = z.object({ auditId: id });
const tokenParams = z.object({ token: z.string() });

/** As many tries a minute from one address as the sign-in page allows. */
const familyRateLimit = { max: 20, timeWindow: '1 minute' };

const PRACTITIONER_FIELDS = ['impact', 'childChange', 'processChange'];
const RECORD_FIELDS = ['method', ...FAMILY_FIELDS];

/** A form's fields, each as typed: '' when absent, the first if a field came twice. */
function textFields(fields: readonly string[]) {
  return formFields(Object.fromEntries(fields.map((f) => [f, formText])) as Record<string, typeof formText>);
}

const practitionerForm = textFields(PRACTITIONER_FIELDS);
const recordForm = textFields(RECORD_FIELDS);
const familyForm = textFields(FAMILY_FIELDS);

/** The form's own fields as typed, to show again (not the others sent with it, such as the CSRF token). */
function valuesOf(form: Record<string, unknown>, fields: readonly string[]): Record<string, string> {
  return Object.fromEntries(fields.map((f) => [f, String(form[f] ?? '')]));
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
const feedbackRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const recordView = (request: FastifyRequest, audit: AuditFacts, reason: string) =>
    request.recordChildView({
      recordType: 'audit',
      recordId: audit.id,
      childId: audit.childId,
      reason,
    });

  // --- the case holder's feedback ---

  async function practitionerPage(
    request: FastifyRequest,
    reply: FastifyReply,
    page: { audit: AuditFacts; given: GivenPractitionerFeedback | undefined },
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    await recordView(request, page.audit, 'Audit opened by its case holder to give feedback on it');
    if (extra.errors?.length) reply.code(400);
    return reply.render('pages/feedback/practitioner.njk', {
      pageTitle: page.given ? 'Your feedback on the audit' : 'Give your feedback on the audit',
      errors: extra.errors,
      values: extra.values ?? {},
      audit: page.audit,
      given: page.given,
      questions: PRACTITIONER_QUESTIONS,
      impacts: Array.from({ length: IMPACT_MAX - IMPACT_MIN + 1 }, (_, i) => String(IMPACT_MIN + i)),
      maxLength: MAX_ANSWER_LENGTH,
    });
  }

  const practitionerConfig = { access: 'audits.read' as const, childRecord: true };

  app.get(
    '/audits/:auditId/feedback',
    { config: practitionerConfig, schema: { params: auditParams } },
    async (request, reply) => {
      const page = await practitionerFeedbackPage(db, request.person, request.params.auditId);
      return practitionerPage(request, reply, page);
    },
  );

  app.post(
    '/audits/:auditId/feedback',
    { config: practitionerConfig, schema: { params: auditParams, body: practitionerForm } },
    async (request, reply) => {
      const values = valuesOf(request.body, PRACTITIONER_FIELDS);
      let auditId: string;
      try {
        auditId = await givePractitionerFeedback(
          db,
          request.person,
          request.params.auditId,
          inputFrom(values),
        );
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const page = await practitionerFeedbackPage(db, request.person, request.params.auditId);
        return practitionerPage(request, reply, page, { errors: err.errors, values });
      }
      request.session.flash = {
        kind: 'success',
        text: 'Thank you: your feedback on the audit has been saved',
      };
      return reply.redirect(`/audits/${auditId}`);
    },
  );

  // --- family feedback, recorded by QA ---

  const familyConfig = { access: 'feedback.family' as const, childRecord: true };

  async function recordPage(
    request: FastifyRequest,
    reply: FastifyReply,
    audit: AuditFacts,
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    await recordView(request, audit, 'Audit opened to record the family’s feedback');
    if (extra.errors?.length) reply.code(400);
    return reply.render('pages/feedback/record-family.njk', {
      pageTitle: 'Record family feedback',
      errors: extra.errors,
      values: extra.values ?? {},
      audit,
      methods: RECORDED_METHODS,
      respondents: RESPONDENTS,
      questions: questionsForPage,
      maxLength: MAX_ANSWER_LENGTH,
    });
  }

  app.get(
    '/audits/:auditId/family-feedback',
    { config: familyConfig, schema: { params: auditParams } },
    async (request, reply) => {
      const audit = await familyFeedbackAudit(db, request.person, request.params.auditId);
      return recordPage(request, reply, audit);
    },
  );

  app.post(
    '/audits/:auditId/family-feedback',
    { config: familyConfig, schema: { params: auditParams, body: recordForm } },
    async (request, reply) => {
      const values = valuesOf(request.body, RECORD_FIELDS);
      let recorded: { auditId: string };
      try {
        recorded = await recordFamilyFeedback(db, request.person, request.params.auditId, inputFrom(values));
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const audit = await familyFeedbackAudit(db, request.person, request.params.auditId);
        return recordPage(request, reply, audit, { errors: err.errors, values });
      }
      request.session.flash = { kind: 'success', text: 'The family’s feedback has been recorded' };
      return reply.redirect(`/audits/${recorded.auditId}`);
    },
  );

  app.post(
    '/audits/:auditId/family-feedback/links',
    { config: familyConfig, schema: { params: auditParams } },
    async (request, reply) => {
      const made = await createFamilyFeedbackLink(db, request.person, request.params.auditId, new Date());
      await recordView(request, made.audit, 'Audit opened to make a feedback link for the family');
      // Shown on this answer and never again: only the link's hash is kept.
      reply.code(201);
      return reply.render('pages/feedback/link-created.njk', {
        pageTitle: 'Feedback link made',
        audit: made.audit,
        link: `${request.protocol}://${request.host}${made.path}`,
        expiresAt: made.expiresAt,
        days: FAMILY_LINK_DAYS,
      });
    },
  );

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

  app.get(
    '/family-feedback/:token',
    { config: publicConfig, schema: { params: tokenParams } },
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

  app.post(
    '/family-feedback/:token',
    { config: publicConfig, schema: { params: tokenParams, body: familyForm } },
    async (request, reply) => {
      const token = request.params.token;
      const values = valuesOf(request.body, FAMILY_FIELDS);
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
};

export default feedbackRoutes;
