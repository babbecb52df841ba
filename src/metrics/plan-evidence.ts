/**
 * Evidence from audits for the improvement plan's outcomes (issue 18, domain.md §12): for each
 * measure of an outcome, per locality and overall, the monthly figures for the 24 complete months
 * up to the date asked for, the latest figure (the last 3 complete months pooled), the monthly series
 * read with the XmR rules (src/domain/spc.ts) and a suggested rating against the measure's target
 * under the plan's thresholds (src/domain/improvement-plan.ts).
 *
 * What each kind of measure counts, always from QA Loop's own audits (imported audit history
 * carries no sections by lineage, themes, answers, actions or oversight), each audit counted once,
 * in the month of its cycle (programme_months.month, as every report counts), in its locality (the
 * audit's, else its team's):
 *
 * - `section`: submitted audits on the tool whose section (by lineage) was graded good or better,
 *   of those whose section was graded;
 * - `theme`: submitted audits tagged with the theme in any section, of all submitted audits on
 *   tools with sections where themes are tagged (tools with a journey section);
 * - `question`: submitted audits on the tool giving the answer to the question, of those answering
 *   it ("not applicable" left out unless it is the answer counted);
 * - `actions_on_time`: actions from submitted audits of every grade, due by the date asked for (one
 *   due that day and still open is not late yet), counted in the month they were due: done on or
 *   before the due date, of all due (as src/metrics/actions-on-time.ts counts them);
 * - `oversight`: submitted audits whose case manager has recorded their oversight, of all submitted
 *   audits.
 */
import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import { addDays, addMonths, type IsoDate, monthName } from '../domain/dates.ts';
import {
  combineSuggestions,
  DEFAULT_THRESHOLDS,
  type PlanMeasureKind,
  type RatingThresholds,
  type Suggestion,
  suggestRating,
} from '../domain/improvement-plan.ts';
import { monthsOf } from '../domain/month-range.ts';
import { SPC_MINIMUM_POINTS, type XmrChart, xmrChart } from '../domain/spc.ts';
import { type Proportion, proportion } from '../domain/statistics.ts';

export interface MeasureFigure {
  locality: { id: string | null; name: string };
  latest: Proportion | null;
  /** the month the latest figure is for, 'YYYY-MM-01' */
  month: string | null;
  series: { month: string; figure: Proportion }[];
  spc: XmrChart;
  suggestion: Suggestion;
  /** the first of the months pooled in the latest figure, 'YYYY-MM-01' (the last is `month`) */
  latestFrom?: string | null;
}

export interface MeasureEvidence {
  measure: { id: string; kind: PlanMeasureKind; label: string; target: number; better: 'higher' | 'lower' };
  /** overall first (locality id null), then each locality by name */
  figures: MeasureFigure[];
}

export interface OutcomeEvidence {
  outcomeId: string;
  measures: MeasureEvidence[];
  /** per locality id ('' for overall) the combined suggestion (combineSuggestions), null with no measures */
  suggestions: Map<string, Suggestion | null>;
  /** the plan's thresholds the suggestions were made with */
  thresholds?: RatingThresholds;
}

/** Months in the monthly series. */
export const SERIES_MONTHS = 24;
/** Complete months pooled in the latest figure. */
export const LATEST_MONTHS = 3;

/** What the latest figure is, in words, for a page or a report's notes. */
export const LATEST_RULE_TEXT =
  'The latest figure pools the last 3 complete months, so each locality has enough audits to say something; the monthly figures cover the last 24 complete months.';

/** What each kind of measure counts, in words, for a page's notes. */
export const MEASURE_COUNTS_TEXT: Record<PlanMeasureKind, string> = {
  section:
    'Submitted audits on the tool whose section was graded good or better, of those where the section was graded.',
  theme:
    'Submitted audits where auditors tagged the theme in any section, of all submitted audits on tools where themes are tagged.',
  question:
    'Submitted audits on the tool giving the answer, of those answering the question ("not applicable" left out).',
  actions_on_time:
    'Actions from audits of every grade that were due by then, counted in the month they were due: done on or before the due date, of all due.',
  oversight: 'Submitted audits whose case manager has recorded their oversight, of all submitted audits.',
};

/**
 * The last complete month on a date: the month before, unless the date is the month's last day.
 */
export function lastCompleteMonth(asOf: IsoDate): IsoDate {
  const first = `${asOf.slice(0, 7)}-01`;
  return addDays(asOf, 1).slice(0, 7) !== asOf.slice(0, 7) ? first : addMonths(first, -1);
}

/** "September to November 2026", "November 2025 to January 2026". */
export function monthsInWords(from: IsoDate, to: IsoDate): string {
  if (from === to) return monthName(to);
  const [a, b] = [monthName(from), monthName(to)];
  return from.slice(0, 4) === to.slice(0, 4) ? `${a.split(' ')[0]} to ${b}` : `${a} to ${b}`;
}

interface MeasureRow {
  id: string;
  outcome_id: string;
  kind: PlanMeasureKind;
  tool_id: string | null;
  section_lineage: string | null;
  question_key: string | null;
  answer: string | null;
  theme_key: string | null;
  target: number;
  better: 'higher' | 'lower';
  label: string;
  minimum_count: number;
  green_when: RatingThresholds['greenWhen'];
  red_when: RatingThresholds['redWhen'];
}

/** A count for one measure, month and locality (null: an audit with no locality). */
interface CountRow {
  measure_id: string;
  month: string;
  locality_id: string | null;
  count: number;
  total: number;
}

const uuidList = (ids: readonly string[]) => sql.join(ids.map((id) => sql`${id}::uuid`));

/** The audits of the council counted by month and locality: a subquery of submitted audits. */
const submittedAudits = (councilId: string, from: IsoDate, to: IsoDate) => sql`(
  select a.id, a.tool_id, a.tool_version_id, a.answers, pm.month::date as month,
    coalesce(a.locality_id, t.locality_id) as locality_id
  from audits a
  join programme_months pm on pm.id = a.month_id and pm.council_id = ${councilId}
  left join teams t on t.id = a.team_id
  where a.council_id = ${councilId} and a.status = 'submitted'
    and pm.month between ${from}::date and ${to}::date)`;

async function sectionCounts(db: Db, councilId: string, measures: MeasureRow[], from: IsoDate, to: IsoDate) {
  if (!measures.length) return [];
  const m = sql`(values ${sql.join(
    measures.map((x) => sql`(${x.id}::uuid, ${x.tool_id}::uuid, ${x.section_lineage}::text)`),
  )}) as m(measure_id, tool_id, lineage)`;
  const { rows } = await sql<CountRow>`
    with per_audit as (
      select m.measure_id, a.month, a.locality_id, a.id, bool_or(r.good_or_better) as good
      from ${m}
      join ${submittedAudits(councilId, from, to)} a on a.tool_id = m.tool_id
      join audit_section_results r on r.audit_id = a.id and r.council_id = ${councilId}
        and r.section_lineage = m.lineage and r.grade is not null
      group by m.measure_id, a.month, a.locality_id, a.id)
    select measure_id::text, month::text, locality_id::text, (count(*) filter (where good))::int as count,
      count(*)::int as total
    from per_audit group by measure_id, month, locality_id`.execute(db);
  return rows;
}

async function themeCounts(db: Db, councilId: string, measures: MeasureRow[], from: IsoDate, to: IsoDate) {
  if (!measures.length) return [];
  const m = sql`(values ${sql.join(
    measures.map((x) => sql`(${x.id}::uuid, ${x.theme_key}::text)`),
  )}) as m(measure_id, theme_key)`;
  const { rows } = await sql<CountRow>`
    with tagging as (
      select a.* from ${submittedAudits(councilId, from, to)} a
      join audit_tool_versions v on v.id = coalesce(a.tool_version_id, (
        select v2.id from audit_tool_versions v2 where v2.tool_id = a.tool_id order by v2.version desc limit 1))
      where exists (select 1 from jsonb_array_elements(v.definition -> 'sections') s
        where (s ->> 'isJourneySection')::boolean))
    select m.measure_id::text, a.month::text, a.locality_id::text,
      (count(*) filter (where exists (select 1 from audit_practice_themes apt
        where apt.audit_id = a.id and apt.council_id = ${councilId} and apt.theme_key = m.theme_key)))::int as count,
      count(*)::int as total
    from ${m} cross join tagging a
    group by m.measure_id, a.month, a.locality_id`.execute(db);
  return rows;
}

async function questionCounts(db: Db, councilId: string, measures: MeasureRow[], from: IsoDate, to: IsoDate) {
  if (!measures.length) return [];
  const m = sql`(values ${sql.join(
    measures.map((x) => sql`(${x.id}::uuid, ${x.tool_id}::uuid, ${x.question_key}::text, ${x.answer}::text)`),
  )}) as m(measure_id, tool_id, question_key, answer)`;
  const { rows } = await sql<CountRow>`
    with given as (
      select m.measure_id, m.answer, a.month, a.locality_id,
        (select s.value -> 'answers' ->> m.question_key from jsonb_each(a.answers) s
          where jsonb_typeof(s.value -> 'answers') = 'object' and jsonb_exists(s.value -> 'answers', m.question_key)
          limit 1) as given
      from ${m}
      join ${submittedAudits(councilId, from, to)} a on a.tool_id = m.tool_id
      where jsonb_typeof(a.answers) = 'object')
    select measure_id::text, month::text, locality_id::text,
      (count(*) filter (where lower(given) = lower(answer)))::int as count, count(*)::int as total
    from given
    where given is not null and btrim(given) <> '' and (lower(given) <> 'na' or lower(answer) = 'na')
    group by measure_id, month, locality_id`.execute(db);
  return rows;
}

async function actionCounts(
  db: Db,
  councilId: string,
  measures: MeasureRow[],
  from: IsoDate,
  to: IsoDate,
  asOf: IsoDate,
) {
  if (!measures.length) return [];
  const { rows } = await sql<Omit<CountRow, 'measure_id'>>`
    select date_trunc('month', x.due_on)::date::text as month,
      coalesce(a.locality_id, t.locality_id)::text as locality_id,
      (count(*) filter (where x.status = 'done' and x.done_on <= x.due_on))::int as count,
      count(*)::int as total
    from audit_actions x
    join audits a on a.id = x.audit_id and a.council_id = ${councilId} and a.status = 'submitted'
    left join teams t on t.id = a.team_id
    where x.council_id = ${councilId}
      and (x.due_on < ${asOf}::date or (x.due_on = ${asOf}::date and x.status = 'done'))
      and x.due_on >= ${from}::date and x.due_on < ${addMonths(to, 1)}::date
    group by 1, 2`.execute(db);
  return measures.flatMap((m) => rows.map((r) => ({ ...r, measure_id: m.id })));
}

async function oversightCounts(
  db: Db,
  councilId: string,
  measures: MeasureRow[],
  from: IsoDate,
  to: IsoDate,
) {
  if (!measures.length) return [];
  const { rows } = await sql<Omit<CountRow, 'measure_id'>>`
    select a.month::text, a.locality_id::text,
      (count(*) filter (where exists (select 1 from audit_oversight o
        where o.audit_id = a.id and o.council_id = ${councilId})))::int as count,
      count(*)::int as total
    from ${submittedAudits(councilId, from, to)} a
    group by a.month, a.locality_id`.execute(db);
  return measures.flatMap((m) => rows.map((r) => ({ ...r, measure_id: m.id })));
}

const pooled = (cells: { count: number; total: number }[]) =>
  cells.reduce((s, c) => ({ count: s.count + c.count, total: s.total + c.total }), { count: 0, total: 0 });

/**
 * The evidence for each of the outcomes asked for (the council's own; others are left out), keyed
 * by outcome id. Each kind of measure is counted in one query for all the outcomes.
 */
export async function outcomeEvidence(
  db: Db,
  councilId: string,
  outcomeIds: readonly string[],
  asOf: IsoDate,
): Promise<Map<string, OutcomeEvidence>> {
  const out = new Map<string, OutcomeEvidence>();
  if (!outcomeIds.length) return out;
  const [{ rows: measures }, localities] = await Promise.all([
    sql<MeasureRow>`
      select pm.id::text, pm.outcome_id::text, pm.kind, pm.tool_id::text, pm.section_lineage, pm.question_key,
        pm.answer, pm.theme_key, pm.target, pm.better, pm.label,
        p.minimum_count, p.green_when, p.red_when
      from plan_measures pm
      join plan_outcomes o on o.id = pm.outcome_id and o.council_id = ${councilId}
      join improvement_plans p on p.id = o.plan_id and p.council_id = ${councilId}
      where pm.council_id = ${councilId} and pm.outcome_id in (${uuidList(outcomeIds)})
      order by pm.position, pm.created_at, pm.id`.execute(db),
    db
      .selectFrom('localities')
      .select(['id', 'name'])
      .where('council_id', '=', councilId)
      .orderBy('name')
      .execute(),
  ]);
  const { rows: known } = await sql<{ id: string }>`
    select id::text from plan_outcomes where council_id = ${councilId} and id in (${uuidList(outcomeIds)})`.execute(
    db,
  );
  localities.sort((a, b) => a.name.localeCompare(b.name, 'en-GB'));

  const to = lastCompleteMonth(asOf);
  const from = addMonths(to, -(SERIES_MONTHS - 1));
  const months = monthsOf({ from, to });
  const latestFrom = addMonths(to, -(LATEST_MONTHS - 1));
  const ofKind = (kind: PlanMeasureKind) => measures.filter((m) => m.kind === kind);
  const counts = (
    await Promise.all([
      sectionCounts(db, councilId, ofKind('section'), from, to),
      themeCounts(db, councilId, ofKind('theme'), from, to),
      questionCounts(db, councilId, ofKind('question'), from, to),
      actionCounts(db, councilId, ofKind('actions_on_time'), from, to, asOf),
      oversightCounts(db, councilId, ofKind('oversight'), from, to),
    ])
  ).flat();

  // counts by measure, locality ('' overall) and month
  const cells = new Map<string, { count: number; total: number }>();
  const cellKey = (measureId: string, locality: string, month: string) => `${measureId}|${locality}|${month}`;
  const add = (measureId: string, locality: string, month: string, count: number, total: number) => {
    const key = cellKey(measureId, locality, month);
    const cell = cells.get(key) ?? { count: 0, total: 0 };
    cells.set(key, { count: cell.count + count, total: cell.total + total });
  };
  for (const r of counts) {
    const month = r.month.slice(0, 10);
    add(r.measure_id, '', month, Number(r.count), Number(r.total));
    if (r.locality_id) add(r.measure_id, r.locality_id, month, Number(r.count), Number(r.total));
  }

  for (const id of known.map((k) => k.id)) {
    out.set(id, { outcomeId: id, measures: [], suggestions: new Map() });
  }
  const places = [{ id: null as string | null, name: 'Overall' }, ...localities];
  for (const m of measures) {
    const evidence = out.get(m.outcome_id);
    if (!evidence) continue;
    const thresholds: RatingThresholds = {
      minimumCount: Number(m.minimum_count ?? DEFAULT_THRESHOLDS.minimumCount),
      greenWhen: m.green_when ?? DEFAULT_THRESHOLDS.greenWhen,
      redWhen: m.red_when ?? DEFAULT_THRESHOLDS.redWhen,
    };
    evidence.thresholds = thresholds;
    const target = Number(m.target);
    const figures: MeasureFigure[] = places.map((place) => {
      const series = months.map((month) => {
        const c = cells.get(cellKey(m.id, place.id ?? '', month)) ?? { count: 0, total: 0 };
        return { month, figure: proportion(c.count, c.total) };
      });
      const last = pooled(series.filter((s) => s.month >= latestFrom).map((s) => s.figure));
      const latest = last.total > 0 ? proportion(last.count, last.total) : null;
      return {
        locality: place,
        latest,
        month: latest ? to : null,
        latestFrom: latest ? latestFrom : null,
        series,
        spc: xmrChart(
          series.map((s) => ({ label: monthName(s.month), value: s.figure.rate })),
          { min: 0, max: 1 },
        ),
        suggestion: suggestRating(latest, target, m.better, thresholds),
      };
    });
    evidence.measures.push({
      measure: { id: m.id, kind: m.kind, label: m.label, target, better: m.better },
      figures,
    });
  }
  for (const evidence of out.values()) {
    for (const place of places) {
      const key = place.id ?? '';
      const suggestions = evidence.measures.map(
        (me) => me.figures.find((f) => f.locality.id === place.id)?.suggestion as Suggestion,
      );
      evidence.suggestions.set(key, combineSuggestions(suggestions));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// In words, for pages and reports

const percent = (x: number) => `${Math.round(x * 100)}%`;

/** "62% (31 of 50; 95% interval 48% to 74%)"; "No audits in these months" with none. */
export function figureInWords(p: Proportion | null): string {
  if (!p || p.rate === null || !p.ci95) return 'No audits in these months';
  return `${percent(p.rate)} (${p.count.toLocaleString('en-GB')} of ${p.total.toLocaleString('en-GB')}; 95% interval ${percent(p.ci95[0])} to ${percent(p.ci95[1])})`;
}

/** The monthly series read with the XmR rules, in words: signal or noise, or too few months to tell. */
export function seriesInWords(spc: XmrChart): { signal: boolean | null; text: string } {
  const months = spc.points.filter((p) => p.value !== null).length;
  if (!spc.enough)
    return {
      signal: null,
      text: `Too few months with figures to tell signal from noise (${months} of the ${SPC_MINIMUM_POINTS} needed)`,
    };
  if (spc.signals.length)
    return {
      signal: true,
      text: `Signal of real change: ${spc.signals.map((s) => s.description).join('; ')}`,
    };
  return {
    signal: false,
    text: `Noise: the ups and downs over ${months} months are ordinary variation, not a sign of change`,
  };
}

/** A suggestion in words: "Too few audits to tell (4 of the 10 needed)", or "Amber: the interval spans…". */
export function suggestionInWords(
  suggestion: Suggestion,
  figure: Proportion | null,
  minimumCount: number,
): { rag: Suggestion['rag']; label: string; text: string } {
  if (suggestion.rag === 'too_few')
    return {
      rag: 'too_few',
      label: 'Too few audits to tell',
      text: `Too few audits to tell (${figure?.total ?? 0} of the ${minimumCount} needed)`,
    };
  const label = suggestion.rag === 'red' ? 'Red' : suggestion.rag === 'amber' ? 'Amber' : 'Green';
  return { rag: suggestion.rag, label, text: `${label}: ${suggestion.why}` };
}

/** One row of an outcome's evidence table, every figure in words. */
export interface EvidenceRow {
  measureId: string;
  measure: string;
  kind: PlanMeasureKind;
  /** "Target 80% or more", "Target 20% or less" */
  target: string;
  /** the first row of a measure (Overall), so a table can start a new group */
  first: boolean;
  locality: string;
  localityId: string | null;
  figure: string;
  /** "September to November 2026", or '' with no figure */
  months: string;
  series: { signal: boolean | null; text: string };
  suggestion: { rag: Suggestion['rag']; label: string; text: string };
}

/** An outcome's evidence as table rows: each measure, overall then each locality. */
export function evidenceRows(evidence: OutcomeEvidence): EvidenceRow[] {
  const minimum = evidence.thresholds?.minimumCount ?? DEFAULT_THRESHOLDS.minimumCount;
  return evidence.measures.flatMap((m) =>
    m.figures.map((f, i) => ({
      measureId: m.measure.id,
      measure: m.measure.label,
      kind: m.measure.kind,
      target: `Target ${percent(m.measure.target)} or ${m.measure.better === 'higher' ? 'more' : 'less'}`,
      first: i === 0,
      locality: f.locality.name,
      localityId: f.locality.id,
      figure: figureInWords(f.latest),
      months: f.month && f.latestFrom ? monthsInWords(f.latestFrom, f.month) : '',
      series: seriesInWords(f.spc),
      suggestion: suggestionInWords(f.suggestion, f.latest, minimum),
    })),
  );
}
