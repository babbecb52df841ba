import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';
import { findMapping } from '../../import/mapped.ts';
import { createCouncil } from '../organisation/councils.ts';
import {
  checkColumnMapping,
  createColumnMapping,
  deleteColumnMapping,
  getColumnMapping,
  listColumnMappings,
  updateColumnMapping,
} from './column-mappings.ts';

let t: TestDb;
let councilId: string;
let otherCouncilId: string;

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'm', name: 'Mapping Council' })).id;
  otherCouncilId = (await createCouncil(t.db, { code: 'o', name: 'Other Council' })).id;
});
after(() => t.close());

const weekly = {
  name: 'Weekly CIN extract',
  listKind: 'cin_plan',
  sheet: '',
  columns: {
    child_id: 'Person Ref',
    date_of_birth: 'D.O.B.',
    worker: 'Worker Name',
    team: 'Team Name',
    start_date: 'Plan Start',
    gender: '',
  },
};

/** The errors a rejected save gives, as field → message. */
async function refusal(fn: () => Promise<unknown>): Promise<Record<string, string>> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof ValidationError, `expected a ValidationError, got ${err}`);
    return Object.fromEntries(err.errors.map((e) => [e.field, e.message]));
  }
  assert.fail('the save was not refused');
}

const count = async () =>
  Number(
    (
      await t.db
        .selectFrom('column_mappings')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

test('a mapping is saved with its fields and found again by name, in any case', async () => {
  const id = await createColumnMapping(t.db, councilId, weekly);
  const saved = await getColumnMapping(t.db, councilId, id);
  assert.equal(saved.name, 'Weekly CIN extract');
  assert.equal(saved.listKindLabel, 'Child in need plans');
  assert.deepEqual(saved.columns, {
    child_id: 'Person Ref',
    date_of_birth: 'D.O.B.',
    team: 'Team Name',
    worker: 'Worker Name',
    start_date: 'Plan Start',
  });
  assert.equal(saved.fieldsMapped, 5);
  assert.equal(saved.sheet, null);
  const found = await findMapping(t.db, councilId, 'weekly cin EXTRACT');
  assert.equal(found?.id, id);
  assert.equal(found?.listKind, 'cin_plan');
  assert.equal(await findMapping(t.db, otherCouncilId, 'Weekly CIN extract'), undefined);
});

test('a second mapping with the same name in any case is refused; another council may use it', async () => {
  const before = await count();
  const errors = await refusal(() =>
    createColumnMapping(t.db, councilId, { ...weekly, name: '  WEEKLY cin extract ' }),
  );
  assert.deepEqual(errors, { name: 'There is already a column mapping called "Weekly CIN extract"' });
  assert.equal(await count(), before);
  await createColumnMapping(t.db, otherCouncilId, weekly);
  assert.equal(await count(), before + 1);
});

test('the child ID and the start date must be mapped, except that open cases have no start date', async () => {
  const errors = await refusal(() =>
    createColumnMapping(t.db, councilId, { name: 'Plans', listKind: 'cp_plan', columns: { team: 'Team' } }),
  );
  assert.deepEqual(errors, {
    'column-child_id': 'Choose the column that holds the child ID',
    'column-start_date': 'Choose the column that holds the start date: child protection plans are read by it',
  });
  const id = await createColumnMapping(t.db, councilId, {
    name: 'Open cases',
    listKind: 'open_case',
    // an open case list reads no episode: a start date chosen before the kind was changed is dropped
    columns: { child_id: 'Child', team: 'Team', start_date: 'Opened' },
  });
  assert.deepEqual((await getColumnMapping(t.db, councilId, id)).columns, {
    child_id: 'Child',
    team: 'Team',
  });
});

test('no column may hold two fields, whatever the case or punctuation of its name', () => {
  const checked = checkColumnMapping(
    {
      name: 'Twice',
      listKind: 'cla',
      columns: { child_id: 'Child ID', family_id: 'child-id', start_date: 'Start', end_date: 'START' },
    },
    [],
  );
  assert.equal(checked.ok, false);
  assert.deepEqual(!checked.ok && checked.errors, [
    {
      field: 'column-family_id',
      message: '"child-id" is already chosen for child ID: a column can hold one detail only',
    },
    {
      field: 'column-end_date',
      message: '"START" is already chosen for start date: a column can hold one detail only',
    },
  ]);
});

test('a name, a kind of list and real column names are needed; nothing is saved', async () => {
  const before = await count();
  const errors = await refusal(() =>
    createColumnMapping(t.db, councilId, {
      name: '   ',
      listKind: 'referrals',
      columns: { child_id: 'Child' },
    }),
  );
  assert.deepEqual(errors, {
    name: 'Enter a name for the mapping',
    listKind: 'Choose what each row of the file describes',
  });
  const punctuation = await refusal(() =>
    createColumnMapping(t.db, councilId, {
      name: 'Dots',
      listKind: 'open_case',
      columns: { child_id: '...' },
    }),
  );
  assert.deepEqual(punctuation, { 'column-child_id': 'Choose the column that holds the child ID' });
  assert.equal(await count(), before);
});

test('a mapping is changed, keeps its name unique, and names the worksheet it reads', async () => {
  const id = await createColumnMapping(t.db, councilId, { ...weekly, name: 'Care list', listKind: 'cla' });
  await updateColumnMapping(t.db, councilId, id, {
    name: 'Care list (weekly)',
    listKind: 'cla',
    sheet: 'Children in care',
    columns: { ...weekly.columns, placement_type: 'Placement' },
  });
  const changed = await getColumnMapping(t.db, councilId, id);
  assert.equal(changed.name, 'Care list (weekly)');
  assert.equal(changed.sheet, 'Children in care');
  assert.equal(changed.columns.placement_type, 'Placement');
  const stored = await t.db
    .selectFrom('column_mappings')
    .select('columns')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  assert.equal(stored.columns.__sheet, 'Children in care');
  const errors = await refusal(() =>
    updateColumnMapping(t.db, councilId, id, { ...weekly, name: 'weekly cin extract' }),
  );
  assert.deepEqual(errors, { name: 'There is already a column mapping called "Weekly CIN extract"' });
  // saving it under its own name again is not a clash
  await updateColumnMapping(t.db, councilId, id, { ...weekly, name: 'CARE LIST (weekly)', listKind: 'cla' });
  await assert.rejects(
    () => updateColumnMapping(t.db, otherCouncilId, id, weekly),
    NotFoundError,
    'another council cannot change it',
  );
});

test('mappings are listed by name and deleted only by their own council', async () => {
  const names = (await listColumnMappings(t.db, councilId)).map((m) => m.name);
  assert.deepEqual(
    names,
    [...names].sort((a, b) => a.localeCompare(b, 'en')),
  );
  const id = await createColumnMapping(t.db, councilId, { ...weekly, name: 'Short-lived' });
  await assert.rejects(() => deleteColumnMapping(t.db, otherCouncilId, id), NotFoundError);
  assert.equal(await deleteColumnMapping(t.db, councilId, id), 'Short-lived');
  await assert.rejects(() => getColumnMapping(t.db, councilId, id), NotFoundError);
});
