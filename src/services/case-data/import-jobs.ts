import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import type { JobQueue } from '../../data/queue.ts';
import type { ImportJobState } from '../../data/schema.ts';
import { inTransaction } from '../../data/transaction.ts';
import { parseDateInput } from '../../domain/date-input.ts';
import { isRealDate } from '../../domain/dates.ts';
import type { FieldError, Validated } from '../../domain/validation.ts';
import { findMapping } from '../../import/mapped.ts';
import type { RowError } from '../../import/types.ts';
import { recordSecurityEvent } from '../organisation/security-log.ts';
import { IMPORT_FORMATS, type ImportFormat } from './run-import.ts';

/** The largest file the app and the HTTP endpoint take: an SSD extract zipped, with room to spare. */
export const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

/** What each format is called on the pages. */
export const FORMAT_LABELS: Record<ImportFormat, string> = {
  'annex-a': 'Annex A',
  ssd: 'Standard Safeguarding Dataset (SSD)',
  'audit-history': 'Audit history',
  mapped: 'Mapped extract',
};

/**
 * Where an upload waits while its request is read: it is then kept in the database (see
 * queueImportJob) and the staged copy goes when the request ends.
 */
export function uploadsDir(dataDir: string): string {
  return join(dataDir, 'uploads');
}

/** A file received and written to disk, not yet given to a job. */
export interface StagedUpload {
  /** the folder holding it, which goes with it */
  dir: string;
  path: string;
  /** the name the person gave the file */
  fileName: string;
  bytes: number;
}

export class UploadTooLargeError extends Error {
  statusCode = 413;
  constructor(limit: number) {
    super(`The file is larger than ${Math.round(limit / (1024 * 1024))} MB, the most QA Loop takes`);
  }
}

/**
 * A file name that is safe to write to disk and keeps what the readers go by (its extension, and
 * the SSD table it is named after): no folders, no control characters, at most 120 characters.
 */
export function safeFileName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/[^\p{L}\p{N}._ ()-]/gu, '_')
    .trim()
    .replace(/^\.+/, '');
  if (!cleaned) return 'upload';
  if (cleaned.length <= 120) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const ext = dot > 0 && cleaned.length - dot <= 10 ? cleaned.slice(dot) : '';
  return cleaned.slice(0, 120 - ext.length) + ext;
}

/** The longest file name recorded and shown. */
const MAX_NAME_SHOWN = 255;

/**
 * The name a file is recorded and shown by: as the person gave it, less control and text-direction
 * characters (a NUL cannot be stored at all, and the others only disguise a name), at most 255
 * characters with its extension kept.
 */
export function shownFileName(name: string): string {
  const cleaned = name
    .normalize('NFC')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .trim();
  const chars = [...cleaned];
  if (chars.length <= MAX_NAME_SHOWN) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const ext = dot > 0 && cleaned.length - dot <= 10 ? cleaned.slice(dot) : '';
  return chars.slice(0, MAX_NAME_SHOWN - ext.length).join('') + ext;
}

/**
 * Writes an incoming file to its own private folder under the uploads folder (owner-only
 * permissions), counting its bytes. More than `maxBytes` refuses it and leaves nothing behind.
 */
export async function stageUpload(
  dataDir: string,
  stream: NodeJS.ReadableStream,
  fileName: string,
  maxBytes = MAX_UPLOAD_BYTES,
): Promise<StagedUpload> {
  const root = uploadsDir(dataDir);
  await mkdir(root, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(root, '.incoming-'));
  const path = join(dir, safeFileName(fileName));
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) done(new UploadTooLargeError(maxBytes));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(stream, counter, createWriteStream(path, { mode: 0o600, flags: 'wx' }));
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return { dir, path, fileName: shownFileName(fileName) || basename(path), bytes };
}

export async function discardUpload(staged: StagedUpload | undefined): Promise<void> {
  if (staged) await rm(staged.dir, { recursive: true, force: true });
}

/** What to do with a file: checked from the upload form or the HTTP endpoint's parameters. */
export interface ImportRequest {
  /** undefined: detected from the file */
  format: ImportFormat | undefined;
  mappingId: string | undefined;
  asOf: string;
  strict: boolean;
  /** confirmed: the file may empty a list or shrink it beyond the council's share */
  allowShrink?: boolean;
}

export interface ImportRequestInput {
  format?: unknown;
  /** a saved column mapping's id (the upload form) or name (the endpoint, like the command) */
  mapping?: unknown;
  /** the endpoint's and the command's date: YYYY-MM-DD or D/M/YYYY */
  asOf?: unknown;
  /** the upload form's date input: day, month and year */
  'asOf-day'?: unknown;
  'asOf-month'?: unknown;
  'asOf-year'?: unknown;
  strict?: unknown;
  /** the upload form's box, or the endpoint's `allowShrink=true` */
  allowShrink?: unknown;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : Array.isArray(v) ? String(v[0]).trim() : '');

/** 2026-11-22 or 22/11/2026 as an ISO date, if it is a real one. */
export function parseAsOf(value: string): string | undefined {
  if (isRealDate(value)) return value;
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  if (!m) return undefined;
  const iso = `${m[3]}-${m[2].padStart(2, '0')}-${m[1].padStart(2, '0')}`;
  return isRealDate(iso) ? iso : undefined;
}

/**
 * Checks what was asked for with a file: the format (or detect it), the saved mapping a mapped
 * extract needs, the date the data is as of (today when not given; never in the future) and
 * whether any invalid row refuses the whole file.
 */
export async function checkImportRequest(
  db: Db,
  councilId: string,
  input: ImportRequestInput,
  today: string,
): Promise<Validated<ImportRequest>> {
  const errors: FieldError[] = [];
  let format: ImportFormat | undefined;
  const formatText = text(input.format);
  if (formatText && formatText !== 'auto') {
    if ((IMPORT_FORMATS as readonly string[]).includes(formatText)) format = formatText as ImportFormat;
    else
      errors.push({
        field: 'format',
        message: `Select what the file holds: ${IMPORT_FORMATS.join(', ')}, or leave it to be detected`,
      });
  }

  let mappingId: string | undefined;
  const mappingText = text(input.mapping);
  if (mappingText && (format === 'mapped' || (!format && !formatText))) {
    const found = UUID.test(mappingText)
      ? await db
          .selectFrom('column_mappings')
          .select('id')
          .where('council_id', '=', councilId)
          .where('id', '=', mappingText)
          .executeTakeFirst()
      : await findMapping(db, councilId, mappingText);
    if (found) {
      mappingId = found.id;
      format = 'mapped';
    } else {
      errors.push({
        field: 'mapping',
        message: UUID.test(mappingText)
          ? 'Select a saved column mapping'
          : `There is no saved column mapping called "${mappingText}"`,
      });
    }
  } else if (format === 'mapped') {
    errors.push({ field: 'mapping', message: 'Select the saved column mapping to read the file with' });
  }

  let asOf = today;
  const asOfText = text(input.asOf);
  const typed = ['asOf-day', 'asOf-month', 'asOf-year'].some((k) => k in input);
  if (typed) {
    // the upload form's three fields, read as every date input is
    const parsed = parseDateInput(
      { day: text(input['asOf-day']), month: text(input['asOf-month']), year: text(input['asOf-year']) },
      { label: 'The date the data is as of', notAfter: today },
    );
    if (!parsed.ok) errors.push({ field: 'asOf', message: parsed.message, href: `#asOf-${parsed.parts[0]}` });
    else if (parsed.value) asOf = parsed.value;
  } else if (asOfText) {
    const parsed = parseAsOf(asOfText);
    if (!parsed)
      errors.push({
        field: 'asOf',
        message: 'The date the data is as of must be a real date, like 2026-11-20 or 20/11/2026',
      });
    else if (parsed > today)
      errors.push({ field: 'asOf', message: 'The date the data is as of must be today or in the past' });
    else asOf = parsed;
  }

  let strict = false;
  const strictText = text(input.strict).toLowerCase();
  if (['yes', 'true', '1', 'on'].includes(strictText)) strict = true;
  else if (!['', 'no', 'false', '0', 'off'].includes(strictText))
    errors.push({ field: 'strict', message: 'Strict must be true or false' });

  let allowShrink = false;
  const allowText = text(input.allowShrink).toLowerCase();
  if (['yes', 'true', '1', 'on'].includes(allowText)) allowShrink = true;
  else if (!['', 'no', 'false', '0', 'off'].includes(allowText))
    errors.push({ field: 'allowShrink', message: 'allowShrink must be true or false' });

  return errors.length
    ? { ok: false, errors }
    : { ok: true, value: { format, mappingId, asOf, strict, ...(allowShrink ? { allowShrink } : {}) } };
}

/** Who asked for an import: a member of staff through the app, or the data warehouse with a token. */
export type ImportRequester =
  | { source: 'web'; councilId: string; staffId: string }
  | { source: 'api'; councilId: string; tokenId: string };

/** The size of the pieces an uploaded file is kept in, in the database, until its job ends. */
export const UPLOAD_CHUNK_BYTES = 1024 * 1024;

/**
 * Gives a staged file to a new queued job: the job and the file (in chunks of about a megabyte,
 * read from disk a chunk at a time) are recorded in one transaction, so any instance can read it,
 * and with a queue the job is sent to it in that same transaction. The staged copy stays for the
 * caller to throw away. Returns the job's id.
 */
export async function queueImportJob(
  db: Db,
  staged: StagedUpload,
  request: ImportRequest,
  requester: ImportRequester,
  queue?: JobQueue | null,
): Promise<string> {
  const jobId = randomUUID();
  await inTransaction(db, async (trx) => {
    await trx
      .insertInto('import_jobs')
      .values({
        id: jobId,
        council_id: requester.councilId,
        source: requester.source,
        format: request.format ?? null,
        mapping_id: request.mappingId ?? null,
        as_of: request.asOf,
        strict: request.strict,
        allow_shrink: request.allowShrink ?? false,
        file_name: staged.fileName,
        bytes_total: staged.bytes,
        started_by: requester.source === 'web' ? requester.staffId : null,
        token_id: requester.source === 'api' ? requester.tokenId : null,
        state: 'queued',
      })
      .execute();
    let seq = 0;
    for await (const chunk of createReadStream(staged.path, { highWaterMark: UPLOAD_CHUNK_BYTES })) {
      await trx
        .insertInto('import_upload_chunks')
        .values({ job_id: jobId, council_id: requester.councilId, seq: seq++, data: chunk as Buffer })
        .execute();
    }
    if (queue) await queue.send('imports', { jobId }, { db: trx });
  });
  return jobId;
}

/**
 * Writes a job's uploaded file from the database to `path`, a chunk at a time, and returns how many
 * bytes it wrote (none when its chunks have gone).
 */
export async function writeUploadTo(db: Db, jobId: string, path: string): Promise<number> {
  let bytes = 0;
  const out = createWriteStream(path, { mode: 0o600, flags: 'wx' });
  const chunks = async function* () {
    for (let seq = 0; ; seq++) {
      const row = await db
        .selectFrom('import_upload_chunks')
        .select('data')
        .where('job_id', '=', jobId)
        .where('seq', '=', seq)
        .executeTakeFirst();
      if (!row) return;
      bytes += row.data.length;
      yield row.data;
    }
  };
  await pipeline(chunks, out);
  return bytes;
}

/** What a cancelled job's row says, for the data warehouse's status answer; its page names who and when. */
export const CANCELLED_MESSAGE = 'The import was cancelled, so nothing was imported.';

/**
 * How a cancel went: the job was waiting and is now cancelled; it is being read (elsewhere) and
 * stops at its next batch of rows; or it had already ended, and nothing changed.
 */
export type CancelOutcome = 'cancelled' | 'stopping' | 'ended';

/**
 * Cancels a job of the council, for the person given (a QA lead or administrator: the route says
 * so). A job still waiting is marked cancelled, with who and when, and its file removed from the
 * database, so no instance ever reads it. A job being read is marked with who and when: its reader
 * sees that on the job's row at its next batch of rows, undoes the import and ends the job
 * cancelled. (A job being read by this very process is told in memory instead, by the runner:
 * on the embedded database this transaction would otherwise wait for the import's.) Either way
 * the cancel goes in the security log. Undefined: no such job in the council.
 */
export async function cancelImportJob(
  db: Db,
  councilId: string,
  jobId: string,
  staffId: string,
): Promise<CancelOutcome | undefined> {
  if (!UUID.test(jobId)) return undefined;
  return inTransaction(db, async (trx) => {
    const waiting = await trx
      .updateTable('import_jobs')
      .set({
        state: 'cancelled',
        message: CANCELLED_MESSAGE,
        cancelled_by: staffId,
        cancelled_at: sql<Date>`clock_timestamp()`,
        finished_at: sql<Date>`clock_timestamp()`,
        updated_at: sql<Date>`clock_timestamp()`,
      })
      .where('council_id', '=', councilId)
      .where('id', '=', jobId)
      .where('state', '=', 'queued')
      .returning('file_name')
      .executeTakeFirst();
    if (waiting) {
      await trx.deleteFrom('import_upload_chunks').where('job_id', '=', jobId).execute();
      await recordCancel(trx, { councilId, jobId, fileName: waiting.file_name, staffId, was: 'waiting' });
      return 'cancelled';
    }
    const reading = await trx
      .updateTable('import_jobs')
      .set({ cancelled_by: staffId, cancelled_at: sql<Date>`clock_timestamp()` })
      .where('council_id', '=', councilId)
      .where('id', '=', jobId)
      .where('state', '=', 'running')
      .where('cancelled_at', 'is', null)
      .returning('file_name')
      .executeTakeFirst();
    if (reading) {
      await recordCancel(trx, { councilId, jobId, fileName: reading.file_name, staffId, was: 'being read' });
      return 'stopping';
    }
    const job = await trx
      .selectFrom('import_jobs')
      .select(['state'])
      .where('council_id', '=', councilId)
      .where('id', '=', jobId)
      .executeTakeFirst();
    if (!job) return undefined;
    return job.state === 'running' ? 'stopping' : 'ended';
  });
}

/** A cancel in the security log: the file's name and how far it had got, never what it holds. */
export function recordCancel(
  db: Db,
  cancel: {
    councilId: string;
    jobId: string;
    fileName: string;
    staffId: string;
    was: 'waiting' | 'being read';
  },
): Promise<void> {
  return recordSecurityEvent(db, {
    councilId: cancel.councilId,
    kind: 'import_cancelled',
    actorId: cancel.staffId,
    subjectId: null,
    detail: { file: cancel.fileName, stage: cancel.was === 'waiting' ? 'waiting to be read' : 'being read' },
  });
}

/** The data-quality headline of a snapshot: counts only, never a child. */
export interface QualityHeadline {
  snapshotId: string;
  children: number;
  openChildren: number;
  unallocated: number;
  allocatedToManagers: number;
  conflicts: number;
  ageMismatches: number;
  unmatchedTeams: number;
  unmatchedWorkers: number;
}

/** What a finished job keeps of its import's summary: the counts, the errors and the quality headline. */
export interface JobSummary {
  format: string;
  asOf: string;
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  errors: RowError[];
  errorsNotListed?: number;
  snapshot?: { id: string; asOf: string; sources: string[] };
  quality?: QualityHeadline;
  /** a folder or zip's files the format does not use, left alone */
  ignoredFiles?: string[];
  /** what a person should check, such as the encoding assumed for a file that is not UTF-8 */
  notices?: string[];
}

export interface ImportJobView {
  id: string;
  councilId: string;
  source: 'web' | 'api';
  format: string | null;
  mappingName: string | null;
  asOf: string;
  strict: boolean;
  fileName: string;
  bytesTotal: number;
  bytesRead: number;
  rowsRead: number;
  state: ImportJobState;
  message: string | null;
  summary: JobSummary | null;
  importId: string | null;
  startedBy: string | null;
  tokenName: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  /** who cancelled it, and when: set at once, while a job being read stops at its next batch of rows */
  cancelledBy: string | null;
  cancelledAt: Date | null;
}

function jobQuery(db: Db) {
  return db
    .selectFrom('import_jobs as j')
    .leftJoin('staff as s', 's.id', 'j.started_by')
    .leftJoin('staff as cs', 'cs.id', 'j.cancelled_by')
    .leftJoin('import_tokens as t', 't.id', 'j.token_id')
    .leftJoin('column_mappings as m', 'm.id', 'j.mapping_id')
    .select([
      'j.id',
      'j.council_id as councilId',
      'j.source',
      'j.format',
      'm.name as mappingName',
      'j.as_of as asOf',
      'j.strict',
      'j.file_name as fileName',
      'j.bytes_total as bytesTotal',
      'j.bytes_read as bytesRead',
      'j.rows_read as rowsRead',
      'j.state',
      'j.message',
      'j.summary',
      'j.import_id as importId',
      's.name as startedBy',
      't.name as tokenName',
      'j.created_at as createdAt',
      'j.finished_at as finishedAt',
      'cs.name as cancelledBy',
      'j.cancelled_at as cancelledAt',
    ]);
}

const asJobView = (row: Omit<ImportJobView, 'summary'> & { summary: unknown }): ImportJobView => ({
  ...row,
  bytesTotal: Number(row.bytesTotal),
  bytesRead: Number(row.bytesRead),
  summary: (row.summary as JobSummary | null) ?? null,
});

/** A job of the council, or undefined (another council's job is not found). */
export async function getImportJob(
  db: Db,
  councilId: string,
  jobId: string,
): Promise<ImportJobView | undefined> {
  if (!UUID.test(jobId)) return undefined;
  const row = await jobQuery(db)
    .where('j.council_id', '=', councilId)
    .where('j.id', '=', jobId)
    .executeTakeFirst();
  return row ? asJobView(row) : undefined;
}

/** Jobs not finished well: waiting, being read, refused, failed or cancelled. Newest first. */
export async function listUnfinishedJobs(db: Db, councilId: string, limit = 20): Promise<ImportJobView[]> {
  const rows = await jobQuery(db)
    .where('j.council_id', '=', councilId)
    .where('j.state', 'in', ['queued', 'running', 'refused', 'failed', 'cancelled'])
    .orderBy('j.created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map(asJobView);
}

export interface ImportListing {
  id: string;
  format: string;
  asOf: string;
  fileName: string;
  source: 'command' | 'web' | 'api';
  startedBy: string | null;
  tokenName: string | null;
  jobId: string | null;
  startedAt: Date;
  finishedAt: Date;
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  snapshotId: string | null;
}

function importQuery(db: Db) {
  return db
    .selectFrom('imports as i')
    .leftJoin('staff as s', 's.id', 'i.started_by')
    .leftJoin('import_jobs as j', 'j.import_id', 'i.id')
    .leftJoin('import_tokens as t', 't.id', 'j.token_id')
    .select([
      'i.id',
      'i.format',
      'i.as_of as asOf',
      'i.file_name as fileName',
      'i.source',
      's.name as startedBy',
      't.name as tokenName',
      'j.id as jobId',
      'i.started_at as startedAt',
      'i.finished_at as finishedAt',
      'i.rows_read as rowsRead',
      'i.rows_accepted as rowsAccepted',
      'i.rows_rejected as rowsRejected',
      'i.snapshot_id as snapshotId',
    ]);
}

/** The council's recorded imports, newest first. */
export async function listImports(
  db: Db,
  councilId: string,
  { limit = 50, offset = 0 }: { limit?: number; offset?: number } = {},
): Promise<{ imports: ImportListing[]; total: number }> {
  const imports = await importQuery(db)
    .where('i.council_id', '=', councilId)
    .orderBy('i.started_at', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
  const { total } = await db
    .selectFrom('imports')
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .where('council_id', '=', councilId)
    .executeTakeFirstOrThrow();
  return { imports, total: Number(total) };
}

export interface ImportRecord extends ImportListing {
  /** the sources of its snapshot the import brought (Annex A lists, SSD, a mapped extract) */
  sources: string[];
  /** the first errors, as many as the import kept */
  errors: RowError[];
  quality: QualityHeadline | undefined;
}

/** One recorded import of the council, with the errors it kept and its quality headline. */
export async function getImport(
  db: Db,
  councilId: string,
  importId: string,
): Promise<ImportRecord | undefined> {
  if (!UUID.test(importId)) return undefined;
  const row = await importQuery(db)
    .select(['i.errors', 'i.quality', 'i.sources'])
    .where('i.council_id', '=', councilId)
    .where('i.id', '=', importId)
    .executeTakeFirst();
  if (!row) return undefined;
  const { errors, quality, ...rest } = row;
  return {
    ...rest,
    errors: (errors as RowError[] | null) ?? [],
    quality: row.snapshotId ? qualityHeadline(row.snapshotId, quality) : undefined,
  };
}

/** The headline counts of a data-quality report (src/services/case-data/data-quality.ts). */
export function qualityHeadline(snapshotId: string, report: unknown): QualityHeadline | undefined {
  if (!report || typeof report !== 'object') return undefined;
  const r = report as {
    children?: number;
    openChildren?: number;
    unallocated?: { count?: number };
    allocatedToManagers?: { count?: number };
    conflicts?: { count?: number };
    ageMismatches?: { count?: number };
    unmatchedNames?: { teams?: unknown[]; workers?: unknown[] };
  };
  return {
    snapshotId,
    children: Number(r.children ?? 0),
    openChildren: Number(r.openChildren ?? 0),
    unallocated: Number(r.unallocated?.count ?? 0),
    allocatedToManagers: Number(r.allocatedToManagers?.count ?? 0),
    conflicts: Number(r.conflicts?.count ?? 0),
    ageMismatches: Number(r.ageMismatches?.count ?? 0),
    unmatchedTeams: r.unmatchedNames?.teams?.length ?? 0,
    unmatchedWorkers: r.unmatchedNames?.workers?.length ?? 0,
  };
}

/** The council's saved column mappings, by name, for the upload form. */
export async function listMappingChoices(db: Db, councilId: string): Promise<{ id: string; name: string }[]> {
  return db
    .selectFrom('column_mappings')
    .select(['id', 'name'])
    .where('council_id', '=', councilId)
    .orderBy('name')
    .execute();
}

/**
 * The Case data page: the saved mappings to choose from, the latest recorded imports (and how
 * many there are) and the jobs waiting, being read, refused or failed.
 */
export async function importsPage(db: Db, councilId: string, historyShown: number) {
  const [mappings, history, jobs] = await Promise.all([
    listMappingChoices(db, councilId),
    listImports(db, councilId, { limit: historyShown }),
    listUnfinishedJobs(db, councilId),
  ]);
  return { mappings, history, jobs };
}

/**
 * A file sent from the Case data page with its form: the file and the form are checked together,
 * so every mistake is listed at once, and a queued job takes the file into the database. The
 * staged copy is always thrown away. Returns the job's id, or the mistakes.
 */
export async function queueUploadedImport(
  db: Db,
  upload: StagedUpload | undefined,
  input: ImportRequestInput,
  requester: { councilId: string; staffId: string },
  today: string,
  queue?: JobQueue | null,
): Promise<Validated<string>> {
  const errors: FieldError[] = [];
  if (!upload) errors.push({ field: 'file', message: 'Select a file to import' });
  else if (upload.bytes === 0) errors.push({ field: 'file', message: 'The selected file is empty' });
  const checked = await checkImportRequest(db, requester.councilId, input, today);
  if (!checked.ok) errors.push(...checked.errors);
  if (!upload || !checked.ok || errors.length) {
    await discardUpload(upload);
    return { ok: false, errors };
  }
  try {
    const jobId = await queueImportJob(db, upload, checked.value, { source: 'web', ...requester }, queue);
    return { ok: true, value: jobId };
  } finally {
    // the job has its own copy in the database
    await discardUpload(upload);
  }
}
