import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { formatDate } from '../../../domain/dates.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { EXAMPLES_LISTED, snapshotQuality } from '../../../services/case-data/data-quality.ts';
import { mapName, NAMES_LISTED, namesPage, removeAlias } from '../../../services/case-data/name-aliases.ts';
import { listSnapshots } from '../../../services/case-data/snapshots.ts';
import { formFields, formText, id } from '../../forms.ts';
import { failedMatch, qualityCounts, snapshotsView } from './snapshots-view.ts';

const snapshotParams = z.object({ snapshotId: id });
const aliasParams = z.object({ aliasId: id });
const matchForm = formFields({ kind: formText, name: formText, target: formText });

/**
 * The council's snapshots of case data: the list of them with the imports that made each, the
 * data-quality report of each (as a page and as JSON), and the page where team and worker names
 * arriving in a new spelling are matched to the council's own. For QA officers and administrators.
 */
const snapshotRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const manage = { access: 'imports.manage' as const };
  // The data-quality report names children by their case reference, beside their date of birth,
  // gender, ethnicity and worker: each opening of it, as a page or as JSON, is in the access log.
  const report = { ...manage, childRecord: true };

  app.get('/imports/snapshots', { config: manage }, async (request, reply) => {
    const snapshots = await listSnapshots(db, request.person.councilId);
    return reply.render('pages/imports/snapshots/list.njk', {
      pageTitle: 'Snapshots',
      snapshots: snapshotsView(snapshots),
    });
  });

  /** Writes the access log line for an opening of a snapshot's data-quality report. */
  const recordReportView = (request: FastifyRequest, snapshot: { id: string; asOf: string }, as: string) =>
    request.recordChildView({
      recordType: 'data-quality report',
      recordId: snapshot.id,
      childId: null,
      reason: `Data-quality report of the snapshot of ${formatDate(snapshot.asOf)} opened ${as}: it lists children by case reference`,
    });

  app.get(
    '/imports/snapshots/:snapshotId/quality',
    { config: report, schema: { params: snapshotParams } },
    async (request, reply) => {
      const found = await snapshotQuality(db, request.person.councilId, request.params.snapshotId);
      if (!found) return reply.callNotFound();
      const { snapshot, report: quality } = found;
      await recordReportView(request, snapshot, 'as a page');
      return reply.render('pages/imports/snapshots/quality.njk', {
        pageTitle: `Data quality, ${formatDate(snapshot.asOf)}`,
        snapshot,
        report: quality,
        counts: qualityCounts(quality),
        examplesListed: EXAMPLES_LISTED,
      });
    },
  );

  app.get(
    '/imports/snapshots/:snapshotId/quality.json',
    { config: report, schema: { params: snapshotParams } },
    async (request, reply) => {
      const found = await snapshotQuality(db, request.person.councilId, request.params.snapshotId);
      if (!found) return reply.callNotFound();
      const { snapshot, report: quality } = found;
      await recordReportView(request, snapshot, 'as a JSON download');
      reply.header('content-disposition', `attachment; filename="data-quality-${snapshot.asOf}.json"`);
      reply.type('application/json; charset=utf-8');
      return JSON.stringify(quality, null, 2);
    },
  );

  async function renderNames(
    reply: FastifyReply,
    page: Awaited<ReturnType<typeof namesPage>>,
    extra: {
      errors?: FieldError[];
      failed?: { kind: string; name: string; field: string; target: string };
    } = {},
  ) {
    return reply.render('pages/imports/names.njk', {
      pageTitle: 'Match team and worker names',
      unmatched: page.unmatched,
      choices: page.choices,
      aliases: page.aliases,
      namesListed: NAMES_LISTED,
      errors: extra.errors,
      failed: extra.failed,
      values: {},
    });
  }

  app.get('/imports/names', { config: manage }, async (request, reply) =>
    renderNames(reply, await namesPage(db, request.person.councilId)),
  );

  app.post('/imports/names', { config: manage, schema: { body: matchForm } }, async (request, reply) => {
    const { councilId, staffId } = request.person;
    const input = { kind: request.body.kind, name: request.body.name, target: request.body.target };
    try {
      const mapped = await mapName(db, councilId, input, staffId);
      request.session.flash = {
        kind: 'success',
        text:
          `“${mapped.name}” now stands for ${mapped.target}` +
          (mapped.children
            ? `: ${mapped.children.toLocaleString('en-GB')} ${mapped.children === 1 ? 'child' : 'children'} in the latest snapshot moved.`
            : '. Later imports will match it.'),
      };
      return reply.redirect('/imports/names');
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      // the error points at the row's own choice of team or worker
      const page = await namesPage(db, councilId);
      const failed = failedMatch(page.unmatched, input);
      reply.code(400);
      return renderNames(reply, page, {
        errors: err.errors.map((e) => ({ field: failed.field, message: e.message })),
        failed,
      });
    }
  });

  // Another council's saved name, or none, is not found (removeAlias's NotFoundError: the 404 page).
  app.post(
    '/imports/names/:aliasId/remove',
    { config: manage, schema: { params: aliasParams } },
    async (request, reply) => {
      const removed = await removeAlias(db, request.person.councilId, request.params.aliasId);
      request.session.flash = {
        kind: 'success',
        text: `“${removed.alias}” is no longer matched: the latest snapshot and imports from now on list it among the names not matched`,
      };
      return reply.redirect('/imports/names');
    },
  );
};

export default snapshotRoutes;
