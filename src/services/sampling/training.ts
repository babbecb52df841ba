/**
 * The auditor training register (issue 17, item 5): the audit training sessions the council holds and
 * who attended, each person's training status (src/domain/auditor-training.ts), the managers not
 * trained in time, and the council's two periods (refresher, new manager).
 *
 * How a session sets a trained date: attending a session sets the person's `staff.audit_trained_on`
 * to the latest session they attended. Changing or deleting a session recomputes it for everyone who
 * was or is on it. A date QA typed by hand on the Auditors page (one that is no session date the
 * person attended) stays unless a later session replaces it; a trained date that came from a session
 * goes back to the person's previous session, or to not trained, when that session is deleted or
 * they are taken off it (`trainedDateAfter`).
 */
import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import {
  countsAsTrained,
  TRAINING_STATUS_LABELS,
  TRAINING_STATUSES,
  type TrainingPeriods,
  type TrainingStatus,
  trainedDateAfter,
  trainingStatus,
} from '../../domain/auditor-training.ts';
import { type DatePart, parseDateInput } from '../../domain/date-input.ts';
import type { IsoDate } from '../../domain/dates.ts';
import { isRole, type Role } from '../../domain/roles.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../domain/validation.ts';
import { getPhaseLengths } from '../programme/cycles.ts';

export type { TrainingStatus };

export const SESSION_KINDS = { initial: 'Initial training', refresher: 'Refresher' } as const;
export type SessionKind = keyof typeof SESSION_KINDS;

export const REFRESHER_MONTHS = { min: 1, max: 120 } as const;
export const NEW_MANAGER_MONTHS = { min: 1, max: 24 } as const;

// ---- the council's periods ------------------------------------------------------------------------

export async function getTrainingPeriods(db: Db, councilId: string): Promise<TrainingPeriods> {
  const row = await db
    .selectFrom('council_settings')
    .select(['training_refresher_months', 'new_manager_training_months'])
    .where('council_id', '=', councilId)
    .executeTakeFirst();
  return {
    refresherMonths: row?.training_refresher_months ?? 24,
    newManagerMonths: row?.new_manager_training_months ?? 2,
  };
}

export interface TrainingPeriodsInput {
  refresherMonths?: unknown;
  newManagerMonths?: unknown;
}

function readMonths(
  value: unknown,
  what: string,
  range: { min: number; max: number },
): { ok: true; value: number } | { ok: false; message: string } {
  const text = typeof value === 'string' ? value.trim() : '';
  const between = `Enter the number of months ${what}, from ${range.min} to ${range.max}`;
  if (text === '') return { ok: false, message: between };
  if (!/^\d+$/.test(text))
    return { ok: false, message: 'Enter the number of months as a whole number, like 2' };
  const n = Number(text);
  if (n < range.min || n > range.max) return { ok: false, message: between };
  return { ok: true, value: n };
}

/** Saves the refresher and new-manager periods (ValidationError: nothing saved). */
export async function saveTrainingPeriods(
  db: Db,
  councilId: string,
  input: TrainingPeriodsInput,
): Promise<TrainingPeriods> {
  const refresher = readMonths(input.refresherMonths, 'until a refresher is due', REFRESHER_MONTHS);
  const newManager = readMonths(
    input.newManagerMonths,
    'a new manager has to be trained',
    NEW_MANAGER_MONTHS,
  );
  const errors: FieldError[] = [];
  if (!refresher.ok) errors.push({ field: 'refresherMonths', message: refresher.message });
  if (!newManager.ok) errors.push({ field: 'newManagerMonths', message: newManager.message });
  if (!refresher.ok || !newManager.ok) throw new ValidationError(errors);
  const values = {
    training_refresher_months: refresher.value,
    new_manager_training_months: newManager.value,
  };
  const phaseLengths = JSON.stringify(await getPhaseLengths(db, councilId));
  await db
    .insertInto('council_settings')
    .values({ council_id: councilId, phase_lengths: phaseLengths, ...values })
    .onConflict((oc) => oc.column('council_id').doUpdateSet({ ...values, updated_at: new Date() }))
    .execute();
  return { refresherMonths: refresher.value, newManagerMonths: newManager.value };
}

// ---- people and their status ----------------------------------------------------------------------

export interface RegisterPerson {
  staffId: string;
  name: string;
  jobTitle: string;
  team: string | null;
  startedOn: IsoDate | null;
  trainedOn: IsoDate | null;
  status: TrainingStatus;
  statusLabel: string;
  refresherDue: IsoDate | null;
  /** not trained: when they should be trained by (null when no start date is recorded) */
  trainingDue: IsoDate | null;
}

const rolesOf = sql<
  string[]
>`coalesce((select array_agg(r.role::text order by r.role) from staff_roles r where r.staff_id = s.id), '{}')`;

async function peopleWithStatus(db: Db, councilId: string, today: IsoDate): Promise<RegisterPerson[]> {
  const [periods, rows] = await Promise.all([
    getTrainingPeriods(db, councilId),
    db
      .selectFrom('staff as s')
      .leftJoin('teams as t', 't.id', 's.team_id')
      .where('s.council_id', '=', councilId)
      .where('s.active', '=', true)
      .select([
        's.id',
        's.name',
        's.job_title',
        't.name as team',
        's.started_on',
        's.audit_trained_on',
        rolesOf.as('roles'),
      ])
      .orderBy(sql`lower(s.name)`)
      .orderBy('s.id')
      .execute(),
  ]);
  return rows.map((r) => {
    const roles = (r.roles ?? []).filter(isRole) as Role[];
    const state = trainingStatus(
      { startedOn: r.started_on, roles, trainedOn: r.audit_trained_on },
      periods,
      today,
    );
    return {
      staffId: r.id,
      name: r.name,
      jobTitle: r.job_title,
      team: r.team,
      startedOn: r.started_on,
      trainedOn: r.audit_trained_on,
      status: state.status,
      statusLabel: TRAINING_STATUS_LABELS[state.status],
      refresherDue: state.refresherDue,
      trainingDue: state.trainingDue,
    };
  });
}

export type StatusCounts = Record<TrainingStatus, number>;

function countStatuses(people: { status: TrainingStatus }[]): StatusCounts {
  const counts = Object.fromEntries(TRAINING_STATUSES.map((s) => [s, 0])) as StatusCounts;
  for (const p of people) counts[p.status]++;
  return counts;
}

/**
 * The register: every active member of staff expected to be trained or trained (those "not
 * expected" are left out), with their status, team, start date, trained date and refresher date,
 * and the counts per status.
 */
export async function trainingRegister(db: Db, councilId: string, today: IsoDate) {
  const people = (await peopleWithStatus(db, councilId, today)).filter((p) => p.status !== 'not_expected');
  const counts = countStatuses(people);
  return {
    people,
    counts,
    /** trained, whether or not a refresher is due */
    trained: counts.trained + counts.refresher_due_soon + counts.refresher_overdue,
  };
}

/**
 * Managers not trained in time: not trained, and more than the council's new-manager period after
 * their start date (or no start date recorded), with team and start date; the longest waiting first.
 */
export async function managersNotTrainedInTime(db: Db, councilId: string, today: IsoDate) {
  return (await peopleWithStatus(db, councilId, today))
    .filter((p) => p.status === 'overdue')
    .sort((a, b) => (a.startedOn ?? '').localeCompare(b.startedOn ?? '') || a.name.localeCompare(b.name));
}

/**
 * Trained, awaiting training and overdue as at a date (the end of a programme year): the staff on
 * the books that day (started by then, not left before it), their current roles, and the training
 * they had by then (the latest session attended on or before the date, or the trained date on record
 * when it is on or before it).
 */
export async function trainingCountsAsAt(db: Db, councilId: string, asAt: IsoDate) {
  const [periods, rows] = await Promise.all([
    getTrainingPeriods(db, councilId),
    db
      .selectFrom('staff as s')
      .where('s.council_id', '=', councilId)
      .where((eb) => eb.or([eb('s.started_on', 'is', null), eb('s.started_on', '<=', asAt)]))
      .where((eb) =>
        eb.or([
          eb.and([
            eb('s.active', '=', true),
            eb.or([eb('s.left_on', 'is', null), eb('s.left_on', '>', asAt)]),
          ]),
          eb('s.left_on', '>', asAt),
        ]),
      )
      .select([
        's.started_on',
        's.audit_trained_on',
        rolesOf.as('roles'),
        sql<IsoDate | null>`(select max(ts.held_on)::text from audit_training_attendees ta
          join audit_training_sessions ts on ts.id = ta.session_id
          where ta.staff_id = s.id and ts.held_on <= ${asAt})`.as('session_on'),
      ])
      .execute(),
  ]);
  const statuses = rows.map((r) => {
    const candidates = [r.audit_trained_on, r.session_on].filter((d): d is IsoDate => !!d && d <= asAt);
    const trainedOn = candidates.sort().at(-1) ?? null;
    const roles = (r.roles ?? []).filter(isRole) as Role[];
    return trainingStatus({ startedOn: r.started_on, roles, trainedOn }, periods, asAt).status;
  });
  return {
    asAt,
    trained: statuses.filter(countsAsTrained).length,
    awaiting: statuses.filter((s) => s === 'awaiting').length,
    overdue: statuses.filter((s) => s === 'overdue').length,
  };
}

// ---- sessions -------------------------------------------------------------------------------------

export interface SessionSummary {
  id: string;
  heldOn: IsoDate;
  kind: SessionKind;
  kindLabel: string;
  title: string;
  trainer: string | null;
  attendees: number;
}

export async function listSessions(db: Db, councilId: string): Promise<SessionSummary[]> {
  const rows = await db
    .selectFrom('audit_training_sessions as ts')
    .where('ts.council_id', '=', councilId)
    .select([
      'ts.id',
      'ts.held_on',
      'ts.kind',
      'ts.title',
      'ts.trainer',
      (eb) =>
        eb
          .selectFrom('audit_training_attendees as a')
          .whereRef('a.session_id', '=', 'ts.id')
          .select(eb.fn.countAll<number>().as('n'))
          .as('attendees'),
    ])
    .orderBy('ts.held_on', 'desc')
    .orderBy('ts.recorded_at', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    heldOn: r.held_on,
    kind: r.kind,
    kindLabel: SESSION_KINDS[r.kind],
    title: r.title,
    trainer: r.trainer,
    attendees: Number(r.attendees ?? 0),
  }));
}

export interface SessionDetails {
  id: string;
  heldOn: IsoDate;
  kind: SessionKind;
  title: string;
  trainer: string | null;
  attendeeIds: string[];
}

export async function getSession(db: Db, councilId: string, sessionId: string): Promise<SessionDetails> {
  const row = await db
    .selectFrom('audit_training_sessions')
    .where('council_id', '=', councilId)
    .where('id', '=', sessionId)
    .select(['id', 'held_on', 'kind', 'title', 'trainer'])
    .executeTakeFirst();
  if (!row) throw new NotFoundError('training session');
  const attendees = await db
    .selectFrom('audit_training_attendees')
    .where('council_id', '=', councilId)
    .where('session_id', '=', sessionId)
    .select('staff_id')
    .execute();
  return {
    id: row.id,
    heldOn: row.held_on,
    kind: row.kind,
    title: row.title,
    trainer: row.trainer,
    attendeeIds: attendees.map((a) => a.staff_id),
  };
}

export interface AttendeeTeam {
  team: string;
  people: { staffId: string; name: string; jobTitle: string }[];
}

/**
 * Who can be ticked as attending: the council's active staff, by team (those without a team last),
 * and anyone already on the session being changed even if they have since left.
 */
export async function attendeeChoices(
  db: Db,
  councilId: string,
  sessionId?: string,
): Promise<AttendeeTeam[]> {
  const rows = await db
    .selectFrom('staff as s')
    .leftJoin('teams as t', 't.id', 's.team_id')
    .where('s.council_id', '=', councilId)
    .where((eb) =>
      sessionId
        ? eb.or([
            eb('s.active', '=', true),
            eb.exists(
              eb
                .selectFrom('audit_training_attendees as a')
                .whereRef('a.staff_id', '=', 's.id')
                .where('a.session_id', '=', sessionId),
            ),
          ])
        : eb('s.active', '=', true),
    )
    .select(['s.id', 's.name', 's.job_title', 't.name as team'])
    .orderBy(sql`t.name is null`)
    .orderBy(sql`lower(t.name)`)
    .orderBy(sql`lower(s.name)`)
    .orderBy('s.id')
    .execute();
  const teams: AttendeeTeam[] = [];
  for (const r of rows) {
    const team = r.team ?? 'No team';
    let group = teams.at(-1);
    if (!group || group.team !== team) {
      group = { team, people: [] };
      teams.push(group);
    }
    group.people.push({ staffId: r.id, name: r.name, jobTitle: r.job_title });
  }
  return teams;
}

/** What the session form sends. */
export interface SessionInput {
  'heldOn-day'?: unknown;
  'heldOn-month'?: unknown;
  'heldOn-year'?: unknown;
  kind?: unknown;
  title?: unknown;
  trainer?: unknown;
  attendees?: unknown;
}

export const HELD_ON_LABEL = 'The date the session was held';
const MAX_TEXT = 200;

export function readHeldOn(input: SessionInput, today: IsoDate) {
  return parseDateInput(
    { day: input['heldOn-day'], month: input['heldOn-month'], year: input['heldOn-year'] },
    { label: HELD_ON_LABEL, required: true, notAfter: today },
  );
}

function firstPart(parts: DatePart[]): DatePart {
  return (['day', 'month', 'year'] as const).find((p) => parts.includes(p)) ?? 'day';
}

const textOf = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

interface CheckedSession {
  heldOn: IsoDate;
  kind: SessionKind;
  title: string;
  trainer: string | null;
  attendees: string[];
}

async function checkSession(
  db: Db,
  councilId: string,
  input: SessionInput,
  today: IsoDate,
  sessionId?: string,
): Promise<CheckedSession> {
  const errors: FieldError[] = [];
  const heldOn = readHeldOn(input, today);
  if (!heldOn.ok) errors.push({ field: `heldOn-${firstPart(heldOn.parts)}`, message: heldOn.message });
  const kind = textOf(input.kind);
  if (kind !== 'initial' && kind !== 'refresher') {
    errors.push({ field: 'kind', message: 'Choose whether this was initial training or a refresher' });
  }
  const title = textOf(input.title);
  if (title === '') errors.push({ field: 'title', message: 'Enter a title for the session' });
  else if (title.length > MAX_TEXT) {
    errors.push({ field: 'title', message: `The title must be ${MAX_TEXT} characters or fewer` });
  }
  const trainer = textOf(input.trainer);
  if (trainer.length > MAX_TEXT) {
    errors.push({ field: 'trainer', message: `The trainer’s name must be ${MAX_TEXT} characters or fewer` });
  }
  const ticked = [
    ...new Set(
      (Array.isArray(input.attendees) ? input.attendees : [input.attendees]).filter(
        (v) => typeof v === 'string' && v !== '',
      ),
    ),
  ] as string[];
  const allowed = new Set(
    (await attendeeChoices(db, councilId, sessionId)).flatMap((t) => t.people.map((p) => p.staffId)),
  );
  if (ticked.length === 0) errors.push({ field: 'attendees', message: 'Select who attended the session' });
  else if (ticked.some((id) => !allowed.has(id))) {
    errors.push({ field: 'attendees', message: 'Select who attended from the council’s staff listed' });
  }
  if (errors.length) throw new ValidationError(errors);
  return {
    heldOn: (heldOn as { value: IsoDate }).value,
    kind: kind as SessionKind,
    title,
    trainer: trainer === '' ? null : trainer,
    attendees: ticked,
  };
}

type Trx = Parameters<Parameters<typeof inTransaction>[1]>[0];

/** The session dates each of these people attended. */
async function sessionDates(
  trx: Trx,
  councilId: string,
  staffIds: string[],
): Promise<Map<string, IsoDate[]>> {
  const dates = new Map<string, IsoDate[]>(staffIds.map((id) => [id, []]));
  if (staffIds.length === 0) return dates;
  const rows = await trx
    .selectFrom('audit_training_attendees as a')
    .innerJoin('audit_training_sessions as ts', 'ts.id', 'a.session_id')
    .where('a.council_id', '=', councilId)
    .where('a.staff_id', 'in', staffIds)
    .select(['a.staff_id', 'ts.held_on'])
    .execute();
  for (const r of rows) dates.get(r.staff_id)?.push(r.held_on);
  return dates;
}

/** Runs a change to sessions and then recomputes the trained date of everyone it touched. */
async function changeAndRecompute(
  trx: Trx,
  councilId: string,
  staffIds: string[],
  change: () => Promise<void>,
): Promise<void> {
  const ids = [...new Set(staffIds)];
  const before = await sessionDates(trx, councilId, ids);
  const recorded = new Map(
    ids.length
      ? (
          await trx
            .selectFrom('staff')
            .where('council_id', '=', councilId)
            .where('id', 'in', ids)
            .select(['id', 'audit_trained_on'])
            .execute()
        ).map((r) => [r.id, r.audit_trained_on])
      : [],
  );
  await change();
  const after = await sessionDates(trx, councilId, ids);
  for (const id of ids) {
    const was = recorded.get(id) ?? null;
    const now = trainedDateAfter(was, before.get(id) ?? [], after.get(id) ?? []);
    if (now !== was) {
      await trx
        .updateTable('staff')
        .set({ audit_trained_on: now })
        .where('id', '=', id)
        .where('council_id', '=', councilId)
        .execute();
    }
  }
}

/** Records a session and who attended; their trained dates follow. Returns the session's id. */
export async function recordSession(
  db: Db,
  councilId: string,
  input: SessionInput,
  options: { recordedBy: string | null; today: IsoDate },
): Promise<{ id: string; attendees: number }> {
  const s = await checkSession(db, councilId, input, options.today);
  return inTransaction(db, async (trx) => {
    let id = '';
    await changeAndRecompute(trx, councilId, s.attendees, async () => {
      const row = await trx
        .insertInto('audit_training_sessions')
        .values({
          council_id: councilId,
          held_on: s.heldOn,
          kind: s.kind,
          title: s.title,
          trainer: s.trainer,
          recorded_by: options.recordedBy,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      id = row.id;
      await trx
        .insertInto('audit_training_attendees')
        .values(
          s.attendees.map((staffId) => ({ session_id: row.id, council_id: councilId, staff_id: staffId })),
        )
        .execute();
    });
    return { id, attendees: s.attendees.length };
  });
}

/** Changes a session (its date, kind, title, trainer, who attended); trained dates are recomputed. */
export async function updateSession(
  db: Db,
  councilId: string,
  sessionId: string,
  input: SessionInput,
  today: IsoDate,
): Promise<{ attendees: number }> {
  const existing = await getSession(db, councilId, sessionId);
  const s = await checkSession(db, councilId, input, today, sessionId);
  return inTransaction(db, async (trx) => {
    await changeAndRecompute(trx, councilId, [...existing.attendeeIds, ...s.attendees], async () => {
      await trx
        .updateTable('audit_training_sessions')
        .set({ held_on: s.heldOn, kind: s.kind, title: s.title, trainer: s.trainer })
        .where('id', '=', sessionId)
        .where('council_id', '=', councilId)
        .execute();
      await trx
        .deleteFrom('audit_training_attendees')
        .where('session_id', '=', sessionId)
        .where('council_id', '=', councilId)
        .execute();
      await trx
        .insertInto('audit_training_attendees')
        .values(
          s.attendees.map((staffId) => ({ session_id: sessionId, council_id: councilId, staff_id: staffId })),
        )
        .execute();
    });
    return { attendees: s.attendees.length };
  });
}

/** Deletes a session; the trained dates of those who attended are recomputed. */
export async function deleteSession(db: Db, councilId: string, sessionId: string): Promise<void> {
  const existing = await getSession(db, councilId, sessionId);
  await inTransaction(db, async (trx) => {
    await changeAndRecompute(trx, councilId, existing.attendeeIds, async () => {
      await trx
        .deleteFrom('audit_training_sessions')
        .where('id', '=', sessionId)
        .where('council_id', '=', councilId)
        .execute();
    });
  });
}

// ---- pages ----------------------------------------------------------------------------------------

/** The register page: counts per status, managers not trained in time, everyone listed, the sessions held. */
export async function trainingRegisterPage(db: Db, councilId: string, today: IsoDate) {
  const [register, sessions, periods] = await Promise.all([
    trainingRegister(db, councilId, today),
    listSessions(db, councilId),
    getTrainingPeriods(db, councilId),
  ]);
  return {
    ...register,
    notTrainedInTime: register.people
      .filter((p) => p.status === 'overdue')
      .sort((a, b) => (a.startedOn ?? '').localeCompare(b.startedOn ?? '') || a.name.localeCompare(b.name)),
    sessions,
    periods,
  };
}
