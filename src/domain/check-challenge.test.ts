import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMonday, weekOf } from './check-challenge.ts';

test('a week is named by its Monday, whatever day it is asked for', () => {
  assert.equal(weekOf('2026-11-16'), '2026-11-16'); // a Monday
  assert.equal(weekOf('2026-11-19'), '2026-11-16'); // Thursday
  assert.equal(weekOf('2026-11-22'), '2026-11-16'); // Sunday ends the week
  assert.equal(weekOf('2027-01-01'), '2026-12-28'); // across the new year
});

test('only a real Monday names a week in an address', () => {
  assert.equal(isMonday('2026-11-16'), true);
  assert.equal(isMonday('2026-11-17'), false);
  assert.equal(isMonday('2026-02-30'), false);
  // a Monday by the calendar, but not a date a council's records hold: refused, never sent to the database
  assert.equal(isMonday('0000-01-03'), false);
  assert.equal(isMonday('16/11/2026'), false);
});
