/**
 * Language in audit write-ups (issue 20): language suggestions per 1,000 words of submitted audits'
 * free text, by the month the audit was submitted (London time) and by service area, with the
 * audits and words counted. Audits submitted before counting existed and not yet counted (null
 * counts) are left out and counted as such. Never by practitioner; by auditor only for the auditor's
 * own page (`languageByMonthForAuditor`), which nothing published uses.
 */
import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../data/db.ts';
import { perThousandWords } from '../domain/caring-language.ts';
import { addMonths, type IsoDate } from '../domain/dates.ts';
import { type MonthRange, monthsOf } from '../domain/month-range.ts';

export interface LanguageFigures {
  /** submitted audits counted */
  audits: number;
  words: number;
  suggestions: number;
  /** suggestions per 1,000 words; null when no words were written */
  perThousand: number | null;
}

export interface LanguageMonth extends LanguageFigures {
  /** YYYY-MM */
  month: string;
}

export interface LanguageArea extends LanguageFigures {
  serviceAreaId: string | null;
  name: string;
}

export interface LanguageOverview {
  range: MonthRange;
  total: LanguageFigures;
  /** submitted in the months but not counted (submitted before counting existed) */
  uncounted: number;
  /** every month of the range, even with no audits */
  months: LanguageMonth[];
  /** each service area with audits, by name; no service area recorded last */
  byServiceArea: LanguageArea[];
}

interface Row {
  month: string;
  area_id: string | null;
  area_name: string | null;
  words: number | null;
  suggestions: number | null;
}

function figures(rows: readonly Row[]): LanguageFigures {
  const counted = rows.filter((r) => r.words !== null && r.suggestions !== null);
  const words = counted.reduce((n, r) => n + Number(r.words), 0);
  const suggestions = counted.reduce((n, r) => n + Number(r.suggestions), 0);
  return { audits: counted.length, words, suggestions, perThousand: perThousandWords(suggestions, words) };
}

async function submittedRows(
  db: Db,
  councilId: string,
  range: MonthRange,
  where: RawBuilder<unknown>[],
): Promise<Row[]> {
  const end = addMonths(range.to, 1);
  const { rows } = await sql<Row>`
    select to_char(a.submitted_at at time zone 'Europe/London', 'YYYY-MM') as month,
      sa.id::text as area_id, sa.name as area_name,
      a.language_words as words, a.language_suggestions as suggestions
    from audits a
    left join teams t on t.id = a.team_id
    left join service_areas sa on sa.id = coalesce(a.service_area_id, t.service_area_id)
    where a.council_id = ${councilId} and a.status = 'submitted'
      and a.submitted_at >= (${range.from}::date::timestamp at time zone 'Europe/London')
      and a.submitted_at < (${end}::date::timestamp at time zone 'Europe/London')
      ${where.length ? sql`and ${sql.join(where, sql` and `)}` : sql``}`.execute(db);
  return rows;
}

/** The council's language figures for the months of `range` (first days, inclusive). */
export async function languageOverview(
  db: Db,
  councilId: string,
  range: MonthRange,
  filters: { serviceAreaId?: string; teamId?: string } = {},
): Promise<LanguageOverview> {
  const where: RawBuilder<unknown>[] = [];
  if (filters.serviceAreaId)
    where.push(sql`coalesce(a.service_area_id, t.service_area_id) = ${filters.serviceAreaId}`);
  if (filters.teamId) where.push(sql`a.team_id = ${filters.teamId}`);
  const rows = await submittedRows(db, councilId, range, where);
  const areas = new Map<string, { id: string | null; name: string; rows: Row[] }>();
  for (const r of rows) {
    const key = r.area_id ?? '';
    const area = areas.get(key) ?? {
      id: r.area_id,
      name: r.area_name ?? 'No service area recorded',
      rows: [],
    };
    area.rows.push(r);
    areas.set(key, area);
  }
  return {
    range,
    total: figures(rows),
    uncounted: rows.filter((r) => r.words === null || r.suggestions === null).length,
    months: monthsOf(range).map((m) => {
      const month = m.slice(0, 7);
      return { month, ...figures(rows.filter((r) => r.month === month)) };
    }),
    byServiceArea: [...areas.values()]
      .sort((a, b) => (a.id === null ? 1 : b.id === null ? -1 : a.name.localeCompare(b.name, 'en-GB')))
      .map((a) => ({ serviceAreaId: a.id, name: a.name, ...figures(a.rows) })),
  };
}

/**
 * One auditor's language figures by month, for their own page (and QA's view of it): the audits
 * they submitted in each month from `from` to `to` (first days of months, inclusive). Never for
 * anything published.
 */
export async function languageByMonthForAuditor(
  db: Db,
  councilId: string,
  staffId: string,
  from: IsoDate,
  to: IsoDate,
): Promise<{ months: LanguageMonth[]; total: LanguageFigures; uncounted: number }> {
  const range = { from: `${from.slice(0, 7)}-01`, to: `${to.slice(0, 7)}-01` };
  const rows = await submittedRows(db, councilId, range, [sql`a.auditor_id = ${staffId}`]);
  return {
    months: monthsOf(range).map((m) => {
      const month = m.slice(0, 7);
      return { month, ...figures(rows.filter((r) => r.month === month)) };
    }),
    total: figures(rows),
    uncounted: rows.filter((r) => r.words === null || r.suggestions === null).length,
  };
}
