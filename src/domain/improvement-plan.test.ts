import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  combineSuggestions,
  compareRefs,
  DEFAULT_THRESHOLDS,
  measureKindLabel,
  ragFromColour,
  ragFromText,
  ragLabel,
  ratingNeedsReason,
  type Suggestion,
  suggestRating,
} from './improvement-plan.ts';
import type { Proportion } from './statistics.ts';

/** A figure with a chosen rate and interval, so the edges can be tested exactly. */
const fig = (rate: number, ci95: [number, number], total = 50): Proportion => ({
  count: Math.round(rate * total),
  total,
  rate,
  ci95,
});

const figureRule = { minimumCount: 10, greenWhen: 'figure_above', redWhen: 'figure_below' } as const;

describe('suggestRating', () => {
  test('green when the whole interval is at or above the target, exactly on it included', () => {
    assert.equal(suggestRating(fig(0.9, [0.8, 0.95]), 0.8, 'higher', DEFAULT_THRESHOLDS).rag, 'green');
    assert.equal(suggestRating(fig(0.9, [0.79, 0.95]), 0.8, 'higher', DEFAULT_THRESHOLDS).rag, 'amber');
  });

  test('red when the whole interval is below the target; an upper bound exactly on it is amber', () => {
    assert.equal(suggestRating(fig(0.5, [0.4, 0.79]), 0.8, 'higher', DEFAULT_THRESHOLDS).rag, 'red');
    assert.equal(suggestRating(fig(0.5, [0.4, 0.8]), 0.8, 'higher', DEFAULT_THRESHOLDS).rag, 'amber');
  });

  test('amber when the interval spans the target, and says so', () => {
    const s = suggestRating(fig(0.78, [0.65, 0.87]), 0.8, 'higher', DEFAULT_THRESHOLDS);
    assert.deepEqual(s, { rag: 'amber', why: 'the interval spans the target 80%' });
  });

  test('too few audits below the minimum count, in words with the count needed', () => {
    const s = suggestRating(fig(1, [0.5, 1], 4), 0.8, 'higher', DEFAULT_THRESHOLDS);
    assert.deepEqual(s, { rag: 'too_few', why: '4 of the 10 needed to tell' });
    assert.equal(suggestRating(null, 0.8, 'higher', DEFAULT_THRESHOLDS).why, '0 of the 10 needed to tell');
    assert.equal(suggestRating(fig(0.9, [0.8, 0.95], 10), 0.8, 'higher', DEFAULT_THRESHOLDS).rag, 'green');
    assert.equal(
      suggestRating({ count: 0, total: 0, rate: null, ci95: null }, 0.8, 'higher', DEFAULT_THRESHOLDS).rag,
      'too_few',
    );
  });

  test('better lower: a figure at most the target is good', () => {
    // a theme found in 10% of audits (interval 5% to 18%), target at most 20%
    const green = suggestRating(fig(0.1, [0.05, 0.18]), 0.2, 'lower', DEFAULT_THRESHOLDS);
    assert.equal(green.rag, 'green');
    assert.match(green.why, /target at most 20%/);
    assert.equal(suggestRating(fig(0.4, [0.3, 0.5]), 0.2, 'lower', DEFAULT_THRESHOLDS).rag, 'red');
    assert.equal(suggestRating(fig(0.2, [0.12, 0.3]), 0.2, 'lower', DEFAULT_THRESHOLDS).rag, 'amber');
    // exactly on the target with the whole interval at or below it
    assert.equal(suggestRating(fig(0.15, [0.1, 0.2]), 0.2, 'lower', DEFAULT_THRESHOLDS).rag, 'green');
  });

  test('figure thresholds judge the figure alone, the interval ignored', () => {
    assert.equal(suggestRating(fig(0.8, [0.6, 0.9]), 0.8, 'higher', figureRule).rag, 'green');
    assert.equal(suggestRating(fig(0.79, [0.6, 0.9]), 0.8, 'higher', figureRule).rag, 'red');
    assert.match(
      suggestRating(fig(0.79, [0.6, 0.9]), 0.8, 'higher', figureRule).why,
      /the figure falls short/,
    );
    // the interval rule would call both of these amber
    assert.equal(suggestRating(fig(0.8, [0.6, 0.9]), 0.8, 'higher', DEFAULT_THRESHOLDS).rag, 'amber');
  });

  test('mixed thresholds: green by the figure, red only when the whole interval is below', () => {
    const mixed = { minimumCount: 10, greenWhen: 'figure_above', redWhen: 'interval_below' } as const;
    assert.equal(suggestRating(fig(0.7, [0.55, 0.82]), 0.8, 'higher', mixed).rag, 'amber');
    assert.equal(suggestRating(fig(0.6, [0.45, 0.75]), 0.8, 'higher', mixed).rag, 'red');
  });
});

describe('ragFromText and ragFromColour', () => {
  test('reads the words a plan uses', () => {
    assert.equal(ragFromText('Red'), 'red');
    assert.equal(ragFromText(' r '), 'red');
    assert.equal(ragFromText('AMBER'), 'amber');
    assert.equal(ragFromText('G'), 'green');
    assert.equal(ragFromText('Green – on track'), 'green');
    assert.equal(ragFromText('Completed'), 'complete');
    assert.equal(ragFromText('Not  started'), 'not_started');
    assert.equal(ragFromText(''), null);
    assert.equal(ragFromText('Ongoing'), null);
    assert.equal(ragFromText('Greenwich'), null);
  });

  test('reads the colours Word uses', () => {
    assert.equal(ragFromColour('FF0000'), 'red');
    assert.equal(ragFromColour('#ffc000'), 'amber');
    assert.equal(ragFromColour('00B050'), 'green');
    assert.equal(ragFromColour('92D050'), 'green');
    assert.equal(ragFromColour('FFFFFF'), null);
    assert.equal(ragFromColour('808080'), null);
    assert.equal(ragFromColour('auto'), null);
    assert.equal(ragFromColour('0070C0'), null);
    assert.equal(ragFromColour(null), null);
  });
});

describe('combineSuggestions', () => {
  const s = (rag: Suggestion['rag'], why: string = rag): Suggestion => ({ rag, why });
  test('null with no measures', () => assert.equal(combineSuggestions([]), null));
  test('the weakest of the measures that can tell', () => {
    const c = combineSuggestions([s('green'), s('amber', 'spans'), s('too_few')]);
    assert.equal(c?.rag, 'amber');
    assert.equal(c?.why, 'the weakest of 2 measures: spans');
    assert.equal(combineSuggestions([s('green'), s('red')])?.rag, 'red');
  });
  test('one measure that can tell gives its own words', () => {
    assert.deepEqual(combineSuggestions([s('green', 'meets'), s('too_few')]), s('green', 'meets'));
  });
  test('too few when no measure can tell', () => {
    assert.equal(combineSuggestions([s('too_few'), s('too_few')])?.rag, 'too_few');
  });
});

describe('ratingNeedsReason', () => {
  test('a rating different from a red, amber or green suggestion needs a reason', () => {
    assert.equal(ratingNeedsReason('green', 'amber'), true);
    assert.equal(ratingNeedsReason('amber', 'amber'), false);
  });
  test('no reason for complete, not started, or with nothing to tell from', () => {
    assert.equal(ratingNeedsReason('complete', 'red'), false);
    assert.equal(ratingNeedsReason('not_started', 'green'), false);
    assert.equal(ratingNeedsReason('red', 'too_few'), false);
    assert.equal(ratingNeedsReason('red', null), false);
    assert.equal(ratingNeedsReason('red', undefined), false);
  });
});

describe('compareRefs and words', () => {
  test('sorts references as a plan reads them', () => {
    assert.deepEqual(['1.10', '2', '1.2', '10', '1.1'].sort(compareRefs), ['1.1', '1.2', '1.10', '2', '10']);
    assert.equal(compareRefs('1', '1.1') < 0, true);
    assert.equal(compareRefs('2.5', '2.5'), 0);
    assert.ok(compareRefs('A', 'B') < 0);
  });
  test('labels', () => {
    assert.equal(ragLabel('too_few'), 'Too few audits to tell');
    assert.equal(ragLabel(null), 'Not rated');
    assert.equal(ragLabel('not_started'), 'Not started');
    assert.equal(measureKindLabel('oversight'), 'Management oversight recorded');
  });
});
