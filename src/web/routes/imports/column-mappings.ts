import fastifyMultipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { isListKind, suggestColumns } from '../../../domain/mapped-fields.ts';
import { can } from '../../../domain/roles.ts';
import { type FieldError, ValidationError } from '../../../domain/validation.ts';
import { readSample, type SampleFile } from '../../../import/mapped.ts';
import { UnreadableFileError } from '../../../import/types.ts';
import {
  type ColumnMappingView,
  carryOverColumns,
  createColumnMapping,
  deleteColumnMapping,
  findColumnMapping,
  listColumnMappings,
  updateColumnMapping,
  withGuessedColumns,
} from '../../../services/case-data/column-mappings.ts';
import { anyForm, formOptional, id } from '../../forms.ts';
import {
  type FormValues,
  fieldGroups,
  listKindItems,
  MAX_HEADERS,
  mappingFormInput,
  mappingsView,
  type SampleView,
  sampleView,
  text,
} from './column-mappings-view.ts';
import { drain } from './uploads.ts';

/** The largest sample file the mapping page reads. */
export const MAX_SAMPLE_BYTES = 200 * 1024 * 1024;
/** How many rows of a sample the mapping page shows. */
const PREVIEW_ROWS = 5;

const mappingParams = z.object({ mappingId: id });
const newQuery = z.object({ for: formOptional });

/**
 * Column mappings, for QA leads and administrators: a mapping is made from a sample of the extract
 * (only its header row and first rows are read, and the file is not kept: its headers travel in the
 * form), named, and saved; it can be changed, read again from a new sample, or deleted. Everything
 * works with plain form posts.
 */
const columnMappingRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const config = { access: 'imports.manage' as const };
  /** what each upload request's sample file showed, until its page is made */
  const samples = new WeakMap<FastifyRequest, { fileName: string; sample?: SampleFile; error?: string }>();

  // Multipart in this plugin only. The form's fields are read before the handler, so the CSRF check
  // (just before the handler) sees its token; the sample is read as it arrives and not stored.
  await app.register(fastifyMultipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: MAX_SAMPLE_BYTES, files: 1, fields: 10, parts: 12, fieldSize: 10_000 },
    async onFile(this: FastifyRequest, part: MultipartFile) {
      // Only a file sent by someone who may make mappings is read; anything else is dropped.
      const user = this.user;
      if (!user || !can(user.roles, 'imports.manage') || part.fieldname !== 'file' || !part.filename) {
        await drain(part.file);
        return;
      }
      const sheetField = part.fields.sheet;
      const sheet =
        sheetField && !Array.isArray(sheetField) && sheetField.type === 'field' ? text(sheetField.value) : '';
      try {
        const sample = await readSample(part.file, part.filename, {
          sheet: sheet || null,
          rows: PREVIEW_ROWS,
        });
        samples.set(this, { fileName: part.filename, sample });
      } catch (err) {
        if (!(err instanceof UnreadableFileError)) throw err;
        samples.set(this, { fileName: part.filename, error: err.message });
      }
    },
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    samples.delete(request);
    if (error.code === 'FST_REQ_FILE_TOO_LARGE' && request.user) {
      reply.code(413);
      const body = (request.body ?? {}) as Record<string, unknown>;
      return uploadPage(request, reply, {
        errors: [
          {
            field: 'file',
            message: `The sample file must be smaller than ${MAX_SAMPLE_BYTES / 1024 / 1024} MB`,
          },
        ],
        values: { listKind: text(body.listKind), sheet: text(body.sheet) },
        mappingId: text(body.mappingId) || undefined,
      });
    }
    throw error;
  });

  const mappingFor = (request: FastifyRequest, mappingId: unknown) =>
    findColumnMapping(db, request.person.councilId, mappingId);

  app.get('/imports/mappings', { config }, async (request, reply) => {
    const mappings = await listColumnMappings(db, request.person.councilId);
    return reply.render('pages/imports/mappings/list.njk', {
      pageTitle: 'Column mappings',
      mappings: mappingsView(mappings),
    });
  });

  async function uploadPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: { listKind?: string; sheet?: string }; mappingId?: string } = {},
  ) {
    const mapping = extra.mappingId ? await mappingFor(request, extra.mappingId) : undefined;
    const values = {
      listKind: extra.values?.listKind ?? mapping?.listKind ?? '',
      sheet: extra.values?.sheet ?? mapping?.sheet ?? '',
    };
    return reply.render('pages/imports/mappings/upload.njk', {
      pageTitle: mapping ? `Read a new sample for ${mapping.name}` : 'Create a column mapping',
      mapping,
      errors: extra.errors,
      values,
      listKinds: listKindItems(values.listKind),
      maxSample: `${MAX_SAMPLE_BYTES / 1024 / 1024} MB`,
    });
  }

  // ?for= a mapping: a new sample for it; a mapping that is not the council's is not found.
  app.get('/imports/mappings/new', { config, schema: { querystring: newQuery } }, async (request, reply) => {
    const forId = request.query.for;
    if (forId && !(await mappingFor(request, forId))) return reply.callNotFound();
    return uploadPage(request, reply, { mappingId: forId });
  });

  // The sample: its header row and first rows are read; the page to choose columns comes back. A
  // multipart form: its fields were read with the file (above), so the body is read as sent.
  app.post('/imports/mappings/new', { config }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const read = samples.get(request);
    samples.delete(request);
    const mappingId = text(body.mappingId) || undefined;
    const mapping = mappingId ? await mappingFor(request, mappingId) : undefined;
    if (mappingId && !mapping) return reply.callNotFound();
    const values = { listKind: text(body.listKind), sheet: text(body.sheet) };
    const errors: FieldError[] = [];
    if (!isListKind(values.listKind))
      errors.push({ field: 'listKind', message: 'Choose what each row of the file describes' });
    if (!read) errors.push({ field: 'file', message: 'Select a sample file' });
    else if (read.error) errors.push({ field: 'file', message: read.error });
    if (errors.length || !read?.sample || !isListKind(values.listKind)) {
      reply.code(400);
      return uploadPage(request, reply, { errors, values, mappingId });
    }
    const kind = values.listKind;
    const headers = read.sample.headers.slice(0, MAX_HEADERS);
    return formPage(reply, {
      mapping,
      headers,
      sample: sampleView(read.fileName, read.sample),
      values: {
        name: mapping?.name ?? '',
        listKind: kind,
        sheet: values.sheet,
        columns: mapping ? carryOverColumns(mapping, headers, kind) : suggestColumns(headers, kind),
      },
    });
  });

  async function formPage(
    reply: FastifyReply,
    page: {
      mapping?: ColumnMappingView;
      headers: string[];
      values: FormValues;
      sample?: SampleView;
      sampleName?: string;
      errors?: FieldError[];
    },
  ) {
    const { mapping, headers, values } = page;
    const kind = isListKind(values.listKind) ? values.listKind : undefined;
    return reply.render('pages/imports/mappings/form.njk', {
      pageTitle: mapping ? `Change ${mapping.name}` : 'Choose the columns',
      action: mapping ? `/imports/mappings/${mapping.id}` : '/imports/mappings',
      mapping,
      headers,
      sample: page.sample,
      sampleName: page.sample?.fileName ?? page.sampleName ?? '',
      values,
      listKinds: listKindItems(values.listKind),
      groups: fieldGroups(kind, headers, values.columns),
      errors: page.errors,
    });
  }

  // The mapping form: a field for each QA Loop field, named by it (see mappingFormInput).
  app.post('/imports/mappings', { config, schema: { body: anyForm } }, async (request, reply) => {
    const { headers, values, sampleName } = mappingFormInput(request.body);
    try {
      await createColumnMapping(db, request.person.councilId, values, { createdBy: request.person.staffId });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      reply.code(400);
      return formPage(reply, {
        headers,
        values: withGuessedColumns(headers, values),
        sampleName,
        errors: err.errors,
      });
    }
    request.session.flash = { kind: 'success', text: `The column mapping “${values.name}” has been saved` };
    return reply.redirect('/imports/mappings', 303);
  });

  app.get(
    '/imports/mappings/:mappingId',
    { config, schema: { params: mappingParams } },
    async (request, reply) => {
      const mapping = await mappingFor(request, request.params.mappingId);
      if (!mapping) return reply.callNotFound();
      return formPage(reply, {
        mapping,
        headers: [...new Set(Object.values(mapping.columns))],
        values: {
          name: mapping.name,
          listKind: mapping.listKind,
          sheet: mapping.sheet ?? '',
          columns: mapping.columns,
        },
      });
    },
  );

  // Changing a mapping: another council's, or one deleted meanwhile, is not found (the 404 page).
  app.post(
    '/imports/mappings/:mappingId',
    { config, schema: { params: mappingParams, body: anyForm } },
    async (request, reply) => {
      const mapping = await mappingFor(request, request.params.mappingId);
      if (!mapping) return reply.callNotFound();
      const { headers, values, sampleName } = mappingFormInput(request.body);
      try {
        await updateColumnMapping(db, request.person.councilId, mapping.id, values);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        reply.code(400);
        return formPage(reply, {
          mapping,
          headers,
          values: withGuessedColumns(headers, values),
          sampleName,
          errors: err.errors,
        });
      }
      request.session.flash = { kind: 'success', text: `The column mapping “${values.name}” has been saved` };
      return reply.redirect('/imports/mappings', 303);
    },
  );

  app.get(
    '/imports/mappings/:mappingId/delete',
    { config, schema: { params: mappingParams } },
    async (request, reply) => {
      const mapping = await mappingFor(request, request.params.mappingId);
      if (!mapping) return reply.callNotFound();
      return reply.render('pages/imports/mappings/delete.njk', {
        pageTitle: `Delete ${mapping.name}`,
        mapping,
      });
    },
  );

  // Another council's mapping, or none, is not found (deleteColumnMapping's NotFoundError: the 404 page).
  app.post(
    '/imports/mappings/:mappingId/delete',
    { config, schema: { params: mappingParams } },
    async (request, reply) => {
      const name = await deleteColumnMapping(db, request.person.councilId, request.params.mappingId);
      request.session.flash = { kind: 'success', text: `The column mapping “${name}” has been deleted` };
      return reply.redirect('/imports/mappings', 303);
    },
  );
};

export default columnMappingRoutes;
