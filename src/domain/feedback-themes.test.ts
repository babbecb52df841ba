import assert from 'node:assert/strict';
import { test } from 'node:test';
import { themesMentioned, themeWords } from './feedback-themes.ts';

const THEMES = [
  { key: 'voice_of_the_child', name: 'Voice of the child' },
  { key: 'father_involvement', name: 'Father / significant male involvement' },
  { key: 'management_oversight', name: 'Management oversight' },
  { key: 'direct_work', name: 'Direct work' },
];

test('a theme’s significant words leave out the short and common ones', () => {
  assert.deepEqual(themeWords('Voice of the child'), ['voice', 'child']);
  assert.deepEqual(themeWords('Direct work'), ['direct']);
});

test('an answer mentions a theme when half its significant words begin words of the answer', () => {
  assert.deepEqual(themesMentioned('I will record the child’s voice in their own words', THEMES), [
    'voice_of_the_child',
  ]);
  assert.deepEqual(themesMentioned('Involve both FATHERS in the next review', THEMES), [
    'father_involvement',
  ]);
  assert.deepEqual(
    themesMentioned('More direct work sessions, and my manager’s oversight recorded', THEMES),
    ['management_oversight', 'direct_work'],
  );
});

test('an answer about nothing in the taxonomy mentions no theme', () => {
  assert.deepEqual(themesMentioned('The form took too long to fill in', THEMES), []);
  assert.deepEqual(themesMentioned('', THEMES), []);
});
