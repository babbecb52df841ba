import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';
import { addServiceArea, addTeam, createCouncil } from './councils.ts';
import { addPerson, getPerson, listPeople, listRoleChanges, setDisabled, setRoles } from './people.ts';

let t: TestDb;
let councilId: string;
let otherTeam: string;

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'one', name: 'Council One' })).id;
  const other = (await createCouncil(t.db, { code: 'two', name: 'Council Two' })).id;
  otherTeam = await addTeam(t.db, other, {
    name: 'Their team',
    serviceAreaId: await addServiceArea(t.db, other, 'Care'),
  });
});
after(() => t.close());

async function refusal(input: Record<string, unknown>) {
  try {
    await addPerson(t.db, councilId, input as never);
  } catch (err) {
    assert.ok(err instanceof ValidationError);
    return err.errors;
  }
  assert.fail('expected the person to be refused');
}

test('a person is added with their roles and an account', async () => {
  const { staffId } = await addPerson(t.db, councilId, {
    name: '  Ada Manager ',
    email: 'ada@one.gov.uk',
    jobTitle: 'Team Manager',
    roles: ['case_manager', 'auditor'],
  });
  const person = await getPerson(t.db, councilId, staffId);
  assert.equal(person?.name, 'Ada Manager');
  assert.deepEqual(person?.roles, ['auditor', 'case_manager']);
  assert.equal(person?.hasAccount, true);
  assert.equal(person?.canSignInLocally, false);
});

test('missing and malformed answers are each named, and nothing is written', async () => {
  const before = (await listPeople(t.db, councilId)).length;
  const errors = await refusal({
    name: '',
    email: 'not-an-email',
    jobTitle: '',
    roles: [],
  });
  assert.deepEqual(
    errors.map((e) => e.field),
    ['name', 'email', 'jobTitle', 'roles'],
  );
  assert.match(errors.find((e) => e.field === 'email')?.message ?? '', /correct format/);
  assert.equal((await listPeople(t.db, councilId)).length, before);
});

test('an email address already in use is refused whatever its case', async () => {
  const errors = await refusal({
    name: 'Ada Again',
    email: 'ADA@one.gov.uk',
    jobTitle: 'x',
    roles: ['auditor'],
  });
  assert.deepEqual(errors, [
    { field: 'email', message: 'Someone already has an account with this email address' },
  ]);
});

test('a team belonging to another council is refused', async () => {
  const errors = await refusal({
    name: 'Bo',
    email: 'bo@one.gov.uk',
    jobTitle: 'x',
    roles: ['auditor'],
    teamId: otherTeam,
  });
  assert.deepEqual(
    errors.map((e) => e.field),
    ['teamId'],
  );
});

test('an unknown role is refused', async () => {
  const errors = await refusal({ name: 'Cy', email: 'cy@one.gov.uk', jobTitle: 'x', roles: ['superuser'] });
  assert.deepEqual(
    errors.map((e) => e.field),
    ['roles'],
  );
});

test('roles can be replaced but not emptied, each change is recorded, children’s records wait for a QA lead, and nobody changes their own', async () => {
  const { staffId: admin } = await addPerson(t.db, councilId, {
    name: 'Em Admin',
    email: 'em@one.gov.uk',
    jobTitle: 'Administrator',
    roles: ['administrator'],
  });
  const { staffId } = await addPerson(t.db, councilId, {
    name: 'Di',
    email: 'di@one.gov.uk',
    jobTitle: 'Social Worker',
    roles: ['practitioner'],
  });
  assert.deepEqual(
    await setRoles(
      t.db,
      councilId,
      staffId,
      { roles: ['practitioner', 'auditor', 'scrutiny_reader'] },
      admin,
    ),
    { granted: ['scrutiny_reader'], pending: ['auditor'], removed: [] },
  );
  await assert.rejects(setRoles(t.db, councilId, staffId, { roles: [] }, admin), ValidationError);
  assert.deepEqual((await getPerson(t.db, councilId, staffId))?.roles, ['practitioner', 'scrutiny_reader']);
  const changes = await listRoleChanges(t.db, councilId, staffId);
  assert.equal(changes.length, 1);
  assert.equal(changes[0].changedBy, 'Em Admin');
  assert.deepEqual(changes[0].before, ['practitioner']);
  assert.deepEqual(changes[0].after, ['practitioner', 'scrutiny_reader']);
  await assert.rejects(
    setRoles(t.db, councilId, admin, { roles: ['administrator', 'qa_lead'] }, admin),
    /your own roles/,
  );
  assert.deepEqual((await getPerson(t.db, councilId, admin))?.roles, ['administrator']);
});

test('an administrator disables someone with a reason, which ends their sessions, and enables them again', async () => {
  const { staffId, userId } = await addPerson(t.db, councilId, {
    name: 'To Disable',
    email: 'disable.me@one.gov.uk',
    jobTitle: 'Social Worker',
    roles: ['practitioner'],
  });
  const admin = (
    await t.db
      .selectFrom('staff_roles')
      .select('staff_id')
      .where('council_id', '=', councilId)
      .where('role', '=', 'administrator')
      .executeTakeFirstOrThrow()
  ).staff_id;
  await t.db
    .insertInto('sessions')
    .values({ sid: 'their-session', data: '{}', expires_at: new Date(Date.now() + 600_000), user_id: userId })
    .execute();
  await assert.rejects(
    setDisabled(t.db, councilId, staffId, { kind: 'disable', reason: '  ' }, admin),
    ValidationError,
  );
  await assert.rejects(
    setDisabled(t.db, councilId, admin, { kind: 'disable', reason: 'Leaving' }, admin),
    /cannot disable your own account/,
  );
  await setDisabled(t.db, councilId, staffId, { kind: 'disable', reason: 'Long-term leave' }, admin);
  const person = await getPerson(t.db, councilId, staffId);
  assert.equal(person?.disabled, true);
  const session = await t.db
    .selectFrom('sessions')
    .select('destroyed')
    .where('sid', '=', 'their-session')
    .executeTakeFirstOrThrow();
  assert.equal(session.destroyed, true, 'their session ended at once');
  await setDisabled(t.db, councilId, staffId, { kind: 'enable' }, admin);
  assert.equal((await getPerson(t.db, councilId, staffId))?.disabled, false);
  const events = await t.db
    .selectFrom('security_events')
    .select(['kind', 'actor_id', 'detail'])
    .where('subject_id', '=', staffId)
    .orderBy('id')
    .execute();
  assert.deepEqual(
    events.map((e) => [e.kind, e.actor_id]),
    [
      ['account_disabled', admin],
      ['account_enabled', admin],
    ],
  );
  await assert.rejects(
    setDisabled(t.db, 'ffffffff-ffff-4fff-8fff-ffffffffffff', staffId, { kind: 'enable' }, admin),
    NotFoundError,
  );
});
