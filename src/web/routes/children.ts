import type { FastifyInstance } from 'fastify';
import type { Db } from '../../data/db.ts';
import { ageOn, toIsoDate } from '../../domain/dates.ts';
import { findChildByReference } from '../../services/children.ts';

const EPISODE_LABELS: Record<string, string> = {
  early_help: 'Early help',
  assessment: 'Assessment',
  cin_plan: 'Child in need plan',
  cp_plan: 'Child protection plan',
  cla: 'In care',
  care_leaver: 'Care leaver',
};

const REFERENCE = /^[A-Za-z0-9-]{1,40}$/;

/** Child lookup for the QA team. Every view of a child's record is written to the access log. */
export default async function childrenRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get<{ Querystring: { reference?: string } }>(
    '/children',
    { config: { access: 'children.lookup' } },
    async (request, reply) => {
      const reference = (request.query.reference ?? '').trim();
      if (request.query.reference === undefined) {
        return reply.render('pages/children/lookup.njk', { pageTitle: 'Find a child', values: {} });
      }
      let message: string | undefined;
      if (!reference) message = 'Enter the child’s case reference';
      else if (!REFERENCE.test(reference)) message = 'A case reference has only letters, numbers and hyphens';
      else if (await findChildByReference(db, request.user?.councilId as string, reference)) {
        return reply.redirect(`/children/${encodeURIComponent(reference)}`);
      } else message = `No child with the case reference ${reference} is in the data`;
      reply.code(reference ? 404 : 400);
      return reply.render('pages/children/lookup.njk', {
        pageTitle: 'Find a child',
        values: { reference },
        errors: [{ field: 'reference', message }],
      });
    },
  );

  app.get<{ Params: { reference: string } }>(
    '/children/:reference',
    { config: { access: 'children.lookup', childRecord: true } },
    async (request, reply) => {
      if (!REFERENCE.test(request.params.reference)) return reply.callNotFound();
      const child = await findChildByReference(
        db,
        request.user?.councilId as string,
        request.params.reference,
      );
      if (!child) return reply.callNotFound();
      await request.recordChildView({
        recordType: 'child',
        recordId: child.id,
        childId: child.id,
        reason: 'Child record opened from the QA team’s child lookup',
      });
      const today = toIsoDate(new Date());
      return reply.render('pages/children/child.njk', {
        pageTitle: `Child ${child.reference}`,
        child,
        age: child.dateOfBirth ? ageOn(child.dateOfBirth, today) : null,
        episodes: child.episodes
          .map((e) => ({ ...e, label: EPISODE_LABELS[e.kind] ?? e.kind }))
          .sort((a, b) => (a.startDate < b.startDate ? 1 : -1)),
      });
    },
  );
}
