import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import type { DraftFields } from '../../../domain/audit-form.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { INVITATION_STATE_LABELS, INVITATION_STATE_TAGS } from '../../../services/multi-agency/access.ts';
import {
  partnerSectionPage,
  partnerSections,
  savePartnerSection,
} from '../../../services/multi-agency/invitations.ts';
import { anyForm, id } from '../../forms.ts';
import { gradeItems, questionControls } from '../audits/audit-view.ts';

const invitationParams = z.object({ invitationId: id });

/** Every page shows a child's details: each view goes in the access log. */
const contribute = { access: 'multiAgency.contribute' as const, childRecord: true };

/**
 * A partner's side of multi-agency audits: the invitations made to them, and in each only their
 * own section of the audit, with the child's name, date of birth and case reference. Who may open
 * which invitation, and until when: src/services/multi-agency/access.ts.
 */
const partnerSectionRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get('/partner-sections', { config: contribute }, async (request, reply) => {
    const rows = await partnerSections(db, request.person, app.today());
    if (rows.every((r) => !r.child)) {
      await request.recordChildView({
        recordType: 'partner section list',
        recordId: 'none',
        childId: null,
        reason: 'Listed the partner’s invitations to multi-agency audits',
      });
    }
    for (const r of rows) {
      if (!r.child) continue;
      await request.recordChildView({
        recordType: 'partner section',
        recordId: r.id,
        childId: r.child.id,
        reason: 'Listed among the partner’s invitations to multi-agency audits',
      });
    }
    return reply.render('pages/partner-sections/index.njk', {
      pageTitle: 'Multi-agency audit sections',
      rows,
      stateLabels: INVITATION_STATE_LABELS,
      stateTags: INVITATION_STATE_TAGS,
    });
  });

  async function sectionPage(
    request: FastifyRequest,
    reply: FastifyReply,
    invitationId: string,
    extra: { errors?: FieldError[]; values?: DraftFields } = {},
  ) {
    const page = await partnerSectionPage(db, request.person, invitationId, app.today());
    await request.recordChildView({
      recordType: 'partner section',
      recordId: page.invitation.id,
      childId: page.childId,
      reason: `Opened the partner’s own section “${page.section.title}” of a multi-agency audit`,
    });
    const values = extra.values ?? page.values;
    return reply.render('pages/partner-sections/section.njk', {
      pageTitle: `${page.section.title} – multi-agency audit of ${page.child.reference}`,
      ...page,
      errors: extra.errors,
      values,
      stateLabels: INVITATION_STATE_LABELS,
      gradeItems: gradeItems(page.scale, values.grade as string | undefined),
      themeItems: page.themes.map((t) => ({
        value: t.key,
        text: t.name,
        checked: ([] as string[]).concat(values.practiceThemes ?? []).includes(t.key),
      })),
      questions: questionControls(page.section, page.scale, values),
    });
  }

  app.get(
    '/partner-sections/:invitationId',
    { config: contribute, schema: { params: invitationParams } },
    async (request, reply) => sectionPage(request, reply, request.params.invitationId),
  );

  app.post(
    '/partner-sections/:invitationId',
    { config: contribute, schema: { params: invitationParams, body: anyForm } },
    async (request, reply) => {
      const submit = request.body.action === 'submit';
      let result: { submitted: boolean };
      try {
        result = await savePartnerSection(
          db,
          request.person,
          request.params.invitationId,
          request.body,
          app.today(),
          submit,
        );
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return sectionPage(request, reply, request.params.invitationId, {
          errors: err.errors,
          values: request.body,
        });
      }
      request.session.flash = {
        kind: 'success',
        text: result.submitted
          ? 'Your section has been submitted to the council’s QA team. Thank you.'
          : 'Your answers have been saved as a draft. Submit them when they are complete.',
      };
      return reply.redirect(
        result.submitted ? '/partner-sections' : `/partner-sections/${request.params.invitationId}`,
      );
    },
  );
};

export default partnerSectionRoutes;
