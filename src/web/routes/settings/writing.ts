import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import {
  addLanguageTerm,
  languageTerm,
  removeLanguageTerm,
  switchWritingRule,
  type TermInput,
  updateLanguageTerm,
  writingSettingsPage,
} from '../../../services/audits/writing-suggestions.ts';
import { formFields, formText, id } from '../../forms.ts';

const termParams = z.object({ termId: id });
const termForm = formFields({ phrase: formText, suggestion: formText, why: formText });
const switchForm = formFields({ ruleKey: formText, on: formText });

/**
 * Writing suggestions (issue 20), QA lead only: the published guide's terms, the inclusive-language
 * library's rules and the impact-statement rule, each with an on/off switch, and the council's own
 * list of words, added, changed and removed.
 */
const writingSettingsRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const manage = { access: 'writing.manage' as const };

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: Partial<TermInput> } = {},
  ) {
    const settings = await writingSettingsPage(db, request.person.councilId);
    return reply.render('pages/settings/writing.njk', {
      pageTitle: 'Writing suggestions',
      ...settings,
      guideOff: settings.guide.filter((t) => !t.on).length,
      errors: extra.errors,
      values: extra.values ?? {},
    });
  }

  function form(body: { phrase: string; suggestion: string; why: string }): TermInput {
    return { phrase: body.phrase, suggestion: body.suggestion, why: body.why };
  }

  app.get('/settings/writing', { config: manage }, async (request, reply) => page(request, reply));

  app.post(
    '/settings/writing/rules',
    { config: manage, schema: { body: switchForm } },
    async (request, reply) => {
      const on = request.body.on === 'yes';
      await switchWritingRule(db, request.person, request.body.ruleKey, on);
      request.session.flash = {
        kind: 'success',
        text: on
          ? 'The rule has been switched on: auditors will see its suggestions.'
          : 'The rule has been switched off: auditors will no longer see its suggestions.',
      };
      return reply.redirect(`/settings/writing#rule-${request.body.ruleKey}`);
    },
  );

  app.post(
    '/settings/writing/terms',
    { config: manage, schema: { body: termForm } },
    async (request, reply) => {
      const input = form(request.body);
      try {
        const term = await addLanguageTerm(db, request.person, input);
        request.session.flash = {
          kind: 'success',
          text: `“${term.phrase}” has been added to the council’s words.`,
        };
        return reply.redirect('/settings/writing#council-terms');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return page(request, reply, { errors: err.errors, values: input });
      }
    },
  );

  app.get(
    '/settings/writing/terms/:termId',
    { config: manage, schema: { params: termParams } },
    async (request, reply) => {
      const term = await languageTerm(db, request.person.councilId, request.params.termId);
      return reply.render('pages/settings/writing-term.njk', {
        pageTitle: `Change “${term.phrase}”`,
        term,
        values: term,
      });
    },
  );

  app.post(
    '/settings/writing/terms/:termId',
    { config: manage, schema: { params: termParams, body: termForm } },
    async (request, reply) => {
      const input = form(request.body);
      try {
        const term = await updateLanguageTerm(db, request.person, request.params.termId, input);
        request.session.flash = { kind: 'success', text: `“${term.phrase}” has been changed.` };
        return reply.redirect('/settings/writing#council-terms');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const term = await languageTerm(db, request.person.councilId, request.params.termId);
        reply.code(400);
        return reply.render('pages/settings/writing-term.njk', {
          pageTitle: `Change “${term.phrase}”`,
          term,
          values: input,
          errors: err.errors,
        });
      }
    },
  );

  app.post(
    '/settings/writing/terms/:termId/delete',
    { config: manage, schema: { params: termParams } },
    async (request, reply) => {
      const term = await removeLanguageTerm(db, request.person, request.params.termId);
      request.session.flash = {
        kind: 'success',
        text: `“${term.phrase}” has been removed from the council’s words.`,
      };
      return reply.redirect('/settings/writing#council-terms');
    },
  );
};

export default writingSettingsRoutes;
