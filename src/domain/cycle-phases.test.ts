import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type CyclePhase,
  computeCycle,
  currentPhase,
  cycleDates,
  cyclesOverlap,
  DEFAULT_PHASE_LENGTHS,
  PHASES,
  phaseLengthsSchema,
} from './cycle-phases.ts';
import { WorkingDayCalendar } from './working-days.ts';

const calendar = new WorkingDayCalendar();

/** key → [start, end, working days] */
function datesOf(phases: CyclePhase[]): Record<string, [string, string, number]> {
  return Object.fromEntries(phases.map((p) => [p.key, [p.start, p.end, p.workingDays]]));
}

test('a cycle has six phases in order, with escalations running alongside', () => {
  assert.deepEqual(
    PHASES.map((p) => [p.number, p.key, p.name, p.alongside]),
    [
      [1, 'pre_audit', 'Pre-audit data', false],
      [2, 'auditing', 'Auditing window', false],
      [3, 'feedback', 'Feedback and moderation', false],
      [4, 'escalations', 'Escalations', true],
      [5, 'reporting', 'Reporting', false],
      [6, 'learning', 'Learning and development', false],
    ],
  );
  assert.deepEqual(DEFAULT_PHASE_LENGTHS, {
    pre_audit: 5,
    auditing: 15,
    feedback: 5,
    reporting: 10,
    learning: 25,
  });
});

test('an April 2026 cycle with the default lengths works round Easter and the May bank holidays', () => {
  const phases = computeCycle('2026-04-01', DEFAULT_PHASE_LENGTHS, calendar);
  assert.deepEqual(datesOf(phases), {
    // Wed 1, Thu 2, (Good Friday 3, weekend, Easter Monday 6), Tue 7, Wed 8, Thu 9 April
    pre_audit: ['2026-04-01', '2026-04-09', 5],
    // Fri 10 April, three full weeks, then Mon 27 – Thu 30 April
    auditing: ['2026-04-10', '2026-04-30', 15],
    // Fri 1 May, (Early May bank holiday Mon 4), Tue 5 – Fri 8 May
    feedback: ['2026-05-01', '2026-05-08', 5],
    escalations: ['2026-04-10', '2026-05-08', 20],
    // two full weeks
    reporting: ['2026-05-11', '2026-05-22', 10],
    // starts Tuesday after the Spring bank holiday (Mon 25 May); five weeks less a day, then Mon 29 June
    learning: ['2026-05-26', '2026-06-29', 25],
  });
  assert.deepEqual(
    phases.map((p) => p.key),
    PHASES.map((p) => p.key),
  );
});

test('a cycle across Christmas 2026 skips the bank holidays and the council’s closure days', () => {
  const closed = new WorkingDayCalendar({ closureDays: ['2026-12-29', '2026-12-30', '2026-12-31'] });
  const phases = computeCycle('2026-12-01', DEFAULT_PHASE_LENGTHS, closed);
  assert.deepEqual(datesOf(phases), {
    pre_audit: ['2026-12-01', '2026-12-07', 5],
    // 13 working days to Christmas Eve; then Christmas Day, the weekend, the Boxing Day substitute
    // (Mon 28), three closure days and New Year's Day; then Mon 4 and Tue 5 January
    auditing: ['2026-12-08', '2027-01-05', 15],
    feedback: ['2027-01-06', '2027-01-12', 5],
    escalations: ['2026-12-08', '2027-01-12', 20],
    reporting: ['2027-01-13', '2027-01-26', 10],
    learning: ['2027-01-27', '2027-03-02', 25],
  });
  // without the closure days the auditing window would end before New Year
  const open = computeCycle('2026-12-01', DEFAULT_PHASE_LENGTHS, calendar);
  assert.equal(open.find((p) => p.key === 'auditing')?.end, '2026-12-30');
});

test('a cycle set to start at a weekend starts on the Monday', () => {
  const phases = computeCycle('2026-08-29', DEFAULT_PHASE_LENGTHS, calendar);
  // Sat 29, Sun 30 August, then the Summer bank holiday Mon 31 August
  assert.equal(phases[0].start, '2026-09-01');
});

test('lengthening one phase moves every later phase and no earlier one', () => {
  const before = computeCycle('2026-04-01', DEFAULT_PHASE_LENGTHS, calendar);
  const after = computeCycle('2026-04-01', { ...DEFAULT_PHASE_LENGTHS, auditing: 20 }, calendar);
  assert.deepEqual(after[0], before[0]);
  const auditing = after.find((p) => p.key === 'auditing');
  assert.deepEqual([auditing?.start, auditing?.end], ['2026-04-10', '2026-05-08']);
  assert.equal(after.find((p) => p.key === 'feedback')?.start, '2026-05-11');
  for (const key of ['feedback', 'reporting', 'learning']) {
    const was = before.find((p) => p.key === key) as CyclePhase;
    const now = after.find((p) => p.key === key) as CyclePhase;
    assert.ok(now.start > was.start, `${key} starts later`);
    assert.ok(now.end > was.end, `${key} ends later`);
    assert.equal(now.workingDays, was.workingDays);
  }
  assert.equal(after.find((p) => p.key === 'escalations')?.end, after.find((p) => p.key === 'feedback')?.end);
});

test('every phase begins on the working day after the one before it ends', () => {
  const phases = computeCycle('2027-03-01', DEFAULT_PHASE_LENGTHS, calendar).filter((p) => !p.alongside);
  for (let i = 1; i < phases.length; i++) {
    assert.equal(phases[i].start, calendar.addWorkingDays(phases[i - 1].end, 1));
  }
});

test('the settings accept whole numbers of working days, including from a form', () => {
  assert.deepEqual(
    phaseLengthsSchema.parse({ pre_audit: '5', auditing: ' 20 ', feedback: 5, reporting: 10, learning: 60 }),
    { pre_audit: 5, auditing: 20, feedback: 5, reporting: 10, learning: 60 },
  );
});

function messages(input: Record<string, unknown>): string[] {
  const result = phaseLengthsSchema.safeParse({ ...DEFAULT_PHASE_LENGTHS, ...input });
  return result.success ? [] : result.error.issues.map((i) => i.message);
}

test('a phase of no working days is refused with a message naming the phase', () => {
  assert.deepEqual(messages({ auditing: 0 }), ['Auditing window must be at least 1 working day']);
  assert.deepEqual(messages({ reporting: '0' }), ['Reporting must be at least 1 working day']);
});

test('fractions, words, blanks and over-long phases are refused with plain messages', () => {
  assert.deepEqual(messages({ feedback: 2.5 }), [
    'Feedback and moderation must be a whole number of working days',
  ]);
  assert.deepEqual(messages({ feedback: 'five' }), [
    'Feedback and moderation must be a whole number of working days',
  ]);
  assert.deepEqual(messages({ pre_audit: '' }), ['Enter the number of working days for pre-audit data']);
  assert.deepEqual(messages({ learning: undefined }), [
    'Enter the number of working days for learning and development',
  ]);
  assert.deepEqual(messages({ learning: 61 }), ['Learning and development must be 60 working days or fewer']);
});

test('computing a cycle refuses a zero-length phase', () => {
  assert.throws(
    () => computeCycle('2026-04-01', { ...DEFAULT_PHASE_LENGTHS, feedback: 0 }, calendar),
    RangeError,
  );
});

test('the current phase includes its first and last days', () => {
  // pre-audit 1–9 April, auditing 10–30 April, feedback 1–8 May … learning ends 29 June 2026
  const phases = computeCycle('2026-04-01', DEFAULT_PHASE_LENGTHS, calendar);
  const keyOn = (today: string) => {
    const now = currentPhase(phases, today);
    return now.state === 'in_phase' ? now.phase.key : now.state;
  };
  assert.equal(keyOn('2026-03-31'), 'not_started');
  assert.equal(keyOn('2026-04-01'), 'pre_audit');
  assert.equal(keyOn('2026-04-03'), 'pre_audit'); // Good Friday, inside the phase
  assert.equal(keyOn('2026-04-09'), 'pre_audit');
  assert.equal(keyOn('2026-04-10'), 'auditing');
  assert.equal(keyOn('2026-04-30'), 'auditing');
  assert.equal(keyOn('2026-05-01'), 'feedback');
  assert.equal(keyOn('2026-06-29'), 'learning');
  assert.equal(keyOn('2026-06-30'), 'finished');
});

test('on a weekend between two phases the cycle is between them, never in escalations', () => {
  const phases = computeCycle('2026-04-01', DEFAULT_PHASE_LENGTHS, calendar);
  // feedback ends Friday 8 May and reporting starts Monday 11 May
  const saturday = currentPhase(phases, '2026-05-09');
  assert.equal(saturday.state, 'between_phases');
  if (saturday.state === 'between_phases') {
    assert.equal(saturday.previous.key, 'feedback');
    assert.equal(saturday.next.key, 'reporting');
  }
  const notStarted = currentPhase(phases, '2026-01-01');
  assert.equal(notStarted.state === 'not_started' && notStarted.next.key, 'pre_audit');
  const finished = currentPhase(phases, '2027-01-01');
  assert.equal(finished.state === 'finished' && finished.last.key, 'learning');
});

test('two cycles overlap when their dates share a day', () => {
  const april = computeCycle('2026-04-01', DEFAULT_PHASE_LENGTHS, calendar);
  const may = computeCycle('2026-05-01', DEFAULT_PHASE_LENGTHS, calendar);
  const september = computeCycle('2026-09-01', DEFAULT_PHASE_LENGTHS, calendar);
  assert.deepEqual(cycleDates(april), { start: '2026-04-01', end: '2026-06-29' });
  assert.equal(cyclesOverlap(april, april), true);
  assert.equal(cyclesOverlap(april, september), false);
  // a whole cycle lasts about three months, so consecutive monthly cycles overlap as a whole …
  assert.equal(cyclesOverlap(april, may), true);
  assert.equal(cyclesOverlap(may, april), true);
  assert.equal(cyclesOverlap(april, may, 'feedback'), true);
  // … but April's auditing window ends on 30 April, the day before May's pre-audit begins
  assert.deepEqual(cycleDates(april, 'auditing'), { start: '2026-04-01', end: '2026-04-30' });
  assert.equal(cyclesOverlap(april, may, 'auditing'), false);
});

test('cycles that meet on a single day overlap', () => {
  const first = computeCycle('2026-04-01', { ...DEFAULT_PHASE_LENGTHS, learning: 1 }, calendar);
  const end = cycleDates(first).end; // Tue 26 May 2026
  assert.equal(end, '2026-05-26');
  assert.equal(cyclesOverlap(first, computeCycle(end, DEFAULT_PHASE_LENGTHS, calendar)), true);
  assert.equal(cyclesOverlap(first, computeCycle('2026-05-27', DEFAULT_PHASE_LENGTHS, calendar)), false);
});
