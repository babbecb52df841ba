import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { suggestionsWhileTyping } from '../../../services/audits/writing-suggestions.ts';
import { formFields, formText, id } from '../../forms.ts';

const auditParams = z.object({ auditId: id });
const textForm = formFields({ text: formText });

/** The most suggestions sent for one text: the page shows at most twenty under a box. */
const MOST_SENT = 20;

/**
 * As the auditor types, one request a pause at most: a person typing steadily for a minute sends a
 * few dozen; more than this is not typing, and is refused rather than allowed to keep the server busy.
 */
const typingRateLimit = {
  max: 120,
  timeWindow: '1 minute',
  keyGenerator: (request: FastifyRequest) => request.session?.userId ?? request.ip,
};

/**
 * Language suggestions as the auditor types (public/writing-suggestions.js): the text of one field
 * in, the suggestions for it out, in JSON. Only the audit's own auditor may ask; nothing is stored.
 */
const writingSuggestionRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.post(
    '/audits/:auditId/writing-suggestions',
    {
      config: { access: 'audits.mine' as const, rateLimit: typingRateLimit },
      // one text box's text (at most 21,000 characters, sent as a form) and the form's token
      bodyLimit: 128 * 1024,
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
        total: suggestions.length,
        suggestions: suggestions.slice(0, MOST_SENT).map((s) => ({
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
