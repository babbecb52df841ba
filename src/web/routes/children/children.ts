import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { EPISODE_LABELS } from '../../../domain/child-status.ts';
import { ageOn } from '../../../domain/dates.ts';
import { validate } from '../../../domain/validation.ts';
import { childIdForReference, findChild } from '../../../services/case-data/children.ts';

const lookupSchema = z.object({
  reference: z
    .string({ message: 'Enter the child’s case reference' })
    .trim()
    .min(1, { message: 'Enter the child’s case reference' })
    .max(40, { message: 'A case reference is 40 characters or fewer' })
    .regex(/^[A-Za-z0-9-]+$/, { message: 'A case reference has only letters, numbers and hyphens' }),
});

const childParams = z.object({ childId: z.uuid() });

/**
 * Child lookup for the QA team. The case reference travels only in a form body, never in an
 * address, so it stays out of browser history and proxy logs; child pages are addressed by QA
 * Loop's own id. Every view of a child's record is written to the access log.
 */
export default async function childrenRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get('/children', { config: { access: 'children.lookup' } }, async (_request, reply) =>
    reply.render('pages/children/lookup.njk', { pageTitle: 'Find a child', values: {} }),
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/children',
    { config: { access: 'children.lookup' } },
    async (request, reply) => {
      const checked = validate(lookupSchema, request.body);
      const reference = typeof request.body?.reference === 'string' ? request.body.reference.trim() : '';
      if (checked.ok) {
        const id = await childIdForReference(db, request.user?.councilId as string, checked.value.reference);
        if (id) return reply.redirect(`/children/${id}`);
      }
      reply.code(checked.ok ? 404 : 400);
      return reply.render('pages/children/lookup.njk', {
        pageTitle: 'Find a child',
        values: { reference },
        errors: checked.ok
          ? [{ field: 'reference', message: `No child with the case reference ${reference} is in the data` }]
          : checked.errors,
      });
    },
  );

  app.get<{ Params: { childId: string } }>(
    '/children/:childId',
    { config: { access: 'children.lookup', childRecord: true } },
    async (request, reply) => {
      const params = childParams.safeParse(request.params);
      if (!params.success) return reply.callNotFound();
      const child = await findChild(db, request.user?.councilId as string, params.data.childId);
      if (!child) return reply.callNotFound();
      await request.recordChildView({
        recordType: 'child',
        recordId: child.id,
        childId: child.id,
        reason: 'Child record opened from the QA team’s child lookup',
      });
      return reply.render('pages/children/child.njk', {
        pageTitle: 'Child record',
        child,
        age: child.dateOfBirth ? ageOn(child.dateOfBirth, app.today()) : null,
        episodes: child.episodes.map((e) => ({ ...e, label: EPISODE_LABELS[e.kind] })).reverse(),
      });
    },
  );
}
