import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compileTerms,
  countWords,
  findTerms,
  GUIDE_TERMS,
  mergeSuggestions,
  perThousandWords,
} from './caring-language.ts';
import { findInclusiveLanguage } from './inclusive-language.ts';

const guide = compileTerms([]);

test('the guide has about forty terms, each with a unique key, phrases, a suggestion and a why', () => {
  assert.ok(GUIDE_TERMS.length >= 40);
  assert.equal(new Set(GUIDE_TERMS.map((t) => t.key)).size, GUIDE_TERMS.length);
  for (const t of GUIDE_TERMS) {
    assert.ok(t.phrases.length && t.suggestion && t.why, t.key);
  }
});

test('whole words, any case, with the offset, length and words found', () => {
  const text = 'Mum FAILED TO  ENGAGE with supervised contact. The contactless card was fine; LACK of LAC.';
  const found = findTerms(text, guide);
  assert.deepEqual(
    found.map((s) => [s.ruleKey, s.found, s.offset, s.length]),
    [
      ['failed-to-engage', 'FAILED TO  ENGAGE', 4, 17],
      ['contact', 'supervised contact', 27, 18],
      ['lac', 'LAC', 86, 3],
    ],
  );
  assert.match(found[1].suggestion, /family time/);
  assert.ok(found[1].why.length > 0);
});

test('longer phrases win over shorter ones, and curly apostrophes match straight ones', () => {
  const found = findTerms('After the placement breakdown he didn’t engage.', guide);
  assert.deepEqual(
    found.map((s) => s.ruleKey),
    ['placement-breakdown', 'failed-to-engage'],
  );
});

test('a council term is matched the same way, and wins over the guide’s for the same phrase', () => {
  const compiled = compileTerms([
    { key: 'c1', phrases: ['Placement'], suggestion: 'home', why: 'our young people asked' },
    { key: 'c2', phrases: ['S.47 (strategy)'], suggestion: 'child protection enquiry', why: 'jargon' },
  ]);
  const found = findTerms('A new placement after the s.47 (strategy) meeting.', compiled);
  assert.deepEqual(
    found.map((s) => [s.ruleKey, s.source, s.found]),
    [
      ['c1', 'council', 'placement'],
      ['c2', 'council', 's.47 (strategy)'],
    ],
  );
});

test('terms switched off are not searched', () => {
  const on = GUIDE_TERMS.filter((t) => t.key !== 'case');
  assert.equal(findTerms('The case was closed.', compileTerms([], on)).length, 0);
  assert.equal(findTerms('The case was closed.', guide).length, 1);
});

test('words are counted, joined by apostrophes and hyphens', () => {
  assert.equal(countWords(''), 0);
  assert.equal(countWords('The child’s well-being, at 3 visits.'), 6);
  assert.equal(perThousandWords(3, 600), 5);
  assert.equal(perThousandWords(0, 0), null);
});

test('the inclusive-language library’s suggestions come in the same shape, without gendered pairs', () => {
  const text = 'Her mother is an addict and he said the school was crazy.';
  const found = findInclusiveLanguage(text);
  assert.ok(found.length >= 2);
  for (const s of found) {
    assert.equal(s.source, 'equality');
    assert.match(s.ruleKey, /^equality:/);
    assert.equal(text.slice(s.offset, s.offset + s.length), s.found);
  }
  assert.ok(found.some((s) => s.found === 'addict'));
  assert.ok(!found.some((s) => ['mother', 'he', 'Her'].includes(s.found)));
});

test('merged suggestions keep the first of any that overlap, in order of the text', () => {
  const a = findTerms('The addict refused.', guide);
  const b = findInclusiveLanguage('The addict refused.');
  const merged = mergeSuggestions(a, b);
  assert.deepEqual(
    merged.map((s) => s.found),
    ['addict', 'refused'],
  );
});
