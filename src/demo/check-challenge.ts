/**
 * The demo council's check and challenge: two teams (Safeguarding North, the demo team manager's,
 * and Children in Care North) each met the week before last and last week on their packs, through
 * the same service a team uses; the first meeting set two goals, one closed as done before last
 * week's meeting, which set another. This week's packs are open, not yet recorded.
 */
import type { Db } from '../data/db.ts';
import { weekOf } from '../domain/check-challenge.ts';
import { dateParts } from '../domain/date-input.ts';
import { addDays, type IsoDate } from '../domain/dates.ts';
import { closeGoal, recordMeeting } from '../services/check-challenge/meetings.ts';

export const DEMO_CHECK_CHALLENGE_TEAMS = ['Safeguarding North', 'Children in Care North'];

const dateFields = (prefix: string, date: IsoDate) => {
  const p = dateParts(date);
  return { [`${prefix}-day`]: p.day, [`${prefix}-month`]: p.month, [`${prefix}-year`]: p.year };
};

export async function recordDemoCheckChallenge(db: Db, councilId: string, today: IsoDate): Promise<number> {
  const thisWeek = weekOf(today);
  const lastWeek = addDays(thisWeek, -7);
  const weekBefore = addDays(thisWeek, -14);
  let meetings = 0;
  for (const teamName of DEMO_CHECK_CHALLENGE_TEAMS) {
    const team = await db
      .selectFrom('teams')
      .select(['id', 'service_area_id'])
      .where('council_id', '=', councilId)
      .where('name', '=', teamName)
      .executeTakeFirst();
    if (!team) continue;
    const staff = await db
      .selectFrom('staff')
      .select(['id', 'name', 'job_title'])
      .where('council_id', '=', councilId)
      .where('team_id', '=', team.id)
      .where('active', '=', true)
      .orderBy('job_title')
      .orderBy('name')
      .execute();
    const manager = staff.find((s) => s.job_title === 'Team Manager');
    const advanced = staff.find((s) => s.job_title === 'Advanced Practitioner') ?? manager;
    if (!manager || !advanced) continue;
    const person = {
      councilId,
      staffId: manager.id,
      roles: ['case_manager' as const],
      teamId: team.id,
      serviceAreaId: team.service_area_id,
    };
    const attendees = [
      manager.id,
      advanced.id,
      ...staff
        .filter((s) => s !== manager && s !== advanced)
        .slice(0, 3)
        .map((s) => s.id),
    ];

    // the week before last: two goals
    const firstHeld = addDays(weekBefore, 1);
    await recordMeeting(
      db,
      person,
      team.id,
      weekBefore,
      {
        ...dateFields('heldOn', firstHeld),
        attendees,
        othersPresent: 'Head of Service; QA officer',
        notes:
          'Management oversight is not yet recorded on several returned audits. Chronologies were found weak in the month’s audits. Two returns are overdue.',
        goal1Text: 'Record management oversight on every audit returned last month',
        goal1Owner: manager.id,
        ...dateFields('goal1Due', addDays(weekBefore, 8)),
        goal2Text: 'Run a practice session on chronologies with the team',
        goal2Owner: advanced.id,
        ...dateFields('goal2Due', addDays(thisWeek, 4)),
      },
      today,
    );
    // the first goal done before last week's meeting
    const goal = await db
      .selectFrom('check_challenge_goals')
      .select('id')
      .where('council_id', '=', councilId)
      .where('team_id', '=', team.id)
      .where('text', '=', 'Record management oversight on every audit returned last month')
      .executeTakeFirstOrThrow();
    const secondHeld = addDays(lastWeek, 1);
    await closeGoal(
      db,
      person,
      goal.id,
      { outcome: 'done', note: 'Oversight is now recorded on all of last month’s returned audits.' },
      addDays(lastWeek, 0),
      new Date(`${lastWeek}T09:30:00Z`),
    );
    // last week: another goal
    await recordMeeting(
      db,
      person,
      team.id,
      lastWeek,
      {
        ...dateFields('heldOn', secondHeld),
        attendees: attendees.slice(0, 4),
        othersPresent: 'Head of Service',
        notes: 'Oversight is now up to date. Returns owed are being chased; escalations reviewed.',
        goal1Text: 'Every overdue audit return completed or its new date agreed with QA',
        goal1Owner: manager.id,
        ...dateFields('goal1Due', addDays(thisWeek, 2)),
      },
      today,
    );
    meetings += 2;
  }
  return meetings;
}
