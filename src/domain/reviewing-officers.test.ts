import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reviewingOfficerKindOfRole } from './reviewing-officers.ts';

test('the worker roles an extract uses for reviewing officers are read as IRO or CP adviser', () => {
  for (const role of [
    'Independent Reviewing Officer',
    'IRO',
    'iro (temp)',
    'Independent Reviewing Officer - CLA',
  ])
    assert.equal(reviewingOfficerKindOfRole(role), 'iro', role);
  for (const role of [
    'CP Chair',
    'Child Protection Adviser',
    'Child Protection Advisor',
    'Conference Chair',
    'CPA',
  ])
    assert.equal(reviewingOfficerKindOfRole(role), 'cp_adviser', role);
});

test('any other role is the child’s worker, not a reviewing officer', () => {
  for (const role of [
    'Allocated Case Worker',
    'Social Worker',
    'Child Protection Social Worker',
    'Iron Works',
    '',
    null,
  ])
    assert.equal(reviewingOfficerKindOfRole(role), null, String(role));
});
