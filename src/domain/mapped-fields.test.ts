import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fieldPhrase, fieldsFor, requiredFields, suggestColumns } from './mapped-fields.ts';

test('odd headers are suggested for the fields they hold', () => {
  assert.deepEqual(
    suggestColumns(['Person Ref', 'D.O.B.', 'Worker Name', 'Team Name', 'Plan Start', 'Notes'], 'cin_plan'),
    {
      child_id: 'Person Ref',
      date_of_birth: 'D.O.B.',
      worker: 'Worker Name',
      team: 'Team Name',
      start_date: 'Plan Start',
    },
  );
  assert.deepEqual(
    suggestColumns(
      ['ChildUniqueID', 'Gender', 'DateOfBirth', 'LookedAfterStartDate', 'PlacementType'],
      'cla',
    ),
    {
      child_id: 'ChildUniqueID',
      gender: 'Gender',
      date_of_birth: 'DateOfBirth',
      start_date: 'LookedAfterStartDate',
      placement_type: 'PlacementType',
    },
  );
});

test('only the fields a kind of list reads are suggested or required', () => {
  // an open case has no episode: its start date is most like the date it was allocated
  assert.deepEqual(suggestColumns(['Child ID', 'Start date', 'Placement type'], 'open_case'), {
    child_id: 'Child ID',
    allocated_since: 'Start date',
  });
  assert.deepEqual(requiredFields('open_case'), ['child_id']);
  assert.deepEqual(requiredFields('s47'), ['child_id', 'start_date']);
  assert.ok(fieldsFor('cla').some((f) => f.key === 'placement_type'));
  assert.ok(!fieldsFor('cp_plan').some((f) => f.key === 'placement_type'));
  assert.equal(fieldPhrase('child_id'), 'child ID');
  assert.equal(fieldPhrase('date_of_birth'), 'date of birth');
});

test('no header is ever suggested for two fields', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ maxLength: 20 }), { maxLength: 30 }), (headers) => {
      const chosen = Object.values(suggestColumns(headers, 'cla'));
      return new Set(chosen).size === chosen.length && chosen.every((h) => headers.includes(h));
    }),
  );
});
