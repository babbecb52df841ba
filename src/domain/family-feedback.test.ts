import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  describeFamilyAnswers,
  FAMILY_LINK_DAYS,
  FAMILY_QUESTIONS,
  familyFeedbackSchema,
  familyLinkExpiry,
  practitionerFeedbackSchema,
  recordedFamilyFeedbackSchema,
} from './family-feedback.ts';

test('impact is a whole number from 1 to 10, as typed or as a number', () => {
  const answers = { childChange: 'a', processChange: 'b' };
  assert.equal(practitionerFeedbackSchema.parse({ ...answers, impact: ' 10 ' }).impact, 10);
  assert.equal(practitionerFeedbackSchema.parse({ ...answers, impact: 1 }).impact, 1);
  for (const impact of [0, 11, -1, '0', '11', 'ten', '7.5', 7.5, '', null, undefined, '1e1']) {
    assert.equal(practitionerFeedbackSchema.safeParse({ ...answers, impact }).success, false, String(impact));
  }
});

test('every choice a family is offered has a way not to answer, and written answers may be left blank', () => {
  for (const q of FAMILY_QUESTIONS) {
    if (q.kind === 'choice')
      assert.ok(
        q.options.some((o) => o.text === 'I’d rather not say'),
        q.key,
      );
  }
  const parsed = familyFeedbackSchema.parse({
    respondent: 'child',
    listened: 'rather_not_say',
    better: 'not_yet',
  });
  assert.equal(parsed.helped, '');
  assert.equal(parsed.improve, '');
  assert.equal(
    familyFeedbackSchema.safeParse({ respondent: 'child', listened: 'maybe', better: 'yes' }).success,
    false,
  );
});

test('QA records feedback given on the phone or at a visit, never as online', () => {
  const answers = { respondent: 'parent', listened: 'yes', better: 'yes' };
  assert.ok(recordedFamilyFeedbackSchema.safeParse({ ...answers, method: 'visit' }).success);
  assert.equal(recordedFamilyFeedbackSchema.safeParse({ ...answers, method: 'online' }).success, false);
});

test('answers read back in words, blanks left out', () => {
  assert.deepEqual(
    describeFamilyAnswers({ listened: 'a_bit', better: 'rather_not_say', helped: '', improve: 'Ring back' }),
    [
      { question: 'Did your social worker listen to you?', answer: 'A bit' },
      { question: 'Has our help made things better for your family?', answer: 'I’d rather not say' },
      { question: 'What could we do better?', answer: 'Ring back' },
    ],
  );
});

test('a link lasts 14 days to the millisecond', () => {
  const now = new Date('2026-11-22T12:00:00Z');
  assert.equal(FAMILY_LINK_DAYS, 14);
  assert.equal(familyLinkExpiry(now).toISOString(), '2026-12-06T12:00:00.000Z');
});
