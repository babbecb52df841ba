import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerSchemaFor, toolDefinitionSchema } from './audit-tools.ts';
import { BUILTIN_TOOLS } from './builtin-tools.ts';
import { FOOTPRINT_TOOL_OF, FOOTPRINT_TOOLS } from './footprint-tools.ts';
import { builtinScale } from './grade-scales.ts';

test('the IRO and CP adviser footprint dip samples are built-in tools every council gets', () => {
  assert.deepEqual(
    FOOTPRINT_TOOLS.map((t) => t.name),
    ['Dip sample: IRO footprint', 'Dip sample: CP adviser footprint'],
  );
  for (const t of FOOTPRINT_TOOLS) {
    assert.ok(BUILTIN_TOOLS.includes(t), t.key);
    assert.equal(t.kind, 'dip_sample');
    const { key, ...definition } = t;
    const parsed = toolDefinitionSchema.safeParse(definition);
    assert.ok(parsed.success, `${key}: ${parsed.error?.issues.map((i) => i.message).join('; ')}`);
    // five yes/no questions the dashboard counts, and the date of the review or conference
    const types = t.sections.flatMap((s) => s.questions.map((q) => q.type));
    assert.equal(types.filter((x) => x === 'yes_no_partly_na').length, 5, key);
    assert.ok(types.includes('date'), key);
  }
  assert.equal(FOOTPRINT_TOOL_OF.iro.key, 'dip_sample_iro_footprint');
  assert.equal(FOOTPRINT_TOOL_OF.cp_adviser.key, 'dip_sample_cp_adviser_footprint');
});

test('a service manager’s answers to the IRO footprint are read; a missing one is asked for by name', () => {
  const scale = builtinScale('four_point');
  assert.ok(scale);
  const schema = answerSchemaFor(FOOTPRINT_TOOL_OF.iro, scale);
  const answers = {
    iro_footprint: {
      answers: {
        last_review_date: '2026-10-14',
        child_consulted: 'yes',
        review_in_timescale: 'yes',
        midway_check: 'no',
        recommendations_smart: 'partly',
        drift_escalated: 'na',
      },
    },
  };
  assert.equal(schema.parse(answers).iro_footprint.answers.drift_escalated, 'na');
  const { midway_check: _, ...missing } = answers.iro_footprint.answers;
  const result = schema.safeParse({ iro_footprint: { answers: missing } });
  assert.deepEqual(
    result.error?.issues.map((i) => i.message),
    ['Answer "Is the IRO’s midway check between reviews recorded?" in section "The IRO’s footprint"'],
  );
});
