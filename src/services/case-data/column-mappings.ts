import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import {
  fieldPhrase,
  fieldsFor,
  isListKind,
  LIST_KIND_LABELS,
  LIST_KINDS,
  type ListKind,
  requiredFields,
  suggestColumns,
} from '../../domain/mapped-fields.ts';
import { type FieldError, NotFoundError, type Validated, ValidationError } from '../../domain/validation.ts';
import { splitStoredColumns, storedColumns } from '../../import/mapped.ts';
import { normaliseHeader } from '../../import/values.ts';

/** A saved column mapping as its pages show it. */
export interface ColumnMappingView {
  id: string;
  name: string;
  listKind: string;
  listKindLabel: string;
  /** QA Loop field → header as written; only mapped fields */
  columns: Record<string, string>;
  /** the worksheet of a workbook it reads; the first when null */
  sheet: string | null;
  fieldsMapped: number;
  updatedAt: Date;
}

/** What a person saves: a name, what each row describes, the worksheet and field → header. */
export interface ColumnMappingInput {
  name: string;
  listKind: ListKind;
  sheet: string | null;
  columns: Record<string, string>;
}

/** The form field (its id on the page) that says which column holds a QA Loop field. */
export function columnFieldId(field: string): string {
  return `column-${field}`;
}

const MAX_NAME = 100;
const MAX_HEADER = 200;

const baseSchema = z.object({
  name: z
    .string({ error: 'Enter a name for the mapping' })
    .trim()
    .min(1, 'Enter a name for the mapping')
    .max(MAX_NAME, `The name must be ${MAX_NAME} characters or fewer`),
  listKind: z.enum(LIST_KINDS, { error: 'Choose what each row of the file describes' }),
  sheet: z
    .string()
    .trim()
    .max(MAX_NAME, `The worksheet name must be ${MAX_NAME} characters or fewer`)
    .nullish()
    .transform((s) => s || null),
  columns: z.record(z.string(), z.unknown()).default({}),
});

/**
 * Checks a mapping a person has chosen: a name no other mapping of the council has (whatever its
 * case), what each row describes, the child ID's column and, unless the rows are open cases, the
 * start date's, and no column used for two fields (headers compared as the import compares them).
 * Fields a list of that kind does not read are left out.
 */
export function checkColumnMapping(
  input: unknown,
  otherNames: readonly string[],
): Validated<ColumnMappingInput> {
  const raw = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const base = baseSchema.safeParse(raw);
  const errors: FieldError[] = [];
  const seenFields = new Set<string>();
  if (!base.success) {
    for (const issue of base.error.issues) {
      const path = String(issue.path[0] ?? 'name');
      if (path === 'columns' || seenFields.has(path)) continue;
      seenFields.add(path);
      errors.push({ field: path, message: issue.message });
    }
  }
  const name = base.success ? base.data.name : typeof raw.name === 'string' ? raw.name.trim() : '';
  if (name && !seenFields.has('name')) {
    const taken = otherNames.find((n) => n.trim().toLowerCase() === name.toLowerCase());
    if (taken)
      errors.unshift({ field: 'name', message: `There is already a column mapping called "${taken}"` });
  }
  const kind = isListKind(raw.listKind) ? raw.listKind : undefined;
  const given =
    raw.columns && typeof raw.columns === 'object' ? (raw.columns as Record<string, unknown>) : {};
  const columns: Record<string, string> = {};
  if (kind) {
    const usedBy = new Map<string, string>();
    const required = requiredFields(kind);
    for (const field of fieldsFor(kind)) {
      const id = columnFieldId(field.key);
      const value = typeof given[field.key] === 'string' ? (given[field.key] as string).trim() : '';
      if (!value) {
        if (required.includes(field.key))
          errors.push({
            field: id,
            message:
              field.key === 'child_id'
                ? 'Choose the column that holds the child ID'
                : `Choose the column that holds the start date: ${LIST_KIND_LABELS[kind].toLowerCase()} are read by it`,
          });
        continue;
      }
      const key = normaliseHeader(value);
      if (!key) {
        errors.push({ field: id, message: `Choose the column that holds the ${fieldPhrase(field.key)}` });
        continue;
      }
      if (value.length > MAX_HEADER) {
        errors.push({ field: id, message: `The column name must be ${MAX_HEADER} characters or fewer` });
        continue;
      }
      const earlier = usedBy.get(key);
      if (earlier) {
        errors.push({
          field: id,
          message: `"${value}" is already chosen for ${fieldPhrase(earlier)}: a column can hold one detail only`,
        });
        continue;
      }
      usedBy.set(key, field.key);
      columns[field.key] = value;
    }
  }
  if (errors.length || !base.success) return { ok: false, errors };
  return { ok: true, value: { name, listKind: base.data.listKind, sheet: base.data.sheet, columns } };
}

function view(row: {
  id: string;
  name: string;
  list_kind: string;
  columns: Record<string, string>;
  updated_at: Date;
}): ColumnMappingView {
  const { columns, sheet } = splitStoredColumns(row.columns);
  return {
    id: row.id,
    name: row.name,
    listKind: row.list_kind,
    listKindLabel: isListKind(row.list_kind) ? LIST_KIND_LABELS[row.list_kind] : row.list_kind,
    columns,
    sheet,
    fieldsMapped: Object.keys(columns).length,
    updatedAt: row.updated_at,
  };
}

/** The council's saved column mappings, by name. */
export async function listColumnMappings(db: Db, councilId: string): Promise<ColumnMappingView[]> {
  const rows = await db
    .selectFrom('column_mappings')
    .select(['id', 'name', 'list_kind', 'columns', 'updated_at'])
    .where('council_id', '=', councilId)
    .orderBy('name')
    .execute();
  return rows.map(view);
}

/** One of the council's saved column mappings. */
export async function getColumnMapping(db: Db, councilId: string, id: string): Promise<ColumnMappingView> {
  const row = await db
    .selectFrom('column_mappings')
    .select(['id', 'name', 'list_kind', 'columns', 'updated_at'])
    .where('council_id', '=', councilId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('column mapping');
  return view(row);
}

async function otherNames(db: Db, councilId: string, except?: string): Promise<string[]> {
  let q = db.selectFrom('column_mappings').select('name').where('council_id', '=', councilId);
  if (except) q = q.where('id', '!=', except);
  return (await q.execute()).map((r) => r.name);
}

/** A mapping saved by someone else at the same moment under the same name. */
function sameNameRace(err: unknown, name: string): ValidationError | undefined {
  if ((err as { code?: string }).code !== '23505') return undefined;
  return new ValidationError([
    { field: 'name', message: `There is already a column mapping called "${name}"` },
  ]);
}

/** Saves a new column mapping; returns its id. Nothing is saved when anything is wrong. */
export async function createColumnMapping(
  db: Db,
  councilId: string,
  input: unknown,
  options: { createdBy?: string | null } = {},
): Promise<string> {
  return inTransaction(db, async (trx) => {
    const checked = checkColumnMapping(input, await otherNames(trx, councilId));
    if (!checked.ok) throw new ValidationError(checked.errors);
    const { name, listKind, sheet, columns } = checked.value;
    try {
      const row = await trx
        .insertInto('column_mappings')
        .values({
          council_id: councilId,
          name,
          list_kind: listKind,
          columns: JSON.stringify(storedColumns(columns, sheet)),
          created_by: options.createdBy ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    } catch (err) {
      throw sameNameRace(err, name) ?? err;
    }
  });
}

/** Changes a saved column mapping: its name, what its rows describe, its worksheet and columns. */
export async function updateColumnMapping(
  db: Db,
  councilId: string,
  id: string,
  input: unknown,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    await getColumnMapping(trx, councilId, id);
    const checked = checkColumnMapping(input, await otherNames(trx, councilId, id));
    if (!checked.ok) throw new ValidationError(checked.errors);
    const { name, listKind, sheet, columns } = checked.value;
    try {
      await trx
        .updateTable('column_mappings')
        .set({
          name,
          list_kind: listKind,
          columns: JSON.stringify(storedColumns(columns, sheet)),
          updated_at: new Date(),
        })
        .where('id', '=', id)
        .where('council_id', '=', councilId)
        .execute();
    } catch (err) {
      throw sameNameRace(err, name) ?? err;
    }
  });
}

/**
 * Deletes a saved column mapping; returns its name. What imports already brought through it stays
 * in their snapshots.
 */
export async function deleteColumnMapping(db: Db, councilId: string, id: string): Promise<string> {
  const row = await db
    .deleteFrom('column_mappings')
    .where('council_id', '=', councilId)
    .where('id', '=', id)
    .returning('name')
    .executeTakeFirst();
  if (!row) throw new NotFoundError('column mapping');
  return row.name;
}

const UUID = z.uuid();

/** One of the council's saved column mappings; undefined for an id that is not one, or not the council's. */
export async function findColumnMapping(
  db: Db,
  councilId: string,
  id: unknown,
): Promise<ColumnMappingView | undefined> {
  const parsed = UUID.safeParse(id);
  if (!parsed.success) return undefined;
  try {
    return await getColumnMapping(db, councilId, parsed.data);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/**
 * A mapping's saved choices, moved onto a new sample's headers where they are still there (headers
 * compared as the import compares them); a column gone from the file is guessed again from the
 * headers not chosen.
 */
export function carryOverColumns(
  mapping: ColumnMappingView,
  headers: readonly string[],
  kind: ListKind,
): Record<string, string> {
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

/**
 * After a refusal: the fields a kind of list reads that the form did not show (the kind was
 * changed) get a first guess from the headers, unless that header is chosen already.
 */
export function withGuessedColumns<T extends { listKind: string; columns: Record<string, string> }>(
  headers: readonly string[],
  values: T,
): T {
  if (!isListKind(values.listKind)) return values;
  const guesses = suggestColumns(headers, values.listKind);
  const columns = { ...values.columns };
  for (const f of fieldsFor(values.listKind))
    if (!(f.key in columns) && guesses[f.key] && !Object.values(columns).includes(guesses[f.key]))
      columns[f.key] = guesses[f.key];
  return { ...values, columns };
}
