import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeCycle, DEFAULT_PHASE_LENGTHS } from './cycle-phases.ts';
import { type CycleFacts, liveCycles, whatIsDue } from './cycle-tasks.ts';
import { WorkingDayCalendar } from './working-days.ts';

const calendar = new WorkingDayCalendar();
// November 2026 with the default lengths: pre-audit 2–6 November, auditing 9–27 November,
// feedback and moderation 30 November – 4 December, reporting 7–18 December, learning to 22 January
const phases = computeCycle('2026-11-02', DEFAULT_PHASE_LENGTHS, calendar);

const facts = (over: Partial<CycleFacts> = {}): CycleFacts => ({
  monthId: 'm-nov',
  monthName: 'November 2026',
  phases,
  activities: [
    { name: 'Full case file audits', target: 10, drawn: 10 },
    { name: 'Dip samples', target: 32, drawn: 0 },
  ],
  unallocated: 0,
  owed: 0,
  overdue: 0,
  returned: 0,
  moderationChosen: false,
  moderationsWaiting: 0,
  forPanel: 0,
  reportWritten: false,
  ...over,
});

test('in pre-audit with a dip sample planned and none drawn, the cycle is drawing and says so', () => {
  const due = whatIsDue(facts(), '2026-11-03');
  assert.equal(due.stage, 'drawing');
  assert.equal(due.when, 'Pre-audit data until 6 November 2026');
  assert.deepEqual(due.tasks, [
    { text: 'Draw the dip samples: 32 planned, none drawn', href: '/samples/new?month=m-nov' },
  ]);
});

test('everything drawn but some not allocated: allocating', () => {
  const due = whatIsDue(
    facts({ activities: [{ name: 'Dip samples', target: 32, drawn: 32 }], unallocated: 4 }),
    '2026-11-04',
  );
  assert.equal(due.stage, 'allocating');
  assert.deepEqual(due.tasks, [
    { text: 'Allocate 4 audits not yet given an auditor', href: '/programme/months/m-nov' },
  ]);
});

test('in the auditing window: chase the returns, due at the end of the window', () => {
  const due = whatIsDue(
    facts({ activities: [{ name: 'Dip samples', target: 32, drawn: 32 }], owed: 5, overdue: 1 }),
    '2026-11-20',
  );
  assert.equal(due.stage, 'auditing');
  assert.deepEqual(due.tasks, [
    { text: 'Chase 5 returns due 27 November 2026, 1 overdue', href: '/returns?month=m-nov' },
  ]);
});

test('in feedback and moderation: choose the moderation sample, then the panel', () => {
  const choosing = whatIsDue(facts({ returned: 12 }), '2026-12-01');
  assert.equal(choosing.stage, 'moderation');
  assert.deepEqual(
    choosing.tasks.map((t) => t.text),
    ['Choose the moderation sample from 12 returned audits'],
    'the sample is not drawn any more once auditing is over',
  );
  const panel = whatIsDue(facts({ returned: 12, moderationChosen: true, forPanel: 3 }), '2026-12-02');
  assert.equal(panel.stage, 'panel');
  assert.deepEqual(panel.tasks, [
    { text: 'Hold the panel by 4 December 2026: 3 moderations to decide', href: '/moderation/panel/m-nov' },
  ]);
});

test('in reporting: write the monthly report until it is written', () => {
  const due = whatIsDue(facts({ returned: 12, moderationChosen: true }), '2026-12-10');
  assert.equal(due.stage, 'reporting');
  assert.deepEqual(due.tasks, [
    { text: 'Write the monthly report by 18 December 2026', href: '/reports/monthly/m-nov' },
  ]);
  assert.deepEqual(whatIsDue(facts({ moderationChosen: true, reportWritten: true }), '2026-12-10').tasks, []);
});

test('a cycle not dated yet is in planning; a finished cycle has nothing due', () => {
  const undated = whatIsDue(facts({ phases: null }), '2026-11-03');
  assert.equal(undated.stage, 'planning');
  assert.equal(undated.tasks[0].href, '/programme/months/m-nov/edit');
  const finished = whatIsDue(facts({ owed: 3 }), '2027-03-01');
  assert.equal(finished.stage, 'finished');
  assert.deepEqual(finished.tasks, []);
});

test('live cycles: those under way, the next to start, and this month’s if not dated; no learning months', () => {
  const cycle = (month: string, start: string | null, learningMonth = false) => ({
    month,
    learningMonth,
    phases: start ? computeCycle(start, DEFAULT_PHASE_LENGTHS, calendar) : null,
  });
  const cycles = [
    cycle('2026-08-01', '2026-08-03'),
    cycle('2026-10-01', '2026-10-01'),
    cycle('2026-11-01', '2026-11-02'),
    cycle('2026-12-01', '2026-12-01', true),
    cycle('2027-01-01', '2027-01-04'),
    cycle('2027-02-01', '2027-02-01'),
  ];
  assert.deepEqual(
    liveCycles(cycles, '2026-12-10').map((c) => c.month),
    ['2026-10-01', '2026-11-01', '2027-01-01'],
  );
  assert.deepEqual(
    liveCycles([cycle('2026-12-01', null), cycle('2027-01-01', null)], '2026-12-10').map((c) => c.month),
    ['2026-12-01', '2027-01-01'],
  );
});
