import assert from 'node:assert/strict';
import { test } from 'node:test';
import { suppress, suppressedText } from './suppression.ts';

test('counts of 1 to 4 are suppressed; 0 and 5 or more are shown', () => {
  assert.equal(suppressedText(0), '0');
  for (const n of [1, 2, 3, 4]) assert.equal(suppressedText(n), 'fewer than 5');
  assert.equal(suppressedText(5), '5');
  assert.deepEqual(suppress(3), { value: null, suppressed: true });
});

test('one hidden cell is not left to be worked out from the total: the next smallest is withheld too', async () => {
  const { suppressTable } = await import('./suppression.ts');
  const shown = suppressTable({ a: 3, b: 40, c: 12, d: 0 }, 55);
  assert.deepEqual(shown, { a: 'fewer than 5', b: '40', c: 'withheld', d: '0', total: '55' });
  // two hidden cells already protect each other
  assert.deepEqual(suppressTable({ a: 3, b: 2, c: 12 }, 17), {
    a: 'fewer than 5',
    b: 'fewer than 5',
    c: '12',
    total: '17',
  });
  // nothing small, nothing hidden
  assert.deepEqual(suppressTable({ a: 30, b: 20 }, 50), { a: '30', b: '20', total: '50' });
});
