/**
 * QA from elsewhere, collated by quarter (domain.md §4, §12; issue 19 item 2). For a financial
 * quarter: each service's entries (what was reviewed, how many, strengths, areas for development),
 * its counts by grade with the good-or-better share and its 95% Wilson interval, and the practice
 * themes each source found — the services with an entry that quarter, and the audit programme
 * itself (themes tagged in QA Loop's audits returned in the quarter's months). A theme is "found in
 * 4 of 6 services": the sources that found it of the sources with anything that quarter.
 *
 * The same counts feed the practice theme counts, learning and improvement-plan evidence
 * (`serviceThemeCounts`, `serviceEntriesWithTheme`): there the services are another source,
 * labelled as such, beside the audit figures, which they never change.
 */
import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import { formatDate, type IsoDate } from '../domain/dates.ts';
import type { GradeScale } from '../domain/grade-scales.ts';
import { previousQuarter, type Quarter, quarterOf } from '../domain/service-qa.ts';
import { type Proportion, proportion } from '../domain/statistics.ts';

/** The key of the audit programme as a source beside the services. */
export const AUDIT_PROGRAMME = 'audit_programme';
export const AUDIT_PROGRAMME_NAME = 'QA Loop audits';

export interface GradeCount {
  key: string;
  label: string;
  goodOrBetter: boolean;
  count: number;
}

export interface CollatedEntry {
  id: string;
  periodStart: IsoDate;
  periodEnd: IsoDate;
  /** "1 July 2026 to 30 September 2026" */
  period: string;
  reviewed: string;
  reviewedCount: number;
  strengths: string;
  development: string;
  themeKeys: string[];
  /** null for a service that does not grade */
  grades: GradeCount[] | null;
  contributor: string | null;
  source: 'form' | 'import';
}

export interface CollatedService {
  id: string;
  key: string;
  name: string;
  grades: boolean;
  entries: CollatedEntry[];
  reviewedCount: number;
  /** summed over the entries, the scale's grades best first; null when the service does not grade */
  gradeCounts: GradeCount[] | null;
  /** how many were graded */
  graded: number;
  /** graded good or better of those graded; null when none were graded */
  goodOrBetter: Proportion | null;
  themeKeys: Set<string>;
}

export interface CollatedTheme {
  key: string;
  name: string;
  /** source keys (service ids, or AUDIT_PROGRAMME) that found the theme this quarter */
  foundBy: Set<string>;
  /** audits of the audit programme tagged with the theme this quarter */
  audits: number;
  found: number;
  /** the same last quarter, of last quarter's sources */
  previousFound: number;
  /** "Chronologies: found in 4 of 6 services this quarter" */
  sentence: string;
  /** "last quarter: 2 of 5" */
  previousSentence: string;
}

export interface ServiceQaCollation {
  quarter: Quarter;
  previous: Quarter;
  /** the services with at least one entry in the quarter, in the council's order */
  services: CollatedService[];
  /** the council's services without an entry this quarter (active ones), by name */
  silent: string[];
  /** QA Loop's audits returned in the quarter's months (the audit programme as a source) */
  audits: number;
  /** the sources with something this quarter: the services with an entry, and the audit programme when it returned audits */
  sources: number;
  previousSources: number;
  previousServices: number;
  /** every theme found by a source this quarter or last, the most sources first */
  themes: CollatedTheme[];
  /** all reviewed across the services (the headline) */
  reviewedCount: number;
  entries: number;
}

/** The sentence a theme row says. */
export function themeSentence(name: string, found: number, sources: number): string {
  return `${name}: found in ${found} of ${sources} ${sources === 1 ? 'service' : 'services'} this quarter`;
}

interface ScaleGrade {
  key: string;
  label: string;
  goodOrBetter: boolean;
  order: number;
}

/**
 * The grades entries are counted in: the council's four-point scale (the standard one) where it has
 * it, then the grades of its other scales, so a count under any grade key the council uses is read.
 */
async function councilGrades(db: Db, councilId: string): Promise<ScaleGrade[]> {
  const scales = await db
    .selectFrom('grade_scales')
    .select(['key', 'grades'])
    .where('council_id', '=', councilId)
    .orderBy('builtin', 'desc')
    .orderBy('key')
    .execute();
  scales.sort((a, b) => (a.key === 'four_point' ? -1 : b.key === 'four_point' ? 1 : 0));
  const out: ScaleGrade[] = [];
  for (const s of scales)
    for (const g of s.grades as GradeScale['grades'])
      if (!out.some((x) => x.key === g.key))
        out.push({ key: g.key, label: g.label, goodOrBetter: g.goodOrBetter, order: out.length });
  return out;
}

function gradeCountsOf(
  raw: Record<string, number> | null,
  scale: readonly ScaleGrade[],
): GradeCount[] | null {
  if (!raw) return null;
  const out: GradeCount[] = [];
  for (const g of scale)
    if (g.key in raw)
      out.push({ key: g.key, label: g.label, goodOrBetter: g.goodOrBetter, count: Number(raw[g.key]) || 0 });
  // a grade no scale of the council knows is still counted, never as good or better
  for (const [key, n] of Object.entries(raw))
    if (!scale.some((g) => g.key === key))
      out.push({ key, label: key.replace(/_/g, ' '), goodOrBetter: false, count: Number(n) || 0 });
  return out;
}

async function themeNames(db: Db, councilId: string): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('practice_themes')
    .select(['key', 'name'])
    .where('council_id', '=', councilId)
    .execute();
  return new Map(rows.map((r) => [r.key, r.name]));
}

/** Per source, the themes found in the quarter: service ids and AUDIT_PROGRAMME; and the audits. */
async function sourcesOf(
  db: Db,
  councilId: string,
  quarter: Quarter,
): Promise<{ services: Map<string, Set<string>>; audits: number; auditThemes: Map<string, number> }> {
  const [entries, audits, auditThemes] = await Promise.all([
    sql<{ service_id: string; theme_key: string | null }>`
      select e.service_id, t.theme_key
      from service_qa_entries e
      left join service_qa_entry_themes t on t.entry_id = e.id and t.council_id = ${councilId}
      where e.council_id = ${councilId} and e.quarter_start = ${quarter.start}::date`.execute(db),
    sql<{ n: number }>`
      select count(*)::int as n
      from audits a join programme_months pm on pm.id = a.month_id and pm.council_id = ${councilId}
      where a.council_id = ${councilId} and a.status = 'submitted'
        and pm.month between ${quarter.start}::date and ${quarter.end}::date`.execute(db),
    sql<{ theme_key: string; audits: number }>`
      select apt.theme_key, count(distinct a.id)::int as audits
      from audits a
      join programme_months pm on pm.id = a.month_id and pm.council_id = ${councilId}
      join audit_practice_themes apt on apt.audit_id = a.id and apt.council_id = ${councilId}
      where a.council_id = ${councilId} and a.status = 'submitted'
        and pm.month between ${quarter.start}::date and ${quarter.end}::date
      group by apt.theme_key`.execute(db),
  ]);
  const services = new Map<string, Set<string>>();
  for (const r of entries.rows) {
    const set = services.get(r.service_id) ?? new Set<string>();
    if (r.theme_key) set.add(r.theme_key);
    services.set(r.service_id, set);
  }
  return {
    services,
    audits: Number(audits.rows[0]?.n ?? 0),
    auditThemes: new Map(auditThemes.rows.map((r) => [r.theme_key, Number(r.audits)])),
  };
}

/** The quarter's collation, with last quarter beside it. */
export async function serviceQaCollation(
  db: Db,
  councilId: string,
  quarter: Quarter,
): Promise<ServiceQaCollation> {
  const previous = previousQuarter(quarter);
  const [scale, names, services, entryRows, themeRows, now, before] = await Promise.all([
    councilGrades(db, councilId),
    themeNames(db, councilId),
    db
      .selectFrom('qa_services')
      .select(['id', 'key', 'name', 'grades', 'active', 'position'])
      .where('council_id', '=', councilId)
      .orderBy('position')
      .orderBy('name')
      .execute(),
    db
      .selectFrom('service_qa_entries as e')
      .leftJoin('staff as s', (j) =>
        j.onRef('s.id', '=', 'e.contributor_id').on('s.council_id', '=', councilId),
      )
      .select([
        'e.id',
        'e.service_id',
        'e.period_start',
        'e.period_end',
        'e.reviewed',
        'e.reviewed_count',
        'e.strengths',
        'e.development',
        'e.grades',
        'e.source',
        's.name as contributor',
      ])
      .where('e.council_id', '=', councilId)
      .where('e.quarter_start', '=', quarter.start)
      .orderBy('e.period_start')
      .orderBy('e.created_at')
      .execute(),
    db
      .selectFrom('service_qa_entry_themes as t')
      .innerJoin('service_qa_entries as e', 'e.id', 't.entry_id')
      .select(['t.entry_id', 't.theme_key'])
      .where('t.council_id', '=', councilId)
      .where('e.council_id', '=', councilId)
      .where('e.quarter_start', '=', quarter.start)
      .execute(),
    sourcesOf(db, councilId, quarter),
    sourcesOf(db, councilId, previous),
  ]);
  const entryThemes = new Map<string, string[]>();
  for (const r of themeRows)
    entryThemes.set(r.entry_id, [...(entryThemes.get(r.entry_id) ?? []), r.theme_key]);

  const collated: CollatedService[] = [];
  for (const s of services) {
    const rows = entryRows.filter((e) => e.service_id === s.id);
    if (!rows.length) continue;
    const entries: CollatedEntry[] = rows.map((e) => ({
      id: e.id,
      periodStart: e.period_start,
      periodEnd: e.period_end,
      period: `${formatDate(e.period_start)} to ${formatDate(e.period_end)}`,
      reviewed: e.reviewed,
      reviewedCount: e.reviewed_count,
      strengths: e.strengths,
      development: e.development,
      themeKeys: (entryThemes.get(e.id) ?? []).sort((a, b) =>
        (names.get(a) ?? a).localeCompare(names.get(b) ?? b, 'en-GB'),
      ),
      grades: gradeCountsOf(e.grades, scale),
      contributor: e.contributor ?? null,
      source: e.source,
    }));
    const graded = entries.filter((e) => e.grades);
    let gradeCounts: GradeCount[] | null = null;
    if (s.grades || graded.length) {
      gradeCounts = [];
      for (const e of graded)
        for (const g of e.grades ?? []) {
          const had = gradeCounts.find((x) => x.key === g.key);
          if (had) had.count += g.count;
          else gradeCounts.push({ ...g });
        }
      const order = (k: string) => {
        const i = scale.findIndex((g) => g.key === k);
        return i < 0 ? scale.length : i;
      };
      gradeCounts.sort((a, b) => order(a.key) - order(b.key));
    }
    const gradedCount = (gradeCounts ?? []).reduce((n, g) => n + g.count, 0);
    const good = (gradeCounts ?? []).filter((g) => g.goodOrBetter).reduce((n, g) => n + g.count, 0);
    collated.push({
      id: s.id,
      key: s.key,
      name: s.name,
      grades: s.grades,
      entries,
      reviewedCount: entries.reduce((n, e) => n + e.reviewedCount, 0),
      gradeCounts,
      graded: gradedCount,
      goodOrBetter: gradedCount ? proportion(good, gradedCount) : null,
      themeKeys: now.services.get(s.id) ?? new Set(),
    });
  }

  const sourceCount = (x: { services: Map<string, Set<string>>; audits: number }) =>
    x.services.size + (x.audits > 0 ? 1 : 0);
  const sources = sourceCount(now);
  const previousSources = sourceCount(before);
  const foundBy = (x: typeof now, key: string) => {
    const out = new Set<string>();
    for (const [id, themes] of x.services) if (themes.has(key)) out.add(id);
    if ((x.auditThemes.get(key) ?? 0) > 0) out.add(AUDIT_PROGRAMME);
    return out;
  };
  const keys = new Set<string>([
    ...[...now.services.values(), ...before.services.values()].flatMap((s) => [...s]),
    ...now.auditThemes.keys(),
    ...before.auditThemes.keys(),
  ]);
  const themes: CollatedTheme[] = [...keys].map((key) => {
    const name = names.get(key) ?? key;
    const by = foundBy(now, key);
    const prev = foundBy(before, key).size;
    return {
      key,
      name,
      foundBy: by,
      audits: now.auditThemes.get(key) ?? 0,
      found: by.size,
      previousFound: prev,
      sentence: themeSentence(name, by.size, sources),
      previousSentence: previousSources
        ? `last quarter: ${prev} of ${previousSources}`
        : 'last quarter: no QA recorded',
    };
  });
  themes.sort(
    (a, b) => b.found - a.found || b.previousFound - a.previousFound || a.name.localeCompare(b.name, 'en-GB'),
  );

  return {
    quarter,
    previous,
    services: collated,
    silent: services
      .filter((s) => s.active && !collated.some((c) => c.id === s.id))
      .map((s) => s.name)
      .sort((a, b) => a.localeCompare(b, 'en-GB')),
    audits: now.audits,
    sources,
    previousSources,
    previousServices: before.services.size,
    themes,
    reviewedCount: collated.reduce((n, s) => n + s.reviewedCount, 0),
    entries: entryRows.length,
  };
}

/** The quarters with entries, newest first, always with the quarter of today. */
export async function quartersWithEntries(db: Db, councilId: string, today: IsoDate): Promise<Quarter[]> {
  const rows = await db
    .selectFrom('service_qa_entries')
    .select('quarter_start')
    .distinct()
    .where('council_id', '=', councilId)
    .execute();
  const starts = new Set<string>([quarterOf(today).start, previousQuarter(quarterOf(today)).start]);
  for (const r of rows) starts.add(r.quarter_start);
  return [...starts]
    .sort()
    .reverse()
    .map((s) => quarterOf(s));
}

// ---- the services' themes as another source, for the counts of audit themes ------------------

export interface ServiceThemeCount {
  themeName: string;
  /** services with an entry in the quarter that found the theme */
  services: number;
  names: string[];
}

export interface ServiceThemeCounts {
  quarter: Quarter;
  /** services with at least one entry in the quarter */
  servicesWithEntries: number;
  themes: Map<string, ServiceThemeCount>;
  /** the same, the most services first */
  rows: (ServiceThemeCount & { key: string })[];
}

/**
 * For each practice theme, how many services' QA found it in the quarter (the audit programme not
 * counted: this sits beside the audit figures as another source), and how many services recorded
 * any QA that quarter.
 */
export async function serviceThemeCounts(
  db: Db,
  councilId: string,
  quarter: Quarter,
): Promise<ServiceThemeCounts> {
  const [rows, services] = await Promise.all([
    sql<{ theme_key: string; theme_name: string | null; name: string }>`
      select distinct t.theme_key, pt.name as theme_name, s.name
      from service_qa_entry_themes t
      join service_qa_entries e on e.id = t.entry_id and e.council_id = ${councilId}
      join qa_services s on s.id = e.service_id and s.council_id = ${councilId}
      left join practice_themes pt on pt.council_id = ${councilId} and pt.key = t.theme_key
      where t.council_id = ${councilId} and e.quarter_start = ${quarter.start}::date
      order by s.name`.execute(db),
    sql<{ n: number }>`
      select count(distinct service_id)::int as n from service_qa_entries
      where council_id = ${councilId} and quarter_start = ${quarter.start}::date`.execute(db),
  ]);
  const themes = new Map<string, ServiceThemeCount>();
  for (const r of rows.rows) {
    const t = themes.get(r.theme_key) ?? { themeName: r.theme_name ?? r.theme_key, services: 0, names: [] };
    t.services++;
    t.names.push(r.name);
    themes.set(r.theme_key, t);
  }
  const ordered = [...themes.entries()]
    .map(([key, t]) => ({ key, ...t }))
    .sort((a, b) => b.services - a.services || a.themeName.localeCompare(b.themeName, 'en-GB'));
  return { quarter, servicesWithEntries: Number(services.rows[0]?.n ?? 0), themes, rows: ordered };
}

/** "Found by other services' QA this quarter: 3 services (LADO service, SEN, Youth justice)". */
export function serviceThemeWords(count: ServiceThemeCount | undefined, withNames = true): string {
  const n = count?.services ?? 0;
  const label = `${n} ${n === 1 ? 'service' : 'services'}`;
  return withNames && count && n ? `${label} (${count.names.join(', ')})` : label;
}

export interface ServiceEntryWithTheme {
  id: string;
  service: string;
  period: string;
  reviewed: string;
  reviewedCount: number;
  development: string;
}

/** The services' QA entries of a quarter that found a theme, by service. */
export async function serviceEntriesWithTheme(
  db: Db,
  councilId: string,
  themeKey: string,
  quarter: Quarter,
): Promise<ServiceEntryWithTheme[]> {
  const rows = await db
    .selectFrom('service_qa_entries as e')
    .innerJoin('service_qa_entry_themes as t', 't.entry_id', 'e.id')
    .innerJoin('qa_services as s', 's.id', 'e.service_id')
    .select([
      'e.id',
      's.name',
      'e.period_start',
      'e.period_end',
      'e.reviewed',
      'e.reviewed_count',
      'e.development',
    ])
    .where('e.council_id', '=', councilId)
    .where('t.council_id', '=', councilId)
    .where('s.council_id', '=', councilId)
    .where('t.theme_key', '=', themeKey)
    .where('e.quarter_start', '=', quarter.start)
    .orderBy('s.position')
    .orderBy('s.name')
    .orderBy('e.period_start')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    service: r.name,
    period: `${formatDate(r.period_start)} to ${formatDate(r.period_end)}`,
    reviewed: r.reviewed,
    reviewedCount: r.reviewed_count,
    development: r.development,
  }));
}

export interface ThemeMeasureServiceQa {
  themeKey: string;
  themeName: string;
  /** this quarter, then last quarter */
  quarters: { quarter: Quarter; entries: ServiceEntryWithTheme[] }[];
}

/**
 * For an improvement-plan outcome's `theme` measures: the services' QA entries of this quarter and
 * last that found the theme, as evidence from another source beside the audits (never in the
 * measure's figure or the suggested rating).
 */
export async function outcomeServiceQa(
  db: Db,
  councilId: string,
  outcomeId: string,
  asOf: IsoDate,
): Promise<ThemeMeasureServiceQa[]> {
  const measures = await db
    .selectFrom('plan_measures as m')
    .leftJoin('practice_themes as pt', (j) =>
      j.onRef('pt.key', '=', 'm.theme_key').on('pt.council_id', '=', councilId),
    )
    .select(['m.theme_key', 'pt.name'])
    .distinct()
    .where('m.council_id', '=', councilId)
    .where('m.outcome_id', '=', outcomeId)
    .where('m.kind', '=', 'theme')
    .where('m.theme_key', 'is not', null)
    .execute();
  const now = quarterOf(asOf);
  const quarters = [now, previousQuarter(now)];
  const out: ThemeMeasureServiceQa[] = [];
  for (const m of measures) {
    const key = m.theme_key as string;
    out.push({
      themeKey: key,
      themeName: m.name ?? key,
      quarters: await Promise.all(
        quarters.map(async (quarter) => ({
          quarter,
          entries: await serviceEntriesWithTheme(db, councilId, key, quarter),
        })),
      ),
    });
  }
  return out.sort((a, b) => a.themeName.localeCompare(b.themeName, 'en-GB'));
}
