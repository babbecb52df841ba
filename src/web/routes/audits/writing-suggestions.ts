import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { suggestionsWhileTyping } from '../../../services/audits/writing-suggestions.ts';
import { formFields, formText, id } from '../../forms.ts';

const auditParams = z.object({ auditId: id });
const textForm = formFields({ text: formText });

/**
 * Language suggestions as the auditor types (public/writing-suggestions.js): the text of one field
 * in, the suggestions for it out, in JSON. Only the audit's own auditor may ask; nothing is stored.
 */
const writingSuggestionRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.post(
    '/audits/:auditId/writing-suggestions',
    {
      config: { access: 'audits.mine' as const },
      attachValidation: true,
      schema: { params: auditParams, body: textForm },
    },
    async (request, reply) => {
      if (request.validationError) return reply.code(404).send({ error: 'No such audit' });
      const suggestions = await suggestionsWhileTyping(
        db,
        request.person,
        request.params.auditId,
        request.body.text,
      );
      return reply.send({
        suggestions: suggestions.map((s) => ({
          found: s.found,
          offset: s.offset,
          length: s.length,
          suggestion: s.suggestion,
          why: s.why,
          source: s.source,
        })),
      });
    },
  );
};

export default writingSuggestionRoutes;
