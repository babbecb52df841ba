import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import {
  ACCOUNT_FAILURES_PER_ADDRESS,
  ADDRESS_FAILURES,
  forgetOldSignInFailures,
  loadSignedInUser,
  SIGN_IN_REFUSED,
  signInWithForm,
  signInWithPassword,
  THROTTLE_MINUTES,
} from './auth.ts';
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
  // a success clears the count
  assert.equal((await signInWithPassword(t.db, 'sam.auditor@test.gov.uk', 'correct horse battery')).ok, true);
});

const A = { address: '203.0.113.1' };
const B = { address: '198.51.100.7' };

test('five wrong passwords from one address refuse that address for 15 minutes, even with the right password; another address is not affected', async () => {
  const now = new Date('2026-11-22T10:00:00Z');
  for (let i = 1; i <= ACCOUNT_FAILURES_PER_ADDRESS; i++) {
    assert.deepEqual(await signInWithPassword(t.db, 'lee@test.gov.uk', `guess ${i}`, { ...A, now }), {
      ok: false,
      reason: 'invalid',
    });
  }
  assert.deepEqual(
    await signInWithPassword(t.db, 'lee@test.gov.uk', 'correct horse battery', { ...A, now }),
    {
      ok: false,
      reason: 'throttled',
    },
  );
  // Lee, at their own desk, is never refused because of someone else's guesses.
  assert.deepEqual(
    await signInWithPassword(t.db, 'lee@test.gov.uk', 'correct horse battery', { ...B, now }),
    {
      ok: true,
      userId: (
        await t.db
          .selectFrom('user_accounts')
          .select('id')
          .where('email', '=', 'lee@test.gov.uk')
          .executeTakeFirstOrThrow()
      ).id,
      secondFactor: false,
    },
  );
  const during = new Date(now.getTime() + (THROTTLE_MINUTES - 1) * 60_000);
  assert.equal(
    (await signInWithPassword(t.db, 'lee@test.gov.uk', 'correct horse battery', { ...A, now: during })).ok,
    false,
  );
  const afterwards = new Date(now.getTime() + (THROTTLE_MINUTES + 1) * 60_000);
  assert.equal(
    (await signInWithPassword(t.db, 'lee@test.gov.uk', 'correct horse battery', { ...A, now: afterwards }))
      .ok,
    true,
  );
  const refusals = await t.db
    .selectFrom('security_events')
    .select(['kind', 'detail'])
    .where('kind', '=', 'sign_in_refused')
    .execute();
  assert.equal(refusals.length, 1, 'the security log records the account reaching the limit once');
  assert.doesNotMatch(JSON.stringify(refusals), /203\.0\.113/, 'no address in the log');
});

test("a successful sign-in clears that account's failures from that address only", async () => {
  const now = new Date('2026-11-22T11:00:00Z');
  await addPerson(t.db, councilId, {
    name: 'Cam Clear',
    email: 'cam@test.gov.uk',
    jobTitle: 'Team Manager',
    roles: ['auditor'],
    password: 'correct horse battery',
  });
  for (let i = 0; i < 4; i++) {
    await signInWithPassword(t.db, 'cam@test.gov.uk', `guess ${i}`, { ...A, now });
    await signInWithPassword(t.db, 'cam@test.gov.uk', `guess ${i}`, { ...B, now });
  }
  assert.equal(
    (await signInWithPassword(t.db, 'cam@test.gov.uk', 'correct horse battery', { ...A, now })).ok,
    true,
  );
  const left = await t.db
    .selectFrom('sign_in_failures as f')
    .innerJoin('user_accounts as u', 'u.id', 'f.account_id')
    .where('u.email', '=', 'cam@test.gov.uk')
    .select('f.address')
    .execute();
  assert.deepEqual(
    left.map((r) => r.address),
    Array(4).fill(B.address),
  );
});

test('one address is refused after 30 failures across any accounts, known or not; other addresses carry on', async () => {
  const now = new Date('2026-11-22T13:00:00Z');
  const sprayer = { address: '192.0.2.99', now };
  for (let i = 0; i < ADDRESS_FAILURES; i++) {
    const r = await signInWithPassword(t.db, `person${i}@test.gov.uk`, 'Summer2026!', sprayer);
    assert.equal(r.ok, false);
  }
  assert.deepEqual(
    await signInWithPassword(t.db, 'sam.auditor@test.gov.uk', 'correct horse battery', sprayer),
    {
      ok: false,
      reason: 'throttled',
    },
  );
  assert.equal(
    (
      await signInWithPassword(t.db, 'sam.auditor@test.gov.uk', 'correct horse battery', {
        address: '192.0.2.100',
        now,
      })
    ).ok,
    true,
  );
});

test('guesses sent all at once from one address check no more than five passwords', async () => {
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
      signInWithPassword(t.db, 'rae@test.gov.uk', `parallel guess ${i}`, { ...A, now }),
    ),
  );
  assert.equal(results.filter((r) => !r.ok && r.reason === 'invalid').length, ACCOUNT_FAILURES_PER_ADDRESS);
  assert.equal(
    results.filter((r) => !r.ok && r.reason === 'throttled').length,
    12 - ACCOUNT_FAILURES_PER_ADDRESS,
  );
  const soon = new Date(now.getTime() + 60_000);
  assert.deepEqual(
    await signInWithPassword(t.db, 'rae@test.gov.uk', 'correct horse battery', { ...A, now: soon }),
    {
      ok: false,
      reason: 'throttled',
    },
  );
});

test('the form gives the same words for a wrong password, an unknown account and too many attempts', async () => {
  const now = new Date('2026-11-22T14:00:00Z');
  const wrong = await signInWithForm(
    t.db,
    { email: 'sam.auditor@test.gov.uk', password: 'nope nope' },
    { address: '10.9.9.9', now },
  );
  const unknown = await signInWithForm(
    t.db,
    { email: 'nobody@test.gov.uk', password: 'nope nope' },
    { address: '10.9.9.9', now },
  );
  const throttled = await signInWithForm(
    t.db,
    { email: 'rae@test.gov.uk', password: 'correct horse battery' },
    { ...A, now: new Date('2026-11-22T12:01:00Z') },
  );
  for (const r of [wrong, unknown, throttled]) {
    assert.deepEqual(r, { ok: false, errors: [{ field: 'password', message: SIGN_IN_REFUSED }] });
  }
  assert.equal(
    SIGN_IN_REFUSED,
    'Enter a correct email address and password. After several wrong attempts you need to wait 15 minutes.',
  );
});

test('failures older than a day are forgotten', async () => {
  const now = new Date('2030-01-01T12:00:00Z');
  const before = await t.db
    .selectFrom('sign_in_failures')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  assert.ok(Number(before.n) > 0);
  await forgetOldSignInFailures(t.db, now);
  const after = await t.db
    .selectFrom('sign_in_failures')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  assert.equal(Number(after.n), 0);
});
