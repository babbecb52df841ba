import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../data/db.ts';
import { ACTIVITY_KIND_LABELS, type ReturnsKind } from '../domain/activity-kinds.ts';
import { addMonths, type IsoDate } from '../domain/dates.ts';
import { BUILTIN_SCALES } from '../domain/grade-scales.ts';
import type { MonthRange } from '../domain/month-range.ts';

/**
 * The rows every report counts (domain.md §6): one per allocated audit, whether it was done in QA
 * Loop or imported as audit history, with who and where (auditor, team, service area, locality,
 * worker), its kind, its final grade (the moderation panel's where moderated) and the child's
 * characteristics for the equality view.
 *
 * The two sources never overlap: a month with audits in QA Loop is counted from them alone, a month
 * without from its history. History names (an auditor, a team…) are matched to QA Loop's people and
 * organisation by name or identifier, case and spacing ignored, so a worker's audits of both years
 * count together; a name that matches nobody is a group of its own ('name:…' key).
 */

/** Filters every report takes; each names one of the council's own rows (checked by resolveFilters). */
export interface ReportFilters {
  serviceAreaId?: string;
  teamId?: string;
  /** the case-holding worker (practitioner) */
  workerId?: string;
  localityId?: string;
  kind?: ReturnsKind;
  /**
   * Who the figures are for (a staff id): the audits they are moderating blind (allocated to them to
   * re-grade, the re-grade not yet submitted) are left out of every figure, so no report narrowed to
   * one audit gives its grade away (domain.md §4). Set from the person's report scope.
   */
  viewerId?: string;
}

/** A filter as a person writes it: a name (or identifier) rather than a database id. */
export interface FilterNames {
  serviceArea?: string;
  team?: string;
  worker?: string;
  locality?: string;
  kind?: string;
}

/** A filter names something the council does not have: the message says what, for exit 2 or a form. */
export class ReportFilterError extends Error {
  readonly field: keyof FilterNames;
  constructor(field: keyof FilterNames, message: string) {
    super(message);
    this.field = field;
  }
}

/** The kinds of activity a report can be narrowed to (the keys of ACTIVITY_KIND_LABELS). */
export const REPORT_KINDS: readonly ReturnsKind[] = [
  'full_audit',
  'dip_sample',
  'themed',
  'multi_agency',
  're_audit',
];

/** Scales' good-or-better grades, for history rows, which use the built-in scales only. */
const BUILTIN_GOOD = BUILTIN_SCALES.flatMap((s) => s.grades.filter((g) => g.goodOrBetter).map((g) => g.key));
/** Each built-in grade's order (1 is the best), for history rows. */
const BUILTIN_ORDER = BUILTIN_SCALES.flatMap((s) => s.grades.map((g) => [s.key, g.key, g.order] as const));

/** A name as a key: case and runs of spaces ignored; null when empty. */
export function nameKeySql(column: RawBuilder<unknown>) {
  return sql`'name:' || regexp_replace(lower(nullif(btrim(${column}), '')), '\\s+', ' ', 'g')`;
}

const squash = (column: RawBuilder<unknown>) =>
  sql`regexp_replace(lower(btrim(${column})), '\\s+', ' ', 'g')`;

/**
 * Turns names into ids, refusing any that names nothing in the council. Names are matched whatever
 * their case or spacing; a worker may also be given by their staff identifier.
 */
export async function resolveFilters(db: Db, councilId: string, names: FilterNames): Promise<ReportFilters> {
  const filters: ReportFilters = {};
  const find = async (
    table: 'service_areas' | 'teams' | 'localities' | 'staff',
    value: string,
  ): Promise<string | undefined> => {
    const row = await sql<{ id: string }>`
      select id from ${sql.table(table)}
      where council_id = ${councilId}
        and (${squash(sql.ref('name'))} = ${squash(sql`${value}::text`)}
          ${table === 'staff' || table === 'teams' ? sql`or external_id = ${value.trim()}` : sql``})
      order by id limit 1`.execute(db);
    return row.rows[0]?.id;
  };
  if (names.serviceArea !== undefined) {
    filters.serviceAreaId = await find('service_areas', names.serviceArea);
    if (!filters.serviceAreaId)
      throw new ReportFilterError('serviceArea', `No service area is called "${names.serviceArea}"`);
  }
  if (names.team !== undefined) {
    filters.teamId = await find('teams', names.team);
    if (!filters.teamId) throw new ReportFilterError('team', `No team is called "${names.team}"`);
  }
  if (names.locality !== undefined) {
    filters.localityId = await find('localities', names.locality);
    if (!filters.localityId)
      throw new ReportFilterError('locality', `No locality is called "${names.locality}"`);
  }
  if (names.worker !== undefined) {
    filters.workerId = await find('staff', names.worker);
    if (!filters.workerId)
      throw new ReportFilterError('worker', `No worker is called or has the identifier "${names.worker}"`);
  }
  if (names.kind !== undefined) {
    const kind = names.kind
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_');
    const match = REPORT_KINDS.find((k) => k === kind || (kind === 'full' && k === 'full_audit'));
    if (!match)
      throw new ReportFilterError(
        'kind',
        `"${names.kind}" is not a kind of activity: use ${REPORT_KINDS.join(', ')}`,
      );
    filters.kind = match;
  }
  return filters;
}

/**
 * The first filter whose id is not the council's own (for filters chosen from a page's lists), or
 * null when every one is.
 */
export async function foreignFilter(
  db: Db,
  councilId: string,
  filters: ReportFilters,
): Promise<'serviceArea' | 'team' | 'locality' | 'worker' | null> {
  const checks = [
    ['service_areas', filters.serviceAreaId, 'serviceArea'],
    ['teams', filters.teamId, 'team'],
    ['localities', filters.localityId, 'locality'],
    ['staff', filters.workerId, 'worker'],
  ] as const;
  for (const [table, id, field] of checks) {
    if (!id) continue;
    const row = await sql<{ id: string }>`
      select id from ${sql.table(table)} where id = ${id} and council_id = ${councilId}`.execute(db);
    if (!row.rows.length) return field;
  }
  return null;
}

/** The names of the filters, for a report's title: "Safeguarding North team, full case file audits". */
export async function describeFilters(db: Db, councilId: string, filters: ReportFilters): Promise<string[]> {
  const out: string[] = [];
  const name = async (table: string, id: string) =>
    (
      await sql<{ name: string }>`
      select name from ${sql.table(table)} where id = ${id} and council_id = ${councilId}`.execute(db)
    ).rows[0]?.name ?? 'unknown';
  if (filters.serviceAreaId) out.push(`${await name('service_areas', filters.serviceAreaId)} service area`);
  if (filters.localityId) out.push(`${await name('localities', filters.localityId)} locality`);
  if (filters.teamId) out.push(`${await name('teams', filters.teamId)} team`);
  if (filters.workerId) out.push(`children held by ${await name('staff', filters.workerId)}`);
  if (filters.kind) out.push(`${ACTIVITY_KIND_LABELS[filters.kind].toLowerCase()}s`);
  return out;
}

const MONTH = /^(20\d{2})-(0[1-9]|1[0-2])$/;
/** The longest range a report covers: ten years of months. */
export const MAX_MONTHS = 120;

/** Checks a month range as typed: each a month, the first not after the last, at most MAX_MONTHS. */
export function checkMonths(
  from: string,
  to: string,
  max = MAX_MONTHS,
): { field: 'from' | 'to'; message: string }[] {
  const errors: { field: 'from' | 'to'; message: string }[] = [];
  if (!MONTH.test(from))
    errors.push({
      field: 'from',
      message: 'Enter the first month as a year from 2000 and a month, like 2026-04',
    });
  if (!MONTH.test(to))
    errors.push({
      field: 'to',
      message: 'Enter the last month as a year from 2000 and a month, like 2027-03',
    });
  if (errors.length === 0 && from > to)
    errors.push({ field: 'to', message: 'The last month must be the same as or after the first month' });
  if (errors.length === 0 && to > addMonths(`${from}-01`, max - 1).slice(0, 7))
    errors.push({ field: 'to', message: `Choose a range of ${max} months or fewer` });
  return errors;
}

/** The columns of a fact row (see allocationFacts). */
export interface FactRow {
  month: IsoDate;
  source: 'audits' | 'history';
  /** the audit's id, or the history row's id */
  ref: string;
  /** QA Loop's audit (null for history) */
  audit_id: string | null;
  /** the history row (null for QA Loop's audits) */
  history_id: string | null;
  /** as QA Loop's audits say it: unallocated, allocated, in_progress, submitted, exempted */
  status: string;
  kind: ReturnsKind;
  auditor_key: string | null;
  auditor: string | null;
  team_key: string | null;
  team: string | null;
  area_key: string | null;
  service_area: string | null;
  locality_key: string | null;
  locality: string | null;
  worker_key: string | null;
  worker: string | null;
  scale_key: string | null;
  final_grade: string | null;
  /** 1 is the best */
  final_order: number | null;
  final_good: boolean | null;
  moderated: boolean;
  child_id: string | null;
  ethnicity: string | null;
  disability: boolean | null;
  uasc: boolean | null;
  gender: string | null;
  date_of_birth: IsoDate | null;
}

const orderOfHistoryGrade = (scale: RawBuilder<unknown>, grade: RawBuilder<unknown>) =>
  sql`case ${sql.join(
    BUILTIN_ORDER.map(([s, g, o]) => sql`when ${scale} = ${s} and ${grade} = ${g} then ${o}::int`),
    sql` `,
  )} end`;

/** A moderation of the audit allocated to the person and not yet re-graded: they are moderating it blind. */
const moderatingBlind = (auditId: RawBuilder<unknown>, staffId: string) =>
  sql`select 1 from moderations mb where mb.audit_id = ${auditId} and mb.moderator_id = ${staffId}
    and mb.status = 'allocated'`;

/**
 * The council's rows of a kind with each name as a key (see squash), worked out once per query
 * rather than once for every history row they are compared with.
 */
const keyedNames = (table: string, councilId: string) =>
  sql`select x.id, ${squash(sql`x.name`)} as name_key, ${
    table === 'staff' || table === 'teams' ? sql`x.external_id` : sql`null::text`
  } as external_id from ${sql.table(table)} x where x.council_id = ${councilId}`;

/**
 * The council's rows of a kind by key, the first by id order for each key: `by` is 'name_key' or
 * 'external_id' of the kind's keyedNames. A history name is matched by looking it up here (a hash
 * join) rather than by comparing it with every row of the kind: 386 history rows against 158 staff
 * took 11.5 ms of a dashboard query that way.
 */
const firstByKey = (keyed: string, by: 'name_key' | 'external_id') =>
  sql`select distinct on (x.${sql.ref(by)}) x.${sql.ref(by)} as k, x.id from ${sql.table(keyed)} x
    where x.${sql.ref(by)} is not null order by x.${sql.ref(by)}, x.id`;

/**
 * The history row's name matched to the council's row of that kind: the first by id order whose
 * name key is the name's key, or (staff and teams) whose identifier is the trimmed name. The
 * lookups are joined in `matched_history` as `<column>_by_name` and `<column>_by_id`.
 *
 * Each match is worked out in a CTE of its own (`matched_history`) and only then joined by id. Joined
 * as `staff.id = (subquery)` instead, row-level security kept PostgreSQL from using the primary key
 * (a subquery is not leakproof, so it cannot go before the council policy): for the app's role the
 * planner compared every history row with every member of staff, and the quality dashboard's
 * section query took 1.8 s where the owner's took 58 ms.
 */
const matchedJoins = () =>
  sql.join(
    HISTORY_NAMES.map((column) => {
      const keyed = HISTORY_KEYED[column];
      const byName = sql`left join ${sql.table(`${keyed}_by_name`)} ${sql.ref(`${column}_by_name`)}
        on ${sql.ref(`${column}_by_name.k`)} = ${sql.ref(`h.${column}_key`)}`;
      return matchesById(column)
        ? sql`${byName} left join ${sql.table(`${keyed}_by_id`)} ${sql.ref(`${column}_by_id`)}
            on ${sql.ref(`${column}_by_id.k`)} = ${sql.ref(`h.${column}_trim`)}`
        : byName;
    }),
    sql` `,
  );

/** The match of one history column (see matchedJoins): the lower id when both lookups find one. */
const matched = (column: HistoryName) =>
  matchesById(column)
    ? sql`least(${sql.ref(`${column}_by_name.id`)}, ${sql.ref(`${column}_by_id.id`)})`
    : sql`${sql.ref(`${column}_by_name.id`)}`;

const HISTORY_NAMES = ['auditor', 'practitioner', 'team', 'service_area', 'locality'] as const;
type HistoryName = (typeof HISTORY_NAMES)[number];
/** The council's rows each history name is matched with (keyedNames, as named in allocationFacts). */
const HISTORY_KEYED: Record<HistoryName, string> = {
  auditor: 'staff_names',
  practitioner: 'staff_names',
  team: 'team_names',
  service_area: 'area_names',
  locality: 'locality_names',
};
/** Staff and teams have identifiers too: a history name may be one. */
const matchesById = (column: HistoryName) =>
  HISTORY_KEYED[column] === 'staff_names' || HISTORY_KEYED[column] === 'team_names';

/**
 * One row per allocated audit of the months in the range, from QA Loop's audits or else the history,
 * narrowed by the filters. A subquery: select from it and group as a report needs.
 */
export function allocationFacts(councilId: string, range: MonthRange, filters: ReportFilters = {}) {
  const where = (prefix: 'f') => {
    const parts: RawBuilder<unknown>[] = [];
    if (filters.serviceAreaId) parts.push(sql`${sql.ref(`${prefix}.area_key`)} = ${filters.serviceAreaId}`);
    if (filters.teamId) parts.push(sql`${sql.ref(`${prefix}.team_key`)} = ${filters.teamId}`);
    if (filters.localityId) parts.push(sql`${sql.ref(`${prefix}.locality_key`)} = ${filters.localityId}`);
    if (filters.workerId) parts.push(sql`${sql.ref(`${prefix}.worker_key`)} = ${filters.workerId}`);
    if (filters.kind) parts.push(sql`${sql.ref(`${prefix}.kind`)} = ${filters.kind}`);
    return parts.length ? sql`where ${sql.join(parts, sql` and `)}` : sql``;
  };
  return sql<FactRow>`(with
    staff_names as materialized (${keyedNames('staff', councilId)}),
    team_names as materialized (${keyedNames('teams', councilId)}),
    area_names as materialized (${keyedNames('service_areas', councilId)}),
    locality_names as materialized (${keyedNames('localities', councilId)}),
    staff_names_by_name as materialized (${firstByKey('staff_names', 'name_key')}),
    staff_names_by_id as materialized (${firstByKey('staff_names', 'external_id')}),
    team_names_by_name as materialized (${firstByKey('team_names', 'name_key')}),
    team_names_by_id as materialized (${firstByKey('team_names', 'external_id')}),
    area_names_by_name as materialized (${firstByKey('area_names', 'name_key')}),
    locality_names_by_name as materialized (${firstByKey('locality_names', 'name_key')}),
    history as materialized (
      select h.*, ${sql.join(
        HISTORY_NAMES.map(
          (n) =>
            sql`${squash(sql.ref(`h.${n}`))} as ${sql.ref(`${n}_key`)}, btrim(${sql.ref(`h.${n}`)}) as ${sql.ref(`${n}_trim`)}`,
        ),
      )}
      from audit_history h
      where h.council_id = ${councilId}
        and h.month between ${range.from}::date and ${range.to}::date),
    matched_history as materialized (
      select h.*,
        ${matched('auditor')} as auditor_match,
        ${matched('practitioner')} as practitioner_match,
        ${matched('team')} as team_match,
        ${matched('service_area')} as service_area_match,
        ${matched('locality')} as locality_match
      from history h ${matchedJoins()})
    select f.* from (
    select pm.month, 'audits' as source, a.id::text as ref, a.id as audit_id, null::uuid as history_id, a.status,
      case when a.reaudit_of_id is not null then 're_audit' else a.kind end as kind,
      a.auditor_id::text as auditor_key, s.name as auditor,
      a.team_id::text as team_key, t.name as team,
      coalesce(a.service_area_id, t.service_area_id)::text as area_key, sa.name as service_area,
      coalesce(a.locality_id, t.locality_id)::text as locality_key, l.name as locality,
      a.practitioner_id::text as worker_key, w.name as worker,
      gs.key as scale_key, a.final_grade,
      (select (g ->> 'order')::int from jsonb_array_elements(gs.grades) g where g ->> 'key' = a.final_grade limit 1)
        as final_order,
      a.final_good_or_better as final_good,
      exists (select 1 from moderations m where m.audit_id = a.id and m.status = 'decided') as moderated,
      c.id::text as child_id, c.ethnicity, c.disability, c.uasc, c.gender, c.date_of_birth
    from audits a
    join programme_months pm on pm.id = a.month_id
    join children c on c.id = a.child_id
    left join staff s on s.id = a.auditor_id
    left join staff w on w.id = a.practitioner_id
    left join teams t on t.id = a.team_id
    left join service_areas sa on sa.id = coalesce(a.service_area_id, t.service_area_id)
    left join localities l on l.id = coalesce(a.locality_id, t.locality_id)
    left join audit_tool_versions v on v.id = coalesce(a.tool_version_id, (
      select v2.id from audit_tool_versions v2 where v2.tool_id = a.tool_id order by v2.version desc limit 1))
    left join grade_scales gs on gs.id = v.scale_id
    where a.council_id = ${councilId} and pm.council_id = ${councilId}
      and pm.month between ${range.from}::date and ${range.to}::date
      ${filters.viewerId ? sql`and not exists (${moderatingBlind(sql`a.id`, filters.viewerId)})` : sql``}
    union all
    select h.month, 'history', h.id::text, null::uuid, h.id,
      case h.status when 'completed' then 'submitted' else h.status end,
      case h.activity when 'full' then 'full_audit' else h.activity end,
      coalesce(hs.id::text, ${nameKeySql(sql`h.auditor`)}), coalesce(hs.name, nullif(btrim(h.auditor), '')),
      coalesce(ht.id::text, ${nameKeySql(sql`h.team`)}), coalesce(ht.name, nullif(btrim(h.team), '')),
      coalesce(ha.id::text, ${nameKeySql(sql`h.service_area`)}), coalesce(ha.name, nullif(btrim(h.service_area), '')),
      coalesce(hl.id::text, ${nameKeySql(sql`h.locality`)}), coalesce(hl.name, nullif(btrim(h.locality), '')),
      coalesce(hw.id::text, ${nameKeySql(sql`h.practitioner`)}), coalesce(hw.name, nullif(btrim(h.practitioner), '')),
      h.scale, coalesce(h.moderated_grade, h.grade),
      ${orderOfHistoryGrade(sql`h.scale`, sql`coalesce(h.moderated_grade, h.grade)`)},
      case when coalesce(h.moderated_grade, h.grade) is null then null
        else coalesce(h.moderated_grade, h.grade) in (${sql.join(BUILTIN_GOOD)}) end,
      h.moderated_grade is not null,
      c.id::text, c.ethnicity, c.disability, c.uasc, c.gender, c.date_of_birth
    from matched_history h
    left join children c on c.council_id = h.council_id and c.external_id = h.child_ref
    left join staff hs on hs.id = h.auditor_match
    left join staff hw on hw.id = h.practitioner_match
    left join teams ht on ht.id = h.team_match
    left join service_areas ha on ha.id = coalesce(h.service_area_match, ht.service_area_id)
    left join localities hl on hl.id = coalesce(h.locality_match, ht.locality_id)
    where not exists (
        select 1 from audits a2 join programme_months pm2 on pm2.id = a2.month_id
        where a2.council_id = ${councilId} and pm2.council_id = ${councilId} and pm2.month = h.month
      )
  ) f ${where('f')})`;
}

/**
 * How many audits of the months and filters are left out of the figures because the viewer
 * (`filters.viewerId`) is moderating them blind; 0 without a viewer.
 */
export async function auditsLeftOutBlind(
  db: Db,
  councilId: string,
  range: MonthRange,
  filters: ReportFilters,
): Promise<number> {
  const { viewerId, ...others } = filters;
  if (!viewerId) return 0;
  // most people are moderating nothing blind: then there is nothing to count
  const moderating = await sql<{ one: number }>`
    select 1 as one from moderations mb where mb.moderator_id = ${viewerId} and mb.status = 'allocated'
    limit 1`.execute(db);
  if (!moderating.rows.length) return 0;
  const row = await sql<{ n: number }>`
    select count(*)::int as n from ${allocationFacts(councilId, range, others)} f
    where f.audit_id is not null and exists (${moderatingBlind(sql`f.audit_id`, viewerId)})`.execute(db);
  return row.rows[0]?.n ?? 0;
}

/** What a report says when audits the viewer is moderating blind are left out of its figures. */
export function leftOutBlindNote(n: number): string {
  return n === 1
    ? '1 audit you are moderating is left out until you submit your re-grade.'
    : `${n} audits you are moderating are left out until you submit your re-grades.`;
}

/** Whether a report's note is the one leftOutBlindNote writes. */
export const isLeftOutBlindNote = (note: string) =>
  / you are moderating (is|are) left out until you submit your re-grades?\.$/.test(note);
