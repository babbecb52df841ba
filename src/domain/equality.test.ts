import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ETHNICITY_CODES } from '../import/values.ts';
import {
  AGE_BANDS,
  ageBand,
  CHARACTERISTICS,
  ETHNIC_GROUPS,
  ethnicGroup,
  genderGroup,
  yesNoGroup,
} from './equality.ts';

test('each census ethnicity code falls in its DfE major group', () => {
  const expected: Record<string, string> = {
    WBRI: 'White',
    WIRI: 'White',
    WIRT: 'White',
    WOTH: 'White',
    WROM: 'White',
    MWBC: 'Mixed',
    MWBA: 'Mixed',
    MWAS: 'Mixed',
    MOTH: 'Mixed',
    AIND: 'Asian or Asian British',
    APKN: 'Asian or Asian British',
    ABAN: 'Asian or Asian British',
    AOTH: 'Asian or Asian British',
    BCRB: 'Black or Black British',
    BAFR: 'Black or Black British',
    BOTH: 'Black or Black British',
    CHNE: 'Chinese',
    OOTH: 'Any other ethnic group',
    REFU: 'Not recorded',
    NOBT: 'Not recorded',
  };
  assert.deepEqual(Object.keys(expected).sort(), Object.keys(ETHNICITY_CODES).sort());
  for (const [code, group] of Object.entries(expected)) assert.equal(ethnicGroup(code), group, code);
});

test('blank, unreadable and extended ethnicity codes', () => {
  assert.equal(ethnicGroup(null), 'Not recorded');
  assert.equal(ethnicGroup(''), 'Not recorded');
  assert.equal(ethnicGroup('White British'), 'Not recorded');
  assert.equal(ethnicGroup(' wbri '), 'White');
  assert.equal(ethnicGroup('WENG'), 'White');
  assert.equal(ethnicGroup('OAFG'), 'Any other ethnic group');
  assert.equal(ethnicGroup('XYZW'), 'Not recorded');
  assert.equal(ETHNIC_GROUPS.length, 7);
});

test('age bands at the first day of the audit month', () => {
  const month = '2026-11-01';
  assert.equal(ageBand(null, month), 'Not recorded');
  assert.equal(ageBand('2026-11-20', month), 'Under 1', 'born later in the month');
  assert.equal(ageBand('2025-11-02', month), 'Under 1');
  assert.equal(ageBand('2025-11-01', month), '1 to 4', 'first birthday on the first day');
  // a child turning 5 during the audit month is still 1 to 4; one who turned 5 on the first is 5 to 9
  assert.equal(ageBand('2021-11-15', month), '1 to 4');
  assert.equal(ageBand('2021-11-15', '2026-11'), '1 to 4', 'the month may be written YYYY-MM');
  assert.equal(ageBand('2021-11-01', month), '5 to 9');
  assert.equal(ageBand('2021-12-01', '2026-12-01'), '5 to 9');
  assert.equal(ageBand('2016-11-02', month), '5 to 9');
  assert.equal(ageBand('2016-11-01', month), '10 to 15');
  assert.equal(ageBand('2010-11-02', month), '10 to 15');
  assert.equal(ageBand('2010-11-01', month), '16 to 17');
  assert.equal(ageBand('2008-11-02', month), '16 to 17');
  assert.equal(ageBand('2008-11-01', month), '18 and over');
  assert.equal(ageBand('2000-02-29', month), '18 and over');
  assert.equal(AGE_BANDS.at(-1), 'Not recorded');
});

test('gender, disability and UASC in words', () => {
  assert.equal(genderGroup('female'), 'Female');
  assert.equal(genderGroup('male'), 'Male');
  assert.equal(genderGroup('other'), 'Other');
  assert.equal(genderGroup('unknown'), 'Not known');
  assert.equal(genderGroup(null), 'Not recorded');
  assert.equal(yesNoGroup(true), 'Yes');
  assert.equal(yesNoGroup(false), 'No');
  assert.equal(yesNoGroup(null), 'Not recorded');
});

test('every characteristic puts each child in one of its groups', () => {
  assert.deepEqual(
    CHARACTERISTICS.map((c) => c.key),
    ['ethnicity', 'disability', 'uasc', 'gender', 'ageBand'],
  );
  const child = {
    ethnicity: 'BAFR',
    disability: true,
    uasc: false,
    gender: 'male',
    date_of_birth: '2012-03-04',
  };
  assert.deepEqual(
    CHARACTERISTICS.map((c) => c.groupOf(child, '2026-11-01')),
    ['Black or Black British', 'Yes', 'No', 'Male', '10 to 15'],
  );
  const nobody = { ethnicity: null, disability: null, uasc: null, gender: null, date_of_birth: null };
  for (const c of CHARACTERISTICS) {
    const g = c.groupOf(nobody, '2026-11-01');
    assert.equal(g, 'Not recorded', c.key);
    assert.ok(c.groups.includes(g));
  }
});
