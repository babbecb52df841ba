import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { formatDate } from '../../../domain/dates.ts';
import { nameKey } from '../../../domain/name-matching.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../../domain/validation.ts';
import {
  type CountChange,
  dataQualityReport,
  EXAMPLES_LISTED,
} from '../../../services/case-data/data-quality.ts';
import {
  listAliases,
  mapName,
  NAMES_LISTED,
  nameChoices,
  removeAlias,
  unmatchedNames,
} from '../../../services/case-data/name-aliases.ts';
import { findSnapshot, listSnapshots } from '../../../services/case-data/snapshots.ts';

const snapshotParam = z.object({ snapshotId: z.uuid() });
const aliasParam = z.object({ aliasId: z.uuid() });

/** A change on the snapshot before, as the report's tables say it. */
export function changeText(c: CountChange): string {
  if (c.change === null) return 'No previous snapshot';
  if (c.change === 0) return 'No change';
  return c.change > 0 ? `+${c.change.toLocaleString('en-GB')}` : `−${(-c.change).toLocaleString('en-GB')}`;
}

/** How an import came in, when no person is named. */
const SENT_THROUGH: Record<string, string> = {
  command: 'through the qaloop command',
  web: 'through the upload page',
  api: 'from the data warehouse',
};

/**
 * The council's snapshots of case data: the list of them with the imports that made each, the
 * data-quality report of each (as a page and as JSON), and the page where team and worker names
 * arriving in a new spelling are matched to the council's own. For QA officers and administrators.
 */
export default async function snapshotRoutes(app: FastifyInstance, { db }: { db: Db }) {
  const manage = { access: 'imports.manage' as const };
  // The data-quality report names children by their case reference, beside their date of birth,
  // gender, ethnicity and worker: each opening of it, as a page or as JSON, is in the access log.
  const report = { ...manage, childRecord: true };

  app.get('/imports/snapshots', { config: manage }, async (request, reply) => {
    const snapshots = await listSnapshots(db, request.user?.councilId as string);
    return reply.render('pages/imports/snapshots/list.njk', {
      pageTitle: 'Snapshots',
      snapshots: snapshots.map((s) => ({
        ...s,
        imports: s.imports.map((i) => ({
          ...i,
          sentBy: i.startedBy ? `by ${i.startedBy}` : (SENT_THROUGH[i.source] ?? ''),
        })),
      })),
    });
  });

  /** The council's snapshot named in the address, or undefined (the 404 page). */
  async function snapshotOf(request: FastifyRequest) {
    const params = snapshotParam.safeParse(request.params);
    if (!params.success) return undefined;
    return findSnapshot(db, request.user?.councilId as string, { id: params.data.snapshotId });
  }

  /** Writes the access log line for an opening of a snapshot's data-quality report. */
  const recordReportView = (request: FastifyRequest, snapshot: { id: string; asOf: string }, as: string) =>
    request.recordChildView({
      recordType: 'data-quality report',
      recordId: snapshot.id,
      childId: null,
      reason: `Data-quality report of the snapshot of ${formatDate(snapshot.asOf)} opened ${as}: it lists children by case reference`,
    });

  app.get('/imports/snapshots/:snapshotId/quality', { config: report }, async (request, reply) => {
    const snapshot = await snapshotOf(request);
    if (!snapshot) return reply.callNotFound();
    const quality = await dataQualityReport(db, request.user?.councilId as string, snapshot.id);
    await recordReportView(request, snapshot, 'as a page');
    const withChange = (rows: CountChange[]) => rows.map((c) => ({ ...c, changeText: changeText(c) }));
    return reply.render('pages/imports/snapshots/quality.njk', {
      pageTitle: `Data quality, ${formatDate(snapshot.asOf)}`,
      snapshot,
      report: quality,
      counts: {
        byList: withChange(quality.counts.byList),
        byTeam: withChange(quality.counts.byTeam),
        byServiceArea: withChange(quality.counts.byServiceArea),
      },
      examplesListed: EXAMPLES_LISTED,
    });
  });

  app.get('/imports/snapshots/:snapshotId/quality.json', { config: report }, async (request, reply) => {
    const snapshot = await snapshotOf(request);
    if (!snapshot) return reply.callNotFound();
    const quality = await dataQualityReport(db, request.user?.councilId as string, snapshot.id);
    await recordReportView(request, snapshot, 'as a JSON download');
    reply.header('content-disposition', `attachment; filename="data-quality-${snapshot.asOf}.json"`);
    reply.type('application/json; charset=utf-8');
    return JSON.stringify(quality, null, 2);
  });

  async function namesPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: {
      errors?: FieldError[];
      failed?: { kind: string; name: string; field: string; target: string };
    } = {},
  ) {
    const councilId = request.user?.councilId as string;
    const [unmatched, choices, aliases] = await Promise.all([
      unmatchedNames(db, councilId),
      nameChoices(db, councilId),
      listAliases(db, councilId),
    ]);
    return reply.render('pages/imports/names.njk', {
      pageTitle: 'Match team and worker names',
      unmatched,
      choices,
      aliases,
      namesListed: NAMES_LISTED,
      errors: extra.errors,
      failed: extra.failed,
      values: {},
    });
  }

  app.get('/imports/names', { config: manage }, async (request, reply) => namesPage(request, reply));

  app.post<{ Body: Record<string, unknown> }>(
    '/imports/names',
    { config: manage },
    async (request, reply) => {
      const user = request.user;
      if (!user) return reply.callNotFound();
      const input = { kind: request.body?.kind, name: request.body?.name, target: request.body?.target };
      try {
        const mapped = await mapName(db, user.councilId, input, user.staffId);
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
        const kind = input.kind === 'worker' ? 'worker' : 'team';
        const name = typeof input.name === 'string' ? input.name.trim() : '';
        const unmatched = await unmatchedNames(db, user.councilId);
        const rows = kind === 'team' ? unmatched.teams.names : unmatched.workers.names;
        const index = rows.findIndex((r) => r.name === name || nameKey(r.name) === nameKey(name));
        const field = index >= 0 ? `${kind}-${index + 1}` : 'unmatched';
        reply.code(400);
        return namesPage(request, reply, {
          errors: err.errors.map((e) => ({ field, message: e.message })),
          failed: { kind, name, field, target: typeof input.target === 'string' ? input.target : '' },
        });
      }
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/imports/names/:aliasId/remove',
    { config: manage },
    async (request, reply) => {
      const params = aliasParam.safeParse(request.params);
      if (!params.success) return reply.callNotFound();
      try {
        const removed = await removeAlias(db, request.user?.councilId as string, params.data.aliasId);
        request.session.flash = {
          kind: 'success',
          text: `“${removed.alias}” is no longer matched: the latest snapshot and imports from now on list it among the names not matched`,
        };
      } catch (err) {
        if (err instanceof NotFoundError) return reply.callNotFound();
        throw err;
      }
      return reply.redirect('/imports/names');
    },
  );
}
