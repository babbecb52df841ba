import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { can } from '../../../domain/roles.ts';
import {
  cycleDashboardPage,
  qualityDashboardPage,
  teamDashboardPage,
} from '../../../reports/dashboard-pages.ts';
import { reportQuery } from '../../../reports/report-form.ts';
import type { SignedInUser } from '../../../services/organisation/auth.ts';

/** The cycle asked for; a garbled one is ignored (the current cycle is shown). */
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

/** A dashboard of report documents under the months-and-filters form (400 when the form does not hold). */
function renderDocuments(
  reply: FastifyReply,
  heading: { title: string; caption: string; action: string; fixedTeam?: boolean },
  page: Awaited<ReturnType<typeof teamDashboardPage>>,
) {
  const common = {
    pageTitle: heading.title,
    caption: heading.caption,
    action: heading.action,
    scope: page.scope,
    fixedTeam: heading.fixedTeam,
    options: page.options,
    values: page.form.values,
  };
  if (!page.bodies) {
    reply.code(400);
    return reply.render('pages/dashboards/view.njk', { ...common, errors: page.form.errors });
  }
  return reply.render('pages/dashboards/view.njk', { ...common, bodies: page.bodies, leftOut: page.leftOut });
}

/**
 * Dashboards, by role, computed from the stored audits as each opens: the QA lead's cycle dashboard,
 * the quality dashboard (a Head of Service sees their services, an Assistant Director the council),
 * and a team manager's view of their team. Charts are drawn on the server with their tables beside
 * them. Aggregates only: no child is named.
 */
const dashboardRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get('/dashboards', { config: { access: 'dashboards.read' } }, async (request, reply) =>
    reply.render('pages/dashboards/index.njk', {
      pageTitle: 'Dashboards',
      dashboards: dashboardsFor(request.person),
    }),
  );

  app.get(
    '/dashboards/quality',
    { config: { access: 'dashboards.quality' }, schema: { querystring: reportQuery } },
    async (request, reply) => {
      const me = request.person;
      const page = await qualityDashboardPage(db, me, request.query, app.today());
      return renderDocuments(
        reply,
        {
          title: page.services ? 'Your services' : 'Quality dashboard',
          caption: page.services ? 'The audits of your service area' : me.councilName,
          action: '/dashboards/quality',
        },
        page,
      );
    },
  );

  app.get(
    '/dashboards/team',
    { config: { access: 'dashboards.team' }, schema: { querystring: reportQuery } },
    async (request, reply) => {
      const me = request.person;
      if (!me.teamId) {
        return reply.render('pages/dashboards/index.njk', {
          pageTitle: 'Dashboards',
          dashboards: dashboardsFor(me),
          message: 'You are not in a team, so there is no team dashboard for you.',
        });
      }
      const page = await teamDashboardPage(db, me, me.teamId, request.query, app.today());
      return renderDocuments(
        reply,
        {
          title: `Your team: ${me.teamName}`,
          caption: 'The audits of your team’s children',
          action: '/dashboards/team',
          fixedTeam: true,
        },
        page,
      );
    },
  );

  app.get(
    '/dashboards/cycle',
    { config: { access: 'dashboards.cycle' }, schema: { querystring: cycleQuery } },
    async (request, reply) => {
      const page = await cycleDashboardPage(db, request.person, request.query.month, app.today());
      if (!page.cycle) {
        return reply.render('pages/dashboards/cycle.njk', {
          pageTitle: 'Cycle dashboard',
          cycles: page.cycles,
        });
      }
      return reply.render('pages/dashboards/cycle.njk', {
        pageTitle: `Cycle dashboard, ${page.cycle.name}`,
        ...page,
      });
    },
  );
};

export default dashboardRoutes;
