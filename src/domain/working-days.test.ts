import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { addDays } from './dates.ts';
import { bankHolidayOn, bankHolidays, WorkingDayCalendar } from './working-days.ts';

// England and Wales bank holidays as GOV.UK publishes them (https://www.gov.uk/bank-holidays).
const EXPECTED_BANK_HOLIDAYS: Record<number, [string, string][]> = {
  2022: [
    ['2022-01-03', 'New Year’s Day (substitute day)'],
    ['2022-04-15', 'Good Friday'],
    ['2022-04-18', 'Easter Monday'],
    ['2022-05-02', 'Early May bank holiday'],
    ['2022-06-02', 'Spring bank holiday'],
    ['2022-06-03', 'Queen’s Platinum Jubilee'],
    ['2022-08-29', 'Summer bank holiday'],
    ['2022-09-19', 'Queen Elizabeth’s Funeral Day'],
    ['2022-12-26', 'Boxing Day'],
    ['2022-12-27', 'Christmas Day (substitute day)'],
  ],
  2023: [
    ['2023-01-02', 'New Year’s Day (substitute day)'],
    ['2023-04-07', 'Good Friday'],
    ['2023-04-10', 'Easter Monday'],
    ['2023-05-01', 'Early May bank holiday'],
    ['2023-05-08', 'King Charles III’s Coronation'],
    ['2023-05-29', 'Spring bank holiday'],
    ['2023-08-28', 'Summer bank holiday'],
    ['2023-12-25', 'Christmas Day'],
    ['2023-12-26', 'Boxing Day'],
  ],
  2024: [
    ['2024-01-01', 'New Year’s Day'],
    ['2024-03-29', 'Good Friday'],
    ['2024-04-01', 'Easter Monday'],
    ['2024-05-06', 'Early May bank holiday'],
    ['2024-05-27', 'Spring bank holiday'],
    ['2024-08-26', 'Summer bank holiday'],
    ['2024-12-25', 'Christmas Day'],
    ['2024-12-26', 'Boxing Day'],
  ],
  2025: [
    ['2025-01-01', 'New Year’s Day'],
    ['2025-04-18', 'Good Friday'],
    ['2025-04-21', 'Easter Monday'],
    ['2025-05-05', 'Early May bank holiday'],
    ['2025-05-26', 'Spring bank holiday'],
    ['2025-08-25', 'Summer bank holiday'],
    ['2025-12-25', 'Christmas Day'],
    ['2025-12-26', 'Boxing Day'],
  ],
  2026: [
    ['2026-01-01', 'New Year’s Day'],
    ['2026-04-03', 'Good Friday'],
    ['2026-04-06', 'Easter Monday'],
    ['2026-05-04', 'Early May bank holiday'],
    ['2026-05-25', 'Spring bank holiday'],
    ['2026-08-31', 'Summer bank holiday'],
    ['2026-12-25', 'Christmas Day'],
    ['2026-12-28', 'Boxing Day (substitute day)'],
  ],
  2027: [
    ['2027-01-01', 'New Year’s Day'],
    ['2027-03-26', 'Good Friday'],
    ['2027-03-29', 'Easter Monday'],
    ['2027-05-03', 'Early May bank holiday'],
    ['2027-05-31', 'Spring bank holiday'],
    ['2027-08-30', 'Summer bank holiday'],
    ['2027-12-27', 'Christmas Day (substitute day)'],
    ['2027-12-28', 'Boxing Day (substitute day)'],
  ],
};

for (const [year, expected] of Object.entries(EXPECTED_BANK_HOLIDAYS)) {
  test(`the bank holidays of ${year} are exactly those GOV.UK lists for England and Wales`, () => {
    assert.deepEqual(
      bankHolidays(Number(year)),
      expected.map(([date, name]) => ({ date, name })),
    );
  });
}

test('a holiday that falls at a weekend is replaced by its substitute weekday, not counted twice', () => {
  assert.equal(bankHolidayOn('2022-12-25'), undefined); // a Sunday
  assert.equal(bankHolidayOn('2022-12-27'), 'Christmas Day (substitute day)');
  assert.equal(bankHolidayOn('2026-12-26'), undefined); // a Saturday
  assert.equal(bankHolidayOn('2026-12-28'), 'Boxing Day (substitute day)');
  assert.equal(bankHolidayOn('2026-12-24'), undefined);
});

test('changing the list a caller was given does not change the calendar', () => {
  const list = bankHolidays(2026);
  list.length = 0;
  assert.equal(bankHolidays(2026).length, 8);
});

test('a calendar says why a day is not a working day', () => {
  const calendar = new WorkingDayCalendar({ closureDays: ['2026-12-29', '2026-12-30', '2026-12-31'] });
  assert.equal(calendar.reasonNotWorking('2026-04-04'), 'Saturday');
  assert.equal(calendar.reasonNotWorking('2026-04-05'), 'Sunday');
  assert.equal(calendar.reasonNotWorking('2026-04-03'), 'Good Friday');
  assert.equal(calendar.reasonNotWorking('2026-12-28'), 'Boxing Day (substitute day)');
  assert.equal(calendar.reasonNotWorking('2026-12-30'), 'Council closure day');
  assert.equal(calendar.reasonNotWorking('2026-04-07'), undefined);
  assert.equal(calendar.isWorkingDay('2026-04-07'), true);
  assert.equal(calendar.isWorkingDay('2026-12-30'), false);
});

test('closure days only apply to the council that set them', () => {
  assert.equal(new WorkingDayCalendar().isWorkingDay('2026-12-30'), true);
  assert.equal(new WorkingDayCalendar({ closureDays: ['2026-12-30'] }).isWorkingDay('2026-12-30'), false);
});

test('five working days starting on a Monday with no holidays end that Friday', () => {
  const calendar = new WorkingDayCalendar();
  assert.equal(calendar.endOfSpan('2026-06-01', 5), '2026-06-05');
  assert.equal(calendar.endOfSpan('2026-06-01', 1), '2026-06-01');
  assert.equal(calendar.endOfSpan('2026-06-01', 6), '2026-06-08');
});

test('a span starting at a weekend starts on the Monday', () => {
  const calendar = new WorkingDayCalendar();
  assert.equal(calendar.firstWorkingDayOnOrAfter('2026-06-06'), '2026-06-08');
  assert.equal(calendar.endOfSpan('2026-06-06', 1), '2026-06-08');
  assert.equal(calendar.endOfSpan('2026-06-07', 5), '2026-06-12');
});

test('a span starting on a bank holiday starts on the next working day', () => {
  const calendar = new WorkingDayCalendar();
  // Good Friday 2026, then the weekend, then Easter Monday
  assert.equal(calendar.firstWorkingDayOnOrAfter('2026-04-03'), '2026-04-07');
  assert.equal(calendar.endOfSpan('2026-04-03', 1), '2026-04-07');
  assert.equal(calendar.endOfSpan('2026-04-03', 5), '2026-04-13');
});

test('a span across Easter skips Good Friday and Easter Monday', () => {
  const calendar = new WorkingDayCalendar();
  // Wed 1, Thu 2, (Good Friday, weekend, Easter Monday), Tue 7, Wed 8, Thu 9 April 2026
  assert.equal(calendar.endOfSpan('2026-04-01', 5), '2026-04-09');
  assert.equal(calendar.workingDaysBetween('2026-04-01', '2026-04-30'), 20);
  // Easter 2027 is in March: Good Friday 26 March, Easter Monday 29 March
  assert.equal(calendar.endOfSpan('2027-03-25', 2), '2027-03-30');
});

test('a span across Christmas skips the bank holidays and any closure days', () => {
  const open = new WorkingDayCalendar();
  const closed = new WorkingDayCalendar({ closureDays: ['2026-12-29', '2026-12-30', '2026-12-31'] });
  // Mon 21, Tue 22, Wed 23, Thu 24, (Christmas Day, weekend, Boxing Day substitute) Tue 29 December
  assert.equal(open.endOfSpan('2026-12-21', 5), '2026-12-29');
  // with the council closed 29–31 December and New Year's Day a bank holiday: Monday 4 January
  assert.equal(closed.endOfSpan('2026-12-21', 5), '2027-01-04');
  assert.equal(closed.firstWorkingDayOnOrAfter('2026-12-25'), '2027-01-04');
  assert.equal(closed.lastWorkingDayOnOrBefore('2027-01-03'), '2026-12-24');
  assert.equal(closed.workingDaysBetween('2026-12-24', '2027-01-04'), 2);
});

test('the 2022 and 2023 one-off bank holidays are not working days', () => {
  const calendar = new WorkingDayCalendar();
  // Thu 2 and Fri 3 June 2022 (Spring bank holiday and the Platinum Jubilee)
  assert.equal(calendar.endOfSpan('2022-06-01', 2), '2022-06-06');
  // Queen Elizabeth's funeral, Monday 19 September 2022
  assert.equal(calendar.firstWorkingDayOnOrAfter('2022-09-17'), '2022-09-20');
  // the coronation, Monday 8 May 2023, a week after the Early May bank holiday
  assert.equal(calendar.workingDaysBetween('2023-05-01', '2023-05-12'), 8);
});

test('counting working days between two dates includes both ends', () => {
  const calendar = new WorkingDayCalendar();
  assert.equal(calendar.workingDaysBetween('2026-06-01', '2026-06-05'), 5);
  assert.equal(calendar.workingDaysBetween('2026-06-01', '2026-06-01'), 1);
  assert.equal(calendar.workingDaysBetween('2026-06-06', '2026-06-07'), 0);
  assert.equal(calendar.workingDaysBetween('2026-06-05', '2026-06-01'), 0);
});

test('n working days after a date does not count the date itself', () => {
  const calendar = new WorkingDayCalendar();
  assert.equal(calendar.addWorkingDays('2026-07-03', 2), '2026-07-07'); // Friday → Tuesday
  assert.equal(calendar.addWorkingDays('2026-04-02', 1), '2026-04-07'); // Thursday before Easter
  assert.equal(calendar.addWorkingDays('2026-07-04', 0), '2026-07-04');
});

test('nonsense input is refused rather than silently miscounted', () => {
  const calendar = new WorkingDayCalendar();
  assert.throws(() => calendar.endOfSpan('2026-06-01', 0), RangeError);
  assert.throws(() => calendar.endOfSpan('2026-06-01', 2.5), RangeError);
  assert.throws(() => calendar.isWorkingDay('2026-02-30'), RangeError);
  assert.throws(() => calendar.isWorkingDay('1 June 2026'), RangeError);
  assert.throws(() => new WorkingDayCalendar({ closureDays: ['2026-13-01'] }), RangeError);
});

const FIRST_DAY = '2022-01-01';
const DAYS_2022_TO_2027 = 6 * 365 + 1; // 2024 is a leap year

test('any span of n working days contains exactly n working days and ends on one', () => {
  const calendar = new WorkingDayCalendar({ closureDays: ['2024-12-27', '2024-12-30', '2024-12-31'] });
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: DAYS_2022_TO_2027 - 1 }),
      fc.integer({ min: 1, max: 60 }),
      (offset, n) => {
        const start = addDays(FIRST_DAY, offset);
        const end = calendar.endOfSpan(start, n);
        assert.equal(calendar.isWorkingDay(end), true);
        assert.equal(calendar.workingDaysBetween(calendar.firstWorkingDayOnOrAfter(start), end), n);
        assert.equal(calendar.workingDaysBetween(start, end), n);
      },
    ),
  );
});

test('n working days after a date lands on a working day with exactly n working days in between', () => {
  const calendar = new WorkingDayCalendar();
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: DAYS_2022_TO_2027 - 1 }),
      fc.integer({ min: 1, max: 60 }),
      (offset, n) => {
        const date = addDays(FIRST_DAY, offset);
        const later = calendar.addWorkingDays(date, n);
        assert.equal(calendar.isWorkingDay(later), true);
        assert.equal(calendar.workingDaysBetween(addDays(date, 1), later), n);
      },
    ),
  );
});
