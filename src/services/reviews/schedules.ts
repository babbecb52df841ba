import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import { parseDateInput } from '../../domain/date-input.ts';
import type { IsoDate } from '../../domain/dates.ts';
import { FREQUENCIES, type Frequency } from '../../domain/review-schedules.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../domain/validation.ts';
import { MAX_SAMPLE } from '../sampling/samples.ts';

/**
 * A recurring review's schedule (issue 23): which cohort, on which short tool, how often, from
 * which day, every child or a sample of them, and the named reviewer. Set up and changed by the QA
 * lead; each change in one transaction, refused as a whole with a reason per field.
 */

/** The kinds of tool a recurring review may use: short question sets. */
export const REVIEW_TOOL_KINDS = ['dip_sample', 'themed'] as const;

/** The schedule form's fields, as typed. */
export const SCHEDULE_FORM_FIELDS = [
  'name',
  'cohortId',
  'toolId',
  'frequency',
  'firstDay',
  'firstMonth',
  'firstYear',
  'size',
  'sampleSize',
  'reviewerId',
  'concernAnswers',
  'active',
] as const;
export type ScheduleForm = Record<(typeof SCHEDULE_FORM_FIELDS)[number], string>;

export interface ScheduleInput {
  name: string;
  cohortId: string;
  toolId: string;
  frequency: Frequency;
  firstRoundOn: IsoDate;
  sampleSize: number | null;
  reviewerId: string;
  concernAnswers: string[];
  active: boolean;
}

/** The cohorts, tools and reviewers the form offers. */
export async function scheduleChoices(db: Db, councilId: string) {
  const [cohorts, tools, reviewers] = await Promise.all([
    db
      .selectFrom('cohorts')
      .select(['id', 'name'])
      .where('council_id', '=', councilId)
      .where('archived', '=', false)
      .orderBy('name')
      .execute(),
    db
      .selectFrom('audit_tools')
      .select(['id', 'name', 'kind'])
      .where('council_id', '=', councilId)
      .where('kind', 'in', REVIEW_TOOL_KINDS)
      .where('archived', '=', false)
      .orderBy('name')
      .execute(),
    reviewerChoices(db, councilId),
  ]);
  return { cohorts, tools, reviewers };
}

/** Who may be a schedule's reviewer: active staff with the auditor role, trained in auditing. */
function reviewerChoices(db: Db, councilId: string) {
  return db
    .selectFrom('staff as s')
    .select(['s.id', 's.name', 's.job_title'])
    .where('s.council_id', '=', councilId)
    .where('s.active', '=', true)
    .where('s.audit_trained_on', 'is not', null)
    .where(sql<boolean>`exists (select 1 from staff_roles r where r.staff_id = s.id and r.role = 'auditor')`)
    .orderBy('s.name')
    .execute();
}

const SIZE_FORMAT = 'Enter the number of children as a whole number, like 10';

/** Reads the form, or says what is wrong with each field. */
export async function readScheduleForm(
  db: Db,
  councilId: string,
  form: ScheduleForm,
): Promise<ScheduleInput> {
  const errors: FieldError[] = [];
  const name = form.name.trim();
  if (!name)
    errors.push({
      field: 'name',
      message: 'Enter a name for the review, like “Unregistered placements weekly”',
    });
  else if (name.length > 120)
    errors.push({ field: 'name', message: 'The name must be 120 characters or fewer' });
  const { cohorts, tools, reviewers } = await scheduleChoices(db, councilId);
  if (!cohorts.some((c) => c.id === form.cohortId))
    errors.push({ field: 'cohortId', message: 'Choose the cohort whose children are reviewed' });
  if (!tools.some((t) => t.id === form.toolId))
    errors.push({
      field: 'toolId',
      message: tools.length
        ? 'Choose the audit tool the reviews use'
        : 'There is no dip-sample or themed audit tool: create a short one in Audit tools first',
    });
  const frequency = (FREQUENCIES as readonly string[]).includes(form.frequency)
    ? (form.frequency as Frequency)
    : null;
  if (!frequency) errors.push({ field: 'frequency', message: 'Choose how often the cohort is reviewed' });
  const first = parseDateInput(
    { day: form.firstDay, month: form.firstMonth, year: form.firstYear },
    { label: 'The date of the first round', required: true },
  );
  if (!first.ok) errors.push({ field: 'first', message: first.message });
  let sampleSize: number | null = null;
  if (form.size === 'sample') {
    const n = form.sampleSize.trim();
    if (!n)
      errors.push({ field: 'sampleSize', message: 'Enter how many children each round reviews, like 10' });
    else if (!/^\d+$/.test(n)) errors.push({ field: 'sampleSize', message: SIZE_FORMAT });
    else if (Number(n) < 1)
      errors.push({ field: 'sampleSize', message: 'Review at least 1 child each round' });
    else if (Number(n) > MAX_SAMPLE)
      errors.push({ field: 'sampleSize', message: 'Review 10,000 children or fewer each round' });
    else sampleSize = Number(n);
  } else if (form.size !== 'all')
    errors.push({ field: 'size', message: 'Choose every child of the cohort or a sample of them' });
  if (!reviewers.some((r) => r.id === form.reviewerId))
    errors.push({
      field: 'reviewerId',
      message: reviewers.length
        ? 'Choose the reviewer from the list: a trained auditor'
        : 'Nobody may review yet: give someone the auditor role and record their training first',
    });
  const concernAnswers = [
    ...new Set(
      form.concernAnswers
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ];
  if (concernAnswers.some((a) => a.length > 200))
    errors.push({ field: 'concernAnswers', message: 'Each answer must be 200 characters or fewer' });
  if (form.active !== 'yes' && form.active !== 'no')
    errors.push({ field: 'active', message: 'Choose whether rounds are running or paused' });
  if (errors.length) throw new ValidationError(errors);
  return {
    name,
    cohortId: form.cohortId,
    toolId: form.toolId,
    frequency: frequency as Frequency,
    firstRoundOn: (first as { value: IsoDate }).value,
    sampleSize,
    reviewerId: form.reviewerId,
    concernAnswers,
    active: form.active === 'yes',
  };
}

/** Creates a schedule (scheduleId null) or changes one; returns its id. */
export async function saveSchedule(
  db: Db,
  councilId: string,
  staffId: string,
  scheduleId: string | null,
  form: ScheduleForm,
): Promise<string> {
  return inTransaction(db, async (trx) => {
    const input = await readScheduleForm(trx, councilId, form);
    if (scheduleId) {
      const existing = await trx
        .selectFrom('review_schedules')
        .select(['id', 'first_round_on', 'frequency'])
        .where('id', '=', scheduleId)
        .where('council_id', '=', councilId)
        .forUpdate()
        .executeTakeFirst();
      if (!existing) throw new NotFoundError('review schedule');
      const started = await trx
        .selectFrom('review_rounds')
        .select('id')
        .where('schedule_id', '=', scheduleId)
        .executeTakeFirst();
      // rounds already done keep their dates: the first day and the frequency make them
      if (
        started &&
        (existing.first_round_on !== input.firstRoundOn || existing.frequency !== input.frequency)
      )
        throw new ValidationError([
          {
            field: started && existing.frequency !== input.frequency ? 'frequency' : 'first',
            message:
              'Rounds have been started on this schedule, so its first date and frequency cannot change: pause it and set up a new schedule instead',
          },
        ]);
    }
    const clash = await trx
      .selectFrom('review_schedules')
      .select('id')
      .where('council_id', '=', councilId)
      .where(sql<string>`lower(name)`, '=', input.name.toLowerCase())
      .$if(scheduleId !== null, (q) => q.where('id', '<>', scheduleId as string))
      .executeTakeFirst();
    if (clash)
      throw new ValidationError([
        { field: 'name', message: 'A recurring review already has that name: choose another' },
      ]);
    const values = {
      name: input.name,
      cohort_id: input.cohortId,
      tool_id: input.toolId,
      frequency: input.frequency,
      first_round_on: input.firstRoundOn,
      sample_size: input.sampleSize,
      reviewer_id: input.reviewerId,
      concern_answers: input.concernAnswers,
      active: input.active,
      updated_at: new Date(),
    };
    if (scheduleId) {
      await trx
        .updateTable('review_schedules')
        .set(values)
        .where('id', '=', scheduleId)
        .where('council_id', '=', councilId)
        .execute();
      return scheduleId;
    }
    const row = await trx
      .insertInto('review_schedules')
      .values({ ...values, council_id: councilId, created_by: staffId })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
}

/** A schedule with the names of its cohort, tool and reviewer. */
export async function getSchedule(db: Db, councilId: string, scheduleId: string) {
  const row = await db
    .selectFrom('review_schedules as r')
    .innerJoin('cohorts as c', 'c.id', 'r.cohort_id')
    .innerJoin('audit_tools as t', 't.id', 'r.tool_id')
    .innerJoin('staff as s', 's.id', 'r.reviewer_id')
    .selectAll('r')
    .select([
      'c.name as cohort_name',
      't.name as tool_name',
      't.kind as tool_kind',
      's.name as reviewer_name',
    ])
    .where('r.id', '=', scheduleId)
    .where('r.council_id', '=', councilId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('review schedule');
  return row;
}

export type Schedule = Awaited<ReturnType<typeof getSchedule>>;

/** The form filled in from a schedule, to change it. */
export function scheduleForm(s: Schedule | null): ScheduleForm {
  const [year, month, day] = (s?.first_round_on ?? '--').split('-');
  return {
    name: s?.name ?? '',
    cohortId: s?.cohort_id ?? '',
    toolId: s?.tool_id ?? '',
    frequency: s?.frequency ?? 'weekly',
    firstDay: s ? String(Number(day)) : '',
    firstMonth: s ? String(Number(month)) : '',
    firstYear: s ? year : '',
    size: s ? (s.sample_size === null ? 'all' : 'sample') : 'all',
    sampleSize: s?.sample_size === null || s === null ? '' : String(s.sample_size),
    reviewerId: s?.reviewer_id ?? '',
    concernAnswers: (s?.concern_answers ?? []).join('\n'),
    active: s === null || s.active ? 'yes' : 'no',
  };
}
