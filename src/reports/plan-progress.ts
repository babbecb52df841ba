/**
 * The improvement plan's progress report for the improvement board (issue 18): each area of the
 * service with what the council wants to see and what needs to change, its outcomes with their
 * lead and due date, the red/amber/green grid by locality and overall (a word in every cell, never
 * a colour alone), the evidence from audits for each measure with its count, 95% interval and
 * whether the monthly series shows a real change, the rating QA Loop suggests beside the one set
 * (with the reason where they differ), and what changed since the last report. As a page of HTML
 * and as Word; the version for publication names nobody (leads as job titles), shows counts from 1
 * to 4 as "fewer than 5" with their intervals withheld, and keeps the headline: the ratings grid
 * and the council-wide figures.
 */

import {
  AlignmentType,
  HeadingLevel,
  Paragraph,
  ShadingType,
  Table,
  TableCell,
  TableLayoutType,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import type { Db } from '../data/db.ts';
import { addMonths, formatDate, formatDateTime, type IsoDate } from '../domain/dates.ts';
import {
  compareRefs,
  RAG_RATINGS,
  type RagRating,
  type RagSuggestion,
  ragLabel,
  type Suggestion,
} from '../domain/improvement-plan.ts';
import type { XmrChart } from '../domain/spc.ts';
import type { Proportion } from '../domain/statistics.ts';
import { LATEST_MONTHS, LATEST_RULE_TEXT, monthsInWords, outcomeEvidence } from '../metrics/plan-evidence.ts';
import { countText, FEWER_THAN, publishShare, type Share, shareText } from './document.ts';
import { escapeHtml, TEXT_WIDTH, wordDocument } from './render.ts';

// ---- the figures, as the evidence gives them ---------------------------------------------------

/** One locality's (or the overall) figure for a measure (src/metrics/plan-evidence.ts). */
export interface EvidenceFigure {
  locality: { id: string | null; name: string };
  latest: Proportion | null;
  /** the month the latest figure runs to, 'YYYY-MM-01' */
  month: string | null;
  spc: Pick<XmrChart, 'enough' | 'signals'> & { points?: XmrChart['points'] };
  suggestion: Suggestion;
  /** the first of the months pooled in the latest figure */
  latestFrom?: string | null;
}

export interface EvidenceMeasure {
  measure: { id: string; label: string; target: number; better: 'higher' | 'lower' };
  /** overall first, then each locality by name */
  figures: EvidenceFigure[];
}

export interface EvidenceOfOutcome {
  measures: EvidenceMeasure[];
  /** per locality id ('' for overall) the combined suggestion */
  suggestions: Map<string, Suggestion | null>;
}

// ---- the report's model ------------------------------------------------------------------------

/** A cell of the ratings grid: the rating set, and QA Loop's suggestion beside it. */
export interface GridCell {
  /** the locality's name, or "Overall" */
  column: string;
  rag: RagRating | null;
  /** "Red", "Not rated" */
  word: string;
  suggested: RagSuggestion | null;
  suggestedWord: string;
  suggestedWhy: string;
  /** the rating and the suggestion differ (red, amber or green each) */
  differs: boolean;
  reason: string;
  /** "set 3 November 2026 by Sam Patel" (no name for publication) */
  setWords: string;
}

export interface EvidenceRow {
  locality: string;
  overall: boolean;
  figure: Share | null;
  /** "21 of 44 (48%, 95% CI 34% to 62%)", or why there is none */
  figureText: string;
  /** "September to November 2026" */
  months: string;
  /** signal or noise, in words */
  signal: string;
  suggestion: string;
}

export interface EvidenceTable {
  label: string;
  /** "Target 80% or more" */
  target: string;
  /** none when the measure has no audits in the months of the latest figure, anywhere */
  rows: EvidenceRow[];
}

/** Said instead of a measure's table when it has no audits in the latest months. */
export const NO_AUDITS_YET = 'No audits on this measure in the last 3 complete months.';

export interface OutcomeSection {
  id: string;
  ref: string;
  outcome: string;
  lead: string;
  due: string;
  grid: GridCell[];
  evidence: EvidenceTable[];
  evidenceNotes: string;
}

export interface AreaSection {
  heading: string;
  wantToSee: string[];
  needsToChange: string[];
  outcomes: OutcomeSection[];
}

export interface RatingChange {
  ref: string;
  column: string;
  from: string;
  to: string;
  reason: string;
  /** "3 December 2026, 2:10pm", "by Sam Patel" for the full version */
  when: string;
  by: string | null;
}

export interface UpdateWritten {
  ref: string;
  writtenOn: string;
  text: string;
  by: string | null;
}

export interface PlanProgressReport {
  title: string;
  councilName: string;
  planTitle: string;
  produced: string;
  publication: boolean;
  /** the grid's columns: each locality, then Overall */
  columns: string[];
  summary: string[];
  /** outcomes by rating: a row per rating, a count per column */
  byRating: { rating: string; counts: number[] }[];
  changes: {
    /** null: the first report */
    since: string | null;
    ratings: RatingChange[];
    updates: UpdateWritten[];
  };
  notes: string[];
  areas: AreaSection[];
}

// ---- the data the report is made from ----------------------------------------------------------

export interface RatingRow {
  outcomeId: string;
  localityId: string | null;
  rag: RagRating;
  suggested: RagSuggestion | null;
  reason: string;
  setAt: Date;
  setByName: string | null;
}

export interface PlanProgressData {
  councilName: string;
  asOf: IsoDate;
  plan: { id: string; title: string };
  localities: { id: string; name: string }[];
  areas: {
    number: string;
    title: string;
    wantToSee: string;
    needsToChange: string;
    outcomes: {
      id: string;
      ref: string;
      outcome: string;
      lead: string;
      leadName: string | null;
      leadJobTitle: string | null;
      dueOn: IsoDate | null;
      evidenceNotes: string;
    }[];
  }[];
  /** every rating of the plan's outcomes, oldest first */
  ratings: RatingRow[];
  updates: { outcomeId: string; writtenOn: IsoDate; text: string; byName: string | null; createdAt: Date }[];
  /** when the last report was produced before today; null for the first */
  lastReportAt: Date | null;
  evidence: Map<string, EvidenceOfOutcome>;
}

const toDate = (x: unknown) => (x instanceof Date ? x : new Date(String(x)));

/** The council's current plan, or undefined when it has none. */
export async function currentPlanOf(db: Db, councilId: string) {
  return db
    .selectFrom('improvement_plans')
    .select(['id', 'title'])
    .where('council_id', '=', councilId)
    .where('status', '=', 'current')
    .executeTakeFirst();
}

/** The start of a day in England, as an instant: reports produced on the same day count as one. */
function startOfLondonDay(now: Date): Date {
  const day = now.toLocaleDateString('en-CA', { timeZone: 'Europe/London' });
  const midnightUtc = new Date(`${day}T00:00:00Z`);
  // England is UTC or one hour ahead: the instant whose London date-time is midnight
  const londonHour = Number(
    midnightUtc.toLocaleString('en-GB', { timeZone: 'Europe/London', hour: '2-digit', hour12: false }),
  );
  return new Date(midnightUtc.getTime() - (londonHour % 24) * 3600_000);
}

/**
 * Everything the report shows about the council's current plan, or undefined when it has none.
 * `now` is the moment it is produced: what changed is counted since the last report produced on an
 * earlier day.
 */
export async function planProgressData(
  db: Db,
  councilId: string,
  asOf: IsoDate,
  now: Date = new Date(),
): Promise<PlanProgressData | undefined> {
  const plan = await currentPlanOf(db, councilId);
  if (!plan) return undefined;
  const council = await db
    .selectFrom('councils')
    .select('name')
    .where('id', '=', councilId)
    .executeTakeFirstOrThrow();
  const localities = await db
    .selectFrom('localities')
    .select(['id', 'name'])
    .where('council_id', '=', councilId)
    .orderBy('name')
    .execute();
  const areas = await db
    .selectFrom('plan_areas')
    .select(['id', 'number', 'title', 'want_to_see', 'needs_to_change'])
    .where('council_id', '=', councilId)
    .where('plan_id', '=', plan.id)
    .orderBy('position')
    .orderBy('number')
    .execute();
  const outcomes = await db
    .selectFrom('plan_outcomes as o')
    .leftJoin('staff as s', 's.id', 'o.lead_staff_id')
    .select([
      'o.id',
      'o.area_id',
      'o.ref',
      'o.outcome',
      'o.lead',
      'o.due_on',
      'o.evidence_notes',
      'o.position',
      's.name as lead_name',
      's.job_title as lead_job_title',
    ])
    .where('o.council_id', '=', councilId)
    .where('o.plan_id', '=', plan.id)
    .execute();
  const outcomeIds = outcomes.map((o) => o.id);
  const ratings = outcomeIds.length
    ? await db
        .selectFrom('plan_ratings as r')
        .leftJoin('staff as s', 's.id', 'r.set_by')
        .select([
          'r.outcome_id',
          'r.locality_id',
          'r.rag',
          'r.suggested',
          'r.reason',
          'r.set_at',
          's.name as set_by_name',
        ])
        .where('r.council_id', '=', councilId)
        .where('r.outcome_id', 'in', outcomeIds)
        .orderBy('r.set_at')
        .execute()
    : [];
  const updates = outcomeIds.length
    ? await db
        .selectFrom('plan_updates as u')
        .leftJoin('staff as s', 's.id', 'u.written_by')
        .select(['u.outcome_id', 'u.written_on', 'u.text', 'u.created_at', 's.name as by_name'])
        .where('u.council_id', '=', councilId)
        .where('u.outcome_id', 'in', outcomeIds)
        .orderBy('u.written_on')
        .orderBy('u.created_at')
        .execute()
    : [];
  const last = await db
    .selectFrom('plan_reports')
    .select('produced_at')
    .where('council_id', '=', councilId)
    .where('plan_id', '=', plan.id)
    .where('produced_at', '<', startOfLondonDay(now))
    .orderBy('produced_at', 'desc')
    .executeTakeFirst();
  const evidence = outcomeIds.length
    ? await outcomeEvidence(db, councilId, outcomeIds, asOf)
    : new Map<string, EvidenceOfOutcome>();
  return {
    councilName: council.name,
    asOf,
    plan,
    localities,
    areas: areas.map((a) => ({
      number: a.number,
      title: a.title,
      wantToSee: a.want_to_see,
      needsToChange: a.needs_to_change,
      outcomes: outcomes
        .filter((o) => o.area_id === a.id)
        .sort((x, y) => x.position - y.position || compareRefs(x.ref, y.ref))
        .map((o) => ({
          id: o.id,
          ref: o.ref,
          outcome: o.outcome,
          lead: o.lead,
          leadName: o.lead_name,
          leadJobTitle: o.lead_job_title,
          dueOn: o.due_on ? String(o.due_on).slice(0, 10) : null,
          evidenceNotes: o.evidence_notes,
        })),
    })),
    ratings: ratings.map((r) => ({
      outcomeId: r.outcome_id,
      localityId: r.locality_id,
      rag: r.rag,
      suggested: r.suggested,
      reason: r.reason,
      setAt: toDate(r.set_at),
      setByName: r.set_by_name,
    })),
    updates: updates.map((u) => ({
      outcomeId: u.outcome_id,
      writtenOn: String(u.written_on).slice(0, 10),
      text: u.text,
      byName: u.by_name,
      createdAt: toDate(u.created_at),
    })),
    lastReportAt: last ? toDate(last.produced_at) : null,
    evidence: evidence as Map<string, EvidenceOfOutcome>,
  };
}

/** Records a report produced, so the next says what changed since. */
export async function recordPlanReport(
  db: Db,
  councilId: string,
  planId: string,
  staffId: string | null,
  version: 'full' | 'publication',
): Promise<void> {
  await db
    .insertInto('plan_reports')
    .values({ council_id: councilId, plan_id: planId, produced_by: staffId, version })
    .execute();
}

// ---- building the report -----------------------------------------------------------------------

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** The lines of a list kept one item per line, without numbers or bullets typed in front. */
export function listItems(text: string): string[] {
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((l) => l.replace(/^\s*(?:[-•*]|\d+[.)])\s*/, '').trim())
    .filter(Boolean);
}

/** The lead as a job title: the plan's words, or the lead's job title, never a person's name. */
function leadForPublication(o: PlanProgressData['areas'][number]['outcomes'][number]): string {
  const lead = o.lead.trim();
  if (lead && (!o.leadName || lead.toLowerCase() !== o.leadName.toLowerCase())) return lead;
  return o.leadJobTitle?.trim() || 'Not recorded';
}

function leadInFull(o: PlanProgressData['areas'][number]['outcomes'][number]): string {
  const lead = o.lead.trim();
  if (!o.leadName) return lead || 'Not recorded';
  if (!lead || lead.toLowerCase() === o.leadName.toLowerCase()) return o.leadName;
  return `${lead} (${o.leadName})`;
}

/** The months a latest figure pools: the 3 complete months up to `month`. */
function pooledMonths(from: string | null | undefined, month: string | null): string {
  if (!month) return '';
  const to = `${month.slice(0, 7)}-01`;
  return monthsInWords(from ? `${from.slice(0, 7)}-01` : addMonths(to, 1 - LATEST_MONTHS), to);
}

/** Whether the monthly series shows a real change, in words. */
export function signalWords(spc: EvidenceFigure['spc']): string {
  if (!spc.enough) return 'Too few months of figures to tell a real change from ordinary variation';
  if (!spc.signals.length) return 'Ordinary variation (noise): no sign of a real change';
  return `A sign of real change (signal): ${spc.signals.map((s) => s.description).join('; ')}`;
}

/**
 * A measure's figures as published: small counts as "fewer than 5", their rate and interval
 * withheld; where one locality alone is hidden, the smallest other locality is withheld too, so the
 * hidden one cannot be worked out from the overall figure. The overall figure is always given.
 */
export function publishFigures(figures: readonly EvidenceFigure[]): (Share | null)[] {
  const shown: (Share | null)[] = figures.map((f) =>
    !f.latest ? null : f.locality.id === null ? f.latest : publishShare(f.latest),
  );
  const hidden = (s: Share | null) => s !== null && (s.rate === null || typeof s.count !== 'number');
  const localities = figures.map((f, i) => ({ f, i })).filter(({ f }) => f.locality.id !== null);
  const hiddenOnes = localities.filter(({ i }) => hidden(shown[i]) && (figures[i].latest?.total ?? 0) > 0);
  if (hiddenOnes.length === 1) {
    const partner = localities
      .filter(
        ({ i }) => !hidden(shown[i]) && figures[i].latest && (figures[i].latest as Proportion).total > 0,
      )
      .sort((a, b) => (a.f.latest as Proportion).total - (b.f.latest as Proportion).total)[0];
    if (partner) shown[partner.i] = publishShare(partner.f.latest as Proportion, true);
  }
  return shown;
}

function figureWords(share: Share | null): string {
  if (!share || (typeof share.total === 'number' && share.total === 0)) return 'No audits yet';
  if (typeof share.count === 'number' && typeof share.total === 'number') return shareText(share);
  // as published: say what is hidden and why, in words
  if (share.total === FEWER_THAN) return 'Fewer than 5 audits: not shown';
  if (share.count === FEWER_THAN) return `Fewer than 5 of ${countText(share.total)}: rate not shown`;
  if (typeof share.total === 'number')
    return `Withheld (of ${countText(share.total)}): it would show a small count`;
  return 'Withheld, so that another locality’s small count cannot be worked out';
}

function targetWords(m: EvidenceMeasure['measure']): string {
  return m.better === 'higher' ? `Target ${pct(m.target)} or more` : `Target ${pct(m.target)} or less`;
}

function suggestionWords(
  s: Suggestion | null | undefined,
  publication: boolean,
  share: Share | null,
): string {
  if (!s) return 'Nothing to suggest from';
  // a suggestion of a hidden figure would tell how small it is
  if (publication && share && (share.rate === null || typeof share.count !== 'number'))
    return share.total === FEWER_THAN ? 'Too few audits to tell' : 'Not shown with its figure';
  if (s.rag === 'too_few') return `Too few audits to tell (${s.why})`;
  return `${ragLabel(s.rag)}: ${s.why}`;
}

/** The report from its data: in full, or prepared for publication. */
export function planProgressReport(data: PlanProgressData, publication: boolean): PlanProgressReport {
  const columns = [...data.localities.map((l) => l.name), 'Overall'];
  const columnIds = [...data.localities.map((l) => l.id), ''];
  const columnOf = (localityId: string | null) =>
    localityId === null
      ? 'Overall'
      : (data.localities.find((l) => l.id === localityId)?.name ?? 'A locality');
  const current = new Map<string, RatingRow>();
  for (const r of data.ratings) current.set(`${r.outcomeId}|${r.localityId ?? ''}`, r);
  const refOf = new Map<string, string>();
  for (const a of data.areas) for (const o of a.outcomes) refOf.set(o.id, o.ref);

  const areas: AreaSection[] = data.areas.map((a) => ({
    heading: [a.number, a.title].filter(Boolean).join(' '),
    wantToSee: listItems(a.wantToSee),
    needsToChange: listItems(a.needsToChange),
    outcomes: a.outcomes.map((o) => {
      const evidence = data.evidence.get(o.id);
      const grid: GridCell[] = columnIds.map((id, i) => {
        const r = current.get(`${o.id}|${id}`);
        const s = evidence?.suggestions.get(id) ?? null;
        const suggested = s?.rag ?? r?.suggested ?? null;
        const rag = r?.rag ?? null;
        const differs =
          rag !== null &&
          suggested !== null &&
          suggested !== 'too_few' &&
          ['red', 'amber', 'green'].includes(rag) &&
          rag !== suggested;
        const when = r ? formatDate(r.setAt.toISOString().slice(0, 10)) : '';
        return {
          column: columns[i],
          rag,
          word: ragLabel(rag),
          suggested,
          suggestedWord: suggested ? ragLabel(suggested) : 'Nothing to suggest from',
          suggestedWhy: s?.why ?? '',
          differs,
          reason: r?.reason ?? '',
          setWords: r ? `Set ${when}${!publication && r.setByName ? ` by ${r.setByName}` : ''}` : '',
        };
      });
      const tables: EvidenceTable[] = (evidence?.measures ?? []).map((m) => {
        const shown = publication ? publishFigures(m.figures) : m.figures.map((f) => f.latest);
        const none = m.figures.every((f) => !f.latest || f.latest.total === 0);
        return {
          label: m.measure.label,
          target: targetWords(m.measure),
          rows: (none ? [] : m.figures).map((f, i) => ({
            locality: f.locality.id === null ? 'Overall' : f.locality.name,
            overall: f.locality.id === null,
            figure: shown[i],
            figureText: figureWords(shown[i]),
            months: pooledMonths(f.latestFrom, f.month),
            signal: signalWords(f.spc),
            suggestion: suggestionWords(f.suggestion, publication && f.locality.id !== null, shown[i]),
          })),
        };
      });
      return {
        id: o.id,
        ref: o.ref,
        outcome: o.outcome,
        lead: publication ? leadForPublication(o) : leadInFull(o),
        due: o.dueOn ? formatDate(o.dueOn) : 'No date set',
        grid,
        evidence: tables,
        evidenceNotes: o.evidenceNotes.trim(),
      };
    }),
  }));

  // outcomes by rating, per column
  const outcomes = areas.flatMap((a) => a.outcomes);
  const ratingRows = [
    ...RAG_RATINGS.map((r) => ({ value: r.value as RagRating | null, label: r.label })),
    { value: null, label: 'Not rated' },
  ];
  const byRating = ratingRows.map((r) => ({
    rating: r.label,
    counts: columns.map((_, i) => outcomes.filter((o) => o.grid[i].rag === r.value).length),
  }));
  const overall = byRating.map((r) => ({ rating: r.rating, n: r.counts[columns.length - 1] }));
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const summary = [
    `${count(outcomes.length, 'outcome')} in ${count(areas.length, 'area')} of the service.`,
    `Overall: ${overall
      .filter((r) => r.n > 0)
      .map((r) => `${r.n} ${r.rating.toLowerCase()}`)
      .join(', ')}.`,
  ];
  const differing = outcomes.filter((o) => o.grid.some((c) => c.differs)).length;
  if (differing)
    summary.push(
      `${count(differing, 'outcome')} ${differing === 1 ? 'has' : 'have'} a rating that differs from the one the audit evidence suggests; each gives its reason.`,
    );

  // what changed since the last report: each cell whose rating now differs from its rating then
  // (a change made and undone in between is no change), and the updates written since; nothing
  // listed for the first report
  const since = data.lastReportAt;
  const ratingChanges: RatingChange[] = [];
  let updates: UpdateWritten[] = [];
  if (since) {
    const then = new Map<string, RatingRow>();
    for (const r of data.ratings) if (r.setAt <= since) then.set(`${r.outcomeId}|${r.localityId ?? ''}`, r);
    const order = (localityId: string | null) => columnIds.indexOf(localityId ?? '');
    const changed = [...current.entries()]
      .filter(([key, r]) => r.setAt > since && refOf.has(r.outcomeId) && then.get(key)?.rag !== r.rag)
      .map(([key, r]) => ({ r, before: then.get(key) }))
      .sort(
        (a, b) =>
          compareRefs(refOf.get(a.r.outcomeId) as string, refOf.get(b.r.outcomeId) as string) ||
          order(a.r.localityId) - order(b.r.localityId),
      );
    for (const { r, before } of changed)
      ratingChanges.push({
        ref: refOf.get(r.outcomeId) as string,
        column: columnOf(r.localityId),
        from: before ? ragLabel(before.rag) : 'Not rated',
        to: ragLabel(r.rag),
        reason: r.reason,
        when: formatDate(r.setAt.toISOString().slice(0, 10)),
        by: publication ? null : r.setByName,
      });
    updates = data.updates
      .filter((u) => u.createdAt > since && refOf.has(u.outcomeId))
      .map((u) => ({
        ref: refOf.get(u.outcomeId) as string,
        writtenOn: formatDate(u.writtenOn),
        text: u.text,
        by: publication ? null : u.byName,
      }))
      .sort((a, b) => compareRefs(a.ref, b.ref));
  }

  const notes = [
    'Each cell of the ratings grid gives the rating set by the outcome’s lead, and beside it the rating the audit evidence suggests under the thresholds the council set. Where the two differ, the lead’s reason is given.',
    `${LATEST_RULE_TEXT} Each figure gives its count and 95% confidence interval (Wilson). Whether the monthly figures show a real change or ordinary variation is read by the rules of an XmR chart. Too few audits to tell is said in words, never shown as a colour.`,
    ...(publication
      ? [
          `Prepared for publication: no person is named (leads are given as job titles), counts from 1 to 4 are shown as “${FEWER_THAN}” and their rates and intervals are withheld, with another locality’s where the overall figure would give them back. The ratings grid and the overall figures are always given.`,
        ]
      : []),
  ];

  return {
    title: `${data.plan.title}: progress report`,
    councilName: data.councilName,
    planTitle: data.plan.title,
    produced: formatDate(data.asOf),
    publication,
    columns,
    summary,
    byRating,
    changes: {
      since: since ? formatDateTime(since) : null,
      ratings: ratingChanges,
      updates,
    },
    notes,
    areas,
  };
}

/** The report of the council's current plan, or undefined when it has none. */
export async function buildPlanProgress(
  db: Db,
  councilId: string,
  asOf: IsoDate,
  publication: boolean,
  now: Date = new Date(),
): Promise<{ planId: string; report: PlanProgressReport } | undefined> {
  const data = await planProgressData(db, councilId, asOf, now);
  if (!data) return undefined;
  return { planId: data.plan.id, report: planProgressReport(data, publication) };
}

// ---- HTML --------------------------------------------------------------------------------------

const TAG: Record<string, string> = {
  red: 'govuk-tag--red',
  amber: 'govuk-tag--orange',
  green: 'govuk-tag--green',
  complete: 'govuk-tag--blue',
  not_started: 'govuk-tag--grey',
  too_few: 'govuk-tag--grey',
};

function tagHtml(rag: string | null, word: string): string {
  return `<strong class="govuk-tag ${rag ? (TAG[rag] ?? 'govuk-tag--grey') : 'govuk-tag--grey'} app-rag">${escapeHtml(word)}</strong>`;
}

function scroll(label: string, table: string): string {
  return `<div class="app-table-scroll" role="region" aria-label="${escapeHtml(label)}" tabindex="0">${table}</div>`;
}

function listHtml(items: string[]): string {
  return `<ol class="govuk-list govuk-list--number">${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ol>`;
}

/**
 * The report's body with GOV.UK Frontend's classes, its title at `level`. Without `title` (a page
 * that gives the title and what it is for itself) the title and the lines under it are left out.
 */
export function planProgressBodyHtml(
  r: PlanProgressReport,
  level: 1 | 2 = 1,
  options: { title?: boolean } = {},
): string {
  const h = (n: number) => `h${Math.min(6, level + n)}`;
  const out: string[] = [];
  if (options.title ?? true) {
    out.push(`<${h(0)} class="govuk-heading-l">${escapeHtml(r.title)}</${h(0)}>`);
    out.push(`<p class="govuk-body-l">${subtitleLines(r).map(escapeHtml).join('<br>')}</p>`);
  }
  out.push(`<${h(1)} class="govuk-heading-m">Summary</${h(1)}>`);
  out.push(
    `<ul class="govuk-list govuk-list--bullet">${r.summary.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>`,
  );
  const head = ['Rating', ...r.columns]
    .map(
      (c, i) =>
        `<th scope="col" class="govuk-table__header${i ? ' govuk-table__header--numeric' : ''}">${escapeHtml(c)}</th>`,
    )
    .join('');
  const rows = r.byRating
    .map(
      (row) =>
        `<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${escapeHtml(row.rating)}</th>${row.counts
          .map((n) => `<td class="govuk-table__cell govuk-table__cell--numeric">${n}</td>`)
          .join('')}</tr>`,
    )
    .join('');
  out.push(
    scroll(
      'Outcomes by rating',
      `<table class="govuk-table" id="outcomes-by-rating"><caption class="govuk-table__caption govuk-table__caption--s">Outcomes by rating</caption><thead class="govuk-table__head"><tr class="govuk-table__row">${head}</tr></thead><tbody class="govuk-table__body">${rows}</tbody></table>`,
    ),
  );
  for (const n of r.notes) out.push(`<p class="govuk-body-s app-report-note">${escapeHtml(n)}</p>`);

  out.push(`<${h(1)} class="govuk-heading-m" id="what-changed">What changed since the last report</${h(1)}>`);
  out.push(`<p class="govuk-body">${escapeHtml(sinceWords(r))}</p>`);
  if (r.changes.since !== null) out.push(`<${h(2)} class="govuk-heading-s">Ratings changed</${h(2)}>`);
  if (r.changes.since === null) {
    // the first report: nothing to compare with
  } else if (!r.changes.ratings.length) out.push('<p class="govuk-body">No rating has changed.</p>');
  else
    out.push(
      scroll(
        'Ratings changed',
        `<table class="govuk-table" id="ratings-changed"><caption class="govuk-visually-hidden">Ratings changed</caption><thead class="govuk-table__head"><tr class="govuk-table__row">${[
          'Outcome',
          'Where',
          'From',
          'To',
          'When',
          'Reason',
        ]
          .map((c) => `<th scope="col" class="govuk-table__header">${c}</th>`)
          .join('')}</tr></thead><tbody class="govuk-table__body">${r.changes.ratings
          .map(
            (c) =>
              `<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${escapeHtml(c.ref)}</th><td class="govuk-table__cell">${escapeHtml(c.column)}</td><td class="govuk-table__cell">${escapeHtml(c.from)}</td><td class="govuk-table__cell">${escapeHtml(c.to)}</td><td class="govuk-table__cell">${escapeHtml(changeWhen(c))}</td><td class="govuk-table__cell">${escapeHtml(c.reason)}</td></tr>`,
          )
          .join('')}</tbody></table>`,
      ),
    );
  if (r.changes.since !== null) out.push(`<${h(2)} class="govuk-heading-s">Updates written</${h(2)}>`);
  if (r.changes.since === null) {
    // the first report
  } else if (!r.changes.updates.length) out.push('<p class="govuk-body">No update has been written.</p>');
  else
    out.push(
      `<ul class="govuk-list">${r.changes.updates
        .map(
          (u) =>
            `<li><strong>${escapeHtml(u.ref)}</strong>, ${escapeHtml(updateWhen(u))}: ${escapeHtml(u.text)}</li>`,
        )
        .join('')}</ul>`,
    );

  for (const area of r.areas) {
    out.push(`<section class="app-report-chapter" aria-label="${escapeHtml(area.heading)}">`);
    out.push(`<${h(1)} class="govuk-heading-l">${escapeHtml(area.heading)}</${h(1)}>`);
    if (area.wantToSee.length) {
      out.push(
        `<${h(2)} class="govuk-heading-s">What do we want to see?</${h(2)}>`,
        listHtml(area.wantToSee),
      );
    }
    if (area.needsToChange.length) {
      out.push(
        `<${h(2)} class="govuk-heading-s">What needs to change?</${h(2)}>`,
        listHtml(area.needsToChange),
      );
    }
    if (!area.outcomes.length) out.push('<p class="govuk-body">No outcomes in this area.</p>');
    for (const o of area.outcomes) out.push(outcomeHtml(r, o, h));
    out.push('</section>');
  }
  return out.join('\n');
}

/** The lines under the title: the council, the date, and whether it is for publication. */
export function subtitleLines(r: PlanProgressReport): string[] {
  return [r.councilName, `Produced ${r.produced}`, ...(r.publication ? ['For publication'] : [])];
}

function changeWhen(c: RatingChange) {
  return c.by ? `${c.when} by ${c.by}` : c.when;
}
function updateWhen(u: UpdateWritten) {
  return u.by ? `${u.writtenOn} by ${u.by}` : u.writtenOn;
}

export function sinceWords(r: PlanProgressReport): string {
  return r.changes.since
    ? `Since the last report, produced ${r.changes.since} (reports produced on the same day count as one).`
    : 'This is the first progress report of the plan, so there is no earlier report to compare with: the ratings below are those set now. The next report will list the ratings changed and the updates written since this one.';
}

function outcomeHtml(r: PlanProgressReport, o: OutcomeSection, h: (n: number) => string): string {
  const out: string[] = [];
  out.push(`<${h(2)} class="govuk-heading-m">${escapeHtml(`${o.ref} ${o.outcome}`)}</${h(2)}>`);
  out.push(
    `<dl class="govuk-summary-list govuk-summary-list--no-border app-plan-facts"><div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Lead</dt><dd class="govuk-summary-list__value">${escapeHtml(o.lead)}</dd></div><div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Due</dt><dd class="govuk-summary-list__value">${escapeHtml(o.due)}</dd></div></dl>`,
  );
  const head = ['', ...r.columns]
    .map((c, i) =>
      i
        ? `<th scope="col" class="govuk-table__header">${escapeHtml(c)}</th>`
        : '<td class="govuk-table__header"></td>',
    )
    .join('');
  const set = o.grid.map((c) => `<td class="govuk-table__cell">${tagHtml(c.rag, c.word)}</td>`).join('');
  const suggested = o.grid
    .map((c) => `<td class="govuk-table__cell">${escapeHtml(c.suggestedWord)}</td>`)
    .join('');
  out.push(
    scroll(
      `Ratings of ${o.ref}`,
      `<table class="govuk-table app-rag-grid"><caption class="govuk-table__caption govuk-table__caption--s">Ratings of ${escapeHtml(o.ref)}</caption><thead class="govuk-table__head"><tr class="govuk-table__row">${head}</tr></thead><tbody class="govuk-table__body"><tr class="govuk-table__row"><th scope="row" class="govuk-table__header">Rating set</th>${set}</tr><tr class="govuk-table__row"><th scope="row" class="govuk-table__header">Suggested by the audits</th>${suggested}</tr></tbody></table>`,
    ),
  );
  const differ = o.grid.filter((c) => c.differs);
  if (differ.length) {
    out.push(
      `<ul class="govuk-list">${differ
        .map(
          (c) =>
            `<li><strong>${escapeHtml(c.column)}</strong>: rated ${escapeHtml(c.word.toLowerCase())} where the audits suggest ${escapeHtml(c.suggestedWord.toLowerCase())}. Reason: ${escapeHtml(c.reason || 'none given')}</li>`,
        )
        .join('')}</ul>`,
    );
  }
  if (!o.evidence.length) out.push('<p class="govuk-body">No audit measures are linked to this outcome.</p>');
  for (const t of o.evidence) {
    if (!t.rows.length) {
      out.push(
        `<${h(3)} class="govuk-heading-s">${escapeHtml(t.label)} (${escapeHtml(t.target)})</${h(3)}>`,
        `<p class="govuk-body">${NO_AUDITS_YET}</p>`,
      );
      continue;
    }
    out.push(
      scroll(
        `Evidence: ${t.label}`,
        `<table class="govuk-table app-plan-evidence"><caption class="govuk-table__caption govuk-table__caption--s">${escapeHtml(t.label)} (${escapeHtml(t.target)})</caption><thead class="govuk-table__head"><tr class="govuk-table__row">${[
          'Where',
          'Latest figure',
          'Months',
          'Change over time',
          'Suggested rating',
        ]
          .map((c) => `<th scope="col" class="govuk-table__header">${c}</th>`)
          .join('')}</tr></thead><tbody class="govuk-table__body">${t.rows
          .map(
            (row) =>
              `<tr class="govuk-table__row${row.overall ? ' app-row--total' : ''}"><th scope="row" class="govuk-table__header">${escapeHtml(row.locality)}</th><td class="govuk-table__cell">${escapeHtml(row.figureText)}</td><td class="govuk-table__cell">${escapeHtml(row.months)}</td><td class="govuk-table__cell">${escapeHtml(row.signal)}</td><td class="govuk-table__cell">${escapeHtml(row.suggestion)}</td></tr>`,
          )
          .join('')}</tbody></table>`,
      ),
    );
  }
  if (o.evidenceNotes)
    out.push(`<p class="govuk-body"><strong>Evidence notes:</strong> ${escapeHtml(o.evidenceNotes)}</p>`);
  return out.join('\n');
}

// ---- Word --------------------------------------------------------------------------------------

/** Light fills, each with its word in the cell: legible in black, told apart without colour. */
const FILL: Record<string, string> = {
  red: 'F4C7C0',
  amber: 'FFE3A3',
  green: 'C5E3D0',
  complete: 'CFE0F2',
  not_started: 'E8E8E8',
};
const HEADER_FILL = 'F3F2F1';
const SMALL = 18;

function cell(
  text: string,
  width: number,
  options: { fill?: string; bold?: boolean; header?: boolean; right?: boolean; keepNext?: boolean } = {},
): TableCell {
  const fill = options.fill ?? (options.header ? HEADER_FILL : undefined);
  return new TableCell({
    width: { size: width, type: WidthType.DXA },
    margins: { top: 30, bottom: 30, left: 80, right: 80 },
    ...(fill ? { shading: { type: ShadingType.CLEAR, color: 'auto', fill } } : {}),
    children: [
      new Paragraph({
        alignment: options.right ? AlignmentType.RIGHT : AlignmentType.LEFT,
        keepNext: options.keepNext,
        children: [new TextRun({ text: text || ' ', bold: options.bold || options.header, size: SMALL })],
      }),
    ],
  });
}

function table(
  widths: number[],
  header: string[],
  rows: { cells: string[]; fills?: (string | undefined)[]; bold?: boolean }[],
  options: { right?: boolean; keepTogether?: boolean } = {},
): Table {
  const right = options.right ?? false;
  // a short table is kept on one page: every row but the last keeps with the next
  const keep = (row: number) => Boolean(options.keepTogether) && row < rows.length - 1;
  const scaled = widths.map((w) => Math.floor((w / widths.reduce((a, b) => a + b, 0)) * TEXT_WIDTH));
  return new Table({
    width: { size: scaled.reduce((a, b) => a + b, 0), type: WidthType.DXA },
    columnWidths: scaled,
    layout: TableLayoutType.FIXED,
    rows: [
      new TableRow({
        tableHeader: true,
        cantSplit: true,
        children: header.map((c, i) =>
          cell(c, scaled[i], { header: true, right: right && i > 0, keepNext: keep(-1) }),
        ),
      }),
      ...rows.map(
        (r, n) =>
          new TableRow({
            cantSplit: true,
            children: r.cells.map((c, i) =>
              cell(c, scaled[i], {
                fill: r.fills?.[i],
                bold: i === 0 || r.bold || Boolean(r.fills?.[i]),
                right: right && i > 0,
                keepNext: keep(n),
              }),
            ),
          }),
      ),
    ],
  });
}

const gap = () => new Paragraph({ spacing: { before: 0, after: 120 } });

/** A numbered list as the plan numbers it, with a hanging indent. */
function numbered(items: string[]): Paragraph[] {
  return items.map(
    (text, i) =>
      new Paragraph({
        indent: { left: 500, hanging: 360 },
        spacing: { after: 40 },
        children: [new TextRun({ text: `${i + 1}.\t${text}` })],
        tabStops: [{ type: 'left', position: 500 }],
      }),
  );
}

/** The report as a Word document: A4, headings, real tables, the grid's cells shaded with their word. */
export async function planProgressDocx(r: PlanProgressReport): Promise<Buffer> {
  const out: (Paragraph | Table)[] = [];
  const list = numbered;
  out.push(
    new Paragraph({
      spacing: { after: 120 },
      children: [new TextRun({ text: r.councilName, size: 32, bold: true })],
    }),
    new Paragraph({ text: r.title, heading: HeadingLevel.TITLE, spacing: { after: 200 } }),
    new Paragraph({ children: [new TextRun({ text: `Produced ${r.produced}`, size: 24 })] }),
  );
  if (r.publication)
    out.push(
      new Paragraph({
        spacing: { before: 120 },
        children: [new TextRun({ text: 'For publication', bold: true })],
      }),
    );
  out.push(
    new Paragraph({
      text: 'Summary',
      heading: HeadingLevel.HEADING_1,
      keepNext: true,
      spacing: { before: 240 },
    }),
  );
  for (const s of r.summary) out.push(new Paragraph({ text: s, bullet: { level: 0 } }));
  out.push(gap());
  out.push(
    new Paragraph({
      text: 'Outcomes by rating',
      heading: HeadingLevel.HEADING_3,
      keepNext: true,
      spacing: { before: 120 },
    }),
  );
  out.push(
    table(
      [3, ...r.columns.map(() => 2)],
      ['Rating', ...r.columns],
      r.byRating.map((row) => ({ cells: [row.rating, ...row.counts.map(String)] })),
      { right: true, keepTogether: true },
    ),
    gap(),
  );
  for (const n of r.notes)
    out.push(
      new Paragraph({
        spacing: { after: 80 },
        children: [new TextRun({ text: n, italics: true, size: SMALL })],
      }),
    );

  out.push(
    new Paragraph({
      text: 'What changed since the last report',
      heading: HeadingLevel.HEADING_1,
      keepNext: true,
    }),
  );
  out.push(new Paragraph({ text: sinceWords(r) }));
  // the first report has nothing to compare with
  if (r.changes.since !== null) {
    out.push(
      new Paragraph({
        text: 'Ratings changed',
        heading: HeadingLevel.HEADING_3,
        keepNext: true,
        spacing: { before: 120 },
      }),
    );
    if (!r.changes.ratings.length) out.push(new Paragraph({ text: 'No rating has changed.' }));
    else
      out.push(
        table(
          [1.5, 2, 1.4, 1.4, 2.4, 5],
          ['Outcome', 'Where', 'From', 'To', 'When', 'Reason'],
          r.changes.ratings.map((c) => ({ cells: [c.ref, c.column, c.from, c.to, changeWhen(c), c.reason] })),
        ),
        gap(),
      );
    out.push(
      new Paragraph({
        text: 'Updates written',
        heading: HeadingLevel.HEADING_3,
        keepNext: true,
        spacing: { before: 120 },
      }),
    );
    if (!r.changes.updates.length) out.push(new Paragraph({ text: 'No update has been written.' }));
    for (const u of r.changes.updates)
      out.push(
        new Paragraph({
          spacing: { after: 80 },
          children: [
            new TextRun({ text: `${u.ref}, ${updateWhen(u)}: `, bold: true }),
            new TextRun({ text: u.text }),
          ],
        }),
      );
  }

  for (const area of r.areas) {
    out.push(
      new Paragraph({
        text: area.heading,
        heading: HeadingLevel.HEADING_1,
        spacing: { before: 480 },
        keepNext: true,
      }),
    );
    if (area.wantToSee.length) {
      out.push(
        new Paragraph({
          text: 'What do we want to see?',
          heading: HeadingLevel.HEADING_3,
          keepNext: true,
          spacing: { before: 120 },
        }),
      );
      out.push(...list(area.wantToSee));
    }
    if (area.needsToChange.length) {
      out.push(
        new Paragraph({
          text: 'What needs to change?',
          heading: HeadingLevel.HEADING_3,
          keepNext: true,
          spacing: { before: 120 },
        }),
      );
      out.push(...list(area.needsToChange));
    }
    if (!area.outcomes.length) out.push(new Paragraph({ text: 'No outcomes in this area.' }));
    for (const o of area.outcomes) {
      out.push(
        new Paragraph({
          text: `${o.ref} ${o.outcome}`,
          heading: HeadingLevel.HEADING_2,
          keepNext: true,
          spacing: { before: 200 },
        }),
      );
      out.push(
        new Paragraph({
          keepNext: true,
          children: [
            new TextRun({ text: 'Lead: ', bold: true }),
            new TextRun({ text: o.lead }),
            new TextRun({ text: '    Due: ', bold: true }),
            new TextRun({ text: o.due }),
          ],
        }),
      );
      out.push(
        table(
          [3.2, ...r.columns.map(() => 2)],
          ['', ...r.columns],
          [
            {
              cells: ['Rating set', ...o.grid.map((c) => c.word)],
              fills: [undefined, ...o.grid.map((c) => (c.rag ? FILL[c.rag] : undefined))],
            },
            { cells: ['Suggested by the audits', ...o.grid.map((c) => c.suggestedWord)] },
          ],
          { keepTogether: true },
        ),
      );
      for (const c of o.grid.filter((x) => x.differs))
        out.push(
          new Paragraph({
            spacing: { before: 80 },
            children: [
              new TextRun({ text: `${c.column}: `, bold: true }),
              new TextRun({
                text: `rated ${c.word.toLowerCase()} where the audits suggest ${c.suggestedWord.toLowerCase()}. Reason: ${c.reason || 'none given'}`,
              }),
            ],
          }),
        );
      out.push(gap());
      if (!o.evidence.length)
        out.push(
          new Paragraph({
            children: [new TextRun({ text: 'No audit measures are linked to this outcome.', italics: true })],
          }),
        );
      for (const t of o.evidence) {
        out.push(
          new Paragraph({
            keepNext: true,
            spacing: { after: 60 },
            children: [new TextRun({ text: `${t.label} (${t.target})`, bold: true, size: 20 })],
          }),
        );
        if (!t.rows.length) {
          out.push(new Paragraph({ spacing: { after: 120 }, text: NO_AUDITS_YET }));
          continue;
        }
        out.push(
          table(
            [1.8, 4.3, 2.2, 3.4, 3],
            ['Where', 'Latest figure', 'Months', 'Change over time', 'Suggested rating'],
            t.rows.map((row) => ({
              cells: [row.locality, row.figureText, row.months, row.signal, row.suggestion],
              bold: row.overall,
            })),
            { keepTogether: true },
          ),
          gap(),
        );
      }
      if (o.evidenceNotes)
        out.push(
          new Paragraph({
            children: [
              new TextRun({ text: 'Evidence notes: ', bold: true }),
              new TextRun({ text: o.evidenceNotes }),
            ],
          }),
        );
    }
  }
  return wordDocument(r.title, out, { publication: r.publication, fontSize: 20 });
}
