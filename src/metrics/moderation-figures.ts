import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import type { ModerationOutcome } from '../data/schema.ts';
import { type KappaResult, stratifiedWeightedKappa } from '../domain/agreement.ts';
import { addMonths, type IsoDate, monthName } from '../domain/dates.ts';
import { builtinScale, type Grade } from '../domain/grade-scales.ts';
import { type MonthRange, monthsOf } from '../domain/month-range.ts';
import { type Proportion, proportion } from '../domain/statistics.ts';
import type { FieldError } from '../domain/validation.ts';
import { allocationFacts, checkMonths, type ReportFilters } from './audit-facts.ts';
import { defaultRange } from './report-filters.ts';

/**
 * Moderation's consistency figures (domain.md §6), counted from the stored grades on each request:
 * returned and moderated audits, % moderated, the panel's outcomes (supported, upgraded, downgraded)
 * and % downgraded, by month, service area and auditor; and agreement between auditors and
 * moderators as Cohen's weighted kappa with linear weights on each scale's grade order, compared
 * auditor's overall grade against the moderator's blind grade (before the panel).
 *
 * An audit counts as moderated once the panel has decided it (status 'decided'); the audit history
 * imported from spreadsheets counts a row with a moderated grade as moderated, its grade as the
 * auditor's and the moderated grade as the moderator's, the outcome following from the two grades'
 * order. As for returns, a month with audits in QA Loop is counted from them alone and a month
 * without from its history.
 *
 * Kappa is unreliable on a handful of audits, so it is shown per auditor only once they have
 * MIN_FOR_AUDITOR_KAPPA moderated audits, and its trend is shown by quarter rather than by month
 * (a month's moderation sample is a few audits), each quarter's kappa again only from that many.
 */

/** Moderated audits an auditor needs before their agreement with moderators is shown. */
export const MIN_FOR_AUDITOR_KAPPA = 10;
/** Moderated audits a quarter needs before its kappa is shown in the trend. */
export const MIN_FOR_TREND_KAPPA = MIN_FOR_AUDITOR_KAPPA;

/**
 * The moderation figures, each defined here once and counted of the same returned audits (submitted
 * audits with an overall grade, dip samples aside: only those can be moderated), so the consistency
 * page, the cycle dashboard and the moderation report give the same figure for the same month.
 * `chosen` is every audit with a moderation, whatever its stage; `regraded` those the moderator has
 * re-graded blind (waiting for the panel or decided); `moderated` those the panel has decided.
 */
export const MODERATION_FIGURE_WORDS = {
  returned: 'Returned audits that can be moderated',
  chosen: 'Chosen for moderation',
  regraded: 'Re-graded by a moderator',
  moderated: 'Decided by the panel',
  /** what each figure is out of */
  ofReturned: 'of returned audits',
} as const;

/**
 * Moderated audits below which an auditor's share of grades the moderator agreed with exactly is
 * too few to judge: it is still shown, with its (wide) interval, and said to be too few.
 */
export const FEW_TO_JUDGE = 5;

export interface ModerationFilters extends ReportFilters {
  /** only this auditor's audits (and history rows naming them) */
  auditorId?: string;
}

export type { Proportion };

export interface ModerationCounts {
  /** returned audits that can be moderated (MODERATION_FIGURE_WORDS) */
  returned: number;
  /** chosen for moderation, at any stage */
  chosen: number;
  /** re-graded by the moderator: waiting for the panel or decided */
  regraded: number;
  /** decided by the panel */
  moderated: number;
  supported: number;
  upgraded: number;
  downgraded: number;
  /** chosen ÷ returned */
  chosenShare: Proportion;
  /** re-graded ÷ returned */
  regradedShare: Proportion;
  /** moderated (decided by the panel) ÷ returned */
  moderatedShare: Proportion;
  /** downgraded ÷ moderated */
  downgradedShare: Proportion;
}

export interface Agreement {
  /** linear weighted kappa to 3 places; null when it cannot be worked out */
  kappa: number | null;
  observedAgreement: number | null;
  expectedAgreement: number | null;
  /** moderated audits with both grades on the scale */
  n: number;
  /** whether n reaches the threshold for showing it (always true for the overall figure when n > 0) */
  enough: boolean;
  /**
   * the moderator's blind grade the same as the auditor's, of the moderated audits with both grades,
   * with its Wilson interval: shown from any number, as kappa is not
   */
  sameGrade: Proportion;
}

export interface ScaleAgreement extends Agreement {
  scale: string;
  scaleName: string;
}

export interface ModerationGroup extends ModerationCounts {
  /** staff or service area id, or 'name:…' for names in the history; null for none recorded */
  key: string | null;
  name: string | null;
}

export interface AuditorModeration extends ModerationGroup {
  agreement: Agreement;
}

export interface MonthModeration extends ModerationCounts {
  /** the month's first day */
  month: IsoDate;
  name: string;
}

export interface QuarterAgreement extends Agreement {
  /** the quarter's first month's first day */
  quarter: IsoDate;
  name: string;
  moderated: number;
}

export interface ModerationFigures {
  range: MonthRange;
  filters: ModerationFilters;
  total: ModerationCounts & {
    /** the panel's final grades of the moderated audits, by grade key, best first */
    finalGrades: Record<string, number>;
    agreement: Agreement;
    agreementByScale: ScaleAgreement[];
  };
  byMonth: MonthModeration[];
  byService: ModerationGroup[];
  byAuditor: AuditorModeration[];
  trend: QuarterAgreement[];
  /** where the figures come from */
  sources: ('audits' | 'history')[];
}

interface FigureRow {
  month: IsoDate;
  source: 'audits' | 'history';
  auditor_key: string | null;
  auditor: string | null;
  area_key: string | null;
  service_area: string | null;
  scale_key: string | null;
  auditor_grade: string | null;
  moderated: boolean;
  /** the moderation's stage: null when not chosen (a history row with a moderated grade is decided) */
  stage: 'unallocated' | 'allocated' | 'submitted' | 'decided' | null;
  moderator_grade: string | null;
  final_grade: string | null;
  outcome: ModerationOutcome | null;
}

interface ScaleInfo {
  key: string;
  name: string;
  /** best first */
  grades: Grade[];
}

function checkRange(range: MonthRange) {
  const first = /^\d{4}-\d{2}-01$/;
  if (!first.test(range.from) || !first.test(range.to)) {
    throw new RangeError('A range of months runs from one first of the month to another');
  }
  if (range.from > range.to) throw new RangeError('A range of months must not end before it starts');
}

async function figureRows(
  db: Db,
  councilId: string,
  range: MonthRange,
  filters: ModerationFilters,
): Promise<FigureRow[]> {
  const { auditorId, ...reportFilters } = filters;
  const { rows } = await sql<FigureRow>`
    select f.month::text as month, f.source, f.auditor_key, f.auditor, f.area_key, f.service_area, f.scale_key,
      coalesce(a.overall_grade, h.grade) as auditor_grade,
      case when f.source = 'audits' then m.id is not null else h.moderated_grade is not null end as moderated,
      case when f.source = 'audits' then mc.status
        when h.moderated_grade is not null then 'decided' end as stage,
      coalesce(m.overall_grade, h.moderated_grade) as moderator_grade,
      coalesce(m.final_grade, f.final_grade) as final_grade,
      m.outcome
    from ${allocationFacts(councilId, range, reportFilters)} f
    left join audits a on a.id = f.audit_id
    left join moderations m on m.audit_id = f.audit_id and m.status = 'decided'
    left join moderations mc on mc.audit_id = f.audit_id
    left join audit_history h on h.id = f.history_id
    -- only audits with an overall grade can be moderated: dip samples have none
    where f.status = 'submitted' and f.kind <> 'dip_sample' and coalesce(a.overall_grade, h.grade) is not null
      ${auditorId ? sql`and f.auditor_key = ${auditorId}` : sql``}
  `.execute(db);
  return rows.map((r) => ({ ...r, month: String(r.month).slice(0, 10), moderated: Boolean(r.moderated) }));
}

async function councilScales(db: Db, councilId: string): Promise<Map<string, ScaleInfo>> {
  const rows = await db
    .selectFrom('grade_scales')
    .select(['key', 'name', 'grades'])
    .where('council_id', '=', councilId)
    .execute();
  const scales = new Map<string, ScaleInfo>();
  for (const r of rows) {
    const grades = [...((r.grades ?? []) as Grade[])].sort((a, b) => a.order - b.order);
    scales.set(r.key, { key: r.key, name: r.name, grades });
  }
  return scales;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const round3OrNull = (x: number | null) => (x === null ? null : round3(x));

/** Where a grade sits on its scale, 0 for the best; undefined when it is not on the scale. */
function position(scale: ScaleInfo | undefined, grade: string | null): number | undefined {
  if (!scale || !grade) return undefined;
  const i = scale.grades.findIndex((g) => g.key === grade);
  return i < 0 ? undefined : i;
}

/** The outcome of a history row: the moderated grade better, worse or the same as the auditor's. */
function historyOutcome(scale: ScaleInfo | undefined, grade: string | null, moderated: string | null) {
  const before = position(scale, grade);
  const after = position(scale, moderated);
  if (before === undefined || after === undefined) return null;
  if (after < before) return 'upgraded' as const;
  if (after > before) return 'downgraded' as const;
  return 'supported' as const;
}

interface Prepared extends FigureRow {
  scale: ScaleInfo | undefined;
}

function counts(rows: readonly Prepared[]): ModerationCounts {
  let moderated = 0;
  let chosen = 0;
  let regraded = 0;
  const outcomes = { supported: 0, upgraded: 0, downgraded: 0 };
  for (const r of rows) {
    if (r.stage) chosen++;
    if (r.stage === 'submitted' || r.stage === 'decided') regraded++;
    if (!r.moderated) continue;
    moderated++;
    if (r.outcome) outcomes[r.outcome]++;
  }
  return {
    returned: rows.length,
    chosen,
    regraded,
    moderated,
    ...outcomes,
    chosenShare: proportion(chosen, rows.length),
    regradedShare: proportion(regraded, rows.length),
    moderatedShare: proportion(moderated, rows.length),
    downgradedShare: proportion(outcomes.downgraded, moderated),
  };
}

function kappaOf(rows: readonly Prepared[]): {
  result: KappaResult;
  byScale: Map<string, KappaResult>;
  sameGrade: Proportion;
} {
  let same = 0;
  let both = 0;
  const strata = new Map<string, { pairs: [number, number][]; categories: number }>();
  for (const r of rows) {
    if (!r.moderated || !r.scale) continue;
    const a = position(r.scale, r.auditor_grade);
    const b = position(r.scale, r.moderator_grade);
    if (a === undefined || b === undefined) continue;
    both++;
    if (a === b) same++;
    const stratum = strata.get(r.scale.key) ?? { pairs: [], categories: r.scale.grades.length };
    stratum.pairs.push([a, b]);
    strata.set(r.scale.key, stratum);
  }
  const byScale = new Map<string, KappaResult>();
  for (const [key, s] of strata) byScale.set(key, stratifiedWeightedKappa([s], 'linear'));
  return {
    result: stratifiedWeightedKappa([...strata.values()], 'linear'),
    byScale,
    sameGrade: proportion(same, both),
  };
}

function agreement(result: KappaResult, minimum: number, sameGrade: Proportion): Agreement {
  return {
    sameGrade,
    kappa: round3OrNull(result.kappa),
    observedAgreement: round3OrNull(result.observedAgreement),
    expectedAgreement: round3OrNull(result.expectedAgreement),
    n: result.n,
    enough: result.n > 0 && result.n >= minimum,
  };
}

function sameGradeOf(rows: readonly Prepared[]): Proportion {
  return kappaOf(rows).sameGrade;
}

function agreementOf(rows: readonly Prepared[], minimum: number): Agreement {
  const k = kappaOf(rows);
  return agreement(k.result, minimum, k.sameGrade);
}

function groupBy<K>(rows: readonly Prepared[], key: (r: Prepared) => K): Map<K, Prepared[]> {
  const groups = new Map<K, Prepared[]>();
  for (const r of rows) {
    const k = key(r);
    const list = groups.get(k) ?? [];
    list.push(r);
    groups.set(k, list);
  }
  return groups;
}

/** The first month of a month's quarter (January, April, July, October: the financial quarters). */
export function quarterOf(month: IsoDate): IsoDate {
  const [y, m] = month.split('-').map(Number);
  const first = Math.floor((m - 1) / 3) * 3 + 1;
  return `${y}-${String(first).padStart(2, '0')}-01`;
}

/** "April to June 2026". */
export function quarterName(quarter: IsoDate): string {
  const first = monthName(quarter).split(' ')[0];
  const [last, year] = monthName(addMonths(quarter, 2)).split(' ');
  return `${first} to ${last} ${year}`;
}

const byName = (a: { name: string | null }, b: { name: string | null }) =>
  a.name === null ? 1 : b.name === null ? -1 : a.name.localeCompare(b.name, 'en-GB');

/** The consistency figures for a range of months (first days, inclusive), for QA or one auditor. */
export async function moderationFigures(
  db: Db,
  councilId: string,
  range: MonthRange,
  filters: ModerationFilters = {},
): Promise<ModerationFigures> {
  checkRange(range);
  const [raw, scales] = await Promise.all([
    figureRows(db, councilId, range, filters),
    councilScales(db, councilId),
  ]);
  const rows: Prepared[] = raw.map((r) => {
    const scale =
      (r.scale_key ? scales.get(r.scale_key) : undefined) ??
      (r.scale_key ? (builtinScale(r.scale_key) as ScaleInfo | undefined) : undefined);
    const outcome =
      r.source === 'history' && r.moderated
        ? historyOutcome(scale, r.auditor_grade, r.moderator_grade)
        : r.outcome;
    return { ...r, scale, outcome };
  });

  const whole = kappaOf(rows);
  const finalGrades: Record<string, number> = {};
  const gradeRank = new Map<string, number>();
  for (const s of scales.values()) {
    s.grades.forEach((g, i) => {
      gradeRank.set(g.key, i);
    });
  }
  for (const r of rows.filter((x) => x.moderated && x.final_grade)) {
    const g = r.final_grade as string;
    finalGrades[g] = (finalGrades[g] ?? 0) + 1;
  }
  const orderedFinal = Object.fromEntries(
    Object.entries(finalGrades).sort(
      ([a], [b]) => (gradeRank.get(a) ?? 99) - (gradeRank.get(b) ?? 99) || a.localeCompare(b),
    ),
  );
  const agreementByScale: ScaleAgreement[] = [...whole.byScale.entries()].map(([key, result]) => ({
    scale: key,
    scaleName: scales.get(key)?.name ?? builtinScale(key)?.name ?? key,
    ...agreement(result, 1, sameGradeOf(rows.filter((r) => r.scale?.key === key))),
  }));

  const monthRows = groupBy(rows, (r) => r.month);
  const byMonth: MonthModeration[] = monthsOf(range).map((month) => ({
    month,
    name: monthName(month),
    ...counts(monthRows.get(month) ?? []),
  }));

  const byService: ModerationGroup[] = [...groupBy(rows, (r) => r.area_key).entries()]
    .map(([key, list]) => ({ key, name: list[0].service_area, ...counts(list) }))
    .sort(byName);

  const byAuditor: AuditorModeration[] = [...groupBy(rows, (r) => r.auditor_key).entries()]
    .map(([key, list]) => ({
      key,
      name: list[0].auditor,
      ...counts(list),
      agreement: agreementOf(list, MIN_FOR_AUDITOR_KAPPA),
    }))
    .sort(byName);

  const quarterRows = groupBy(rows, (r) => quarterOf(r.month));
  const quarters = [...new Set(monthsOf(range).map(quarterOf))];
  const trend: QuarterAgreement[] = quarters.map((quarter) => {
    const list = quarterRows.get(quarter) ?? [];
    return {
      quarter,
      name: quarterName(quarter),
      moderated: list.filter((r) => r.moderated).length,
      ...agreementOf(list, MIN_FOR_TREND_KAPPA),
    };
  });

  return {
    range,
    filters,
    total: {
      ...counts(rows),
      finalGrades: orderedFinal,
      agreement: agreement(whole.result, 1, whole.sameGrade),
      agreementByScale,
    },
    byMonth,
    byService,
    byAuditor,
    trend,
    sources: [...new Set(rows.map((r) => r.source))].sort(),
  };
}

/** What the consistency page asks for: months as YYYY-MM, and a service area's id; each optional. */
export interface ConsistencyAsk {
  from?: string;
  to?: string;
  area?: string;
}

export interface ConsistencyFigures {
  /** the months and area as asked, a month not given being the default range's ('' for all areas) */
  values: { from: string; to: string; area: string };
  /** the council's service areas to choose from: for QA only */
  areas: { id: string; name: string }[];
  /** what is wrong with the months asked for: then there are no figures */
  errors: FieldError[];
  /** the service area counted, when one of the council's was chosen */
  area?: { id: string; name: string };
  figures?: ModerationFigures;
}

/**
 * The consistency page's figures for the months asked for (by default the programme year under way,
 * at most `maxMonths`). QA (`everyone`) see every auditor and may choose a service area (one not the
 * council's counts as all); anyone else sees their own figures as an auditor.
 */
export async function consistencyFigures(
  db: Db,
  councilId: string,
  ask: ConsistencyAsk,
  viewer: { everyone: boolean; staffId: string },
  options: { today: IsoDate; maxMonths: number },
): Promise<ConsistencyFigures> {
  const defaults = await defaultRange(db, councilId, options.today);
  const values = { from: ask.from ?? defaults.from, to: ask.to ?? defaults.to, area: ask.area ?? '' };
  const errors: FieldError[] = checkMonths(values.from, values.to, options.maxMonths);
  const areas = viewer.everyone
    ? await db
        .selectFrom('service_areas')
        .select(['id', 'name'])
        .where('council_id', '=', councilId)
        .orderBy('name')
        .execute()
    : [];
  if (errors.length) return { values, areas, errors };
  const area = viewer.everyone ? areas.find((a) => a.id === values.area) : undefined;
  const figures = await moderationFigures(
    db,
    councilId,
    { from: `${values.from}-01`, to: `${values.to}-01` },
    viewer.everyone ? { serviceAreaId: area?.id } : { auditorId: viewer.staffId },
  );
  return { values, areas, errors, area, figures };
}
