import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AnsweredAudit, tallyAnswers, tallyGrades, yesOfAnswered } from './answer-tally.ts';
import type { ToolDefinition } from './audit-tools.ts';
import { FOUR_POINT } from './grade-scales.ts';

const v1: ToolDefinition = {
  name: 'Themed audit',
  kind: 'themed',
  scaleKey: 'four_point',
  sections: [
    {
      key: 'plan',
      title: 'The plan',
      required: true,
      isJourneySection: true,
      questions: [
        { key: 'smart', text: 'Is the plan SMART?', type: 'yes_no_partly_na', required: true },
        { key: 'weeks', text: 'Weeks open', type: 'number', required: true },
        { key: 'why', text: 'Why?', type: 'choice', required: true, options: ['A', 'B'] },
        { key: 'note', text: 'Note', type: 'long_text', required: false },
      ],
    },
  ],
};
// the next version renames the section (continuing it) and rewords a question, keeping its key
const v2: ToolDefinition = {
  ...v1,
  sections: [
    {
      ...v1.sections[0],
      key: 'planning',
      title: 'Planning',
      sameAs: 'plan',
      questions: [
        { key: 'smart', text: 'Is the child’s plan SMART?', type: 'yes_no_partly_na', required: true },
        { key: 'why', text: 'Why?', type: 'choice', required: true, options: ['A', 'B', 'C'] },
      ],
    },
  ],
};

const audit = (
  definition: ToolDefinition,
  section: string,
  answers: Record<string, string | number>,
  grade?: string,
) =>
  ({
    definition,
    answers: { [section]: { answers, grade } },
    overallGrade: grade ?? null,
  }) satisfies AnsweredAudit;

test('the same question across versions is counted together, worded as the newest version asks it', () => {
  const tallies = tallyAnswers([
    audit(v1, 'plan', { smart: 'yes', weeks: 4, why: 'A', note: 'The child’s name and story' }),
    audit(v1, 'plan', { smart: 'na', weeks: 10, why: 'B' }),
    audit(v2, 'planning', { smart: 'no', why: 'C' }),
    audit(v2, 'planning', { smart: 'partly' }),
  ]);
  const smart = tallies.find((t) => t.lineage === 'plan/smart');
  assert.ok(smart);
  assert.equal(smart.text, 'Is the child’s plan SMART?');
  assert.deepEqual(smart.counts, { yes: 1, na: 1, no: 1, partly: 1 });
  assert.equal(smart.answered, 4);
  // "not applicable" is left out of the share; "partly" is not yes
  assert.deepEqual(yesOfAnswered(smart), { count: 1, total: 3 });
  assert.deepEqual(yesOfAnswered(smart, 'yes_or_partly'), { count: 2, total: 3 });

  const why = tallies.find((t) => t.lineage === 'plan/why');
  assert.deepEqual(why?.options, ['A', 'B', 'C']);
  assert.equal(why?.asked, 4);
  assert.equal(why?.answered, 3);

  const weeks = tallies.find((t) => t.lineage === 'plan/weeks');
  assert.deepEqual(weeks?.numbers, { n: 2, mean: 7, median: 7, min: 4, max: 10 });
  assert.equal(weeks?.asked, 2);

  // free text is counted, never carried
  const note = tallies.find((t) => t.lineage === 'plan/note');
  assert.equal(note?.answered, 1);
  assert.doesNotMatch(JSON.stringify(tallies), /story/);
});

test('grades are counted by section and overall on the tool’s scale, with good or better', () => {
  const grades = tallyGrades(
    [
      audit(v1, 'plan', {}, 'good'),
      audit(v1, 'plan', {}, 'inadequate'),
      audit(v2, 'planning', {}, 'outstanding'),
      audit(v2, 'planning', {}),
    ],
    FOUR_POINT,
  );
  assert.deepEqual(
    grades.map((g) => [g.lineage, g.title, g.graded, g.goodOrBetter]),
    [
      ['plan', 'Planning', 3, 2],
      ['overall', 'Overall grade', 3, 2],
    ],
  );
  assert.deepEqual(grades[0].counts, { good: 1, inadequate: 1, outstanding: 1 });
});
