import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rolesFromClaim } from './single-sign-on.ts';

const MAP = { 'QALoop.QALead': 'qa_lead', 'QALoop.Training': 'workforce_development' };

test('claim values become roles through the map; role keys map to themselves; others are ignored', () => {
  assert.deepEqual(rolesFromClaim(['QALoop.QALead', 'auditor', 'Finance.Approver', 42], MAP), [
    'auditor',
    'qa_lead',
  ]);
});

test('a single value, or values in one string, are read too; nothing is no roles', () => {
  assert.deepEqual(rolesFromClaim('QALoop.Training', MAP), ['workforce_development']);
  assert.deepEqual(rolesFromClaim('auditor practitioner', MAP), ['auditor', 'practitioner']);
  assert.deepEqual(rolesFromClaim(undefined, MAP), []);
  assert.deepEqual(rolesFromClaim({ roles: ['auditor'] }, MAP), []);
});

test('a mapped value that is not a role, or an inherited property name, gives nothing', () => {
  assert.deepEqual(rolesFromClaim(['toString', 'constructor'], { ...MAP, Odd: 'superuser' }), []);
  assert.deepEqual(rolesFromClaim(['Odd'], { Odd: 'superuser' }), []);
});
