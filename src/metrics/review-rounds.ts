import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import { jsonColumn as parse } from '../data/json-column.ts';
import { type AnsweredAudit, type QuestionTally, tallyAnswers } from '../domain/answer-tally.ts';
import type { AnswerSet, ToolDefinition } from '../domain/audit-tools.ts';
import { type IsoDate, todayInLondon } from '../domain/dates.ts';
import {
  type ChildConcern,
  concernsOf,
  type Frequency,
  type RepeatedConcern,
  type RoundState,
  repeatedConcerns,
  roundDatesBetween,
  roundDueBy,
  roundState,
} from '../domain/review-schedules.ts';

/**
 * A recurring review's figures over a period (issue 23): each round due in it and whether it was
 * done on time, each question's answers round by round (counted by `tallyAnswers` from the
 * submitted reviews), and the children found with the same concern in two rounds or more.
 */

export interface RoundFigures {
  roundOn: IsoDate;
  dueBy: IsoDate;
  /** whether the round was started */
  started: boolean;
  /** a round never started is overdue once its due date has passed, else still open */
  state: RoundState;
  reviews: number;
  submitted: number;
  exempted: number;
  /** each question's answers in the round's submitted reviews */
  tallies: QuestionTally[];
}

export interface ReviewFigures {
  schedule: {
    id: string;
    name: string;
    cohortName: string;
    toolName: string;
    frequency: Frequency;
    reviewerName: string;
    concernAnswers: string[];
  };
  from: IsoDate;
  to: IsoDate;
  /** every round due in the period, oldest first */
  rounds: RoundFigures[];
  /** the questions asked in the period, in the tool's order (all rounds' reviews together) */
  questions: QuestionTally[];
  repeated: RepeatedConcern[];
  /** children reviewed at least once in the period */
  childrenReviewed: number;
}

/** A schedule's figures from `from` to `to` (both included), as of `today`; undefined: no such schedule. */
export async function reviewFigures(
  db: Db,
  councilId: string,
  scheduleId: string,
  from: IsoDate,
  to: IsoDate,
  today: IsoDate,
): Promise<ReviewFigures | undefined> {
  const s = await db
    .selectFrom('review_schedules as r')
    .innerJoin('cohorts as c', 'c.id', 'r.cohort_id')
    .innerJoin('audit_tools as t', 't.id', 'r.tool_id')
    .innerJoin('staff as st', 'st.id', 'r.reviewer_id')
    .select([
      'r.id',
      'r.name',
      'r.frequency',
      'r.first_round_on',
      'r.concern_answers',
      'c.name as cohort_name',
      't.name as tool_name',
      'st.name as reviewer_name',
    ])
    .where('r.id', '=', scheduleId)
    .where('r.council_id', '=', councilId)
    .executeTakeFirst();
  if (!s) return undefined;
  const reviews = await sql<{
    round_on: IsoDate;
    due_by: IsoDate;
    child_id: string;
    external_id: string;
    status: string;
    submitted_at: Date | null;
    answers: unknown;
    definition: unknown;
  }>`
    select r.round_on, r.due_by, a.child_id, c.external_id, a.status, a.submitted_at, a.answers,
      v.definition
    from review_rounds r
    join audits a on a.sample_id = r.sample_id and a.council_id = r.council_id
    join children c on c.id = a.child_id
    left join audit_tool_versions v on v.id = a.tool_version_id
    where r.council_id = ${councilId} and r.schedule_id = ${scheduleId}
      and r.round_on >= ${from} and r.round_on <= ${to}
    order by r.round_on, v.version nulls first, a.submitted_at`.execute(db);

  const byRound = new Map<IsoDate, (typeof reviews.rows)[number][]>();
  for (const r of reviews.rows) byRound.set(r.round_on, [...(byRound.get(r.round_on) ?? []), r]);
  const answered = (rows: typeof reviews.rows): AnsweredAudit[] =>
    rows
      .filter((a) => a.status === 'submitted' && a.definition)
      .map((a) => ({
        definition: parse<ToolDefinition>(a.definition),
        answers: parse<AnswerSet | null>(a.answers),
      }));
  const concernAnswers = s.concern_answers ?? [];
  const concerns: ChildConcern[] = [];
  for (const a of reviews.rows) {
    if (a.status !== 'submitted' || !a.definition) continue;
    for (const c of concernsOf(parse(a.definition), parse(a.answers), concernAnswers))
      concerns.push({ childId: a.child_id, childRef: a.external_id, roundOn: a.round_on, ...c });
  }
  const dates = new Set([
    ...roundDatesBetween(s.first_round_on, s.frequency, from, to < today ? to : today),
    ...byRound.keys(),
  ]);
  const rounds = [...dates].sort().map((roundOn): RoundFigures => {
    const rows = byRound.get(roundOn) ?? [];
    const dueBy = rows[0]?.due_by ?? roundDueBy(roundOn, s.first_round_on, s.frequency);
    const states = rows.map((a) => ({
      submittedOn: a.status === 'submitted' && a.submitted_at ? todayInLondon(a.submitted_at) : null,
      exempted: a.status === 'exempted',
    }));
    return {
      roundOn,
      dueBy,
      started: rows.length > 0,
      state: rows.length ? roundState(states, dueBy, today) : today > dueBy ? 'overdue' : 'open',
      reviews: rows.length,
      submitted: states.filter((x) => x.submittedOn !== null).length,
      exempted: states.filter((x) => x.exempted).length,
      tallies: tallyAnswers(answered(rows)),
    };
  });
  return {
    schedule: {
      id: s.id,
      name: s.name,
      cohortName: s.cohort_name,
      toolName: s.tool_name,
      frequency: s.frequency,
      reviewerName: s.reviewer_name,
      concernAnswers,
    },
    from,
    to,
    rounds,
    questions: tallyAnswers(answered(reviews.rows)),
    repeated: repeatedConcerns(concerns),
    childrenReviewed: new Set(reviews.rows.map((r) => r.child_id)).size,
  };
}
