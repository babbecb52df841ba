import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import { refreshPlannerStatistics } from '../../data/planner-statistics.ts';
import { inAnalyticsTransaction } from '../../data/transaction.ts';
import {
  type CohortDefinition,
  PLACEMENT_PATTERNS,
  wholeWordPattern,
} from '../../domain/cohort-definition.ts';

/**
 * A cohort as SQL over one snapshot: the children it lists, each with where their case is held on
 * the snapshot's date (team, service area, locality, worker and the worker's line manager), kept by
 * the definition's filters. Everything is computed in the database; callers count, group or draw
 * from it as a subquery. Statuses are read from episodes open on the snapshot's date: a child with
 * an open child protection plan is "on a CP plan" whatever else is open.
 */

export interface CohortScope {
  councilId: string;
  snapshotId: string;
  /** the snapshot's date: "now" for statuses, ages and durations */
  asOf: string;
}

/** The columns every cohort row has. */
export interface CohortRow {
  child_id: string;
  external_id: string;
  family_id: string | null;
  team_id: string | null;
  service_area_id: string | null;
  locality_id: string | null;
  practitioner_id: string | null;
  practitioner_manager_id: string | null;
}

/**
 * The latest snapshot of a council, which cohorts read, with its case summary up to date;
 * undefined before any case data is loaded.
 */
export async function latestScope(db: Db, councilId: string): Promise<CohortScope | undefined> {
  const row = await db
    .selectFrom('latest_snapshots')
    .select(['id', 'as_of'])
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  if (!row) return undefined;
  await ensureSnapshotCases(db, row.id, row.as_of);
  return { councilId, snapshotId: row.id, asOf: row.as_of };
}

/** A given snapshot of the council (to draw an earlier sample again), with its case summary. */
export async function snapshotScope(
  db: Db,
  councilId: string,
  snapshotId: string,
): Promise<CohortScope | undefined> {
  const row = await db
    .selectFrom('snapshots')
    .select(['id', 'as_of'])
    .where('id', '=', snapshotId)
    .where('council_id', '=', councilId)
    .where('state', '=', 'ready')
    .executeTakeFirst();
  if (!row) return undefined;
  await ensureSnapshotCases(db, row.id, row.as_of);
  return { councilId, snapshotId: row.id, asOf: row.as_of };
}

/**
 * Works out each listed child's case on the snapshot's date — the allocation then (the latest
 * started, a named worker first) and which kinds of episode are open — into snapshot_cases, when
 * the snapshot has changed since this was last done. Returns whether it had to.
 */
export async function ensureSnapshotCases(db: Db, snapshotId: string, asOf: string): Promise<boolean> {
  const built = await buildSnapshotCases(db, snapshotId, asOf);
  // Its statistics, once the summary has committed: a summary the planner takes for empty made a
  // draw from 400,000 open children twice as slow (1,085 → 496 ms). Inside a caller's transaction
  // the rows are not yet visible to the owner's connection, so that caller works the summary out
  // before its transaction begins (planSample, drawSample).
  if (built && !db.isTransaction) await refreshPlannerStatistics(db, ['snapshot_cases']);
  return built;
}

async function buildSnapshotCases(db: Db, snapshotId: string, asOf: string): Promise<boolean> {
  const fresh = async (x: Db) =>
    (
      await sql<{
        n: number;
      }>`select 1 as n from snapshot_case_builds b join snapshots s on s.id = b.snapshot_id
        where b.snapshot_id = ${snapshotId} and b.built_at >= s.updated_at`.execute(x)
    ).rows.length > 0;
  if (await fresh(db)) return false;
  return inAnalyticsTransaction(db, async (trx) => {
    // one at a time per snapshot; whoever waited finds it done
    await sql`select pg_advisory_xact_lock(hashtext(${`snapshot_cases:${snapshotId}`}))`.execute(trx);
    if (await fresh(trx)) return false;
    const builtAt = (await sql<{ t: Date }>`select clock_timestamp() as t`.execute(trx)).rows[0].t;
    const on = sql`${asOf}::date`;
    const openNow = sql`e.start_date <= ${on} and (e.end_date is null or e.end_date > ${on})`;
    await sql`delete from snapshot_cases where snapshot_id = ${snapshotId}`.execute(trx);
    await sql`insert into snapshot_cases (snapshot_id, child_id, external_id, team_id, staff_id, open_any,
        ${sql.join(OPEN_KINDS.map((k) => sql.ref(`open_${k}`)))})
      select ${snapshotId}, l.child_id, c.external_id, a.team_id, a.staff_id, coalesce(ep.open_any, false),
        ${sql.join(OPEN_KINDS.map((k) => sql`coalesce(${sql.ref(`ep.open_${k}`)}, false)`))}
      from (select distinct sc.child_id from snapshot_children sc where sc.snapshot_id = ${snapshotId}) l
      join children c on c.id = l.child_id
      left join (
        select e.child_id, bool_or(${openNow}) as open_any,
          ${sql.join(
            OPEN_KINDS.map((k) => sql`bool_or(e.kind = ${k} and ${openNow}) as ${sql.ref(`open_${k}`)}`),
            sql`, `,
          )}
        from child_episodes e where e.snapshot_id = ${snapshotId} group by e.child_id
      ) ep on ep.child_id = l.child_id
      left join (
        select distinct on (i.child_id) i.child_id, i.team_id, i.staff_id from child_involvements i
        where i.snapshot_id = ${snapshotId}
          and (i.start_date is null or i.start_date <= ${on}) and (i.end_date is null or i.end_date > ${on})
        order by i.child_id, i.start_date desc nulls last, i.staff_id is null, i.id
      ) a on a.child_id = l.child_id`.execute(trx);
    await sql`insert into snapshot_case_builds (snapshot_id, built_at) values (${snapshotId}, ${builtAt})
      on conflict (snapshot_id) do update set built_at = excluded.built_at`.execute(trx);
    return true;
  });
}

const PLAN_KINDS = ['cin_plan', 'cp_plan', 'cla', 'care_leaver', 'early_help'];
/** the kinds whose being open now a cohort can ask about */
const OPEN_KINDS = [...PLAN_KINDS, 'pre_proceedings'];

/** A cohort's rows, as a subquery: `select … from (${cohortSql(scope, d)}) cohort`. */
export function cohortSql(scope: CohortScope, d: CohortDefinition): RawBuilder<CohortRow> {
  const S = scope.snapshotId;
  const on = sql`${scope.asOf}::date`;
  const monthsAgo = (n: number) => sql`(${on} - make_interval(months => ${n}))::date`;
  // children with an episode of a kind meeting a condition on the episode alone: one set, hashed
  const episode = (kind: string, extra: RawBuilder<unknown> = sql`true`) =>
    sql`b.child_id in (select e.child_id from child_episodes e where e.snapshot_id = ${S} and e.kind = ${kind} and ${extra})`;
  // … and on the episode and the child together (their current CP plan), for each child kept so far
  const episodeOfChild = (kind: string, extra: RawBuilder<unknown>) =>
    sql`exists (select 1 from child_episodes e where e.snapshot_id = ${S} and e.child_id = b.child_id
      and e.kind = ${kind} and ${extra})`;
  const openNow = sql`e.start_date <= ${on} and (e.end_date is null or e.end_date > ${on})`;
  // the CP plan the cohort is about: the open one, else the latest
  const currentCp = sql`(select p.start_date from child_episodes p where p.snapshot_id = ${S} and p.child_id = b.child_id
      and p.kind = 'cp_plan' and p.start_date <= ${on}
      order by (p.end_date is null or p.end_date > ${on}) desc, p.start_date desc limit 1)`;

  const where: RawBuilder<unknown>[] = [];
  // what is open on the snapshot's date comes from one pass over the snapshot's episodes (b.open_*)
  const openCase = sql`(b.team_id is not null or b.practitioner_id is not null or b.open_any)`;
  if (d.excludeClosed) where.push(openCase);

  if (d.statuses.length) {
    const any: RawBuilder<unknown>[] = [];
    for (const status of d.statuses) {
      if (status === 'no_current_plan')
        any.push(
          sql`(${openCase} and not (${sql.join(
            PLAN_KINDS.map((k) => sql.ref(`b.open_${k}`)),
            sql` or `,
          )}))`,
        );
      else any.push(sql.ref(`b.open_${status === 'in_care' ? 'cla' : status}`));
    }
    where.push(sql`(${sql.join(any, sql` or `)})`);
  }
  if (d.serviceAreaIds.length) where.push(sql`b.service_area_id in (${sql.join(d.serviceAreaIds)})`);
  if (d.teamIds.length) where.push(sql`b.team_id in (${sql.join(d.teamIds)})`);
  if (d.localityIds.length) where.push(sql`b.locality_id in (${sql.join(d.localityIds)})`);

  if (d.cinPlanLongerThanMonths !== null)
    where.push(
      episode('cin_plan', sql`${openNow} and e.start_date < ${monthsAgo(d.cinPlanLongerThanMonths)}`),
    );
  // A period in care is told as one or more episodes, a new one at each change of placement or
  // legal status (SSDA903): a period starts with an episode that does not carry on from another.
  const startsPeriodInCare = sql`not exists (select 1 from child_episodes o where o.snapshot_id = ${S}
      and o.child_id = e.child_id and o.kind = 'cla' and o.start_date < e.start_date
      and (o.end_date is null or o.end_date >= e.start_date))`;
  if (d.cameIntoCareWithinMonths !== null)
    where.push(
      episode(
        'cla',
        sql`e.start_date <= ${on} and e.start_date > ${monthsAgo(d.cameIntoCareWithinMonths)} and ${startsPeriodInCare}`,
      ),
    );
  if (d.cpPlanStartedFrom || d.cpPlanStartedTo)
    where.push(
      episode(
        'cp_plan',
        sql`e.start_date >= ${d.cpPlanStartedFrom ?? '0001-01-01'}::date and e.start_date <= ${d.cpPlanStartedTo ?? '9999-12-31'}::date`,
      ),
    );
  if (d.referredWithinMonths !== null)
    where.push(
      episode(
        'cin_episode',
        sql`e.start_date <= ${on} and e.start_date > ${monthsAgo(d.referredWithinMonths)}`,
      ),
    );
  if (d.assessmentCompletedWithinMonths !== null)
    where.push(
      episode(
        'assessment',
        sql`e.end_date is not null and e.end_date <= ${on} and e.end_date > ${monthsAgo(d.assessmentCompletedWithinMonths)}`,
      ),
    );
  if (d.previousCpPlan)
    where.push(
      sql`(${episodeOfChild('cp_plan', sql`e.start_date < ${currentCp}`)}
        or ${episodeOfChild('cp_plan', sql`e.start_date = ${currentCp} and coalesce(e.attributes->>'previous_plans', '') ~ '^\\s*[1-9]'`)})`,
    );
  if (d.cpPlanAfter.length) {
    // the step up: a plan or early help begun before the CP plan and open when it began, or ended
    // at most the window before it (an episode is no longer open on its end date); or ever before
    const came =
      d.cpPlanAfterWhen === 'ever'
        ? sql`e.start_date < ${currentCp}`
        : sql`e.start_date < ${currentCp} and (e.end_date is null
            or e.end_date >= (${currentCp} - make_interval(months => ${d.cpPlanAfterWithinMonths}))::date)`;
    where.push(
      sql`(${sql.join(
        d.cpPlanAfter.map((kind) => episodeOfChild(kind, came)),
        sql` or `,
      )})`,
    );
  }
  if (d.cpCategoryWords.length)
    where.push(
      episodeOfChild(
        'cp_plan',
        sql`e.start_date = ${currentCp} and concat_ws(' ', e.attributes->>'initial_category', e.attributes->>'latest_category', e.detail)
          ~* any (array[${sql.join(d.cpCategoryWords.map(wholeWordPattern))}]::text[])`,
      ),
    );
  if (d.repeatOf.length)
    where.push(
      sql`(${sql.join(
        d.repeatOf.map(
          (kind) => sql`(select count(distinct e.start_date) from child_episodes e where e.snapshot_id = ${S}
            and e.child_id = b.child_id and e.kind = ${kind} and e.start_date <= ${on}
            ${kind === 'cla' ? sql`and ${startsPeriodInCare}` : sql``}) >= 2`,
        ),
        sql` or `,
      )})`,
    );
  if (d.placementKinds.length) {
    const text = sql`coalesce(pl.placement_type, '')`;
    const matches = (kind: keyof typeof PLACEMENT_PATTERNS) =>
      kind === 'unregistered'
        ? sql`(${text} ~* ${PLACEMENT_PATTERNS.unregistered} or coalesce(pl.provider, '') ~* ${PLACEMENT_PATTERNS.unregistered})`
        : sql`${text} ~* ${PLACEMENT_PATTERNS[kind]}`;
    // a placement is the first kind it matches, in this order: unregistered, foster, residential
    const kindOf = sql`case when ${matches('unregistered')} then 'unregistered' when ${matches('foster')} then 'foster'
      when ${matches('residential')} then 'residential' else 'other' end`;
    where.push(
      sql`exists (select 1 from child_placements pl where pl.snapshot_id = ${S} and pl.child_id = b.child_id
        and pl.start_date <= ${on} and (pl.end_date is null or pl.end_date > ${on})
        and ${kindOf} in (${sql.join(d.placementKinds)}))`,
    );
  }
  if (d.ageFrom !== null)
    where.push(sql`b.date_of_birth <= (${on} - make_interval(years => ${d.ageFrom}))::date`);
  if (d.ageTo !== null)
    where.push(sql`b.date_of_birth > (${on} - make_interval(years => ${d.ageTo + 1}))::date`);
  if (d.disability !== 'any') where.push(sql`b.disability = ${d.disability === 'yes'}`);
  if (d.uasc !== 'any') where.push(sql`b.uasc = ${d.uasc === 'yes'}`);
  if (d.ethnicities.length)
    where.push(sql`lower(b.ethnicity) in (${sql.join(d.ethnicities.map((e) => e.toLowerCase()))})`);
  if (d.excludeAuditedWithinMonths !== null) {
    const since = sql`date_trunc('month', ${monthsAgo(d.excludeAuditedWithinMonths)})::date`;
    where.push(sql`not exists (select 1 from audits a join programme_months m on m.id = a.month_id
        where a.council_id = ${scope.councilId} and a.child_id = b.child_id and a.status <> 'exempted' and m.month >= ${since})`);
    where.push(sql`not exists (select 1 from audit_history h where h.council_id = ${scope.councilId}
        and h.child_ref = b.external_id and h.status <> 'exempted' and h.month >= ${since})`);
  }

  // The child's own row is joined only for what needs it (the family, or a filter on the child's
  // details): a left join on its key that nothing reads is left out by the planner, so all open
  // cases, or a status, team or worker, are read from the snapshot's case summary alone. The
  // summary holds only the snapshot's children, and the snapshot is the council's.
  return sql<CohortRow>`select b.child_id, b.external_id, b.family_id, b.team_id, b.service_area_id, b.locality_id,
      b.practitioner_id, b.practitioner_manager_id
    from (
      select k.child_id, k.external_id, c.family_id, c.date_of_birth, c.ethnicity, c.disability, c.uasc,
        k.team_id, t.service_area_id, t.locality_id, k.staff_id as practitioner_id,
        w.line_manager_id as practitioner_manager_id, k.open_any,
        ${sql.join(
          OPEN_KINDS.map((kind) => sql.ref(`k.open_${kind}`)),
          sql`, `,
        )}
      from snapshot_cases k
      left join children c on c.id = k.child_id
      left join teams t on t.id = k.team_id
      left join staff w on w.id = k.staff_id
      where k.snapshot_id = ${S}
    ) b
    ${where.length ? sql`where ${sql.join(where, sql` and `)}` : sql``}`;
}

export interface CohortGroup {
  id: string | null;
  name: string;
  children: number;
}

export interface CohortBreakdown {
  scope: CohortScope;
  children: number;
  /** families counted once each; a child with no family recorded is a family of one */
  families: number;
  byTeam: CohortGroup[];
  byServiceArea: CohortGroup[];
  byLocality: CohortGroup[];
}

/**
 * The cohort's size and where its children are, before anything is drawn: one query, grouped by
 * team; a team belongs to one service area and locality, so those are summed from the teams.
 */
export function cohortBreakdown(db: Db, scope: CohortScope, d: CohortDefinition): Promise<CohortBreakdown> {
  return inAnalyticsTransaction(db, (trx) => breakdownIn(trx, scope, d));
}

async function breakdownIn(db: Db, scope: CohortScope, d: CohortDefinition): Promise<CohortBreakdown> {
  const { rows } = await sql<{
    team_id: string | null;
    children: number;
    families: number;
  }>`with x as materialized (select k.team_id, coalesce(k.family_id, k.child_id) as family
        from (${cohortSql(scope, d)}) k)
      select x.team_id, count(*)::int as children,
        (select count(*)::int from (select 1 from x y group by y.family) f) as families
      from x group by x.team_id`.execute(db);
  const [teams, areas, localities] = await Promise.all([
    db
      .selectFrom('teams')
      .select(['id', 'name', 'service_area_id', 'locality_id'])
      .where('council_id', '=', scope.councilId)
      .execute(),
    db.selectFrom('service_areas').select(['id', 'name']).where('council_id', '=', scope.councilId).execute(),
    db.selectFrom('localities').select(['id', 'name']).where('council_id', '=', scope.councilId).execute(),
  ]);
  const team = new Map(teams.map((t) => [t.id, t]));
  const names = new Map([...areas, ...localities].map((x) => [x.id, x.name]));
  const sum = (key: (teamId: string | null) => string | null, none: string) => {
    const out = new Map<string | null, number>();
    for (const r of rows) out.set(key(r.team_id), (out.get(key(r.team_id)) ?? 0) + r.children);
    return [...out]
      .map(([id, children]) => ({
        id,
        name: id ? (names.get(id) ?? team.get(id)?.name ?? none) : none,
        children,
      }))
      .sort((a, b) => b.children - a.children || a.name.localeCompare(b.name));
  };
  return {
    scope,
    children: rows.reduce((a, r) => a + r.children, 0),
    families: rows[0]?.families ?? 0,
    byTeam: sum((id) => id, 'No team recorded'),
    byServiceArea: sum(
      (id) => (id ? (team.get(id)?.service_area_id ?? null) : null),
      'No service area recorded',
    ),
    byLocality: sum((id) => (id ? (team.get(id)?.locality_id ?? null) : null), 'No locality recorded'),
  };
}
