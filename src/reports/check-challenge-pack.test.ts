import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proportion } from '../domain/statistics.ts';
import {
  gradeChangeWords,
  type PackForReport,
  packDocument,
  packDocx,
  packSummary,
} from './check-challenge-pack.ts';

const grades = (good: number, ri: number) => ({
  audits: good + ri,
  byGrade: [
    { grade: 'good', label: 'Good', count: good },
    { grade: 'requires_improvement', label: 'Requires improvement', count: ri },
  ].filter((g) => g.count > 0),
  goodOrBetter: proportion(good, good + ri),
});

const PACK: PackForReport = {
  team: { name: 'Alder Team', serviceArea: 'Area One' },
  weekOf: '2026-11-16',
  asOf: '2026-11-22',
  quarter: { label: 'Q3 2026 to 2027', months: 'October to December 2026' },
  previousQuarter: { label: 'Q2 2026 to 2027', months: 'July to September 2026' },
  returns: {
    owed: 3,
    overdue: 1,
    byAuditor: [{ name: 'Bob Auditor', owed: 3, overdue: 1, oldestDue: '2026-11-20' }],
  },
  grades: { quarter: grades(7, 5), previous: grades(2, 8), difference: [-0.05, 0.7], change: 'same' },
  sectionsBelowGood: { graded: 40, rows: [{ title: 'Planning', belowGood: proportion(6, 10) }] },
  themes: { audits: 12, rows: [{ name: 'Chronologies', found: proportion(5, 12) }] },
  actions: { open: 9, overdue: 2, byOwner: [{ name: 'Ann', overdue: 2, oldestDue: '2026-11-01' }] },
  oversight: { submitted: 20, missing: 4 },
  escalations: { open: 1, immediate: 1, driftDelay: 0, oldestRaisedOn: '2026-11-18' },
  feedback: { given: proportion(6, 12), meanImpact: 7.5 },
  dataQuality: { snapshotAsOf: '2026-11-20', children: 80, unallocated: 3, heldByManagers: 2, visits: null },
  goals: [
    {
      text: 'Oversight on every audit',
      owner: 'Bob Auditor',
      dueOn: '2026-11-13',
      status: 'done',
      closedNote: 'All recorded',
      setInWeek: '2026-11-02',
      overdue: false,
    },
    {
      text: 'Chronologies session',
      owner: null,
      dueOn: '2026-11-20',
      status: 'open',
      closedNote: '',
      setInWeek: '2026-11-09',
      overdue: true,
    },
  ],
};

test('the pack’s sentences give counts with intervals and the change in words', () => {
  assert.equal(
    gradeChangeWords(PACK),
    'Good or better this quarter: 7 of 12 (58%, 95% CI 32% to 81%); last quarter: 2 of 10 (20%, 95% CI 6% to 51%): ' +
      'no clear change from last quarter (difference +38 percentage points, 95% CI −5 to +70).',
  );
  const summary = packSummary(PACK);
  assert.equal(summary[0], 'Returns owed by the team’s auditors: 3, of which 1 overdue.');
  assert.match(summary[4], /3 of 80 open children without an allocated worker; 2 held by managers\.$/);
  assert.equal(summary[5], 'Goals followed up: 2, 1 still open, 1 overdue.');
});

test('the document has every part of the pack, and the meeting once recorded', async () => {
  const doc = packDocument(PACK, 'Test Council', null);
  assert.equal(doc.title, 'Check and challenge: Alder Team, week of 16 November 2026');
  assert.deepEqual(
    doc.sections.map((s) => s.id),
    ['returns', 'grades', 'sections', 'themes', 'follow-up', 'data-quality', 'goals'],
  );
  const goals = doc.sections.find((s) => s.id === 'goals')?.tables[0];
  assert.equal(goals?.rows[0].cells.status, 'Done: All recorded');
  assert.equal(goals?.rows[1].cells.status, 'Open (overdue)');
  const withMeeting = packDocument(PACK, 'Test Council', {
    heldOn: '2026-11-17',
    attendees: ['Bob Auditor'],
    othersPresent: 'Head of Service',
    notes: 'Reviewed.',
    goals: [{ text: 'New goal', owner: 'Bob Auditor', dueOn: '2026-11-30', status: 'open', closedNote: '' }],
  });
  const meeting = withMeeting.sections.at(-1);
  assert.equal(meeting?.heading, 'The meeting, held 17 November 2026');
  assert.equal(meeting?.paragraphs?.[0], 'Attended: Bob Auditor; Head of Service.');
  const file = await packDocx(PACK, 'Test Council', null);
  assert.equal(file.subarray(0, 2).toString(), 'PK');
});
