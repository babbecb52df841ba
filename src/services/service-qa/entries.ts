/**
 * QA from elsewhere (domain.md §4): a service's piece of QA activity over a period, entered in a
 * form by the service's named contributor (or the QA lead), or imported from a spreadsheet
 * (entry-import.ts). What was reviewed and how many, strengths, areas for development, the practice
 * themes found and, for a service that grades, how many were graded each grade of the council's
 * standard scale. An entry belongs to the quarter its period ends in.
 */
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import { type DateParts, dateParts, parseDateInput } from '../../domain/date-input.ts';
import { type IsoDate, isRealDate } from '../../domain/dates.ts';
import { FOUR_POINT, type Grade } from '../../domain/grade-scales.ts';
import { type Quarter, quarterOf, type ServiceQaEntryInput } from '../../domain/service-qa.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../domain/validation.ts';
import {
  mustCoverService,
  ServiceQaAccessError,
  type ServiceQaPerson,
  type ServiceQaScope,
  serviceQaScope,
} from './access.ts';
import { listQaServices, type QaServiceRow } from './qa-services.ts';

export const MAX_REVIEWED = 500;
export const MAX_TEXT = 10000;
export const MAX_COUNT = 100000;

/** The grades entries are counted in: the council's standard (four-point) scale, best first. */
export async function standardGrades(db: Db, councilId: string): Promise<Grade[]> {
  const row = await db
    .selectFrom('grade_scales')
    .select('grades')
    .where('council_id', '=', councilId)
    .where('key', '=', FOUR_POINT.key)
    .executeTakeFirst();
  const grades = (row?.grades as Grade[] | undefined) ?? FOUR_POINT.grades;
  return [...grades].sort((a, b) => a.order - b.order);
}

export interface ThemeChoice {
  key: string;
  name: string;
}

export async function activeThemes(db: Db, councilId: string): Promise<ThemeChoice[]> {
  return db
    .selectFrom('practice_themes')
    .select(['key', 'name'])
    .where('council_id', '=', councilId)
    .where('active', '=', true)
    .orderBy('name')
    .execute();
}

/** What the entry form offers the person: the services they may enter for, themes and grades. */
export interface EntryChoices {
  scope: ServiceQaScope;
  services: QaServiceRow[];
  themes: ThemeChoice[];
  grades: Grade[];
}

export async function entryChoices(db: Db, person: ServiceQaPerson): Promise<EntryChoices> {
  const scope = await serviceQaScope(db, person);
  const all = await listQaServices(db, person.councilId);
  const services =
    scope.kind === 'all' ? all : all.filter((s) => scope.kind === 'service' && s.id === scope.serviceId);
  const [themes, grades] = await Promise.all([
    activeThemes(db, person.councilId),
    standardGrades(db, person.councilId),
  ]);
  return { scope, services, themes, grades };
}

/** An entry's values as they go back into the form. */
export type EntryFormValues = Record<string, string | string[] | DateParts>;

const str = (v: unknown) => (Array.isArray(v) ? String(v[0] ?? '') : typeof v === 'string' ? v : '');
const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : []);

/** A whole number as typed ("12", " 12 "); undefined when it is not one. */
export function wholeNumber(text: string): number | undefined {
  const t = text.trim().replace(/,/g, '');
  return /^\d{1,9}$/.test(t) ? Number(t) : undefined;
}

/** The parts of an entry read from a form or a spreadsheet row, before the rules between them. */
export interface EntryParts {
  service: QaServiceRow | undefined;
  periodStart: IsoDate | null;
  periodEnd: IsoDate | null;
  reviewed: string;
  reviewedCount: number | undefined;
  strengths: string;
  development: string;
  themeKeys: string[];
  /** counts by grade key (only read when the service grades) */
  grades: Record<string, number>;
}

/** The rules across an entry's parts: each error names its field. */
export function finishEntry(
  parts: EntryParts,
  errors: FieldError[],
  grades: readonly Grade[],
): ServiceQaEntryInput | undefined {
  const add = (field: string, message: string) => {
    if (!errors.some((e) => e.field === field)) errors.push({ field, message });
  };
  if (parts.periodStart && parts.periodEnd && parts.periodEnd < parts.periodStart)
    add('periodEnd', 'The end of the period must be the same as or after its start');
  const reviewed = parts.reviewed.trim();
  if (!reviewed) add('reviewed', 'Enter what was reviewed');
  else if (reviewed.length > MAX_REVIEWED)
    add('reviewed', `What was reviewed must be ${MAX_REVIEWED} characters or fewer`);
  if (parts.reviewedCount === undefined)
    add('reviewedCount', 'Enter how many were reviewed, as a whole number');
  else if (parts.reviewedCount > MAX_COUNT)
    add('reviewedCount', `How many were reviewed must be ${MAX_COUNT} or fewer`);
  if (parts.strengths.length > MAX_TEXT)
    add('strengths', `Strengths must be ${MAX_TEXT} characters or fewer`);
  if (parts.development.length > MAX_TEXT)
    add('development', `Areas for development must be ${MAX_TEXT} characters or fewer`);
  let gradeCounts: Record<string, number> | null = null;
  if (parts.service?.grades) {
    gradeCounts = Object.fromEntries(grades.map((g) => [g.key, parts.grades[g.key] ?? 0]));
    const total = Object.values(gradeCounts).reduce((a, b) => a + b, 0);
    if (parts.reviewedCount !== undefined && total > parts.reviewedCount)
      add(
        `grade-${grades[0]?.key ?? 'grades'}`,
        `The grades add up to ${total}, more than the ${parts.reviewedCount} reviewed`,
      );
  }
  if (
    errors.length ||
    !parts.service ||
    !parts.periodStart ||
    !parts.periodEnd ||
    parts.reviewedCount === undefined
  )
    return undefined;
  return {
    serviceId: parts.service.id,
    periodStart: parts.periodStart,
    periodEnd: parts.periodEnd,
    reviewed,
    reviewedCount: parts.reviewedCount,
    strengths: parts.strengths.trim(),
    development: parts.development.trim(),
    themeKeys: [...new Set(parts.themeKeys)],
    grades: gradeCounts,
  };
}

/**
 * Reads the entry form. `fixedService`: the contributor's own service, whatever the form says.
 * `today`: the period cannot start after it.
 */
export function readEntryForm(
  form: Record<string, unknown>,
  choices: EntryChoices,
  today: IsoDate,
  keepThemes: readonly string[] = [],
): { input?: ServiceQaEntryInput; errors: FieldError[]; values: EntryFormValues } {
  const errors: FieldError[] = [];
  const serviceId = choices.scope.kind === 'service' ? choices.scope.serviceId : str(form.serviceId);
  const service = choices.services.find((s) => s.id === serviceId);
  if (!service)
    errors.push({
      field: 'serviceId',
      message: serviceId ? 'Choose a service from the list' : 'Choose the service',
    });
  const date = (field: 'periodStart' | 'periodEnd', label: string) => {
    const parts = { day: form[`${field}-day`], month: form[`${field}-month`], year: form[`${field}-year`] };
    const parsed = parseDateInput(
      { day: str(parts.day), month: str(parts.month), year: str(parts.year) },
      { label, required: true, notAfter: field === 'periodStart' ? today : undefined },
    );
    if (!parsed.ok) {
      errors.push({ field, message: parsed.message, href: `#${field}-${parsed.parts[0]}` });
      return null;
    }
    return parsed.value;
  };
  const periodStart = date('periodStart', 'The start of the period');
  const periodEnd = date('periodEnd', 'The end of the period');
  const countText = str(form.reviewedCount);
  const reviewedCount = wholeNumber(countText);
  if (countText.trim() && reviewedCount === undefined)
    errors.push({
      field: 'reviewedCount',
      message: 'How many were reviewed must be a whole number, like 12',
    });
  const allowed = new Set([...choices.themes.map((t) => t.key), ...keepThemes]);
  const themeKeys = list(form.themes).filter((k) => allowed.has(k));
  if (list(form.themes).length !== themeKeys.length)
    errors.push({ field: 'themes', message: 'Choose practice themes from the list' });
  const grades: Record<string, number> = {};
  if (service?.grades) {
    for (const g of choices.grades) {
      const text = str(form[`grade-${g.key}`]);
      if (!text.trim()) continue;
      const n = wholeNumber(text);
      if (n === undefined)
        errors.push({
          field: `grade-${g.key}`,
          message: `The number graded ${g.label.toLowerCase()} must be a whole number, like 3`,
        });
      else grades[g.key] = n;
    }
  }
  const values: EntryFormValues = {
    serviceId,
    periodStart: {
      day: str(form['periodStart-day']),
      month: str(form['periodStart-month']),
      year: str(form['periodStart-year']),
    },
    periodEnd: {
      day: str(form['periodEnd-day']),
      month: str(form['periodEnd-month']),
      year: str(form['periodEnd-year']),
    },
    reviewed: str(form.reviewed),
    reviewedCount: countText,
    strengths: str(form.strengths),
    development: str(form.development),
    themes: list(form.themes),
    ...Object.fromEntries(choices.grades.map((g) => [`grade-${g.key}`, str(form[`grade-${g.key}`])])),
  };
  const input = finishEntry(
    {
      service,
      periodStart,
      periodEnd,
      reviewed: str(form.reviewed),
      reviewedCount: countText.trim() ? reviewedCount : undefined,
      strengths: str(form.strengths),
      development: str(form.development),
      themeKeys,
      grades,
    },
    errors,
    choices.grades,
  );
  if (!countText.trim() && !errors.some((e) => e.field === 'reviewedCount'))
    errors.push({ field: 'reviewedCount', message: 'Enter how many were reviewed, as a whole number' });
  return { input, errors: sortErrors(errors), values };
}

const FIELD_ORDER = [
  'serviceId',
  'periodStart',
  'periodEnd',
  'reviewed',
  'reviewedCount',
  'strengths',
  'development',
  'themes',
];
/** Errors in the order of the form's (and the file's) fields. */
export function sortErrors(errors: FieldError[]): FieldError[] {
  const rank = (f: string) => {
    const i = FIELD_ORDER.indexOf(f);
    return i < 0 ? FIELD_ORDER.length : i;
  };
  return [...errors].sort((a, b) => rank(a.field) - rank(b.field));
}

/** Writes an entry's row and themes (a new one, or over an existing one). */
export async function writeEntry(
  db: Db,
  councilId: string,
  input: ServiceQaEntryInput,
  who: { contributorId: string | null; source?: 'form' | 'import'; importId?: string | null },
  entryId?: string,
): Promise<string> {
  return inTransaction(db, async (trx) => {
    const values = {
      service_id: input.serviceId,
      period_start: input.periodStart,
      period_end: input.periodEnd,
      quarter_start: quarterOf(input.periodEnd).start,
      reviewed: input.reviewed,
      reviewed_count: input.reviewedCount,
      strengths: input.strengths,
      development: input.development,
      grades: input.grades ? JSON.stringify(input.grades) : null,
    };
    let id = entryId;
    if (id) {
      await trx
        .updateTable('service_qa_entries')
        .set({ ...values, updated_at: new Date() })
        .where('council_id', '=', councilId)
        .where('id', '=', id)
        .execute();
      await trx
        .deleteFrom('service_qa_entry_themes')
        .where('council_id', '=', councilId)
        .where('entry_id', '=', id)
        .execute();
    } else {
      const row = await trx
        .insertInto('service_qa_entries')
        .values({
          council_id: councilId,
          ...values,
          contributor_id: who.contributorId,
          source: who.source ?? 'form',
          import_id: who.importId ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      id = row.id;
    }
    if (input.themeKeys.length)
      await trx
        .insertInto('service_qa_entry_themes')
        .values(input.themeKeys.map((k) => ({ entry_id: id as string, council_id: councilId, theme_key: k })))
        .execute();
    return id;
  });
}

/** A contributor with no service, or whose service is retired, adds nothing. */
function mustMayAdd(scope: ServiceQaScope) {
  if (scope.kind === 'none')
    throw new ServiceQaAccessError(
      'You are not linked to a service yet: ask the QA lead to add you to your service',
    );
  if (scope.kind === 'service' && !scope.active)
    throw new ServiceQaAccessError('Your service has been retired from QA from elsewhere: ask the QA lead');
}

/** Adds an entry from the form, as the signed-in person. */
export async function createEntry(
  db: Db,
  person: ServiceQaPerson,
  form: Record<string, unknown>,
  today: IsoDate,
): Promise<{ id: string; quarter: Quarter }> {
  return inTransaction(db, async (trx) => {
    const choices = await entryChoices(trx, person);
    mustMayAdd(choices.scope);
    const read = readEntryForm(form, choices, today);
    if (!read.input || read.errors.length) throw new EntryValidationError(read.errors, read.values);
    const id = await writeEntry(trx, person.councilId, read.input, { contributorId: person.staffId });
    return { id, quarter: quarterOf(read.input.periodEnd) };
  });
}

/** Field errors with what was typed, to show the form again. */
export class EntryValidationError extends ValidationError {
  readonly values: EntryFormValues;
  constructor(errors: FieldError[], values: EntryFormValues) {
    super(errors);
    this.values = values;
  }
}

interface EntryRow {
  id: string;
  serviceId: string;
  serviceName: string;
  serviceGrades: boolean;
  periodStart: string;
  periodEnd: string;
  quarterStart: string;
  reviewed: string;
  reviewedCount: number;
  strengths: string;
  development: string;
  grades: Record<string, number> | null;
  contributorName: string | null;
  source: 'form' | 'import';
  importId: string | null;
  updatedAt: Date;
}

function entryQuery(db: Db, councilId: string) {
  return db
    .selectFrom('service_qa_entries as e')
    .innerJoin('qa_services as s', (j) =>
      j.onRef('s.id', '=', 'e.service_id').onRef('s.council_id', '=', 'e.council_id'),
    )
    .leftJoin('staff as c', 'c.id', 'e.contributor_id')
    .select([
      'e.id',
      'e.service_id as serviceId',
      's.name as serviceName',
      's.grades as serviceGrades',
      'e.period_start as periodStart',
      'e.period_end as periodEnd',
      'e.quarter_start as quarterStart',
      'e.reviewed',
      'e.reviewed_count as reviewedCount',
      'e.strengths',
      'e.development',
      'e.grades',
      'c.name as contributorName',
      'e.source',
      'e.import_id as importId',
      'e.updated_at as updatedAt',
    ])
    .where('e.council_id', '=', councilId);
}

async function themesOf(db: Db, councilId: string, entryIds: string[]) {
  if (!entryIds.length) return new Map<string, ThemeChoice[]>();
  const rows = await db
    .selectFrom('service_qa_entry_themes as et')
    .leftJoin('practice_themes as t', (j) =>
      j.onRef('t.key', '=', 'et.theme_key').onRef('t.council_id', '=', 'et.council_id'),
    )
    .select(['et.entry_id as entryId', 'et.theme_key as key', 't.name'])
    .where('et.council_id', '=', councilId)
    .where('et.entry_id', 'in', entryIds)
    .orderBy('t.name')
    .execute();
  const map = new Map<string, ThemeChoice[]>();
  for (const r of rows)
    map.set(r.entryId, [...(map.get(r.entryId) ?? []), { key: r.key, name: r.name ?? r.key }]);
  return map;
}

/** "Good: 5, Requires improvement: 2" in the scale's order, or '' when it does not grade. */
export function gradesText(grades: Record<string, number> | null, scale: readonly Grade[]): string {
  if (!grades) return '';
  return scale.map((g) => `${g.label}: ${grades[g.key] ?? 0}`).join(', ');
}

export interface EntryView extends EntryRow {
  themes: ThemeChoice[];
  gradesText: string;
  quarter: Quarter;
}

/** One entry, if the person's scope covers its service (403 otherwise; 404 when there is none). */
export async function getEntry(db: Db, person: ServiceQaPerson, entryId: string): Promise<EntryView> {
  const row = (await entryQuery(db, person.councilId).where('e.id', '=', entryId).executeTakeFirst()) as
    | EntryRow
    | undefined;
  if (!row) throw new NotFoundError('entry');
  mustCoverService(await serviceQaScope(db, person), row.serviceId);
  const [themes, scale] = await Promise.all([
    themesOf(db, person.councilId, [row.id]),
    standardGrades(db, person.councilId),
  ]);
  return {
    ...row,
    themes: themes.get(row.id) ?? [],
    gradesText: gradesText(row.grades, scale),
    quarter: quarterOf(row.periodEnd),
  };
}

/** The form's values for an entry being changed. */
export function entryFormValues(entry: EntryView, scale: readonly Grade[]): EntryFormValues {
  return {
    serviceId: entry.serviceId,
    periodStart: dateParts(entry.periodStart),
    periodEnd: dateParts(entry.periodEnd),
    reviewed: entry.reviewed,
    reviewedCount: String(entry.reviewedCount),
    strengths: entry.strengths,
    development: entry.development,
    themes: entry.themes.map((t) => t.key),
    ...Object.fromEntries(
      scale.map((g) => [`grade-${g.key}`, entry.grades ? String(entry.grades[g.key] ?? 0) : '']),
    ),
  };
}

/**
 * The choices for changing an entry: the contributor keeps their service; the QA lead may move it
 * to another active service (or keep it on its own, even if retired since).
 */
export async function editChoices(db: Db, person: ServiceQaPerson, entry: EntryView): Promise<EntryChoices> {
  const choices = await entryChoices(db, person);
  if (!choices.services.some((s) => s.id === entry.serviceId)) {
    const own = (await listQaServices(db, person.councilId, { includeRetired: true })).find(
      (s) => s.id === entry.serviceId,
    );
    if (own) choices.services = [...choices.services, own];
  }
  return choices;
}

/** Changes an entry from the form: the person's scope must cover its service before and after. */
export async function updateEntry(
  db: Db,
  person: ServiceQaPerson,
  entryId: string,
  form: Record<string, unknown>,
  today: IsoDate,
): Promise<{ id: string; quarter: Quarter }> {
  return inTransaction(db, async (trx) => {
    const entry = await getEntry(trx, person, entryId);
    const choices = await editChoices(trx, person, entry);
    const read = readEntryForm(
      form,
      choices,
      today,
      entry.themes.map((t) => t.key),
    );
    if (!read.input || read.errors.length) throw new EntryValidationError(read.errors, read.values);
    mustCoverService(choices.scope, read.input.serviceId);
    await writeEntry(trx, person.councilId, read.input, { contributorId: person.staffId }, entryId);
    return { id: entryId, quarter: quarterOf(read.input.periodEnd) };
  });
}

/** Deletes an entry of a service the person's scope covers. */
export async function deleteEntry(db: Db, person: ServiceQaPerson, entryId: string): Promise<EntryView> {
  return inTransaction(db, async (trx) => {
    const entry = await getEntry(trx, person, entryId);
    await trx
      .deleteFrom('service_qa_entries')
      .where('council_id', '=', person.councilId)
      .where('id', '=', entryId)
      .execute();
    return entry;
  });
}

/** The list page: the quarter's entries of the services the person may see, by service. */
export async function entriesPage(
  db: Db,
  person: ServiceQaPerson,
  filter: { service?: string; quarter?: string },
  today: IsoDate,
) {
  const scope = await serviceQaScope(db, person);
  const services =
    scope.kind === 'all' ? await listQaServices(db, person.councilId, { includeRetired: true }) : [];
  const current = quarterOf(today);
  const quarterStart =
    filter.quarter && isRealDate(filter.quarter) ? quarterOf(filter.quarter).start : current.start;
  const quarter = quarterOf(quarterStart);
  const serviceId =
    scope.kind === 'service' ? scope.serviceId : services.find((s) => s.id === filter.service)?.id;
  if (scope.kind === 'none')
    return {
      scope,
      services,
      quarters: [current],
      quarter,
      serviceId: undefined,
      entries: [] as EntryView[],
      total: 0,
    };
  let q = db
    .selectFrom('service_qa_entries')
    .select('quarter_start')
    .distinct()
    .where('council_id', '=', person.councilId);
  if (serviceId) q = q.where('service_id', '=', serviceId);
  const withEntries = (await q.execute()).map((r) => r.quarter_start);
  const starts = new Set([current.start, quarter.start, ...withEntries]);
  const quarters = [...starts]
    .sort()
    .reverse()
    .map((s) => quarterOf(s));
  let rows = entryQuery(db, person.councilId).where('e.quarter_start', '=', quarter.start);
  if (serviceId) rows = rows.where('e.service_id', '=', serviceId);
  const found = (await rows
    .orderBy('s.position')
    .orderBy('s.name')
    .orderBy('e.period_end', 'desc')
    .execute()) as EntryRow[];
  const [themes, scale] = await Promise.all([
    themesOf(
      db,
      person.councilId,
      found.map((r) => r.id),
    ),
    standardGrades(db, person.councilId),
  ]);
  const entries: EntryView[] = found.map((r) => ({
    ...r,
    themes: themes.get(r.id) ?? [],
    gradesText: gradesText(r.grades, scale),
    quarter: quarterOf(r.periodEnd),
  }));
  return {
    scope,
    services,
    quarters,
    quarter,
    serviceId,
    entries,
    total: entries.reduce((a, e) => a + e.reviewedCount, 0),
  };
}
