import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import {
  addToolQuestion,
  addToolSection,
  changeToolDetails,
  changeToolQuestion,
  changeToolSection,
  moveToolSection,
  removeToolQuestion,
  removeToolSection,
  type ToolPlace,
  type ToolSaved,
  toolBuilderPage,
  toolQuestionPage,
  toolSectionPage,
} from '../../../services/programme/tool-pages.ts';
import { anyForm, formFields, formText, id } from '../../forms.ts';
import { type Again, builderView, questionView, savedText, sectionView } from './tool-builder-view.ts';

const key = z.string().regex(/^[a-z0-9_]{1,60}$/);
const toolParams = z.object({ toolId: id });
const sectionParams = toolParams.extend({ sectionKey: key });
const questionParams = sectionParams.extend({ questionKey: key });
const moveForm = formFields({ direction: formText });

/** The tool builder: the QA lead changes a tool one form at a time, previewing as they go. */
const toolBuilderRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const config = { access: 'programme.manage' as const };

  /** The builder's page; `place` is the address of the form shown it again, which must still be there. */
  async function builderPage(request: FastifyRequest, reply: FastifyReply, place: ToolPlace, extra?: Again) {
    const page = await toolBuilderPage(db, request.person.councilId, place);
    return reply.render('pages/tools/builder.njk', builderView(page, extra));
  }

  async function sectionPage(
    request: FastifyRequest,
    reply: FastifyReply,
    place: { toolId: string; sectionKey: string },
    extra?: Again,
  ) {
    const page = await toolSectionPage(db, request.person.councilId, place.toolId, place.sectionKey);
    return reply.render('pages/tools/section.njk', sectionView(page, extra));
  }

  async function questionPage(
    request: FastifyRequest,
    reply: FastifyReply,
    place: { toolId: string; sectionKey: string; questionKey?: string },
    extra?: Again,
  ) {
    const page = await toolQuestionPage(db, request.person.councilId, place);
    return reply.render('pages/tools/question.njk', questionView(page, extra));
  }

  /** Saves one edit and returns to the builder, or shows the form again with its errors. */
  async function save(
    request: FastifyRequest,
    reply: FastifyReply,
    toolId: string,
    edit: () => Promise<ToolSaved>,
    again: (errors: FieldError[]) => Promise<unknown>,
  ) {
    try {
      const saved = await edit();
      request.session.flash = { kind: 'success', text: savedText(saved) };
      return reply.redirect(`/tools/${toolId}/edit`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      reply.code(400);
      return again(err.errors);
    }
  }

  app.get('/tools/:toolId/edit', { config, schema: { params: toolParams } }, async (request, reply) =>
    builderPage(request, reply, request.params),
  );

  app.post(
    '/tools/:toolId/details',
    { config, schema: { params: toolParams, body: anyForm } },
    async (request, reply) => {
      const place = request.params;
      return save(
        request,
        reply,
        place.toolId,
        () => changeToolDetails(db, request.person, place, request.body),
        (errors) => builderPage(request, reply, place, { errors, values: request.body }),
      );
    },
  );

  app.post(
    '/tools/:toolId/sections',
    { config, schema: { params: toolParams, body: anyForm } },
    async (request, reply) => {
      const place = request.params;
      return save(
        request,
        reply,
        place.toolId,
        () => addToolSection(db, request.person, place, request.body),
        (errors) =>
          builderPage(request, reply, place, {
            errors: errors.map((e) => ({ ...e, field: `section-${e.field}` })),
            values: request.body,
          }),
      );
    },
  );

  app.get(
    '/tools/:toolId/sections/:sectionKey',
    { config, schema: { params: sectionParams } },
    async (request, reply) => sectionPage(request, reply, request.params),
  );

  app.post(
    '/tools/:toolId/sections/:sectionKey',
    { config, schema: { params: sectionParams, body: anyForm } },
    async (request, reply) => {
      const place = request.params;
      return save(
        request,
        reply,
        place.toolId,
        () => changeToolSection(db, request.person, place, request.body),
        (errors) => sectionPage(request, reply, place, { errors, values: request.body }),
      );
    },
  );

  app.post(
    '/tools/:toolId/sections/:sectionKey/delete',
    { config, schema: { params: sectionParams } },
    async (request, reply) => {
      const place = request.params;
      return save(
        request,
        reply,
        place.toolId,
        () => removeToolSection(db, request.person, place),
        (errors) => builderPage(request, reply, place, { errors }),
      );
    },
  );

  app.post(
    '/tools/:toolId/sections/:sectionKey/move',
    { config, schema: { params: sectionParams, body: moveForm } },
    async (request, reply) => {
      const place = request.params;
      return save(
        request,
        reply,
        place.toolId,
        () => moveToolSection(db, request.person, place, request.body.direction),
        (errors) => builderPage(request, reply, place, { errors }),
      );
    },
  );

  app.get(
    '/tools/:toolId/sections/:sectionKey/questions/new',
    { config, schema: { params: sectionParams } },
    async (request, reply) => questionPage(request, reply, request.params),
  );

  app.post(
    '/tools/:toolId/sections/:sectionKey/questions',
    { config, schema: { params: sectionParams, body: anyForm } },
    async (request, reply) => {
      const place = request.params;
      return save(
        request,
        reply,
        place.toolId,
        () => addToolQuestion(db, request.person, place, request.body),
        (errors) => questionPage(request, reply, place, { errors, values: request.body }),
      );
    },
  );

  app.get(
    '/tools/:toolId/sections/:sectionKey/questions/:questionKey',
    { config, schema: { params: questionParams } },
    async (request, reply) => questionPage(request, reply, request.params),
  );

  app.post(
    '/tools/:toolId/sections/:sectionKey/questions/:questionKey',
    { config, schema: { params: questionParams, body: anyForm } },
    async (request, reply) => {
      const place = request.params;
      return save(
        request,
        reply,
        place.toolId,
        () => changeToolQuestion(db, request.person, place, request.body),
        (errors) => questionPage(request, reply, place, { errors, values: request.body }),
      );
    },
  );

  app.post(
    '/tools/:toolId/sections/:sectionKey/questions/:questionKey/delete',
    { config, schema: { params: questionParams } },
    async (request, reply) => {
      const place = request.params;
      return save(
        request,
        reply,
        place.toolId,
        () => removeToolQuestion(db, request.person, place),
        (errors) => builderPage(request, reply, place, { errors }),
      );
    },
  );
};

export default toolBuilderRoutes;
