import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { dateParts } from '../../../domain/date-input.ts';
import { PARTNER_AGENCIES, PARTNER_AGENCY_LABELS } from '../../../domain/multi-agency.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { INVITATION_STATE_LABELS, INVITATION_STATE_TAGS } from '../../../services/multi-agency/access.ts';
import {
  auditInvitationsPage,
  collateInvitation,
  extendInvitation,
  invitePartner,
  listMultiAgencyAudits,
  withdrawInvitation,
} from '../../../services/multi-agency/invitations.ts';
import { addPartner, listPartners } from '../../../services/multi-agency/partners.ts';
import type { SignedInUser } from '../../../services/organisation/auth.ts';
import { anyForm, id } from '../../forms.ts';

const auditParams = z.object({ maAuditId: id });
const invitationParams = z.object({ maAuditId: id, invitationId: id });

const manage = { access: 'multiAgency.manage' as const };
/** pages that show a child's audit: each view goes in the access log */
const manageChild = { access: 'multiAgency.manage' as const, childRecord: true };

const agencyItems = (chosen: unknown) =>
  PARTNER_AGENCIES.map((a) => ({ value: a, text: PARTNER_AGENCY_LABELS[a], checked: chosen === a }));

/**
 * The QA lead's side of multi-agency audits: the audits and the partners, adding a partner
 * account, and per audit inviting partners to a section until a date, withdrawing, extending,
 * reading the answers and collating them into the audit's draft. Rules:
 * src/services/multi-agency/invitations.ts.
 */
const multiAgencyRoutes: FastifyPluginAsyncZod<{ db: Db; localPasswords?: boolean }> = async (
  app,
  { db, localPasswords = true },
) => {
  app.get('/multi-agency', { config: manageChild }, async (request, reply) => {
    const me = request.person;
    const today = app.today();
    const [audits, partners] = await Promise.all([
      listMultiAgencyAudits(db, me.councilId, today),
      listPartners(db, me.councilId, today),
    ]);
    if (audits.length === 0) {
      await request.recordChildView({
        recordType: 'multi-agency audit list',
        recordId: 'none',
        childId: null,
        reason: 'Listed the multi-agency audits',
      });
    }
    for (const a of audits) {
      await request.recordChildView({
        recordType: 'audit',
        recordId: a.id,
        childId: a.childId,
        reason: 'Listed among the multi-agency audits',
      });
    }
    return reply.render('pages/multi-agency/index.njk', {
      pageTitle: 'Multi-agency audits',
      audits,
      partners,
      stateLabels: INVITATION_STATE_LABELS,
    });
  });

  async function newPartnerPage(
    _request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: Record<string, unknown> } = {},
  ) {
    const values = extra.values ?? {};
    return reply.render('pages/multi-agency/partner-new.njk', {
      pageTitle: 'Add a partner',
      errors: extra.errors,
      values,
      agencyItems: agencyItems(values.agency),
      localPasswords,
    });
  }

  app.get('/multi-agency/partners/new', { config: manage }, async (request, reply) =>
    newPartnerPage(request, reply),
  );

  app.post(
    '/multi-agency/partners',
    { config: manage, schema: { body: anyForm } },
    async (request, reply) => {
      const text = (k: string) => {
        const v = request.body[k];
        return (Array.isArray(v) ? v[0] : v) ?? '';
      };
      const values = {
        name: text('name'),
        email: text('email'),
        jobTitle: text('jobTitle'),
        agency: text('agency'),
        organisation: text('organisation'),
      };
      try {
        await addPartner(db, app.queue, request.person, values, { sendLink: localPasswords });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return newPartnerPage(request, reply, { errors: err.errors, values });
      }
      request.session.flash = {
        kind: 'success',
        text: localPasswords
          ? `${values.name.trim()} has been added as a partner and sent a link to sign in for the first time`
          : `${values.name.trim()} has been added as a partner: they sign in with their council account`,
      };
      return reply.redirect('/multi-agency');
    },
  );

  async function auditPage(
    request: FastifyRequest,
    reply: FastifyReply,
    auditId: string,
    extra: { errors?: FieldError[]; values?: Record<string, unknown> } = {},
  ) {
    const page = await auditInvitationsPage(db, request.person, auditId, app.today());
    await request.recordChildView({
      recordType: 'audit',
      recordId: page.audit.id,
      childId: page.audit.childId,
      reason: 'Opened the multi-agency audit’s partner invitations and answers',
    });
    const values = extra.values ?? {};
    const expiry = dateParts(page.defaultExpiry);
    return reply.render('pages/multi-agency/audit.njk', {
      pageTitle: `Multi-agency audit of ${page.child.reference}`,
      ...page,
      errors: extra.errors,
      values: {
        'expiresOn-day': expiry.day,
        'expiresOn-month': expiry.month,
        'expiresOn-year': expiry.year,
        ...values,
      },
      stateLabels: INVITATION_STATE_LABELS,
      stateTags: INVITATION_STATE_TAGS,
      partnerItems: [
        { value: '', text: 'Choose a partner' },
        ...page.partners.map((p) => ({
          value: p.id,
          text: `${p.name} (${p.agency}${p.organisation ? `, ${p.organisation}` : ''})`,
          selected: values.partnerId === p.id,
        })),
      ],
      sectionItems: [
        { value: '', text: 'Choose a section' },
        ...page.sections.map((s) => ({ value: s.key, text: s.title, selected: values.sectionKey === s.key })),
      ],
    });
  }

  app.get(
    '/multi-agency/audits/:maAuditId',
    { config: manageChild, schema: { params: auditParams } },
    async (request, reply) => auditPage(request, reply, request.params.maAuditId),
  );

  app.post(
    '/multi-agency/audits/:maAuditId/invitations',
    { config: manageChild, schema: { params: auditParams, body: anyForm } },
    async (request, reply) => {
      try {
        await invitePartner(db, request.person, request.params.maAuditId, request.body, app.today());
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return auditPage(request, reply, request.params.maAuditId, {
          errors: err.errors,
          values: request.body,
        });
      }
      request.session.flash = {
        kind: 'success',
        text: 'The partner has been invited to answer their section',
      };
      return reply.redirect(`/multi-agency/audits/${request.params.maAuditId}`);
    },
  );

  /** withdraw, extend or collate one invitation; a refusal shows the audit's page with the reason */
  function invitationAction(
    path: string,
    done: string,
    act: (
      params: { maAuditId: string; invitationId: string },
      body: Record<string, string | string[]>,
      person: SignedInUser,
    ) => Promise<string>,
  ) {
    app.post(
      `/multi-agency/audits/:maAuditId/invitations/:invitationId/${path}`,
      { config: manageChild, schema: { params: invitationParams, body: anyForm } },
      async (request, reply) => {
        let auditId: string;
        try {
          auditId = await act(request.params, request.body, request.person);
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          reply.code(400);
          return auditPage(request, reply, request.params.maAuditId, {
            errors: err.errors.map((e) => ({ ...e, field: `${request.params.invitationId}-${e.field}` })),
            values: { [`${request.params.invitationId}-extend`]: request.body },
          });
        }
        request.session.flash = { kind: 'success', text: done };
        return reply.redirect(`/multi-agency/audits/${auditId}`);
      },
    );
  }

  invitationAction('withdraw', 'The invitation has been withdrawn', (params, _body, person) =>
    withdrawInvitation(db, person, params.maAuditId, params.invitationId),
  );
  invitationAction('extend', 'The invitation has been extended', (params, body, person) =>
    extendInvitation(db, person, params.maAuditId, params.invitationId, body, app.today()),
  );
  invitationAction(
    'collate',
    'The partner’s answers have been copied into the audit: check them and submit the audit from the audit form',
    (params, _body, person) => collateInvitation(db, person, params.maAuditId, params.invitationId),
  );
};

export default multiAgencyRoutes;
