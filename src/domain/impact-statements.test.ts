import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IMPACT_RULE, IMPACT_RULE_KEY, impactSuggestion, saysWhatItMeant } from './impact-statements.ts';

test('text that never says what the practice meant for the child is pointed out', () => {
  for (const text of [
    'Visits were on time and the plan was reviewed.',
    'The chronology is up to date and supervision is recorded.',
  ]) {
    assert.equal(saysWhatItMeant(text), false, text);
  }
  const s = impactSuggestion(['Visits were on time.', 'The plan was reviewed.']);
  assert.equal(s?.ruleKey, IMPACT_RULE_KEY);
  assert.equal(s?.source, 'impact-statement');
});

test('text that says what it meant for the child is not', () => {
  for (const text of [
    'Visits were on time, which meant Amira got to know her worker.',
    'As a result, he is now at school every day.',
    'The child is safer and says things at home are better.',
    'The lack of a clear plan means the child waits longer for help.',
    'She told her worker she feels listened to.',
    'The plan made a real difference to the family.',
    'This was a good outcome for him.',
    'The child’s lived experience is clear.',
  ]) {
    assert.equal(saysWhatItMeant(text), true, text);
  }
});

test('empty sections are left to the required-answer checks', () => {
  assert.equal(impactSuggestion(['', '  ']), null);
  assert.equal(impactSuggestion(['Visits were on time.', 'So that he could see his nan.']), null);
});

test('the rule has a plain description', () => {
  assert.match(IMPACT_RULE.description, /meant for the child/);
});

test('a long run of helping words is read once, not every way it can be split (the check page never hangs on it)', () => {
  // before the words were taken one at a time, 24 repeats took about two seconds and each more doubled it
  const text = `${'the child is now '.repeat(60)}x`;
  assert.equal(saysWhatItMeant(text), false);
  assert.equal(saysWhatItMeant('The child is now safer at home.'), true);
});
