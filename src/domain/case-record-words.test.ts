import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attributeWords, episodeDetailWords, ethnicityWords } from './case-record-words.ts';

const noNames = { team: () => undefined, worker: () => undefined };

test('ethnicity codes read as words; extended codes by their group; words stay words', () => {
  assert.equal(ethnicityWords('WOTH'), 'Any other White background');
  assert.equal(ethnicityWords('wbri'), 'White British');
  assert.equal(ethnicityWords('WENG'), 'White (WENG)');
  assert.equal(ethnicityWords('Black African'), 'Black African');
  assert.equal(ethnicityWords(''), null);
  assert.equal(ethnicityWords(null), null);
});

test('an episode’s codes, dates and yes or no read as words, teams and workers by name, no identifiers', () => {
  assert.equal(
    attributeWords(
      {
        primary_need_code: 'N1',
        referral_source: '1A',
        referral_source_description: 'Police',
        nfa: 'N',
        close_reason: 'RC8',
        referral_id: 'R1',
        team: 'T03',
        worker: 'W1051',
      },
      { team: (v) => (v === 'T03' ? 'Safeguarding North' : undefined), worker: () => 'Sam Worker' },
    ),
    'Primary need: Abuse or neglect; Referral from: Family member, relative or carer; No further action: No; ' +
      'Why it closed: Case closed after assessment, no further action; Team: Safeguarding North; Worker: Sam Worker',
  );
  assert.equal(
    attributeWords({ referral_source: 'Z9', referral_source_description: 'Neighbour' }, noNames),
    'Referral from: Neighbour',
    'a code not in the census list gives way to the extract’s own words',
  );
  assert.equal(
    attributeWords(
      { legal_status: 'C2', latest_statutory_review: '2026-10-03', team: 'Unknown team' },
      noNames,
    ),
    'Legal status: Full care order; Latest statutory review: 3 October 2026; Team: Unknown team',
  );
  assert.equal(
    attributeWords({ start_reason: 'N', custom_field: 'x' }, noNames),
    'Reason the period began: N; Custom field: x',
  );
});

test('an episode’s one-line detail reads as words, whether the SSD’s bare code or Annex A’s label', () => {
  assert.equal(episodeDetailWords('cin_episode', 'N4'), 'Primary need: Family in acute stress');
  assert.equal(episodeDetailWords('cp_plan', 'NEG'), 'Category: Neglect');
  assert.equal(episodeDetailWords('cp_plan', 'Category: EMO'), 'Category: Emotional abuse');
  assert.equal(episodeDetailWords('cla', 'Legal status: C2'), 'Legal status: Full care order');
  assert.equal(episodeDetailWords('early_help', 'Parenting support'), 'Parenting support');
});
