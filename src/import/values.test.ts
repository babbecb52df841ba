import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  normaliseHeader,
  parseDate,
  parseDateLenient,
  parseEthnicity,
  parseGender,
  parseMonth,
  parseYesNo,
  stripCodePrefix,
} from './values.ts';

test('headers match whatever their case, spacing or punctuation', () => {
  assert.equal(normaliseHeader('Child ID'), 'child_id');
  assert.equal(normaliseHeader('\uFEFFchild_id'), 'child_id');
  assert.equal(normaliseHeader('  CHILD-ID '), 'child_id');
  assert.equal(normaliseHeader('Section 12'), 'section_12');
});

test('dates are read as ISO, UK style or Excel serial numbers; impossible dates are not dates', () => {
  assert.equal(parseDate('2026-04-01'), '2026-04-01');
  assert.equal(parseDate('01/04/2026'), '2026-04-01');
  assert.equal(parseDate('1/4/2026'), '2026-04-01');
  assert.equal(parseDate('45748'), '2025-04-01');
  assert.equal(parseDate('2026-02-29'), undefined);
  assert.equal(parseDate('31/04/2026'), undefined);
  assert.equal(parseDate('April 2026'), undefined);
  assert.equal(parseMonth('2026-04'), '2026-04-01');
  assert.equal(parseMonth('15/04/2026'), '2026-04-01');
  assert.equal(parseMonth('2026-13'), undefined);
});

test('any text either reads as a real date or not at all, and never throws', () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      const d = parseDate(s);
      return d === undefined || (/^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(d)));
    }),
  );
});

test('the letter Ofsted’s templates put before a code is taken off, and nothing else', () => {
  assert.equal(stripCodePrefix('a) Male'), 'Male');
  assert.equal(stripCodePrefix(' b)Female '), 'Female');
  assert.equal(stripCodePrefix('(c) Unknown'), 'Unknown');
  assert.equal(stripCodePrefix('p1) 5D: LA services'), '5D: LA services');
  assert.equal(stripCodePrefix('zz) T4: Temporary placement'), 'T4: Temporary placement');
  assert.equal(stripCodePrefix('N1 - Abuse or neglect'), 'N1 - Abuse or neglect');
  assert.equal(stripCodePrefix('Male'), 'Male');
  assert.equal(stripCodePrefix('a)'), 'a)');
});

test('yes and no are read however they are written; unknown is neither', () => {
  for (const yes of ['Yes', 'y', 'a) Yes', 'TRUE', '1']) assert.equal(parseYesNo(yes), true, yes);
  for (const no of ['No', 'N', 'b) No', 'false', '0']) assert.equal(parseYesNo(no), false, no);
  for (const unknown of ['', ' ', 'c) Unknown', 'Not known', 'N/A'])
    assert.equal(parseYesNo(unknown), null, unknown);
  assert.equal(parseYesNo('Maybe'), undefined);
});

test('genders are read from Annex A codes, letters and census numbers', () => {
  assert.equal(parseGender('a) Male'), 'male');
  assert.equal(parseGender('b) Female'), 'female');
  assert.equal(parseGender('c) Unknown/Indeterminate'), 'unknown');
  assert.equal(parseGender('c) Not stated / recorded'), 'unknown');
  assert.equal(parseGender('d) Neither'), 'other');
  assert.equal(parseGender('M'), 'male');
  assert.equal(parseGender('f'), 'female');
  assert.equal(parseGender('1'), 'male');
  assert.equal(parseGender('2'), 'female');
  assert.equal(parseGender('0'), 'unknown');
  assert.equal(parseGender('9'), 'unknown');
  assert.equal(parseGender(''), null);
  assert.equal(parseGender('Martian'), undefined);
});

test('ethnicity is read as a DfE code from the code, a label starting with it, or its words', () => {
  assert.equal(parseEthnicity('WBRI'), 'WBRI');
  assert.equal(parseEthnicity('a) WBRI'), 'WBRI');
  assert.equal(parseEthnicity('wbri'), 'WBRI');
  assert.equal(parseEthnicity('WBRI - White British'), 'WBRI');
  assert.equal(parseEthnicity('White British (WBRI)'), 'WBRI');
  assert.equal(parseEthnicity('White British'), 'WBRI');
  assert.equal(parseEthnicity('Gypsy/Roma'), 'WROM');
  assert.equal(parseEthnicity('Black African'), 'BAFR');
  assert.equal(parseEthnicity('s) NOBT'), 'NOBT');
  assert.equal(parseEthnicity('Indian'), 'AIND');
  assert.equal(parseEthnicity(''), null);
  assert.equal(parseEthnicity('ABCD'), undefined);
  assert.equal(parseEthnicity('Martian'), undefined);
});

test('dates written with a time, dashes, dots or the month’s name are read too; two-digit years are not', () => {
  assert.equal(parseDateLenient('01/04/2026 00:00:00'), '2026-04-01');
  assert.equal(parseDateLenient('1/4/2026 09:30'), '2026-04-01');
  assert.equal(parseDateLenient('2026-04-01 00:00:00.000'), '2026-04-01');
  assert.equal(parseDateLenient('01-04-2026'), '2026-04-01');
  assert.equal(parseDateLenient('01.04.2026'), '2026-04-01');
  assert.equal(parseDateLenient('1 April 2026'), '2026-04-01');
  assert.equal(parseDateLenient('01-Apr-2026'), '2026-04-01');
  assert.equal(parseDateLenient('5 Sept 2026'), '2026-09-05');
  assert.equal(parseDateLenient('45748'), '2025-04-01');
  assert.equal(parseDateLenient('01/04/26'), undefined);
  assert.equal(parseDateLenient('31 February 2026'), undefined);
  assert.equal(parseDateLenient('1 Aprilish 2026'), undefined);
  assert.equal(parseDateLenient("=cmd|' /C calc'!A0"), undefined);
});

test('any text either reads as a real date, a code or nothing, and never throws', () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      const d = parseDateLenient(s);
      parseYesNo(s);
      parseGender(s);
      const e = parseEthnicity(s);
      return (
        (d === undefined || /^\d{4}-\d{2}-\d{2}$/.test(d)) &&
        (e === undefined || e === null || /^[A-Z]{4}$/.test(e))
      );
    }),
    { seed: 20260401, numRuns: 500 },
  );
});
