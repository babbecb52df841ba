import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { normaliseHeader, parseDate, parseMonth } from './values.ts';

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
