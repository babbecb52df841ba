import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import type { Role } from '../../domain/roles.ts';
import { ValidationError } from '../../domain/validation.ts';
import { addServiceArea, addTeam, createCouncil } from '../organisation/councils.ts';
import { addPerson } from '../organisation/people.ts';
import {
  deleteSession,
  getTrainingPeriods,
  managersNotTrainedInTime,
  recordSession,
  saveTrainingPeriods,
  trainingCountsAsAt,
  trainingRegister,
  updateSession,
} from './training.ts';

const today = '2026-11-22';
let t: TestDb;
let councilId: string;
let otherCouncilId: string;
const staff: Record<string, string> = {};

async function person(
  name: string,
  roles: Role[],
  startedOn: string | null,
  teamId: string | null,
  council = councilId,
) {
  const { staffId } = await addPerson(
    t.db,
    council,
    {
      name,
      email: `${name.toLowerCase().replace(/ /g, '.')}@tr.example.gov.uk`,
      jobTitle: roles.includes('case_manager') ? 'Team Manager' : 'Social Worker',
      teamId: teamId ?? '',
      roles,
    },
    { startedOn },
  );
  return staffId;
}

const trainedOn = async (id: string) =>
  (await t.db.selectFrom('staff').select('audit_trained_on').where('id', '=', id).executeTakeFirstOrThrow())
    .audit_trained_on;

const session = (heldOn: string, attendees: string[], kind = 'initial') => {
  const [year, month, day] = heldOn.split('-');
  return {
    'heldOn-day': day,
    'heldOn-month': month,
    'heldOn-year': year,
    kind,
    title: `Training ${heldOn}`,
    trainer: '',
    attendees,
  };
};

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'tr', name: 'Training Council' })).id;
  otherCouncilId = (await createCouncil(t.db, { code: 'tr2', name: 'Other Council' })).id;
  const area = await addServiceArea(t.db, councilId, 'Safeguarding');
  const oak = await addTeam(t.db, councilId, { name: 'Oak Team', serviceAreaId: area });
  staff.newManager = await person('Nell New', ['case_manager'], '2026-10-15', oak);
  staff.lateManager = await person('Larry Late', ['case_manager', 'auditor'], '2026-06-01', oak);
  staff.auditor = await person('Ada Auditor', ['auditor'], '2020-01-01', oak);
  staff.head = await person('Hal Head', ['senior_leader'], '2019-01-01', null);
  staff.worker = await person('Wes Worker', ['practitioner'], '2026-11-01', oak);
  staff.outsider = await person('Otto Other', ['auditor'], '2020-01-01', null, otherCouncilId);
});
after(() => t.close());

test('managers not trained within the period are listed with team and start date; new ones are awaiting', async () => {
  const late = await managersNotTrainedInTime(t.db, councilId, today);
  assert.deepEqual(
    late.map((p) => [p.name, p.team, p.startedOn]),
    [
      ['Hal Head', null, '2019-01-01'],
      ['Ada Auditor', 'Oak Team', '2020-01-01'],
      ['Larry Late', 'Oak Team', '2026-06-01'],
    ],
  );
  const register = await trainingRegister(t.db, councilId, today);
  assert.deepEqual(
    register.people.map((p) => [p.name, p.status]),
    [
      ['Ada Auditor', 'overdue'],
      ['Hal Head', 'overdue'],
      ['Larry Late', 'overdue'],
      ['Nell New', 'awaiting'],
    ],
    'the practitioner is not expected to audit, and nobody from the other council is listed',
  );
  assert.equal(register.counts.awaiting, 1);
  assert.equal(register.counts.overdue, 3);
  assert.equal(register.trained, 0);
});

test('attending a session sets the trained date; a later session moves it; deleting it goes back', async () => {
  const first = await recordSession(t.db, councilId, session('2025-01-10', [staff.auditor, staff.head]), {
    recordedBy: null,
    today,
  });
  assert.equal(await trainedOn(staff.auditor), '2025-01-10');
  assert.equal(await trainedOn(staff.head), '2025-01-10');
  const second = await recordSession(
    t.db,
    councilId,
    session('2026-11-02', [staff.auditor, staff.lateManager], 'refresher'),
    {
      recordedBy: null,
      today,
    },
  );
  assert.equal(await trainedOn(staff.auditor), '2026-11-02');
  assert.equal(await trainedOn(staff.lateManager), '2026-11-02');

  const register = await trainingRegister(t.db, councilId, today);
  const ada = register.people.find((p) => p.name === 'Ada Auditor');
  assert.equal(ada?.status, 'trained');
  assert.equal(ada?.refresherDue, '2028-11-02');
  assert.equal(register.people.find((p) => p.name === 'Hal Head')?.status, 'refresher_due_soon');
  assert.deepEqual(
    (await managersNotTrainedInTime(t.db, councilId, today)).map((p) => p.name),
    [],
  );

  await deleteSession(t.db, councilId, second.id);
  assert.equal(await trainedOn(staff.auditor), '2025-01-10', 'back to the session before');
  assert.equal(await trainedOn(staff.lateManager), null, 'it was their only session');

  // taking someone off a session recomputes them too
  await updateSession(t.db, councilId, first.id, session('2025-01-10', [staff.auditor]), today);
  assert.equal(await trainedOn(staff.head), null);
  assert.equal(await trainedOn(staff.auditor), '2025-01-10');
});

test('a date typed by hand stays unless a later session replaces it', async () => {
  await t.db
    .updateTable('staff')
    .set({ audit_trained_on: '2026-03-05' })
    .where('id', '=', staff.head)
    .execute();
  const earlier = await recordSession(t.db, councilId, session('2026-02-01', [staff.head]), {
    recordedBy: null,
    today,
  });
  assert.equal(await trainedOn(staff.head), '2026-03-05');
  await deleteSession(t.db, councilId, earlier.id);
  assert.equal(await trainedOn(staff.head), '2026-03-05');
  const later = await recordSession(t.db, councilId, session('2026-04-01', [staff.head]), {
    recordedBy: null,
    today,
  });
  assert.equal(await trainedOn(staff.head), '2026-04-01');
  await deleteSession(t.db, councilId, later.id);
  assert.equal(await trainedOn(staff.head), null, 'the session replaced the typed date');
});

test('a session must have a real past date, a kind, a title and the council’s own staff', async () => {
  await assert.rejects(
    recordSession(
      t.db,
      councilId,
      {
        'heldOn-day': '1',
        'heldOn-month': '1',
        'heldOn-year': '2027',
        kind: 'x',
        title: '',
        attendees: [staff.outsider],
      },
      { recordedBy: null, today },
    ),
    (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.deepEqual(
        err.errors.map((e) => e.field),
        ['heldOn-day', 'kind', 'title', 'attendees'],
      );
      return true;
    },
  );
});

test('the periods are the council’s to set, within limits', async () => {
  assert.deepEqual(await getTrainingPeriods(t.db, councilId), { refresherMonths: 24, newManagerMonths: 2 });
  await assert.rejects(
    saveTrainingPeriods(t.db, councilId, { refresherMonths: '0', newManagerMonths: 'two' }),
    (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.deepEqual(err.errors, [
        {
          field: 'refresherMonths',
          message: 'Enter the number of months until a refresher is due, from 1 to 120',
        },
        { field: 'newManagerMonths', message: 'Enter the number of months as a whole number, like 2' },
      ]);
      return true;
    },
  );
  await saveTrainingPeriods(t.db, councilId, { refresherMonths: '12', newManagerMonths: '3' });
  assert.deepEqual(await getTrainingPeriods(t.db, councilId), { refresherMonths: 12, newManagerMonths: 3 });
  // with 3 months, Larry (started 1 June) is still overdue; Nell still awaiting
  const register = await trainingRegister(t.db, councilId, today);
  assert.equal(register.people.find((p) => p.name === 'Nell New')?.status, 'awaiting');
  await saveTrainingPeriods(t.db, councilId, { refresherMonths: '24', newManagerMonths: '2' });
});

test('counts as at a past date use the sessions attended by then', async () => {
  const counts = await trainingCountsAsAt(t.db, councilId, '2025-03-31');
  // on 31 March 2025: Ada trained (10 January 2025); Hal not trained (his sessions came later); Larry,
  // Nell and Wes had not started
  assert.deepEqual(counts, { asAt: '2025-03-31', trained: 1, awaiting: 0, overdue: 1 });
});
