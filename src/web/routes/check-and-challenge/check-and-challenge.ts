import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { isMonday, weekOf } from '../../../domain/check-challenge.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { packDocx } from '../../../reports/check-challenge-pack.ts';
import { mustSeeTeam } from '../../../services/check-challenge/access.ts';
import {
  closeGoal,
  GOAL_ROWS,
  MAX_CLOSE_NOTE,
  MAX_GOAL,
  MAX_NOTES,
  MAX_OTHERS,
  packForWord,
  recordMeeting,
  sideBySide,
  teamHistory,
  teamOfGoal,
  teamsThisWeek,
  weekPage,
} from '../../../services/check-challenge/meetings.ts';
import { VISIT_RULE } from '../../../services/check-challenge/pack.ts';
import { anyForm, id } from '../../forms.ts';
import { packView, sideBySideView } from './check-and-challenge-view.ts';

const CONTENT_TYPE_DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const access = { access: 'checkChallenge.read' as const };
const teamParams = z.object({ ccTeamId: id });
/** A week as its Monday, YYYY-MM-DD; one that is not a Monday (or is after this week) is the 404 page. */
const weekParams = z.object({ ccTeamId: id, ccWeek: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) });
const goalParams = z.object({ ccGoalId: id });

/**
 * Check and challenge: each team's weekly pack (figures and QA findings), the meeting on it with its
 * goals, and the history of packs. Who may open which team is decided by the service
 * (src/services/check-challenge/access.ts): the QA lead any team, a team manager their own, a Head of
 * Service their services' teams. Aggregates only: no child is named, so no view is a child-level record.
 */
const checkAndChallengeRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get('/check-and-challenge', { config: access }, async (request, reply) => {
    const me = request.person;
    if (me.roles.includes('senior_leader') && !me.roles.includes('qa_lead')) {
      const view = await sideBySide(db, me, app.today());
      return reply.render('pages/check-and-challenge/side-by-side.njk', {
        pageTitle: 'Check and challenge: your teams side by side',
        ...sideBySideView(view),
      });
    }
    const overview = await teamsThisWeek(db, me, app.today());
    return reply.render('pages/check-and-challenge/index.njk', {
      pageTitle: 'Check and challenge',
      ...overview,
    });
  });

  app.get(
    '/check-and-challenge/teams/:ccTeamId',
    { config: access, schema: { params: teamParams } },
    async (request, reply) => {
      const team = await mustSeeTeam(db, request.person, request.params.ccTeamId);
      return reply.redirect(`/check-and-challenge/teams/${team.id}/weeks/${weekOf(app.today())}`, 303);
    },
  );

  async function week(
    request: FastifyRequest,
    reply: FastifyReply,
    teamId: string,
    ccWeek: string,
    form: { values?: Record<string, unknown>; errors?: FieldError[] } = {},
  ) {
    const page = await weekPage(db, request.person, teamId, ccWeek, app.today());
    const base = `/check-and-challenge/teams/${page.team.id}/weeks`;
    return reply.render('pages/check-and-challenge/week.njk', {
      pageTitle: `Check and challenge: ${page.team.name}`,
      ...page,
      view: packView(page.pack),
      base,
      wordHref: `${base}/${page.week}/pack.docx`,
      historyHref: `/check-and-challenge/teams/${page.team.id}/history`,
      goalRows: Array.from({ length: GOAL_ROWS }, (_, i) => i + 1),
      limits: { notes: MAX_NOTES, others: MAX_OTHERS, goal: MAX_GOAL, closeNote: MAX_CLOSE_NOTE },
      visitRule: VISIT_RULE,
      values: form.values ?? {},
      errors: form.errors,
    });
  }

  app.get(
    '/check-and-challenge/teams/:ccTeamId/weeks/:ccWeek',
    { config: access, schema: { params: weekParams } },
    async (request, reply) => week(request, reply, request.params.ccTeamId, request.params.ccWeek),
  );

  app.get(
    '/check-and-challenge/teams/:ccTeamId/weeks/:ccWeek/pack.docx',
    { config: access, schema: { params: weekParams } },
    async (request, reply) => {
      const me = request.person;
      const { team, meeting, pack } = await packForWord(
        db,
        me,
        request.params.ccTeamId,
        request.params.ccWeek,
        app.today(),
      );
      const file = await packDocx(pack, me.councilName, meeting);
      const slug = team.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '');
      reply.header(
        'content-disposition',
        `attachment; filename="check-and-challenge-${slug || 'team'}-${pack.weekOf}.docx"`,
      );
      reply.header('cache-control', 'no-store');
      reply.type(CONTENT_TYPE_DOCX);
      return file;
    },
  );

  app.post(
    '/check-and-challenge/teams/:ccTeamId/weeks/:ccWeek/meeting',
    { config: access, schema: { params: weekParams, body: anyForm } },
    async (request, reply) => {
      const { ccTeamId, ccWeek } = request.params;
      try {
        await recordMeeting(db, request.person, ccTeamId, ccWeek, request.body, app.today());
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return week(request, reply, ccTeamId, ccWeek, { values: request.body, errors: err.errors });
      }
      request.session.flash = {
        kind: 'success',
        text: 'The meeting has been recorded with its pack and goals',
      };
      return reply.redirect(`/check-and-challenge/teams/${ccTeamId}/weeks/${ccWeek}`, 303);
    },
  );

  app.post(
    '/check-and-challenge/goals/:ccGoalId/close',
    { config: access, schema: { params: goalParams, body: anyForm } },
    async (request, reply) => {
      const typedWeek = typeof request.body.week === 'string' ? request.body.week : '';
      const back = isMonday(typedWeek) && typedWeek <= weekOf(app.today()) ? typedWeek : weekOf(app.today());
      try {
        const closed = await closeGoal(
          db,
          request.person,
          request.params.ccGoalId,
          request.body,
          app.today(),
        );
        request.session.flash = {
          kind: 'success',
          text: `The goal “${closed.goal}” is closed as ${closed.status === 'done' ? 'done' : 'dropped'}`,
        };
        return reply.redirect(`/check-and-challenge/teams/${closed.teamId}/weeks/${back}#open-goals`, 303);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const teamId = await teamOfGoal(db, request.person.councilId, request.params.ccGoalId);
        reply.code(400);
        return week(request, reply, teamId, back, {
          values: {
            [`outcome-${request.params.ccGoalId}`]: request.body.outcome,
            [`note-${request.params.ccGoalId}`]: request.body.note,
          },
          errors: err.errors,
        });
      }
    },
  );

  app.get(
    '/check-and-challenge/teams/:ccTeamId/history',
    { config: access, schema: { params: teamParams } },
    async (request, reply) => {
      const history = await teamHistory(db, request.person, request.params.ccTeamId);
      return reply.render('pages/check-and-challenge/history.njk', {
        pageTitle: `Check and challenge history: ${history.team.name}`,
        ...history,
        thisWeek: weekOf(app.today()),
      });
    },
  );
};

export default checkAndChallengeRoutes;
