import type { Db } from '../data/db.ts';
import type { LearningFormat } from '../data/schema.ts';
import { addMonths, type IsoDate } from '../domain/dates.ts';
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
  },
];

/**
 * Records the demo's learning sessions held so far in the programme year (April to March, the one
 * containing today), through the learning sessions service, as the workforce development manager.
 */
export async function recordDemoLearning(db: Db, councilId: string, today: IsoDate): Promise<number> {
  const year = Number(today.slice(0, 4)) - (Number(today.slice(5, 7)) < 4 ? 1 : 0);
  const recorder = await db
    .selectFrom('staff')
    .select('id')
    .where('council_id', '=', councilId)
    .where('external_id', '=', 'DEMO-workforce_development')
    .executeTakeFirst();
  let recorded = 0;
  for (const s of DEMO_SESSIONS) {
    const month = addMonths(`${year}-04-01`, s.month);
    const heldOn = `${month.slice(0, 8)}${String(s.day).padStart(2, '0')}`;
    if (heldOn > today) continue;
    await createLearningSession(
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
    recorded++;
  }
  return recorded;
}
