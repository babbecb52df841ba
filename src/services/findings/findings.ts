/**
 * Findings (domain.md §12, issue 23): every themed audit, dip-sample round and multi-agency audit
 * ends in a findings report made from its sample. The figures are counted (src/metrics/findings.ts);
 * what they cannot say the QA lead writes here, one transaction at a time: the question, the
 * summary, the learning, the practice themes the findings are about, the earlier round to compare
 * with, and which outcomes of the improvement plan cite the findings as evidence.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import type { ActivityKind } from '../../domain/activity-kinds.ts';
import { compareRefs } from '../../domain/improvement-plan.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';

/** The kinds of sample that end in a findings report: everything but the monthly full audits. */
export const FINDINGS_KINDS: readonly ActivityKind[] = ['themed', 'dip_sample', 'multi_agency'];

export const MAX_QUESTION = 500;
export const MAX_FINDINGS_TEXT = 20000;

export interface FindingsText {
  id: string | null;
  question: string;
  summary: string;
  learning: string;
  compareWithSampleId: string | null;
  themeKeys: string[];
  updatedAt: Date | null;
  updatedByName: string | null;
}

/** A sample of a kind that ends in findings, of the council; NotFoundError otherwise. */
async function requireFindingsSample(db: Db, councilId: string, sampleId: string) {
  const sample = await db
    .selectFrom('samples')
    .select(['id', 'kind', 'tool_id', 'cohort_id', 'drawn_at', 'cohort_name'])
    .where('council_id', '=', councilId)
    .where('id', '=', sampleId)
    .where('kind', 'in', FINDINGS_KINDS)
    // a recurring review's rounds are reported by their schedule (src/reports/review-report.ts)
    .where('review_schedule_id', 'is', null)
    .executeTakeFirst();
  if (!sample) throw new NotFoundError('findings');
  return sample;
}

/** What the QA lead has written of a sample's findings (all blank before they write anything). */
export async function findingsText(db: Db, councilId: string, sampleId: string): Promise<FindingsText> {
  await requireFindingsSample(db, councilId, sampleId);
  const row = await db
    .selectFrom('findings_reports as f')
    .leftJoin('staff as s', 's.id', 'f.updated_by')
    .select([
      'f.id',
      'f.question',
      'f.summary',
      'f.learning',
      'f.compare_with_sample_id',
      'f.updated_at',
      's.name',
    ])
    .where('f.council_id', '=', councilId)
    .where('f.sample_id', '=', sampleId)
    .executeTakeFirst();
  if (!row)
    return {
      id: null,
      question: '',
      summary: '',
      learning: '',
      compareWithSampleId: null,
      themeKeys: [],
      updatedAt: null,
      updatedByName: null,
    };
  const themes = await db
    .selectFrom('findings_themes')
    .select('theme_key')
    .where('council_id', '=', councilId)
    .where('findings_id', '=', row.id)
    .orderBy('theme_key')
    .execute();
  return {
    id: row.id,
    question: row.question,
    summary: row.summary,
    learning: row.learning,
    compareWithSampleId: row.compare_with_sample_id,
    themeKeys: themes.map((t) => t.theme_key),
    updatedAt: row.updated_at,
    updatedByName: row.name,
  };
}

export interface EarlierRound {
  sampleId: string;
  month: string;
  cohortName: string;
  toolName: string | null;
  drawnAt: Date;
  /** the same tool (any version), or only the same cohort */
  sameTool: boolean;
}

/**
 * The earlier rounds a sample's findings may be compared with: the council's samples drawn before
 * it that use the same tool (whose questions keep their keys across versions), or drew from the
 * same cohort. Newest first.
 */
export async function earlierRounds(db: Db, councilId: string, sampleId: string): Promise<EarlierRound[]> {
  const sample = await requireFindingsSample(db, councilId, sampleId);
  const rows = await db
    .selectFrom('samples as s')
    .innerJoin('programme_months as m', 'm.id', 's.month_id')
    .leftJoin('audit_tools as t', 't.id', 's.tool_id')
    .select(['s.id', 'm.month', 's.cohort_name', 't.name as tool_name', 's.drawn_at', 's.tool_id'])
    .where('s.council_id', '=', councilId)
    .where('s.id', '<>', sampleId)
    .where('s.kind', 'in', FINDINGS_KINDS)
    .where('s.review_schedule_id', 'is', null)
    .where('s.drawn_at', '<', sample.drawn_at)
    .where((eb) => {
      const same = [];
      if (sample.tool_id) same.push(eb('s.tool_id', '=', sample.tool_id));
      if (sample.cohort_id) same.push(eb('s.cohort_id', '=', sample.cohort_id));
      return same.length ? eb.or(same) : eb.val(false);
    })
    .orderBy('s.drawn_at', 'desc')
    .limit(50)
    .execute();
  return rows.map((r) => ({
    sampleId: r.id,
    month: String(r.month).slice(0, 10),
    cohortName: r.cohort_name,
    toolName: r.tool_name,
    drawnAt: r.drawn_at,
    sameTool: sample.tool_id !== null && r.tool_id === sample.tool_id,
  }));
}

const text = (max: number, what: string) =>
  z
    .string()
    .default('')
    .transform((s) => s.replace(/\r\n/g, '\n').trim())
    .pipe(
      z.string().max(max, { message: `${what} must be ${max.toLocaleString('en-GB')} characters or fewer` }),
    );

export const findingsFormSchema = z.object({
  question: text(MAX_QUESTION, 'The question'),
  summary: text(MAX_FINDINGS_TEXT, 'The summary'),
  learning: text(MAX_FINDINGS_TEXT, 'The learning'),
  themes: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).filter((k) => k !== '')),
  compareWith: z
    .string()
    .optional()
    .transform((v) => (v ? v : null)),
});
export type FindingsForm = z.input<typeof findingsFormSchema>;

/**
 * Saves what the QA lead wrote of a sample's findings, all or nothing. The practice themes must be
 * the council's, and the round to compare with one of `earlierRounds`.
 */
export async function saveFindings(
  db: Db,
  councilId: string,
  staffId: string,
  sampleId: string,
  form: FindingsForm,
): Promise<void> {
  const parsed = findingsFormSchema.safeParse(form);
  if (!parsed.success) {
    const seen = new Set<string>();
    throw new ValidationError(
      parsed.error.issues
        .map((i) => ({ field: String(i.path[0] ?? 'question'), message: i.message }))
        .filter((e) => !seen.has(e.field) && seen.add(e.field)),
    );
  }
  const value = parsed.data;
  await requireFindingsSample(db, councilId, sampleId);
  const errors: { field: string; message: string }[] = [];
  const known = await db
    .selectFrom('practice_themes')
    .select('key')
    .where('council_id', '=', councilId)
    .execute();
  const knownKeys = new Set(known.map((k) => k.key));
  if (value.themes.some((k) => !knownKeys.has(k)))
    errors.push({ field: 'themes', message: 'Choose practice themes from the list' });
  if (value.compareWith) {
    const rounds = await earlierRounds(db, councilId, sampleId);
    if (!rounds.some((r) => r.sampleId === value.compareWith))
      errors.push({
        field: 'compareWith',
        message: 'Choose an earlier round of the same tool or cohort from the list, or none',
      });
  }
  if (errors.length) throw new ValidationError(errors);

  await inTransaction(db, async (trx) => {
    const saved = await trx
      .insertInto('findings_reports')
      .values({
        council_id: councilId,
        sample_id: sampleId,
        question: value.question,
        summary: value.summary,
        learning: value.learning,
        compare_with_sample_id: value.compareWith,
        updated_by: staffId,
      })
      .onConflict((oc) =>
        oc.column('sample_id').doUpdateSet({
          question: value.question,
          summary: value.summary,
          learning: value.learning,
          compare_with_sample_id: value.compareWith,
          updated_by: staffId,
          updated_at: sql`now()`,
        }),
      )
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .deleteFrom('findings_themes')
      .where('council_id', '=', councilId)
      .where('findings_id', '=', saved.id)
      .execute();
    const themes = [...new Set(value.themes)];
    if (themes.length)
      await trx
        .insertInto('findings_themes')
        .values(themes.map((theme_key) => ({ findings_id: saved.id, council_id: councilId, theme_key })))
        .execute();
  });
}

export interface FindingsListRow {
  sampleId: string;
  kind: ActivityKind;
  month: string;
  cohortName: string;
  toolName: string | null;
  cohortSize: number;
  sampleSize: number;
  returned: number;
  question: string | null;
  updatedAt: Date | null;
}

/**
 * Every sample that ends in findings, newest first, with what has come back and been written; a
 * recurring review's rounds are left out, reported by their schedule instead.
 */
export async function listFindings(db: Db, councilId: string): Promise<FindingsListRow[]> {
  const rows = await db
    .selectFrom('samples as s')
    .innerJoin('programme_months as m', 'm.id', 's.month_id')
    .leftJoin('audit_tools as t', 't.id', 's.tool_id')
    .leftJoin('findings_reports as f', 'f.sample_id', 's.id')
    .select((eb) => [
      's.id',
      's.kind',
      'm.month',
      's.cohort_name',
      't.name as tool_name',
      's.cohort_size',
      's.sample_size',
      'f.question',
      'f.updated_at',
      eb
        .selectFrom('audits as a')
        .whereRef('a.sample_id', '=', 's.id')
        .where('a.status', '=', 'submitted')
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('returned'),
    ])
    .where('s.council_id', '=', councilId)
    .where('s.kind', 'in', FINDINGS_KINDS)
    .where('s.review_schedule_id', 'is', null)
    .orderBy('m.month', 'desc')
    .orderBy('s.drawn_at', 'desc')
    .execute();
  return rows.map((r) => ({
    sampleId: r.id,
    kind: r.kind,
    month: String(r.month).slice(0, 10),
    cohortName: r.cohort_name,
    toolName: r.tool_name,
    cohortSize: r.cohort_size,
    sampleSize: r.sample_size,
    returned: Number(r.returned ?? 0),
    question: r.question || null,
    updatedAt: r.updated_at,
  }));
}

// ---- findings as evidence for the improvement plan ---------------------------------------------

export interface CitingOutcome {
  outcomeId: string;
  ref: string;
  text: string;
}

/** The outcomes of the current plan that cite a sample's findings, and those that could. */
export async function findingsOutcomes(db: Db, councilId: string, sampleId: string) {
  const outcomes = await db
    .selectFrom('plan_outcomes as o')
    .innerJoin('improvement_plans as p', 'p.id', 'o.plan_id')
    .select(['o.id', 'o.ref', 'o.outcome as text'])
    .where('o.council_id', '=', councilId)
    .where('p.status', '=', 'current')
    .orderBy('o.position')
    .execute();
  const cited = await db
    .selectFrom('plan_outcome_findings as l')
    .innerJoin('findings_reports as f', 'f.id', 'l.findings_id')
    .select('l.outcome_id')
    .where('l.council_id', '=', councilId)
    .where('f.sample_id', '=', sampleId)
    .execute();
  const citedIds = new Set(cited.map((c) => c.outcome_id));
  const all = outcomes
    .map((o) => ({ outcomeId: o.id, ref: o.ref, text: o.text }))
    .sort((a, b) => compareRefs(a.ref, b.ref));
  return {
    citing: all.filter((o) => citedIds.has(o.outcomeId)),
    others: all.filter((o) => !citedIds.has(o.outcomeId)),
  };
}

/**
 * An outcome of the current plan cites (or stops citing) a sample's findings as its evidence. The
 * findings exist as soon as they are cited, even before anything is written.
 */
export async function citeFindings(
  db: Db,
  councilId: string,
  staffId: string,
  sampleId: string,
  outcomeId: string,
  cite: boolean,
): Promise<void> {
  await requireFindingsSample(db, councilId, sampleId);
  const outcome = await db
    .selectFrom('plan_outcomes as o')
    .innerJoin('improvement_plans as p', 'p.id', 'o.plan_id')
    .select('o.id')
    .where('o.council_id', '=', councilId)
    .where('o.id', '=', outcomeId)
    .where('p.status', '=', 'current')
    .executeTakeFirst();
  if (!outcome)
    throw new ValidationError([{ field: 'outcome', message: 'Choose an outcome of the current plan' }]);
  await inTransaction(db, async (trx) => {
    const findings = await trx
      .insertInto('findings_reports')
      .values({ council_id: councilId, sample_id: sampleId, updated_by: staffId })
      .onConflict((oc) => oc.column('sample_id').doUpdateSet({ sample_id: sampleId }))
      .returning('id')
      .executeTakeFirstOrThrow();
    if (cite)
      await trx
        .insertInto('plan_outcome_findings')
        .values({
          council_id: councilId,
          outcome_id: outcomeId,
          findings_id: findings.id,
          linked_by: staffId,
        })
        .onConflict((oc) => oc.columns(['outcome_id', 'findings_id']).doNothing())
        .execute();
    else
      await trx
        .deleteFrom('plan_outcome_findings')
        .where('council_id', '=', councilId)
        .where('outcome_id', '=', outcomeId)
        .where('findings_id', '=', findings.id)
        .execute();
  });
}

/** The findings an outcome cites, for its page and the plan's progress report. */
export async function findingsCitedBy(db: Db, councilId: string, outcomeId: string) {
  const rows = await db
    .selectFrom('plan_outcome_findings as l')
    .innerJoin('findings_reports as f', 'f.id', 'l.findings_id')
    .innerJoin('samples as s', 's.id', 'f.sample_id')
    .innerJoin('programme_months as m', 'm.id', 's.month_id')
    .select(['s.id as sample_id', 's.kind', 's.cohort_name', 'm.month', 'f.question', 'l.linked_at'])
    .where('l.council_id', '=', councilId)
    .where('l.outcome_id', '=', outcomeId)
    .orderBy('m.month', 'desc')
    .execute();
  return rows.map((r) => ({
    sampleId: r.sample_id,
    kind: r.kind,
    cohortName: r.cohort_name,
    month: String(r.month).slice(0, 10),
    question: r.question,
  }));
}
