import { sql } from 'kysely';
import { acrossCouncils, withCouncil } from '../../data/council-context.ts';
import type { Db } from '../../data/db.ts';
import type { JobQueue } from '../../data/queue.ts';
import { inTransaction } from '../../data/transaction.ts';
import type { ActivityKind } from '../../domain/activity-kinds.ts';
import { formatDate, type IsoDate, monthName, todayInLondon } from '../../domain/dates.ts';
import {
  type Frequency,
  latestRoundDue,
  newToCohort,
  type RoundState,
  roundDueBy,
  roundState,
} from '../../domain/review-schedules.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';
import { failureKind } from '../../platform/log.ts';
import { notifyAllocated } from '../notifications.ts';
import { drawSample } from '../sampling/samples.ts';
import { getSchedule, type Schedule } from './schedules.ts';

/**
 * A recurring review's rounds: each a sample of the cohort on the round's day whose audits are all
 * allocated to the schedule's reviewer, due by the day before the next round. Started by the QA
 * lead's button or by the periodic job, whichever comes first: one round per schedule per date,
 * under the schedule's advisory lock (and the table's unique index), however many instances try.
 */

/** The programme month holding a date: a round's sample belongs to that month's cycle. */
async function monthFor(db: Db, councilId: string, date: IsoDate) {
  const month = await db
    .selectFrom('programme_months')
    .select('id')
    .where('council_id', '=', councilId)
    .where('month', '=', `${date.slice(0, 7)}-01`)
    .executeTakeFirst();
  if (!month)
    throw new ValidationError([
      {
        field: 'round',
        message: `The programme has no month for ${monthName(`${date.slice(0, 7)}-01`)}, so the round of ${formatDate(date)} has no cycle to belong to. Add the programme year holding it on the Programme page, then start the round`,
        href: '/programme',
      },
    ]);
  return month.id;
}

/** A round is drawn in a learning month too: the children it reviews cannot wait a month. */
const LEARNING_MONTH_TOO = { learningMonthToo: true };

/**
 * The case data of a round's day: the latest extract as of that day, or the latest there is when
 * none is that old (null: the draw takes the latest itself).
 */
async function snapshotOn(db: Db, councilId: string, date: IsoDate): Promise<string | null> {
  const row = await db
    .selectFrom('snapshots')
    .select('id')
    .where('council_id', '=', councilId)
    .where('state', '=', 'ready')
    .where('as_of', '<=', date)
    .orderBy('as_of', 'desc')
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  return row?.id ?? null;
}

export interface StartedRound {
  id: string;
  sampleId: string;
  reviews: number;
  /** false when the round had already been started (by the job, or another click) */
  started: boolean;
}

/**
 * Starts a schedule's round of `roundOn` (a date the schedule falls due on, not after today): the
 * cohort's children drawn, every audit allocated to the reviewer and due by the round's due date,
 * the reviewer told, in one transaction. `staffId` null: started by the periodic job. A round
 * already started is returned as it is.
 */
export async function startRound(
  db: Db,
  councilId: string,
  scheduleId: string,
  roundOn: IsoDate,
  today: IsoDate,
  staffId: string | null,
  queue: JobQueue | null,
): Promise<StartedRound> {
  return inTransaction(db, async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`review-round:${scheduleId}`}))`.execute(trx);
    const schedule = await getSchedule(trx, councilId, scheduleId);
    const existing = await trx
      .selectFrom('review_rounds as r')
      .select([
        'r.id',
        'r.sample_id',
        (eb) =>
          eb
            .selectFrom('audits as a')
            .whereRef('a.sample_id', '=', 'r.sample_id')
            .select((e) => e.fn.countAll<number>().as('n'))
            .as('reviews'),
      ])
      .where('r.schedule_id', '=', scheduleId)
      .where('r.round_on', '=', roundOn)
      .executeTakeFirst();
    if (existing)
      return {
        id: existing.id,
        sampleId: existing.sample_id,
        reviews: Number(existing.reviews),
        started: false,
      };
    const due = latestRoundDue(schedule.first_round_on, schedule.frequency, today);
    if (due !== roundOn)
      throw new ValidationError([
        { field: 'round', message: 'Only the round due now can be started: reload the page to see it' },
      ]);
    if (!schedule.active)
      throw new ValidationError([
        { field: 'round', message: 'The review is paused: change it to running first' },
      ]);
    const monthId = await monthFor(trx, councilId, roundOn);
    const drawnBy = staffId ?? schedule.created_by ?? schedule.reviewer_id;
    const draw = {
      monthId,
      cohortId: schedule.cohort_id,
      kind: schedule.tool_kind as ActivityKind,
      toolId: schedule.tool_id,
      method: 'simple' as const,
      stratifyBy: null,
      perStratum: null,
      seed: null,
      allowSameTeam: true,
      snapshotId: await snapshotOn(trx, councilId, roundOn),
      // a round reviews the children whatever other samples of the cycle hold them
      includeSampled: true,
      againOf: null,
      footprint: null,
    };
    const all = { ...draw, sizeKind: 'percent' as const, count: null, percent: 100 };
    let sampleId: string;
    if (schedule.sample_size === null)
      sampleId = await drawSample(trx, councilId, drawnBy, all, undefined, LEARNING_MONTH_TOO);
    else {
      try {
        sampleId = await drawSample(
          trx,
          councilId,
          drawnBy,
          {
            ...draw,
            sizeKind: 'count',
            count: schedule.sample_size,
            percent: null,
          },
          undefined,
          LEARNING_MONTH_TOO,
        );
      } catch (err) {
        // a cohort smaller than the sample: every child of it is reviewed
        if (!(err instanceof ValidationError) || err.errors[0]?.field !== 'count') throw err;
        sampleId = await drawSample(trx, councilId, drawnBy, all, undefined, LEARNING_MONTH_TOO);
      }
    }
    const dueBy = roundDueBy(roundOn, schedule.first_round_on, schedule.frequency);
    const now = new Date();
    await trx
      .updateTable('samples')
      .set({ review_schedule_id: scheduleId })
      .where('id', '=', sampleId)
      .execute();
    const audits = await trx
      .updateTable('audits')
      .set({
        due_on: dueBy,
        auditor_id: schedule.reviewer_id,
        status: 'allocated',
        allocated_at: now,
        allocated_by: drawnBy,
        updated_at: now,
      })
      .where('sample_id', '=', sampleId)
      .where('council_id', '=', councilId)
      .returning('id')
      .execute();
    const note = `${schedule.name}: the round of ${formatDate(roundOn)}`;
    for (let i = 0; i < audits.length; i += 500)
      await trx
        .insertInto('allocation_changes')
        .values(
          audits.slice(i, i + 500).map((a) => ({
            council_id: councilId,
            audit_id: a.id,
            change: 'allocated' as const,
            from_auditor_id: null,
            to_auditor_id: schedule.reviewer_id,
            note,
            changed_by: staffId,
          })),
        )
        .execute();
    const round = await trx
      .insertInto('review_rounds')
      .values({
        council_id: councilId,
        schedule_id: scheduleId,
        round_on: roundOn,
        due_by: dueBy,
        sample_id: sampleId,
        started_by: staffId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await notifyAllocated(
      trx,
      queue,
      councilId,
      audits.map((a) => a.id),
    );
    return { id: round.id, sampleId, reviews: audits.length, started: true };
  });
}

/** The round due now and not yet started, if the schedule is running. */
export async function roundToStart(db: Db, schedule: Schedule, today: IsoDate): Promise<IsoDate | null> {
  if (!schedule.active) return null;
  const due = latestRoundDue(schedule.first_round_on, schedule.frequency, today);
  if (!due) return null;
  const started = await db
    .selectFrom('review_rounds')
    .select('id')
    .where('schedule_id', '=', schedule.id)
    .where('round_on', '=', due)
    .executeTakeFirst();
  return started ? null : due;
}

export interface DueRoundsResult {
  started: number;
  alreadyStarted: number;
  refused: number;
  failed: number;
}

/**
 * Starts every running schedule's round due today (or the latest one due, if it was missed), in
 * every council, each in its council's scope. A round that cannot start (no programme month, an
 * empty cohort) is left for the QA lead, whose button says why; the log has ids and counts only.
 */
export async function startDueRounds(
  db: Db,
  today: IsoDate,
  queue: JobQueue | null,
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void },
): Promise<DueRoundsResult> {
  const schedules = await acrossCouncils('recurring reviews: each running schedule in every council', () =>
    db
      .selectFrom('review_schedules as s')
      .select(['s.id', 's.council_id', 's.first_round_on', 's.frequency'])
      .where('s.active', '=', true)
      .where('s.first_round_on', '<=', today)
      .orderBy('s.council_id')
      .orderBy('s.id')
      .execute(),
  );
  const result: DueRoundsResult = { started: 0, alreadyStarted: 0, refused: 0, failed: 0 };
  for (const s of schedules) {
    const due = latestRoundDue(s.first_round_on, s.frequency as Frequency, today);
    if (!due) continue;
    try {
      const round = await withCouncil(s.council_id, () =>
        startRound(db, s.council_id, s.id, due, today, null, queue),
      );
      if (round.started) result.started++;
      else result.alreadyStarted++;
    } catch (err) {
      if (err instanceof ValidationError) {
        result.refused++;
        log?.warn(
          { councilId: s.council_id, scheduleId: s.id, roundOn: due },
          'review round could not start',
        );
      } else {
        result.failed++;
        log?.error(
          { councilId: s.council_id, scheduleId: s.id, failure: failureKind(err) },
          'review round failed',
        );
      }
    }
  }
  return result;
}

/** One round as the schedule's page lists it. */
export interface RoundSummary {
  id: string;
  roundOn: IsoDate;
  dueBy: IsoDate;
  reviews: number;
  submitted: number;
  exempted: number;
  state: RoundState;
  startedBy: string | null;
}

/** The London day an audit was submitted. */
const submittedDay = (at: Date | null) => (at ? todayInLondon(at) : null);

/** A schedule's rounds, newest first, with how far each has got. */
export async function roundsOf(
  db: Db,
  councilId: string,
  scheduleId: string,
  today: IsoDate,
  from?: IsoDate,
  to?: IsoDate,
) {
  const rows = await db
    .selectFrom('review_rounds as r')
    .leftJoin('staff as s', 's.id', 'r.started_by')
    .innerJoin('audits as a', 'a.sample_id', 'r.sample_id')
    .select(['r.id', 'r.round_on', 'r.due_by', 's.name as started_by', 'a.status', 'a.submitted_at'])
    .where('r.council_id', '=', councilId)
    .where('r.schedule_id', '=', scheduleId)
    .$if(from !== undefined, (q) => q.where('r.round_on', '>=', from as string))
    .$if(to !== undefined, (q) => q.where('r.round_on', '<=', to as string))
    .orderBy('r.round_on', 'desc')
    .execute();
  const byRound = new Map<
    string,
    { row: (typeof rows)[number]; reviews: { submittedOn: IsoDate | null; exempted: boolean }[] }
  >();
  for (const row of rows) {
    const entry = byRound.get(row.id) ?? { row, reviews: [] };
    entry.reviews.push({
      submittedOn: row.status === 'submitted' ? submittedDay(row.submitted_at) : null,
      exempted: row.status === 'exempted',
    });
    byRound.set(row.id, entry);
  }
  return [...byRound.values()].map(
    ({ row, reviews }): RoundSummary => ({
      id: row.id,
      roundOn: row.round_on,
      dueBy: row.due_by,
      reviews: reviews.length,
      submitted: reviews.filter((r) => r.submittedOn !== null).length,
      exempted: reviews.filter((r) => r.exempted).length,
      state: roundState(reviews, row.due_by, today),
      startedBy: row.started_by,
    }),
  );
}

/** A round's reviews by case reference, each child new to the cohort since the round before marked. */
export async function roundPage(
  db: Db,
  councilId: string,
  scheduleId: string,
  roundId: string,
  today: IsoDate,
) {
  const schedule = await getSchedule(db, councilId, scheduleId);
  const round = await db
    .selectFrom('review_rounds')
    .selectAll()
    .where('id', '=', roundId)
    .where('schedule_id', '=', scheduleId)
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  if (!round) throw new NotFoundError('review round');
  const previous = await db
    .selectFrom('review_rounds')
    .select('sample_id')
    .where('schedule_id', '=', scheduleId)
    .where('round_on', '<', round.round_on)
    .orderBy('round_on', 'desc')
    .executeTakeFirst();
  const childrenOf = (sampleId: string) =>
    db
      .selectFrom('audits as a')
      .innerJoin('children as c', 'c.id', 'a.child_id')
      .leftJoin('staff as s', 's.id', 'a.auditor_id')
      .select(['a.id', 'a.child_id', 'c.external_id', 'a.status', 'a.submitted_at', 's.name as reviewer'])
      .where('a.council_id', '=', councilId)
      .where('a.sample_id', '=', sampleId)
      .orderBy('c.external_id')
      .execute();
  const reviews = await childrenOf(round.sample_id);
  const before = previous ? (await childrenOf(previous.sample_id)).map((r) => r.child_id) : null;
  const isNew = newToCohort(
    before,
    reviews.map((r) => r.child_id),
  );
  const state = roundState(
    reviews.map((r) => ({
      submittedOn: r.status === 'submitted' ? submittedDay(r.submitted_at) : null,
      exempted: r.status === 'exempted',
    })),
    round.due_by,
    today,
  );
  return {
    schedule,
    round: { id: round.id, roundOn: round.round_on, dueBy: round.due_by, sampleId: round.sample_id, state },
    firstRound: previous === undefined,
    reviews: reviews.map((r) => ({
      auditId: r.id,
      ref: r.external_id,
      status: r.status,
      submittedOn: submittedDay(r.submitted_at),
      reviewer: r.reviewer,
      isNew: isNew.has(r.child_id),
    })),
    newCount: isNew.size,
  };
}

/** The council's recurring reviews, each with its latest round and the round waiting to start. */
export async function listSchedules(db: Db, councilId: string, today: IsoDate) {
  const schedules = await db
    .selectFrom('review_schedules as r')
    .innerJoin('cohorts as c', 'c.id', 'r.cohort_id')
    .innerJoin('staff as s', 's.id', 'r.reviewer_id')
    .select([
      'r.id',
      'r.name',
      'r.frequency',
      'r.active',
      'r.first_round_on',
      'c.name as cohort_name',
      's.name as reviewer_name',
    ])
    .select((eb) =>
      eb
        .selectFrom('review_rounds as x')
        .whereRef('x.schedule_id', '=', 'r.id')
        .select((e) => e.fn.max('x.round_on').as('d'))
        .as('last_round_on'),
    )
    .where('r.council_id', '=', councilId)
    .orderBy('r.name')
    .execute();
  return schedules.map((s) => {
    const due = s.active ? latestRoundDue(s.first_round_on, s.frequency, today) : null;
    return { ...s, roundWaiting: due !== null && due !== s.last_round_on ? due : null };
  });
}

/** A schedule's page: its settings, its rounds, and the round due now if not yet started. */
export async function schedulePage(db: Db, councilId: string, scheduleId: string, today: IsoDate) {
  const schedule = await getSchedule(db, councilId, scheduleId);
  const [rounds, waiting] = await Promise.all([
    roundsOf(db, councilId, scheduleId, today),
    roundToStart(db, schedule, today),
  ]);
  return { schedule, rounds, waiting };
}
