import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findIdentifiers, isNhsNumber, type KnownIdentifiers, redact, standInSegments } from './redaction.ts';

const known: KnownIdentifiers = {
  child: { firstName: 'Kai', lastName: 'Thompson', dateOfBirth: '2015-03-12', knownAs: ['KJ'] },
  siblings: [
    { firstName: 'Maya', lastName: 'Thompson', dateOfBirth: '2012-07-01' },
    { firstName: 'Leo', lastName: 'Brennan-Okafor', dateOfBirth: null },
  ],
  references: ['C104233', 'FAM-2231'],
  postcodes: ['WB3 7QT'],
  placements: ['Sunnyside Fostering'],
};

test('a realistic paragraph loses the child’s names, siblings, dates of birth, address and references', () => {
  const text =
    'Kai Thompson (DOB 12/03/2015, ref C104233) lives with his mum at 14 Acacia Avenue, WB3 7QT. ' +
    "Kai's sister Maya (born 1st July 2012) and his brother Leo Brennan-Okafor were seen together. " +
    'Ms Thompson said KJ likes football. Kai’s school was told on 12th March 2015 of the plan.';
  const r = redact(text, known);
  assert.equal(
    r.text,
    '[child] (DOB [date of birth], ref [reference]) lives with his mum at [address], [postcode]. ' +
      "[child]'s sister [sibling] (born [date of birth]) and his brother [sibling] were seen together. " +
      '[family member] said [child] likes football. [child]’s school was told on [date of birth] of the plan.',
  );
  assert.equal(r.counts.child, 4);
  assert.equal(r.counts.sibling, 2);
  assert.equal(r.counts.reference, 1);
  assert.equal(r.counts.address, 1);
  assert.equal(r.counts.postcode, 1);
  assert.equal(r.counts.family_member, 1);
  for (const value of ['Kai', 'Thompson', 'Maya', 'Leo', 'Acacia', 'WB3', 'C104233', '2015']) {
    assert.ok(!r.text.includes(value), `${value} is gone`);
  }
});

test('a date of birth is found in each common UK form, other dates are kept', () => {
  for (const form of [
    '12/03/2015',
    '12/3/15',
    '12.03.2015',
    '2015-03-12',
    '12 March 2015',
    '12th March 2015',
    '12 Mar 2015',
    'March 12, 2015',
  ]) {
    assert.equal(redact(`Seen on ${form}.`, known).text, 'Seen on [date of birth].', form);
  }
  assert.equal(redact('Visited on 10 November 2026.', known).text, 'Visited on 10 November 2026.');
  // an unknown date next to "born" is a date of birth too (a sibling the records do not hold)
  assert.equal(
    redact('Her baby was born on 3 May 2024.', known).text,
    'Her baby was born on [date of birth].',
  );
});

test('phone numbers, e-mail addresses and NHS numbers are found by their shape', () => {
  const text =
    'Mum’s mobile is 07700 900123, the school on (020) 7946 0000, email kt.mum@example.com; NHS number 943 476 5919.';
  assert.equal(
    redact(text, known).text,
    'Mum’s mobile is [phone number], the school on [phone number], email [email address]; NHS number [NHS number].',
  );
  assert.ok(isNhsNumber('9434765919'));
  assert.ok(!isNhsNumber('9434765918'));
});

test('names are matched whole and capitalised: ordinary words and parts of words are kept', () => {
  const k: KnownIdentifiers = { child: { firstName: 'Will', lastName: 'Hope', dateOfBirth: null } };
  assert.equal(
    redact('Will said he will go. There is hope. Hopeful signs.', k).text,
    '[child] said he will go. There is hope. Hopeful signs.',
  );
  assert.equal(redact('WILL and Mr Hope came.', k).text, '[child] and [family member] came.');
});

test('social care words that look like addresses or postcodes are kept', () => {
  const text = 'The s47 2nd strategy meeting; 2 Family Court hearings; 3 home visits; Section 47 on 4 June.';
  assert.deepEqual(findIdentifiers(text, known), []);
});

test('a street without a number and another postcode are found; placements named in the records too', () => {
  const text = 'She moved to Mill Lane in M1 1AE, placed with Sunnyside Fostering.';
  assert.equal(redact(text, known).text, 'She moved to [address] in [postcode], placed with [placement].');
});

test('what the records do not hold stays: QA must read before publishing', () => {
  // the father's first name and the school are not in the case data
  const text = 'Dad (Darren) collects him from St Mary’s Primary.';
  assert.equal(redact(text, known).text, text);
});

test('stand-ins are found again in edited text, to highlight them', () => {
  const s = standInSegments('[child] told [sibling].');
  assert.deepEqual(s, [
    { text: '[child]', kind: 'child' },
    { text: ' told ' },
    { text: '[sibling]', kind: 'sibling' },
    { text: '.' },
  ]);
});
