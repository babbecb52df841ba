import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { LOCK_MINUTES, loadSignedInUser, MAX_FAILED_ATTEMPTS, signInWithPassword } from './auth.ts';
import { addLocality, addServiceArea, addTeam, createCouncil } from './councils.ts';
import { addPerson } from './people.ts';

let t: TestDb;
let councilId: string;

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'test', name: 'Test Council' })).id;
  const area = await addServiceArea(t.db, councilId, 'Safeguarding');
  const locality = await addLocality(t.db, councilId, 'North');
  const teamId = await addTeam(t.db, councilId, {
    name: 'Safeguarding 1',
    serviceAreaId: area,
    localityId: locality,
  });
  await addPerson(t.db, councilId, {
    name: 'Sam Auditor',
    email: 'Sam.Auditor@test.gov.uk',
    jobTitle: 'Team Manager',
    teamId,
    roles: ['auditor', 'case_manager'],
    password: 'correct horse battery',
  });
  await addPerson(t.db, councilId, {
    name: 'Lee Locked',
    email: 'lee@test.gov.uk',
    jobTitle: 'Team Manager',
    roles: ['auditor'],
    password: 'correct horse battery',
  });
});
after(() => t.close());

test('the right password signs in, whatever the case of the email address', async () => {
  const result = await signInWithPassword(t.db, 'sam.auditor@TEST.gov.uk', 'correct horse battery');
  assert.equal(result.ok, true);
  const user = result.ok ? await loadSignedInUser(t.db, result.userId) : undefined;
  assert.equal(user?.name, 'Sam Auditor');
  assert.deepEqual(user?.roles, ['auditor', 'case_manager']);
  assert.equal(user?.teamName, 'Safeguarding 1');
  assert.equal(user?.councilName, 'Test Council');
});

test('a wrong password and an unknown account get the same answer', async () => {
  const wrong = await signInWithPassword(t.db, 'sam.auditor@test.gov.uk', 'wrong password!');
  const unknown = await signInWithPassword(t.db, 'nobody@test.gov.uk', 'wrong password!');
  assert.deepEqual(wrong, { ok: false, reason: 'invalid' });
  assert.deepEqual(unknown, { ok: false, reason: 'invalid' });
  // a success resets the count
  assert.equal((await signInWithPassword(t.db, 'sam.auditor@test.gov.uk', 'correct horse battery')).ok, true);
});

test(`after ${MAX_FAILED_ATTEMPTS} wrong passwords the account is locked, even for the right one, until the lock runs out`, async () => {
  const now = new Date('2026-11-22T10:00:00Z');
  for (let i = 1; i < MAX_FAILED_ATTEMPTS; i++) {
    assert.deepEqual(await signInWithPassword(t.db, 'lee@test.gov.uk', `guess ${i}`, now), {
      ok: false,
      reason: 'invalid',
    });
  }
  assert.deepEqual(await signInWithPassword(t.db, 'lee@test.gov.uk', 'last guess', now), {
    ok: false,
    reason: 'locked',
  });
  const during = new Date(now.getTime() + (LOCK_MINUTES - 1) * 60_000);
  assert.deepEqual(await signInWithPassword(t.db, 'lee@test.gov.uk', 'correct horse battery', during), {
    ok: false,
    reason: 'locked',
  });
  const afterLock = new Date(now.getTime() + (LOCK_MINUTES + 1) * 60_000);
  assert.equal(
    (await signInWithPassword(t.db, 'lee@test.gov.uk', 'correct horse battery', afterLock)).ok,
    true,
  );
});

test('guesses sent all at once still lock the account after five, and check no more than five passwords', async () => {
  await addPerson(t.db, councilId, {
    name: 'Rae Rush',
    email: 'rae@test.gov.uk',
    jobTitle: 'Team Manager',
    roles: ['auditor'],
    password: 'correct horse battery',
  });
  const now = new Date('2026-11-22T12:00:00Z');
  const results = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      signInWithPassword(t.db, 'rae@test.gov.uk', `parallel guess ${i}`, now),
    ),
  );
  assert.equal(results.filter((r) => !r.ok && r.reason === 'invalid').length, MAX_FAILED_ATTEMPTS - 1);
  assert.equal(results.filter((r) => !r.ok && r.reason === 'locked').length, 12 - (MAX_FAILED_ATTEMPTS - 1));
  const soon = new Date(now.getTime() + 60_000);
  assert.deepEqual(await signInWithPassword(t.db, 'rae@test.gov.uk', 'correct horse battery', soon), {
    ok: false,
    reason: 'locked',
  });
});
