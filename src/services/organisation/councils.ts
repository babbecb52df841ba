import { sql } from 'kysely';
import { belongsToCouncil } from '../../data/council-scope.ts';
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import { installCouncilDefaults } from '../programme/tools.ts';
import { ensureExampleCohorts } from '../sampling/cohorts.ts';
import { installQaServices } from '../service-qa/qa-services.ts';

export interface Council {
  id: string;
  code: string;
  name: string;
  isDemo: boolean;
}

/**
 * A new council, with its starting kit of grade scales, audit tools, practice themes, example cohorts
 * and the services whose QA is collated.
 */
export async function createCouncil(db: Db, input: { code: string; name: string; isDemo?: boolean }) {
  return inTransaction(db, async (trx) => {
    const row = await trx
      .insertInto('councils')
      .values({ code: input.code, name: input.name, is_demo: input.isDemo ?? false })
      .returning(['id', 'code', 'name', 'is_demo'])
      .executeTakeFirstOrThrow();
    await installCouncilDefaults(trx, row.id);
    await ensureExampleCohorts(trx, row.id);
    await installQaServices(trx, row.id);
    return { id: row.id, code: row.code, name: row.name, isDemo: row.is_demo } satisfies Council;
  });
}

export async function getCouncil(db: Db, councilId: string): Promise<Council | undefined> {
  const row = await db.selectFrom('councils').selectAll().where('id', '=', councilId).executeTakeFirst();
  return row && { id: row.id, code: row.code, name: row.name, isDemo: row.is_demo };
}

export async function countCouncils(db: Db): Promise<number> {
  const row = await db
    .selectFrom('councils')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function addLocality(db: Db, councilId: string, name: string): Promise<string> {
  const row = await db
    .insertInto('localities')
    .values({ council_id: councilId, name })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function addServiceArea(db: Db, councilId: string, name: string): Promise<string> {
  const row = await db
    .insertInto('service_areas')
    .values({ council_id: councilId, name })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface NewTeam {
  name: string;
  serviceAreaId: string;
  localityId?: string | null;
  externalId?: string | null;
}

export async function addTeam(db: Db, councilId: string, team: NewTeam): Promise<string> {
  return inTransaction(db, async (trx) => {
    if (!(await belongsToCouncil(trx, 'service_areas', team.serviceAreaId, councilId)))
      throw new Error('The service area is not one of this council’s');
    if (team.localityId && !(await belongsToCouncil(trx, 'localities', team.localityId, councilId))) {
      throw new Error('The locality is not one of this council’s');
    }
    const row = await trx
      .insertInto('teams')
      .values({
        council_id: councilId,
        name: team.name,
        service_area_id: team.serviceAreaId,
        locality_id: team.localityId ?? null,
        external_id: team.externalId ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
}

export interface TeamSummary {
  id: string;
  name: string;
  serviceArea: string;
  serviceAreaId: string;
  locality: string | null;
  staff: number;
  openChildren: number;
}

/** Teams with their service area, locality, staff count and open children; for pages and forms. */
export async function listTeams(db: Db, councilId: string): Promise<TeamSummary[]> {
  const rows = await db
    .selectFrom('teams as t')
    .innerJoin('service_areas as sa', 'sa.id', 't.service_area_id')
    .leftJoin('localities as l', 'l.id', 't.locality_id')
    .where('t.council_id', '=', councilId)
    .select([
      't.id',
      't.name',
      'sa.name as service_area',
      'sa.id as service_area_id',
      'l.name as locality',
      sql<number>`(select count(*) from staff s where s.team_id = t.id and s.active)`.as('staff'),
      sql<number>`(select count(distinct ci.child_id) from child_involvements ci where ci.team_id = t.id and ci.end_date is null and ci.snapshot_id = (select ls.id from latest_snapshots ls where ls.council_id = t.council_id))`.as(
        'open_children',
      ),
    ])
    .orderBy('sa.name')
    .orderBy('t.name')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    serviceArea: r.service_area,
    serviceAreaId: r.service_area_id,
    locality: r.locality,
    staff: Number(r.staff),
    openChildren: Number(r.open_children),
  }));
}

export async function listNamed(db: Db, councilId: string, table: 'localities' | 'service_areas') {
  return db
    .selectFrom(table)
    .select(['id', 'name'])
    .where('council_id', '=', councilId)
    .orderBy('name')
    .execute();
}

/** The organisation page: teams, localities and service areas, with the council's totals. */
export async function organisationPage(db: Db, councilId: string) {
  const [teams, localities, serviceAreas] = await Promise.all([
    listTeams(db, councilId),
    listNamed(db, councilId, 'localities'),
    listNamed(db, councilId, 'service_areas'),
  ]);
  return {
    teams,
    localities,
    serviceAreas,
    totals: {
      staff: teams.reduce((s, t) => s + t.staff, 0),
      openChildren: teams.reduce((s, t) => s + t.openChildren, 0),
    },
  };
}
