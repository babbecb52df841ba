import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../../data/db.ts';
import { type RecordView, recordViews } from '../../services/organisation/access-log.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** this route shows a child-level record: it must call request.recordChildView before answering */
    childRecord?: boolean;
  }
  interface FastifyRequest {
    /** writes the access log line for the child-level record this page shows */
    recordChildView(view: Omit<RecordView, 'route'>): Promise<void>;
    /** writes the access log lines for each child-level record a list shows, in one statement */
    recordChildViews(views: Omit<RecordView, 'route'>[]): Promise<void>;
    childViewRecorded: boolean;
  }
}

/**
 * Every page that shows a child-level record declares `config.childRecord: true` and calls
 * `request.recordChildView(...)`. A successful answer from such a route that has not recorded the
 * view is refused, so no child-level page can be added without writing the access log.
 */
export default fp(
  async (app: FastifyInstance, opts: { db: Db }) => {
    app.decorateRequest('childViewRecorded', false);
    app.decorateRequest(
      'recordChildView',
      async function (this: FastifyRequest, view: Omit<RecordView, 'route'>) {
        await this.recordChildViews([view]);
      },
    );
    app.decorateRequest(
      'recordChildViews',
      async function (this: FastifyRequest, views: Omit<RecordView, 'route'>[]) {
        if (!this.user) throw new Error('Only a signed-in person can view a child-level record');
        if (views.length === 0) throw new Error('A page recording its views names at least one record');
        const route = this.routeOptions.url ?? 'unknown';
        await recordViews(
          opts.db,
          this.user,
          views.map((view) => ({ ...view, route })),
        );
        this.childViewRecorded = true;
      },
    );
    app.addHook('onSend', async (request, reply, payload) => {
      if (
        request.routeOptions.config?.childRecord &&
        reply.statusCode === 200 &&
        !request.childViewRecorded
      ) {
        request.log.error(
          { route: request.routeOptions.url },
          'child-level page answered without an access log entry',
        );
        reply.code(500);
        return 'This page could not be shown because the view could not be recorded.';
      }
      return payload;
    });
  },
  { name: 'qaloop-child-access' },
);
