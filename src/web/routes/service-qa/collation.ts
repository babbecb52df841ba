import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { isRealDate } from '../../../domain/dates.ts';
import { isQuarterStart, type Quarter, quarterOf } from '../../../domain/service-qa.ts';
import { quartersWithEntries } from '../../../metrics/service-qa-themes.ts';
import {
  buildCollation,
  collationBodyHtml,
  collationDocx,
  collationFileName,
  collationXlsx,
} from '../../../reports/service-qa-collation.ts';
import { formOptional } from '../../forms.ts';

const CONTENT_TYPE_DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const CONTENT_TYPE_XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const collationQuery = z.object({ quarter: formOptional, version: formOptional });
type CollationQuery = z.infer<typeof collationQuery>;

const QUARTER_ERROR = 'Choose a quarter from the list';

/** The quarter asked for: this quarter when none is; undefined when what was asked is not a quarter. */
function quarterAsked(asked: string | undefined, today: string): Quarter | undefined {
  if (asked === undefined) return quarterOf(today);
  if (!isQuarterStart(asked) || !isRealDate(asked)) return undefined;
  return quarterOf(asked);
}

/**
 * The quarterly collation of QA from across children's services (issue 19 item 2): every source
 * side by side by practice theme, against last quarter, with each service's grades, strengths and
 * areas for development. As a page, Word and Excel, in full or prepared for publication. For QA,
 * senior leaders and workforce development (`serviceQa.collation`); figures and what services wrote
 * about their practice, no child named, so no view goes in the access log.
 */
const collationRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  async function page(request: FastifyRequest, reply: FastifyReply, query: CollationQuery) {
    const me = request.person;
    const today = app.today();
    const publication = query.version === 'publication';
    const quarters = await quartersWithEntries(db, me.councilId, today);
    const asked = quarterAsked(query.quarter, today);
    const quarter = asked ?? quarterOf(today);
    const built = await buildCollation(db, me.councilId, quarter, publication);
    const link = (version: string | null) =>
      `?quarter=${quarter.start}${version ? `&version=${version}` : ''}`;
    if (!asked) reply.code(400);
    return reply.render('pages/service-qa/collation.njk', {
      pageTitle: `QA from across services, ${quarter.label}`,
      errors: asked ? undefined : [{ field: 'quarter', message: QUARTER_ERROR }],
      quarter,
      quarters: quarters.map((q) => ({
        value: q.start,
        text: `${q.label} (${q.months})`,
        selected: q.start === quarter.start,
      })),
      publication,
      collation: built.collation,
      summary: built.document.summary,
      body: await collationBodyHtml({ ...built.document, summary: [] }),
      wordHref: `/service-qa/collation.docx${link(publication ? 'publication' : null)}`,
      excelHref: `/service-qa/collation.xlsx${link(publication ? 'publication' : null)}`,
      otherHref: `/service-qa/collation${link(publication ? null : 'publication')}`,
    });
  }

  async function download(
    request: FastifyRequest,
    reply: FastifyReply,
    query: CollationQuery,
    format: 'docx' | 'xlsx',
  ) {
    const me = request.person;
    const quarter = quarterAsked(query.quarter, app.today());
    if (!quarter) {
      reply.code(400);
      return reply.render('pages/service-qa/collation-refused.njk', {
        pageTitle: 'No such quarter',
        errors: [{ field: 'quarter', message: QUARTER_ERROR }],
      });
    }
    const publication = query.version === 'publication';
    const { document } = await buildCollation(db, me.councilId, quarter, publication);
    const file = format === 'docx' ? await collationDocx(document) : await collationXlsx(document);
    reply.header(
      'content-disposition',
      `attachment; filename="${collationFileName(quarter, publication, format)}"`,
    );
    reply.header('cache-control', 'no-store');
    reply.type(format === 'docx' ? CONTENT_TYPE_DOCX : CONTENT_TYPE_XLSX);
    return file;
  }

  const config = { access: 'serviceQa.collation' as const };
  const schema = { querystring: collationQuery };
  app.get('/service-qa/collation', { config, schema }, (request, reply) =>
    page(request, reply, request.query),
  );
  app.get('/service-qa/collation.docx', { config, schema }, (request, reply) =>
    download(request, reply, request.query, 'docx'),
  );
  app.get('/service-qa/collation.xlsx', { config, schema }, (request, reply) =>
    download(request, reply, request.query, 'xlsx'),
  );
};

export default collationRoutes;
