import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { can } from '../../../domain/roles.ts';
import type { ReportScope } from '../../../metrics/report-scope.ts';
import { reportScope } from '../../../metrics/report-scope.ts';
import { currentCycle, listReturnCycles } from '../../../metrics/returns.ts';
import { produceReport, type ReportName } from '../../../reports/catalogue.ts';
import { cycleDashboard, qualityDashboard } from '../../../reports/dashboards.ts';
import type { ReportDocument } from '../../../reports/document.ts';
import { documentBodyHtml } from '../../../reports/render.ts';
import type { SignedInUser } from '../../../services/organisation/auth.ts';
import { filterOptions, readReportForm } from '../reports/report-form.ts';

const cycleQuery = z.object({ month: z.uuid().optional().catch(undefined) });

/** The dashboards a person's roles open, for the index page. */
function dashboardsFor(user: SignedInUser) {
  const list: { href: string; title: string; description: string }[] = [];
  if (can(user.roles, 'dashboards.cycle')) {
    list.push({
      href: '/dashboards/cycle',
      title: 'Cycle dashboard',
      description:
        'Returns live by auditor, team and service area; escalations waiting; moderation progress.',
    });
  }
  if (can(user.roles, 'dashboards.quality')) {
    list.push({
      href: '/dashboards/quality',
      title: user.roles.includes('qa_lead') || !user.serviceAreaId ? 'Quality dashboard' : 'Your services',
      description:
        'Grades by service area, team, worker and locality; the section view; practice themes found in audits below good; feedback.',
    });
  }
  if (can(user.roles, 'dashboards.team') && user.teamId) {
    list.push({
      href: '/dashboards/team',
      title: `Your team: ${user.teamName}`,
      description: 'Your team’s returns, grades, sections, themes below good and actions.',
    });
  }
  return list;
}

/**
 * Dashboards, by role, computed from the stored audits as each opens: the QA lead's cycle dashboard,
 * the quality dashboard (a Head of Service sees their services, an Assistant Director the council),
 * and a team manager's view of their team. Charts are drawn on the server with their tables beside
 * them. Aggregates only: no child is named.
 */
export default async function dashboardRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get('/dashboards', { config: { access: 'dashboards.read' } }, async (request, reply) => {
    const user = request.user as SignedInUser;
    return reply.render('pages/dashboards/index.njk', {
      pageTitle: 'Dashboards',
      dashboards: dashboardsFor(user),
    });
  });

  /** A dashboard of report documents under the months-and-filters form. */
  async function documentsPage(
    request: FastifyRequest,
    reply: FastifyReply,
    page: { title: string; caption: string; action: string; scope: ReportScope; fixedTeam?: boolean },
    documents: (
      p: NonNullable<Awaited<ReturnType<typeof readReportForm>>['params']>,
    ) => Promise<ReportDocument[]>,
  ) {
    const user = request.user as SignedInUser;
    const form = await readReportForm(db, user, page.scope, request.query, app.today());
    const options = await filterOptions(db, user.councilId, page.scope);
    const common = {
      pageTitle: page.title,
      caption: page.caption,
      action: page.action,
      scope: page.scope,
      fixedTeam: page.fixedTeam,
      options,
      values: form.values,
    };
    if (form.errors.length || !form.params) {
      reply.code(400);
      return reply.render('pages/dashboards/view.njk', { ...common, errors: form.errors });
    }
    const docs = await documents(form.params);
    const bodies: string[] = [];
    for (const doc of docs) bodies.push(await documentBodyHtml(doc, { headingLevel: 2, collapseOver: 12 }));
    return reply.render('pages/dashboards/view.njk', { ...common, bodies });
  }

  app.get('/dashboards/quality', { config: { access: 'dashboards.quality' } }, async (request, reply) => {
    const user = request.user as SignedInUser;
    const scope = reportScope(user);
    const services = scope.limitedTo === 'serviceArea';
    return documentsPage(
      request,
      reply,
      {
        title: services ? 'Your services' : 'Quality dashboard',
        caption: services ? 'The audits of your service area' : user.councilName,
        action: '/dashboards/quality',
        scope,
      },
      async (p) => {
        const reports: ReportName[] = services ? ['returns'] : [];
        const extra = await Promise.all(reports.map((n) => produceReport(db, user.councilId, n, p)));
        const quality = await qualityDashboard(db, user.councilId, p);
        const escalations = services
          ? [(await produceReport(db, user.councilId, 'escalations', p)).document]
          : [];
        return [...extra.map((r) => r.document), ...quality, ...escalations];
      },
    );
  });

  app.get('/dashboards/team', { config: { access: 'dashboards.team' } }, async (request, reply) => {
    const user = request.user as SignedInUser;
    if (!user.teamId) {
      return reply.render('pages/dashboards/index.njk', {
        pageTitle: 'Dashboards',
        dashboards: dashboardsFor(user),
        message: 'You are not in a team, so there is no team dashboard for you.',
      });
    }
    const scope: ReportScope = {
      publicationOnly: false,
      fixed: { teamId: user.teamId },
      limitedTo: 'serviceArea',
    };
    return documentsPage(
      request,
      reply,
      {
        title: `Your team: ${user.teamName}`,
        caption: 'The audits of your team’s children',
        action: '/dashboards/team',
        scope,
        fixedTeam: true,
      },
      async (p) => {
        const names: ReportName[] = ['returns', 'grades', 'sections', 'themes', 'actions'];
        return (await Promise.all(names.map((n) => produceReport(db, user.councilId, n, p)))).map(
          (r) => r.document,
        );
      },
    );
  });

  app.get('/dashboards/cycle', { config: { access: 'dashboards.cycle' } }, async (request, reply) => {
    const user = request.user as SignedInUser;
    const query = cycleQuery.parse(request.query ?? {});
    const cycles = await listReturnCycles(db, user.councilId);
    const cycle = query.month ? cycles.find((c) => c.id === query.month) : currentCycle(cycles, app.today());
    if (query.month && !cycle) return reply.callNotFound();
    if (!cycle) {
      return reply.render('pages/dashboards/cycle.njk', { pageTitle: 'Cycle dashboard', cycles });
    }
    const month = cycle.month.slice(0, 7);
    const dashboard = await cycleDashboard(db, user.councilId, cycle, {
      from: month,
      to: month,
      filters: {},
      filterWords: [],
      councilName: user.councilName,
      publication: false,
      today: app.today(),
    });
    return reply.render('pages/dashboards/cycle.njk', {
      pageTitle: `Cycle dashboard, ${cycle.name}`,
      cycle,
      cycles,
      dashboard,
      returnsBody: await documentBodyHtml(dashboard.returns, { headingLevel: 2, collapseOver: 12 }),
      moderationBody: await documentBodyHtml(
        {
          title: 'Moderation progress',
          subtitle: [],
          summary: [],
          notes: [],
          sections: [
            {
              id: 'moderation-progress',
              heading: `${cycle.name} sample`,
              tables: [dashboard.moderation.table],
            },
          ],
          publication: false,
        },
        { headingLevel: 2 },
      ),
    });
  });
}
