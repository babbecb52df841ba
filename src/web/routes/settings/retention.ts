import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Db } from '../../../data/db.ts';
import { formatDate, formatDateTime } from '../../../domain/dates.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { importLimits, saveImportLimits } from '../../../services/case-data/import-limits.ts';
import { importShrinkPercent, saveImportShrinkPercent } from '../../../services/case-data/shrink-guard.ts';
import {
  RETENTION_DEFAULTS,
  type RetentionRun,
  retentionPage,
  saveRetentionSettings,
} from '../../../services/organisation/retention.ts';
import { formFields, formText } from '../../forms.ts';

const retentionForm = formFields({ snapshotMonths: formText, accessLogMonths: formText });
const shrinkForm = formFields({ shrinkPercent: formText });
const limitsForm = formFields({ maxRows: formText, maxMegabytes: formText });
const n = (x: number) => x.toLocaleString('en-GB');

/**
 * "Last applied 7 December 2026 at 2:30am: removed nothing; last removal 3 December 2026 at 2:30am:
 * 12 access-log entries older than 3 December 2020". A night that removed nothing (most nights, or
 * a retry) does not hide the last one that did.
 */
function lastApplied(
  months: number | null,
  runs: { last?: RetentionRun; lastRemoval?: RetentionRun },
  what: [string, string],
): string {
  if (months === null)
    return 'Not set yet: nothing is removed until the QA lead or administrator saves the retention settings';
  const { last, lastRemoval } = runs;
  if (!last) return 'Not yet applied: the retention job runs each night';
  const removal = (run: RetentionRun) =>
    `${run.removed} ${run.removed === 1 ? what[0] : what[1]} older than ${formatDate(run.cutOff)}`;
  const applied = `Last applied ${formatDateTime(last.ranAt)}`;
  if (last.removed > 0) return `${applied}: removed ${removal(last)}`;
  return lastRemoval
    ? `${applied}: removed nothing; last removal ${formatDateTime(lastRemoval.ranAt)}: ${removal(lastRemoval)}`
    : `${applied}: removed nothing (none older than ${formatDate(last.cutOff)}); nothing removed before`;
}

/**
 * The council's data retention: how long old snapshots and access-log entries are kept, and what
 * the nightly job last removed. QA lead or administrator.
 */
const retentionRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const manage = { access: 'retention.manage' as const };

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    const { settings, snapshots, accessLog } = await retentionPage(db, request.person.councilId);
    const shrinkPercent = await importShrinkPercent(db, request.person.councilId);
    const limits = await importLimits(db, request.person.councilId);
    return reply.render('pages/settings/retention.njk', {
      pageTitle: 'Data retention',
      notSet: settings.snapshotMonths === null || settings.accessLogMonths === null,
      lastSnapshots: lastApplied(settings.snapshotMonths, snapshots, ['snapshot', 'snapshots']),
      lastAccessLog: lastApplied(settings.accessLogMonths, accessLog, [
        'access-log entry',
        'access-log entries',
      ]),
      values: {
        // not set yet: the usual periods are offered, and apply only once someone saves them
        snapshotMonths: String(settings.snapshotMonths ?? RETENTION_DEFAULTS.snapshotMonths),
        accessLogMonths: String(settings.accessLogMonths ?? RETENTION_DEFAULTS.accessLogMonths),
        shrinkPercent: String(shrinkPercent),
        maxRows: n(limits.maxRows),
        maxMegabytes: n(limits.maxMegabytes),
        ...extra.values,
      },
      errors: extra.errors,
    });
  }

  app.get('/settings/retention', { config: manage }, async (request, reply) => page(request, reply));

  app.post(
    '/settings/retention',
    { config: manage, schema: { body: retentionForm } },
    async (request, reply) => {
      const input = {
        snapshotMonths: request.body.snapshotMonths,
        accessLogMonths: request.body.accessLogMonths,
      };
      try {
        const saved = await saveRetentionSettings(
          db,
          request.person.councilId,
          input,
          request.person.staffId,
        );
        request.session.flash = {
          kind: 'success',
          text: `Retention settings have been saved: snapshots are kept ${saved.snapshotMonths} months and access-log entries ${saved.accessLogMonths} months, from tonight’s run`,
        };
        return reply.redirect('/settings/retention');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return page(request, reply, { errors: err.errors, values: input });
      }
    },
  );

  // The share of a list's children an import may remove without being confirmed (issue 22).
  app.post(
    '/settings/retention/imports',
    { config: manage, schema: { body: shrinkForm } },
    async (request, reply) => {
      const input = { shrinkPercent: request.body.shrinkPercent };
      try {
        const saved = await saveImportShrinkPercent(
          db,
          request.person.councilId,
          input,
          request.person.staffId,
        );
        request.session.flash = {
          kind: 'success',
          text: `Import settings have been saved: an import that removes more than ${saved}% of a list’s children, or lists none, is refused unless the person confirms it`,
        };
        return reply.redirect('/settings/retention');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return page(request, reply, { errors: err.errors, values: input });
      }
    },
  );

  // The most one import may read: rows, and megabytes once uncompressed (issue 22).
  app.post(
    '/settings/retention/import-limits',
    { config: manage, schema: { body: limitsForm } },
    async (request, reply) => {
      const input = { maxRows: request.body.maxRows, maxMegabytes: request.body.maxMegabytes };
      try {
        const saved = await saveImportLimits(db, request.person.councilId, input, request.person.staffId);
        request.session.flash = {
          kind: 'success',
          text: `Import limits have been saved: an import may read at most ${n(saved.maxRows)} rows and ${n(saved.maxMegabytes)} MB of data once uncompressed`,
        };
        return reply.redirect('/settings/retention');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return page(request, reply, { errors: err.errors, values: input });
      }
    },
  );
};

export default retentionRoutes;
