import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import {
  annualReportFile,
  type ComposedFile,
  monthlyReportFile,
  monthlyReportPage,
  saveMonthlyReportNotes,
} from '../../../reports/composed-reports.ts';
import { type CycleNotes, MAX_NOTE_LENGTH, NotesConflictError } from '../../../reports/monthly.ts';
import { formFields, formText, id } from '../../forms.ts';

const monthParams = z.object({ monthId: id });
const yearParams = z.object({ yearId: id });
/** `?public=1` asks for the version for publication; anything else, the full report. */
const versionQuery = z.object({ public: z.string().optional().catch(undefined) });
// The revision is passed on as sent: the service reads a missing or garbled one as out of date.
const notesForm = formFields({ strengths: formText, areasForDevelopment: formText, revision: z.unknown() });

/**
 * The monthly QA report of a cycle: the QA lead writes its strengths and areas for development
 * (saved over the revision they were typed on, so two people never overwrite each other) and
 * downloads it as Word or HTML; and the annual report of a programme year. QA download both in full
 * or prepared for publication (`?public=1`); scrutiny readers download only the versions prepared for
 * publication (`/for-publication.docx`), and are refused the full ones.
 */
const monthlyReportRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const access = { access: 'reports.monthly' as const };
  // a report file for the signed-in reader (the figures leave out what they moderate blind)
  type Reader = { councilId: string; staffId: string };
  type Format = 'docx' | 'html';
  const monthlyFile = (reader: Reader, monthId: string, format: Format, publication: boolean) =>
    monthlyReportFile(db, reader.councilId, monthId, format, publication, app.today(), reader.staffId);
  const annualFile = (reader: Reader, yearId: string, format: Format, publication: boolean) =>
    annualReportFile(db, reader.councilId, yearId, format, publication, app.today(), reader.staffId);

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    monthId: string,
    extra: { errors?: FieldError[]; values?: Partial<CycleNotes>; conflict?: CycleNotes } = {},
  ) {
    const { cycle, saved } = await monthlyReportPage(db, request.person.councilId, monthId);
    const values = extra.values ?? saved;
    return reply.render('pages/reports/monthly.njk', {
      pageTitle: `Monthly QA report, ${cycle.name}`,
      cycle,
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

  /** Sends a report file: Word as an attachment, HTML to read in the browser. */
  function send(reply: FastifyReply, file: ComposedFile) {
    if (file.fileName) reply.header('content-disposition', `attachment; filename="${file.fileName}"`);
    reply.header('cache-control', 'no-store');
    reply.type(file.contentType);
    return file.body;
  }

  app.get(
    '/reports/monthly/:monthId',
    { config: access, schema: { params: monthParams } },
    async (request, reply) => page(request, reply, request.params.monthId),
  );

  app.post(
    '/reports/monthly/:monthId',
    { config: access, schema: { params: monthParams, body: notesForm } },
    async (request, reply) => {
      const { monthId } = request.params;
      const { strengths, areasForDevelopment, revision } = request.body;
      const typed = { strengths, areasForDevelopment, revision: Number(revision) || 0 };
      try {
        const cycle = await saveMonthlyReportNotes(db, request.person, monthId, {
          strengths,
          areasForDevelopment,
          revision,
        });
        request.session.flash = { kind: 'success', text: `The report for ${cycle.name} has been saved` };
        return reply.redirect(`/reports/monthly/${cycle.id}`);
      } catch (err) {
        if (err instanceof NotesConflictError) {
          reply.code(409);
          return page(request, reply, monthId, { values: typed, conflict: err.saved });
        }
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return page(request, reply, monthId, { values: typed, errors: err.errors });
      }
    },
  );

  // in full, or prepared for publication with ?public=1: for QA
  for (const format of ['docx', 'html'] as const) {
    app.get(
      `/reports/monthly/:monthId.${format}`,
      { config: access, schema: { params: monthParams, querystring: versionQuery } },
      async (request, reply) =>
        send(
          reply,
          await monthlyFile(request.person, request.params.monthId, format, request.query.public === '1'),
        ),
    );

    app.get(
      `/reports/annual/:yearId.${format}`,
      { config: access, schema: { params: yearParams, querystring: versionQuery } },
      async (request, reply) =>
        send(
          reply,
          await annualFile(request.person, request.params.yearId, format, request.query.public === '1'),
        ),
    );
  }

  // prepared for publication only: for QA and scrutiny readers (councillors are who the annual
  // report is for), who are refused the full versions above
  const published = { access: 'reports.published' as const };
  for (const format of ['docx', 'html'] as const) {
    app.get(
      `/reports/monthly/:monthId/for-publication.${format}`,
      { config: published, schema: { params: monthParams } },
      async (request, reply) =>
        send(reply, await monthlyFile(request.person, request.params.monthId, format, true)),
    );

    app.get(
      `/reports/annual/:yearId/for-publication.${format}`,
      { config: published, schema: { params: yearParams } },
      async (request, reply) =>
        send(reply, await annualFile(request.person, request.params.yearId, format, true)),
    );
  }
};

export default monthlyReportRoutes;
