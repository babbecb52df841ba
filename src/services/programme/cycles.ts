import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import {
  type CyclePhase,
  computeCycle,
  DEFAULT_PHASE_LENGTHS,
  type PhaseLengths,
  phaseLengthsSchema,
} from '../../domain/cycle-phases.ts';
import { parseDateInput } from '../../domain/date-input.ts';
import { type IsoDate, isRealDate, todayInLondon } from '../../domain/dates.ts';
import { type FieldError, NotFoundError, ValidationError, validate } from '../../domain/validation.ts';
import { WorkingDayCalendar } from '../../domain/working-days.ts';

/** A phase as stored with its month: the dates people were told. */
export type StoredPhase = CyclePhase;

export async function getPhaseLengths(db: Db, councilId: string): Promise<PhaseLengths> {
  const row = await db
    .selectFrom('council_settings')
    .select('phase_lengths')
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  return { ...DEFAULT_PHASE_LENGTHS, ...((row?.phase_lengths as Partial<PhaseLengths>) ?? {}) };
}

export async function listClosureDays(db: Db, councilId: string) {
  return db
    .selectFrom('closure_days')
    .select(['id', 'date', 'reason'])
    .where('council_id', '=', councilId)
    .orderBy('date')
    .execute();
}

/** The council's working-day calendar: England and Wales bank holidays and its closure days. */
export async function councilCalendar(db: Db, councilId: string): Promise<WorkingDayCalendar> {
  const closures = await listClosureDays(db, councilId);
  return new WorkingDayCalendar({ closureDays: closures.map((c) => c.date) });
}

export type CycleRecompute =
  | { status: 'learning' }
  | { status: 'kept'; reason: 'under way' }
  | { status: 'dated'; moved: boolean };

function phasesOf(value: unknown): StoredPhase[] | null {
  return Array.isArray(value) ? (value as StoredPhase[]) : null;
}

/** True when the cycle has started: its first phase began on or before today. */
export function isUnderWay(phases: StoredPhase[] | null, today: IsoDate): boolean {
  return phases !== null && phases.length > 0 && phases[0].start <= today;
}

/**
 * Dates one month's cycle from its start date, the council's phase lengths and calendar. A cycle
 * already under way keeps the dates people were given unless `force` (the QA lead confirmed).
 */
export async function recomputeMonthCycle(
  db: Db,
  councilId: string,
  monthId: string,
  options: { today?: IsoDate; force?: boolean; lengths?: PhaseLengths; calendar?: WorkingDayCalendar } = {},
): Promise<CycleRecompute> {
  const today = options.today ?? todayInLondon();
  const month = await db
    .selectFrom('programme_months')
    .select(['learning_month', 'cycle_starts_on', 'month', 'phases'])
    .where('id', '=', monthId)
    .where('council_id', '=', councilId)
    .executeTakeFirstOrThrow();
  const stored = phasesOf(month.phases);
  // A cycle under way keeps the dates people were given, whatever changed, unless confirmed.
  if (isUnderWay(stored, today) && !options.force) return { status: 'kept', reason: 'under way' };
  if (month.learning_month) {
    await db
      .updateTable('programme_months')
      .set({ phases: null, phases_computed_at: null })
      .where('id', '=', monthId)
      .execute();
    return { status: 'learning' };
  }
  const lengths = options.lengths ?? (await getPhaseLengths(db, councilId));
  const calendar = options.calendar ?? (await councilCalendar(db, councilId));
  const phases: StoredPhase[] = computeCycle(month.cycle_starts_on ?? month.month, lengths, calendar);
  const moved = JSON.stringify(stored) !== JSON.stringify(phases);
  await db
    .updateTable('programme_months')
    .set({ phases: JSON.stringify(phases), phases_computed_at: new Date() })
    .where('id', '=', monthId)
    .execute();
  return { status: 'dated', moved };
}

export interface RecomputeSummary {
  moved: string[];
  keptUnderWay: { id: string; month: IsoDate }[];
}

/**
 * After a change of settings or closure days: re-dates every cycle not yet under way, and those
 * under way that the QA lead confirmed; lists the ones under way that kept their dates.
 */
export async function recomputeCouncilCycles(
  db: Db,
  councilId: string,
  options: { today?: IsoDate; confirm?: string[] } = {},
): Promise<RecomputeSummary> {
  const today = options.today ?? todayInLondon();
  const lengths = await getPhaseLengths(db, councilId);
  const calendar = await councilCalendar(db, councilId);
  const months = await db
    .selectFrom('programme_months')
    .select(['id', 'month', 'phases'])
    .where('council_id', '=', councilId)
    .orderBy('month')
    .execute();
  const summary: RecomputeSummary = { moved: [], keptUnderWay: [] };
  for (const m of months) {
    const phases = phasesOf(m.phases);
    // finished cycles are history: never re-dated
    if (phases?.length && phases[phases.length - 1].end < today) continue;
    const result = await recomputeMonthCycle(db, councilId, m.id, {
      today,
      force: options.confirm?.includes(m.id) ?? false,
      lengths,
      calendar,
    });
    if (result.status === 'dated' && result.moved) summary.moved.push(m.id);
    if (result.status === 'kept') summary.keptUnderWay.push({ id: m.id, month: m.month });
  }
  return summary;
}

/** Saves the council's phase lengths and re-dates future cycles, in one transaction. */
export async function setPhaseLengths(db: Db, councilId: string, input: unknown, today = todayInLondon()) {
  const checked = validate(phaseLengthsSchema, input);
  if (!checked.ok) throw new ValidationError(checked.errors);
  return inTransaction(db, async (trx) => {
    const value = JSON.stringify(checked.value);
    await trx
      .insertInto('council_settings')
      .values({ council_id: councilId, phase_lengths: value })
      .onConflict((oc) =>
        oc.column('council_id').doUpdateSet({ phase_lengths: value, updated_at: new Date() }),
      )
      .execute();
    return recomputeCouncilCycles(trx, councilId, { today });
  });
}

/**
 * A closure day as the form sends it (the GOV.UK date input's day, month and year) or, from code,
 * as `date` written YYYY-MM-DD.
 */
export interface ClosureDayInput {
  date?: string;
  'date-day'?: string;
  'date-month'?: string;
  'date-year'?: string;
  reason?: string;
}

/**
 * Adds a council closure day (a day the council is shut that is not a bank holiday) and re-dates
 * the cycles it falls in. Returns the day added and what moved; bad input is a ValidationError and
 * nothing changes.
 */
export async function addClosureDay(
  db: Db,
  councilId: string,
  input: ClosureDayInput,
  today = todayInLondon(),
): Promise<RecomputeSummary & { date: IsoDate }> {
  const reason = (input.reason ?? '').trim();
  const errors: FieldError[] = [];
  const typed =
    input['date-day'] !== undefined || input['date-month'] !== undefined || input['date-year'] !== undefined;
  let date = '';
  if (typed) {
    const parsed = parseDateInput(
      { day: input['date-day'], month: input['date-month'], year: input['date-year'] },
      { label: 'The closure day', required: true },
    );
    if (parsed.ok) date = parsed.value ?? '';
    else errors.push({ field: 'date', message: parsed.message, href: `#date-${parsed.parts[0]}` });
  } else {
    date = (input.date ?? '').trim();
    if (!isRealDate(date)) {
      errors.push({ field: 'date', message: 'The closure day must be a real date', href: '#date-day' });
    }
  }
  if (!reason)
    errors.push({
      field: 'reason',
      message: 'Enter why the council is closed, for example Christmas closure',
    });
  if (reason.length > 100)
    errors.push({ field: 'reason', message: 'The reason must be 100 characters or fewer' });
  if (errors.length) throw new ValidationError(errors);
  return inTransaction(db, async (trx) => {
    const existing = await trx
      .selectFrom('closure_days')
      .select('id')
      .where('council_id', '=', councilId)
      .where('date', '=', date)
      .executeTakeFirst();
    if (existing)
      throw new ValidationError([
        { field: 'date', message: 'That date is already a closure day', href: '#date-day' },
      ]);
    await trx.insertInto('closure_days').values({ council_id: councilId, date, reason }).execute();
    return { ...(await recomputeCouncilCycles(trx, councilId, { today })), date };
  });
}

/**
 * Removes one of the council's closure days and re-dates the cycles it moved. A closure day that is
 * not the council's (another council's, or one already removed) is NotFoundError: nothing changes.
 */
export async function removeClosureDay(
  db: Db,
  councilId: string,
  closureId: string,
  today = todayInLondon(),
) {
  return inTransaction(db, async (trx) => {
    const removed = await trx
      .deleteFrom('closure_days')
      .where('id', '=', closureId)
      .where('council_id', '=', councilId)
      .returning('id')
      .executeTakeFirst();
    if (!removed) throw new NotFoundError('closure day');
    return recomputeCouncilCycles(trx, councilId, { today });
  });
}
