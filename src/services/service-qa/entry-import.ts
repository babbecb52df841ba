/**
 * Services' QA entries imported from a spreadsheet (src/import/service-qa-entries.ts reads it):
 * previewed first, every row that cannot be read listed with its row number and the reason, then
 * the rows that can be read applied together in one transaction, recorded as one import.
 * Services and practice themes are matched by name (or key) ignoring case; grade columns by the
 * grade's label or key on the council's standard scale.
 */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import type { IsoDate } from '../../domain/dates.ts';
import { normaliseGradeKey } from '../../domain/grade-scales.ts';
import { quarterOf, type ServiceQaEntryInput } from '../../domain/service-qa.ts';
import { type FieldError, NotFoundError } from '../../domain/validation.ts';
import {
  readServiceQaEntries,
  SERVICE_QA_HEADERS,
  type ServiceQaFile,
} from '../../import/service-qa-entries.ts';
import { parseDateLenient } from '../../import/values.ts';
import { activeThemes, finishEntry, sortErrors, standardGrades, wholeNumber, writeEntry } from './entries.ts';
import { listQaServices } from './qa-services.ts';

export interface ImportProblem {
  /** the row number a person sees when they open the file */
  row: number;
  message: string;
}

export interface ImportRowRead {
  row: number;
  serviceName: string;
  input: ServiceQaEntryInput;
  themeNames: string[];
}

export interface ServiceQaImportPreview {
  fileName: string;
  rows: ImportRowRead[];
  problems: ImportProblem[];
  /** columns that are neither known nor a grade: left out */
  ignoredColumns: string[];
}

/** The words for each field in a row's reasons: the column names of the file. */
const COLUMN_WORDS: Record<string, string> = {
  serviceId: SERVICE_QA_HEADERS.service,
  periodStart: SERVICE_QA_HEADERS.periodStart,
  periodEnd: SERVICE_QA_HEADERS.periodEnd,
  reviewed: SERVICE_QA_HEADERS.reviewed,
  reviewedCount: SERVICE_QA_HEADERS.reviewedCount,
  strengths: SERVICE_QA_HEADERS.strengths,
  development: SERVICE_QA_HEADERS.development,
  themes: SERVICE_QA_HEADERS.themes,
};

const fold = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');

/** Checks the file's rows against the council's services, themes and grades. Writes nothing. */
export async function checkServiceQaFile(
  db: Db,
  councilId: string,
  file: ServiceQaFile,
  today: IsoDate,
): Promise<ServiceQaImportPreview> {
  const [services, themes, grades] = await Promise.all([
    listQaServices(db, councilId),
    activeThemes(db, councilId),
    standardGrades(db, councilId),
  ]);
  const gradeOfColumn = new Map<string, string>();
  const ignoredColumns: string[] = [];
  for (const heading of file.otherColumns) {
    const g = grades.find((x) => fold(x.label) === fold(heading) || x.key === normaliseGradeKey(heading));
    if (g) gradeOfColumn.set(heading, g.key);
    else ignoredColumns.push(heading);
  }
  const rows: ImportRowRead[] = [];
  const problems: ImportProblem[] = [];
  for (const r of file.rows) {
    const v = r.values;
    const errors: FieldError[] = [];
    const service = services.find((s) => fold(s.name) === fold(v.service) || s.key === fold(v.service));
    if (!v.service) errors.push({ field: 'serviceId', message: 'no service given' });
    else if (!service)
      errors.push({ field: 'serviceId', message: `“${v.service}” is not one of the council’s services` });
    const date = (field: 'periodStart' | 'periodEnd') => {
      const text = v[field];
      if (!text) {
        errors.push({ field, message: 'no date given' });
        return null;
      }
      const d = parseDateLenient(text);
      if (!d) errors.push({ field, message: `“${text}” is not a date, like 01/10/2026` });
      return d ?? null;
    };
    const periodStart = date('periodStart');
    const periodEnd = date('periodEnd');
    if (periodStart && periodStart > today)
      errors.push({ field: 'periodStart', message: 'the period starts after today' });
    const reviewedCount = v.reviewedCount ? wholeNumber(v.reviewedCount) : undefined;
    if (v.reviewedCount && reviewedCount === undefined)
      errors.push({ field: 'reviewedCount', message: `“${v.reviewedCount}” is not a whole number` });
    const themeKeys: string[] = [];
    const themeNames: string[] = [];
    for (const part of v.themes
      .split(/[;\n]/)
      .map((x) => x.trim())
      .filter(Boolean)) {
      const t = themes.find((x) => fold(x.name) === fold(part) || x.key === fold(part));
      if (t) {
        themeKeys.push(t.key);
        themeNames.push(t.name);
      } else
        errors.push({ field: 'themes', message: `“${part}” is not one of the council’s practice themes` });
    }
    const gradeCounts: Record<string, number> = {};
    for (const [heading, key] of gradeOfColumn) {
      const text = r.other[heading] ?? '';
      if (!text) continue;
      const n = wholeNumber(text);
      if (n === undefined)
        errors.push({ field: `grade-${key}`, message: `“${text}” under ${heading} is not a whole number` });
      else if (service && !service.grades && n > 0)
        errors.push({
          field: `grade-${key}`,
          message: `${service.name} does not grade, but ${heading} has ${n}`,
        });
      else gradeCounts[key] = n;
    }
    const input = finishEntry(
      {
        service,
        periodStart,
        periodEnd,
        reviewed: v.reviewed,
        reviewedCount: v.reviewedCount ? reviewedCount : undefined,
        strengths: v.strengths,
        development: v.development,
        themeKeys,
        grades: gradeCounts,
      },
      errors,
      grades,
    );
    if (input && service)
      rows.push({ row: r.row, serviceName: service.name, input, themeNames: [...new Set(themeNames)] });
    else
      problems.push({
        row: r.row,
        message: sortErrors(errors)
          .map((e) => {
            const column = COLUMN_WORDS[e.field];
            return column && !e.message.includes(column) ? `${column}: ${e.message}` : e.message;
          })
          .join('; '),
      });
  }
  return { fileName: file.fileName, rows, problems, ignoredColumns };
}

/** Reads and checks a file (an UnreadableFileError when it cannot be read at all). */
export async function previewServiceQaImport(
  db: Db,
  councilId: string,
  path: string,
  fileName: string,
  today: IsoDate,
): Promise<ServiceQaImportPreview> {
  return checkServiceQaFile(db, councilId, await readServiceQaEntries(path, fileName), today);
}

/** Refused: nothing in the file could be imported. */
export class ServiceQaImportRefusedError extends Error {
  statusCode = 400;
}

/**
 * Imports the rows that can be read, in one transaction: the import recorded with its file name,
 * who and how many, each entry with source 'import'. Rows that cannot be read are left out (the
 * preview listed them). A file with none that can be read is refused.
 */
export async function applyServiceQaImport(
  db: Db,
  councilId: string,
  path: string,
  fileName: string,
  options: { importedBy: string | null; today: IsoDate },
): Promise<{ importId: string; entries: number; problems: ImportProblem[] }> {
  const file = await readServiceQaEntries(path, fileName);
  return inTransaction(db, async (trx) => {
    const preview = await checkServiceQaFile(trx, councilId, file, options.today);
    if (!preview.rows.length)
      throw new ServiceQaImportRefusedError(
        `No row of ${fileName} could be imported: correct the rows listed and upload the file again`,
      );
    const imp = await trx
      .insertInto('service_qa_imports')
      .values({
        council_id: councilId,
        file_name: fileName,
        entries: preview.rows.length,
        imported_by: options.importedBy,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const r of preview.rows)
      await writeEntry(trx, councilId, r.input, {
        contributorId: options.importedBy,
        source: 'import',
        importId: imp.id,
      });
    return { importId: imp.id, entries: preview.rows.length, problems: preview.problems };
  });
}

/** The imports made, newest first. */
export async function recentServiceQaImports(db: Db, councilId: string, limit = 20) {
  return db
    .selectFrom('service_qa_imports as i')
    .leftJoin('staff as s', 's.id', 'i.imported_by')
    .select([
      'i.id',
      'i.file_name as fileName',
      'i.entries',
      'i.imported_at as importedAt',
      's.name as importedBy',
    ])
    .where('i.council_id', '=', councilId)
    .orderBy('i.imported_at', 'desc')
    .limit(limit)
    .execute();
}

/** One import and the entries it made (those still there). */
export async function getServiceQaImport(db: Db, councilId: string, importId: string) {
  const imp = await db
    .selectFrom('service_qa_imports as i')
    .leftJoin('staff as s', 's.id', 'i.imported_by')
    .select([
      'i.id',
      'i.file_name as fileName',
      'i.entries',
      'i.imported_at as importedAt',
      's.name as importedBy',
    ])
    .where('i.council_id', '=', councilId)
    .where('i.id', '=', importId)
    .executeTakeFirst();
  if (!imp) throw new NotFoundError('import');
  const entries = await db
    .selectFrom('service_qa_entries as e')
    .innerJoin('qa_services as q', (j) =>
      j.onRef('q.id', '=', 'e.service_id').onRef('q.council_id', '=', 'e.council_id'),
    )
    .select([
      'e.id',
      'q.name as serviceName',
      'e.period_start as periodStart',
      'e.period_end as periodEnd',
      'e.reviewed',
      'e.reviewed_count as reviewedCount',
    ])
    .where('e.council_id', '=', councilId)
    .where('e.import_id', '=', importId)
    .orderBy('q.position')
    .orderBy('e.period_end')
    .execute();
  return { ...imp, rows: entries.map((e) => ({ ...e, quarter: quarterOf(e.periodEnd) })) };
}

// ---- A file waiting between its preview and being imported ---------------------------------------

const PENDING = 'service-qa-pending';
const TOKEN = /^[0-9a-f-]{36}$/;

function pendingDir(dataDir: string, councilId: string, token: string) {
  return join(dataDir, PENDING, councilId, token);
}

/**
 * Keeps an uploaded file until the person imports it or uploads another: in its own folder under
 * the council's, named by a random token the preview page carries. Gives the token.
 */
export async function keepPendingFile(
  dataDir: string,
  councilId: string,
  path: string,
  safeName: string,
): Promise<string> {
  const token = randomUUID();
  const dir = pendingDir(dataDir, councilId, token);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await copyFile(path, join(dir, safeName));
  return token;
}

/**
 * Takes the kept file for a token, once: the folder is renamed, so a second request with the same
 * token (a double click, two tabs) finds nothing and imports nothing. Gives the file and a way to
 * remove it when done, or undefined when it was taken already (or never kept).
 */
export async function claimPendingFile(
  dataDir: string,
  councilId: string,
  token: string,
): Promise<{ path: string; fileName: string; discard: () => Promise<void> } | undefined> {
  if (!TOKEN.test(token)) return undefined;
  const claimed = `${pendingDir(dataDir, councilId, token)}.claimed-${randomUUID()}`;
  try {
    await rename(pendingDir(dataDir, councilId, token), claimed);
  } catch {
    return undefined;
  }
  const names = await readdir(claimed).catch(() => [] as string[]);
  const discard = () => rm(claimed, { recursive: true, force: true });
  if (!names[0]) {
    await discard();
    return undefined;
  }
  return { path: join(claimed, names[0]), fileName: names[0], discard };
}
