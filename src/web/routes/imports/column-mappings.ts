import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fastifyMultipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import {
  FIELD_GROUP_LABELS,
  fieldsFor,
  isListKind,
  LIST_KIND_HINTS,
  LIST_KIND_LABELS,
  LIST_KINDS,
  type ListKind,
  MAPPED_FIELDS,
  type MappedField,
  type MappedFieldGroup,
  requiredFields,
  suggestColumns,
} from '../../../domain/mapped-fields.ts';
import { can } from '../../../domain/roles.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../../domain/validation.ts';
import { readSample, type SampleFile } from '../../../import/mapped.ts';
import { UnreadableFileError } from '../../../import/types.ts';
import { normaliseHeader } from '../../../import/values.ts';
import {
  type ColumnMappingView,
  columnFieldId,
  createColumnMapping,
  deleteColumnMapping,
  getColumnMapping,
  listColumnMappings,
  updateColumnMapping,
} from '../../../services/case-data/column-mappings.ts';

/** The largest sample file the mapping page reads. */
export const MAX_SAMPLE_BYTES = 200 * 1024 * 1024;
/** How many rows of a sample the mapping page shows. */
const PREVIEW_ROWS = 5;
/** More columns than any extract has: a form carrying more is not a mapping page's form. */
const MAX_HEADERS = 500;

const mappingParam = z.object({ mappingId: z.uuid() });

type Body = Record<string, unknown>;

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');

/** What the sample file shows beside the choices: each column with its first values. */
interface SampleView {
  fileName: string;
  format: 'csv' | 'xlsx';
  sheet?: string;
  otherSheets: string[];
  columns: { header: string; examples: string }[];
}

/** The values of the mapping form, by what they mean. */
interface FormValues {
  name: string;
  listKind: string;
  sheet: string;
  columns: Record<string, string>;
}

/** The mapping form's fields for a kind of list, grouped, each a select of the file's headers. */
function fieldGroups(kind: ListKind | undefined, headers: readonly string[], chosen: Record<string, string>) {
  const fields: readonly MappedField[] = kind ? fieldsFor(kind) : MAPPED_FIELDS;
  const required = kind ? requiredFields(kind) : ['child_id'];
  const groups: { legend: string; fields: unknown[] }[] = [];
  for (const group of Object.keys(FIELD_GROUP_LABELS) as MappedFieldGroup[]) {
    const inGroup = fields.filter((f) => f.group === group);
    if (!inGroup.length) continue;
    groups.push({
      legend: FIELD_GROUP_LABELS[group],
      fields: inGroup.map((f) => {
        const value = chosen[f.key] ?? '';
        // a header saved before, and not in this file's header row, is still offered
        const options = value && !headers.includes(value) ? [...headers, value] : headers;
        return {
          id: columnFieldId(f.key),
          label: required.includes(f.key) ? f.label : `${f.label} (optional)`,
          hint: f.hint,
          items: [
            { value: '', text: 'Not in this file', selected: !value },
            ...options.map((h) => ({ value: h, text: h, selected: h === value })),
          ],
        };
      }),
    });
  }
  return groups;
}

function listKindItems(chosen: string) {
  return LIST_KINDS.map((k) => ({
    value: k,
    text: LIST_KIND_LABELS[k],
    hint: LIST_KIND_HINTS[k] ? { text: LIST_KIND_HINTS[k] } : undefined,
    checked: k === chosen,
  }));
}

function sampleView(fileName: string, sample: SampleFile): SampleView {
  return {
    fileName,
    format: sample.format,
    sheet: sample.sheet,
    otherSheets: sample.sheets.filter((s) => s !== sample.sheet),
    columns: sample.headers.map((header, i) => ({
      header,
      examples: sample.rows
        .map((r) => r[i])
        .filter((v) => v)
        .join(', '),
    })),
  };
}

/** A mapping's saved choices, moved onto a new sample's headers where they are still there. */
function carriedOver(mapping: ColumnMappingView, headers: readonly string[], kind: ListKind) {
  const byKey = new Map(headers.map((h) => [normaliseHeader(h), h]));
  const chosen: Record<string, string> = {};
  const lost: string[] = [];
  for (const f of fieldsFor(kind)) {
    const saved = mapping.columns[f.key];
    if (!saved) continue;
    const now = byKey.get(normaliseHeader(saved));
    if (now) chosen[f.key] = now;
    else lost.push(f.key);
  }
  // what has gone from the file is guessed again from the new headers
  const guesses = suggestColumns(
    headers.filter((h) => !Object.values(chosen).includes(h)),
    kind,
  );
  for (const key of lost) if (guesses[key]) chosen[key] = guesses[key];
  return chosen;
}

async function drain(stream: NodeJS.ReadableStream) {
  await pipeline(
    stream,
    new Writable({
      write(_chunk, _encoding, done) {
        done();
      },
    }),
  );
}

/**
 * Column mappings, for QA leads and administrators: a mapping is made from a sample of the extract
 * (only its header row and first rows are read, and the file is not kept: its headers travel in the
 * form), named, and saved; it can be changed, read again from a new sample, or deleted. Everything
 * works with plain form posts.
 */
export default async function columnMappingRoutes(app: FastifyInstance, { db }: { db: Db }) {
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
      const body = (request.body ?? {}) as Body;
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

  const councilOf = (request: FastifyRequest) => request.user?.councilId as string;

  async function mappingFor(request: FastifyRequest, id: unknown): Promise<ColumnMappingView | undefined> {
    const parsed = z.uuid().safeParse(id);
    if (!parsed.success) return undefined;
    try {
      return await getColumnMapping(db, councilOf(request), parsed.data);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  app.get('/imports/mappings', { config }, async (request, reply) => {
    const mappings = await listColumnMappings(db, councilOf(request));
    return reply.render('pages/imports/mappings/list.njk', {
      pageTitle: 'Column mappings',
      mappings: mappings.map((m) => ({
        ...m,
        fields: MAPPED_FIELDS.filter((f) => m.columns[f.key]).map((f) => f.label),
      })),
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

  app.get<{ Querystring: { for?: string } }>('/imports/mappings/new', { config }, async (request, reply) => {
    const forId = request.query.for;
    if (forId && !(await mappingFor(request, forId))) return reply.callNotFound();
    return uploadPage(request, reply, { mappingId: forId });
  });

  // The sample: its header row and first rows are read; the page to choose columns comes back.
  app.post('/imports/mappings/new', { config }, async (request, reply) => {
    const body = (request.body ?? {}) as Body;
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
        columns: mapping ? carriedOver(mapping, headers, kind) : suggestColumns(headers, kind),
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

  /** The mapping form as sent: its headers, the chosen kind, and the column chosen for each field. */
  function formInput(body: Body) {
    const headers = [
      ...new Set(
        list(body.headers)
          .map((h) => h.trim())
          .filter(Boolean),
      ),
    ].slice(0, MAX_HEADERS);
    const columns: Record<string, string> = {};
    for (const f of MAPPED_FIELDS) {
      const id = columnFieldId(f.key);
      if (id in body) columns[f.key] = text(body[id]);
    }
    const values: FormValues = {
      name: text(body.name),
      listKind: text(body.listKind),
      sheet: text(body.sheet),
      columns,
    };
    return { headers, values, sampleName: text(body.sampleName) };
  }

  /** After a refusal: fields the form did not show (the kind was changed) get a first guess. */
  function withGuesses(headers: string[], values: FormValues): FormValues {
    if (!isListKind(values.listKind)) return values;
    const guesses = suggestColumns(headers, values.listKind);
    const columns = { ...values.columns };
    for (const f of fieldsFor(values.listKind))
      if (!(f.key in columns) && guesses[f.key] && !Object.values(columns).includes(guesses[f.key]))
        columns[f.key] = guesses[f.key];
    return { ...values, columns };
  }

  app.post<{ Body: Body }>('/imports/mappings', { config }, async (request, reply) => {
    const { headers, values, sampleName } = formInput(request.body ?? {});
    try {
      await createColumnMapping(db, councilOf(request), values, { createdBy: request.user?.staffId });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      reply.code(400);
      return formPage(reply, {
        headers,
        values: withGuesses(headers, values),
        sampleName,
        errors: err.errors,
      });
    }
    request.session.flash = { kind: 'success', text: `The column mapping “${values.name}” has been saved` };
    return reply.redirect('/imports/mappings', 303);
  });

  app.get('/imports/mappings/:mappingId', { config }, async (request, reply) => {
    const params = mappingParam.safeParse(request.params);
    const mapping = params.success ? await mappingFor(request, params.data.mappingId) : undefined;
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
  });

  app.post<{ Body: Body }>('/imports/mappings/:mappingId', { config }, async (request, reply) => {
    const params = mappingParam.safeParse(request.params);
    const mapping = params.success ? await mappingFor(request, params.data.mappingId) : undefined;
    if (!mapping) return reply.callNotFound();
    const { headers, values, sampleName } = formInput(request.body ?? {});
    try {
      await updateColumnMapping(db, councilOf(request), mapping.id, values);
    } catch (err) {
      if (err instanceof NotFoundError) return reply.callNotFound();
      if (!(err instanceof ValidationError)) throw err;
      reply.code(400);
      return formPage(reply, {
        mapping,
        headers,
        values: withGuesses(headers, values),
        sampleName,
        errors: err.errors,
      });
    }
    request.session.flash = { kind: 'success', text: `The column mapping “${values.name}” has been saved` };
    return reply.redirect('/imports/mappings', 303);
  });

  app.get('/imports/mappings/:mappingId/delete', { config }, async (request, reply) => {
    const params = mappingParam.safeParse(request.params);
    const mapping = params.success ? await mappingFor(request, params.data.mappingId) : undefined;
    if (!mapping) return reply.callNotFound();
    return reply.render('pages/imports/mappings/delete.njk', {
      pageTitle: `Delete ${mapping.name}`,
      mapping,
    });
  });

  app.post('/imports/mappings/:mappingId/delete', { config }, async (request, reply) => {
    const params = mappingParam.safeParse(request.params);
    if (!params.success) return reply.callNotFound();
    let name: string;
    try {
      name = await deleteColumnMapping(db, councilOf(request), params.data.mappingId);
    } catch (err) {
      if (err instanceof NotFoundError) return reply.callNotFound();
      throw err;
    }
    request.session.flash = { kind: 'success', text: `The column mapping “${name}” has been deleted` };
    return reply.redirect('/imports/mappings', 303);
  });
}
