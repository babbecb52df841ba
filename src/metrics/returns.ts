import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../data/db.ts';
import type { AuditStatus } from '../data/schema.ts';
import { ACTIVITY_KIND_LABELS, type ActivityKind, type ReturnsKind } from '../domain/activity-kinds.ts';
import type { CyclePhase } from '../domain/cycle-phases.ts';
import { type IsoDate, monthName } from '../domain/dates.ts';
import { type MonthRange, monthsOf } from '../domain/month-range.ts';
import {
  addCounts,
  daysOverdue,
  type ReturnCounts,
  type ReturnFigures,
  returnFigures,
} from '../domain/returns.ts';
import { NotFoundError } from '../domain/validation.ts';
import { allocationFacts, type ReportFilters } from './audit-facts.ts';
import { cycleTargets } from './targets.ts';

/**
 * The returns of each cycle (domain brief §6), counted in the database on every request: planned,
 * exempted, scheduled and returned audits, in total and by auditor, team, service area and kind of
 * activity, month by month.
 *
 * Two sources: the audits drawn and allocated in QA Loop, and the audit history imported from the
 * council's spreadsheets, so past years show from the first day. A month with audits in QA Loop is
 * counted from them alone; a month without is counted from its history. In the history an
 * allocation `completed` is returned and one still `allocated` is owed; its auditors, teams and
 * service areas are the names the spreadsheet gave (case and spacing ignored).
 */

const KIND_ORDER: ReturnsKind[] = ['full_audit', 'dip_sample', 'themed', 'multi_agency', 're_audit'];

export type ReturnsSource = 'audits' | 'history';

/**
 * One row per audit of the months in the range, from QA Loop's audits or else the history, narrowed
 * by the filters (src/metrics/audit-facts.ts).
 */
function returnRows(councilId: string, range: MonthRange, filters: ReportFilters): RawBuilder<unknown> {
  return sql`select f.month, f.source, f.status, f.kind, f.auditor_key, f.auditor, f.team_key, f.team,
    f.area_key, f.service_area from ${allocationFacts(councilId, range, filters)} f`;
}

/** The counts every grouping takes. */
const COUNTS = sql`count(*)::int as planned,
  (count(*) filter (where status = 'exempted'))::int as exempted,
  (count(*) filter (where status = 'submitted'))::int as returned,
  (count(*) filter (where status = 'unallocated'))::int as unallocated`;

interface CountRow {
  planned: number;
  exempted: number;
  returned: number;
  unallocated: number;
}

export interface MonthReturns extends ReturnFigures {
  /** the month's first day */
  month: IsoDate;
  name: string;
  /** where the month's figures come from; null when it has none */
  source: ReturnsSource | null;
}

export interface MonthlyReturns {
  range: MonthRange;
  months: MonthReturns[];
  total: ReturnFigures;
}

function checkRange(range: MonthRange) {
  const first = /^\d{4}-\d{2}-01$/;
  if (!first.test(range.from) || !first.test(range.to)) {
    throw new RangeError('A range of months runs from one first of the month to another');
  }
  if (range.from > range.to) throw new RangeError('A range of months must not end before it starts');
}

/** The returns of each month in the range (months with none show zeros) and of the whole range. */
export async function monthlyReturns(
  db: Db,
  councilId: string,
  range: MonthRange,
  filters: ReportFilters = {},
): Promise<MonthlyReturns> {
  checkRange(range);
  const { rows } = await sql<CountRow & { month: IsoDate; source: ReturnsSource }>`
    select month, min(source) as source, ${COUNTS}
    from (${returnRows(councilId, range, filters)}) r
    group by month`.execute(db);
  const byMonth = new Map(rows.map((r) => [String(r.month).slice(0, 10), r]));
  const months = monthsOf(range).map((month): MonthReturns => {
    const r = byMonth.get(month);
    return {
      month,
      name: monthName(month),
      source: r?.source ?? null,
      ...returnFigures(r ?? { planned: 0, exempted: 0, returned: 0, unallocated: 0 }),
    };
  });
  return { range, months, total: returnFigures(addCounts(rows)) };
}

export interface ReturnsGroup extends ReturnFigures {
  /** the group's name; null for audits with no auditor, team or service area recorded */
  name: string | null;
  /** the auditor's staff id, when the audits are QA Loop's own (not the history's names) */
  staffId: string | null;
}

export interface KindReturns extends ReturnFigures {
  kind: ReturnsKind;
  name: string;
}

export interface ReturnsBreakdown {
  totals: ReturnFigures;
  byAuditor: ReturnsGroup[];
  byTeam: ReturnsGroup[];
  byServiceArea: ReturnsGroup[];
  byKind: KindReturns[];
  /** where the figures come from: QA Loop's audits, the imported history, or (over a range) both */
  sources: ReturnsSource[];
}

const GROUPINGS = {
  auditor: { key: 'auditor_key', name: 'auditor' },
  team: { key: 'team_key', name: 'team' },
  area: { key: 'area_key', name: 'service_area' },
} as const;

/** One grouping's rows, in the order the page lists them: named first, by name, then by key. */
function grouped(grouping: keyof typeof GROUPINGS, rows: RawBuilder<unknown>) {
  const { key, name } = GROUPINGS[grouping];
  return sql`select ${sql.lit(grouping)} as grp, ${sql.ref(key)} as key, min(${sql.ref(name)} collate "C") as name,
      (row_number() over (order by min(${sql.ref(name)}) is null, lower(min(${sql.ref(name)} collate "C")), ${sql.ref(key)}))::int as position,
      ${COUNTS}
    from ${rows} r
    group by ${sql.ref(key)}`;
}

/** The returns of a range of months, in total and by auditor, team, service area and kind of activity. */
export async function returnsBreakdown(
  db: Db,
  councilId: string,
  range: MonthRange,
  filters: ReportFilters = {},
): Promise<ReturnsBreakdown> {
  checkRange(range);
  // One statement: the audits of the range are found once (`r`) and counted by each grouping,
  // rather than found again by five statements.
  const r = sql`r`;
  const { rows } = await sql<
    CountRow & { grp: keyof typeof GROUPINGS | 'kind' | 'source'; key: string | null; name: string | null }
  >`
    with r as materialized (${returnRows(councilId, range, filters)})
    ${grouped('auditor', r)}
    union all ${grouped('team', r)}
    union all ${grouped('area', r)}
    union all select 'kind', kind, null, 0, ${COUNTS} from r group by kind
    union all select 'source', source, null, 0, 0, 0, 0, 0 from r group by source
    order by grp, position, key`.execute(db);
  const groups = (grouping: keyof typeof GROUPINGS): ReturnsGroup[] =>
    rows
      .filter((x) => x.grp === grouping)
      .map((x) => ({
        name: x.name,
        staffId: grouping === 'auditor' && x.key && !x.key.startsWith('name:') ? x.key : null,
        ...returnFigures(x),
      }));
  const kinds = rows.filter((x) => x.grp === 'kind');
  const byKind = kinds
    .map((x) => {
      const kind = x.key as ReturnsKind;
      return { kind, name: ACTIVITY_KIND_LABELS[kind] ?? kind, ...returnFigures(x) };
    })
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
  return {
    totals: returnFigures(addCounts(kinds as ReturnCounts[])),
    byAuditor: groups('auditor'),
    byTeam: groups('team'),
    byServiceArea: groups('area'),
    byKind,
    sources: rows.filter((x) => x.grp === 'source').map((x) => x.key as ReturnsSource),
  };
}

export interface ReturnCycle {
  /** the programme month's id */
  id: string;
  /** its first day */
  month: IsoDate;
  name: string;
  yearId: string;
  yearName: string;
  learningMonth: boolean;
  phases: CyclePhase[] | null;
  /** audits drawn in QA Loop for the month */
  hasAudits: boolean;
  /** rows of the imported audit history for the month */
  hasHistory: boolean;
}

/** The council's programme months, newest first: the cycles whose returns can be shown. */
export async function listReturnCycles(db: Db, councilId: string): Promise<ReturnCycle[]> {
  const rows = await db
    .selectFrom('programme_months as pm')
    .innerJoin('programme_years as y', 'y.id', 'pm.year_id')
    .where('pm.council_id', '=', councilId)
    .select((eb) => [
      'pm.id',
      'pm.month',
      'pm.learning_month',
      'pm.phases',
      'pm.year_id',
      'y.name as year_name',
      eb
        .exists(
          eb
            .selectFrom('audits as a')
            .select('a.id')
            .whereRef('a.council_id', '=', 'pm.council_id')
            .whereRef('a.month_id', '=', 'pm.id'),
        )
        .as('has_audits'),
      eb
        .exists(
          eb
            .selectFrom('audit_history as h')
            .select('h.id')
            .whereRef('h.council_id', '=', 'pm.council_id')
            .whereRef('h.month', '=', 'pm.month'),
        )
        .as('has_history'),
    ])
    .orderBy('pm.month', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    month: r.month,
    name: monthName(r.month),
    yearId: r.year_id,
    yearName: r.year_name,
    learningMonth: r.learning_month,
    phases: Array.isArray(r.phases) ? (r.phases as CyclePhase[]) : null,
    hasAudits: Boolean(r.has_audits),
    hasHistory: Boolean(r.has_history),
  }));
}

/** True when the cycle has begun and not yet ended on the date. */
export function cycleUnderWay(cycle: Pick<ReturnCycle, 'phases'>, today: IsoDate): boolean {
  const phases = cycle.phases;
  if (!phases?.length) return false;
  return phases[0].start <= today && today <= phases[phases.length - 1].end;
}

/**
 * The cycle whose returns to show first: of the cycles under way today, the latest with audits (or
 * the latest when none has any yet); when none is under way, the latest with audits or history;
 * failing that the latest month begun. Several cycles run at once (one is reporting while the next
 * is auditing), so the newest one people are auditing in is the one they want.
 */
export function currentCycle<T extends ReturnCycle>(cycles: readonly T[], today: IsoDate): T | undefined {
  const newestFirst = [...cycles].sort((a, b) => b.month.localeCompare(a.month));
  const underWay = newestFirst.filter((c) => cycleUnderWay(c, today));
  return (
    underWay.find((c) => c.hasAudits || c.hasHistory) ??
    underWay[0] ??
    newestFirst.find((c) => c.hasAudits || c.hasHistory) ??
    newestFirst.find((c) => c.month <= today) ??
    newestFirst[newestFirst.length - 1]
  );
}

/**
 * The cycles and the one an address asks for (`monthId`), else the current one: null when the
 * address names no cycle of the council, undefined when the council has none yet.
 */
export async function chosenReturnCycle(
  db: Db,
  councilId: string,
  monthId: string | undefined,
  today: IsoDate,
): Promise<{ cycles: ReturnCycle[]; cycle: ReturnCycle | null | undefined }> {
  const cycles = await listReturnCycles(db, councilId);
  if (monthId) return { cycles, cycle: cycles.find((c) => c.id === monthId) ?? null };
  return { cycles, cycle: currentCycle(cycles, today) };
}

/**
 * What the returns page shows: the cycles, and for the chosen one (see chosenReturnCycle) its
 * returns, each planned activity's target against what was drawn, allocated, returned and exempted
 * (src/metrics/targets.ts), and its programme year's month by month. NotFoundError when the address names no cycle of
 * the council; no `cycle` when the council has none yet.
 */
export async function returnsPage(db: Db, councilId: string, monthId: string | undefined, today: IsoDate) {
  const { cycles, cycle } = await chosenReturnCycle(db, councilId, monthId, today);
  if (cycle === null) throw new NotFoundError('cycle');
  if (!cycle) return { cycles };
  const yearMonths = cycles
    .filter((c) => c.yearId === cycle.yearId)
    .sort((a, b) => a.month.localeCompare(b.month));
  const [returns, history, targets] = await Promise.all([
    returnsBreakdown(db, councilId, { from: cycle.month, to: cycle.month }),
    monthlyReturns(db, councilId, {
      from: yearMonths[0].month,
      to: yearMonths[yearMonths.length - 1].month,
    }),
    cycleTargets(db, councilId, cycle.id),
  ]);
  return { cycles, cycle, yearMonths, returns, history, targets };
}

export interface CycleReturns extends ReturnsBreakdown {
  cycle: ReturnCycle;
}

/** The returns of one cycle (a programme month), or undefined when the council has no such month. */
export async function cycleReturns(
  db: Db,
  councilId: string,
  monthId: string,
): Promise<CycleReturns | undefined> {
  const cycle = (await listReturnCycles(db, councilId)).find((c) => c.id === monthId);
  if (!cycle) return undefined;
  const breakdown = await returnsBreakdown(db, councilId, { from: cycle.month, to: cycle.month });
  return { cycle, ...breakdown };
}

export interface OwedAudit {
  auditId: string;
  auditor: string;
  auditorEmail: string | null;
  /** the child's reference in the case management system; never their name */
  childId: string;
  childReference: string;
  team: string | null;
  serviceArea: string | null;
  kind: ActivityKind;
  kindName: string;
  status: Extract<AuditStatus, 'allocated' | 'in_progress'>;
  dueOn: IsoDate | null;
  /** whole days past the due date today (0 when not yet due); null with no due date */
  daysOverdue: number | null;
}

/**
 * Who owes what in a cycle: every audit with an auditor that is not yet returned (allocated or in
 * progress), the most overdue first within each auditor.
 */
export async function owedAudits(
  db: Db,
  councilId: string,
  monthId: string,
  today: IsoDate,
): Promise<OwedAudit[]> {
  const rows = await db
    .selectFrom('audits as a')
    .innerJoin('staff as s', 's.id', 'a.auditor_id')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .leftJoin('teams as t', 't.id', 'a.team_id')
    .leftJoin('service_areas as sa', (j) =>
      j.on(sql<boolean>`sa.id = coalesce(a.service_area_id, t.service_area_id)`),
    )
    .where('a.council_id', '=', councilId)
    .where('a.month_id', '=', monthId)
    .where('a.status', 'in', ['allocated', 'in_progress'])
    .select([
      'a.id',
      's.name as auditor',
      's.email',
      'c.id as child_id',
      'c.external_id',
      't.name as team',
      'sa.name as service_area',
      'a.kind',
      'a.status',
      'a.due_on',
    ])
    .orderBy(sql`lower(s.name)`)
    .orderBy('s.id')
    .orderBy('a.due_on')
    .orderBy('c.external_id')
    .execute();
  return rows.map((r) => ({
    auditId: r.id,
    auditor: r.auditor,
    auditorEmail: r.email,
    childId: r.child_id,
    childReference: r.external_id,
    team: r.team,
    serviceArea: r.service_area,
    kind: r.kind,
    kindName: ACTIVITY_KIND_LABELS[r.kind],
    status: r.status as OwedAudit['status'],
    dueOn: r.due_on,
    daysOverdue: daysOverdue(r.due_on, today),
  }));
}
