import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { ROLE_LABELS, type Role } from '../../../domain/roles.ts';
import type { FieldError } from '../../../domain/validation.ts';
import { UnreadableFileError } from '../../../import/types.ts';
import {
  applyStaffImport,
  CHANGED_FIELD_LABELS,
  discardStaffImport,
  getStaffImport,
  leaversWithOpenWork,
  previewStaffFile,
  recentStaffImports,
  type StaffImportPreview,
  StaffImportRefusedError,
} from '../../../services/organisation/staff-import.ts';
import { anyForm, id } from '../../forms.ts';
import { singleFileUpload } from './uploads.ts';

/** A staff file is a list of people: far smaller than case data. */
const MAX_STAFF_FILE_BYTES = 20 * 1024 * 1024;
const MB = 1024 * 1024;

const importParams = z.object({ staffImportId: id });

const roleText = (roles: readonly Role[]) =>
  roles.length ? roles.map((r) => ROLE_LABELS[r]).join(', ') : 'None';

/** What the preview and result pages show, in words. */
function previewView(preview: StaffImportPreview) {
  const { plan } = preview;
  return {
    preview,
    movers: plan.movers.map((m) => ({
      ...m,
      changes: m.changes.map((c) => ({
        label: CHANGED_FIELD_LABELS[c.field],
        before: c.before ?? 'None',
        after: c.after ?? 'None',
      })),
    })),
    roleChanges: plan.roleChanges.map((r) => ({
      ...r,
      beforeText: roleText(r.before),
      afterText: roleText(r.after),
    })),
    leavers: plan.leavers.map((l) => {
      const work = preview.openWork[l.staffId] ?? { audits: [], actions: [], moderations: [] };
      return { ...l, work, hasWork: work.audits.length + work.actions.length + work.moderations.length > 0 };
    }),
    changesNothing:
      plan.joiners.length +
        plan.movers.length +
        plan.leavers.length +
        plan.futureLeavers.length +
        plan.roleChanges.length +
        plan.newTeams.length ===
      0,
  };
}

/**
 * The staff file on the Imports page, for QA leads and administrators: upload it, read what it
 * would change, then confirm or discard it; the result lists leavers' open work to re-allocate.
 */
const staffFileRoutes: FastifyPluginAsyncZod<{ db: Db; dataDir: string }> = async (app, { db, dataDir }) => {
  const access = { access: 'imports.manage' as const };
  const stagedFor = await singleFileUpload(app, {
    dataDir,
    capability: 'imports.manage',
    maxBytes: MAX_STAFF_FILE_BYTES,
    tooLarge: (request, reply, message) => uploadPage(request, reply, [{ field: 'file', message }]),
  });

  async function uploadPage(request: FastifyRequest, reply: FastifyReply, errors?: FieldError[]) {
    const { councilId } = request.person;
    const [recent, leavers] = await Promise.all([
      recentStaffImports(db, councilId),
      leaversWithOpenWork(db, councilId),
    ]);
    return reply.render('pages/imports/staff-upload.njk', {
      pageTitle: 'Staff file',
      errors,
      recent,
      leavers,
      maxUpload: `${MAX_STAFF_FILE_BYTES / MB} MB`,
    });
  }

  app.get('/imports/staff', { config: access }, async (request, reply) => uploadPage(request, reply));

  // A multipart form: its fields were read with the file (above), so the body is read as sent.
  app.post('/imports/staff', { config: access }, async (request, reply) => {
    const { councilId, staffId } = request.person;
    const upload = stagedFor(request);
    if (!upload || upload.bytes === 0) {
      reply.code(400);
      return uploadPage(request, reply, [
        { field: 'file', message: 'Select the staff file, a CSV or XLSX file' },
      ]);
    }
    try {
      const preview = await previewStaffFile(db, councilId, upload.path, {
        fileName: upload.fileName,
        asOf: app.today(),
        uploadedBy: staffId,
      });
      return reply.redirect(`/imports/staff/${preview.importId}`, 303);
    } catch (err) {
      if (!(err instanceof UnreadableFileError)) throw err;
      reply.code(400);
      return uploadPage(request, reply, [{ field: 'file', message: err.message }]);
    }
  });

  async function importPage(
    request: FastifyRequest,
    reply: FastifyReply,
    importId: string,
    refusal?: string,
  ) {
    const { councilId } = request.person;
    const preview = await getStaffImport(db, councilId, importId);
    if (preview.status === 'applied') {
      const open = await leaversWithOpenWork(db, councilId);
      const mine = new Set(preview.plan.leavers.map((l) => l.staffId));
      return reply.render('pages/imports/staff-result.njk', {
        pageTitle: 'Staff file applied',
        ...previewView(preview),
        openWork: open.filter((l) => mine.has(l.staffId)),
        errors: refusal ? [{ field: 'status', message: refusal }] : undefined,
      });
    }
    return reply.render('pages/imports/staff-preview.njk', {
      pageTitle: preview.status === 'discarded' ? 'Staff file discarded' : 'Check the staff file',
      ...previewView(preview),
      errors: refusal ? [{ field: 'status', message: refusal }] : undefined,
    });
  }

  app.get(
    '/imports/staff/:staffImportId',
    { config: access, schema: { params: importParams } },
    async (request, reply) => importPage(request, reply, request.params.staffImportId),
  );

  app.post(
    '/imports/staff/:staffImportId/confirm',
    { config: access, schema: { params: importParams, body: anyForm } },
    async (request, reply) => {
      const { councilId, staffId } = request.person;
      const { staffImportId: importId } = request.params;
      try {
        await applyStaffImport(db, councilId, importId, {
          decidedBy: staffId,
          source: 'staff_file',
          queue: app.queue,
        });
      } catch (err) {
        if (!(err instanceof StaffImportRefusedError)) throw err;
        reply.code(409);
        return importPage(request, reply, importId, err.message);
      }
      request.session.flash = { kind: 'success', text: 'The staff file has been applied' };
      return reply.redirect(`/imports/staff/${importId}`, 303);
    },
  );

  app.post(
    '/imports/staff/:staffImportId/discard',
    { config: access, schema: { params: importParams, body: anyForm } },
    async (request, reply) => {
      const { councilId, staffId } = request.person;
      const { staffImportId: importId } = request.params;
      try {
        await discardStaffImport(db, councilId, importId, staffId);
      } catch (err) {
        if (!(err instanceof StaffImportRefusedError)) throw err;
        reply.code(409);
        return importPage(request, reply, importId, err.message);
      }
      request.session.flash = { kind: 'info', text: 'The staff file was discarded: nothing was changed' };
      return reply.redirect('/imports/staff', 303);
    },
  );
};

export default staffFileRoutes;
