import assert from 'node:assert/strict';
import { test } from 'node:test';
import { suppress, suppressedText } from './suppression.ts';

test('counts of 1 to 4 are suppressed; 0 and 5 or more are shown', () => {
  assert.equal(suppressedText(0), '0');
  for (const n of [1, 2, 3, 4]) assert.equal(suppressedText(n), 'fewer than 5');
  assert.equal(suppressedText(5), '5');
  assert.deepEqual(suppress(3), { value: null, suppressed: true });
});
