import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  agreedCell,
  agreementSummary,
  feedbackSummary,
  onTimeShare,
  onTimeSummary,
  outcomeSummary,
  perThousandWords,
  scoreSummary,
  shareText,
  whose,
} from './auditor-picture.ts';
import { proportion } from './statistics.ts';

test('too few moderated audits are said in words, not as a rate', () => {
  assert.equal(
    outcomeSummary({ moderated: 3, supported: 2, upgraded: 0, downgraded: 1 }, 'your'),
    'Too few of your audits have been moderated to give a rate: 2 of 3 were supported, 1 downgraded.',
  );
  assert.equal(
    outcomeSummary({ moderated: 0, supported: 0, upgraded: 0, downgraded: 0 }, 'your'),
    'None of your audits has been moderated in these months.',
  );
  // from five, the rate with its Wilson interval
  assert.equal(
    outcomeSummary({ moderated: 10, supported: 8, upgraded: 1, downgraded: 1 }, 'Sam Smith’s'),
    'The panel supported 8 of 10 (80%, 95% interval 49% to 94%) of Sam Smith’s moderated audits; 1 upgraded; 1 downgraded.',
  );
});

test('agreement: words under five, a rate and interval from five; quarters from three', () => {
  assert.equal(
    agreementSummary(proportion(3, 4), 'your'),
    'Too few of your audits have been moderated to give a rate: the moderator gave the same grade in 3 of 4.',
  );
  assert.equal(
    agreementSummary(proportion(9, 10), 'your'),
    'The moderator gave the same grade in 9 of 10 (90%, 95% interval 60% to 98%).',
  );
  assert.equal(agreedCell(proportion(1, 2)), '1 of 2 agreed (too few for a rate)');
  assert.equal(agreedCell(proportion(3, 4)), '3 of 4 agreed (75%, 30% to 95%)');
  assert.equal(agreedCell(proportion(0, 0)), 'None moderated');
  assert.equal(shareText(proportion(2, 3)), '2 of 3');
  assert.equal(whose(true, 'Sam'), 'your');
  assert.equal(whose(false, 'Sam'), 'Sam’s');
});

test('feedback: each score under three, an average from three', () => {
  const few = scoreSummary([9, 7]);
  assert.deepEqual(few, { count: 2, average: null, scores: [7, 9] });
  assert.equal(
    feedbackSummary(few, 'your', 10),
    'Too few practitioners have given feedback to give an average: 2 gave 7 and 9 out of 10.',
  );
  const many = scoreSummary([7, 8, 10]);
  assert.equal(many.average, 8.3);
  assert.equal(feedbackSummary(many, 'your', 10), '3 practitioners gave an average of 8.3 out of 10.');
});

test('returns on time count only those whose outcome is known', () => {
  const c = { onTime: 2, late: 1, overdue: 1, notYetDue: 3 };
  assert.deepEqual(onTimeShare(c), proportion(2, 4));
  assert.equal(
    onTimeSummary(c, 'your'),
    'Too few of your audits have fallen due to give a rate: 2 of 4 submitted on time; 1 late, 1 overdue and not yet submitted.',
  );
  assert.equal(
    onTimeSummary({ onTime: 6, late: 0, overdue: 0, notYetDue: 0 }, 'your'),
    '6 of 6 (100%, 95% interval 61% to 100%) submitted on time.',
  );
});

test('suggestions per 1,000 words need enough words', () => {
  assert.equal(perThousandWords(3, 200), null);
  assert.equal(perThousandWords(3, 400), 7.5);
  assert.equal(perThousandWords(3, 1500), 2);
  assert.equal(perThousandWords(7, 3000), 2.3);
});
