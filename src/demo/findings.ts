import type { Db } from '../data/db.ts';
import type { ToolDefinition } from '../domain/audit-tools.ts';
import type { IsoDate } from '../domain/dates.ts';
import { seededRandom } from '../domain/random.ts';
import { ValidationError } from '../domain/validation.ts';
import { citeFindings, saveFindings } from '../services/findings/findings.ts';
import { copyTool, listTools, saveToolDefinition } from '../services/programme/tools.ts';
import { allocateSample, exemptAudit } from '../services/sampling/allocation.ts';
import { createCohort } from '../services/sampling/cohorts.ts';
import { drawRequestSchema, drawSample } from '../services/sampling/samples.ts';
import { submitDemoAudit } from './audits.ts';

/**
 * The demo council's themed audit (issue 23): "why do children open to social care have no current
 * plan?", drawn this month from the latest extract (the first that tells a plan's absence), every
 * audit returned, its findings written by the QA lead and cited as evidence by an outcome of the
 * improvement plan. Built through the services a council's QA team uses, after
 * everything else, with random numbers of its own so nothing before it changes.
 */
export const NO_PLAN_TOOL: ToolDefinition = {
  name: 'Themed audit: open with no current plan',
  kind: 'themed',
  scaleKey: 'four_point',
  description:
    'For children open to social care with a completed assessment and no plan: is the child being helped, or is the case drifting?',
  sections: [
    {
      key: 'help_now',
      title: 'The help the child is getting now',
      guidance: 'Look at the last three months of the record.',
      required: true,
      isJourneySection: false,
      questions: [
        {
          key: 'visits',
          text: 'Is the child receiving regular visits?',
          type: 'yes_no_partly_na',
          required: true,
        },
        {
          key: 'reviewed',
          text: 'Is the child’s situation being reviewed?',
          type: 'yes_no_partly_na',
          required: true,
        },
        {
          key: 'assessment_updated',
          text: 'Has the assessment been updated as things changed?',
          type: 'yes_no_partly_na',
          required: true,
        },
      ],
    },
    {
      key: 'why_no_plan',
      title: 'Why there is no plan',
      required: true,
      isJourneySection: false,
      questions: [
        {
          key: 'reason',
          text: 'Why is there no current plan?',
          type: 'choice',
          required: true,
          options: [
            'The assessment recommended no further action and the case should close',
            'Step-down to early help agreed but not yet done',
            'A plan was needed but none was made',
            'The plan ended and nothing replaced it',
          ],
        },
        {
          key: 'decision_recorded',
          text: 'Is the decision about what happens next recorded by a manager?',
          type: 'yes_no_partly_na',
          required: true,
        },
        {
          key: 'weeks_since_assessment',
          text: 'Weeks since the assessment was completed',
          type: 'number',
          required: true,
          min: 0,
          max: 104,
        },
      ],
    },
  ],
};

const QUESTION = 'Why do children open to social care have no current plan?';

/** What the QA lead wrote of the findings. */
const SUMMARY =
  'Most children open with no current plan were being visited, but fewer were having their situation reviewed, and for some a plan had been needed and none was made.\n\nThe decision about what happens next was recorded by a manager in only some of the cases looked at.';
const LEARNING =
  'Team managers will review every case open with no plan within ten working days of the assessment ending. Early help and social care will agree a step-down date at the point of decision, tracked in the weekly check and challenge meeting. The audit will be repeated in six months with the same tool, to compare.';

export async function recordDemoFindings(db: Db, councilId: string, today: IsoDate): Promise<number> {
  const rnd = seededRandom(2026_1123);
  const qaLead = await db
    .selectFrom('staff')
    .select('id')
    .where('council_id', '=', councilId)
    .where('external_id', '=', 'DEMO-qa_lead')
    .executeTakeFirstOrThrow();
  const cohortId = await createCohort(
    db,
    councilId,
    {
      name: 'Open with no current plan',
      description: 'Children open to social care with no child in need, protection or care plan now.',
      definition: { statuses: ['no_current_plan'] },
    },
    { createdBy: qaLead.id },
  );
  const from = (await listTools(db, councilId)).find((t) => t.kind === 'dip_sample');
  if (!from) return 0;
  const toolId = await copyTool(db, councilId, from.id, NO_PLAN_TOOL.name, qaLead.id, 'themed');
  await saveToolDefinition(db, councilId, toolId, NO_PLAN_TOOL, qaLead.id);

  // drawn in the latest cycle with audits, from the latest extract, and every audit returned by today
  const month = await db
    .selectFrom('programme_months')
    .select('id')
    .where('council_id', '=', councilId)
    .where('learning_month', '=', false)
    .where('month', '<=', today)
    .orderBy('month', 'desc')
    .executeTakeFirst();
  const snapshot = await db
    .selectFrom('snapshots')
    .select(['id', 'as_of'])
    .where('council_id', '=', councilId)
    .orderBy('as_of', 'desc')
    .executeTakeFirst();
  if (!month || !snapshot) return 0;
  const sampleId = await drawSample(
    db,
    councilId,
    qaLead.id,
    drawRequestSchema.parse({
      monthId: month.id,
      cohortId,
      kind: 'themed',
      toolId,
      sizeKind: 'count',
      count: 30,
      method: 'simple',
      seed: 20261123,
      snapshotId: snapshot.id,
      includeSampled: true,
    }),
  );
  // managers took the themed audit on top of the month's: each capacity raised by the audits it took,
  // so the month has as much room left for its own audits as it had
  const capacities = await db
    .selectFrom('staff')
    .select(['id', 'audit_capacity'])
    .where('council_id', '=', councilId)
    .where('audit_trained_on', 'is not', null)
    .execute();
  for (const c of capacities)
    await db
      .updateTable('staff')
      .set({ audit_capacity: c.audit_capacity + 2 })
      .where('id', '=', c.id)
      .execute();
  await db
    .updateTable('samples')
    .set({ drawn_at: `${today}T09:30:00Z` })
    .where('id', '=', sampleId)
    .execute();
  await allocateSample(db, councilId, sampleId, qaLead.id).catch((err: unknown) => {
    if (!(err instanceof ValidationError)) throw err;
  });
  const taken = await db
    .selectFrom('audits')
    .select(['auditor_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('sample_id', '=', sampleId)
    .where('auditor_id', 'is not', null)
    .groupBy('auditor_id')
    .execute();
  await db
    .updateTable('audits')
    .set({ allocated_at: `${today}T09:45:00Z`, created_at: `${today}T09:30:00Z` })
    .where('sample_id', '=', sampleId)
    .execute();
  await db
    .updateTable('allocation_changes')
    .set({ changed_at: `${today}T09:45:00Z` })
    .where('audit_id', 'in', (eb) =>
      eb.selectFrom('audits as au').select('au.id').where('au.sample_id', '=', sampleId),
    )
    .execute();
  const took = new Map(taken.map((r) => [r.auditor_id, Number(r.n)]));
  for (const c of capacities)
    await db
      .updateTable('staff')
      .set({ audit_capacity: c.audit_capacity + (took.get(c.id) ?? 0) })
      .where('id', '=', c.id)
      .execute();
  const audits = await db
    .selectFrom('audits')
    .select(['id', 'status', 'auditor_id'])
    .where('sample_id', '=', sampleId)
    .orderBy('position')
    .execute();
  for (const a of audits) {
    if (a.status !== 'allocated' || !a.auditor_id) continue;
    if (rnd.chance(0.06)) {
      await exemptAudit(db, councilId, a.id, qaLead.id, { reason: 'case_closed', note: '' });
      continue;
    }
    await submitDemoAudit(db, councilId, a.id, a.auditor_id, today, rnd);
  }

  const themes = await db
    .selectFrom('practice_themes')
    .select('key')
    .where('council_id', '=', councilId)
    .where('name', 'in', ['Drift and delay', 'Management oversight'])
    .execute();
  await saveFindings(db, councilId, qaLead.id, sampleId, {
    question: QUESTION,
    summary: SUMMARY,
    learning: LEARNING,
    themes: themes.map((t) => t.key),
    compareWith: '',
  });
  await db
    .updateTable('findings_reports')
    .set({ updated_at: `${today}T16:00:00Z` })
    .where('sample_id', '=', sampleId)
    .execute();
  // the improvement plan's outcome on plans that drift cites the findings as its evidence
  const outcome = await db
    .selectFrom('plan_outcomes')
    .select('id')
    .where('council_id', '=', councilId)
    .where('outcome', 'ilike', '%avoid drift and delay%')
    .orderBy('ref')
    .executeTakeFirst();
  if (outcome) await citeFindings(db, councilId, qaLead.id, sampleId, outcome.id, true);
  return audits.length;
}
