/**
 * What every report shares: the months and filters it was asked for, the council's grade scales and
 * a way to group fact rows.
 */
import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import type { IsoDate } from '../domain/dates.ts';
import { BUILTIN_SCALES, type Grade } from '../domain/grade-scales.ts';
import { monthRange, monthsOf } from '../domain/month-range.ts';
import type { ReportFilters } from '../metrics/audit-facts.ts';

/** What a report is asked for. Months are written YYYY-MM. */
export interface ReportParams {
  from: string;
  to: string;
  filters: ReportFilters;
  /** the filters in words, for the title */
  filterWords: string[];
  /** the council's name, for the title page */
  councilName: string;
  /** no names below service level, small counts suppressed */
  publication: boolean;
  /** the date figures such as "overdue" are counted on */
  today: IsoDate;
}

/** The fields every report's JSON starts with (interfaces.md), and what it was filtered by. */
export interface ReportHead<N extends string> {
  report: N;
  from: string;
  to: string;
  filters: string[];
  publication: boolean;
}

export function head<N extends string>(name: N, p: ReportParams): ReportHead<N> {
  return { report: name, from: p.from, to: p.to, filters: p.filterWords, publication: p.publication };
}

export interface ScaleInfo {
  key: string;
  name: string;
  /** best first */
  grades: Grade[];
}

/** The council's grade scales by key, the built-in ones included (history uses those). */
export async function councilScales(db: Db, councilId: string): Promise<Map<string, ScaleInfo>> {
  const scales = new Map<string, ScaleInfo>();
  for (const s of BUILTIN_SCALES) scales.set(s.key, { key: s.key, name: s.name, grades: s.grades });
  const rows = await db
    .selectFrom('grade_scales')
    .select(['key', 'name', 'grades'])
    .where('council_id', '=', councilId)
    .execute();
  for (const r of rows) {
    const grades = [...((r.grades ?? []) as Grade[])].sort((a, b) => a.order - b.order);
    scales.set(r.key, { key: r.key, name: r.name, grades });
  }
  return scales;
}

/** The council's name. */
export async function councilName(db: Db, councilId: string): Promise<string> {
  const row = await sql<{ name: string }>`select name from councils where id = ${councilId}`.execute(db);
  return row.rows[0]?.name ?? '';
}

export function groupBy<T, K>(rows: readonly T[], key: (r: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = groups.get(k);
    if (list) list.push(r);
    else groups.set(k, [r]);
  }
  return groups;
}

/** Sorts groups by name, those with no name last. */
export const byName = (a: { name: string | null }, b: { name: string | null }) =>
  a.name === null ? 1 : b.name === null ? -1 : a.name.localeCompare(b.name, 'en-GB');

/** The groupings reports break figures down by, with the words for each. */
export const GROUPINGS = {
  serviceArea: {
    key: 'area_key',
    name: 'service_area',
    title: 'By service area',
    header: 'Service area',
    none: 'No service area recorded',
    belowService: false,
  },
  locality: {
    key: 'locality_key',
    name: 'locality',
    title: 'By locality',
    header: 'Locality',
    none: 'No locality recorded',
    belowService: false,
  },
  team: {
    key: 'team_key',
    name: 'team',
    title: 'By team',
    header: 'Team',
    none: 'No team recorded',
    belowService: true,
  },
  worker: {
    key: 'worker_key',
    name: 'worker',
    title: 'By worker',
    header: 'Worker',
    none: 'No worker recorded',
    belowService: true,
  },
} as const;

export type Grouping = keyof typeof GROUPINGS;

/** The months of the report, written YYYY-MM. */
export function reportMonths(p: Pick<ReportParams, 'from' | 'to'>): string[] {
  return monthsOf(monthRange(p.from, p.to)).map((m) => m.slice(0, 7));
}
