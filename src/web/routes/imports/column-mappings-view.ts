import {
  FIELD_GROUP_LABELS,
  fieldsFor,
  LIST_KIND_HINTS,
  LIST_KIND_LABELS,
  LIST_KINDS,
  type ListKind,
  MAPPED_FIELDS,
  type MappedField,
  type MappedFieldGroup,
  requiredFields,
} from '../../../domain/mapped-fields.ts';
import type { SampleFile } from '../../../import/mapped.ts';
import { type ColumnMappingView, columnFieldId } from '../../../services/case-data/column-mappings.ts';

/** More columns than any extract has: a form carrying more is not a mapping page's form. */
export const MAX_HEADERS = 500;

export const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');

/** What the sample file shows beside the choices: each column with its first values. */
export interface SampleView {
  fileName: string;
  format: 'csv' | 'xlsx';
  sheet?: string;
  otherSheets: string[];
  columns: { header: string; examples: string }[];
}

/** The values of the mapping form, by what they mean. */
export interface FormValues {
  name: string;
  listKind: string;
  sheet: string;
  columns: Record<string, string>;
}

/** The mapping form's fields for a kind of list, grouped, each a select of the file's headers. */
export function fieldGroups(
  kind: ListKind | undefined,
  headers: readonly string[],
  chosen: Record<string, string>,
) {
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

export function listKindItems(chosen: string) {
  return LIST_KINDS.map((k) => ({
    value: k,
    text: LIST_KIND_LABELS[k],
    hint: LIST_KIND_HINTS[k] ? { text: LIST_KIND_HINTS[k] } : undefined,
    checked: k === chosen,
  }));
}

export function sampleView(fileName: string, sample: SampleFile): SampleView {
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

/** The mappings list: each mapping with the fields it maps, by their labels. */
export function mappingsView(mappings: ColumnMappingView[]) {
  return mappings.map((m) => ({
    ...m,
    fields: MAPPED_FIELDS.filter((f) => m.columns[f.key]).map((f) => f.label),
  }));
}

/** The mapping form as sent: its headers, the chosen kind, and the column chosen for each field. */
export function mappingFormInput(body: Record<string, unknown>) {
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
