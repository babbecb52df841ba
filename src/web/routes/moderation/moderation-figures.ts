import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { kappaText, kappaWords } from '../../../domain/agreement.ts';
import { monthName } from '../../../domain/dates.ts';
import { can } from '../../../domain/roles.ts';
import type { FieldError } from '../../../domain/validation.ts';
import {
  type Agreement,
  MIN_FOR_AUDITOR_KAPPA,
  MIN_FOR_TREND_KAPPA,
  type ModerationCounts,
  moderationFigures,
  type Proportion,
} from '../../../metrics/moderation-figures.ts';
import { checkMonths, defaultRange } from '../reports/report-form.ts';

/** The longest range the page shows: five years of months. */
const MAX_MONTHS = 60;

const query = z.object({
  from: z.string().trim().optional().catch(undefined),
  to: z.string().trim().optional().catch(undefined),
  area: z.uuid().optional().catch(undefined),
});

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** "3 of 12 (25%)" with its interval written out for the hint: "95% CI 9% to 53%". */
function share(p: Proportion, none: string) {
  if (p.total === 0) return { text: none, interval: null };
  return {
    text: `${p.count} of ${p.total} (${pct(p.count / p.total)})`,
    interval: p.ci95 ? `95% CI ${pct(p.ci95[0])} to ${pct(p.ci95[1])}` : null,
  };
}

function withText<T extends ModerationCounts>(row: T) {
  return {
    ...row,
    moderatedText: share(row.moderatedShare, 'None returned'),
    downgradedText: share(row.downgradedShare, 'None moderated'),
  };
}

/** A kappa in words, or why it is not shown. */
function agreementText(a: Agreement, minimum: number): string {
  if (a.n === 0) return 'No moderated audits';
  if (a.n < minimum) return `Fewer than ${minimum} moderated audits (${a.n} so far)`;
  if (a.kappa === null) return `Not measurable: every grade was the same (${a.n} audits)`;
  return `${kappaText(a.kappa)}, ${kappaWords(a.kappa)} (${a.n} audits)`;
}

/**
 * Consistency of grading: % moderated, the panel's outcomes and % downgraded by month, service area
 * and auditor, and agreement between auditors and moderators (weighted kappa) with its trend by
 * quarter. QA see every auditor; an auditor who is not QA sees their own figures only. Aggregates
 * only: no child is named or counted singly here.
 */
export default async function moderationFigureRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get('/moderation/consistency', { config: { access: 'moderation.figures' } }, async (request, reply) => {
    const user = request.user;
    if (!user) return reply.callNotFound();
    const everyone = can(user.roles, 'moderation.manage');
    const q = query.parse(request.query ?? {});
    const defaults = await defaultRange(db, user.councilId, app.today());
    const values = { from: q.from ?? defaults.from, to: q.to ?? defaults.to, area: q.area ?? '' };
    const errors: FieldError[] = checkMonths(values.from, values.to, MAX_MONTHS);
    const areas = everyone
      ? await db
          .selectFrom('service_areas')
          .select(['id', 'name'])
          .where('council_id', '=', user.councilId)
          .orderBy('name')
          .execute()
      : [];
    const common = {
      pageTitle: everyone ? 'Consistency of grading' : 'Your consistency of grading',
      everyone,
      values,
      areas,
      minForAuditorKappa: MIN_FOR_AUDITOR_KAPPA,
      minForTrendKappa: MIN_FOR_TREND_KAPPA,
    };
    if (errors.length) {
      reply.code(400);
      return reply.render('pages/moderation/consistency.njk', {
        ...common,
        pageTitle: `Error: ${common.pageTitle}`,
        errors,
      });
    }
    const area = everyone && areas.some((a) => a.id === values.area) ? values.area : undefined;
    const figures = await moderationFigures(
      db,
      user.councilId,
      { from: `${values.from}-01`, to: `${values.to}-01` },
      everyone ? { serviceAreaId: area } : { auditorId: user.staffId },
    );
    return reply.render('pages/moderation/consistency.njk', {
      ...common,
      rangeName:
        values.from === values.to
          ? monthName(`${values.from}-01`)
          : `${monthName(`${values.from}-01`)} to ${monthName(`${values.to}-01`)}`,
      areaName: area ? areas.find((a) => a.id === area)?.name : null,
      total: withText(figures.total),
      overallAgreement: agreementText(figures.total.agreement, 1),
      agreementByScale: figures.total.agreementByScale.map((s) => ({ ...s, text: agreementText(s, 1) })),
      ownAgreement: agreementText(figures.total.agreement, MIN_FOR_AUDITOR_KAPPA),
      finalGrades: Object.entries(figures.total.finalGrades).map(([key, count]) => ({
        name: key.charAt(0).toUpperCase() + key.slice(1).replace(/_/g, ' '),
        count,
      })),
      byMonth: figures.byMonth.map(withText),
      byService: figures.byService.map(withText),
      byAuditor: everyone
        ? figures.byAuditor.map((a) => ({
            ...withText(a),
            agreementText: agreementText(a.agreement, MIN_FOR_AUDITOR_KAPPA),
          }))
        : [],
      trend: figures.trend.map((t) => ({ ...t, text: agreementText(t, MIN_FOR_TREND_KAPPA) })),
      fromHistory: figures.sources.includes('history'),
    });
  });
}
