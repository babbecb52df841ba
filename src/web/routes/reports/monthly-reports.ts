import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { addMonths, monthName } from '../../../domain/dates.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { annualReportDocx, annualReportHtml } from '../../../reports/annual.ts';
import { CONTENT_TYPES } from '../../../reports/catalogue.ts';
import {
  type CycleNotes,
  getCycleNotes,
  MAX_NOTE_LENGTH,
  monthlyReportDocx,
  monthlyReportHtml,
  NotesConflictError,
  saveCycleNotes,
} from '../../../reports/monthly.ts';
import { councilName, type ReportParams } from '../../../reports/report-base.ts';

const monthParam = z.object({ monthId: z.uuid() });
const yearParam = z.object({ yearId: z.uuid() });

/**
 * The monthly QA report of a cycle: the QA lead writes its strengths and areas for development
 * (saved over the revision they were typed on, so two people never overwrite each other) and
 * downloads it as Word or HTML; and the annual report of a programme year, in full or for publication.
 */
export default async function monthlyReportRoutes(app: FastifyInstance, { db }: { db: Db }) {
  const access = { access: 'reports.monthly' as const };

  async function cycle(request: FastifyRequest) {
    const params = monthParam.safeParse(request.params);
    const councilId = request.user?.councilId;
    if (!params.success || !councilId) return undefined;
    const month = await db
      .selectFrom('programme_months')
      .select(['id', 'month', 'learning_month'])
      .where('council_id', '=', councilId)
      .where('id', '=', params.data.monthId)
      .executeTakeFirst();
    return month ? { ...month, councilId, name: monthName(month.month) } : undefined;
  }

  async function params(
    councilId: string,
    from: string,
    to: string,
    publication: boolean,
  ): Promise<ReportParams> {
    return {
      from,
      to,
      filters: {},
      filterWords: [],
      councilName: await councilName(db, councilId),
      publication,
      today: app.today(),
    };
  }

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: Partial<CycleNotes>; conflict?: CycleNotes } = {},
  ) {
    const c = await cycle(request);
    if (!c) return reply.callNotFound();
    const saved = await getCycleNotes(db, c.councilId, c.id);
    const values = extra.values ?? saved;
    return reply.render('pages/reports/monthly.njk', {
      pageTitle: `Monthly QA report, ${c.name}`,
      cycle: c,
      saved,
      values: {
        ...values,
        revision: extra.conflict ? extra.conflict.revision : (values.revision ?? saved.revision),
      },
      conflict: extra.conflict,
      errors: extra.errors,
      maxLength: MAX_NOTE_LENGTH,
    });
  }

  app.get('/reports/monthly/:monthId', { config: access }, async (request, reply) => page(request, reply));

  app.post<{ Body: Record<string, unknown> }>(
    '/reports/monthly/:monthId',
    { config: access },
    async (request, reply) => {
      const c = await cycle(request);
      if (!c) return reply.callNotFound();
      const input = {
        strengths: request.body?.strengths,
        areasForDevelopment: request.body?.areasForDevelopment,
        revision: request.body?.revision,
      };
      const typed = {
        strengths: typeof input.strengths === 'string' ? input.strengths : '',
        areasForDevelopment: typeof input.areasForDevelopment === 'string' ? input.areasForDevelopment : '',
        revision: Number(input.revision) || 0,
      };
      try {
        await saveCycleNotes(db, c.councilId, c.id, request.user?.staffId ?? null, input);
      } catch (err) {
        if (err instanceof NotesConflictError) {
          reply.code(409);
          return page(request, reply, { values: typed, conflict: err.saved });
        }
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return page(request, reply, { values: typed, errors: err.errors });
      }
      request.session.flash = { kind: 'success', text: `The report for ${c.name} has been saved` };
      return reply.redirect(`/reports/monthly/${c.id}`);
    },
  );

  for (const format of ['docx', 'html'] as const) {
    app.get(`/reports/monthly/:monthId.${format}`, { config: access }, async (request, reply) => {
      const c = await cycle(request);
      if (!c) return reply.callNotFound();
      const month = c.month.slice(0, 7);
      const p = await params(c.councilId, month, month, false);
      const body =
        format === 'docx'
          ? await monthlyReportDocx(db, c.councilId, p)
          : await monthlyReportHtml(db, c.councilId, p);
      if (format === 'docx') {
        reply.header('content-disposition', `attachment; filename="monthly-qa-report-${month}.docx"`);
      }
      reply.header('cache-control', 'no-store');
      reply.type(CONTENT_TYPES[format]);
      return body;
    });

    app.get<{ Querystring: { public?: string } }>(
      `/reports/annual/:yearId.${format}`,
      { config: access },
      async (request, reply) => {
        const parsed = yearParam.safeParse(request.params);
        const councilId = request.user?.councilId;
        if (!parsed.success || !councilId) return reply.callNotFound();
        const year = await db
          .selectFrom('programme_years')
          .select(['id', 'starts_on'])
          .where('council_id', '=', councilId)
          .where('id', '=', parsed.data.yearId)
          .executeTakeFirst();
        if (!year) return reply.callNotFound();
        const from = year.starts_on.slice(0, 7);
        const to = addMonths(year.starts_on, 11).slice(0, 7);
        const publication = request.query?.public === '1';
        const p = await params(councilId, from, to, publication);
        const body =
          format === 'docx'
            ? await annualReportDocx(db, councilId, p)
            : await annualReportHtml(db, councilId, p);
        if (format === 'docx') {
          reply.header(
            'content-disposition',
            `attachment; filename="annual-qa-report-${from}-to-${to}${publication ? '-public' : ''}.docx"`,
          );
        }
        reply.header('cache-control', 'no-store');
        reply.type(CONTENT_TYPES[format]);
        return body;
      },
    );
  }
}
