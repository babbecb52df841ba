import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  PASSWORD_MESSAGES,
  passwordMessage,
  passwordProblem,
} from './password-rules.ts';

const SAM = ['Sam Auditor', 'sam.auditor@northmoor.gov.uk'];

test('a password must be at least 12 characters and at most 256, counted as characters', () => {
  assert.equal(passwordProblem(''), 'empty');
  assert.equal(passwordProblem('gale tiny ox'.slice(0, MIN_PASSWORD_LENGTH - 1)), 'tooShort');
  assert.equal(passwordProblem('🦊🦊🦊🐢🐢🐢🦉🦉🦉🐝🐝'), 'tooShort', 'eleven emoji are eleven characters');
  assert.equal(passwordProblem('x'.repeat(MAX_PASSWORD_LENGTH + 1)), 'tooLong');
  assert.equal(PASSWORD_MESSAGES.tooShort, 'Password must be 12 characters or more');
});

test('no composition rules: random words with no capitals, digits or symbols are accepted', () => {
  for (const ok of [
    'purple giraffe teapot',
    'otter lantern mirror',
    'vivid-cactus-harbour',
    'Quietly Orbiting Marmalade 7',
  ]) {
    assert.equal(passwordProblem(ok, SAM), undefined, ok);
  }
  const long = Array.from({ length: 40 }, (_, i) => `word${i * 7919}`)
    .join(' ')
    .slice(0, MAX_PASSWORD_LENGTH);
  assert.equal(passwordProblem(long), undefined, 'a long passphrase up to the limit');
});

test('common and breached-looking passwords are refused, with their usual disguises', () => {
  for (const common of [
    'password1234',
    'Password1234',
    'P@ssw0rd1234',
    'qwertyuiop12',
    'iloveyou2024',
    'letmein12345',
    'trustno1trustno1x',
  ]) {
    const problem = passwordProblem(common, SAM);
    assert.ok(problem && problem !== 'tooShort', `${common} is refused`);
  }
  assert.equal(passwordProblem('password1234'), 'common');
  assert.equal(
    passwordMessage('password1234'),
    'Choose a password that is harder to guess: this one is in lists of common passwords',
  );
});

test('repetitive passwords are refused', () => {
  for (const p of ['aaaaaaaaaaaa', 'abcabcabcabc', 'ABab ABab ABab', '121212121212', 'xyxyxyxyxyxy']) {
    assert.equal(passwordProblem(p), 'repetitive', p);
  }
  assert.match(passwordMessage('aaaaaaaaaaaa') ?? '', /repeats the same characters/);
});

test('sequences are refused, forwards and backwards', () => {
  for (const p of [
    '123456789012',
    'abcdefghijkl',
    'lkjihgfedcba',
    '987654321098',
    'qwertyuiopas',
    'ABCDEFGHIJKLMNOP',
  ]) {
    assert.equal(passwordProblem(p), 'sequence', p);
  }
  assert.match(passwordMessage('123456789012') ?? '', /is a sequence/);
});

test("passwords built from the person's own name or email address are refused", () => {
  for (const p of [
    'sam.auditor@northmoor.gov.uk',
    'SamAuditor2026',
    'auditorsam!!!',
    'Sam Auditor 1',
    'northmoor sam auditor',
  ]) {
    assert.equal(passwordProblem(p, SAM), 'personal', p);
  }
  assert.equal(passwordProblem('SamAuditor2026', []), undefined, 'only for Sam');
  assert.match(passwordMessage('SamAuditor2026', SAM) ?? '', /made from your name or email address/);
});

test('every refusal gives one message that says what to do', () => {
  for (const message of Object.values(PASSWORD_MESSAGES)) {
    assert.match(message, /^(Enter|Password must|Choose a password that is harder to guess: )/);
  }
});
