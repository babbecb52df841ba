import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FOUR_POINT, THREE_POINT } from './grade-scales.ts';
import { moderationOutcome } from './moderation-outcome.ts';

test('the same grade supports the auditor', () => {
  assert.equal(moderationOutcome(FOUR_POINT, 'good', 'good'), 'supported');
  assert.equal(moderationOutcome(THREE_POINT, 'did_not_meet_good', 'did_not_meet_good'), 'supported');
});

test('a better final grade upgrades the audit, a worse one downgrades it', () => {
  assert.equal(moderationOutcome(FOUR_POINT, 'inadequate', 'requires_improvement'), 'upgraded');
  assert.equal(moderationOutcome(FOUR_POINT, 'requires_improvement', 'outstanding'), 'upgraded');
  assert.equal(moderationOutcome(FOUR_POINT, 'good', 'requires_improvement'), 'downgraded');
  assert.equal(moderationOutcome(THREE_POINT, 'exceeded_good', 'met_good'), 'downgraded');
});

test('a grade that is not on the scale is an error', () => {
  assert.throws(() => moderationOutcome(FOUR_POINT, 'good', 'met_good'), /not a grade on the Four-point/);
  assert.throws(() => moderationOutcome(THREE_POINT, 'outstanding', 'met_good'), /not a grade/);
});
