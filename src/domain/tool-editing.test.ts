import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toolDefinitionSchema } from './audit-tools.ts';
import { builtinToolByKey } from './builtin-tools.ts';
import {
  addQuestion,
  addSection,
  moveSection,
  removeQuestion,
  updateQuestion,
  updateSection,
} from './tool-editing.ts';

const visits = () =>
  structuredClone(builtinToolByKey('dip_sample_visits') as NonNullable<ReturnType<typeof builtinToolByKey>>);

test('a new section comes with its first question, and the tool stays valid', () => {
  const result = addSection(visits(), {
    title: 'Neglect',
    required: 'yes',
    questionText: 'Are home conditions described?',
    questionType: 'yes_no_partly_na',
    questionRequired: 'yes',
  });
  assert.ok(result.ok);
  const section = result.definition.sections.at(-1);
  assert.equal(section?.key, 'neglect');
  assert.deepEqual(
    section?.questions.map((q) => [q.key, q.type, q.required]),
    [['are_home_conditions_described', 'yes_no_partly_na', true]],
  );
  assert.ok(toolDefinitionSchema.safeParse(result.definition).success);
});

test('a journey section needs no first question', () => {
  const result = addSection(visits(), { title: 'Planning', isJourneySection: 'yes', required: 'yes' });
  assert.ok(result.ok);
  assert.deepEqual(result.definition.sections.at(-1)?.questions, []);
});

test('keys stay unique, and renaming a section keeps its key so reports still line it up with earlier versions', () => {
  const once = addSection(visits(), { title: 'Visits', questionText: 'Q', questionType: 'short_text' });
  assert.ok(once.ok);
  assert.deepEqual(
    once.definition.sections.map((s) => s.key),
    ['visits', 'visits_2'],
  );
  const renamed = updateSection(once.definition, 'visits_2', {
    title: 'Visits to brothers and sisters',
    required: 'yes',
  });
  assert.ok(renamed.ok);
  assert.equal(renamed.definition.sections[1].key, 'visits_2');
  assert.equal(renamed.definition.sections[1].title, 'Visits to brothers and sisters');
});

test('a choice question needs two options; a number range must run upwards', () => {
  const d = visits();
  const key = d.sections[0].key;
  const choice = addQuestion(d, key, { text: 'Who?', type: 'choice', options: 'Only one' });
  assert.deepEqual(choice, {
    ok: false,
    errors: [{ field: 'options', message: 'Give at least 2 options, one on each line' }],
  });
  const range = addQuestion(d, key, { text: 'How many?', type: 'number', min: '10', max: '2' });
  assert.deepEqual(range, {
    ok: false,
    errors: [{ field: 'max', message: 'The highest answer must not be below the lowest' }],
  });
  const fine = addQuestion(d, key, {
    text: 'How many visits?',
    type: 'number',
    min: '0',
    max: '50',
    required: 'yes',
  });
  assert.ok(fine.ok);
  assert.deepEqual(fine.definition.sections[0].questions.at(-1), {
    key: 'how_many_visits',
    text: 'How many visits?',
    type: 'number',
    required: true,
    min: 0,
    max: 50,
  });
});

test('questions are changed in place and removed; sections move up and down within bounds', () => {
  const d = visits();
  const s = d.sections[0];
  const q = s.questions[0];
  const changed = updateQuestion(d, s.key, q.key, { text: 'Reworded', type: 'short_text' });
  assert.ok(changed.ok);
  assert.equal(changed.definition.sections[0].questions[0].key, q.key);
  assert.equal(changed.definition.sections[0].questions[0].text, 'Reworded');
  const removed = removeQuestion(d, s.key, q.key);
  assert.equal(removed.sections[0].questions.length, s.questions.length - 1);
  const two = addSection(d, { title: 'Second', questionText: 'Q', questionType: 'long_text' });
  assert.ok(two.ok);
  assert.deepEqual(
    moveSection(two.definition, 'second', -1).sections.map((x) => x.key),
    ['second', s.key],
  );
  assert.deepEqual(
    moveSection(two.definition, 'second', 1).sections.map((x) => x.key),
    [s.key, 'second'],
  );
});

test('a section continues at most one earlier section, and only one that the tool no longer has', async () => {
  const { sectionLineage } = await import('./audit-tools.ts');
  const d = visits();
  const key = d.sections[0].key;
  assert.deepEqual(updateSection(d, key, { title: 'Visits', sameAs: 'elsewhere' }, ['old_visits']), {
    ok: false,
    errors: [{ field: 'sameAs', message: 'Choose the earlier section from the list' }],
  });
  const marked = updateSection(d, key, { title: 'Visits', required: 'yes', sameAs: 'old_visits' }, [
    'old_visits',
  ]);
  assert.ok(marked.ok);
  assert.equal(sectionLineage(marked.definition.sections[0]), 'old_visits');
  const second = addSection(marked.definition, {
    title: 'More visits',
    questionText: 'Q',
    questionType: 'short_text',
  });
  assert.ok(second.ok);
  const clash = updateSection(
    second.definition,
    'more_visits',
    { title: 'More visits', sameAs: 'old_visits' },
    ['old_visits'],
  );
  assert.equal(clash.ok, false);
  const cleared = updateSection(marked.definition, key, { title: 'Visits', required: 'yes', sameAs: '' }, [
    'old_visits',
  ]);
  assert.ok(cleared.ok);
  assert.equal(sectionLineage(cleared.definition.sections[0]), key);
});
