import { basename } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import type { FieldError } from '../../../domain/validation.ts';
import { SERVICE_QA_HEADERS } from '../../../import/service-qa-entries.ts';
import { UnreadableFileError } from '../../../import/types.ts';
import { standardGrades } from '../../../services/service-qa/entries.ts';
import {
  applyServiceQaImport,
  claimPendingFile,
  getServiceQaImport,
  keepPendingFile,
  previewServiceQaImport,
  recentServiceQaImports,
  ServiceQaImportRefusedError,
} from '../../../services/service-qa/entry-import.ts';
import { formFields, formText, id } from '../../forms.ts';
import { singleFileUpload } from '../imports/uploads.ts';

/** A spreadsheet of QA entries is small. */
const MAX_FILE_BYTES = 10 * 1024 * 1024;
const MB = 1024 * 1024;

const importParams = z.object({ sqImportId: id });
const applyForm = formFields({ file: formText, fileName: formText });

/**
 * Services' QA entries imported from a spreadsheet, for the QA lead (serviceQa.manage): upload a
 * CSV or XLSX, see every row read and every row that cannot be read with the reason, then import
 * the rows read, together.
 */
const serviceQaImportRoutes: FastifyPluginAsyncZod<{ db: Db; dataDir: string }> = async (
  app,
  { db, dataDir },
) => {
  const access = { access: 'serviceQa.manage' as const };
  const stagedFor = await singleFileUpload(app, {
    dataDir,
    capability: 'serviceQa.manage',
    maxBytes: MAX_FILE_BYTES,
    tooLarge: (request, reply, message) => uploadPage(request, reply, [{ field: 'file', message }]),
  });

  async function uploadPage(request: FastifyRequest, reply: FastifyReply, errors?: FieldError[]) {
    const { councilId } = request.person;
    const [recent, grades] = await Promise.all([
      recentServiceQaImports(db, councilId),
      standardGrades(db, councilId),
    ]);
    return reply.render('pages/service-qa/import.njk', {
      pageTitle: 'Import QA activity from a spreadsheet',
      errors,
      recent,
      columns: Object.values(SERVICE_QA_HEADERS),
      grades,
      maxUpload: `${MAX_FILE_BYTES / MB} MB`,
    });
  }

  app.get('/service-qa/import', { config: access }, async (request, reply) => uploadPage(request, reply));

  // A multipart form: its fields were read with the file, so the body is read as sent.
  app.post('/service-qa/import', { config: access }, async (request, reply) => {
    const { councilId } = request.person;
    const upload = stagedFor(request);
    if (!upload || upload.bytes === 0) {
      reply.code(400);
      return uploadPage(request, reply, [
        { field: 'file', message: 'Select the spreadsheet, a CSV or XLSX file' },
      ]);
    }
    try {
      const preview = await previewServiceQaImport(db, councilId, upload.path, upload.fileName, app.today());
      const token = preview.rows.length
        ? await keepPendingFile(dataDir, councilId, upload.path, basename(upload.path))
        : undefined;
      return reply.render('pages/service-qa/import-preview.njk', {
        pageTitle: 'Check the QA activity to import',
        preview,
        token,
        fileName: upload.fileName,
      });
    } catch (err) {
      if (!(err instanceof UnreadableFileError)) throw err;
      reply.code(400);
      return uploadPage(request, reply, [{ field: 'file', message: err.message }]);
    }
  });

  app.post(
    '/service-qa/import/apply',
    { config: access, schema: { body: applyForm } },
    async (request, reply) => {
      const { councilId, staffId } = request.person;
      const { file: token } = request.body;
      const kept = await claimPendingFile(dataDir, councilId, token);
      if (!kept) {
        reply.code(409);
        return uploadPage(request, reply, [
          { field: 'file', message: 'That file has already been imported, or was not kept: upload it again' },
        ]);
      }
      const fileName = request.body.fileName.trim().slice(0, 255) || kept.fileName;
      try {
        const done = await applyServiceQaImport(db, councilId, kept.path, fileName, {
          importedBy: staffId,
          today: app.today(),
        });
        await kept.discard();
        request.session.flash = {
          kind: 'success',
          text: `${done.entries} ${done.entries === 1 ? 'entry has' : 'entries have'} been imported${done.problems.length ? `; ${done.problems.length} ${done.problems.length === 1 ? 'row was' : 'rows were'} left out` : ''}`,
        };
        return reply.redirect(`/service-qa/import/${done.importId}`, 303);
      } catch (err) {
        await kept.discard();
        if (!(err instanceof ServiceQaImportRefusedError || err instanceof UnreadableFileError)) throw err;
        reply.code(400);
        return uploadPage(request, reply, [{ field: 'file', message: err.message }]);
      }
    },
  );

  app.get(
    '/service-qa/import/:sqImportId',
    { config: access, schema: { params: importParams } },
    async (request, reply) => {
      const imported = await getServiceQaImport(db, request.person.councilId, request.params.sqImportId);
      return reply.render('pages/service-qa/import-result.njk', {
        pageTitle: `Imported: ${imported.fileName}`,
        imported,
      });
    },
  );
};

export default serviceQaImportRoutes;
