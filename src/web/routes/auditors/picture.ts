import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import {
  agreedCell,
  agreementSummary,
  feedbackSummary,
  MIN_FOR_AVERAGE,
  MIN_FOR_QUARTER_RATE,
  MIN_FOR_RATE,
  MIN_WORDS_FOR_RATE,
  onTimeSummary,
  outcomeSummary,
  shareText,
  whose,
} from '../../../domain/auditor-picture.ts';
import { OUTCOME_LABELS } from '../../../domain/moderation-outcome.ts';
import { type Chart, rateComparisonChart, stackedBarChart } from '../../../reports/charts.ts';
import { auditorPicturePage, type PicturePage } from '../../../services/audits/auditor-picture.ts';
import { id } from '../../forms.ts';

const query = z.object({
  from: z.string().trim().optional().catch(undefined),
  to: z.string().trim().optional().catch(undefined),
});
const staffParams = z.object({ staffId: id });

type Picture = NonNullable<PicturePage['picture']>;

/** The charts of the page, each shown with its data in a table beside it; none where too few to draw. */
async function charts(picture: Picture, who: string, name: string) {
  const m = picture.moderation;
  const out: { outcomes?: Chart; agreement?: Chart; feedback?: Chart; language?: Chart } = {};
  if (m.moderated >= MIN_FOR_RATE) {
    out.outcomes = await stackedBarChart({
      title: 'The panel’s decisions',
      categories: ['Supported', 'Upgraded', 'Downgraded'],
      rows: [
        { group: name, category: 'Supported', count: m.supported },
        { group: name, category: 'Upgraded', count: m.upgraded },
        { group: name, category: 'Downgraded', count: m.downgraded },
      ],
    });
  }
  const quarters = m.byQuarter.filter((q) => q.sameGrade.total >= MIN_FOR_QUARTER_RATE);
  if (quarters.length) {
    const rows = m.byQuarter.flatMap((q) => [
      {
        group: q.name,
        series: who === 'your' ? 'You' : name,
        rate: q.sameGrade.total >= MIN_FOR_QUARTER_RATE ? q.sameGrade.rate : null,
        ci95: q.sameGrade.total >= MIN_FOR_QUARTER_RATE ? q.sameGrade.ci95 : null,
      },
      { group: q.name, series: 'Council', rate: q.councilSameGrade.rate, ci95: q.councilSameGrade.ci95 },
    ]);
    out.agreement = await rateComparisonChart({
      title: 'Same grade as the moderator, by quarter',
      xTitle: 'Share with the same grade, with 95% interval',
      rows,
    });
  }
  if (picture.feedback.count >= MIN_FOR_AVERAGE) {
    out.feedback = await stackedBarChart({
      title: 'Practitioners’ scores: how much the audit helped their practice',
      categories: ['Practitioners'],
      rows: picture.feedback.distribution.map((d) => ({
        group: `Score ${d.score}`,
        category: 'Practitioners',
        count: d.count,
      })),
    });
  }
  const months = picture.language.months.filter((x) => x.perThousand !== null);
  if (months.length >= 2) {
    out.language = await rateComparisonChart({
      title: 'Language suggestions per 1,000 words, by month',
      xTitle: 'Suggestions per 1,000 words',
      percent: false,
      rows: picture.language.months.map((x) => ({ group: x.name, rate: x.perThousand, ci95: null })),
    });
  }
  return out;
}

/**
 * Each auditor's own picture (issue 20): their audits' moderation outcomes with the panel's reasons,
 * agreement with moderators by quarter beside the council's, practitioners' feedback scores, returns
 * on time and the language suggestions trend. The auditor sees their own at /my-audits/picture; QA
 * see any auditor's at /auditors/:staffId/picture. Every audit listed is written to the access log.
 */
const pictureRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  async function show(
    request: FastifyRequest,
    reply: FastifyReply,
    staffId: string,
    ask: z.infer<typeof query>,
    base: string,
  ) {
    const me = request.person;
    const page = await auditorPicturePage(db, me, staffId, ask, app.today());
    const who = whose(page.own, page.auditor.name);
    const common = {
      pageTitle: page.own ? 'Your picture as an auditor' : `${page.auditor.name}: picture as an auditor`,
      own: page.own,
      auditor: page.auditor,
      values: page.values,
      base,
      back: page.own
        ? { href: '/my-audits', text: 'Back to my audits' }
        : { href: '/auditors', text: 'Back to auditors' },
    };
    const picture = page.picture;
    if (page.errors.length || !picture) {
      reply.code(400);
      return reply.render('pages/auditors/picture.njk', { ...common, errors: page.errors });
    }
    const listed = picture.moderation.audits;
    for (const a of listed) {
      await request.recordChildView({
        recordType: 'audit',
        recordId: a.auditId,
        childId: a.childId,
        reason: page.own
          ? 'Moderated audit listed on the auditor’s own picture'
          : 'Moderated audit listed on an auditor’s picture, opened by QA',
      });
    }
    if (listed.length === 0) {
      await request.recordChildView({
        recordType: 'auditor picture',
        recordId: page.auditor.staffId,
        childId: null,
        reason: 'Auditor’s picture opened: no audit was listed',
      });
    }
    const m = picture.moderation;
    return reply.render('pages/auditors/picture.njk', {
      ...common,
      rangeName: page.rangeName,
      picture,
      who,
      outcomeLabels: OUTCOME_LABELS,
      text: {
        outcomes: outcomeSummary(m, who),
        agreement: agreementSummary(m.sameGrade, who),
        councilAgreement:
          m.councilSameGrade.total === 0
            ? 'No audits in the council have been moderated in these months.'
            : `Across the council, the moderator gave the same grade in ${shareText(m.councilSameGrade)}.`,
        feedback: feedbackSummary(picture.feedback, who, picture.feedback.max),
        councilFeedback:
          picture.feedback.council.average === null
            ? null
            : `Across the council: an average of ${picture.feedback.council.average} from ${picture.feedback.council.count} practitioners.`,
        returns: onTimeSummary(picture.returns, who),
      },
      quarters: m.byQuarter.map((q) => ({
        ...q,
        own: agreedCell(q.sameGrade),
        council: agreedCell(q.councilSameGrade),
      })),
      charts: await charts(picture, who, page.auditor.name),
      thresholds: {
        rate: MIN_FOR_RATE,
        quarter: MIN_FOR_QUARTER_RATE,
        average: MIN_FOR_AVERAGE,
        words: MIN_WORDS_FOR_RATE,
      },
    });
  }

  app.get(
    '/my-audits/picture',
    { config: { access: 'audits.mine', childRecord: true }, schema: { querystring: query } },
    async (request, reply) =>
      show(request, reply, request.person.staffId, request.query, '/my-audits/picture'),
  );

  app.get(
    '/auditors/:staffId/picture',
    {
      config: { access: 'auditors.picture', childRecord: true },
      schema: { params: staffParams, querystring: query },
    },
    async (request, reply) =>
      show(
        request,
        reply,
        request.params.staffId,
        request.query,
        `/auditors/${request.params.staffId}/picture`,
      ),
  );
};

export default pictureRoutes;
