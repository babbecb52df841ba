import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import type { CyclePhase } from '../../domain/cycle-phases.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';
import { createCouncil } from '../organisation/councils.ts';
import { addClosureDay, recomputeCouncilCycles, removeClosureDay, setPhaseLengths } from './cycles.ts';
import { createProgrammeYear, getMonth, getProgrammeYear, updateMonth } from './programme.ts';
import { listTools } from './tools.ts';

let t: TestDb;
let councilId: string;
let yearId: string;
const TODAY = '2026-03-15';

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'p', name: 'Programme Council' })).id;
  yearId = await createProgrammeYear(t.db, councilId, { startMonth: '2026-04' }, TODAY);
});
after(() => t.close());

const phase = (phases: unknown, key: string) =>
  (phases as CyclePhase[]).find((p) => p.key === key) as CyclePhase;

async function refusal(fn: () => Promise<unknown>) {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err));
    return err.errors;
  }
  assert.fail('expected a refusal');
}

test('a programme year has twelve months from April to March, each dated as a cycle in working days', async () => {
  const year = await getProgrammeYear(t.db, councilId, yearId);
  assert.equal(year?.name, '2026–27');
  assert.equal(year?.startsOn, '2026-04-01');
  assert.equal(year?.endsOn, '2027-03-31');
  assert.equal(year?.months.length, 12);
  const april = year?.months[0];
  // Good Friday 3 April and Easter Monday 6 April 2026 are not working days
  assert.deepEqual(phase(april?.phases, 'pre_audit'), {
    ...phase(april?.phases, 'pre_audit'),
    start: '2026-04-01',
    end: '2026-04-09',
  });
  assert.equal(phase(april?.phases, 'auditing').end, '2026-04-30');
});

test('an overlapping programme year is refused', async () => {
  const errors = await refusal(() => createProgrammeYear(t.db, councilId, { startMonth: '2026-10' }, TODAY));
  assert.deepEqual(errors, [
    { field: 'startMonth', message: 'This would overlap the 2026–27 programme year: choose a later month' },
  ]);
  const badMonth = await refusal(() =>
    createProgrammeYear(t.db, councilId, { startMonth: '2027-13' }, TODAY),
  );
  assert.equal(badMonth[0].message, 'Enter the month the programme year starts, like 2027-04');
});

test('a month is planned with themes and activities; bad rows are each named and nothing is saved', async () => {
  const year = await getProgrammeYear(t.db, councilId, yearId);
  const june = year?.months[2];
  assert.ok(june);
  const tool = (await listTools(t.db, councilId)).find((x) => x.kind === 'dip_sample');
  await updateMonth(
    t.db,
    councilId,
    june.id,
    {
      learningMonth: false,
      cycleStartsOn: '2026-06-01',
      themes: [
        { stream: 'Social care', theme: 'Neglect' },
        { stream: '', theme: '' },
      ],
      activities: [{ kind: 'dip_sample', target: '30', toolId: tool?.id, description: 'Neglect' }],
    },
    TODAY,
  );
  const errors = await refusal(() =>
    updateMonth(
      t.db,
      councilId,
      june.id,
      {
        learningMonth: true,
        cycleStartsOn: '2027-06-01',
        themes: [{ stream: '', theme: 'Fathers' }],
        activities: [{ kind: 'full_audit', target: 'twenty' }],
      },
      TODAY,
    ),
  );
  assert.deepEqual(
    errors.map((e) => e.field),
    ['themes-0-stream', 'activities-0-target', 'learningMonth', 'cycleStartsOn'],
  );
  assert.match(errors[3].message, /within the 2026–27 programme year/);
  const after = await getMonth(t.db, councilId, june.id);
  assert.deepEqual(after?.month.themes, [{ stream: 'Social care', theme: 'Neglect', practiceThemeId: null }]);
  assert.equal(after?.month.activities[0].target, 30);
  assert.equal(after?.month.learningMonth, false);
});

test('a cycle whose auditing window would overlap another cycle’s is refused', async () => {
  const year = await getProgrammeYear(t.db, councilId, yearId);
  const july = year?.months[3];
  assert.ok(july);
  const errors = await refusal(() =>
    updateMonth(
      t.db,
      councilId,
      july.id,
      { learningMonth: false, cycleStartsOn: '2026-06-10', themes: [], activities: [] },
      TODAY,
    ),
  );
  assert.match(errors[0].message, /auditing window would overlap the June 2026 cycle’s/);
});

test('a learning month has no cycle dates', async () => {
  const year = await getProgrammeYear(t.db, councilId, yearId);
  const august = year?.months[4];
  assert.ok(august);
  await updateMonth(
    t.db,
    councilId,
    august.id,
    { learningMonth: true, cycleStartsOn: '2026-08-01', themes: [], activities: [] },
    TODAY,
  );
  assert.equal((await getMonth(t.db, councilId, august.id))?.month.phases, null);
});

test('changing a phase length re-dates cycles not yet started, never one under way unless confirmed', async () => {
  const today = '2026-04-15'; // April's cycle is under way
  const before = await getProgrammeYear(t.db, councilId, yearId);
  const aprilBefore = phase(before?.months[0].phases, 'auditing');
  const mayBefore = phase(before?.months[1].phases, 'feedback');
  const summary = await setPhaseLengths(
    t.db,
    councilId,
    { pre_audit: 5, auditing: 15, feedback: 8, reporting: 10, learning: 25 },
    today,
  );
  const after = await getProgrammeYear(t.db, councilId, yearId);
  assert.deepEqual(phase(after?.months[0].phases, 'auditing'), aprilBefore, 'April keeps its dates');
  assert.deepEqual(
    summary.keptUnderWay.map((k) => k.month),
    ['2026-04-01'],
  );
  const mayAfter = phase(after?.months[1].phases, 'feedback');
  assert.equal(mayAfter.workingDays, 8);
  assert.notEqual(mayAfter.end, mayBefore.end);
  // the QA lead confirms April should move too
  await recomputeCouncilCycles(t.db, councilId, { today, confirm: [before?.months[0].id as string] });
  const confirmed = await getProgrammeYear(t.db, councilId, yearId);
  assert.equal(phase(confirmed?.months[0].phases, 'feedback').workingDays, 8);
});

test('a closure day moves the cycles it falls in; a zero-length phase is refused and changes nothing', async () => {
  const year = await getProgrammeYear(t.db, councilId, yearId);
  const december = year?.months[8];
  const before = phase(december?.phases, 'auditing');
  await addClosureDay(t.db, councilId, { date: '2026-12-29', reason: 'Christmas closure' }, TODAY);
  await addClosureDay(t.db, councilId, { date: '2026-12-30', reason: 'Christmas closure' }, TODAY);
  const after = phase((await getMonth(t.db, councilId, december?.id as string))?.month.phases, 'auditing');
  assert.ok(after.end > before.end, `${after.end} is later than ${before.end}`);
  const duplicate = await refusal(() =>
    addClosureDay(t.db, councilId, { date: '2026-12-29', reason: 'Again' }, TODAY),
  );
  assert.equal(duplicate[0].message, 'That date is already a closure day');
  const zero = await refusal(() =>
    setPhaseLengths(
      t.db,
      councilId,
      { pre_audit: 5, auditing: 0, feedback: 5, reporting: 10, learning: 25 },
      TODAY,
    ),
  );
  assert.deepEqual(zero, [{ field: 'auditing', message: 'Auditing window must be at least 1 working day' }]);
  const unchanged = phase(
    (await getMonth(t.db, councilId, december?.id as string))?.month.phases,
    'auditing',
  );
  assert.deepEqual(unchanged, after);
});

test('next year’s programme is copied from this year’s, month by month', async () => {
  const nextId = await createProgrammeYear(
    t.db,
    councilId,
    { startMonth: '2027-04', copyFrom: yearId },
    TODAY,
  );
  const next = await getProgrammeYear(t.db, councilId, nextId);
  assert.equal(next?.name, '2027–28');
  assert.deepEqual(
    next?.months[2].themes.map((x) => x.theme),
    ['Neglect'],
  );
  assert.equal(next?.months[2].activities[0].target, 30);
  assert.equal(next?.months[4].learningMonth, true);
  assert.equal(next?.months[4].phases, null);
  assert.equal(phase(next?.months[0].phases, 'pre_audit').start, '2027-04-01');
});

test('impossible dates, foreign ids and far-off years are refused with a message, never a crash', async () => {
  const year = await getProgrammeYear(t.db, councilId, yearId);
  const october = year?.months[6];
  assert.ok(october);
  const plan = (changes: object) => ({
    learningMonth: false,
    cycleStartsOn: '2026-10-01',
    themes: [{ stream: 'Social care', theme: 'Analysis' }],
    activities: [],
    ...changes,
  });
  const badDate = await refusal(() =>
    updateMonth(t.db, councilId, october.id, plan({ cycleStartsOn: '2026-09-31' }), TODAY),
  );
  // no date is written yyyy-mm-dd to a person (issue 16, item 11)
  assert.deepEqual(badDate, [
    { field: 'cycleStartsOn', message: 'The date the cycle starts must be a real date' },
  ]);
  const outside = await refusal(() =>
    updateMonth(t.db, councilId, october.id, plan({ cycleStartsOn: '2027-06-01' }), TODAY),
  );
  assert.deepEqual(outside, [
    {
      field: 'cycleStartsOn',
      message: 'The cycle must start within the 2026–27 programme year (1 April 2026 to 31 March 2027)',
    },
  ]);
  const badTool = await refusal(() =>
    updateMonth(
      t.db,
      councilId,
      october.id,
      plan({ activities: [{ kind: 'full_audit', target: '5', toolId: 'abc' }] }),
      TODAY,
    ),
  );
  assert.deepEqual(badTool, [
    { field: 'activities-0-toolId', message: 'Choose the tool for activity 1 from the list' },
  ]);
  const dip = (await listTools(t.db, councilId)).find((x) => x.kind === 'dip_sample');
  const wrongKind = await refusal(() =>
    updateMonth(
      t.db,
      councilId,
      october.id,
      plan({ activities: [{ kind: 'full_audit', target: '5', toolId: dip?.id }] }),
      TODAY,
    ),
  );
  assert.match(wrongKind[0].message, /Activity 1 needs a tool of its own kind: this one is for dip samples/);
  const farYear = await refusal(() => createProgrammeYear(t.db, councilId, { startMonth: '9999-04' }, TODAY));
  assert.equal(farYear[0].message, 'Enter a programme year between 2000 and 2100');
  const badClosure = await refusal(() =>
    addClosureDay(t.db, councilId, { date: '2026-02-30', reason: 'Snow' }, TODAY),
  );
  // dates are never written YYYY-MM-DD to a person (issue 16, item 11)
  assert.deepEqual(badClosure, [
    { field: 'date', message: 'The closure day must be a real date', href: '#date-day' },
  ]);
  const typed = await refusal(() =>
    addClosureDay(
      t.db,
      councilId,
      { 'date-day': '30', 'date-month': '2', 'date-year': '2026', reason: 'Snow' },
      TODAY,
    ),
  );
  assert.deepEqual(typed, [
    { field: 'date', message: 'The closure day must be a real date', href: '#date-day' },
  ]);
});

test('a closure day typed in the date input is added; another council’s cannot be removed', async () => {
  const added = await addClosureDay(
    t.db,
    councilId,
    { 'date-day': '2', 'date-month': 'jan', 'date-year': '2027', reason: 'New year closure' },
    TODAY,
  );
  assert.equal(added.date, '2027-01-02');
  const other = (await createCouncil(t.db, { code: 'q', name: 'Another Council' })).id;
  const closure = await t.db
    .selectFrom('closure_days')
    .select('id')
    .where('council_id', '=', councilId)
    .where('date', '=', '2027-01-02')
    .executeTakeFirstOrThrow();
  await assert.rejects(removeClosureDay(t.db, other, closure.id, TODAY), NotFoundError);
  assert.ok(
    await t.db.selectFrom('closure_days').select('id').where('id', '=', closure.id).executeTakeFirst(),
    'the closure day is still there',
  );
  await removeClosureDay(t.db, councilId, closure.id, TODAY);
  await assert.rejects(removeClosureDay(t.db, councilId, closure.id, TODAY), NotFoundError);
});

test('a cycle under way keeps its start date and cannot become a learning month', async () => {
  const year = await getProgrammeYear(t.db, councilId, yearId);
  const may = year?.months[1];
  assert.ok(may);
  const during = '2026-05-20';
  const moved = await refusal(() =>
    updateMonth(
      t.db,
      councilId,
      may.id,
      { learningMonth: false, cycleStartsOn: '2026-05-11', themes: [], activities: [] },
      during,
    ),
  );
  assert.deepEqual(moved, [
    { field: 'cycleStartsOn', message: 'This cycle is under way, so its start date cannot change' },
  ]);
  const learning = await refusal(() =>
    updateMonth(
      t.db,
      councilId,
      may.id,
      { learningMonth: true, cycleStartsOn: '2026-05-01', themes: [], activities: [] },
      during,
    ),
  );
  assert.deepEqual(learning, [
    { field: 'learningMonth', message: 'This cycle is under way, so it cannot become a learning month' },
  ]);
  const before = (await getMonth(t.db, councilId, may.id))?.month.phases;
  await updateMonth(
    t.db,
    councilId,
    may.id,
    {
      learningMonth: false,
      cycleStartsOn: '2026-05-01',
      themes: [{ stream: 'Social care', theme: 'Fathers' }],
      activities: [],
    },
    during,
  );
  assert.deepEqual(
    (await getMonth(t.db, councilId, may.id))?.month.phases,
    before,
    'a theme change keeps the dates',
  );
});

test('a month with audits needs at least one theme', async () => {
  const year = await getProgrammeYear(t.db, councilId, yearId);
  const february = year?.months[10];
  assert.ok(february);
  const errors = await refusal(() =>
    updateMonth(
      t.db,
      councilId,
      february.id,
      {
        learningMonth: false,
        cycleStartsOn: '2027-02-01',
        themes: [],
        activities: [{ kind: 'full_audit', target: '20' }],
      },
      TODAY,
    ),
  );
  assert.deepEqual(errors, [
    { field: 'themes-0-stream', message: 'A month with audits needs at least one theme' },
  ]);
});
