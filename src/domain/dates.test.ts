import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addDays, addMonths, ageOn, formatDate } from './dates.ts';

test('adding months keeps the day, or the month’s last day when it is shorter', () => {
  assert.equal(addMonths('2026-01-31', 1), '2026-02-28');
  assert.equal(addMonths('2028-01-31', 1), '2028-02-29');
  assert.equal(addMonths('2026-11-22', -12), '2025-11-22');
  assert.equal(addMonths('2026-03-31', -1), '2026-02-28');
});

test('adding days crosses months and years', () => {
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(addDays('2026-03-01', -1), '2026-02-28');
});

test('age turns over on the birthday, not before', () => {
  assert.equal(ageOn('2010-11-22', '2026-11-21'), 15);
  assert.equal(ageOn('2010-11-22', '2026-11-22'), 16);
  assert.equal(ageOn('2012-02-29', '2026-02-28'), 13);
});

test('dates read the GOV.UK way', () => {
  assert.equal(formatDate('2026-04-01'), '1 April 2026');
  assert.equal(formatDate(null), '');
});

test('a date is never written "Invalid Date": text that is no date is given back as it is', () => {
  assert.equal(formatDate('20/11/2026'), '20/11/2026');
  assert.equal(formatDate('2026-02-30'), '2026-02-30');
  assert.equal(formatDate(new Date('not a date')), '');
  assert.equal(formatDate('2026-12-03T10:00:00.000Z'), '3 December 2026');
  assert.equal(formatDate(new Date('2026-12-03T10:00:00Z')), '3 December 2026');
});

test('today is the date in London: just after midnight in summer it is already tomorrow', async () => {
  const { todayInLondon } = await import('./dates.ts');
  assert.equal(todayInLondon(new Date('2026-07-01T23:30:00Z')), '2026-07-02');
  assert.equal(todayInLondon(new Date('2026-12-01T23:30:00Z')), '2026-12-01');
});
