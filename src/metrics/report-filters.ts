/**
 * What the months-and-filters form of every report and dashboard page offers and starts from: the
 * default range of months, and the council's service areas, teams, localities and workers to choose
 * from, held to what the person may see (report-scope.ts).
 */
import type { Db } from '../data/db.ts';
import { ACTIVITY_KIND_LABELS } from '../domain/activity-kinds.ts';
import { addMonths } from '../domain/dates.ts';
import type { ReportScope } from './report-scope.ts';

export { checkMonths } from './audit-facts.ts';

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

export type FilterOptions = Awaited<ReturnType<typeof filterOptions>>;
