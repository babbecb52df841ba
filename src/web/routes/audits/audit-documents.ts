import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { ACTIVITY_KIND_TITLES } from '../../../domain/activity-kinds.ts';
import { buildAuditDocument } from '../../../reports/audit-document.ts';
import { AuditAccessError, auditAccess, must, READ_REFUSED } from '../../../services/audits/audit-access.ts';
import { auditDocumentData, auditDocumentFileName } from '../../../services/audits/audit-document.ts';
import { childContext } from '../../../services/case-data/child-context.ts';
import type { SignedInUser } from '../../../services/organisation/auth.ts';

const auditParams = z.object({ auditId: z.uuid() });

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

function user(request: FastifyRequest): SignedInUser {
  return request.user as SignedInUser;
}

/**
 * Around a child's audit: the child's context on a page of its own (for screen-reader and mobile
 * users, and as the "open in its own page" link beside the form), and the finished audit as a Word
 * document for the child's file. Who may open them follows the relationship to the audit
 * (src/services/audits/audit-access.ts); each opening is written to the access log.
 */
export default async function auditDocumentRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get<{ Params: { auditId: string } }>(
    '/audits/:auditId/child',
    { config: { access: 'audits.read', childRecord: true } },
    async (request, reply) => {
      const params = auditParams.safeParse(request.params);
      if (!params.success) return reply.callNotFound();
      const access = await auditAccess(db, user(request), params.data.auditId);
      must(access.mayRead, READ_REFUSED);
      const context = await childContext(db, access.audit.councilId, access.audit.childId);
      if (!context) return reply.callNotFound();
      await request.recordChildView({
        recordType: 'child',
        recordId: context.id,
        childId: context.id,
        reason: 'Child’s context opened from their audit',
      });
      return reply.render('pages/audits/child.njk', {
        pageTitle: 'The child’s context',
        auditId: access.audit.id,
        auditCaption: `${ACTIVITY_KIND_TITLES[access.audit.kind]} of child ${context.reference}`,
        childContext: context,
        childContextWide: true,
      });
    },
  );

  app.get<{ Params: { auditId: string } }>(
    '/audits/:auditId/document.docx',
    { config: { access: 'audits.read', childRecord: true } },
    async (request, reply) => {
      const params = auditParams.safeParse(request.params);
      if (!params.success) return reply.callNotFound();
      const access = await auditAccess(db, user(request), params.data.auditId);
      must(access.mayRead, READ_REFUSED);
      if (access.audit.status !== 'submitted') {
        // someone who may see the draft is told why there is no document yet; nobody else learns it exists
        throw new AuditAccessError(
          'The Word document can only be downloaded once the audit has been submitted. Submit the audit first.',
        );
      }
      const data = await auditDocumentData(db, access.audit.councilId, access.audit.id, {
        staffId: user(request).staffId,
        seesEveryEscalation: access.relations.has('qa'),
      });
      const file = await buildAuditDocument(data);
      await request.recordChildView({
        recordType: 'audit',
        recordId: access.audit.id,
        childId: access.audit.childId,
        reason: 'Audit downloaded as a Word document for the child’s file',
      });
      return reply
        .type(DOCX)
        .header('content-disposition', `attachment; filename="${auditDocumentFileName(data, app.today())}"`)
        .header('cache-control', 'no-store')
        .send(file);
    },
  );
}
