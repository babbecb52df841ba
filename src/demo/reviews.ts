import type { Db } from '../data/db.ts';
import { questionField } from '../domain/audit-form.ts';
import type { ToolDefinition } from '../domain/audit-tools.ts';
import { addDays, type IsoDate } from '../domain/dates.ts';
import type { Random } from '../domain/random.ts';
import { latestRoundDue, roundDatesBetween } from '../domain/review-schedules.ts';
import { ValidationError } from '../domain/validation.ts';
import { saveDraftPart, submitAudit } from '../services/audits/audits.ts';
import { copyTool, saveToolDefinition } from '../services/programme/tools.ts';
import { startRound } from '../services/reviews/rounds.ts';
import { saveSchedule, scheduleChoices, scheduleForm } from '../services/reviews/schedules.ts';
import { asDemoPerson } from './audits.ts';

/**
 * The demo council's recurring review: the Principal Social Worker's weekly review of every child
 * in an unregistered placement, on a short tool whose yes/no questions are asked so that "yes" is
 * what good looks like (a "no" is a concern), with the quality of management oversight as a choice.
 */
export const WEEKLY_PLACEMENT_REVIEW: ToolDefinition = {
  name: 'Weekly review: unregistered placements',
  kind: 'dip_sample',
  scaleKey: 'four_point',
  description:
    'A short weekly check on each child living in an unregistered placement: seen, safe now, and overseen.',
  sections: [
    {
      key: 'this_week',
      title: 'This week',
      guidance:
        'Look at the record for the last seven days and speak to the child’s social worker if it is unclear.',
      required: true,
      isJourneySection: false,
      questions: [
        {
          key: 'seen',
          text: 'Was the child seen by their social worker this week?',
          type: 'yes_no_partly_na',
          required: true,
        },
        {
          key: 'safe_now',
          text: 'Is the child free from any immediate risk?',
          type: 'yes_no_partly_na',
          required: true,
          guidance: 'If not, escalate from this review now: do not wait to submit it.',
        },
        {
          key: 'oversight',
          text: 'Quality of management oversight this week',
          type: 'choice',
          required: true,
          options: ['Good', 'Requires improvement', 'Inadequate'],
        },
        {
          key: 'note',
          text: 'Anything the Principal Social Worker should follow up',
          type: 'short_text',
          required: false,
        },
      ],
    },
  ],
};

/** The choice answers the demo's review counts as a concern. */
export const WEEKLY_REVIEW_CONCERNS = ['Inadequate'];

/** Weeks of rounds the demo's review has run by today. */
const DEMO_REVIEW_WEEKS = 26;

/**
 * The Principal Social Worker's weekly review of children in unregistered placements, running for
 * the last six months: set up by the QA lead through the schedule service, each round started as
 * the periodic job would, and each review typed and submitted through the audit service. Most
 * rounds are done within the week, a few late (one review finished after the next round began),
 * the current one under way; two children keep coming up with the same concern. Returns the number
 * of rounds started.
 */
export async function recordDemoReviews(
  db: Db,
  councilId: string,
  today: IsoDate,
  rnd: Random,
): Promise<number> {
  const staff = (externalId: string) =>
    db
      .selectFrom('staff')
      .select('id')
      .where('council_id', '=', councilId)
      .where('external_id', '=', externalId)
      .executeTakeFirstOrThrow();
  const qaLead = (await staff('DEMO-qa_lead')).id;
  const { cohorts, reviewers } = await scheduleChoices(db, councilId);
  const cohort = cohorts.find((c) => c.name === 'Children in care in unregistered placements');
  const reviewer = reviewers.find((r) => r.job_title === 'Principal Social Worker') ?? reviewers[0];
  if (!cohort || !reviewer) return 0;
  const visits = await db
    .selectFrom('audit_tools')
    .select('id')
    .where('council_id', '=', councilId)
    .where('name', '=', 'Dip sample: visits (seen and seen alone)')
    .executeTakeFirstOrThrow();
  const toolId = await copyTool(db, councilId, visits.id, WEEKLY_PLACEMENT_REVIEW.name, qaLead);
  await saveToolDefinition(db, councilId, toolId, WEEKLY_PLACEMENT_REVIEW, qaLead);
  // Mondays, the first of them six months ago
  const monday = addDays(today, -((new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7));
  const first = addDays(monday, -7 * (DEMO_REVIEW_WEEKS - 1));
  const [year, month, day] = first.split('-');
  const scheduleId = await saveSchedule(db, councilId, qaLead, null, {
    ...scheduleForm(null),
    name: 'Unregistered placements: weekly review',
    cohortId: cohort.id,
    toolId,
    frequency: 'weekly',
    firstDay: String(Number(day)),
    firstMonth: String(Number(month)),
    firstYear: year,
    size: 'all',
    reviewerId: reviewer.id,
    concernAnswers: WEEKLY_REVIEW_CONCERNS.join('\n'),
    active: 'yes',
  });
  const person = await asDemoPerson(db, councilId, reviewer.id);
  const tool = WEEKLY_PLACEMENT_REVIEW.sections[0];
  const field = (key: string) => questionField(tool.questions.find((q) => q.key === key) as { key: string });
  // the children who keep coming up: the first two of the cohort reviewed, once known
  const repeated: string[] = [];
  let started = 0;
  const rounds = roundDatesBetween(first, 'weekly', first, today);
  const lateRounds = new Set([3, 11, 19].map((i) => rounds[i]));
  for (const [i, roundOn] of rounds.entries()) {
    // started by the periodic job early on the day, now and then by the QA lead's button
    let round: Awaited<ReturnType<typeof startRound>>;
    try {
      round = await startRound(
        db,
        councilId,
        scheduleId,
        roundOn,
        roundOn,
        i % 5 === 2 ? qaLead : null,
        null,
      );
    } catch (err) {
      // a week whose extract held nobody in an unregistered placement: no round that week
      if (err instanceof ValidationError) continue;
      throw err;
    }
    started++;
    const startedAt = `${roundOn}T07:10:00Z`;
    await db.updateTable('review_rounds').set({ started_at: startedAt }).where('id', '=', round.id).execute();
    await db.updateTable('samples').set({ drawn_at: startedAt }).where('id', '=', round.sampleId).execute();
    const audits = await db
      .selectFrom('audits as a')
      .innerJoin('children as c', 'c.id', 'a.child_id')
      .select(['a.id', 'c.external_id'])
      .where('a.sample_id', '=', round.sampleId)
      .orderBy('c.external_id')
      .execute();
    await db
      .updateTable('audits')
      .set({ allocated_at: startedAt, created_at: startedAt })
      .where('sample_id', '=', round.sampleId)
      .execute();
    for (const a of audits)
      if (repeated.length < 2 && !repeated.includes(a.external_id)) repeated.push(a.external_id);
    const current = latestRoundDue(first, 'weekly', today) === roundOn;
    for (const [j, a] of audits.entries()) {
      // the round under way: about half done so far
      if (current && j % 2 === 1) continue;
      const late = lateRounds.has(roundOn) && j === audits.length - 1;
      const on = current ? roundOn : addDays(roundOn, late ? rnd.int(7, 9) : rnd.int(1, 5));
      if (on > today) continue;
      const firstChild = a.external_id === repeated[0];
      const secondChild = a.external_id === repeated[1];
      const fields = {
        [field('seen')]: (firstChild && i % 3 === 0) || rnd.chance(0.06) ? 'no' : 'yes',
        [field('safe_now')]: 'yes',
        [field('oversight')]:
          secondChild && i % 4 === 1 ? 'Inadequate' : rnd.chance(0.2) ? 'Requires improvement' : 'Good',
        [field('note')]: firstChild && i % 3 === 0 ? 'Visit missed again: ask the team manager why' : '',
      };
      const saved = await saveDraftPart(db, person, a.id, tool.key, fields, 0);
      if (!saved.ok) throw new Error('The demo review could not be saved');
      const result = await submitAudit(db, null, person, a.id, on);
      if (!result.ok) throw new Error(`The demo review could not be submitted: ${result.errors[0]?.message}`);
      const at = `${on}T14:00:00Z`;
      await db
        .updateTable('audits')
        .set({ submitted_at: at, updated_at: at, started_at: at })
        .where('id', '=', a.id)
        .execute();
    }
  }
  return started;
}
