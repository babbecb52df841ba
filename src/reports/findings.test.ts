import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { QuestionTally } from '../domain/answer-tally.ts';
import { emptyDefinition } from '../domain/cohort-definition.ts';
import type { SampleFindings } from '../metrics/findings.ts';
import type { FindingsText } from '../services/findings/findings.ts';
import { type Share, shareText } from './document.ts';
import { findingsDocument } from './findings.ts';

function yesNo(key: string, text: string, counts: Record<string, number>): QuestionTally {
  const answered = Object.values(counts).reduce((a, b) => a + b, 0);
  return {
    lineage: `help/${key}`,
    sectionTitle: 'Help',
    questionKey: key,
    text,
    type: 'yes_no_partly_na',
    options: ['yes', 'no', 'partly', 'na'],
    asked: answered,
    answered,
    counts,
    numbers: null,
  };
}

function figures(over: {
  cohortSize: number;
  sampleSize: number;
  returned: number;
  questions: QuestionTally[];
  month?: string;
  statuses?: string[];
}): SampleFindings {
  return {
    sample: {
      id: '00000000-0000-4000-8000-000000000001',
      kind: 'themed',
      monthId: '00000000-0000-4000-8000-000000000002',
      month: over.month ?? '2026-10-01',
      cohortId: null,
      cohortName: 'Assessed, no current plan',
      definition: { ...emptyDefinition(), statuses: (over.statuses ?? ['no_current_plan']) as never },
      snapshotAsOf: '2026-10-01',
      drawnAt: new Date('2026-10-02T09:00:00Z'),
      drawnBy: null,
      seed: 42,
      method: 'simple',
      stratifyBy: null,
      perStratum: null,
      strata: [],
      cohortSize: over.cohortSize,
      sampleSize: over.sampleSize,
      leftOut: 0,
      toolId: 'tool',
      toolName: 'Themed audit',
    },
    returns: { planned: over.sampleSize, exempted: 0, scheduled: over.sampleSize, returned: over.returned },
    questions: over.questions,
    scale: null,
    grades: [],
    themes: [],
  };
}

const words: FindingsText = {
  id: null,
  question: 'Why do children have no current plan?',
  summary: '',
  learning: '',
  compareWithSampleId: null,
  themeKeys: [],
  updatedAt: null,
  updatedByName: null,
};

const rows = (doc: ReturnType<typeof findingsDocument>, table: string) =>
  doc.sections.flatMap((s) => s.tables).find((t) => t.id === table)?.rows ?? [];

describe('a findings report’s figures', () => {
  // 71 of the 100 audits returned said yes; the cohort held 361 children (the example)
  const now = figures({
    cohortSize: 361,
    sampleSize: 100,
    returned: 100,
    questions: [
      yesNo('visits', 'Is the child receiving regular visits?', { yes: 71, no: 20, partly: 9, na: 3 }),
    ],
  });

  test('says the share for the whole cohort with the finite-population interval, worked by hand', () => {
    // 71 of 100 answered (the 3 not applicable left out); from 361: 63% to 78% (see statistics.test.ts)
    const doc = findingsDocument({ figures: now, text: words, council: 'Westbrook' }, false);
    assert.ok(
      doc.summary.includes(
        'Is the child receiving regular visits?: yes for an estimated 71% of the 361 children (95% interval 63% to 78%; 71 of 100 audits).',
      ),
      doc.summary.join('\n'),
    );
    const [row] = rows(doc, 'findings-yes-no');
    assert.equal(shareText(row.cells.sample as Share), '71 of 100 (71%, 95% CI 62% to 79%)');
    assert.equal(shareText(row.cells.cohort as Share), '71 of 100 (71%, 95% CI 63% to 78%)');
    assert.equal(row.cells.na, 3);
  });

  test('for publication, hides a count from 1 to 4 and the share it would give away, never the headline', () => {
    const few = figures({
      cohortSize: 40,
      sampleSize: 12,
      returned: 12,
      questions: [yesNo('visits', 'Is the child receiving regular visits?', { yes: 9, no: 3 })],
    });
    const doc = findingsDocument({ figures: few, text: words, council: 'Westbrook' }, true);
    assert.match(doc.summary[0], /40 children in the cohort; 12 children sampled; 12 audits returned/);
    const [row] = rows(doc, 'findings-yes-no');
    assert.equal(row.cells.no, 'fewer than 5');
    assert.equal((row.cells.cohort as Share).rate, null);
    assert.ok(doc.notes.some((n) => n.startsWith('Prepared for publication')));
  });

  test('compared with an earlier round of the same cohort: each figure then and now, and the interval of the difference', () => {
    const earlier = figures({
      month: '2026-04-01',
      cohortSize: 300,
      sampleSize: 100,
      returned: 100,
      questions: [yesNo('visits', 'Is the child receiving regular visits?', { yes: 50, no: 50 })],
    });
    const doc = findingsDocument({ figures: now, text: words, earlier, council: 'Westbrook' }, false);
    const [row] = rows(doc, 'findings-comparison-table');
    // 50% of 300 then, 71% of 361 now: +21 points; Newcombe from the two corrected intervals
    assert.equal(row.cells.words, 'Rose from 50% to 71%: more than chance');
    assert.match(String(row.cells.difference), /^\+21 points \(95% interval \+\d+ to \+\d+\)$/);
    const section = doc.sections.find((s) => s.id === 'findings-comparison');
    assert.equal(section?.heading, 'Compared with April 2026');
    assert.ok(section?.paragraphs?.some((p) => p.startsWith('The cohort: 300 children in April 2026')));
  });

  test('says in words why two rounds cannot be compared: other cohorts, too few answers, not asked', () => {
    const other = figures({
      month: '2026-04-01',
      cohortSize: 300,
      sampleSize: 100,
      returned: 100,
      statuses: ['cin_plan'],
      questions: [yesNo('visits', 'Is the child receiving regular visits?', { yes: 50, no: 50 })],
    });
    const differently = findingsDocument({ figures: now, text: words, earlier: other, council: 'W' }, false);
    assert.equal(
      rows(differently, 'findings-comparison-table')[0].cells.words,
      'Not compared: the cohorts were defined differently',
    );
    const few = figures({
      month: '2026-04-01',
      cohortSize: 300,
      sampleSize: 8,
      returned: 8,
      questions: [yesNo('visits', 'Is the child receiving regular visits?', { yes: 4, no: 4 })],
    });
    const tooFew = findingsDocument({ figures: now, text: words, earlier: few, council: 'W' }, false);
    assert.equal(
      rows(tooFew, 'findings-comparison-table')[0].cells.words,
      'Too few answers to compare (fewer than 10 in a round)',
    );
    const notAsked = figures({
      month: '2026-04-01',
      cohortSize: 300,
      sampleSize: 50,
      returned: 50,
      questions: [],
    });
    const missing = findingsDocument({ figures: now, text: words, earlier: notAsked, council: 'W' }, false);
    assert.equal(rows(missing, 'findings-comparison-table')[0].cells.words, 'Not asked in the earlier round');
  });
});
