import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { ragLabel } from '../../../domain/improvement-plan.ts';
import type { FieldError } from '../../../domain/validation.ts';
import { UnreadableFileError } from '../../../import/types.ts';
import {
  applyPlanImport,
  discardPlanImport,
  getPlanImport,
  outcomeRatings,
  type PlanImportPreview,
  PlanImportRefusedError,
  previewPlanImport,
  ratingTargets,
  recentPlanImports,
} from '../../../services/improvement/plan-import.ts';
import { anyForm, id } from '../../forms.ts';
import { singleFileUpload } from '../imports/uploads.ts';

/** An improvement plan is a few pages of Word: far smaller than this. */
const MAX_PLAN_FILE_BYTES = 20 * 1024 * 1024;
const MB = 1024 * 1024;

const importParams = z.object({ planImportId: id });

/** A rating's tag colour: it only repeats the word, never stands for it. */
const TAG_CLASSES: Record<string, string> = {
  red: 'govuk-tag--red',
  amber: 'govuk-tag--orange',
  green: 'govuk-tag--green',
  complete: 'govuk-tag--blue',
  not_started: 'govuk-tag--grey',
};

/** What the preview shows, in words: each rating as its word, under the locality it was matched to. */
function previewView(preview: PlanImportPreview) {
  const targets = ratingTargets(preview.columns);
  const unread = (o: PlanImportPreview['plan']['areas'][number]['outcomes'][number], target: string) =>
    o.ratings.find(
      (r) =>
        r.rag === null &&
        r.raw &&
        preview.columns.some(
          (c) => c.column === r.column && c.name !== null && (c.localityId ?? '') === target,
        ),
    );
  return {
    preview,
    headings: targets.map((t) => t.name),
    areas: preview.plan.areas.map((area) => ({
      ...area,
      outcomes: area.outcomes.map((o) => {
        const rated = outcomeRatings(o.ratings, preview.columns);
        return {
          ...o,
          cells: targets.map((t) => {
            const key = t.localityId ?? '';
            const rag = rated.get(key);
            if (!rag) {
              const bad = unread(o, key);
              return { text: bad ? `Not read: “${bad.raw}”` : 'Not rated' };
            }
            const from = o.ratings.find(
              (r) =>
                r.rag === rag &&
                preview.columns.some(
                  (c) => c.column === r.column && c.name !== null && (c.localityId ?? '') === key,
                ),
            );
            return {
              text: ragLabel(rag),
              tag: { text: ragLabel(rag), classes: TAG_CLASSES[rag] },
              fromColour: !!from && !from.raw && !!from.colour,
            };
          }),
        };
      }),
    })),
  };
}

/**
 * The improvement plan imported from the council's Word document or spreadsheet, for the QA lead:
 * upload it, read what was read (and what could not be), then save it as the current plan or
 * discard it.
 */
const planImportRoutes: FastifyPluginAsyncZod<{ db: Db; dataDir: string }> = async (app, { db, dataDir }) => {
  const access = { access: 'plan.manage' as const };
  const stagedFor = await singleFileUpload(app, {
    dataDir,
    capability: 'plan.manage',
    maxBytes: MAX_PLAN_FILE_BYTES,
    tooLarge: (request, reply, message) => uploadPage(request, reply, [{ field: 'file', message }]),
  });

  async function uploadPage(request: FastifyRequest, reply: FastifyReply, errors?: FieldError[]) {
    const { councilId } = request.person;
    const recent = await recentPlanImports(db, councilId);
    return reply.render('pages/plan/import.njk', {
      pageTitle: 'Import the improvement plan',
      errors,
      recent,
      maxUpload: `${MAX_PLAN_FILE_BYTES / MB} MB`,
    });
  }

  app.get('/plan/import', { config: access }, async (request, reply) => uploadPage(request, reply));

  // A multipart form: its fields were read with the file (above), so the body is read as sent.
  app.post('/plan/import', { config: access }, async (request, reply) => {
    const { councilId, staffId } = request.person;
    const upload = stagedFor(request);
    if (!upload || upload.bytes === 0) {
      reply.code(400);
      return uploadPage(request, reply, [
        { field: 'file', message: 'Select the improvement plan, a Word document or a spreadsheet' },
      ]);
    }
    try {
      const preview = await previewPlanImport(db, councilId, upload.path, {
        fileName: upload.fileName,
        uploadedBy: staffId,
      });
      return reply.redirect(`/plan/import/${preview.id}`, 303);
    } catch (err) {
      if (!(err instanceof UnreadableFileError)) throw err;
      reply.code(400);
      return uploadPage(request, reply, [{ field: 'file', message: err.message }]);
    }
  });

  async function previewPage(
    request: FastifyRequest,
    reply: FastifyReply,
    planImportId: string,
    refusal?: string,
  ) {
    const preview = await getPlanImport(db, request.person.councilId, planImportId);
    const title =
      preview.status === 'applied'
        ? 'Improvement plan saved'
        : preview.status === 'discarded'
          ? 'Improvement plan discarded'
          : 'Check the improvement plan';
    return reply.render('pages/plan/import-preview.njk', {
      pageTitle: title,
      title,
      ...previewView(preview),
      errors: refusal ? [{ field: 'save', message: refusal }] : undefined,
    });
  }

  app.get(
    '/plan/import/:planImportId',
    { config: access, schema: { params: importParams } },
    async (request, reply) => previewPage(request, reply, request.params.planImportId),
  );

  app.post(
    '/plan/import/:planImportId/save',
    { config: access, schema: { params: importParams, body: anyForm } },
    async (request, reply) => {
      const { councilId } = request.person;
      const { planImportId } = request.params;
      let saved: Awaited<ReturnType<typeof applyPlanImport>>;
      try {
        saved = await applyPlanImport(db, councilId, planImportId, request.person);
      } catch (err) {
        if (!(err instanceof PlanImportRefusedError)) throw err;
        reply.code(409);
        return previewPage(request, reply, planImportId, err.message);
      }
      request.session.flash = {
        kind: 'success',
        text: `The improvement plan has been saved: ${saved.outcomes} outcomes in ${saved.areas} areas${saved.archivedPlanId ? '. The plan before it is archived' : ''}`,
      };
      return reply.redirect('/plan', 303);
    },
  );

  app.post(
    '/plan/import/:planImportId/discard',
    { config: access, schema: { params: importParams, body: anyForm } },
    async (request, reply) => {
      const { councilId } = request.person;
      const { planImportId } = request.params;
      try {
        await discardPlanImport(db, councilId, planImportId);
      } catch (err) {
        if (!(err instanceof PlanImportRefusedError)) throw err;
        reply.code(409);
        return previewPage(request, reply, planImportId, err.message);
      }
      request.session.flash = { kind: 'info', text: 'The imported plan was discarded: nothing was changed' };
      return reply.redirect('/plan/import', 303);
    },
  );
};

export default planImportRoutes;
