import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { kappaText, kappaWords } from '../../../domain/agreement.ts';
import { monthName } from '../../../domain/dates.ts';
import { can } from '../../../domain/roles.ts';
import {
  type Agreement,
  consistencyFigures,
  FEW_TO_JUDGE,
  MIN_FOR_AUDITOR_KAPPA,
  MIN_FOR_TREND_KAPPA,
  MODERATION_FIGURE_WORDS,
  type ModerationCounts,
  type Proportion,
} from '../../../metrics/moderation-figures.ts';

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
    chosenText: share(row.chosenShare, 'None returned'),
    regradedText: share(row.regradedShare, 'None returned'),
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
 * An auditor's agreement from however many moderated audits they have: the share of grades the
 * moderator gave the same, with its interval, said to be too few to judge under FEW_TO_JUDGE (kappa
 * beside it waits for MIN_FOR_AUDITOR_KAPPA).
 */
function auditorAgreementText(a: Agreement): {
  text: string;
  share: string;
  interval: string | null;
  note: string;
} {
  const same = a.sameGrade;
  if (same.total === 0) {
    return { text: 'No moderated audits yet', share: 'no moderated audits yet', interval: null, note: '' };
  }
  const shown = share(same, '');
  const text = `Same grade in ${shown.text}`;
  const note =
    same.total < FEW_TO_JUDGE
      ? `Too few to judge: ${same.total} moderated ${same.total === 1 ? 'audit' : 'audits'}`
      : '';
  return { text, share: shown.text, interval: shown.interval, note };
}

/**
 * Consistency of grading: % moderated, the panel's outcomes and % downgraded by month, service area
 * and auditor, and agreement between auditors and moderators (weighted kappa) with its trend by
 * quarter. QA see every auditor; an auditor who is not QA sees their own figures only. Aggregates
 * only: no child is named or counted singly here.
 */
const moderationFigureRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/moderation/consistency',
    { config: { access: 'moderation.figures' }, schema: { querystring: query } },
    async (request, reply) => {
      const me = request.person;
      const everyone = can(me.roles, 'moderation.manage');
      const page = await consistencyFigures(
        db,
        me.councilId,
        request.query,
        { everyone, staffId: me.staffId },
        { today: app.today(), maxMonths: MAX_MONTHS },
      );
      const { values } = page;
      const common = {
        pageTitle: everyone ? 'Consistency of grading' : 'Your consistency of grading',
        everyone,
        values,
        areas: page.areas,
        minForAuditorKappa: MIN_FOR_AUDITOR_KAPPA,
        minForTrendKappa: MIN_FOR_TREND_KAPPA,
        fewToJudge: FEW_TO_JUDGE,
        words: MODERATION_FIGURE_WORDS,
      };
      const figures = page.figures;
      if (page.errors.length || !figures) {
        reply.code(400);
        return reply.render('pages/moderation/consistency.njk', {
          ...common,
          pageTitle: `Error: ${common.pageTitle}`,
          errors: page.errors,
        });
      }
      return reply.render('pages/moderation/consistency.njk', {
        ...common,
        rangeName:
          values.from === values.to
            ? monthName(`${values.from}-01`)
            : `${monthName(`${values.from}-01`)} to ${monthName(`${values.to}-01`)}`,
        areaName: page.area?.name ?? null,
        total: withText(figures.total),
        overallAgreement: agreementText(figures.total.agreement, 1),
        agreementByScale: figures.total.agreementByScale.map((s) => ({ ...s, text: agreementText(s, 1) })),
        ownAgreement: agreementText(figures.total.agreement, MIN_FOR_AUDITOR_KAPPA),
        ownSameGrade: auditorAgreementText(figures.total.agreement),
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
              sameGrade: auditorAgreementText(a.agreement),
            }))
          : [],
        trend: figures.trend.map((t) => ({ ...t, text: agreementText(t, MIN_FOR_TREND_KAPPA) })),
        fromHistory: figures.sources.includes('history'),
      });
    },
  );
};

export default moderationFigureRoutes;
