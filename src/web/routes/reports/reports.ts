import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { REPORTS } from '../../../reports/catalogue.ts';
import { reportQuery } from '../../../reports/report-form.ts';
import { AUDIT_LIST_FORMATS, auditList, reportFile, reportsPage } from '../../../reports/report-pages.ts';

// The months-and-filters form is never refused by its schema: what cannot be used is reported on
// the page (src/reports/report-form.ts).
const pageQuery = reportQuery.extend({ name: z.string().optional().catch(undefined) });
const fileQuery = reportQuery.extend({ format: z.string().optional().catch(undefined) });
const fileParams = z.object({ file: z.string() });
const auditListParams = z.object({ format: z.enum(AUDIT_LIST_FORMATS) });

/**
 * Reports: each of the catalogue's reports for a range of months and filters, read on the page and
 * downloaded as JSON, CSV, Excel, Word or HTML. Computed from the stored audits on each request.
 * Scrutiny readers and workforce development only ever get the versions for publication; a Head of
 * Service gets their services' figures (src/metrics/report-scope.ts). No child is named in any
 * report, so no view is a child's record.
 */
const reportRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/reports',
    { config: { access: 'reports.read' }, schema: { querystring: pageQuery } },
    async (request, reply) => {
      const page = await reportsPage(db, request.person, request.query, app.today());
      if (page.unknownReport) {
        reply.code(400);
        return reply.render('pages/reports/index.njk', {
          ...page.common,
          pageTitle: 'Reports',
          errors: [{ field: 'name', message: 'Choose a report from the list' }],
        });
      }
      const { chosen, report } = page;
      if (!report) {
        if (chosen && page.errors.length) reply.code(400);
        return reply.render('pages/reports/index.njk', {
          ...page.common,
          pageTitle: chosen ? REPORTS[chosen].title : 'Reports',
          errors: chosen ? page.errors : [],
        });
      }
      return reply.render('pages/reports/index.njk', {
        ...page.common,
        pageTitle: report.title,
        body: report.body,
        downloads: report.downloads,
        auditList: report.auditList,
      });
    },
  );

  app.get(
    '/reports/:file',
    { config: { access: 'reports.read' }, schema: { params: fileParams, querystring: fileQuery } },
    async (request, reply) => {
      const file = await reportFile(db, request.person, request.params.file, request.query, app.today());
      if (file.errors) {
        reply.code(400);
        reply.type('text/plain; charset=utf-8');
        return `This report cannot be made: ${file.errors.map((e) => e.message).join('; ')}.`;
      }
      reply.header('content-disposition', `attachment; filename="${file.fileName}"`);
      reply.header('cache-control', 'no-store');
      reply.type(file.contentType);
      return file.output;
    },
  );

  // The audits behind the figures names each child by case reference: never for publication, and
  // every child listed is written to the access log.
  app.get(
    '/reports/audit-list/:format',
    {
      config: { access: 'reports.audits', childRecord: true },
      schema: { params: auditListParams, querystring: reportQuery },
    },
    async (request, reply) => {
      const me = request.person;
      const list = await auditList(db, me, request.params.format, request.query, app.today());
      if (list.refused !== undefined) {
        reply.code(400);
        reply.type('text/plain; charset=utf-8');
        return list.refused;
      }
      for (const child of list.children) {
        await request.recordChildView({
          recordType: 'audit list download',
          recordId: child.auditReference,
          childId: child.childId,
          reason: `Listed by case reference in the download of ${list.what}`,
        });
      }
      if (!list.children.length) {
        await request.recordChildView({
          recordType: 'audit list download',
          recordId: me.councilId,
          childId: null,
          reason: `Download of ${list.what}: no child was listed`,
        });
      }
      const output = await list.output();
      reply.header('content-disposition', `attachment; filename="${list.fileName}"`);
      reply.header('cache-control', 'no-store');
      reply.type(list.contentType);
      return output;
    },
  );
};

export default reportRoutes;
