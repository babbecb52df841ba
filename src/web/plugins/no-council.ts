import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { acrossCouncils } from '../../data/council-context.ts';
import type { Db } from '../../data/db.ts';
import { countCouncils } from '../../services/organisation/councils.ts';

/** Asked before there is a council: assets and health checks work without one. */
const WITHOUT_COUNCIL = /^\/(assets|govuk|moj|public|health)\//;

/**
 * With an empty database (the demo off), every page says how to set up the council from the
 * command line: there is no setup form anyone could reach first. Once a council exists the answer
 * is kept, so the database is not asked again.
 */
export default fp(
  async (app: FastifyInstance, opts: { db: Db }) => {
    let hasCouncil = false;
    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      if (hasCouncil || WITHOUT_COUNCIL.test(request.url)) return;
      if ((await acrossCouncils('whether any council is set up yet', () => countCouncils(opts.db))) > 0) {
        hasCouncil = true;
        return;
      }
      reply.code(503).header('cache-control', 'no-store').header('retry-after', '60');
      return reply.render('pages/no-council.njk', { pageTitle: 'QA Loop has no council yet' });
    });
  },
  { name: 'qaloop-no-council', dependencies: ['qaloop-views'] },
);
