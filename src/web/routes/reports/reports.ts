import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { can } from '../../../domain/roles.ts';
import { reportScope } from '../../../metrics/report-scope.ts';
import { listReturnCycles } from '../../../metrics/returns.ts';
import { NotForPublicationError } from '../../../reports/audit-list.ts';
import {
  CONTENT_TYPES,
  isReportName,
  produceReport,
  REPORT_FORMATS,
  REPORT_NAMES,
  REPORTS,
  type ReportFormat,
  type ReportName,
  renderReport,
} from '../../../reports/catalogue.ts';
import { documentBodyHtml } from '../../../reports/render.ts';
import { filterOptions, readReportForm, reportQueryString } from './report-form.ts';

const nameQuery = z.object({ name: z.string().optional().catch(undefined) });
const formatQuery = z.object({ format: z.string().optional().catch(undefined) });

/**
 * Reports: each of the catalogue's reports for a range of months and filters, read on the page and
 * downloaded as JSON, CSV, Excel, Word or HTML. Computed from the stored audits on each request.
 * Scrutiny readers and workforce development only ever get the versions for publication; a Head of
 * Service gets their services' figures (src/metrics/report-scope.ts). No child is named in any
 * report, so no view is a child's record.
 */
export default async function reportRoutes(app: FastifyInstance, { db }: { db: Db }) {
  /** The cycles with audits, newest first, for the monthly report; the programme years, for the annual. */
  async function composedReports(councilId: string) {
    const cycles = (await listReturnCycles(db, councilId))
      .filter((c) => !c.learningMonth && (c.hasAudits || c.hasHistory) && c.month <= app.today())
      .slice(0, 12);
    const years = await db
      .selectFrom('programme_years')
      .select(['id', 'name', 'starts_on'])
      .where('council_id', '=', councilId)
      .orderBy('starts_on', 'desc')
      .execute();
    return { cycles, years };
  }

  app.get('/reports', { config: { access: 'reports.read' } }, async (request, reply) => {
    const user = request.user;
    if (!user) return reply.callNotFound();
    const scope = reportScope(user);
    const { name } = nameQuery.parse(request.query ?? {});
    const chosen = name && isReportName(name) && name !== 'audits' ? name : undefined;
    const form = await readReportForm(db, user, scope, request.query, app.today());
    const options = await filterOptions(db, user.councilId, scope);
    const composed = can(user.roles, 'reports.monthly') ? await composedReports(user.councilId) : null;
    const common = {
      composed,
      reports: REPORT_NAMES.filter((n) => n !== 'audits').map((n) => ({ name: n, ...REPORTS[n] })),
      scope,
      options,
      values: form.values,
      chosen,
    };
    if (name && !chosen) {
      reply.code(400);
      return reply.render('pages/reports/index.njk', {
        ...common,
        pageTitle: 'Reports',
        errors: [{ field: 'name', message: 'Choose a report from the list' }],
      });
    }
    if (!chosen || form.errors.length || !form.params) {
      if (chosen && form.errors.length) reply.code(400);
      return reply.render('pages/reports/index.njk', {
        ...common,
        pageTitle: chosen ? REPORTS[chosen].title : 'Reports',
        errors: chosen ? form.errors : [],
      });
    }
    const produced = await produceReport(db, user.councilId, chosen, form.params);
    const query = reportQueryString(form.values, { name: chosen });
    return reply.render('pages/reports/index.njk', {
      ...common,
      pageTitle: produced.document.title,
      body: await documentBodyHtml(produced.document, { headingLevel: 2 }),
      downloads: REPORT_FORMATS.map((format) => ({
        format,
        href: `/reports/${chosen}.${format}?${query}`,
      })),
      auditList:
        form.params.publication || scope.publicationOnly
          ? null
          : ['csv', 'xlsx'].map((format) => ({ format, href: `/reports/audit-list/${format}?${query}` })),
    });
  });

  app.get<{ Params: { file: string } }>(
    '/reports/:file',
    { config: { access: 'reports.read' } },
    async (request, reply) => {
      const user = request.user;
      if (!user) return reply.callNotFound();
      const match = /^([a-z]+)\.([a-z]+)$/.exec(request.params.file);
      const name = match?.[1] ?? '';
      const format = (match?.[2] ?? formatQuery.parse(request.query ?? {}).format ?? '') as ReportFormat;
      if (
        !isReportName(name) ||
        name === 'audits' ||
        !(REPORT_FORMATS as readonly string[]).includes(format)
      ) {
        return reply.callNotFound();
      }
      const scope = reportScope(user);
      const form = await readReportForm(db, user, scope, request.query, app.today());
      if (form.errors.length || !form.params) {
        reply.code(400);
        reply.type('text/plain; charset=utf-8');
        return `This report cannot be made: ${form.errors.map((e) => e.message).join('; ')}.`;
      }
      const produced = await produceReport(db, user.councilId, name as ReportName, form.params);
      const output = await renderReport(produced, format, { bom: format === 'csv' });
      const file = `${name}-${form.params.from}-to-${form.params.to}${form.params.publication ? '-for-publication' : ''}.${format}`;
      reply.header('content-disposition', `attachment; filename="${file}"`);
      reply.header('cache-control', 'no-store');
      reply.type(CONTENT_TYPES[format]);
      return output;
    },
  );

  // The audits behind the figures names each child by case reference: never for publication, and
  // every child listed is written to the access log.
  app.get<{ Params: { format: string } }>(
    '/reports/audit-list/:format',
    { config: { access: 'reports.audits', childRecord: true } },
    async (request, reply) => {
      const user = request.user;
      if (!user) return reply.callNotFound();
      const format = request.params.format as ReportFormat;
      if (!['csv', 'xlsx', 'json'].includes(format)) return reply.callNotFound();
      const scope = reportScope(user);
      const form = await readReportForm(db, user, scope, request.query, app.today());
      if (form.errors.length || !form.params) {
        reply.code(400);
        reply.type('text/plain; charset=utf-8');
        return `This list cannot be made: ${form.errors.map((e) => e.message).join('; ')}.`;
      }
      if (form.params.publication) {
        reply.code(400);
        reply.type('text/plain; charset=utf-8');
        return `${new NotForPublicationError().message}.`;
      }
      const produced = await produceReport(db, user.councilId, 'audits', form.params);
      const what = `the audits behind the figures of ${form.params.from} to ${form.params.to}`;
      for (const child of produced.children ?? []) {
        await request.recordChildView({
          recordType: 'audit list download',
          recordId: child.auditReference,
          childId: child.childId,
          reason: `Listed by case reference in the download of ${what}`,
        });
      }
      if (!produced.children?.length) {
        await request.recordChildView({
          recordType: 'audit list download',
          recordId: user.councilId,
          childId: null,
          reason: `Download of ${what}: no child was listed`,
        });
      }
      const output = await renderReport(produced, format, { bom: format === 'csv' });
      reply.header(
        'content-disposition',
        `attachment; filename="audits-${form.params.from}-to-${form.params.to}.${format}"`,
      );
      reply.header('cache-control', 'no-store');
      reply.type(CONTENT_TYPES[format]);
      return output;
    },
  );
}
