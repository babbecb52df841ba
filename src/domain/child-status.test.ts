import assert from 'node:assert/strict';
import { test } from 'node:test';
import { caseStatusOn } from './child-status.ts';

test('the most intensive open episode decides the status', () => {
  const episodes = [
    { kind: 'cin_plan' as const, start_date: '2025-01-01', end_date: null },
    { kind: 'cp_plan' as const, start_date: '2025-06-01', end_date: null },
  ];
  assert.equal(caseStatusOn(episodes, '2026-01-01'), 'cp_plan');
  assert.equal(caseStatusOn(episodes, '2025-03-01'), 'cin_plan');
});

test('an episode ended on or before the date no longer counts', () => {
  const episodes = [
    { kind: 'cla' as const, start_date: '2024-01-01', end_date: '2025-01-01' },
    { kind: 'care_leaver' as const, start_date: '2025-01-01', end_date: null },
  ];
  assert.equal(caseStatusOn(episodes, '2025-01-01'), 'care_leaver');
  assert.equal(caseStatusOn(episodes, '2024-12-31'), 'in_care');
});

test('open with only an assessment is "no current plan"', () => {
  assert.equal(
    caseStatusOn([{ kind: 'assessment', start_date: '2026-10-01', end_date: null }], '2026-11-01'),
    'no_current_plan',
  );
  assert.equal(caseStatusOn([], '2026-11-01'), 'no_current_plan');
});
