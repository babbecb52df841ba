import type { Db } from '../data/db.ts';
import { dateParts } from '../domain/date-input.ts';
import { addDays, type IsoDate, monthName } from '../domain/dates.ts';
import { addPerson } from '../services/organisation/people.ts';
import { recordSession } from '../services/sampling/training.ts';

/** Two deputy team managers new in post, not yet trained (weeks since they started). */
const NEW_MANAGERS = [
  { name: 'Priya Raman', weeksAgo: 3 },
  { name: 'Tomasz Nowak', weeksAgo: 6 },
];

/**
 * The demo council's audit training register: the two sessions most of its auditors were trained
 * at, recorded with those who attended on the dates the demo already gives them (so no trained date
 * changes), through the same service a council uses. The two managers newest in post, whom the
 * demo's cycles leave untrained (src/demo/cycles.ts), stay untrained and are not trained in time;
 * two deputy team managers who started a few weeks ago are awaiting training. They join teams none
 * of the demo's sign-in people work in, and are nobody's line manager.
 */
export async function recordDemoTraining(db: Db, councilId: string, today: IsoDate): Promise<number> {
  const qaLead = await db
    .selectFrom('staff')
    .select('id')
    .where('council_id', '=', councilId)
    .where('external_id', '=', 'DEMO-qa_lead')
    .executeTakeFirstOrThrow();
  const trained = await db
    .selectFrom('staff')
    .select(['id', 'audit_trained_on'])
    .where('council_id', '=', councilId)
    .where('active', '=', true)
    .where('audit_trained_on', 'is not', null)
    .where('audit_trained_on', '<=', today)
    .orderBy('id')
    .execute();
  const byDate = new Map<IsoDate, string[]>();
  for (const s of trained) {
    const date = s.audit_trained_on as IsoDate;
    byDate.set(date, [...(byDate.get(date) ?? []), s.id]);
  }
  // the two dates the most people were trained on, earlier first
  const sessions = [...byDate]
    .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
    .slice(0, 2)
    .sort((a, b) => a[0].localeCompare(b[0]));
  for (const [heldOn, attendees] of sessions) {
    const parts = dateParts(heldOn);
    await recordSession(
      db,
      councilId,
      {
        'heldOn-day': parts.day,
        'heldOn-month': parts.month,
        'heldOn-year': parts.year,
        kind: 'initial',
        title: `Case file audit training, ${monthName(heldOn)}`,
        trainer: 'Quality Assurance team',
        attendees,
      },
      { recordedBy: qaLead.id, today },
    );
  }
  const teams = await db
    .selectFrom('teams as t')
    .select(['t.id', 't.name'])
    .where('t.council_id', '=', councilId)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('staff as s')
            .whereRef('s.team_id', '=', 't.id')
            .where('s.external_id', 'like', 'DEMO-%'),
        ),
      ),
    )
    .where((eb) => eb.exists(eb.selectFrom('staff as s').whereRef('s.team_id', '=', 't.id')))
    .orderBy('t.name')
    .limit(NEW_MANAGERS.length)
    .execute();
  for (const [i, team] of teams.entries()) {
    const person = NEW_MANAGERS[i];
    const manager = await db
      .selectFrom('staff')
      .select('id')
      .where('council_id', '=', councilId)
      .where('team_id', '=', team.id)
      .where('job_title', '=', 'Team Manager')
      .executeTakeFirst();
    await addPerson(
      db,
      councilId,
      {
        name: person.name,
        email: `${person.name.toLowerCase().replace(/[^a-z]+/g, '.')}@westbrook.example.gov.uk`,
        jobTitle: 'Deputy Team Manager',
        teamId: team.id,
        lineManagerId: manager?.id ?? '',
        roles: ['case_manager'],
      },
      { externalId: `W${9000 + i}`, startedOn: addDays(today, -7 * person.weeksAgo) },
    );
  }
  return sessions.length;
}
