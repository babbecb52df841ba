import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
import { listPracticeThemes } from '../../../services/programme/practice-themes.ts';
import { copyTool, getToolVersion, listTools } from '../../../services/programme/tools.ts';

const toolParam = z.object({ toolId: z.uuid() });
const versionQuery = z.object({ version: z.coerce.number().int().min(1).optional().catch(undefined) });

/** Audit tools: everyone signed in can read them; the QA lead makes new ones from existing tools. */
export default async function toolRoutes(app: FastifyInstance, { db }: { db: Db }) {
  async function listPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: object } = {},
  ) {
    const user = request.user;
    if (!user) return reply.callNotFound();
    const tools = await listTools(db, user.councilId);
    return reply.render('pages/tools/list.njk', {
      pageTitle: 'Audit tools',
      tools: tools.map((t) => ({ ...t, kindText: ACTIVITY_KIND_LABELS[t.kind] })),
      kinds: ACTIVITY_KINDS.map((k) => ({ value: k, text: ACTIVITY_KIND_LABELS[k] })),
      canManage: can(user.roles, 'programme.manage'),
      errors: extra.errors,
      values: extra.values ?? {},
    });
  }

  app.get('/tools', { config: { access: 'signedIn' } }, async (request, reply) => listPage(request, reply));

  app.post<{ Body: Record<string, unknown> }>(
    '/tools',
    { config: { access: 'programme.manage' } },
    async (request, reply) => {
      const user = request.user;
      if (!user) return reply.callNotFound();
      const from = z.uuid().safeParse(request.body?.from);
      const name = String(request.body?.name ?? '');
      try {
        if (!from.success)
          throw new ValidationError([{ field: 'from', message: 'Choose a tool to start from' }]);
        const kind = (ACTIVITY_KINDS as readonly string[]).includes(String(request.body?.kind))
          ? (request.body?.kind as (typeof ACTIVITY_KINDS)[number])
          : undefined;
        const id = await copyTool(db, user.councilId, from.data, name, user.staffId, kind);
        request.session.flash = { kind: 'success', text: `${name.trim()} has been made from a copy` };
        return reply.redirect(`/tools/${id}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return listPage(request, reply, {
          errors: err.errors,
          values: { name, from: request.body?.from, kind: request.body?.kind },
        });
      }
    },
  );

  app.get('/tools/:toolId', { config: { access: 'signedIn' } }, async (request, reply) => {
    const user = request.user;
    const params = toolParam.safeParse(request.params);
    if (!user || !params.success) return reply.callNotFound();
    const { version } = versionQuery.parse(request.query);
    const tool = await getToolVersion(db, user.councilId, params.data.toolId, version);
    if (!tool) return reply.callNotFound();
    return reply.render('pages/tools/preview.njk', {
      pageTitle: tool.definition.name,
      tool,
      kindText: ACTIVITY_KIND_LABELS[tool.definition.kind],
      themes: await listPracticeThemes(db, user.councilId),
      journeyFields: JOURNEY_SECTION_FIELDS,
      yesNo: YES_NO_PARTLY_NA.map((v) => ({ value: v, text: YES_NO_PARTLY_NA_LABELS[v] })),
      questionTypes: QUESTION_TYPE_LABELS,
    });
  });
}
