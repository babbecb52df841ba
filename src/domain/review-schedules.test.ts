import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ToolDefinition } from './audit-tools.ts';
import {
  concernsOf,
  latestRoundDue,
  newToCohort,
  repeatedConcerns,
  roundDate,
  roundDatesBetween,
  roundDueBy,
  roundState,
} from './review-schedules.ts';

test('rounds fall weekly, fortnightly, or on the same day of each month (the month’s last day when shorter)', () => {
  assert.deepEqual(
    [0, 1, 2].map((n) => roundDate('2026-06-01', 'weekly', n)),
    ['2026-06-01', '2026-06-08', '2026-06-15'],
  );
  assert.deepEqual(
    [0, 1, 2].map((n) => roundDate('2026-06-01', 'fortnightly', n)),
    ['2026-06-01', '2026-06-15', '2026-06-29'],
  );
  assert.deepEqual(
    [0, 1, 2, 3].map((n) => roundDate('2026-01-31', 'monthly', n)),
    ['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30'],
  );
  assert.deepEqual(roundDatesBetween('2026-06-01', 'weekly', '2026-06-05', '2026-06-22'), [
    '2026-06-08',
    '2026-06-15',
    '2026-06-22',
  ]);
  assert.equal(latestRoundDue('2026-06-01', 'weekly', '2026-05-31'), null);
  assert.equal(latestRoundDue('2026-06-01', 'weekly', '2026-06-01'), '2026-06-01');
  assert.equal(latestRoundDue('2026-06-01', 'weekly', '2026-06-14'), '2026-06-08');
  assert.equal(latestRoundDue('2026-06-01', 'fortnightly', '2026-06-14'), '2026-06-01');
  assert.equal(latestRoundDue('2026-01-31', 'monthly', '2026-03-30'), '2026-02-28');
});

test('a round is due by the day before the next one', () => {
  assert.equal(roundDueBy('2026-06-08', '2026-06-01', 'weekly'), '2026-06-14');
  assert.equal(roundDueBy('2026-06-01', '2026-06-01', 'fortnightly'), '2026-06-14');
  assert.equal(roundDueBy('2026-02-28', '2026-01-31', 'monthly'), '2026-03-30');
});

test('children not in the round before are new; in the first round nobody is', () => {
  assert.deepEqual([...newToCohort(null, ['a', 'b'])], []);
  assert.deepEqual([...newToCohort(['a', 'b'], ['b', 'c', 'd'])], ['c', 'd']);
  assert.deepEqual([...newToCohort(['a'], [])], []);
});

test('on time: every review not exempted submitted by the due date', () => {
  const due = '2026-06-14';
  const done = (d: string | null, exempted = false) => ({ submittedOn: d, exempted });
  assert.equal(roundState([done('2026-06-10'), done('2026-06-14')], due, '2026-06-20'), 'on_time');
  assert.equal(roundState([done('2026-06-10'), done('2026-06-15')], due, '2026-06-20'), 'late');
  assert.equal(roundState([done('2026-06-10'), done(null)], due, '2026-06-14'), 'open');
  assert.equal(roundState([done('2026-06-10'), done(null)], due, '2026-06-15'), 'overdue');
  // an exempted review does not hold the round up
  assert.equal(roundState([done('2026-06-10'), done(null, true)], due, '2026-06-20'), 'on_time');
});

const tool: ToolDefinition = {
  name: 'Weekly review',
  kind: 'dip_sample',
  scaleKey: 'four_point',
  sections: [
    {
      key: 'review',
      title: 'This week',
      required: true,
      isJourneySection: false,
      questions: [
        { key: 'seen', text: 'Was the child seen this week?', type: 'yes_no_partly_na', required: true },
        {
          key: 'oversight',
          text: 'Quality of management oversight',
          type: 'choice',
          options: ['Good', 'Requires improvement', 'Inadequate'],
          required: true,
        },
        { key: 'note', text: 'Anything else', type: 'short_text', required: false },
      ],
    },
  ],
};

test('a concern is a yes/no answered no, or a choice the schedule lists; repeated in two rounds or more', () => {
  const answers = (seen: string, oversight: string) => ({
    review: { answers: { seen, oversight, note: 'no' } },
  });
  assert.deepEqual(
    concernsOf(tool, answers('no', 'Inadequate'), ['inadequate']).map((c) => c.lineage),
    ['review/seen', 'review/oversight'],
  );
  assert.deepEqual(concernsOf(tool, answers('yes', 'Good'), ['Inadequate']), []);
  assert.deepEqual(concernsOf(tool, answers('partly', 'Inadequate'), []), []);
  const c = (childRef: string, roundOn: string, lineage: string) => ({
    childId: childRef,
    childRef,
    roundOn,
    lineage,
    text: lineage,
  });
  const repeated = repeatedConcerns([
    c('B1', '2026-06-01', 'review/seen'),
    c('B1', '2026-06-15', 'review/seen'),
    c('A1', '2026-06-01', 'review/seen'),
    c('A1', '2026-06-08', 'review/oversight'),
    c('A1', '2026-06-08', 'review/seen'),
    c('C1', '2026-06-01', 'review/seen'),
    c('C1', '2026-06-01', 'review/seen'),
  ]);
  assert.deepEqual(
    repeated.map((r) => [r.childRef, r.lineage, r.rounds]),
    [
      ['A1', 'review/seen', ['2026-06-01', '2026-06-08']],
      ['B1', 'review/seen', ['2026-06-01', '2026-06-15']],
    ],
  );
});
