/**
 * The audit measures an outcome of the improvement plan is judged by, and the plan's thresholds for
 * a suggested rating (issue 18, domain.md §12). The QA lead adds, changes and removes measures and
 * sets the thresholds; everyone who reads the plan sees the evidence (src/metrics/plan-evidence.ts).
 */
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import { type ToolDefinition, YES_NO_PARTLY_NA, YES_NO_PARTLY_NA_LABELS } from '../../domain/audit-tools.ts';
import type { IsoDate } from '../../domain/dates.ts';
import type { PlanMeasureKind } from '../../domain/improvement-plan.ts';
import {
  GREEN_WHEN_LABELS,
  MEASURE_KINDS,
  type RatingThresholds,
  RED_WHEN_LABELS,
} from '../../domain/improvement-plan.ts';
import { can } from '../../domain/roles.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../domain/validation.ts';
import { type OutcomeEvidence, outcomeEvidence } from '../../metrics/plan-evidence.ts';
import {
  currentPlan,
  type Plan,
  PlanAccessError,
  type PlanOutcome,
  type PlanPerson,
  requireOutcome,
} from './plan.ts';

export const MAX_LABEL = 300;
export const MAX_MINIMUM_COUNT = 1000;

/** A section a measure can count: a section of one of the council's tools, as its current version has it. */
export interface SectionChoice {
  /** `toolId:lineage`, the form's value */
  value: string;
  toolId: string;
  toolName: string;
  lineage: string;
  title: string;
}

/** A question and one of its answers a measure can count. */
export interface QuestionChoice {
  /** `toolId:questionKey:answer`, the form's value */
  value: string;
  toolId: string;
  toolName: string;
  questionKey: string;
  questionText: string;
  answer: string;
  answerLabel: string;
}

export interface ThemeChoice {
  key: string;
  name: string;
}

export interface MeasureChoices {
  sections: SectionChoice[];
  questions: QuestionChoice[];
  themes: ThemeChoice[];
}

/** What the add-a-measure form sends, as typed. */
export interface MeasureForm {
  kind: string;
  section: string;
  theme: string;
  question: string;
  target: string;
  better: string;
  label: string;
}

export const EMPTY_MEASURE_FORM: MeasureForm = {
  kind: '',
  section: '',
  theme: '',
  question: '',
  target: '',
  better: 'higher',
  label: '',
};

function requireManager(person: PlanPerson) {
  if (!can(person.roles, 'plan.manage'))
    throw new PlanAccessError('Only the QA lead can change the measures and thresholds');
}

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/**
 * The sections, questions and themes of the council a measure can count: the current version of
 * each tool not archived (sections by lineage, so a measure keeps counting across versions), the
 * questions answered yes/no/partly/not applicable or from a list, and the active practice themes.
 */
export async function measureChoices(db: Db, councilId: string): Promise<MeasureChoices> {
  const [tools, themes] = await Promise.all([
    db
      .selectFrom('audit_tools as t')
      .innerJoin('audit_tool_versions as v', 'v.tool_id', 't.id')
      .where('t.council_id', '=', councilId)
      .where('v.council_id', '=', councilId)
      .where('t.archived', '=', false)
      .where((eb) =>
        eb(
          'v.version',
          '=',
          eb
            .selectFrom('audit_tool_versions as v2')
            .whereRef('v2.tool_id', '=', 't.id')
            .select((e) => e.fn.max('v2.version').as('m')),
        ),
      )
      .select(['t.id', 't.name', 'v.definition'])
      .orderBy('t.name')
      .execute(),
    db
      .selectFrom('practice_themes')
      .select(['key', 'name'])
      .where('council_id', '=', councilId)
      .where('active', '=', true)
      .orderBy('name')
      .execute(),
  ]);
  const sections: SectionChoice[] = [];
  const questions: QuestionChoice[] = [];
  for (const tool of tools) {
    const def = tool.definition as ToolDefinition;
    for (const s of def.sections ?? []) {
      const lineage = s.sameAs ?? s.key;
      sections.push({
        value: `${tool.id}:${lineage}`,
        toolId: tool.id,
        toolName: tool.name,
        lineage,
        title: s.title,
      });
      for (const q of s.questions ?? []) {
        const answers: { answer: string; label: string }[] =
          q.type === 'yes_no_partly_na'
            ? YES_NO_PARTLY_NA.map((a) => ({ answer: a, label: YES_NO_PARTLY_NA_LABELS[a] }))
            : q.type === 'choice'
              ? (q.options ?? []).map((o) => ({ answer: o, label: o }))
              : [];
        for (const a of answers)
          questions.push({
            value: `${tool.id}:${q.key}:${a.answer}`,
            toolId: tool.id,
            toolName: tool.name,
            questionKey: q.key,
            questionText: q.text,
            answer: a.answer,
            answerLabel: a.label,
          });
      }
    }
  }
  return { sections, questions, themes };
}

/** The label a measure gets when none is typed: what it counts, in words. */
export function defaultLabel(
  kind: PlanMeasureKind,
  chosen: { section?: SectionChoice; question?: QuestionChoice; theme?: ThemeChoice },
): string {
  const cut = (s: string) => (s.length > MAX_LABEL ? `${s.slice(0, MAX_LABEL - 1)}…` : s);
  switch (kind) {
    case 'section':
      return cut(`${chosen.section?.toolName}: ${chosen.section?.title} good or better`);
    case 'theme':
      return cut(`Audits finding ${chosen.theme?.name}`);
    case 'question':
      return cut(`${chosen.question?.questionText} – answered ${chosen.question?.answerLabel.toLowerCase()}`);
    case 'actions_on_time':
      return 'Audit actions completed on time';
    case 'oversight':
      return 'Management oversight recorded';
  }
}

/** A target typed as a percentage ("80", "80%", "72.5"), as 0–1; null when it is not one. */
export function parseTarget(typed: string): number | null {
  const t = typed.trim().replace(/%$/, '').trim();
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(t)) return null;
  const n = Number(t);
  if (n < 0 || n > 100) return null;
  return Math.round(n * 100) / 10000;
}

function checkCommon(form: MeasureForm, errors: FieldError[]) {
  const target = parseTarget(text(form.target));
  if (text(form.target) === '')
    errors.push({ field: 'target', message: 'Enter the target, as a percentage' });
  else if (target === null)
    errors.push({ field: 'target', message: 'Enter the target as a percentage from 0 to 100, like 80' });
  const better = text(form.better);
  if (better !== 'higher' && better !== 'lower')
    errors.push({ field: 'better', message: 'Select whether a higher or a lower figure is better' });
  const label = text(form.label);
  if (label.length > MAX_LABEL)
    errors.push({ field: 'label', message: `The label must be ${MAX_LABEL} characters or fewer` });
  return { target, better: better as 'higher' | 'lower', label };
}

/** Adds a measure to an outcome of the current plan. QA lead only. */
export async function addMeasure(
  db: Db,
  councilId: string,
  person: PlanPerson,
  outcomeId: string,
  input: MeasureForm,
): Promise<{ id: string; label: string }> {
  requireManager(person);
  return inTransaction(db, async (trx) => {
    await requireOutcome(trx, councilId, outcomeId);
    const errors: FieldError[] = [];
    const kind = text(input.kind) as PlanMeasureKind;
    const choices = await measureChoices(trx, councilId);
    const chosen: { section?: SectionChoice; question?: QuestionChoice; theme?: ThemeChoice } = {};
    if (!MEASURE_KINDS.some((k) => k.value === kind)) {
      errors.push({ field: 'kind', message: 'Select what the measure counts' });
    } else if (kind === 'section') {
      chosen.section = choices.sections.find((s) => s.value === text(input.section));
      if (!chosen.section)
        errors.push({
          field: 'section',
          message: text(input.section)
            ? 'Select a section of one of your audit tools as it is now'
            : 'Select the section of an audit tool',
        });
    } else if (kind === 'question') {
      chosen.question = choices.questions.find((q) => q.value === text(input.question));
      if (!chosen.question)
        errors.push({
          field: 'question',
          message: text(input.question)
            ? 'Select a question of one of your audit tools and one of its answers'
            : 'Select the question and the answer to count',
        });
    } else if (kind === 'theme') {
      chosen.theme = choices.themes.find((t) => t.key === text(input.theme));
      if (!chosen.theme)
        errors.push({
          field: 'theme',
          message: text(input.theme) ? 'Select one of your practice themes' : 'Select the practice theme',
        });
    }
    const { target, better, label } = checkCommon(input, errors);
    if (errors.length) throw new ValidationError(errors);
    const finalLabel = label || defaultLabel(kind, chosen);
    const position = await trx
      .selectFrom('plan_measures')
      .select((eb) => eb.fn.coalesce(eb.fn.max('position'), eb.lit(-1)).as('p'))
      .where('council_id', '=', councilId)
      .where('outcome_id', '=', outcomeId)
      .executeTakeFirst();
    const row = await trx
      .insertInto('plan_measures')
      .values({
        council_id: councilId,
        outcome_id: outcomeId,
        kind,
        tool_id: chosen.section?.toolId ?? chosen.question?.toolId ?? null,
        section_lineage: chosen.section?.lineage ?? null,
        question_key: chosen.question?.questionKey ?? null,
        answer: chosen.question?.answer ?? null,
        theme_key: chosen.theme?.key ?? null,
        target: target as number,
        better,
        label: finalLabel,
        position: Number(position?.p ?? -1) + 1,
        created_by: person.staffId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: row.id, label: finalLabel };
  });
}

/** One measure of an outcome of the council's current plan, or NotFoundError. */
export async function requireMeasure(db: Db, councilId: string, outcomeId: string, measureId: string) {
  await requireOutcome(db, councilId, outcomeId);
  const measure = await db
    .selectFrom('plan_measures')
    .selectAll()
    .where('council_id', '=', councilId)
    .where('outcome_id', '=', outcomeId)
    .where('id', '=', measureId)
    .executeTakeFirst();
  if (!measure) throw new NotFoundError('measure');
  return measure;
}

/** Changes a measure's target, which way is better, and label. QA lead only. */
export async function changeMeasure(
  db: Db,
  councilId: string,
  person: PlanPerson,
  outcomeId: string,
  measureId: string,
  input: Pick<MeasureForm, 'target' | 'better' | 'label'>,
): Promise<void> {
  requireManager(person);
  await inTransaction(db, async (trx) => {
    const measure = await requireMeasure(trx, councilId, outcomeId, measureId);
    const errors: FieldError[] = [];
    const { target, better, label } = checkCommon({ ...EMPTY_MEASURE_FORM, ...input }, errors);
    if (errors.length) throw new ValidationError(errors);
    await trx
      .updateTable('plan_measures')
      .set({ target: target as number, better, label: label || measure.label })
      .where('council_id', '=', councilId)
      .where('id', '=', measureId)
      .execute();
  });
}

/** Removes a measure from an outcome; the outcome's ratings keep the suggestions given. QA lead only. */
export async function removeMeasure(
  db: Db,
  councilId: string,
  person: PlanPerson,
  outcomeId: string,
  measureId: string,
): Promise<{ label: string }> {
  requireManager(person);
  return inTransaction(db, async (trx) => {
    const measure = await requireMeasure(trx, councilId, outcomeId, measureId);
    await trx
      .deleteFrom('plan_measures')
      .where('council_id', '=', councilId)
      .where('id', '=', measureId)
      .execute();
    return { label: measure.label };
  });
}

// ---------------------------------------------------------------------------------------------
// Thresholds

/** What the thresholds form sends, as typed. */
export interface ThresholdsForm {
  minimumCount: string;
  greenWhen: string;
  redWhen: string;
}

export function thresholdsOf(
  plan: Pick<Plan, 'minimum_count' | 'green_when' | 'red_when'>,
): RatingThresholds {
  return { minimumCount: plan.minimum_count, greenWhen: plan.green_when, redWhen: plan.red_when };
}

export function thresholdsForm(
  plan: Pick<Plan, 'minimum_count' | 'green_when' | 'red_when'>,
): ThresholdsForm {
  return { minimumCount: String(plan.minimum_count), greenWhen: plan.green_when, redWhen: plan.red_when };
}

/** Sets the current plan's thresholds for a suggested rating. QA lead only. */
export async function setThresholds(
  db: Db,
  councilId: string,
  person: PlanPerson,
  input: ThresholdsForm,
): Promise<RatingThresholds> {
  requireManager(person);
  return inTransaction(db, async (trx) => {
    const plan = await currentPlan(trx, councilId);
    if (!plan) throw new NotFoundError('improvement plan');
    const errors: FieldError[] = [];
    const typed = text(input.minimumCount);
    const minimumCount = /^\d{1,4}$/.test(typed) ? Number(typed) : Number.NaN;
    if (!typed)
      errors.push({ field: 'minimumCount', message: 'Enter the fewest audits needed to suggest a rating' });
    else if (!(minimumCount >= 1 && minimumCount <= MAX_MINIMUM_COUNT))
      errors.push({
        field: 'minimumCount',
        message: `Enter the fewest audits as a whole number from 1 to ${MAX_MINIMUM_COUNT.toLocaleString('en-GB')}`,
      });
    const greenWhen = text(input.greenWhen);
    if (!(greenWhen in GREEN_WHEN_LABELS))
      errors.push({ field: 'greenWhen', message: 'Select when a measure is suggested green' });
    const redWhen = text(input.redWhen);
    if (!(redWhen in RED_WHEN_LABELS))
      errors.push({ field: 'redWhen', message: 'Select when a measure is suggested red' });
    if (errors.length) throw new ValidationError(errors);
    const thresholds: RatingThresholds = {
      minimumCount,
      greenWhen: greenWhen as RatingThresholds['greenWhen'],
      redWhen: redWhen as RatingThresholds['redWhen'],
    };
    await trx
      .updateTable('improvement_plans')
      .set({ minimum_count: minimumCount, green_when: thresholds.greenWhen, red_when: thresholds.redWhen })
      .where('council_id', '=', councilId)
      .where('id', '=', plan.id)
      .execute();
    return thresholds;
  });
}

// ---------------------------------------------------------------------------------------------
// Pages

export interface MeasuresPage {
  outcome: PlanOutcome;
  plan: Plan;
  evidence: OutcomeEvidence;
  choices: MeasureChoices;
  thresholds: RatingThresholds;
}

/** An outcome's measures with their evidence, and the choices for adding one. */
export async function measuresPage(
  db: Db,
  councilId: string,
  outcomeId: string,
  asOf: IsoDate,
): Promise<MeasuresPage> {
  const outcome = await requireOutcome(db, councilId, outcomeId);
  const plan = await currentPlan(db, councilId);
  if (!plan) throw new NotFoundError('improvement plan');
  const [evidence, choices] = await Promise.all([
    outcomeEvidence(db, councilId, [outcomeId], asOf),
    measureChoices(db, councilId),
  ]);
  return {
    outcome,
    plan,
    evidence: evidence.get(outcomeId) ?? { outcomeId, measures: [], suggestions: new Map() },
    choices,
    thresholds: thresholdsOf(plan),
  };
}
