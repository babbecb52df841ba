import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normaliseGradeKey } from './grade-scales.ts';
import { DEFAULT_PRACTICE_THEMES, validateTheme } from './practice-themes.ts';

const names = DEFAULT_PRACTICE_THEMES.map((t) => t.name);

test('the default themes are the starting taxonomy, each with a key and a one-sentence description', () => {
  assert.equal(DEFAULT_PRACTICE_THEMES.length, 20);
  assert.deepEqual(names.slice(0, 3), ['Management oversight', 'Reflective supervision', 'SMART planning']);
  assert.ok(names.includes('Father / significant male involvement'));
  assert.ok(names.includes('Visits (seen and seen alone)'));
  for (const t of DEFAULT_PRACTICE_THEMES) {
    assert.equal(t.key, normaliseGradeKey(t.name));
    assert.match(t.description, /^[A-Z][^.]*\.$/, t.key);
  }
  assert.equal(new Set(DEFAULT_PRACTICE_THEMES.map((t) => t.key)).size, 20);
});

test('every default theme passes the rules for a theme a QA lead adds', () => {
  for (const t of DEFAULT_PRACTICE_THEMES) {
    const others = names.filter((n) => n !== t.name);
    assert.deepEqual(validateTheme({ name: t.name, description: t.description }, others), {
      ok: true,
      value: t,
    });
  }
});

test('a new theme gets a key from its name and may have no description', () => {
  assert.deepEqual(validateTheme({ name: '  Private   fostering ' }, names), {
    ok: true,
    value: { key: 'private_fostering', name: 'Private fostering', description: '' },
  });
});

test('a theme needs a name of 80 characters or fewer', () => {
  assert.deepEqual(validateTheme({ name: ' ' }, names), {
    ok: false,
    errors: [{ field: 'name', message: 'Enter a name for the practice theme' }],
  });
  assert.deepEqual(validateTheme({}, names), {
    ok: false,
    errors: [{ field: 'name', message: 'Enter a name for the practice theme' }],
  });
  assert.deepEqual(validateTheme({ name: 'x'.repeat(81) }, names), {
    ok: false,
    errors: [{ field: 'name', message: 'Practice theme name must be 80 characters or fewer' }],
  });
  assert.equal(validateTheme({ name: 'x'.repeat(80) }, names).ok, true);
});

test('two themes cannot have the same name, whatever the case or spacing', () => {
  assert.deepEqual(validateTheme({ name: 'NEGLECT' }, names), {
    ok: false,
    errors: [{ field: 'name', message: 'There is already a practice theme called "Neglect"' }],
  });
  assert.deepEqual(validateTheme({ name: 'drift  and delay' }, names), {
    ok: false,
    errors: [{ field: 'name', message: 'There is already a practice theme called "Drift and delay"' }],
  });
});

test('renaming a theme to a new case of its own name is allowed when it is left out of the others', () => {
  const others = names.filter((n) => n !== 'Neglect');
  assert.equal(validateTheme({ name: 'neglect' }, others).ok, true);
});

test('a description is at most 300 characters', () => {
  assert.deepEqual(validateTheme({ name: 'Private fostering', description: 'x'.repeat(301) }, names), {
    ok: false,
    errors: [{ field: 'description', message: 'Description must be 300 characters or fewer' }],
  });
});

test('a name must contain a letter or number', () => {
  assert.deepEqual(validateTheme({ name: '---' }, names), {
    ok: false,
    errors: [{ field: 'name', message: 'The practice theme name needs at least one letter or number' }],
  });
});
