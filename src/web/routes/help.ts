import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

const helpRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/accessibility', { config: { access: 'public' } }, async (_request, reply) =>
    reply.render('pages/accessibility.njk', { pageTitle: 'Accessibility statement' }),
  );
};

export default helpRoutes;
