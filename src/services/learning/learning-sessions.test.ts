import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { ValidationError } from '../../domain/validation.ts';
import { createCouncil } from '../organisation/councils.ts';
import { setPracticeThemeActive } from '../programme/practice-themes.ts';
import {
  createLearningSession,
  deleteLearningSession,
  getLearningSession,
  type LearningSessionInput,
  learningByTheme,
  listLearningSessions,
  updateLearningSession,
} from './learning-sessions.ts';

let t: TestDb;
let councilId: string;
let otherCouncilId: string;
const TODAY = '2026-11-22';

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'eastmoor', name: 'Eastmoor Council' })).id;
  otherCouncilId = (await createCouncil(t.db, { code: 'southvale', name: 'Southvale Council' })).id;
});
after(() => t.close());

function input(
  heldOn: string,
  themes: string[],
  attended: number,
  title = 'A session',
): LearningSessionInput {
  const [year, month, day] = heldOn.split('-');
  return {
    title,
    'heldOn-day': day,
    'heldOn-month': month,
    'heldOn-year': year,
    format: 'workshop',
    attended: String(attended),
    themes,
    notes: '',
  };
}

async function refused(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err));
    return err.errors;
  }
  assert.fail('expected the input to be refused');
}

test('learningByTheme counts the sessions held in the months, and people attended, per theme', async () => {
  // before the months asked about
  await createLearningSession(t.db, councilId, null, input('2026-03-31', ['neglect'], 50), TODAY);
  // in them: the first day of the first month and the last day of the last month count
  await createLearningSession(t.db, councilId, null, input('2026-04-01', ['neglect'], 12), TODAY);
  await createLearningSession(
    t.db,
    councilId,
    null,
    input('2026-06-15', ['neglect', 'voice_of_the_child'], 20),
    TODAY,
  );
  await createLearningSession(t.db, councilId, null, input('2026-09-30', ['voice_of_the_child'], 0), TODAY);
  // after them
  await createLearningSession(t.db, councilId, null, input('2026-10-01', ['smart_planning'], 30), TODAY);
  // another council's session is not counted
  await createLearningSession(t.db, otherCouncilId, null, input('2026-05-05', ['neglect'], 99), TODAY);

  const rows = await learningByTheme(t.db, councilId, '2026-04-01', '2026-09-01');
  assert.deepEqual(rows, [
    { themeKey: 'neglect', themeName: 'Neglect', sessions: 2, attended: 32 },
    { themeKey: 'voice_of_the_child', themeName: 'Voice of the child', sessions: 2, attended: 20 },
  ]);

  const oneMonth = await learningByTheme(t.db, councilId, '2026-10-01', '2026-10-01');
  assert.deepEqual(oneMonth, [
    { themeKey: 'smart_planning', themeName: 'SMART planning', sessions: 1, attended: 30 },
  ]);

  assert.deepEqual(await learningByTheme(t.db, councilId, '2025-01-01', '2025-12-01'), []);
  await assert.rejects(learningByTheme(t.db, councilId, '2026-04-15', '2026-09-01'), /YYYY-MM-01/);
});

test('the list is newest first with theme names; a change and a delete show in the counts', async () => {
  const list = await listLearningSessions(t.db, councilId);
  assert.deepEqual(
    list.map((s) => s.heldOn),
    ['2026-10-01', '2026-09-30', '2026-06-15', '2026-04-01', '2026-03-31'],
  );
  const june = list[2];
  assert.deepEqual(
    june.themes.map((x) => x.name),
    ['Neglect', 'Voice of the child'],
  );
  assert.equal(june.formatLabel, 'Workshop');

  await updateLearningSession(t.db, councilId, june.id, input('2026-06-15', ['neglect'], 25), TODAY);
  const changed = await getLearningSession(t.db, councilId, june.id);
  assert.equal(changed?.attended, 25);
  assert.deepEqual(
    changed?.themes.map((x) => x.key),
    ['neglect'],
  );
  let rows = await learningByTheme(t.db, councilId, '2026-04-01', '2026-09-01');
  assert.deepEqual(
    rows.map((r) => [r.themeKey, r.sessions, r.attended]),
    [
      ['neglect', 2, 37],
      ['voice_of_the_child', 1, 0],
    ],
  );

  await deleteLearningSession(t.db, councilId, june.id);
  assert.equal(await getLearningSession(t.db, councilId, june.id), undefined);
  rows = await learningByTheme(t.db, councilId, '2026-04-01', '2026-09-01');
  assert.deepEqual(
    rows.map((r) => [r.themeKey, r.sessions, r.attended]),
    [
      ['neglect', 1, 12],
      ['voice_of_the_child', 1, 0],
    ],
  );
  const themeRows = await t.db
    .selectFrom('learning_session_themes')
    .select('theme_key')
    .where('session_id', '=', june.id)
    .execute();
  assert.equal(themeRows.length, 0, 'its themes went with it');
});

test('bad input is refused with a message per field, and nothing is saved', async () => {
  const before = (await listLearningSessions(t.db, councilId)).length;
  const errors = await refused(
    createLearningSession(
      t.db,
      councilId,
      null,
      {
        title: ' ',
        'heldOn-day': '31',
        'heldOn-month': '2',
        'heldOn-year': '2026',
        format: 'seminar',
        attended: '12.5',
        themes: ['not_a_theme'],
        notes: '',
      },
      TODAY,
    ),
  );
  assert.deepEqual(errors, [
    { field: 'title', message: 'Enter a title for the learning session' },
    { field: 'heldOn-day', message: 'The date it was held must be a real date' },
    { field: 'format', message: 'Select the format of the session' },
    { field: 'attended', message: 'Enter how many people attended as a whole number, like 12' },
    { field: 'themes', message: 'Select practice themes from the list' },
  ]);

  const more = await refused(
    createLearningSession(
      t.db,
      councilId,
      null,
      { ...input('2027-11-23', [], 1001), title: 'x'.repeat(201), 'heldOn-month': '' },
      TODAY,
    ),
  );
  assert.deepEqual(more, [
    { field: 'title', message: 'Title must be 200 characters or fewer' },
    { field: 'heldOn-month', message: 'The date it was held must include a month' },
    { field: 'attended', message: 'Number attended must be between 0 and 1,000' },
    { field: 'themes', message: 'Select at least one practice theme' },
  ]);

  const tooFar = await refused(
    createLearningSession(t.db, councilId, null, input('2027-11-23', ['neglect'], 10), TODAY),
  );
  assert.deepEqual(tooFar, [
    { field: 'heldOn-day', message: 'The date it was held must be no more than a year from today' },
  ]);
  // a year ahead exactly is allowed (a planned session)
  const planned = await createLearningSession(
    t.db,
    councilId,
    null,
    input('2027-11-22', ['neglect'], 0),
    TODAY,
  );
  await deleteLearningSession(t.db, councilId, planned);
  assert.equal((await listLearningSessions(t.db, councilId)).length, before);
});

test('a retired theme cannot be chosen for a new session, but a session already on it keeps it', async () => {
  const id = await createLearningSession(
    t.db,
    councilId,
    null,
    input('2026-07-01', ['chronologies'], 8, 'Chronologies clinic'),
    TODAY,
  );
  const theme = await t.db
    .selectFrom('practice_themes')
    .select('id')
    .where('council_id', '=', councilId)
    .where('key', '=', 'chronologies')
    .executeTakeFirstOrThrow();
  await setPracticeThemeActive(t.db, councilId, theme.id, false);
  const errors = await refused(
    createLearningSession(t.db, councilId, null, input('2026-07-02', ['chronologies'], 8), TODAY),
  );
  assert.deepEqual(errors, [
    { field: 'themes', message: '“Chronologies” has been retired: select a practice theme in use' },
  ]);
  await updateLearningSession(t.db, councilId, id, input('2026-07-01', ['chronologies'], 9), TODAY);
  assert.equal((await getLearningSession(t.db, councilId, id))?.attended, 9);
  await setPracticeThemeActive(t.db, councilId, theme.id, true);
});

test('another council’s session can be neither read, changed nor deleted', async () => {
  const [theirs] = await listLearningSessions(t.db, otherCouncilId);
  assert.equal(await getLearningSession(t.db, councilId, theirs.id), undefined);
  await assert.rejects(
    updateLearningSession(t.db, councilId, theirs.id, input('2026-05-05', ['neglect'], 1), TODAY),
    /No such learning session/,
  );
  await assert.rejects(deleteLearningSession(t.db, councilId, theirs.id), /No such learning session/);
  assert.equal((await getLearningSession(t.db, otherCouncilId, theirs.id))?.attended, 99);
});
