import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { ACTIVITY_KIND_TITLES } from '../../../domain/activity-kinds.ts';
import { buildAuditDocument } from '../../../reports/audit-document.ts';
import { auditDocumentFileName } from '../../../services/audits/audit-document.ts';
import { auditChildPage, auditDocumentFor } from '../../../services/audits/audit-pages.ts';
import { id } from '../../forms.ts';

const auditParams = z.object({ auditId: id });

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/**
 * Around a child's audit: the child's context on a page of its own (for screen-reader and mobile
 * users, and as the "open in its own page" link beside the form), and the finished audit as a Word
 * document for the child's file. Who may open them follows the relationship to the audit
 * (src/services/audits/audit-access.ts); each opening is written to the access log.
 */
const auditDocumentRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const read = { access: 'audits.read' as const, childRecord: true };

  app.get(
    '/audits/:auditId/child',
    { config: read, schema: { params: auditParams } },
    async (request, reply) => {
      const { audit, childContext } = await auditChildPage(db, request.person, request.params.auditId);
      await request.recordChildView({
        recordType: 'child',
        recordId: childContext.id,
        childId: childContext.id,
        reason: 'Child’s context opened from their audit',
      });
      return reply.render('pages/audits/child.njk', {
        pageTitle: 'The child’s context',
        auditId: audit.id,
        auditCaption: `${ACTIVITY_KIND_TITLES[audit.kind]} of child ${childContext.reference}`,
        childContext,
        childContextWide: true,
      });
    },
  );

  app.get(
    '/audits/:auditId/document.docx',
    { config: read, schema: { params: auditParams } },
    async (request, reply) => {
      const { audit, data } = await auditDocumentFor(db, request.person, request.params.auditId);
      const file = await buildAuditDocument(data);
      await request.recordChildView({
        recordType: 'audit',
        recordId: audit.id,
        childId: audit.childId,
        reason: 'Audit downloaded as a Word document for the child’s file',
      });
      return reply
        .type(DOCX)
        .header('content-disposition', `attachment; filename="${auditDocumentFileName(data, app.today())}"`)
        .header('cache-control', 'no-store')
        .send(file);
    },
  );
};

export default auditDocumentRoutes;
