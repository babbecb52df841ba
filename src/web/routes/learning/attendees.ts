import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../../domain/validation.ts';
import { UnreadableFileError } from '../../../import/types.ts';
import {
  type AttendanceProblem,
  addAttendees,
  attendeesPage,
  importAttendanceList,
  removeAttendee,
} from '../../../services/learning/attendees.ts';
import { formFields, formList, formText, id } from '../../forms.ts';
import { singleFileUpload } from '../imports/uploads.ts';

/** An attendance list is a short list of people. */
const MAX_LIST_BYTES = 2 * 1024 * 1024;

const sessionParams = z.object({ sessionId: id });
const pageQuery = z.object({ search: formText });
const addForm = formFields({ staffIds: formList, search: formText });
const removeForm = formFields({ staffId: formText });

const countWords = (attended: number, named: number) =>
  `${attended.toLocaleString('en-GB')} attended, ${named.toLocaleString('en-GB')} named`;

/**
 * Who attended a learning session, by person: list, add from the council's staff, remove, and
 * import an attendance list. For those who manage learning (workforce development and QA).
 */
const attendeeRoutes: FastifyPluginAsyncZod<{ db: Db; dataDir: string }> = async (app, { db, dataDir }) => {
  const manage = { access: 'learning.manage' as const };
  const stagedFor = await singleFileUpload(app, {
    dataDir,
    capability: 'learning.manage',
    maxBytes: MAX_LIST_BYTES,
    tooLarge: (request, reply, message) => {
      const sessionId = (request.params as { sessionId?: string } | undefined)?.sessionId;
      if (!sessionId) return reply.send(message);
      return page(request, reply, sessionId, { errors: [{ field: 'file', message }] });
    },
  });

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    sessionId: string,
    options: {
      search?: string;
      errors?: FieldError[];
      chosen?: string[];
      problems?: { fileName: string; rows: number; list: AttendanceProblem[] };
    } = {},
  ) {
    const view = await attendeesPage(db, request.person.councilId, sessionId, options.search ?? '');
    return reply.render('pages/learning/attendees.njk', {
      pageTitle: `Who attended ${view.session.title}`,
      ...view,
      counts: countWords(view.session.attended, view.attendees.length),
      chosen: options.chosen ?? [],
      errors: options.errors,
      problems: options.problems,
    });
  }

  app.get(
    '/learning/:sessionId/attendees',
    { config: manage, schema: { params: sessionParams, querystring: pageQuery } },
    async (request, reply) =>
      page(request, reply, request.params.sessionId, { search: request.query.search }),
  );

  app.post(
    '/learning/:sessionId/attendees',
    { config: manage, schema: { params: sessionParams, body: addForm } },
    async (request, reply) => {
      const { councilId, staffId } = request.person;
      const { sessionId } = request.params;
      try {
        const done = await addAttendees(db, councilId, sessionId, staffId, request.body.staffIds);
        request.session.flash = {
          kind: 'success',
          text: `${done.added === 1 ? '1 person' : `${done.added} people`} added: ${countWords(done.attended, done.named)}${
            done.raised ? ' (the number attended was raised to the number named)' : ''
          }`,
        };
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return page(request, reply, sessionId, {
          search: request.body.search,
          errors: err.errors,
          chosen: request.body.staffIds,
        });
      }
      return reply.redirect(`/learning/${sessionId}/attendees`, 303);
    },
  );

  app.post(
    '/learning/:sessionId/attendees/remove',
    { config: manage, schema: { params: sessionParams, body: removeForm } },
    async (request, reply) => {
      const { sessionId } = request.params;
      const staffId = request.body.staffId;
      if (!z.uuid().safeParse(staffId).success) throw new NotFoundError('attendee');
      const removed = await removeAttendee(db, request.person.councilId, sessionId, staffId);
      request.session.flash = {
        kind: 'success',
        text: `${removed.name} is no longer named as attending. The number attended stays as it was.`,
      };
      return reply.redirect(`/learning/${sessionId}/attendees`, 303);
    },
  );

  // A multipart form: its fields were read with the file (above), so the body is read as sent.
  app.post(
    '/learning/:sessionId/attendees/upload',
    { config: manage, schema: { params: sessionParams } },
    async (request, reply) => {
      const { councilId, staffId } = request.person;
      const { sessionId } = request.params;
      const upload = stagedFor(request);
      if (!upload || upload.bytes === 0) {
        reply.code(400);
        return page(request, reply, sessionId, {
          errors: [{ field: 'file', message: 'Select the attendance list, a CSV or XLSX file' }],
        });
      }
      try {
        const result = await importAttendanceList(
          db,
          councilId,
          sessionId,
          staffId,
          upload.path,
          upload.fileName,
        );
        if (!result.ok) {
          reply.code(400);
          return page(request, reply, sessionId, {
            errors: [
              {
                field: 'file',
                message: `${result.problems.length === 1 ? '1 row' : `${result.problems.length} rows`} of ${result.fileName} could not be matched to one person: nobody has been added. Correct the rows listed and upload the list again`,
              },
            ],
            problems: { fileName: result.fileName, rows: result.rows, list: result.problems },
          });
        }
        request.session.flash = {
          kind: 'success',
          text: `The attendance list has been read: ${result.added === 1 ? '1 person' : `${result.added} people`} added${
            result.already ? `, ${result.already} already named` : ''
          }. ${countWords(result.attended, result.named)}${result.raised ? ' (the number attended was raised to the number named)' : ''}.`,
        };
        return reply.redirect(`/learning/${sessionId}/attendees`, 303);
      } catch (err) {
        if (!(err instanceof UnreadableFileError)) throw err;
        reply.code(400);
        return page(request, reply, sessionId, { errors: [{ field: 'file', message: err.message }] });
      }
    },
  );
};

export default attendeeRoutes;
