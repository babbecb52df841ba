/**
 * Check and challenge (domain.md §4, §12): each team's weekly meeting on its pack. The meeting
 * records when it was held, who attended (the team's staff ticked, others present as text), notes,
 * and the goals it set (what, who from the team, by when); open goals carry into the next pack until
 * closed with a note (done, or dropped). The pack is stored with the meeting, so the history shows
 * what each meeting saw. One transaction per use case; every query held to the council.
 */
import { sql } from 'kysely';
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import { GOAL_STATUS_LABELS, type GoalStatus, isMonday, weekOf } from '../../domain/check-challenge.ts';
import { parseDateInput } from '../../domain/date-input.ts';
import { addDays, type IsoDate } from '../../domain/dates.ts';
import { type FieldError, NotFoundError, ValidationError } from '../../domain/validation.ts';
import {
  type CheckChallengePerson,
  type CheckChallengeTeam,
  mustSeeTeam,
  teamScope,
  teamsFor,
} from './access.ts';
import { buildPack, type CheckChallengePack } from './pack.ts';

/** How many goals the meeting form offers (more are set at the next meeting). */
export const GOAL_ROWS = 3;
export const MAX_NOTES = 10000;
export const MAX_OTHERS = 1000;
export const MAX_GOAL = 1000;
export const MAX_CLOSE_NOTE = 2000;

export type MeetingPerson = CheckChallengePerson;

export interface TeamMember {
  id: string;
  name: string;
  jobTitle: string;
}

/** The week in an address: a Monday not after this week's; NotFoundError otherwise. */
export function mustBeWeek(week: string, today: IsoDate): IsoDate {
  if (!isMonday(week) || week > weekOf(today)) throw new NotFoundError('week');
  return week;
}

async function teamMembers(db: Db, councilId: string, teamId: string): Promise<TeamMember[]> {
  return db
    .selectFrom('staff')
    .select(['id', 'name', 'job_title as jobTitle'])
    .where('council_id', '=', councilId)
    .where('team_id', '=', teamId)
    .where('active', '=', true)
    .orderBy(sql`lower(name)`)
    .orderBy('id')
    .execute();
}

export interface MeetingRecord {
  id: string;
  weekOf: IsoDate;
  heldOn: IsoDate;
  notes: string;
  othersPresent: string;
  recordedBy: string | null;
  recordedAt: Date;
  attendees: string[];
  goals: {
    id: string;
    text: string;
    owner: string | null;
    dueOn: IsoDate;
    status: GoalStatus;
    statusLabel: string;
    closedNote: string;
    closedOn: IsoDate | null;
  }[];
  pack: CheckChallengePack;
}

async function meetingOfWeek(
  db: Db,
  councilId: string,
  teamId: string,
  week: IsoDate,
): Promise<MeetingRecord | null> {
  const m = await db
    .selectFrom('check_challenge_meetings as m')
    .leftJoin('staff as s', 's.id', 'm.recorded_by')
    .select([
      'm.id',
      'm.week_of',
      'm.held_on',
      'm.notes',
      'm.others_present',
      'm.pack',
      'm.recorded_at',
      's.name as recorded_by',
    ])
    .where('m.council_id', '=', councilId)
    .where('m.team_id', '=', teamId)
    .where('m.week_of', '=', week)
    .executeTakeFirst();
  if (!m) return null;
  const [attendees, goals] = await Promise.all([
    db
      .selectFrom('check_challenge_attendees as a')
      .innerJoin('staff as s', 's.id', 'a.staff_id')
      .select('s.name')
      .where('a.council_id', '=', councilId)
      .where('a.meeting_id', '=', m.id)
      .orderBy(sql`lower(s.name)`)
      .execute(),
    db
      .selectFrom('check_challenge_goals as g')
      .leftJoin('staff as s', 's.id', 'g.owner_id')
      .select([
        'g.id',
        'g.text',
        's.name as owner',
        'g.due_on',
        'g.status',
        'g.closed_note',
        sql<string | null>`g.closed_at::date::text`.as('closed_on'),
      ])
      .where('g.council_id', '=', councilId)
      .where('g.meeting_id', '=', m.id)
      .orderBy('g.created_at')
      .orderBy('g.id')
      .execute(),
  ]);
  return {
    id: m.id,
    weekOf: m.week_of,
    heldOn: m.held_on,
    notes: m.notes,
    othersPresent: m.others_present,
    recordedBy: m.recorded_by,
    recordedAt: m.recorded_at,
    attendees: attendees.map((a) => a.name),
    goals: goals.map((g) => ({
      id: g.id,
      text: g.text,
      owner: g.owner,
      dueOn: g.due_on,
      status: g.status,
      statusLabel: GOAL_STATUS_LABELS[g.status],
      closedNote: g.closed_note,
      closedOn: g.closed_on,
    })),
    pack: m.pack as CheckChallengePack,
  };
}

/** The goals of a team still open now, whichever meeting set them, for closing. */
async function openGoals(db: Db, councilId: string, teamId: string, today: IsoDate) {
  const rows = await db
    .selectFrom('check_challenge_goals as g')
    .innerJoin('check_challenge_meetings as m', 'm.id', 'g.meeting_id')
    .leftJoin('staff as s', 's.id', 'g.owner_id')
    .select(['g.id', 'g.text', 's.name as owner', 'g.due_on', 'm.week_of'])
    .where('g.council_id', '=', councilId)
    .where('g.team_id', '=', teamId)
    .where('g.status', '=', 'open')
    .orderBy('g.due_on')
    .orderBy('g.created_at')
    .orderBy('g.id')
    .execute();
  return rows.map((g) => ({
    id: g.id,
    text: g.text,
    owner: g.owner,
    dueOn: g.due_on,
    setInWeek: g.week_of,
    overdue: g.due_on < today,
  }));
}

/**
 * A team's week: the meeting if one was recorded (with the pack as it saw it), else the pack as it
 * stands today and what the meeting form needs; the goals open now, to close.
 */
export async function weekPage(db: Db, person: MeetingPerson, teamId: string, week: string, today: IsoDate) {
  const team = await mustSeeTeam(db, person, teamId);
  const w = mustBeWeek(week, today);
  const meeting = await meetingOfWeek(db, person.councilId, team.id, w);
  const [pack, members, goals] = await Promise.all([
    meeting ? meeting.pack : buildPack(db, person.councilId, team, w, today),
    teamMembers(db, person.councilId, team.id),
    openGoals(db, person.councilId, team.id, today),
  ]);
  return {
    team,
    week: w,
    thisWeek: weekOf(today),
    previousWeek: addDays(w, -7),
    nextWeek: addDays(w, 7) <= weekOf(today) ? addDays(w, 7) : null,
    meeting,
    pack,
    members,
    openGoals: goals,
  };
}

/** The pack a week's Word document holds: the recorded meeting's, else as it stands today. */
export async function packForWord(
  db: Db,
  person: MeetingPerson,
  teamId: string,
  week: string,
  today: IsoDate,
) {
  const team = await mustSeeTeam(db, person, teamId);
  const w = mustBeWeek(week, today);
  const meeting = await meetingOfWeek(db, person.councilId, team.id, w);
  return {
    team,
    meeting,
    pack: meeting ? meeting.pack : await buildPack(db, person.councilId, team, w, today),
  };
}

const text = (v: unknown) =>
  typeof v === 'string' ? v.trim() : Array.isArray(v) ? String(v[0] ?? '').trim() : '';
const list = (v: unknown) =>
  Array.isArray(v) ? v.map(String) : typeof v === 'string' && v !== '' ? [v] : [];

/**
 * Records a team's meeting for a week, with its pack as it stands, attendees and goals. Refuses a
 * second meeting for the same week; field errors in words a person can act on.
 */
export async function recordMeeting(
  db: Db,
  person: MeetingPerson,
  teamId: string,
  week: string,
  form: Record<string, string | string[]>,
  today: IsoDate,
): Promise<string> {
  return inTransaction(db, async (trx) => {
    const team = await mustSeeTeam(trx, person, teamId);
    const w = mustBeWeek(week, today);
    const members = await teamMembers(trx, person.councilId, team.id);
    const memberIds = new Set(members.map((m) => m.id));
    const errors: FieldError[] = [];

    const held = parseDateInput(
      { day: form['heldOn-day'], month: form['heldOn-month'], year: form['heldOn-year'] },
      { label: 'The date the meeting was held', required: true, notAfter: today },
    );
    let heldOn: IsoDate | null = null;
    if (!held.ok) errors.push({ field: 'heldOn', message: held.message, href: `#heldOn-${held.parts[0]}` });
    else if (held.value && (held.value < w || held.value > addDays(w, 6)))
      errors.push({
        field: 'heldOn',
        message: 'The date the meeting was held must be in the week the pack is for',
        href: '#heldOn-day',
      });
    else heldOn = held.value;

    const attendees = list(form.attendees);
    const others = text(form.othersPresent);
    if (attendees.some((a) => !memberIds.has(a)))
      errors.push({ field: 'attendees', message: 'Tick only people in the team' });
    else if (attendees.length === 0 && others === '')
      errors.push({
        field: 'attendees',
        message: 'Tick who from the team attended, or say who else was there',
      });
    if (others.length > MAX_OTHERS)
      errors.push({
        field: 'othersPresent',
        message: `Others present must be ${MAX_OTHERS} characters or fewer`,
      });
    const notes = text(form.notes);
    if (notes.length > MAX_NOTES)
      errors.push({
        field: 'notes',
        message: `Notes must be ${MAX_NOTES.toLocaleString('en-GB')} characters or fewer`,
      });

    const goals: { text: string; ownerId: string; dueOn: IsoDate }[] = [];
    for (let i = 1; i <= GOAL_ROWS; i++) {
      const goalText = text(form[`goal${i}Text`]);
      const owner = text(form[`goal${i}Owner`]);
      const dueParts = {
        day: form[`goal${i}Due-day`],
        month: form[`goal${i}Due-month`],
        year: form[`goal${i}Due-year`],
      };
      const anyDue = [dueParts.day, dueParts.month, dueParts.year].some((p) => text(p) !== '');
      if (goalText === '' && owner === '' && !anyDue) continue;
      const before = errors.length;
      if (goalText === '') errors.push({ field: `goal${i}Text`, message: `Enter what goal ${i} is` });
      else if (goalText.length > MAX_GOAL)
        errors.push({ field: `goal${i}Text`, message: `Goal ${i} must be ${MAX_GOAL} characters or fewer` });
      if (owner === '')
        errors.push({ field: `goal${i}Owner`, message: `Choose who in the team owns goal ${i}` });
      else if (!memberIds.has(owner))
        errors.push({ field: `goal${i}Owner`, message: `Choose someone in the team to own goal ${i}` });
      const due = parseDateInput(dueParts, { label: `The date goal ${i} is due`, required: true });
      if (!due.ok)
        errors.push({ field: `goal${i}Due`, message: due.message, href: `#goal${i}Due-${due.parts[0]}` });
      else if (due.value && heldOn && due.value < heldOn)
        errors.push({
          field: `goal${i}Due`,
          message: `The date goal ${i} is due must be on or after the meeting`,
          href: `#goal${i}Due-day`,
        });
      if (errors.length === before && due.ok && due.value)
        goals.push({ text: goalText, ownerId: owner, dueOn: due.value });
    }

    // One meeting a week per team: a second post (a double click) waits for the first and then finds it.
    await sql`select id from teams where id = ${team.id} and council_id = ${person.councilId} for update`.execute(
      trx,
    );
    const existing = await trx
      .selectFrom('check_challenge_meetings')
      .select('id')
      .where('council_id', '=', person.councilId)
      .where('team_id', '=', team.id)
      .where('week_of', '=', w)
      .executeTakeFirst();
    if (existing)
      errors.unshift({
        field: 'heldOn',
        message: 'A meeting is already recorded for this week',
        href: '#heldOn-day',
      });
    if (errors.length || !heldOn) throw new ValidationError(errors);

    const pack = await buildPack(trx, person.councilId, team, w, today);
    const meeting = await trx
      .insertInto('check_challenge_meetings')
      .values({
        council_id: person.councilId,
        team_id: team.id,
        week_of: w,
        held_on: heldOn,
        notes,
        others_present: others,
        pack: JSON.stringify(pack),
        recorded_by: person.staffId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (attendees.length)
      await trx
        .insertInto('check_challenge_attendees')
        .values(
          [...new Set(attendees)].map((a) => ({
            meeting_id: meeting.id,
            council_id: person.councilId,
            staff_id: a,
          })),
        )
        .execute();
    if (goals.length)
      await trx
        .insertInto('check_challenge_goals')
        .values(
          goals.map((g) => ({
            council_id: person.councilId,
            team_id: team.id,
            meeting_id: meeting.id,
            text: g.text,
            owner_id: g.ownerId,
            due_on: g.dueOn,
          })),
        )
        .execute();
    return meeting.id;
  });
}

/**
 * Closes an open goal with a note: done, or dropped with the reason. Linked to this week's meeting
 * when one is recorded. Returns the team and week to go back to.
 */
export async function closeGoal(
  db: Db,
  person: MeetingPerson,
  goalId: string,
  form: Record<string, string | string[]>,
  today: IsoDate,
  now: Date = new Date(),
): Promise<{ teamId: string; goal: string; status: GoalStatus }> {
  return inTransaction(db, async (trx) => {
    const goal = await trx
      .selectFrom('check_challenge_goals')
      .select(['id', 'team_id', 'status', 'text'])
      .where('council_id', '=', person.councilId)
      .where('id', '=', goalId)
      .executeTakeFirst();
    if (!goal) throw new NotFoundError('goal');
    await mustSeeTeam(trx, person, goal.team_id);
    const field = (name: string) => `${name}-${goal.id}`;
    if (goal.status !== 'open')
      throw new ValidationError([{ field: field('outcome'), message: 'This goal is already closed' }]);
    const outcome = text(form.outcome);
    const note = text(form.note);
    const errors: FieldError[] = [];
    if (outcome !== 'done' && outcome !== 'dropped')
      errors.push({ field: field('outcome'), message: 'Choose whether the goal was done or dropped' });
    if (note === '')
      errors.push({
        field: field('note'),
        message: outcome === 'dropped' ? 'Say why the goal was dropped' : 'Enter a note on what was done',
      });
    else if (note.length > MAX_CLOSE_NOTE)
      errors.push({
        field: field('note'),
        message: `The note must be ${MAX_CLOSE_NOTE.toLocaleString('en-GB')} characters or fewer`,
      });
    if (errors.length) throw new ValidationError(errors);
    const meeting = await trx
      .selectFrom('check_challenge_meetings')
      .select('id')
      .where('council_id', '=', person.councilId)
      .where('team_id', '=', goal.team_id)
      .where('week_of', '=', weekOf(today))
      .executeTakeFirst();
    await trx
      .updateTable('check_challenge_goals')
      .set({
        status: outcome as GoalStatus,
        closed_note: note,
        closed_by: person.staffId,
        closed_at: now,
        closed_in_meeting_id: meeting?.id ?? null,
      })
      .where('council_id', '=', person.councilId)
      .where('id', '=', goal.id)
      .where('status', '=', 'open')
      .execute();
    return { teamId: goal.team_id, goal: goal.text, status: outcome as GoalStatus };
  });
}

/** The team a goal of the council belongs to (after closeGoal has checked the person may see it). */
export async function teamOfGoal(db: Db, councilId: string, goalId: string): Promise<string> {
  const row = await db
    .selectFrom('check_challenge_goals')
    .select('team_id')
    .where('council_id', '=', councilId)
    .where('id', '=', goalId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('goal');
  return row.team_id;
}

/** A team's meetings, newest first: what each saw is kept with it. */
export async function teamHistory(db: Db, person: MeetingPerson, teamId: string) {
  const team = await mustSeeTeam(db, person, teamId);
  const rows = await sql<{
    id: string;
    week_of: IsoDate;
    held_on: IsoDate;
    attendees: number;
    others_present: string;
    goals_set: number;
    goals_open: number;
    goals_closed_here: number;
    recorded_by: string | null;
  }>`
    select m.id, m.week_of::text, m.held_on::text, m.others_present,
      (select count(*)::int from check_challenge_attendees a where a.meeting_id = m.id) as attendees,
      (select count(*)::int from check_challenge_goals g where g.meeting_id = m.id) as goals_set,
      (select count(*)::int from check_challenge_goals g where g.meeting_id = m.id and g.status = 'open') as goals_open,
      (select count(*)::int from check_challenge_goals g where g.closed_in_meeting_id = m.id) as goals_closed_here,
      s.name as recorded_by
    from check_challenge_meetings m left join staff s on s.id = m.recorded_by
    where m.council_id = ${person.councilId} and m.team_id = ${team.id}
    order by m.week_of desc`.execute(db);
  return { team, meetings: rows.rows };
}

export interface TeamWeekState {
  team: CheckChallengeTeam;
  meeting: { heldOn: IsoDate } | null;
  openGoals: number;
  overdueGoals: number;
}

/** Each team the person may see, with this week's state: meeting recorded, goals open and overdue. */
export async function teamsThisWeek(db: Db, person: MeetingPerson, today: IsoDate) {
  const teams = await teamsFor(db, person);
  const week = weekOf(today);
  const ids = teams.map((t) => t.id);
  const [meetings, goals] = ids.length
    ? await Promise.all([
        db
          .selectFrom('check_challenge_meetings')
          .select(['team_id', 'held_on'])
          .where('council_id', '=', person.councilId)
          .where('week_of', '=', week)
          .where('team_id', 'in', ids)
          .execute(),
        db
          .selectFrom('check_challenge_goals')
          .select([
            'team_id',
            sql<number>`count(*)::int`.as('open'),
            sql<number>`(count(*) filter (where due_on < ${today}::date))::int`.as('overdue'),
          ])
          .where('council_id', '=', person.councilId)
          .where('status', '=', 'open')
          .where('team_id', 'in', ids)
          .groupBy('team_id')
          .execute(),
      ])
    : [[], []];
  const states: TeamWeekState[] = teams.map((team) => {
    const m = meetings.find((x) => x.team_id === team.id);
    const g = goals.find((x) => x.team_id === team.id);
    return {
      team,
      meeting: m ? { heldOn: m.held_on } : null,
      openGoals: g?.open ?? 0,
      overdueGoals: g?.overdue ?? 0,
    };
  });
  return { week, scope: teamScope(person), teams: states };
}

/**
 * A Head of Service's teams side by side: each team's pack for this week (the recorded meeting's,
 * else as it stands today) with the week's state.
 */
export async function sideBySide(db: Db, person: MeetingPerson, today: IsoDate) {
  const overview = await teamsThisWeek(db, person, today);
  const packs: CheckChallengePack[] = [];
  for (const s of overview.teams) {
    const meeting = await meetingOfWeek(db, person.councilId, s.team.id, overview.week);
    packs.push(meeting ? meeting.pack : await buildPack(db, person.councilId, s.team, overview.week, today));
  }
  return { ...overview, packs };
}
