import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addCounts, daysOverdue, rate, returnFigures, returnRateText } from './returns.ts';

test('scheduled is planned less exempted, and the return rate is returned of scheduled to 3 places', () => {
  assert.deepEqual(returnFigures({ planned: 50, exempted: 6, returned: 21, unallocated: 3 }), {
    planned: 50,
    exempted: 6,
    scheduled: 44,
    returned: 21,
    returnRate: 0.477,
    unallocated: 3,
    owed: 20,
  });
  assert.equal(returnFigures({ planned: 3, exempted: 0, returned: 2 }).returnRate, 0.667);
  assert.equal(returnFigures({ planned: 3, exempted: 0, returned: 1 }).returnRate, 0.333);
  assert.equal(returnFigures({ planned: 8, exempted: 0, returned: 1 }).returnRate, 0.125);
});

test('with nothing scheduled there is no return rate, not 0% or 100%', () => {
  assert.equal(returnFigures({ planned: 0, exempted: 0, returned: 0 }).returnRate, null);
  assert.equal(returnFigures({ planned: 4, exempted: 4, returned: 0 }).returnRate, null);
  assert.equal(rate(0, 0), null);
  assert.equal(rate(0, 5), 0);
  assert.equal(rate(5, 5), 1);
});

test('counts that cannot be are refused', () => {
  assert.throws(() => returnFigures({ planned: 2, exempted: 3, returned: 0 }), RangeError);
  assert.throws(() => returnFigures({ planned: 4, exempted: 1, returned: 4 }), RangeError);
  assert.throws(() => returnFigures({ planned: 4, exempted: 0, returned: 2, unallocated: 3 }), RangeError);
  assert.throws(() => returnFigures({ planned: 1.5, exempted: 0, returned: 0 }), RangeError);
  assert.throws(() => returnFigures({ planned: -1, exempted: 0, returned: 0 }), RangeError);
});

test('months add up before the rate is taken: the rate of a total is not the mean of the rates', () => {
  const total = addCounts([
    { planned: 10, exempted: 0, returned: 10 },
    { planned: 30, exempted: 10, returned: 5, unallocated: 2 },
  ]);
  assert.deepEqual(total, { planned: 40, exempted: 10, returned: 15, unallocated: 2 });
  assert.equal(returnFigures(total).returnRate, 0.5);
});

test('a return rate is written with its count', () => {
  assert.equal(returnRateText(21, 44), '21 of 44 (48%)');
  assert.equal(returnRateText(0, 3), '0 of 3 (0%)');
  assert.equal(returnRateText(1234, 2000), '1,234 of 2,000 (62%)');
  assert.equal(returnRateText(0, 0), 'None scheduled');
});

test('days overdue count from the due date; not yet due is 0; no due date is null', () => {
  assert.equal(daysOverdue('2026-11-20', '2026-11-22'), 2);
  assert.equal(daysOverdue('2026-11-22', '2026-11-22'), 0);
  assert.equal(daysOverdue('2026-12-01', '2026-11-22'), 0);
  assert.equal(daysOverdue('2026-03-28', '2026-03-30'), 2, 'across the change to summer time');
  assert.equal(daysOverdue(null, '2026-11-22'), null);
});
