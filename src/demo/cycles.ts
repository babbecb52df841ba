import type { Db } from '../data/db.ts';
import type { ExemptionReason } from '../data/schema.ts';
import type { CyclePhase } from '../domain/cycle-phases.ts';
import { addDays, addMonths, type IsoDate } from '../domain/dates.ts';
import type { Random } from '../domain/random.ts';
import { ValidationError } from '../domain/validation.ts';
import { allocateSample, exemptAudit } from '../services/sampling/allocation.ts';
import { drawRequestSchema, drawSample } from '../services/sampling/samples.ts';
import { startDemoAudit, submitDemoAudit } from './audits.ts';

/**
 * The demo council's recent cycles, run through the same services a QA lead uses: auditors trained
 * and given capacities, each cycle's sample drawn from the extract the council had when the cycle
 * began, allocated automatically, then returned, exempted or still owed — so the returns page has
 * a history and the cycle under way has audits to chase.
 */

/** Cycles run in the demo: every cycle of the programme year so far (it starts in April). */
const DEMO_CYCLE_MONTHS = 12;

const EXEMPTIONS: [ExemptionReason, string | null][] = [
  ['case_closed', null],
  ['child_moved', null],
  ['auditor_absent', null],
  ['other', 'Family in court this month: audit after the final hearing'],
];

export async function runDemoCycles(db: Db, councilId: string, today: IsoDate, rnd: Random): Promise<number> {
  const qaLead = await db
    .selectFrom('staff')
    .select('id')
    .where('council_id', '=', councilId)
    .where('external_id', '=', 'DEMO-qa_lead')
    .executeTakeFirstOrThrow();

  // Auditors trained some months after they started, except two managers new in post; senior
  // leaders take one audit a month, managers two
  const auditors = await db
    .selectFrom('staff as s')
    .innerJoin('staff_roles as r', 'r.staff_id', 's.id')
    .select(['s.id', 's.started_on', 's.job_title', 's.external_id'])
    .where('s.council_id', '=', councilId)
    .where('r.role', '=', 'auditor')
    .orderBy('s.external_id')
    .execute();
  // the two managers who started most recently have not been trained yet
  const newest = new Set(
    auditors
      .filter((a) => a.job_title === 'Team Manager' && !a.external_id?.startsWith('DEMO-'))
      .sort((a, b) => (b.started_on ?? '').localeCompare(a.started_on ?? ''))
      .slice(0, 2)
      .map((a) => a.id),
  );
  for (const a of auditors) {
    const started = a.started_on ?? addMonths(today, -24);
    const trainedOn = addMonths(started > addMonths(today, -12) ? started : addMonths(today, -12), 1);
    await db
      .updateTable('staff')
      .set({
        audit_trained_on: newest.has(a.id) ? null : trainedOn < today ? trainedOn : addDays(today, -14),
        audit_capacity: /Director|Head of Service/.test(a.job_title) ? 1 : 2,
      })
      .where('id', '=', a.id)
      .execute();
  }

  const cohorts = new Map(
    (await db.selectFrom('cohorts').select(['id', 'name']).where('council_id', '=', councilId).execute()).map(
      (c) => [c.name, c.id],
    ),
  );
  const months = await db
    .selectFrom('programme_months')
    .select(['id', 'month', 'phases'])
    .where('council_id', '=', councilId)
    .where('learning_month', '=', false)
    .where('month', '>=', addMonths(`${today.slice(0, 7)}-01`, -(DEMO_CYCLE_MONTHS - 1)))
    .where('month', '<=', today)
    .orderBy('month')
    .execute();
  let drawn = 0;
  for (const [i, month] of months.entries()) {
    const phases = (month.phases as CyclePhase[] | null) ?? [];
    const preAudit = phases.find((p) => p.key === 'pre_audit');
    const auditing = phases.find((p) => p.key === 'auditing');
    if (!preAudit || !auditing || preAudit.start > today) continue;
    // the extract the council had when the cycle began
    const snapshot = await db
      .selectFrom('snapshots')
      .select('id')
      .where('council_id', '=', councilId)
      .where('as_of', '<=', preAudit.start)
      .orderBy('as_of', 'desc')
      .executeTakeFirst();
    if (!snapshot) continue;
    // each sample's audits use the tool the month plans for its kind, as the draw form offers
    const planned = await db
      .selectFrom('planned_activities')
      .select(['kind', 'tool_id'])
      .where('council_id', '=', councilId)
      .where('month_id', '=', month.id)
      .where('tool_id', 'is not', null)
      .orderBy('position')
      .execute();
    const toolOf = (kind: string) => planned.find((p) => p.kind === kind)?.tool_id ?? null;
    const draws = [
      { cohort: 'All open cases', kind: 'full_audit', count: 16, stratifyBy: 'service_area' },
      {
        // Annex A lists hold no plan history, so "after a CIN plan" cohorts need the SSD extract
        cohort: 'Child protection plans',
        kind: 'full_audit',
        count: 6,
        stratifyBy: 'team',
      },
      // dip samples in the months that plan them, once some auditors have a full audit behind them
      ...(i > 0 && toolOf('dip_sample')
        ? [{ cohort: 'Children in need', kind: 'dip_sample', count: 8, stratifyBy: null }]
        : []),
    ];
    for (const [j, d] of draws.entries()) {
      const cohortId = cohorts.get(d.cohort);
      if (!cohortId) continue;
      const sampleId = await drawSample(
        db,
        councilId,
        qaLead.id,
        drawRequestSchema.parse({
          monthId: month.id,
          cohortId,
          kind: d.kind,
          toolId: toolOf(d.kind),
          sizeKind: 'count',
          count: d.count,
          method: d.stratifyBy ? 'stratified' : 'simple',
          stratifyBy: d.stratifyBy,
          seed: 20260000 + i * 10 + j,
          snapshotId: snapshot.id,
        }),
      );
      drawn++;
      const drawnAt = `${preAudit.start}T09:30:00Z`;
      await db.updateTable('samples').set({ drawn_at: drawnAt }).where('id', '=', sampleId).execute();
      // a sample nobody can take stays unallocated; anything else (a database error, which would
      // leave the demo's transaction unusable) is not swallowed
      await allocateSample(db, councilId, sampleId, qaLead.id).catch((err: unknown) => {
        if (!(err instanceof ValidationError)) throw err;
      });
      await db
        .updateTable('audits')
        .set({ allocated_at: `${preAudit.end}T11:00:00Z`, created_at: drawnAt })
        .where('sample_id', '=', sampleId)
        .execute();
      await db
        .updateTable('allocation_changes')
        .set({ changed_at: `${preAudit.end}T11:00:00Z` })
        .where('audit_id', 'in', (eb) =>
          eb.selectFrom('audits as au').select('au.id').where('au.sample_id', '=', sampleId),
        )
        .execute();
      await settle(db, councilId, sampleId, qaLead.id, auditing, today, rnd);
    }
  }
  return drawn;
}

/** What became of each audit: returned in the window, exempted with a reason, or still owed. */
async function settle(
  db: Db,
  councilId: string,
  sampleId: string,
  qaLeadId: string,
  auditing: CyclePhase,
  today: IsoDate,
  rnd: Random,
) {
  const audits = await db
    .selectFrom('audits')
    .select(['id', 'status', 'auditor_id'])
    .where('sample_id', '=', sampleId)
    .orderBy('position')
    .execute();
  const windowOver = auditing.end < today;
  // how far through the window we are, for the cycle under way
  const span = Math.max(1, Date.parse(auditing.end) - Date.parse(auditing.start));
  const through = Math.min(1, Math.max(0, (Date.parse(today) - Date.parse(auditing.start)) / span));
  for (const a of audits) {
    if (a.status !== 'allocated') continue;
    const roll = rnd.next();
    if (roll < 0.07) {
      const [reason, note] = rnd.pick(EXEMPTIONS);
      await exemptAudit(db, councilId, a.id, qaLeadId, { reason, note: note ?? '' });
      continue;
    }
    const returned = windowOver ? roll < 0.86 : roll < 0.07 + 0.75 * through;
    if (returned) {
      const last = windowOver ? auditing.end : today;
      const days = Math.max(0, Math.round((Date.parse(last) - Date.parse(auditing.start)) / 86_400_000));
      const on = addDays(auditing.start, rnd.int(Math.min(3, days), days));
      await submitDemoAudit(db, councilId, a.id, a.auditor_id as string, on, rnd);
    } else if (!windowOver && rnd.chance(0.4)) {
      await startDemoAudit(db, councilId, a.id, a.auditor_id as string, today, rnd);
    }
  }
}
