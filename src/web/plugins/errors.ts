import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

const PAGES: Record<number, { template: string; title: string }> = {
  400: { template: 'errors/400.njk', title: 'There is a problem with the request' },
  403: { template: 'errors/403.njk', title: 'You cannot do this' },
  404: { template: 'errors/404.njk', title: 'Page not found' },
  413: { template: 'errors/400.njk', title: 'The file is too large' },
  429: { template: 'errors/429.njk', title: 'Too many attempts' },
  500: { template: 'errors/500.njk', title: 'Sorry, there is a problem with the service' },
};

/** 404, 403, 429 and 500 pages in the service's design; errors logged without personal data. */
export default fp(
  async (app: FastifyInstance) => {
    app.setNotFoundHandler(async (_request, reply) => {
      reply.code(404);
      return reply.render(PAGES[404].template, { pageTitle: PAGES[404].title });
    });

    app.setErrorHandler(async (error: FastifyError, request, reply) => {
      let status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
      if (error.code?.startsWith('FST_CSRF')) status = 403;
      // A route's declared params not matched (an identifier that is not one): no such page.
      if (error.validation && error.validationContext === 'params') {
        reply.code(404);
        return reply.render(PAGES[404].template, { pageTitle: PAGES[404].title });
      }
      if (error.validation) {
        status = 400;
        error.message = validationReason(error);
      }
      if (status >= 500) {
        // The message is left out: database errors repeat the input they refused.
        const frames = (error.stack ?? '').split('\n').slice(1).join('\n');
        request.log.error({ failure: { type: error.name, code: error.code, frames } }, 'request failed');
      } else {
        request.log.info({ status, code: error.code }, 'request refused');
      }
      const page = PAGES[status] ?? (status < 500 ? PAGES[400] : PAGES[500]);
      reply.code(status);
      const csrf = error.code?.startsWith('FST_CSRF');
      const accepts = request.headers.accept ?? '';
      if (
        !accepts.includes('text/html') &&
        (request.url.startsWith('/api/') || request.url.startsWith('/health/'))
      ) {
        return { error: page.title, statusCode: status };
      }
      try {
        return await reply.render(page.template, {
          pageTitle: page.title,
          reason: csrf
            ? 'The form was out of date or incomplete, so nothing was changed. Go back, reload the page and try again.'
            : status < 500
              ? error.message
              : undefined,
        });
      } catch {
        reply.type('text/plain; charset=utf-8');
        return page.title;
      }
    });
  },
  { name: 'qaloop-errors' },
);

/** What was wrong with a query or form, in words a person can act on. */
function validationReason(error: FastifyError): string {
  const fields = [...new Set((error.validation ?? []).map((v) => v.instancePath.replace(/^\//, '')))]
    .filter(Boolean)
    .join(', ');
  const where = error.validationContext === 'querystring' ? 'address' : 'form';
  return fields
    ? `The ${where} had a value that could not be used (${fields}), so nothing was changed. Go back and try again.`
    : `The ${where} could not be read, so nothing was changed. Go back and try again.`;
}
