import { sql } from 'kysely';
import type { Db } from '../data/db.ts';
import type { LearningFormat } from '../data/schema.ts';
import { addMonths, type IsoDate } from '../domain/dates.ts';
import type { Random } from '../domain/random.ts';
import { addAttendees } from '../services/learning/attendees.ts';
import { createLearningSession } from '../services/learning/learning-sessions.ts';

/**
 * The learning the demo's workforce development team ran on the themes each month's audits looked
 * at (the demo programme: voice of the child in April, father involvement in May, neglect in June,
 * domestic abuse in July, a learning month in August, SMART planning, analysis in assessments and
 * management oversight in the autumn), usually in the month or two after the audits.
 */
const DEMO_SESSIONS: {
  /** months after the April the programme year starts */
  month: number;
  day: number;
  title: string;
  format: LearningFormat;
  themes: string[];
  attended: number;
  notes?: string;
  /** who the session was for, when not every practitioner and manager: newly qualified social workers */
  for?: 'newly_qualified';
}[] = [
  {
    month: 1,
    day: 14,
    title: 'Hearing the child’s voice: what April’s audits found',
    format: 'briefing',
    themes: ['voice_of_the_child', 'direct_work'],
    attended: 34,
    notes: 'Run at the all-staff briefing; slides shared with team managers afterwards.',
  },
  {
    month: 1,
    day: 21,
    title: 'Direct work tools for younger children',
    format: 'workshop',
    themes: ['direct_work', 'voice_of_the_child'],
    attended: 16,
  },
  {
    month: 2,
    day: 11,
    title: 'Working with fathers and significant males',
    format: 'workshop',
    themes: ['father_significant_male_involvement'],
    attended: 22,
  },
  {
    month: 3,
    day: 9,
    title: 'Recognising neglect: Graded Care Profile 2 refresher',
    format: 'workshop',
    themes: ['neglect'],
    attended: 18,
  },
  {
    month: 3,
    day: 23,
    title: 'Neglect and drift: what June’s audits found',
    format: 'briefing',
    themes: ['neglect', 'drift_and_delay'],
    attended: 38,
  },
  {
    month: 4,
    day: 4,
    title: 'Domestic abuse practice week',
    format: 'practice week',
    themes: ['domestic_abuse', 'father_significant_male_involvement'],
    attended: 40,
    notes: 'Five days of lunchtime sessions with the domestic abuse partnership.',
  },
  {
    month: 4,
    day: 20,
    title: 'Safety planning with families living with domestic abuse',
    format: 'e-learning',
    themes: ['domestic_abuse', 'contingency_and_safety_plans'],
    attended: 27,
  },
  {
    month: 5,
    day: 17,
    title: 'Writing SMART plans with families',
    format: 'workshop',
    themes: ['smart_planning'],
    attended: 20,
  },
  {
    month: 6,
    day: 8,
    title: 'SMART planning: what September’s audits found',
    format: 'briefing',
    themes: ['smart_planning'],
    attended: 31,
  },
  {
    month: 6,
    day: 22,
    title: 'Analysis, not description: writing assessments',
    format: 'workshop',
    themes: ['analysis_in_assessments', 'chronologies'],
    attended: 14,
  },
  {
    month: 7,
    day: 12,
    title: 'Recording management oversight that makes a difference',
    format: 'briefing',
    themes: ['management_oversight', 'reflective_supervision'],
    attended: 25,
  },
  {
    month: 7,
    day: 19,
    title: 'Analysis in assessments for newly qualified social workers',
    format: 'e-learning',
    themes: ['analysis_in_assessments'],
    attended: 9,
    for: 'newly_qualified',
  },
];

/**
 * Records the demo's learning sessions held so far in the programme year (April to March, the one
 * containing today), through the learning sessions service, as the workforce development manager,
 * with who attended each by name (through the attendees service): practitioners and managers of
 * the council drawn with the demo's seeded random, most of those counted (some came from partner
 * agencies or signed no list), never more than the count.
 */
export async function recordDemoLearning(
  db: Db,
  councilId: string,
  today: IsoDate,
  rnd: Random,
): Promise<number> {
  const year = Number(today.slice(0, 4)) - (Number(today.slice(5, 7)) < 4 ? 1 : 0);
  const recorder = await db
    .selectFrom('staff')
    .select('id')
    .where('council_id', '=', councilId)
    .where('external_id', '=', 'DEMO-workforce_development')
    .executeTakeFirst();
  const people = await practitionersAndManagers(db, councilId);
  let recorded = 0;
  for (const s of DEMO_SESSIONS) {
    const month = addMonths(`${year}-04-01`, s.month);
    const heldOn = `${month.slice(0, 8)}${String(s.day).padStart(2, '0')}`;
    if (heldOn > today) continue;
    const sessionId = await createLearningSession(
      db,
      councilId,
      recorder?.id ?? null,
      {
        title: s.title,
        'heldOn-day': String(s.day),
        'heldOn-month': String(Number(month.slice(5, 7))),
        'heldOn-year': month.slice(0, 4),
        format: s.format,
        attended: String(s.attended),
        themes: s.themes,
        notes: s.notes ?? '',
      },
      today,
    );
    const named = attendeesFor(
      rnd,
      people.filter((p) => p.startedOn === null || p.startedOn <= heldOn),
      s.attended,
      s.for,
    );
    if (named.length) await addAttendees(db, councilId, sessionId, recorder?.id ?? null, named);
    recorded++;
  }
  // each list was entered the day after its session
  await sql`
    update learning_session_attendees la set added_at = (s.held_on + 1)::timestamp + time '10:00'
    from learning_sessions s
    where s.id = la.session_id and la.council_id = ${councilId}`.execute(db);
  return recorded;
}

interface Attender {
  id: string;
  newlyQualified: boolean;
  startedOn: IsoDate | null;
}

/** The council's practitioners and team managers, in the order of their staff numbers, with when each started. */
async function practitionersAndManagers(db: Db, councilId: string): Promise<Attender[]> {
  const rows = await db
    .selectFrom('staff as s')
    .select(['s.id', 's.job_title', 's.started_on'])
    .where('s.council_id', '=', councilId)
    .where('s.active', '=', true)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('staff_roles as r')
          .select('r.staff_id')
          .whereRef('r.staff_id', '=', 's.id')
          .where('r.role', 'in', ['practitioner', 'case_manager']),
      ),
    )
    .orderBy('s.external_id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    newlyQualified: r.job_title.includes('ASYE'),
    startedOn: r.started_on,
  }));
}

/**
 * Who is named for a session counted as `attended`: three in four to all of them, drawn at random
 * from the practitioners and managers (the newly qualified first for a session meant for them).
 */
function attendeesFor(
  rnd: Random,
  people: readonly Attender[],
  attended: number,
  audience?: 'newly_qualified',
): string[] {
  const shuffled = [...people];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rnd.int(0, i);
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  if (audience === 'newly_qualified')
    shuffled.sort((a, b) => Number(b.newlyQualified) - Number(a.newlyQualified));
  const named = Math.min(attended, shuffled.length, Math.round(attended * (0.75 + rnd.next() * 0.25)));
  return shuffled.slice(0, named).map((p) => p.id);
}
