/**
 * Giving an open action to someone else (a leaver's actions, say), on the demo council: only a QA
 * lead of the action's council may; the new owner must work for the council now; a done action
 * stays with whoever did it; the new owner is told. A refusal changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { TEST_TODAY } from '../../../test/helpers/app.ts';
import { createTestDb, type TestDbWithDemo } from '../../../test/helpers/db.ts';
import type { Role } from '../../domain/roles.ts';
import { ValidationError } from '../../domain/validation.ts';
import { loadSignedInUser, type SignedInUser } from '../organisation/auth.ts';
import { createCouncil } from '../organisation/councils.ts';
import { actionForReassigning, reassignAction } from './actions.ts';
import { AuditAccessError } from './audit-access.ts';

let t: TestDbWithDemo;
const users = new Map<Role, SignedInUser>();

async function userFor(role: Role): Promise<SignedInUser> {
  const known = users.get(role);
  if (known) return known;
  const account = await t.db
    .selectFrom('user_accounts as u')
    .innerJoin('staff as s', 's.id', 'u.staff_id')
    .select('u.id')
    .where('s.external_id', '=', `DEMO-${role}`)
    .executeTakeFirstOrThrow();
  const user = (await loadSignedInUser(t.db, account.id)) as SignedInUser;
  users.set(role, user);
  return user;
}

const actionRow = (id: string) =>
  t.db
    .selectFrom('audit_actions')
    .select(['owner_id', 'status'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

/** An open action of the demo council and an active person (not its owner) to give it to. */
async function openActionAndSomeoneElse(skip = 0) {
  const action = await t.db
    .selectFrom('audit_actions')
    .select(['id', 'owner_id'])
    .where('council_id', '=', t.demo.councilId)
    .where('status', '=', 'open')
    .orderBy('id')
    .offset(skip)
    .limit(1)
    .executeTakeFirstOrThrow();
  const other = await t.db
    .selectFrom('staff')
    .select(['id', 'name'])
    .where('council_id', '=', t.demo.councilId)
    .where('active', '=', true)
    .where('deactivated_at', 'is', null)
    .where('left_on', 'is', null)
    .where('id', '!=', action.owner_id)
    .orderBy('name')
    .offset(skip)
    .limit(1)
    .executeTakeFirstOrThrow();
  return { actionId: action.id, ownerId: action.owner_id, other };
}

const messagesTo = (staffId: string, actionId: string) =>
  t.db
    .selectFrom('notifications')
    .select(['kind', 'audit_id'])
    .where('staff_id', '=', staffId)
    .where('about_id', '=', actionId)
    .where('kind', '=', 'action_assigned')
    .execute();

before(async () => {
  t = await createTestDb({ demo: true });
});

after(async () => {
  await t?.close();
});

test('a QA lead gives an open action to someone else, who is told', async () => {
  const qa = await userFor('qa_lead');
  const { actionId, ownerId, other } = await openActionAndSomeoneElse();
  const page = await actionForReassigning(t.db, qa, actionId, TEST_TODAY);
  assert.equal(page.action.id, actionId);
  assert.ok(
    page.choices.some((c) => c.id === other.id),
    'the new owner is offered',
  );
  assert.ok(!page.choices.some((c) => c.id === ownerId), 'the owner now is not offered');

  const done = await reassignAction(t.db, qa, actionId, { ownerId: other.id }, { today: TEST_TODAY });
  assert.equal(done.newOwner, other.name);
  assert.equal(done.previousOwnerId, ownerId);
  assert.equal((await actionRow(actionId)).owner_id, other.id);
  assert.equal(page.lastChange, null, 'never given to anyone else before');
  const after = await actionForReassigning(t.db, qa, actionId, TEST_TODAY);
  assert.equal(after.lastChange?.previousOwner, done.previousOwner, 'who had it is kept');
  assert.equal(after.lastChange?.changedBy, qa.name, 'and who gave it away');
  const told = await messagesTo(other.id, actionId);
  assert.equal(told.length, 1);
  assert.ok(told[0].audit_id, 'the message names the audit, not the child');
});

test('only a QA lead may: auditors, practitioners, case managers and others are refused', async () => {
  const { actionId, ownerId, other } = await openActionAndSomeoneElse(1);
  for (const role of ['auditor', 'practitioner', 'case_manager', 'senior_leader'] as const) {
    const user = await userFor(role);
    await assert.rejects(
      reassignAction(t.db, user, actionId, { ownerId: other.id }, { today: TEST_TODAY }),
      AuditAccessError,
      role,
    );
    await assert.rejects(actionForReassigning(t.db, user, actionId, TEST_TODAY), AuditAccessError, role);
  }
  assert.equal((await actionRow(actionId)).owner_id, ownerId);
  assert.equal((await messagesTo(other.id, actionId)).length, 0);
});

test('a leaver, someone of another council, nobody or the owner now are refused clearly', async () => {
  const qa = await userFor('qa_lead');
  const { actionId, ownerId, other } = await openActionAndSomeoneElse(2);
  const refusal = async (newOwner: string, words: RegExp) => {
    const err = await reassignAction(t.db, qa, actionId, { ownerId: newOwner }, { today: TEST_TODAY }).then(
      () => assert.fail('not refused'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ValidationError);
    assert.equal(err.errors[0].field, 'ownerId');
    assert.match(err.errors[0].message, words);
  };

  // a leaver, deactivated by the staff file
  await t.db
    .updateTable('staff')
    .set({ deactivated_at: sql<Date>`now()`, deactivated_reason: 'Left the council' })
    .where('id', '=', other.id)
    .execute();
  await refusal(other.id, /works for the council now/);
  assert.ok(
    !(await actionForReassigning(t.db, qa, actionId, TEST_TODAY)).choices.some((c) => c.id === other.id),
  );
  await t.db
    .updateTable('staff')
    .set({ deactivated_at: null, deactivated_reason: null })
    .where('id', '=', other.id)
    .execute();

  // a person of another council
  const elsewhere = await createCouncil(t.db, { code: 'elsewhere', name: 'Elsewhere Council' });
  const stranger = await t.db
    .insertInto('staff')
    .values({ council_id: elsewhere.id, name: 'Sam Stranger', job_title: 'Social Worker' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await refusal(stranger.id, /works for the council now/);
  await refusal('', /Select who/);
  await refusal('not-an-id', /works for the council now/);
  await refusal(ownerId, /already owns this action/);

  assert.equal((await actionRow(actionId)).owner_id, ownerId);
  assert.equal((await messagesTo(other.id, actionId)).length, 0);
  assert.equal((await messagesTo(stranger.id, actionId)).length, 0);
});

test('a done action cannot be given to someone else', async () => {
  const qa = await userFor('qa_lead');
  const { actionId, ownerId, other } = await openActionAndSomeoneElse(3);
  await t.db
    .updateTable('audit_actions')
    .set({ status: 'done', done_on: TEST_TODAY, done_by: ownerId })
    .where('id', '=', actionId)
    .execute();
  const err = await reassignAction(t.db, qa, actionId, { ownerId: other.id }, { today: TEST_TODAY }).then(
    () => assert.fail('not refused'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ValidationError);
  assert.match(err.errors[0].message, /marked as done/);
  assert.equal((await actionRow(actionId)).owner_id, ownerId);
  assert.equal((await messagesTo(other.id, actionId)).length, 0);
});
