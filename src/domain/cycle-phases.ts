/**
 * The phases of a monthly audit cycle (domain brief §3) and the dates they fall on.
 *
 * Five phases run one after another, back to back, each a number of working days set by the council.
 * The fourth, Escalations, has no length of its own: escalations are raised and reviewed as soon as
 * audits are submitted, so it runs alongside the others, from the first day of the auditing window
 * to the last day of feedback.
 */
import { z } from 'zod';
import { addDays, type IsoDate } from './dates.ts';
import type { WorkingDayCalendar } from './working-days.ts';

export const PHASES = [
  {
    key: 'pre_audit',
    number: 1,
    name: 'Pre-audit data',
    description: 'Extract loaded, cohort built, sample drawn, auditors allocated',
    alongside: false,
  },
  {
    key: 'auditing',
    number: 2,
    name: 'Auditing window',
    description: 'Auditors complete their audits; escalations can happen at any point',
    alongside: false,
  },
  {
    key: 'feedback',
    number: 3,
    name: 'Feedback and moderation',
    description: 'Feedback, moderation, family feedback, management oversight',
    alongside: false,
  },
  {
    // Runs alongside: from the start of the auditing window to the end of feedback and moderation.
    key: 'escalations',
    number: 4,
    name: 'Escalations',
    description: 'Reviewed as soon as audits are submitted',
    alongside: true,
  },
  {
    key: 'reporting',
    number: 5,
    name: 'Reporting',
    description: 'Written report, then its quality assurance',
    alongside: false,
  },
  {
    key: 'learning',
    number: 6,
    name: 'Learning and development',
    description: 'Sharing the learning and acting on it',
    alongside: false,
  },
] as const;

export type PhaseDefinition = (typeof PHASES)[number];
export type PhaseKey = PhaseDefinition['key'];
/** the phases that run one after another and have a length of their own (all but escalations) */
export type SequentialPhaseKey = Extract<PhaseDefinition, { alongside: false }>['key'];

/** Working days per sequential phase. */
export type PhaseLengths = Record<SequentialPhaseKey, number>;

export const SEQUENTIAL_PHASE_KEYS: readonly SequentialPhaseKey[] = PHASES.filter(
  (p): p is Extract<PhaseDefinition, { alongside: false }> => !p.alongside,
).map((p) => p.key);

export const DEFAULT_PHASE_LENGTHS: Readonly<PhaseLengths> = Object.freeze({
  pre_audit: 5,
  auditing: 15,
  feedback: 5,
  reporting: 10,
  learning: 25,
});

export const MAX_PHASE_LENGTH = 60;

function phaseName(key: PhaseKey): string {
  return PHASES.find((p) => p.key === key)?.name ?? key;
}

/** One phase length from a settings form: a whole number of working days, 1–60. Accepts form text. */
function phaseLength(key: SequentialPhaseKey) {
  const name = phaseName(key);
  const wholeNumber = `${name} must be a whole number of working days`;
  return z.preprocess(
    (v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : Number(v.trim())) : v),
    z
      .number({
        error: (issue) =>
          issue.input === undefined
            ? `Enter the number of working days for ${name.toLowerCase()}`
            : wholeNumber,
      })
      .int({ message: wholeNumber })
      .min(1, { message: `${name} must be at least 1 working day` })
      .max(MAX_PHASE_LENGTH, { message: `${name} must be ${MAX_PHASE_LENGTH} working days or fewer` }),
  );
}

/** A council's phase lengths setting, with messages that name the phase. */
export const phaseLengthsSchema = z.object({
  pre_audit: phaseLength('pre_audit'),
  auditing: phaseLength('auditing'),
  feedback: phaseLength('feedback'),
  reporting: phaseLength('reporting'),
  learning: phaseLength('learning'),
}) satisfies z.ZodType<PhaseLengths, unknown>;

/** The least a phase needs for the date questions below; stored phases (key as text) qualify. */
export interface PhaseDates {
  key: string;
  start: IsoDate;
  end: IsoDate;
  alongside: boolean;
}

export interface CyclePhase extends PhaseDates {
  key: PhaseKey;
  name: string;
  /** first day of the phase: always a working day */
  start: IsoDate;
  /** last day of the phase, its deadline: always a working day */
  end: IsoDate;
  /** working days from start to end, both included */
  workingDays: number;
  /** true for Escalations, which runs alongside auditing and feedback rather than in turn */
  alongside: boolean;
}

/**
 * The dates of every phase of a cycle, in phase order (all six, Escalations fourth). The sequential
 * phases run back to back in working days, the first beginning on the first working day on or after
 * `start`; each next phase begins on the working day after the previous one ends. Escalations spans
 * the start of the auditing window to the end of feedback and moderation.
 */
export function computeCycle(
  start: IsoDate,
  lengths: Readonly<PhaseLengths>,
  calendar: WorkingDayCalendar,
): CyclePhase[] {
  const sequential = new Map<SequentialPhaseKey, CyclePhase>();
  let next = start;
  for (const key of SEQUENTIAL_PHASE_KEYS) {
    const definition = PHASES.find((p) => p.key === key) as PhaseDefinition;
    const workingDays = lengths[key];
    if (!Number.isInteger(workingDays) || workingDays < 1) {
      throw new RangeError(`${definition.name} must be a whole number of working days, at least 1`);
    }
    const phaseStart = calendar.firstWorkingDayOnOrAfter(next);
    const phaseEnd = calendar.endOfSpan(phaseStart, workingDays);
    sequential.set(key, {
      key,
      name: definition.name,
      start: phaseStart,
      end: phaseEnd,
      workingDays,
      alongside: false,
    });
    next = addDays(phaseEnd, 1);
  }
  const auditing = sequential.get('auditing') as CyclePhase;
  const feedback = sequential.get('feedback') as CyclePhase;
  return PHASES.map((p) =>
    p.key === 'escalations'
      ? {
          key: p.key,
          name: p.name,
          start: auditing.start,
          end: feedback.end,
          workingDays: auditing.workingDays + feedback.workingDays,
          alongside: true,
        }
      : (sequential.get(p.key) as CyclePhase),
  );
}

/** Where a cycle stands on a day, going by its sequential phases (Escalations is not one of them). */
export type CycleProgress<P extends PhaseDates = CyclePhase> =
  | { state: 'not_started'; next: P }
  | { state: 'in_phase'; phase: P }
  /** a weekend, bank holiday or closure day after one phase ended and before the next began */
  | { state: 'between_phases'; previous: P; next: P }
  | { state: 'finished'; last: P };

/**
 * Which sequential phase a cycle is in on `today`. A phase's dates include its first and last days and
 * every day in between, working or not.
 */
export function currentPhase<P extends PhaseDates>(phases: readonly P[], today: IsoDate): CycleProgress<P> {
  const sequential = phases.filter((p) => !p.alongside);
  if (sequential.length === 0) throw new RangeError('A cycle has at least one sequential phase');
  const first = sequential[0];
  const last = sequential[sequential.length - 1];
  if (today < first.start) return { state: 'not_started', next: first };
  if (today > last.end) return { state: 'finished', last };
  for (let i = 0; i < sequential.length; i++) {
    const phase = sequential[i];
    if (today <= phase.end) {
      return today >= phase.start
        ? { state: 'in_phase', phase }
        : { state: 'between_phases', previous: sequential[i - 1], next: phase };
    }
  }
  return { state: 'finished', last }; // unreachable: today <= last.end
}

export interface DateRange {
  start: IsoDate;
  end: IsoDate;
}

/** Do two date ranges share at least one day? Both ends are included. */
export function rangesOverlap(a: DateRange, b: DateRange): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/**
 * The dates a cycle occupies: from the start of its first phase to the end of phase `through`
 * (by default the last, learning and development).
 */
export function cycleDates(phases: readonly PhaseDates[], through: PhaseKey = 'learning'): DateRange {
  const sequential = phases.filter((p) => !p.alongside);
  const until = phases.find((p) => p.key === through);
  if (sequential.length === 0 || !until) throw new RangeError(`The cycle has no ${phaseName(through)} phase`);
  return { start: sequential[0].start, end: until.end };
}

/**
 * Do two cycles overlap: do their dates, from the start of each cycle to the end of phase `through`
 * (by default the whole cycle), share any day? With the default lengths a whole cycle lasts 60 working
 * days, about three months, so consecutive monthly cycles always overlap as a whole; comparing
 * `through: 'auditing'` asks instead whether their auditing windows (and pre-audit) collide.
 */
export function cyclesOverlap(
  a: readonly PhaseDates[],
  b: readonly PhaseDates[],
  through: PhaseKey = 'learning',
): boolean {
  return rangesOverlap(cycleDates(a, through), cycleDates(b, through));
}
