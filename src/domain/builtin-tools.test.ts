import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerSchemaFor, toolDefinitionSchema } from './audit-tools.ts';
import { BUILTIN_TOOLS, builtinToolByKey, DEFAULT_JOURNEY_SECTIONS } from './builtin-tools.ts';
import { builtinScale } from './grade-scales.ts';

test('every built-in tool passes the rules a council’s own tool must meet, unchanged', () => {
  for (const { key, ...definition } of BUILTIN_TOOLS) {
    const result = toolDefinitionSchema.safeParse(definition);
    assert.ok(result.success, `${key}: ${result.error?.issues.map((i) => i.message).join('; ')}`);
    assert.deepEqual(result.data, definition, key);
  }
});

test('every built-in tool uses a built-in scale and has its own key', () => {
  const keys = BUILTIN_TOOLS.map((t) => t.key);
  assert.equal(new Set(keys).size, keys.length);
  for (const t of BUILTIN_TOOLS) assert.ok(builtinScale(t.scaleKey), t.key);
  assert.equal(builtinToolByKey('dip_sample_visits')?.kind, 'dip_sample');
  assert.equal(builtinToolByKey('nope'), undefined);
});

test('the default case file audit has the twelve journey sections, on each scale', () => {
  assert.equal(DEFAULT_JOURNEY_SECTIONS.length, 12);
  assert.deepEqual(
    BUILTIN_TOOLS.filter((t) => t.kind === 'full_audit').map((t) => [t.name, t.scaleKey]),
    [
      ['Case file audit (four-point)', 'four_point'],
      ['Case file audit (three-point)', 'three_point'],
    ],
  );
  for (const t of BUILTIN_TOOLS.filter((t) => t.kind === 'full_audit')) {
    assert.deepEqual(
      t.sections.map((s) => s.title),
      DEFAULT_JOURNEY_SECTIONS.map((s) => s.title),
    );
    assert.ok(t.sections.every((s) => s.isJourneySection && s.required));
  }
  assert.match(DEFAULT_JOURNEY_SECTIONS[1].title, /Voice, wishes and lived experience/);
  assert.match(DEFAULT_JOURNEY_SECTIONS[7].title, /fathers and significant males/);
  assert.match(DEFAULT_JOURNEY_SECTIONS[11].title, /Impact and outcomes/);
});

test('every section of the default audit says what good looks like', () => {
  for (const s of DEFAULT_JOURNEY_SECTIONS) {
    const sentences = (s.guidance ?? '').split(/(?<=\.)\s+/).filter(Boolean);
    assert.ok(sentences.length >= 1 && sentences.length <= 3, `${s.key} has ${sentences.length} sentences`);
    assert.ok((s.guidance ?? '').length > 80, s.key);
  }
});

test('the three dip samples ask 3 to 6 questions of mixed types, with guidance', () => {
  const dips = BUILTIN_TOOLS.filter((t) => t.kind === 'dip_sample' && !t.key.endsWith('_footprint'));
  assert.deepEqual(
    dips.map((t) => t.key),
    ['dip_sample_visits', 'dip_sample_management_oversight', 'dip_sample_fathers'],
  );
  for (const t of dips) {
    const questions = t.sections.flatMap((s) => s.questions);
    assert.ok(questions.length >= 3 && questions.length <= 6, t.key);
    assert.ok(new Set(questions.map((q) => q.type)).size >= 3, `${t.key} question types`);
    assert.ok(questions.filter((q) => q.guidance).length >= 3, `${t.key} guidance`);
    assert.ok(
      t.sections.every((s) => s.guidance),
      `${t.key} section guidance`,
    );
  }
});

test('the visits dip sample asks when the child was last seen, and whether seen alone and on time', () => {
  const visits = builtinToolByKey('dip_sample_visits');
  assert.deepEqual(
    visits?.sections[0].questions.map((q) => [q.key, q.type]),
    [
      ['plan_type', 'choice'],
      ['last_visit_date', 'date'],
      ['child_seen', 'yes_no_partly_na'],
      ['seen_alone', 'yes_no_partly_na'],
      ['within_timescale', 'yes_no_partly_na'],
      ['note', 'short_text'],
    ],
  );
});

test('a dip sample can be answered with the answers an auditor would give', () => {
  const visits = builtinToolByKey('dip_sample_visits');
  const scale = builtinScale('four_point');
  assert.ok(visits && scale);
  const answers = answerSchemaFor(visits, scale).parse({
    visits: {
      answers: {
        plan_type: 'Child protection plan',
        last_visit_date: '2026-11-02',
        child_seen: 'yes',
        seen_alone: 'no',
        within_timescale: 'yes',
      },
    },
  });
  assert.equal(answers.visits.answers.seen_alone, 'no');
});

test('a default case file audit can be completed section by section', () => {
  const audit = builtinToolByKey('case_file_audit_three_point');
  const scale = builtinScale('three_point');
  assert.ok(audit && scale);
  const input = Object.fromEntries(
    audit.sections.map((s) => [
      s.key,
      { grade: 'Met good', evaluation: 'Evidence of good practice.', impactStatement: 'The child is safer.' },
    ]),
  );
  assert.equal(answerSchemaFor(audit, scale).safeParse(input).success, true);
  delete input.impact_and_outcomes;
  const result = answerSchemaFor(audit, scale).safeParse(input);
  assert.deepEqual(
    result.error?.issues.map((i) => i.message),
    [
      'Choose a grade for section "Impact and outcomes for the child: overall"',
      'Write an evaluation for section "Impact and outcomes for the child: overall"',
      'Write an impact statement for section "Impact and outcomes for the child: overall"',
    ],
  );
});
