import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { type ReturnsSeed, seedReturns } from '../../../test/helpers/returns.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';
import { mapName } from '../case-data/name-aliases.ts';
import { createCouncil } from '../organisation/councils.ts';
import { createProgrammeYear } from '../programme/programme.ts';
import { auditorPool, getAuditor, listAuditors, mayDoDipSamples, updateAuditorSettings } from './auditors.ts';

let t: TestDb;
let councilId: string;
let otherCouncilId: string;
let seed: ReturnsSeed;

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'au', name: 'Auditor Council' })).id;
  await createProgrammeYear(t.db, councilId, { startMonth: '2026-04' }, '2026-03-01');
  seed = await seedReturns(t.db, councilId);
  otherCouncilId = (await createCouncil(t.db, { code: 'other', name: 'Other Council' })).id;
});
after(() => t.close());

test('the pool: every active auditor with what allocation needs, trained or not', async () => {
  const pool = await auditorPool(t.db, councilId, seed.novemberId);
  const team = async (staffId: string) =>
    (await t.db.selectFrom('staff').select('team_id').where('id', '=', staffId).executeTakeFirstOrThrow())
      .team_id;
  assert.deepEqual(
    pool.map((a) => [a.name, a.trainedOn, a.capacity, a.allocatedThisMonth, a.completedFullAudits]),
    [
      // Ann: RT-01, RT-02 and RT-07 are hers this month (RT-08 was exempted); two full audits
      // submitted in QA Loop and two completed in the history, her name written two ways
      ['Ann Auditor', '2025-06-01', 4, 3, 4],
      // Bob: RT-03 and RT-04 (RT-05 exempted); his completed re-audit is not a full audit
      ['Bob Auditor', '2025-06-01', 4, 2, 0],
      // Cat: a full audit in the history, but never trained
      ['Cat Untrained', null, 2, 0, 1],
      // Fay: the history names her by her staff id
      ['Fay Formerly', '2025-06-01', 4, 0, 1],
    ],
    'Dan has left (inactive) and Pip is not an auditor',
  );
  const ann = pool[0];
  assert.equal(ann.staffId, seed.staff.ann);
  assert.equal(ann.email, 'ann.auditor@rt.example.gov.uk');
  assert.equal(ann.teamId, await team(seed.staff.ann));
  assert.ok(ann.serviceAreaId, 'the team’s service area when the person has none of their own');
  assert.equal(ann.lineManagerId, null);
  assert.deepEqual(
    pool.map((a) => [a.name, mayDoDipSamples(a)]),
    [
      ['Ann Auditor', true],
      ['Bob Auditor', false],
      ['Cat Untrained', false],
      ['Fay Formerly', true],
    ],
  );
});

test('a worker name the QA team mapped to a person counts their history too', async () => {
  const before = (await auditorPool(t.db, councilId, seed.novemberId)).find((a) => a.name === 'Bob Auditor');
  assert.equal(before?.completedFullAudits, 0);
  await t.db
    .insertInto('audit_history')
    .values({
      council_id: councilId,
      import_id: (
        await t.db
          .selectFrom('imports')
          .select('id')
          .where('council_id', '=', councilId)
          .executeTakeFirstOrThrow()
      ).id,
      audit_ref: 'RTH-ALIAS',
      child_ref: 'HX-9',
      month: '2025-05-01',
      activity: 'full',
      auditor: 'R. Auditor (Bob)',
      status: 'completed',
      completed_on: '2025-05-20',
      scale: 'four_point',
      grade: 'good',
      section_grades: '{}',
    })
    .execute();
  await mapName(
    t.db,
    councilId,
    { kind: 'worker', name: 'R. Auditor (Bob)', target: seed.staff.bob },
    seed.staff.ann,
  );
  const after = (await auditorPool(t.db, councilId, seed.novemberId)).find((a) => a.name === 'Bob Auditor');
  assert.equal(after?.completedFullAudits, 1);
  assert.equal(after && mayDoDipSamples(after), true);
});

test('the auditors page’s list: this cycle’s audits owed and returned, and why not dip samples', async () => {
  const list = await listAuditors(t.db, councilId, { monthId: seed.novemberId, today: '2026-11-22' });
  const cat = list.find((a) => a.name === 'Cat Untrained');
  assert.deepEqual(
    list.map((a) => [a.name, a.allocated, a.owed, a.returned, a.trained]),
    [
      ['Ann Auditor', 3, 1, 2, true],
      ['Bob Auditor', 2, 1, 1, true],
      ['Cat Untrained', 0, 0, 0, false],
      ['Fay Formerly', 0, 0, 0, true],
    ],
  );
  assert.equal(cat?.dipSampleBar, 'Not trained');
  const noCycle = await listAuditors(t.db, councilId, { monthId: null, today: '2026-11-22' });
  assert.deepEqual(
    noCycle.map((a) => a.allocated),
    [0, 0, 0, 0],
  );
});

test('recording training and capacity: saved when valid', async () => {
  const saved = await updateAuditorSettings(
    t.db,
    councilId,
    seed.staff.cat,
    { 'trainedOn-day': '3', 'trainedOn-month': '9', 'trainedOn-year': '2026', capacity: ' 3 ' },
    '2026-11-22',
  );
  assert.deepEqual(saved, { trainedOn: '2026-09-03', capacity: 3 });
  const cat = await getAuditor(t.db, councilId, seed.staff.cat);
  assert.equal(cat?.trainedOn, '2026-09-03');
  assert.equal(cat?.capacity, 3);
  // cleared: no longer counted as trained
  await updateAuditorSettings(
    t.db,
    councilId,
    seed.staff.cat,
    { 'trainedOn-day': '', 'trainedOn-month': '', 'trainedOn-year': '', capacity: '0' },
    '2026-11-22',
  );
  assert.equal((await getAuditor(t.db, councilId, seed.staff.cat))?.trainedOn, null);
});

test('recording training and capacity: every mistake is named against its field and nothing is saved', async () => {
  const attempt = (fields: Record<string, string>) =>
    updateAuditorSettings(t.db, councilId, seed.staff.fay, fields, '2026-11-22').then(
      () => assert.fail('saved'),
      (err) => {
        assert.ok(err instanceof ValidationError);
        return err.errors;
      },
    );
  const good = { 'trainedOn-day': '1', 'trainedOn-month': '6', 'trainedOn-year': '2025', capacity: '4' };
  assert.deepEqual(
    await attempt({ ...good, 'trainedOn-day': '31', 'trainedOn-month': '2', capacity: '51' }),
    [
      { field: 'trainedOn-day', message: 'The date they were trained must be a real date' },
      { field: 'capacity', message: 'Audits a month must be between 0 and 50' },
    ],
  );
  assert.deepEqual(await attempt({ ...good, 'trainedOn-year': '2027' }), [
    { field: 'trainedOn-day', message: 'The date they were trained must be today or in the past' },
  ]);
  assert.deepEqual(await attempt({ ...good, 'trainedOn-month': '' }), [
    { field: 'trainedOn-month', message: 'The date they were trained must include a month' },
  ]);
  assert.deepEqual(await attempt({ ...good, capacity: '2.5' }), [
    { field: 'capacity', message: 'Enter how many audits a month they can take as a whole number, like 2' },
  ]);
  assert.deepEqual(await attempt({ ...good, capacity: '' }), [
    { field: 'capacity', message: 'Enter how many audits a month they can take' },
  ]);
  const fay = await getAuditor(t.db, councilId, seed.staff.fay);
  assert.deepEqual([fay?.trainedOn, fay?.capacity], ['2025-06-01', 4]);
});

test('only the council’s active staff can be changed; training can be recorded before the auditor role is given', async () => {
  const valid = { 'trainedOn-day': '1', 'trainedOn-month': '6', 'trainedOn-year': '2025', capacity: '4' };
  await assert.rejects(
    updateAuditorSettings(t.db, councilId, seed.staff.dan, valid, '2026-11-22'),
    NotFoundError,
  );
  await assert.rejects(
    updateAuditorSettings(t.db, otherCouncilId, seed.staff.ann, valid, '2026-11-22'),
    NotFoundError,
  );
  assert.equal(await getAuditor(t.db, otherCouncilId, seed.staff.ann), undefined);
  assert.equal(await getAuditor(t.db, councilId, seed.staff.dan), undefined, 'someone who has left');
  assert.equal((await getAuditor(t.db, councilId, seed.staff.ann))?.isAuditor, true);
  await updateAuditorSettings(t.db, councilId, seed.staff.pip, valid, '2026-11-22');
  const pip = await getAuditor(t.db, councilId, seed.staff.pip);
  assert.deepEqual([pip?.isAuditor, pip?.trainedOn], [false, '2025-06-01']);
  const pool = await auditorPool(t.db, councilId, seed.novemberId);
  assert.ok(!pool.some((a) => a.staffId === seed.staff.pip), 'not in the pool without the auditor role');
});
