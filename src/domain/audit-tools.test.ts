import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  answerSchemaFor,
  checkAnswers,
  isIsoDate,
  JOURNEY_SECTION_FIELDS,
  keyFrom,
  type ToolDefinition,
  toolDefinitionSchema,
} from './audit-tools.ts';
import { FOUR_POINT, THREE_POINT } from './grade-scales.ts';

function toolMessages(input: unknown): string[] {
  const result = toolDefinitionSchema.safeParse(input);
  assert.equal(result.success, false, 'expected the tool to be rejected');
  return result.error?.issues.map((i) => i.message) ?? [];
}

/** A tool as a form might send it, loose enough to break on purpose. */
interface ToolDraft {
  name: string;
  kind: string;
  scaleKey: string;
  sections: {
    key?: string;
    title: string;
    questions: {
      key?: string;
      text: string;
      type: string;
      required?: boolean;
      options?: string[];
      min?: unknown;
      max?: unknown;
    }[];
  }[];
}

const dipSample = (): ToolDraft => ({
  name: 'Visits dip sample',
  kind: 'dip_sample',
  scaleKey: 'four_point',
  sections: [
    {
      title: 'Visits',
      questions: [
        { text: 'Was the child seen?', type: 'yes_no_partly_na' },
        { text: 'Which plan?', type: 'choice', options: ['CIN', 'CP'] },
      ],
    },
  ],
});

test('a tool written without keys gets them from its titles and questions', () => {
  const tool = toolDefinitionSchema.parse(dipSample());
  assert.deepEqual(tool, {
    name: 'Visits dip sample',
    kind: 'dip_sample',
    scaleKey: 'four_point',
    sections: [
      {
        key: 'visits',
        title: 'Visits',
        required: true,
        isJourneySection: false,
        questions: [
          {
            key: 'was_the_child_seen',
            text: 'Was the child seen?',
            type: 'yes_no_partly_na',
            required: true,
          },
          { key: 'which_plan', text: 'Which plan?', type: 'choice', required: true, options: ['CIN', 'CP'] },
        ],
      },
    ],
  });
});

test('long questions get short keys, cut at a word', () => {
  const key = keyFrom(
    'Is there evidence that the child’s wishes and feelings were sought and recorded in their own words?',
  );
  assert.ok(key.length <= 48);
  assert.equal(key, 'is_there_evidence_that_the_childs_wishes_and');
});

test('options are kept only on choice questions and limits only on number questions; blank options are dropped', () => {
  const input = dipSample();
  input.sections[0].questions = [
    { text: 'How many visits?', type: 'number', min: '0', max: 31, options: ['x', 'y'] },
    { text: 'Note', type: 'short_text', min: 1, required: false },
    { text: 'Which plan?', type: 'choice', options: ['CIN', ' ', 'CP'] },
  ];
  const tool = toolDefinitionSchema.parse(input);
  assert.deepEqual(tool.sections[0].questions, [
    { key: 'how_many_visits', text: 'How many visits?', type: 'number', required: true, min: 0, max: 31 },
    { key: 'note', text: 'Note', type: 'short_text', required: false },
    { key: 'which_plan', text: 'Which plan?', type: 'choice', required: true, options: ['CIN', 'CP'] },
  ]);
});

test('a tool needs a name, a kind, a scale and at least one section', () => {
  assert.deepEqual(toolMessages({ ...dipSample(), name: ' ' }), ['Enter a name for the tool']);
  assert.deepEqual(toolMessages({ ...dipSample(), kind: 'survey' }), ['Choose what kind of tool this is']);
  assert.deepEqual(toolMessages({ ...dipSample(), scaleKey: '' }), ['Choose a grade scale for the tool']);
  assert.deepEqual(toolMessages({ ...dipSample(), sections: [] }), ['A tool needs at least one section']);
  assert.deepEqual(toolMessages({ name: 'T', kind: 'themed', scaleKey: 'three_point' }), [
    'A tool needs at least one section',
  ]);
});

test('every section needs a title, and no two sections may share one', () => {
  const untitled = dipSample();
  untitled.sections[0].title = '';
  assert.deepEqual(toolMessages(untitled), ['Enter a title for each section']);

  const twice = dipSample();
  twice.sections.push({ title: 'VISITS', questions: [{ text: 'Date of last visit', type: 'date' }] });
  assert.deepEqual(toolMessages(twice), [
    'Each section needs a different title: "VISITS" is used more than once',
  ]);

  const sameKey = dipSample();
  sameKey.sections[0].key = 'visits';
  sameKey.sections.push({
    key: 'Visits',
    title: 'Seen alone',
    questions: [{ text: 'Seen alone?', type: 'yes_no_partly_na' }],
  });
  assert.deepEqual(toolMessages(sameKey), [
    'Sections "Visits" and "Seen alone" have the same key "visits": give each a different key',
  ]);
});

test('question keys are unique across the whole tool', () => {
  const input = dipSample();
  input.sections.push({
    title: 'Again',
    questions: [{ text: 'Was the child seen?', type: 'yes_no_partly_na' }],
  });
  assert.deepEqual(toolMessages(input), [
    'The question "Was the child seen?" is asked more than once: each question must be different',
  ]);

  const keyed = dipSample();
  keyed.sections[0].questions[0].key = 'seen';
  keyed.sections[0].questions[1].key = 'seen';
  assert.deepEqual(toolMessages(keyed), [
    'Questions "Was the child seen?" and "Which plan?" have the same key "seen": give each a different key',
  ]);
});

test('a question needs text and a type', () => {
  const input = dipSample();
  input.sections[0].questions.push({ text: '', type: 'date' }, { text: 'Seen when?', type: 'datetime' });
  assert.deepEqual(toolMessages(input), [
    'Enter the text of each question',
    'Choose the type of answer for each question',
  ]);
});

test('a choice question needs at least two different options', () => {
  const one = dipSample();
  one.sections[0].questions[1].options = ['CIN', '  '];
  assert.deepEqual(toolMessages(one), [
    'Give at least 2 options to choose from for question "Which plan?" in section "Visits"',
  ]);
  const none = dipSample();
  delete none.sections[0].questions[1].options;
  assert.deepEqual(toolMessages(none), [
    'Give at least 2 options to choose from for question "Which plan?" in section "Visits"',
  ]);
  const repeated = dipSample();
  repeated.sections[0].questions[1].options = ['CIN', 'CP', 'cin'];
  assert.deepEqual(toolMessages(repeated), [
    'Each option for question "Which plan?" in section "Visits" must be different: "cin" is listed more than once',
  ]);
});

test('a number question’s highest allowed answer cannot be below its lowest', () => {
  const input = dipSample();
  input.sections[0].questions.push({ text: 'Visits in the month', type: 'number', min: 5, max: 1 });
  assert.deepEqual(toolMessages(input), [
    'For question "Visits in the month" in section "Visits", the highest number allowed must not be less than the lowest',
  ]);
  input.sections[0].questions[2].max = 'lots';
  assert.deepEqual(toolMessages(input), ['The highest number allowed must be a number']);
});

test('a dip sample must ask at least one question', () => {
  assert.deepEqual(
    toolMessages({ ...dipSample(), sections: [{ title: 'Visits' }, { title: 'Oversight', questions: [] }] }),
    ['A dip sample needs at least one question'],
  );
});

test('a section that is not on the child’s journey needs questions', () => {
  const input = dipSample();
  input.sections.push({ title: 'Oversight', questions: [] });
  assert.deepEqual(toolMessages(input), ['Section "Oversight" needs at least one question']);
});

test('a full audit’s journey sections need no questions of their own but may have some', () => {
  const tool = toolDefinitionSchema.parse({
    name: 'Case file audit',
    kind: 'full_audit',
    scaleKey: 'three_point',
    sections: [
      { title: 'Voice of the child', isJourneySection: true },
      {
        title: 'Visits',
        isJourneySection: true,
        questions: [{ text: 'Seen alone?', type: 'yes_no_partly_na' }],
      },
    ],
  });
  assert.deepEqual(
    tool.sections.map((s) => [s.key, s.isJourneySection, s.questions.length]),
    [
      ['voice_of_the_child', true, 0],
      ['visits', true, 1],
    ],
  );
});

test('a full audit needs at least one section on the child’s journey', () => {
  assert.deepEqual(toolMessages({ ...dipSample(), kind: 'full_audit' }), [
    'A full case file audit needs at least one section on the child’s journey',
  ]);
});

test('journey sections carry a grade, evaluation, impact statement, practice themes and actions', () => {
  assert.deepEqual(
    JOURNEY_SECTION_FIELDS.map((f) => [f.key, f.label, f.required]),
    [
      ['grade', 'Grade', true],
      ['evaluation', 'Evaluation', true],
      ['impactStatement', 'Impact statement', true],
      ['practiceThemes', 'Practice themes', false],
      ['actions', 'Actions', false],
    ],
  );
  assert.equal(JOURNEY_SECTION_FIELDS[2].hint, 'What the practice meant for the child');
  for (const f of JOURNEY_SECTION_FIELDS) assert.ok(f.hint.length > 10);
});

// ---------------------------------------------------------------------------------------------
// Answers

const tool: ToolDefinition = toolDefinitionSchema.parse({
  name: 'Themed audit: neglect',
  kind: 'full_audit',
  scaleKey: 'four_point',
  sections: [
    {
      key: 'voice',
      title: 'Voice of the child',
      isJourneySection: true,
      questions: [{ key: 'seen_alone', text: 'Was the child seen alone?', type: 'yes_no_partly_na' }],
    },
    {
      key: 'facts',
      title: 'Key facts',
      questions: [
        { key: 'section_grade', text: 'Grade for the neglect tool', type: 'grade' },
        { key: 'visits', text: 'Visits in the last month', type: 'number', min: 0, max: 31 },
        { key: 'last_visit', text: 'Date of last visit', type: 'date' },
        { key: 'plan', text: 'Which plan?', type: 'choice', options: ['Child in need', 'Child protection'] },
        { key: 'headline', text: 'Headline', type: 'short_text' },
        { key: 'story', text: 'The child’s story', type: 'long_text', required: false },
      ],
    },
    {
      key: 'extra',
      title: 'Education',
      required: false,
      questions: [
        { key: 'school_attendance', text: 'Attendance this term (%)', type: 'number', min: 0, max: 100 },
      ],
    },
  ],
});

const complete = () => ({
  voice: {
    grade: 'Requires Improvement',
    evaluation: ' Seen regularly but the record does not say what she told us. ',
    impactStatement: 'Her worries about home were not heard for two months.',
    practiceThemes: ['voice_of_the_child'],
    actions: [{ text: 'Direct work session with Amy', dueOn: '2026-12-01' }, { text: '' }],
    answers: { seen_alone: 'Partly' },
  },
  facts: {
    answers: {
      section_grade: 'good',
      visits: '3',
      last_visit: '2026-11-02',
      plan: 'child protection',
      headline: 'Neglect recognised late',
      story: '',
    },
  },
});

function answerMessages(input: unknown): string[] {
  const result = answerSchemaFor(tool, FOUR_POINT).safeParse(input);
  assert.equal(result.success, false, 'expected the answers to be rejected');
  return result.error?.issues.map((i) => i.message) ?? [];
}

test('a complete set of answers is accepted and tidied', () => {
  const answers = answerSchemaFor(tool, FOUR_POINT).parse(complete());
  assert.deepEqual(answers, {
    voice: {
      grade: 'requires_improvement',
      evaluation: 'Seen regularly but the record does not say what she told us.',
      impactStatement: 'Her worries about home were not heard for two months.',
      practiceThemes: ['voice_of_the_child'],
      actions: [{ text: 'Direct work session with Amy', dueOn: '2026-12-01' }],
      answers: { seen_alone: 'partly' },
    },
    facts: {
      answers: {
        section_grade: 'good',
        visits: 3,
        last_visit: '2026-11-02',
        plan: 'Child protection',
        headline: 'Neglect recognised late',
      },
    },
    extra: { answers: {} },
  });
});

test('every missing required answer is named, with its section', () => {
  assert.deepEqual(answerMessages({}), [
    'Choose a grade for section "Voice of the child"',
    'Write an evaluation for section "Voice of the child"',
    'Write an impact statement for section "Voice of the child"',
    'Answer "Was the child seen alone?" in section "Voice of the child"',
    'Answer "Grade for the neglect tool" in section "Key facts"',
    'Answer "Visits in the last month" in section "Key facts"',
    'Answer "Date of last visit" in section "Key facts"',
    'Answer "Which plan?" in section "Key facts"',
    'Answer "Headline" in section "Key facts"',
  ]);
});

test('errors point at the field they are about', () => {
  const input = complete();
  input.voice.grade = '';
  input.facts.answers.plan = '  ';
  const result = checkAnswers(tool, FOUR_POINT, input);
  assert.deepEqual(result, {
    ok: false,
    errors: [
      { field: 'voice.grade', message: 'Choose a grade for section "Voice of the child"' },
      { field: 'facts.answers.plan', message: 'Answer "Which plan?" in section "Key facts"' },
    ],
  });
  assert.equal(checkAnswers(tool, FOUR_POINT, complete()).ok, true);
});

test('an optional section can be left out, but once started its required answers apply', () => {
  const started = complete() as Record<string, unknown>;
  started.extra = { answers: { school_attendance: '' } };
  assert.equal(answerSchemaFor(tool, FOUR_POINT).safeParse(started).success, true);
  started.extra = { answers: { school_attendance: '120' } };
  assert.deepEqual(answerMessages(started), [
    'The answer to "Attendance this term (%)" in section "Education" must be between 0 and 100',
  ]);
});

test('an optional journey section is not started by a blank action row', () => {
  const optional = toolDefinitionSchema.parse({
    name: 'Audit',
    kind: 'full_audit',
    scaleKey: 'four_point',
    sections: [{ key: 'extra', title: 'Early help', isJourneySection: true, required: false }],
  });
  const schema = answerSchemaFor(optional, FOUR_POINT);
  assert.equal(schema.safeParse({ extra: { grade: '', actions: [{ text: '', dueOn: '' }] } }).success, true);
  assert.deepEqual(
    schema.safeParse({ extra: { grade: 'good' } }).error?.issues.map((i) => i.message),
    ['Write an evaluation for section "Early help"', 'Write an impact statement for section "Early help"'],
  );
});

test('each answer must fit its question', () => {
  const input = complete();
  input.voice.grade = 'Met good';
  input.voice.answers.seen_alone = 'maybe';
  Object.assign(input.facts.answers, {
    section_grade: 'exceeded_good',
    visits: 'three',
    last_visit: '2026-02-30',
    plan: 'Care leaver',
    headline: 'x'.repeat(301),
  });
  assert.deepEqual(answerMessages(input), [
    'Choose a grade on the Four-point (Ofsted language) scale for section "Voice of the child"',
    'Answer "Was the child seen alone?" in section "Voice of the child" with yes, no, partly or not applicable',
    'Choose a grade on the Four-point (Ofsted language) scale for "Grade for the neglect tool" in section "Key facts"',
    'Enter a number for "Visits in the last month" in section "Key facts"',
    'Enter "Date of last visit" in section "Key facts" as a real date, like 2026-03-31',
    'Choose one of the options for "Which plan?" in section "Key facts"',
    'The answer to "Headline" in section "Key facts" must be 300 characters or fewer',
  ]);
});

test('grades are checked against the scale the answers are given on', () => {
  const input = complete();
  input.voice.grade = 'Met good';
  input.facts.answers.section_grade = 'did not meet good';
  const answers = answerSchemaFor(tool, THREE_POINT).parse(input);
  assert.equal(answers.voice.grade, 'met_good');
  assert.equal(answers.facts.answers.section_grade, 'did_not_meet_good');
});

test('"not applicable" can be given as na, N/A or in words', () => {
  for (const na of ['na', 'N/A', 'Not applicable']) {
    const input = complete();
    input.voice.answers.seen_alone = na;
    assert.equal(answerSchemaFor(tool, FOUR_POINT).parse(input).voice.answers.seen_alone, 'na');
  }
});

test('practice themes must come from the council’s list when one is given', () => {
  const input = complete();
  input.voice.practiceThemes = ['voice_of_the_child', 'astrology'];
  assert.equal(answerSchemaFor(tool, FOUR_POINT).safeParse(input).success, true);
  const result = answerSchemaFor(tool, FOUR_POINT, { themeKeys: ['voice_of_the_child'] }).safeParse(input);
  assert.deepEqual(
    result.error?.issues.map((i) => i.message),
    ['Choose practice themes from the list for section "Voice of the child"'],
  );
});

test('actions may be plain text, and a due date must be a real date', () => {
  const input = complete() as { voice: Record<string, unknown> };
  input.voice.actions = 'Update the chronology';
  assert.deepEqual(answerSchemaFor(tool, FOUR_POINT).parse(input).voice.actions, [
    { text: 'Update the chronology' },
  ]);
  input.voice.actions = [{ text: 'Update the chronology', dueOn: '1 December' }];
  assert.deepEqual(answerMessages(input), [
    'Enter the date each action for section "Voice of the child" is due as a real date, like 2026-03-31',
  ]);
  input.voice.actions = [{ text: ' ', dueOn: '2026-12-01' }];
  assert.deepEqual(answerMessages(input), ['Say what each action is for section "Voice of the child"']);
});

test('answers to questions the tool does not ask are dropped', () => {
  const input = complete() as Record<string, unknown>;
  input.unknown_section = { answers: { x: 1 } };
  (input.facts as { answers: Record<string, unknown> }).answers.smuggled = 'x';
  const answers = answerSchemaFor(tool, FOUR_POINT).parse(input);
  assert.equal('unknown_section' in answers, false);
  assert.equal('smuggled' in answers.facts.answers, false);
});

test('dates must be real calendar dates written year-month-day', () => {
  assert.equal(isIsoDate('2028-02-29'), true);
  assert.equal(isIsoDate('2026-02-29'), false);
  assert.equal(isIsoDate('2026-13-01'), false);
  assert.equal(isIsoDate('02/11/2026'), false);
});

test('no section may take the key of the audit’s own conversation or overall-grade page', () => {
  for (const title of ['Conversation', 'Overall']) {
    const result = toolDefinitionSchema.safeParse({
      name: 'Clashing tool',
      kind: 'full_audit',
      scaleKey: 'four_point',
      sections: [{ title, isJourneySection: true }],
    });
    assert.equal(result.success, false);
    assert.match(result.error?.issues[0].message ?? '', /cannot have the key/);
  }
});
