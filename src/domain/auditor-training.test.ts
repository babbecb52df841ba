import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countsAsTrained, isManager, trainedDateAfter, trainingStatus } from './auditor-training.ts';

const periods = { refresherMonths: 24, newManagerMonths: 2 };
const today = '2026-11-22';

test('a trained person is trained until their refresher is near, then due soon, then overdue', () => {
  const person = { startedOn: '2020-01-01', roles: ['auditor'] as const, trainedOn: '2025-06-10' };
  assert.deepEqual(trainingStatus(person, periods, today), {
    status: 'trained',
    refresherDue: '2027-06-10',
    trainingDue: null,
  });
  assert.equal(
    trainingStatus({ ...person, trainedOn: '2024-12-20' }, periods, today).status,
    'refresher_due_soon',
  );
  assert.equal(
    trainingStatus({ ...person, trainedOn: '2024-11-22' }, periods, today).status,
    'refresher_overdue',
  );
  assert.equal(
    trainingStatus({ ...person, trainedOn: '2024-11-23' }, periods, today).status,
    'refresher_due_soon',
  );
  assert.equal(
    trainingStatus({ ...person, trainedOn: '2025-12-10' }, { ...periods, refresherMonths: 12 }, today).status,
    'refresher_due_soon',
  );
});

test('a new manager is awaiting training for the council’s period after starting, then overdue', () => {
  const manager = { startedOn: '2026-10-01', roles: ['case_manager'] as const, trainedOn: null };
  assert.deepEqual(trainingStatus(manager, periods, today), {
    status: 'awaiting',
    refresherDue: null,
    trainingDue: '2026-12-01',
  });
  assert.equal(trainingStatus({ ...manager, startedOn: '2026-09-22' }, periods, today).status, 'overdue');
  assert.equal(trainingStatus({ ...manager, startedOn: '2026-09-23' }, periods, today).status, 'awaiting');
  assert.equal(
    trainingStatus({ ...manager, startedOn: '2026-09-01' }, { ...periods, newManagerMonths: 3 }, today)
      .status,
    'awaiting',
  );
  assert.equal(trainingStatus({ ...manager, startedOn: '2027-01-05' }, periods, today).status, 'awaiting');
});

test('a manager with no start date and no training is overdue', () => {
  assert.equal(
    trainingStatus({ startedOn: null, roles: ['senior_leader'], trainedOn: null }, periods, today).status,
    'overdue',
  );
});

test('someone who is not a manager is not expected to be trained, but counts when they are', () => {
  assert.equal(
    trainingStatus({ startedOn: '2026-11-01', roles: ['practitioner'], trainedOn: null }, periods, today)
      .status,
    'not_expected',
  );
  assert.equal(
    trainingStatus(
      { startedOn: '2026-11-01', roles: ['practitioner'], trainedOn: '2026-11-10' },
      periods,
      today,
    ).status,
    'trained',
  );
  assert.equal(isManager(['qa_lead', 'workforce_development']), false);
  assert.equal(isManager(['practitioner', 'auditor']), true);
});

test('training dated after the day asked about does not count yet', () => {
  const state = trainingStatus(
    { startedOn: '2026-10-01', roles: ['auditor'], trainedOn: '2026-12-01' },
    periods,
    today,
  );
  assert.equal(state.status, 'awaiting');
  assert.equal(countsAsTrained(state.status), false);
  assert.equal(countsAsTrained('refresher_overdue'), true);
});

test('the trained date follows the latest session attended; a date typed by hand stays until a later session', () => {
  // attended sessions only
  assert.equal(trainedDateAfter(null, [], ['2026-03-01']), '2026-03-01');
  assert.equal(trainedDateAfter('2026-03-01', ['2026-03-01'], ['2026-03-01', '2026-09-01']), '2026-09-01');
  // their latest session deleted: back to the one before, or not trained
  assert.equal(trainedDateAfter('2026-09-01', ['2026-03-01', '2026-09-01'], ['2026-03-01']), '2026-03-01');
  assert.equal(trainedDateAfter('2026-03-01', ['2026-03-01'], []), null);
  // typed by hand: stays unless a later session replaces it
  assert.equal(trainedDateAfter('2026-05-01', [], ['2026-03-01']), '2026-05-01');
  assert.equal(trainedDateAfter('2026-05-01', ['2026-03-01'], []), '2026-05-01');
  assert.equal(trainedDateAfter('2026-05-01', [], ['2026-06-01']), '2026-06-01');
});
