import type { FastifyInstance } from 'fastify';

export default async function helpRoutes(app: FastifyInstance) {
  app.get('/accessibility', { config: { access: 'public' } }, async (_request, reply) =>
    reply.render('pages/accessibility.njk', { pageTitle: 'Accessibility statement' }),
  );
}
