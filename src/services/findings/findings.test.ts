import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { buildSamplingFixture, type SamplingFixture, saveCohort } from '../../../test/helpers/sampling.ts';
import { submitDemoAudit } from '../../demo/audits.ts';
import { seededRandom } from '../../domain/random.ts';
import { ValidationError } from '../../domain/validation.ts';
import { sampleFindings } from '../../metrics/findings.ts';
import { findingsReport } from '../../reports/findings.ts';
import { copyTool } from '../programme/tools.ts';
import { allocateSample } from '../sampling/allocation.ts';
import { drawRequestSchema, drawSample } from '../sampling/samples.ts';
import { earlierRounds, findingsText, listFindings, saveFindings } from './findings.ts';

// A council of its own (not the demo): its cohort, a themed tool, two rounds of the same question.
let t: TestDb;
let f: SamplingFixture;
let first: string;
let second: string;

async function round(cohortId: string, toolId: string, seed: number, drawnAt: string) {
  const sampleId = await drawSample(
    t.db,
    f.councilId,
    f.qaLead,
    drawRequestSchema.parse({
      monthId: f.monthId,
      cohortId,
      kind: 'themed',
      toolId,
      sizeKind: 'count',
      count: 4,
      method: 'simple',
      seed,
      includeSampled: true,
    }),
  );
  await t.db.updateTable('samples').set({ drawn_at: drawnAt }).where('id', '=', sampleId).execute();
  await allocateSample(t.db, f.councilId, sampleId, f.qaLead);
  const audits = await t.db
    .selectFrom('audits')
    .select(['id', 'auditor_id'])
    .where('sample_id', '=', sampleId)
    .where('status', '=', 'allocated')
    .execute();
  const rnd = seededRandom(seed);
  for (const a of audits)
    await submitDemoAudit(t.db, f.councilId, a.id, a.auditor_id as string, '2026-11-21', rnd);
  return sampleId;
}

before(async () => {
  t = await createTestDb();
  f = await buildSamplingFixture(t.db, 'fnd');
  await t.db.updateTable('staff').set({ audit_capacity: 10 }).where('council_id', '=', f.councilId).execute();
  const cohortId = await saveCohort(t.db, f.councilId, 'Every open case', { statuses: [] });
  const dip = await t.db
    .selectFrom('audit_tools')
    .select('id')
    .where('council_id', '=', f.councilId)
    .where('name', '=', 'Dip sample: visits (seen and seen alone)')
    .executeTakeFirstOrThrow();
  const toolId = await copyTool(t.db, f.councilId, dip.id, 'Themed audit: visits', f.qaLead, 'themed');
  first = await round(cohortId, toolId, 11, '2026-11-02T09:00:00Z');
  second = await round(cohortId, toolId, 12, '2026-11-16T09:00:00Z');
});
after(() => t.close());

test('a council’s own themed audit has findings counted from its returned audits', async () => {
  const figures = await sampleFindings(t.db, f.councilId, second);
  assert.ok(figures);
  assert.equal(figures.sample.sampleSize, 4);
  assert.equal(figures.returns.returned, figures.returns.planned);
  assert.ok(figures.returns.returned > 0);
  const asked = figures.questions.filter((q) => q.type === 'yes_no_partly_na');
  assert.ok(asked.length > 0);
  for (const q of asked) assert.equal(q.answered, figures.returns.returned, q.text);
  const listed = await listFindings(t.db, f.councilId);
  assert.deepEqual(
    listed.map((l) => l.sampleId),
    [second, first],
  );
});

test('the later round may be compared with the earlier one, and not the other way round', async () => {
  assert.deepEqual(
    (await earlierRounds(t.db, f.councilId, second)).map((r) => [r.sampleId, r.sameTool]),
    [[first, true]],
  );
  assert.deepEqual(await earlierRounds(t.db, f.councilId, first), []);
  await assert.rejects(
    saveFindings(t.db, f.councilId, f.qaLead, first, { question: 'Q', compareWith: second }),
    (err: unknown) => err instanceof ValidationError && err.errors[0].field === 'compareWith',
  );
  // refused: nothing written
  assert.equal((await findingsText(t.db, f.councilId, first)).id, null);

  await saveFindings(t.db, f.councilId, f.qaLead, second, {
    question: 'Are children seen, and seen alone?',
    summary: 'Most were.',
    learning: 'Keep going.',
    themes: [],
    compareWith: first,
  });
  const doc = await findingsReport(t.db, f.councilId, second, false);
  assert.ok(doc);
  assert.equal(doc.title, 'Findings: Are children seen, and seen alone?');
  const comparison = doc.sections.find((s) => s.id === 'findings-comparison');
  assert.ok(comparison, 'the report compares the two rounds');
  const rows = comparison.tables[0].rows;
  assert.ok(rows.length > 0);
  // four audits a round is too few to compare: it says so rather than give a difference
  for (const r of rows) assert.equal(r.cells.words, 'Too few answers to compare (fewer than 10 in a round)');
});

test('practice themes must be the council’s own, and a refused save changes nothing', async () => {
  const before = await findingsText(t.db, f.councilId, second);
  await assert.rejects(
    saveFindings(t.db, f.councilId, f.qaLead, second, { question: 'Changed', themes: ['no_such_theme'] }),
    (err: unknown) =>
      err instanceof ValidationError && err.errors[0].message === 'Choose practice themes from the list',
  );
  assert.deepEqual(await findingsText(t.db, f.councilId, second), before);
});
