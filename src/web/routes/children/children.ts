import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { episodeDetailWords, ethnicityWords } from '../../../domain/case-record-words.ts';
import { EPISODE_LABELS } from '../../../domain/child-status.ts';
import { ageOn } from '../../../domain/dates.ts';
import { validate } from '../../../domain/validation.ts';
import { childIdForReference, findChild } from '../../../services/case-data/children.ts';
import { formFields, formText, id } from '../../forms.ts';

const lookupSchema = z.object({
  reference: z
    .string({ message: 'Enter the child’s case reference' })
    .trim()
    .min(1, { message: 'Enter the child’s case reference' })
    .max(40, { message: 'A case reference is 40 characters or fewer' })
    .regex(/^[A-Za-z0-9-]+$/, { message: 'A case reference has only letters, numbers and hyphens' }),
});

const childParams = z.object({ childId: id });
const lookupForm = formFields({ reference: formText });

/**
 * Child lookup for the QA team. The case reference travels only in a form body, never in an
 * address, so it stays out of browser history and proxy logs; child pages are addressed by QA
 * Loop's own id. Every view of a child's record is written to the access log.
 */
const childrenRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get('/children', { config: { access: 'children.lookup' } }, async (_request, reply) =>
    reply.render('pages/children/lookup.njk', { pageTitle: 'Find a child', values: {} }),
  );

  app.post(
    '/children',
    { config: { access: 'children.lookup' }, schema: { body: lookupForm } },
    async (request, reply) => {
      const checked = validate(lookupSchema, { reference: request.body.reference });
      const reference = request.body.reference.trim();
      if (checked.ok) {
        const id = await childIdForReference(db, request.person.councilId, checked.value.reference);
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

  app.get(
    '/children/:childId',
    { config: { access: 'children.lookup', childRecord: true }, schema: { params: childParams } },
    async (request, reply) => {
      const child = await findChild(db, request.person.councilId, request.params.childId);
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
        ethnicity: ethnicityWords(child.ethnicity),
        episodes: child.episodes
          .map((e) => ({
            ...e,
            label: EPISODE_LABELS[e.kind],
            detail: e.detail ? episodeDetailWords(e.kind, e.detail) : null,
          }))
          .reverse(),
      });
    },
  );
};

export default childrenRoutes;
