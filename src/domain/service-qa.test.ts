import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isQuarterStart, previousQuarter, quarterOf } from './service-qa.ts';

test('quarters are the council’s financial quarters, April to June the first', () => {
  assert.deepEqual(quarterOf('2026-11-22'), {
    start: '2026-10-01',
    end: '2026-12-31',
    label: 'Q3 2026 to 2027',
    months: 'October to December 2026',
  });
  assert.equal(quarterOf('2026-04-01').label, 'Q1 2026 to 2027');
  assert.equal(quarterOf('2026-06-30').end, '2026-06-30');
  assert.deepEqual(quarterOf('2027-02-28'), {
    start: '2027-01-01',
    end: '2027-03-31',
    label: 'Q4 2026 to 2027',
    months: 'January to March 2027',
  });
});

test('the quarter before, across the financial and the calendar year', () => {
  assert.equal(previousQuarter(quarterOf('2026-04-10')).label, 'Q4 2025 to 2026');
  assert.equal(previousQuarter(quarterOf('2027-01-10')).start, '2026-10-01');
  assert.equal(previousQuarter(quarterOf('2026-10-10')).start, '2026-07-01');
});

test('a quarter in an address is its first day', () => {
  assert.equal(isQuarterStart('2026-10-01'), true);
  assert.equal(isQuarterStart('2026-11-01'), false);
  assert.equal(isQuarterStart('2026-10-02'), false);
});
