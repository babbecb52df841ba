/**
 * The months-and-filters form every report and dashboard page has: read from the query string,
 * checked (a month range backwards, a month that is not one, a filter naming something the council
 * does not have), and held to what the person may see (src/metrics/report-scope.ts).
 */
import { z } from 'zod';
import type { Db } from '../data/db.ts';
import type { ReturnsKind } from '../domain/activity-kinds.ts';
import type { FieldError } from '../domain/validation.ts';
import {
  checkMonths,
  describeFilters,
  foreignFilter,
  REPORT_KINDS,
  type ReportFilters,
} from '../metrics/audit-facts.ts';
import { defaultRange } from '../metrics/report-filters.ts';
import type { ReportScope } from '../metrics/report-scope.ts';
import type { ReportParams } from './report-base.ts';

const text = z.string().trim().optional().catch(undefined);
/** A filter chosen from a list: '' for none; 'invalid' when what was sent is not an identifier. */
const choice = z
  .union([z.literal(''), z.uuid()])
  .optional()
  .catch('invalid');

/**
 * The form's query string. Never refused: a value that cannot be used is left out or marked
 * 'invalid', and readReportForm says what is wrong with it.
 */
export const reportQuery = z.object({
  from: text,
  to: text,
  serviceArea: choice,
  team: choice,
  locality: choice,
  worker: choice,
  kind: z.string().optional().catch('invalid'),
  public: z.string().optional().catch(undefined),
  month: z.uuid().optional().catch(undefined),
});

export type ReportQuery = z.output<typeof reportQuery>;

export interface ReportFormValues {
  from: string;
  to: string;
  serviceArea: string;
  team: string;
  locality: string;
  worker: string;
  kind: string;
  public: boolean;
}

export interface ReportForm {
  values: ReportFormValues;
  errors: FieldError[];
  /** set when there are no errors */
  params?: ReportParams;
}

/**
 * Reads the form. Filters the person's scope holds them to replace what they chose; a filter that
 * names nothing in their council is an error on its field.
 */
export async function readReportForm(
  db: Db,
  person: { councilId: string; councilName: string },
  scope: ReportScope,
  q: ReportQuery,
  today: string,
): Promise<ReportForm> {
  const defaults = await defaultRange(db, person.councilId, today);
  const values: ReportFormValues = {
    from: q.from || defaults.from,
    to: q.to || defaults.to,
    serviceArea: scope.fixed.serviceAreaId ?? q.serviceArea ?? '',
    team: scope.fixed.teamId ?? q.team ?? '',
    locality: q.locality ?? '',
    worker: scope.publicationOnly ? '' : (q.worker ?? ''),
    kind: q.kind ?? '',
    public: scope.publicationOnly || q.public === '1' || q.public === 'yes',
  };
  const errors: FieldError[] = checkMonths(values.from, values.to);
  // the audits the person is moderating blind are left out of every figure they see
  const filters: ReportFilters = scope.fixed.viewerId ? { viewerId: scope.fixed.viewerId } : {};
  const field = (name: keyof ReportFormValues, key: keyof ReportFilters, label: string) => {
    const v = values[name];
    if (v === '') return;
    if (v === 'invalid') {
      errors.push({ field: name, message: `Choose a ${label} from the list` });
      return;
    }
    (filters as Record<string, string>)[key] = v as string;
  };
  if (values.public) {
    // no team or worker is named below service level in a report for publication
    for (const name of ['team', 'worker'] as const) {
      if (values[name] && !scope.fixed.teamId) {
        // those who only ever get reports for publication are never offered the choice
        if (!scope.publicationOnly) {
          errors.push({
            field: name,
            message: `A report for publication cannot be narrowed to a ${name}: choose a service area or locality instead`,
          });
        }
        values[name] = '';
      }
    }
  }
  field('serviceArea', 'serviceAreaId', 'service area');
  field('team', 'teamId', 'team');
  field('locality', 'localityId', 'locality');
  field('worker', 'workerId', 'worker');
  if (values.kind) {
    if ((REPORT_KINDS as readonly string[]).includes(values.kind)) filters.kind = values.kind as ReturnsKind;
    else errors.push({ field: 'kind', message: 'Choose a kind of activity from the list' });
  }
  const foreign = errors.length ? null : await foreignFilter(db, person.councilId, filters);
  if (foreign) {
    const words = { serviceArea: 'service area', team: 'team', locality: 'locality', worker: 'worker' }[
      foreign
    ];
    errors.push({ field: foreign, message: `Choose a ${words} from the list` });
  }
  if (errors.length) return { values, errors };
  return {
    values,
    errors,
    params: {
      from: values.from,
      to: values.to,
      filters,
      filterWords: await describeFilters(db, person.councilId, filters),
      councilName: person.councilName,
      publication: values.public,
      today,
    },
  };
}

/** The query string of a form's values, for links to the same report in another format. */
export function reportQueryString(values: ReportFormValues, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...values, ...extra })) {
    if (k === 'public') {
      if (v === true) params.set('public', '1');
    } else if (v) params.set(k, String(v));
  }
  return params.toString();
}
