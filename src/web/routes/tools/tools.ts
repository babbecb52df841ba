import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { ACTIVITY_KIND_LABELS, ACTIVITY_KINDS } from '../../../domain/activity-kinds.ts';
import {
  JOURNEY_SECTION_FIELDS,
  QUESTION_TYPE_LABELS,
  YES_NO_PARTLY_NA,
  YES_NO_PARTLY_NA_LABELS,
} from '../../../domain/audit-tools.ts';
import { can } from '../../../domain/roles.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { copyToolFromForm, toolPreview } from '../../../services/programme/tool-pages.ts';
import { listTools } from '../../../services/programme/tools.ts';
import { formFields, formText, id } from '../../forms.ts';

const toolParams = z.object({ toolId: id });
/** A version that is not a whole number from 1 is ignored: the latest is shown. */
const versionQuery = z.object({ version: z.coerce.number().int().min(1).optional().catch(undefined) });
const copyForm = formFields({ from: formText, name: formText, kind: formText });

/** Audit tools: everyone signed in can read them; the QA lead makes new ones from existing tools. */
const toolRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  async function listPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: object } = {},
  ) {
    const me = request.person;
    const tools = await listTools(db, me.councilId);
    return reply.render('pages/tools/list.njk', {
      pageTitle: 'Audit tools',
      tools: tools.map((t) => ({ ...t, kindText: ACTIVITY_KIND_LABELS[t.kind] })),
      kinds: ACTIVITY_KINDS.map((k) => ({ value: k, text: ACTIVITY_KIND_LABELS[k] })),
      canManage: can(me.roles, 'programme.manage'),
      errors: extra.errors,
      values: extra.values ?? {},
    });
  }

  app.get('/tools', { config: { access: 'programme.read' } }, async (request, reply) =>
    listPage(request, reply),
  );

  app.post(
    '/tools',
    { config: { access: 'programme.manage' }, schema: { body: copyForm } },
    async (request, reply) => {
      const { from, name, kind } = request.body;
      try {
        const toolId = await copyToolFromForm(db, request.person, { from, name, kind });
        request.session.flash = { kind: 'success', text: `${name.trim()} has been made from a copy` };
        return reply.redirect(`/tools/${toolId}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return listPage(request, reply, { errors: err.errors, values: { name, from, kind } });
      }
    },
  );

  app.get(
    '/tools/:toolId',
    { config: { access: 'programme.read' }, schema: { params: toolParams, querystring: versionQuery } },
    async (request, reply) => {
      const { tool, themes } = await toolPreview(
        db,
        request.person.councilId,
        request.params.toolId,
        request.query.version,
      );
      return reply.render('pages/tools/preview.njk', {
        pageTitle: tool.definition.name,
        tool,
        kindText: ACTIVITY_KIND_LABELS[tool.definition.kind],
        themes,
        journeyFields: JOURNEY_SECTION_FIELDS,
        yesNo: YES_NO_PARTLY_NA.map((v) => ({ value: v, text: YES_NO_PARTLY_NA_LABELS[v] })),
        questionTypes: QUESTION_TYPE_LABELS,
      });
    },
  );
};

export default toolRoutes;
