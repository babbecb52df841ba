import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kappaWords, pairsFromTable, stratifiedWeightedKappa, weightedKappa } from './agreement.ts';

const close = (actual: number | null, expected: number, places = 4) =>
  assert.ok(
    actual !== null && Math.abs(actual - expected) < 0.5 * 10 ** -places,
    `${actual} is not ${expected} to ${places} places`,
  );

test('a published worked example: SAS/STAT PROC FREQ, "Agreement Study" (skin condition data)', () => {
  // SAS/STAT User's Guide, The FREQ Procedure, Getting Started: Agreement Study
  // (https://support.sas.com/documentation/cdl/en/procstat/63104/HTML/default/procstat_freq_sect004.htm,
  // Table 3.2 "Skin Condition Data"). Two dermatologists rate 88 patients terrible, poor, marginal
  // or clear; rows are dermatologist 1, columns dermatologist 2. PROC FREQ's output for this table
  // gives a simple kappa of 0.3449 and a weighted kappa of 0.5082 with its default
  // Cicchetti–Allison weights, which are the linear weights 1 − |i − j| / (k − 1).
  const skin = [
    [10, 4, 1, 0],
    [5, 10, 12, 2],
    [2, 4, 12, 5],
    [0, 2, 6, 13],
  ];
  const pairs = pairsFromTable(skin);
  assert.equal(pairs.length, 88);
  const linear = weightedKappa(pairs, 4, 'linear');
  close(linear.kappa, 0.5082);
  assert.equal(linear.n, 88);
  // observed: (45 + ⅔·(4+12+5+5+12+6) + ⅓·(1+2+2+2)) / 88 = 71.33… / 88
  close(linear.observedAgreement, 0.8106);
  // linear is the default
  assert.deepEqual(weightedKappa(pairs, 4), linear);
});

test('with two categories, linear and quadratic weights are plain (unweighted) kappa, worked by hand', () => {
  // 50 audits: 20 both good, 15 both not good, 5 + 10 disagree. po = 35/50 = 0.7;
  // rows 25, 25 and columns 30, 20 give pe = (25·30 + 25·20) / 50² = 0.5; κ = 0.2 / 0.5 = 0.4
  const pairs = pairsFromTable([
    [20, 5],
    [10, 15],
  ]);
  for (const w of ['linear', 'quadratic'] as const) {
    const k = weightedKappa(pairs, 2, w);
    close(k.kappa, 0.4, 10);
    close(k.observedAgreement, 0.7, 10);
    close(k.expectedAgreement, 0.5, 10);
  }
});

test('three grades, linear and quadratic weights worked by hand', () => {
  // 10 audits: [[2,1,0],[0,2,1],[0,0,4]]. Linear weights 1, ½, 0:
  // po = (8 + ½·2) / 10 = 0.9; rows 3,3,4, columns 2,3,5:
  // pe = (3·(2 + ½·3) + 3·(½·2 + 3 + ½·5) + 4·(½·3 + 5)) / 100 = (10.5 + 19.5 + 26) / 100 = 0.56;
  // κw = 0.34 / 0.44 = 17/22
  const pairs = pairsFromTable([
    [2, 1, 0],
    [0, 2, 1],
    [0, 0, 4],
  ]);
  const linear = weightedKappa(pairs, 3, 'linear');
  close(linear.kappa, 17 / 22, 10);
  close(linear.expectedAgreement, 0.56, 10);
  // quadratic weights 1, ¾, 0: po = 0.95, pe = (12.75 + 24.75 + 29) / 100 = 0.665; κw = 0.285 / 0.335
  const quadratic = weightedKappa(pairs, 3, 'quadratic');
  close(quadratic.kappa, 57 / 67, 10);
});

test('perfect agreement is 1; agreement no better than chance is 0; worse than chance is negative', () => {
  const perfect = pairsFromTable([
    [3, 0, 0, 0],
    [0, 4, 0, 0],
    [0, 0, 2, 0],
    [0, 0, 0, 1],
  ]);
  assert.equal(weightedKappa(perfect, 4).kappa, 1);
  assert.equal(weightedKappa(perfect, 4).observedAgreement, 1);
  // every combination once: the two people's grades are independent
  const chance = pairsFromTable([
    [1, 1, 1],
    [1, 1, 1],
    [1, 1, 1],
  ]);
  close(weightedKappa(chance, 3).kappa, 0, 10);
  // always opposite ends of the scale
  const opposite = pairsFromTable([
    [0, 2],
    [2, 0],
  ]);
  assert.equal(weightedKappa(opposite, 2).kappa, -1);
});

test('no pairs, or every grade the same, has no kappa', () => {
  assert.deepEqual(weightedKappa([], 4), {
    kappa: null,
    observedAgreement: null,
    expectedAgreement: null,
    n: 0,
  });
  const same = weightedKappa(
    [
      [1, 1],
      [1, 1],
    ],
    4,
  );
  assert.equal(same.kappa, null, 'chance alone would agree perfectly');
  assert.equal(same.n, 2);
  assert.equal(same.observedAgreement, 1);
});

test('grades outside the scale are refused', () => {
  assert.throws(() => weightedKappa([[0, 4]], 4), RangeError);
  assert.throws(() => weightedKappa([[-1, 0]], 4), RangeError);
  assert.throws(() => weightedKappa([[0.5, 0]], 4), RangeError);
});

test('across scales: chance within each scale, agreement added up, worked by hand', () => {
  // scale A (2 grades): 2 audits agreeing, po 1, pe ½; scale B (2 grades): 4 audits, po ½, pe ½.
  // observed (2 + 2) / 6, expected (½·2 + ½·4) / 6 = ½; κ = (⅔ − ½) / ½ = ⅓
  const a = pairsFromTable([
    [1, 0],
    [0, 1],
  ]);
  const b = pairsFromTable([
    [1, 1],
    [1, 1],
  ]);
  const both = stratifiedWeightedKappa([
    { pairs: a, categories: 2 },
    { pairs: b, categories: 2 },
  ]);
  close(both.kappa, 1 / 3, 10);
  assert.equal(both.n, 6);
  // one scale alone is the plain weighted kappa
  const skinLike = pairsFromTable([
    [2, 1, 0],
    [0, 2, 1],
    [0, 0, 4],
  ]);
  assert.deepEqual(stratifiedWeightedKappa([{ pairs: skinLike, categories: 3 }]), weightedKappa(skinLike, 3));
});

test('words for a kappa', () => {
  assert.equal(kappaWords(-0.1), 'poor');
  assert.equal(kappaWords(0.5082), 'moderate');
  assert.equal(kappaWords(0.9), 'almost perfect');
});
