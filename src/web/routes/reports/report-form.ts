/**
 * The months-and-filters form every report and dashboard page has: read from the query string,
 * checked (a month range backwards, a month that is not one, a filter naming something the council
 * does not have), and held to what the person may see (src/metrics/report-scope.ts).
 */
import { z } from 'zod';
import type { Db } from '../../../data/db.ts';
import { addMonths } from '../../../domain/dates.ts';
import {
  checkMonths,
  describeFilters,
  foreignFilter,
  REPORT_KINDS,
  type ReportFilters,
} from '../../../metrics/audit-facts.ts';
import type { ReportParams } from '../../../reports/report-base.ts';
import type { SignedInUser } from '../../../services/organisation/auth.ts';

export { checkMonths };

import { ACTIVITY_KIND_LABELS, type ReturnsKind } from '../../../domain/activity-kinds.ts';
import type { FieldError } from '../../../domain/validation.ts';
import type { ReportScope } from '../../../metrics/report-scope.ts';

const text = z.string().trim().optional().catch(undefined);
const id = z.uuid().optional().catch(undefined);

export const reportQuery = z.object({
  from: text,
  to: text,
  serviceArea: z
    .union([z.literal(''), z.uuid()])
    .optional()
    .catch('invalid'),
  team: z
    .union([z.literal(''), z.uuid()])
    .optional()
    .catch('invalid'),
  locality: z
    .union([z.literal(''), z.uuid()])
    .optional()
    .catch('invalid'),
  worker: z
    .union([z.literal(''), z.uuid()])
    .optional()
    .catch('invalid'),
  kind: z.string().optional().catch('invalid'),
  public: z.string().optional().catch(undefined),
  month: id,
});

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

/** The default range: the programme year under way (to this month), else the last twelve months. */
export async function defaultRange(db: Db, councilId: string, today: string) {
  const thisMonth = `${today.slice(0, 7)}-01`;
  const year = await db
    .selectFrom('programme_years')
    .select('starts_on')
    .where('council_id', '=', councilId)
    .where('starts_on', '<=', today)
    .where('ends_on', '>=', today)
    .executeTakeFirst();
  const from = year ? `${String(year.starts_on).slice(0, 7)}-01` : addMonths(thisMonth, -11);
  return { from: from.slice(0, 7), to: thisMonth.slice(0, 7) };
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
  user: SignedInUser,
  scope: ReportScope,
  query: unknown,
  today: string,
): Promise<ReportForm> {
  const q = reportQuery.parse(query ?? {});
  const defaults = await defaultRange(db, user.councilId, today);
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
  const filters: ReportFilters = {};
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
  const foreign = errors.length ? null : await foreignFilter(db, user.councilId, filters);
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
      filterWords: await describeFilters(db, user.councilId, filters),
      councilName: user.councilName,
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

/** The lists the form's selects offer: the council's service areas, teams, localities and workers. */
export async function filterOptions(db: Db, councilId: string, scope: ReportScope) {
  const [areas, teams, localities, workers] = await Promise.all([
    db
      .selectFrom('service_areas')
      .select(['id', 'name'])
      .where('council_id', '=', councilId)
      .orderBy('name')
      .execute(),
    db
      .selectFrom('teams')
      .select(['id', 'name', 'service_area_id'])
      .where('council_id', '=', councilId)
      .$if(Boolean(scope.fixed.serviceAreaId), (q) =>
        q.where('service_area_id', '=', scope.fixed.serviceAreaId as string),
      )
      .orderBy('name')
      .execute(),
    db
      .selectFrom('localities')
      .select(['id', 'name'])
      .where('council_id', '=', councilId)
      .orderBy('name')
      .execute(),
    scope.publicationOnly
      ? Promise.resolve([])
      : db
          .selectFrom('staff as s')
          .innerJoin('staff_roles as r', 'r.staff_id', 's.id')
          .select(['s.id', 's.name'])
          .where('s.council_id', '=', councilId)
          .where('r.role', '=', 'practitioner')
          .$if(Boolean(scope.fixed.teamId), (q) => q.where('s.team_id', '=', scope.fixed.teamId as string))
          .$if(Boolean(scope.fixed.serviceAreaId), (q) =>
            q.where('s.team_id', 'in', (eb) =>
              eb
                .selectFrom('teams')
                .select('id')
                .where('service_area_id', '=', scope.fixed.serviceAreaId as string),
            ),
          )
          .orderBy('s.name')
          .execute(),
  ]);
  return {
    areas,
    teams,
    localities,
    workers,
    kinds: Object.entries(ACTIVITY_KIND_LABELS).map(([value, name]) => ({ value, name })),
  };
}
