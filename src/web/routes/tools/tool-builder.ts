import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { ACTIVITY_KIND_LABELS } from '../../../domain/activity-kinds.ts';
import { QUESTION_TYPE_LABELS, QUESTION_TYPES, type ToolDefinition } from '../../../domain/audit-tools.ts';
import {
  addQuestion,
  addSection,
  type EditResult,
  moveSection,
  removeQuestion,
  removeSection,
  updateDetails,
  updateQuestion,
  updateSection,
} from '../../../domain/tool-editing.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../../domain/validation.ts';
import {
  earlierSections,
  editTool,
  getToolVersion,
  listGradeScales,
} from '../../../services/programme/tools.ts';

const params = z.object({
  toolId: z.uuid(),
  sectionKey: z
    .string()
    .regex(/^[a-z0-9_]{1,60}$/)
    .optional(),
  questionKey: z
    .string()
    .regex(/^[a-z0-9_]{1,60}$/)
    .optional(),
});
type Params = z.infer<typeof params>;
type Req = FastifyRequest<{ Params: Record<string, string>; Body: Record<string, unknown> }>;

const questionTypes = QUESTION_TYPES.map((t) => ({ value: t, text: QUESTION_TYPE_LABELS[t] }));

/** The tool builder: the QA lead changes a tool one form at a time, previewing as they go. */
export default async function toolBuilderRoutes(app: FastifyInstance, { db }: { db: Db }) {
  const config = { access: 'programme.manage' as const };

  async function load(request: Req) {
    const p = params.safeParse(request.params);
    if (!p.success || !request.user) return undefined;
    const tool = await getToolVersion(db, request.user.councilId, p.data.toolId);
    if (!tool) return undefined;
    const builtin = await db
      .selectFrom('audit_tools')
      .select('builtin')
      .where('id', '=', p.data.toolId)
      .executeTakeFirstOrThrow();
    const section = p.data.sectionKey
      ? tool.definition.sections.find((s) => s.key === p.data.sectionKey)
      : undefined;
    if (p.data.sectionKey && !section) return undefined;
    const question = p.data.questionKey
      ? section?.questions.find((q) => q.key === p.data.questionKey)
      : undefined;
    if (p.data.questionKey && !question) return undefined;
    return { p: p.data, tool, builtin: builtin.builtin, section, question };
  }

  async function builderPage(
    request: Req,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: object } = {},
  ) {
    const found = await load(request);
    if (!found) return reply.callNotFound();
    return reply.render('pages/tools/builder.njk', {
      pageTitle: `Change ${found.tool.definition.name}`,
      tool: found.tool,
      builtin: found.builtin,
      kindText: ACTIVITY_KIND_LABELS[found.tool.definition.kind],
      scales: await listGradeScales(db, request.user?.councilId as string),
      questionTypes: QUESTION_TYPE_LABELS,
      errors: extra.errors,
      values: extra.values ?? {
        name: found.tool.definition.name,
        description: found.tool.definition.description,
        scaleKey: found.tool.definition.scaleKey,
        required: 'yes',
      },
    });
  }

  async function sectionPage(
    request: Req,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: object } = {},
  ) {
    const found = await load(request);
    if (!found?.section) return reply.callNotFound();
    const s = found.section;
    return reply.render('pages/tools/section.njk', {
      pageTitle: `Change section: ${s.title}`,
      tool: found.tool,
      section: s,
      earlier: await earlierSections(db, request.user?.councilId as string, found.tool.toolId),
      errors: extra.errors,
      values: extra.values ?? {
        title: s.title,
        guidance: s.guidance,
        required: s.required ? 'yes' : '',
        isJourneySection: s.isJourneySection ? 'yes' : '',
        sameAs: s.sameAs ?? '',
      },
    });
  }

  async function questionPage(
    request: Req,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: object } = {},
  ) {
    const found = await load(request);
    if (!found?.section) return reply.callNotFound();
    const q = found.question;
    return reply.render('pages/tools/question.njk', {
      pageTitle: q ? 'Change a question' : 'Add a question',
      tool: found.tool,
      section: found.section,
      question: q,
      questionTypes,
      errors: extra.errors,
      values:
        extra.values ??
        (q
          ? {
              text: q.text,
              type: q.type,
              guidance: q.guidance,
              required: q.required ? 'yes' : '',
              options: (q.options ?? []).join('\n'),
              min: q.min ?? '',
              max: q.max ?? '',
            }
          : { required: 'yes' }),
    });
  }

  /** Saves one edit and returns to the builder, or shows the form again with its errors. */
  async function save(
    request: Req,
    reply: FastifyReply,
    edit: (d: ToolDefinition, p: Params) => EditResult,
    again: (errors: FieldError[]) => Promise<unknown>,
  ) {
    const p = params.safeParse(request.params);
    const user = request.user;
    if (!p.success || !user) return reply.callNotFound();
    try {
      const saved = await editTool(db, user.councilId, p.data.toolId, user.staffId, (d) => {
        // a section or question named in the address must exist: otherwise the page was not found
        const section = p.data.sectionKey ? d.sections.find((x) => x.key === p.data.sectionKey) : undefined;
        if (p.data.sectionKey && !section) throw new NotFoundError('section');
        if (p.data.questionKey && !section?.questions.some((q) => q.key === p.data.questionKey)) {
          throw new NotFoundError('question');
        }
        return edit(d, p.data);
      });
      request.session.flash = {
        kind: 'success',
        text: saved.unchanged
          ? 'Nothing has changed'
          : saved.newVersion
            ? `Saved as version ${saved.version}. Version ${saved.version - 1} has been used in audits and stays as it was.`
            : 'Your change has been saved',
      };
      return reply.redirect(`/tools/${p.data.toolId}/edit`);
    } catch (err) {
      if (err instanceof NotFoundError) return reply.callNotFound();
      if (!(err instanceof ValidationError)) throw err;
      reply.code(400);
      return again(err.errors);
    }
  }

  const ok = (definition: ToolDefinition): EditResult => ({ ok: true, definition });

  app.get('/tools/:toolId/edit', { config }, async (request: Req, reply) => builderPage(request, reply));

  app.post('/tools/:toolId/details', { config }, async (request: Req, reply) =>
    save(
      request,
      reply,
      (d) => updateDetails(d, request.body),
      (errors) => builderPage(request, reply, { errors, values: request.body }),
    ),
  );

  app.post('/tools/:toolId/sections', { config }, async (request: Req, reply) =>
    save(
      request,
      reply,
      (d) => addSection(d, request.body),
      (errors) =>
        builderPage(request, reply, {
          errors: errors.map((e) => ({ ...e, field: `section-${e.field}` })),
          values: request.body,
        }),
    ),
  );

  app.get('/tools/:toolId/sections/:sectionKey', { config }, async (request: Req, reply) =>
    sectionPage(request, reply),
  );

  app.post('/tools/:toolId/sections/:sectionKey', { config }, async (request: Req, reply) => {
    const toolId = params.safeParse(request.params).data?.toolId;
    const earlier = toolId
      ? (await earlierSections(db, request.user?.councilId as string, toolId)).map((e) => e.key)
      : [];
    return save(
      request,
      reply,
      (d, p) => updateSection(d, p.sectionKey as string, request.body, earlier),
      (errors) => sectionPage(request, reply, { errors, values: request.body }),
    );
  });

  app.post('/tools/:toolId/sections/:sectionKey/delete', { config }, async (request: Req, reply) =>
    save(
      request,
      reply,
      (d, p) => ok(removeSection(d, p.sectionKey as string)),
      (errors) => builderPage(request, reply, { errors }),
    ),
  );

  app.post('/tools/:toolId/sections/:sectionKey/move', { config }, async (request: Req, reply) =>
    save(
      request,
      reply,
      (d, p) => ok(moveSection(d, p.sectionKey as string, request.body?.direction === 'up' ? -1 : 1)),
      (errors) => builderPage(request, reply, { errors }),
    ),
  );

  app.get('/tools/:toolId/sections/:sectionKey/questions/new', { config }, async (request: Req, reply) =>
    questionPage(request, reply),
  );

  app.post('/tools/:toolId/sections/:sectionKey/questions', { config }, async (request: Req, reply) =>
    save(
      request,
      reply,
      (d, p) => addQuestion(d, p.sectionKey as string, request.body),
      (errors) => questionPage(request, reply, { errors, values: request.body }),
    ),
  );

  app.get(
    '/tools/:toolId/sections/:sectionKey/questions/:questionKey',
    { config },
    async (request: Req, reply) => questionPage(request, reply),
  );

  app.post(
    '/tools/:toolId/sections/:sectionKey/questions/:questionKey',
    { config },
    async (request: Req, reply) =>
      save(
        request,
        reply,
        (d, p) => updateQuestion(d, p.sectionKey as string, p.questionKey as string, request.body),
        (errors) => questionPage(request, reply, { errors, values: request.body }),
      ),
  );

  app.post(
    '/tools/:toolId/sections/:sectionKey/questions/:questionKey/delete',
    { config },
    async (request: Req, reply) =>
      save(
        request,
        reply,
        (d, p) => ok(removeQuestion(d, p.sectionKey as string, p.questionKey as string)),
        (errors) => builderPage(request, reply, { errors }),
      ),
  );
}
