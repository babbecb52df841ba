import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { planRoleRequest, rolesSavedMessage } from '../../domain/role-grants.ts';
import type { Role } from '../../domain/roles.ts';
import { ValidationError } from '../../domain/validation.ts';
import type { Mailer, MailMessage } from '../../platform/mailer.ts';
import { deliverWaiting } from '../notifications.ts';
import { createCouncil } from './councils.ts';
import { addPerson, setRoles } from './people.ts';
import {
  confirmRoleGrant,
  grantsWaitingFor,
  pendingGrants,
  refuseRoleGrant,
  requestRoles,
  securityLog,
  withdrawRoleGrant,
} from './role-grants.ts';

let t: TestDb;
let councilId: string;
let otherCouncil: string;
let admin: string;
let qaOne: string;
let qaTwo: string;
let n = 0;

async function person(roles: Role[], council = councilId): Promise<string> {
  n++;
  return (
    await addPerson(t.db, council, {
      name: `Person ${n}`,
      email: `person${n}@grants.gov.uk`,
      jobTitle: 'Worker',
      roles,
    })
  ).staffId;
}

async function held(staffId: string): Promise<Role[]> {
  return (
    await t.db
      .selectFrom('staff_roles')
      .select('role')
      .where('staff_id', '=', staffId)
      .orderBy('role')
      .execute()
  ).map((r) => r.role);
}

async function events(staffId: string) {
  return t.db
    .selectFrom('security_events')
    .select(['kind', 'actor_id', 'detail'])
    .where('subject_id', '=', staffId)
    .orderBy('id')
    .execute();
}

async function messages(staffId: string) {
  return t.db
    .selectFrom('notifications')
    .select(['kind', 'about_id'])
    .where('staff_id', '=', staffId)
    .execute();
}

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ValidationError, String(err));
    assert.match(err.errors[0].message, pattern);
    return true;
  });
}

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'grants', name: 'Grants Council' })).id;
  otherCouncil = (await createCouncil(t.db, { code: 'other', name: 'Other Council' })).id;
  admin = await person(['administrator']);
  qaOne = await person(['qa_lead']);
  qaTwo = await person(['qa_lead']);
});
after(() => t.close());

test('the plan: child-record roles and anything asked for oneself wait; removals and other roles do not', () => {
  assert.deepEqual(
    planRoleRequest({
      held: ['practitioner', 'auditor'],
      waiting: ['qa_lead'],
      wanted: ['practitioner', 'case_manager', 'scrutiny_reader'],
      source: 'administrator',
      self: false,
    }),
    {
      grant: ['scrutiny_reader'],
      pending: ['case_manager'],
      request: ['case_manager'],
      remove: ['auditor'],
      withdraw: ['qa_lead'],
    },
  );
  const self = planRoleRequest({
    held: ['administrator'],
    waiting: [],
    wanted: ['administrator', 'scrutiny_reader'],
    source: 'administrator',
    self: true,
  });
  assert.deepEqual(self.pending, ['scrutiny_reader']);
  assert.deepEqual(self.grant, []);
  const cli = planRoleRequest({
    held: [],
    waiting: ['qa_lead'],
    wanted: ['qa_lead'],
    source: 'command_line',
    self: false,
  });
  assert.deepEqual(cli.grant, ['qa_lead']);
  assert.deepEqual(cli.withdraw, ['qa_lead']);
  assert.equal(
    rolesSavedMessage('Sam', { granted: ['practitioner'], pending: ['auditor'], removed: [] }),
    'Roles saved for Sam. Now in effect: Practitioner. Waiting for a QA lead to confirm: Auditor.',
  );
});

test('a child-record role waits until a different QA lead confirms it; the person is told both times', async () => {
  const worker = await person(['practitioner']);
  const result = await requestRoles(t.db, {
    councilId,
    staffId: worker,
    roles: ['practitioner', 'auditor'],
    requestedBy: admin,
    source: 'administrator',
  });
  assert.deepEqual(result, { granted: [], pending: ['auditor'], removed: [] });
  assert.deepEqual(await held(worker), ['practitioner'], 'not in effect yet');

  const [grant] = await pendingGrants(t.db, councilId, { staffId: worker });
  assert.equal(grant.role, 'auditor');
  assert.equal(grant.askedBy, 'Person 1');
  assert.equal(grant.requestedById, admin);
  assert.deepEqual(
    (await events(worker)).map((e) => [e.kind, e.actor_id, e.detail.role]),
    [['role_requested', admin, 'auditor']],
  );
  assert.deepEqual(
    (await messages(worker)).map((m) => m.kind),
    ['role_requested'],
  );
  assert.equal(await grantsWaitingFor(t.db, councilId, qaOne), 1);

  // asking again is not an error and makes no second request
  const again = await requestRoles(t.db, {
    councilId,
    staffId: worker,
    roles: ['practitioner', 'auditor'],
    requestedBy: admin,
    source: 'administrator',
  });
  assert.deepEqual(again.pending, ['auditor']);
  assert.equal((await pendingGrants(t.db, councilId, { staffId: worker })).length, 1);

  const done = await confirmRoleGrant(t.db, councilId, grant.id, qaOne, null);
  assert.deepEqual(done, { staffId: worker, name: grant.person, role: 'auditor' });
  assert.deepEqual(await held(worker), ['auditor', 'practitioner']);
  assert.deepEqual(await pendingGrants(t.db, councilId, { staffId: worker }), []);
  const change = await t.db
    .selectFrom('role_changes')
    .selectAll()
    .where('staff_id', '=', worker)
    .executeTakeFirstOrThrow();
  assert.equal(change.changed_by, qaOne);
  assert.deepEqual(change.roles_after, ['auditor', 'practitioner']);
  assert.deepEqual(
    (await events(worker)).map((e) => e.kind),
    ['role_requested', 'role_confirmed'],
  );
  assert.deepEqual((await messages(worker)).map((m) => m.kind).sort(), ['role_granted', 'role_requested']);
  await rejectsWith(confirmRoleGrant(t.db, councilId, grant.id, qaTwo, null), /already been confirmed/);
});

test('the QA lead who asked cannot confirm, nor can the person themselves; the table refuses it too', async () => {
  const worker = await person(['practitioner']);
  await requestRoles(t.db, {
    councilId,
    staffId: worker,
    roles: ['practitioner', 'case_manager'],
    requestedBy: qaOne,
    source: 'administrator',
  });
  const [grant] = await pendingGrants(t.db, councilId, { staffId: worker });
  await rejectsWith(confirmRoleGrant(t.db, councilId, grant.id, qaOne), /You asked for this role/);
  await assert.rejects(
    t.db
      .updateTable('role_grants')
      .set({ outcome: 'confirmed', decided_by: qaOne, decided_at: new Date() })
      .where('id', '=', grant.id)
      .execute(),
    /role_grants_confirmed_by_another/,
  );
  assert.equal(await grantsWaitingFor(t.db, councilId, qaOne), 0, 'not counted as waiting for them');

  // a QA lead asking for themselves: neither they nor the administrator can confirm
  const res = await requestRoles(t.db, {
    councilId,
    staffId: qaTwo,
    roles: ['qa_lead', 'senior_leader'],
    requestedBy: qaTwo,
    source: 'administrator',
  });
  assert.deepEqual(res.pending, ['senior_leader']);
  const [own] = await pendingGrants(t.db, councilId, { staffId: qaTwo });
  await rejectsWith(confirmRoleGrant(t.db, councilId, own.id, qaTwo), /cannot confirm a role for yourself/);
  await rejectsWith(confirmRoleGrant(t.db, councilId, own.id, admin), /Only a QA lead can confirm/);
  assert.deepEqual(await held(qaTwo), ['qa_lead']);
  await confirmRoleGrant(t.db, councilId, own.id, qaOne);
  assert.deepEqual(await held(qaTwo), ['qa_lead', 'senior_leader']);
});

test('a role that opens no children’s records takes effect at once; removing a role is at once', async () => {
  const worker = await person(['practitioner', 'auditor']);
  const res = await requestRoles(t.db, {
    councilId,
    staffId: worker,
    roles: ['practitioner', 'scrutiny_reader'],
    requestedBy: admin,
    source: 'administrator',
  });
  assert.deepEqual(res, { granted: ['scrutiny_reader'], pending: [], removed: ['auditor'] });
  assert.deepEqual(await held(worker), ['practitioner', 'scrutiny_reader']);
  assert.deepEqual(
    (await events(worker)).map((e) => [e.kind, e.detail.role]),
    [
      ['role_removed', 'auditor'],
      ['role_granted', 'scrutiny_reader'],
    ],
  );
  assert.deepEqual(
    (await messages(worker)).map((m) => m.kind),
    ['role_granted'],
  );
  const change = await t.db
    .selectFrom('role_changes')
    .selectAll()
    .where('staff_id', '=', worker)
    .executeTakeFirstOrThrow();
  assert.deepEqual(
    [change.changed_by, change.roles_before, change.roles_after],
    [admin, ['auditor', 'practitioner'], ['practitioner', 'scrutiny_reader']],
  );
});

test('an administrator’s own grant waits even for a role without children’s records; setRoles refuses one’s own roles', async () => {
  const res = await requestRoles(t.db, {
    councilId,
    staffId: admin,
    roles: ['administrator', 'workforce_development'],
    requestedBy: admin,
    source: 'administrator',
  });
  assert.deepEqual(res, { granted: [], pending: ['workforce_development'], removed: [] });
  assert.deepEqual(await held(admin), ['administrator']);
  await rejectsWith(
    setRoles(t.db, councilId, admin, { roles: ['administrator', 'qa_lead'] }, admin),
    /cannot change your own roles/,
  );
  const [grant] = await pendingGrants(t.db, councilId, { staffId: admin });
  await withdrawRoleGrant(t.db, councilId, grant.id, admin);
  assert.deepEqual(await pendingGrants(t.db, councilId, { staffId: admin }), []);
});

test('the command line gives roles at once, recorded in the security log without a person', async () => {
  const first = await person([]).catch(() => null);
  assert.equal(first, null, 'a person needs a role to be added');
  const lead = await person(['administrator']);
  const res = await requestRoles(t.db, {
    councilId,
    staffId: lead,
    roles: ['administrator', 'qa_lead'],
    requestedBy: null,
    source: 'command_line',
  });
  assert.deepEqual(res, { granted: ['qa_lead'], pending: [], removed: [] });
  assert.deepEqual(await held(lead), ['administrator', 'qa_lead']);
  const [granted] = await events(lead);
  assert.equal(granted.kind, 'role_granted');
  assert.equal(granted.actor_id, null);
  assert.equal(granted.detail.source, 'command_line');
  // role_changes needs who changed it: the command line is in the security log only
  assert.equal(
    (await t.db.selectFrom('role_changes').select('id').where('staff_id', '=', lead).execute()).length,
    0,
  );
});

test('refusing needs a reason and leaves the role off; only the person who asked withdraws', async () => {
  const worker = await person(['practitioner']);
  await setRoles(t.db, councilId, worker, { roles: ['practitioner', 'qa_lead', 'auditor'] }, admin);
  const grants = await pendingGrants(t.db, councilId, { staffId: worker });
  assert.deepEqual(grants.map((g) => g.role).sort(), ['auditor', 'qa_lead']);
  const qa = grants.find((g) => g.role === 'qa_lead') as (typeof grants)[number];
  const auditor = grants.find((g) => g.role === 'auditor') as (typeof grants)[number];
  await assert.rejects(refuseRoleGrant(t.db, councilId, qa.id, qaOne, '  '), ValidationError);
  await refuseRoleGrant(t.db, councilId, qa.id, qaOne, 'Not in the QA team');
  await rejectsWith(withdrawRoleGrant(t.db, councilId, auditor.id, qaOne), /Only the person who asked/);
  await withdrawRoleGrant(t.db, councilId, auditor.id, admin);
  assert.deepEqual(await held(worker), ['practitioner']);
  assert.deepEqual(
    (await events(worker)).map((e) => e.kind),
    ['role_requested', 'role_requested', 'role_refused', 'role_withdrawn'],
  );
  const log = await securityLog(t.db, councilId, { staffId: worker, kind: 'role_refused' });
  assert.equal(log.total, 1);
  assert.equal(log.events[0].who, 'Person 2');
  assert.equal(log.events[0].whose, grants[0].person);
  assert.deepEqual(log.events[0].detail, [
    'Role: QA lead or QA officer',
    'Reason: Not in the QA team',
    'Asked for by Person 1',
  ]);
});

test('unchecking a waiting role withdraws it', async () => {
  const worker = await person(['practitioner']);
  await setRoles(t.db, councilId, worker, { roles: ['practitioner', 'auditor'] }, admin);
  const res = await setRoles(t.db, councilId, worker, { roles: ['practitioner'] }, admin);
  assert.deepEqual(res, { granted: [], pending: [], removed: [] });
  assert.deepEqual(await pendingGrants(t.db, councilId, { staffId: worker }), []);
  assert.equal((await events(worker)).at(-1)?.kind, 'role_withdrawn');
});

test('nothing crosses councils', async () => {
  const theirs = await person(['practitioner'], otherCouncil);
  await assert.rejects(
    requestRoles(t.db, {
      councilId,
      staffId: theirs,
      roles: ['auditor'],
      requestedBy: admin,
      source: 'administrator',
    }),
    /No such person/,
  );
  await requestRoles(t.db, {
    councilId: otherCouncil,
    staffId: theirs,
    roles: ['auditor'],
    requestedBy: null,
    source: 'single_sign_on',
  });
  const [grant] = await pendingGrants(t.db, otherCouncil, { staffId: theirs });
  assert.equal(grant.askedBy, 'the council’s sign-in service');
  await assert.rejects(confirmRoleGrant(t.db, councilId, grant.id, qaOne), /No such role grant/);
  assert.equal(
    (await pendingGrants(t.db, councilId)).some((g) => g.id === grant.id),
    false,
  );
});

test('the emails name the role and who asked, and never a child', async () => {
  const worker = await person(['practitioner']);
  await setRoles(
    t.db,
    councilId,
    worker,
    { roles: ['practitioner', 'case_manager', 'scrutiny_reader'] },
    admin,
  );
  const sent: MailMessage[] = [];
  const mailer: Mailer = {
    channel: 'smtp',
    async send(message) {
      sent.push(message);
    },
    close() {},
  };
  const delivered = await deliverWaiting(
    t.db,
    mailer,
    { councilId, staffId: worker },
    { baseUrl: 'https://qa.example' },
  );
  assert.equal(delivered.sent, 2);
  const requested = sent.find((m) => m.subject.includes('asked for you')) as MailMessage;
  assert.match(requested.body, /Person 1 asked for you to have the role Case manager in QA Loop/);
  assert.match(requested.body, /only once a QA lead confirms it/);
  const granted = sent.find((m) => m.subject === 'You have a new role in QA Loop') as MailMessage;
  assert.match(granted.body, /You now have the role Scrutiny reader in QA Loop\. Asked for by Person 1\./);
  for (const m of sent) assert.doesNotMatch(m.body, /child it is about/);
});
