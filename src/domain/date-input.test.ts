import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dateParts, parseDateInput, typedDateText } from './date-input.ts';

const label = 'The date they were trained';
const read = (day: string, month: string, year: string, required = false) =>
  parseDateInput({ day, month, year }, { label, required, notAfter: '2026-11-22' });

test('a real date in the past is read; month names and single digits are fine', () => {
  assert.deepEqual(read('3', '9', '2025'), { ok: true, value: '2025-09-03' });
  assert.deepEqual(read(' 03 ', '09', '2025'), { ok: true, value: '2025-09-03' });
  assert.deepEqual(read('3', 'Sept', '2025'), { ok: true, value: '2025-09-03' });
  assert.deepEqual(read('22', '11', '2026'), { ok: true, value: '2026-11-22' }, 'today is allowed');
});

test('left empty it is no date when optional, and asked for when required', () => {
  assert.deepEqual(read('', '', ''), { ok: true, value: null });
  assert.deepEqual(read('', '', '', true), {
    ok: false,
    message: 'Enter the date they were trained',
    parts: ['day', 'month', 'year'],
  });
});

test('a missing part is named, and only that part is highlighted', () => {
  assert.deepEqual(read('3', '', '2025'), {
    ok: false,
    message: 'The date they were trained must include a month',
    parts: ['month'],
  });
  assert.deepEqual(read('', '', '2025'), {
    ok: false,
    message: 'The date they were trained must include a day and month',
    parts: ['day', 'month'],
  });
});

test('not a real date, a short year and a future date are refused', () => {
  assert.equal(
    (read('30', '2', '2025') as { message: string }).message,
    'The date they were trained must be a real date',
  );
  assert.equal(
    (read('x', '2', '2025') as { message: string }).message,
    'The date they were trained must be a real date',
  );
  assert.deepEqual(read('1', '2', '25'), {
    ok: false,
    message: 'Year must include 4 numbers',
    parts: ['year'],
  });
  assert.equal(
    (read('23', '11', '2026') as { message: string }).message,
    'The date they were trained must be today or in the past',
  );
});

test('a stored date fills the three fields again', () => {
  assert.deepEqual(dateParts('2025-09-03'), { day: '3', month: '9', year: '2025' });
  assert.deepEqual(dateParts(null), { day: '', month: '', year: '' });
});

test('a date typed into the three fields reads back in words, or as typed when it is not a date', () => {
  assert.equal(typedDateText({ day: '20', month: '11', year: '2026' }), '20 November 2026');
  assert.equal(typedDateText({ day: '3', month: 'dec', year: '2026' }), '3 December 2026');
  assert.equal(typedDateText({ day: '31', month: '2', year: '2026' }), '31 2 2026 (not a real date)');
  assert.equal(typedDateText({ day: '20', month: '', year: '2026' }), '20 ? 2026 (not a real date)');
  assert.equal(typedDateText({ day: '', month: '', year: '' }), '');
});
