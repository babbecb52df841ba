import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AuditFixture, buildAuditFixture, type FixturePerson } from '../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { buildSamplingFixture } from '../../../test/helpers/sampling.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';
import { composePersonMessage, deliverWaiting, PERSON_LINK_PATHS } from '../notifications.ts';
import { loadSignedInUser, type SignedInUser } from '../organisation/auth.ts';
import { AuditAccessError, auditAccess } from './audit-access.ts';
import {
  chaseEscalations,
  defaultRecipients,
  escalationCounts,
  escalationPanel,
  getEscalation,
  listEscalations,
  RECIPIENT_WHY,
  raiseEscalation,
  recipientChoices,
  recordFollowUp,
  respondToEscalation,
} from './escalations.ts';

let t: TestDb;
let f: AuditFixture;
const users = {} as Record<keyof AuditFixture['people'], SignedInUser>;
/** an audit and an escalation of another council */
let elsewhere: { auditId: string; escalationId: string };
const TODAY = '2026-11-22';

async function userOf(person: FixturePerson): Promise<SignedInUser> {
  const account = await t.db
    .selectFrom('user_accounts')
    .select('id')
    .where('staff_id', '=', person.staffId)
    .executeTakeFirstOrThrow();
  return (await loadSignedInUser(t.db, account.id)) as SignedInUser;
}

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db);
  for (const key of Object.keys(f.people) as (keyof AuditFixture['people'])[]) {
    users[key] = await userOf(f.people[key]);
  }
  const other = await buildSamplingFixture(t.db, 'oth');
  const child = await t.db
    .selectFrom('children')
    .select('id')
    .where('council_id', '=', other.councilId)
    .limit(1)
    .executeTakeFirstOrThrow();
  const audit = await t.db
    .insertInto('audits')
    .values({
      council_id: other.councilId,
      month_id: other.monthId,
      child_id: child.id,
      kind: 'full_audit',
      position: 1,
      auditor_id: other.managers.south,
      status: 'allocated',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const escalation = await t.db
    .insertInto('escalations')
    .values({
      council_id: other.councilId,
      audit_id: audit.id,
      child_id: child.id,
      kind: 'immediate',
      found: 'Elsewhere',
      raised_by: other.managers.south,
      raised_before_submission: true,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto('escalation_recipients')
    .values({ escalation_id: escalation.id, staff_id: other.managers.north, why: RECIPIENT_WHY.lineManager })
    .execute();
  elsewhere = { auditId: audit.id, escalationId: escalation.id };
});
after(() => t.close());

const counts = async () => ({
  escalations: (
    await t.db.selectFrom('escalations').select('id').where('council_id', '=', f.councilId).execute()
  ).length,
  recipients: (await t.db.selectFrom('escalation_recipients').select('staff_id').execute()).length,
  messages: (
    await t.db.selectFrom('notifications').select('id').where('kind', 'like', 'escalation%').execute()
  ).length,
});

/** The council's chosen Assistant Director for quality assurance (null: found by job title). */
async function setDirector(staffId: string | null) {
  await t.db
    .insertInto('council_settings')
    .values({ council_id: f.councilId, phase_lengths: JSON.stringify({}), escalation_director_id: staffId })
    .onConflict((oc) => oc.column('council_id').doUpdateSet({ escalation_director_id: staffId }))
    .execute();
}

const defaultIds = () => [
  f.people.manager.staffId,
  f.people.headOfService.staffId,
  f.people.director.staffId,
];

/** Raised by the auditor from the allocated audit, to the default people, on a given day. */
async function raised(kind: 'immediate' | 'drift_delay', raisedAt: string, found = 'The child was not seen') {
  const id = await raiseEscalation(t.db, null, users.auditor, f.audits.allocated, {
    kind,
    found,
    recipients: defaultIds(),
  });
  await t.db.updateTable('escalations').set({ raised_at: raisedAt }).where('id', '=', id).execute();
  return id;
}

test('by default an escalation goes to the case’s line manager, the Head of Service and the Assistant Director for QA', async () => {
  const access = await auditAccess(t.db, users.auditor, f.audits.allocated);
  const people = await defaultRecipients(t.db, f.councilId, access.audit);
  assert.deepEqual(
    people.map((p) => [p.name, p.why]),
    [
      ['Manager north', 'Line manager of the case'],
      ['Hal Head', 'Head of Service'],
      ['Ada Director', 'Assistant Director for quality assurance'],
    ],
  );

  // the council's chosen Assistant Director comes before any job title
  await setDirector(f.people.headOfCare.staffId);
  const chosen = await defaultRecipients(t.db, f.councilId, access.audit);
  assert.equal(chosen[2].name, 'Cara Head');
  assert.equal(chosen[2].why, RECIPIENT_WHY.director);

  // someone in two places is listed once, with both reasons
  await setDirector(f.people.headOfService.staffId);
  const twice = await defaultRecipients(t.db, f.councilId, access.audit);
  assert.deepEqual(
    twice.map((p) => [p.name, p.why]),
    [
      ['Manager north', 'Line manager of the case'],
      ['Hal Head', 'Head of Service; Assistant Director for quality assurance'],
    ],
  );
  await setDirector(null);

  // someone who has left is left out, and with no case manager or service area, only the director
  await t.db
    .updateTable('staff')
    .set({ active: false })
    .where('id', '=', f.people.director.staffId)
    .execute();
  const none = await defaultRecipients(t.db, f.councilId, {
    practitionerManagerId: null,
    serviceAreaId: null,
  });
  assert.deepEqual(none, []);
  await t.db.updateTable('staff').set({ active: true }).where('id', '=', f.people.director.staffId).execute();
  const onlyDirector = await defaultRecipients(t.db, f.councilId, {
    practitionerManagerId: null,
    serviceAreaId: null,
  });
  assert.deepEqual(
    onlyDirector.map((p) => p.name),
    ['Ada Director'],
  );
});

test('others who can be sent one are the council’s senior leaders, case managers and QA', async () => {
  const choices = (await recipientChoices(t.db, f.councilId)).map((c) => c.name);
  for (const name of ['Ada Director', 'Hal Head', 'Cara Head', 'Manager north', 'Manager east', 'QA Lead']) {
    assert.ok(choices.includes(name), `${name} can be chosen`);
  }
  for (const name of ['Worker north', 'Cllr Reader', 'Wendy Workforce', 'Adam Admin']) {
    assert.ok(!choices.includes(name), `${name} cannot be chosen`);
  }
});

test('the auditor escalates before submitting, and each person it goes to is sent a message', async () => {
  const before = await counts();
  const id = await raiseEscalation(t.db, null, users.auditor, f.audits.allocated, {
    kind: 'immediate',
    found:
      '  The child disclosed that her stepfather hit her last week; no strategy discussion is recorded.  ',
    recipients: defaultIds(),
  });
  const row = await t.db.selectFrom('escalations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  assert.equal(row.kind, 'immediate');
  assert.equal(
    row.found,
    'The child disclosed that her stepfather hit her last week; no strategy discussion is recorded.',
  );
  assert.equal(row.raised_by, f.people.auditor.staffId);
  assert.equal(row.raised_before_submission, true);
  assert.equal(row.child_id, f.children.allocated);
  assert.equal(row.response, null);

  const recipients = await t.db
    .selectFrom('escalation_recipients')
    .select(['staff_id', 'why'])
    .where('escalation_id', '=', id)
    .execute();
  assert.equal(recipients.length, 3);
  assert.equal(
    recipients.find((r) => r.staff_id === f.people.headOfService.staffId)?.why,
    RECIPIENT_WHY.headOfService,
  );

  const toHead = await t.db
    .selectFrom('notifications')
    .selectAll()
    .where('staff_id', '=', f.people.headOfService.staffId)
    .where('about_id', '=', id)
    .execute();
  assert.equal(toHead.length, 1);
  assert.equal(toHead[0].kind, 'escalation_raised');
  assert.equal(toHead[0].audit_id, f.audits.allocated);
  assert.equal(toHead[0].state, 'queued');
  const after = await counts();
  assert.equal(after.messages - before.messages, 3);
  assert.equal(after.escalations - before.escalations, 1);
});

test('QA can escalate a submitted audit; it is recorded as raised after submission', async () => {
  const id = await raiseEscalation(t.db, null, users.qaLead, f.audits.submitted, {
    kind: 'drift_delay',
    found: 'The plan has not been reviewed for five months.',
    recipients: [f.people.manager.staffId, f.people.otherManager.staffId],
  });
  const row = await t.db.selectFrom('escalations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  assert.equal(row.raised_before_submission, false);
  assert.equal(row.raised_by, f.people.qaLead.staffId);
  const recipients = await t.db
    .selectFrom('escalation_recipients')
    .select(['staff_id', 'why'])
    .where('escalation_id', '=', id)
    .orderBy('why')
    .execute();
  assert.deepEqual(
    recipients.map((r) => r.why).sort(),
    [RECIPIENT_WHY.added, RECIPIENT_WHY.lineManager].sort(),
  );
});

test('only the allocated auditor while the audit is open, and QA, can escalate', async () => {
  const before = await counts();
  const input = { kind: 'immediate', found: 'Worrying', recipients: defaultIds() };
  // the auditor, once the audit is submitted: QA raises it from there
  await assert.rejects(
    raiseEscalation(t.db, null, users.auditor, f.audits.submitted, input),
    (err: Error) => err instanceof AuditAccessError && /submitted/.test(err.message),
  );
  // an auditor the audit is not allocated to, the case holder, the line manager, the Head of Service
  for (const who of ['otherManager', 'practitioner', 'manager', 'headOfService', 'scrutiny'] as const) {
    await assert.rejects(
      raiseEscalation(t.db, null, users[who], f.audits.allocated, input),
      AuditAccessError,
      `${who} is refused`,
    );
  }
  // an exempted audit, even for QA
  await t.db
    .updateTable('audits')
    .set({ status: 'exempted', exemption_reason: 'case_closed' })
    .where('id', '=', f.audits.dip)
    .execute();
  await assert.rejects(
    raiseEscalation(t.db, null, users.qaLead, f.audits.dip, input),
    (err: Error) => err instanceof AuditAccessError && /exempted/.test(err.message),
  );
  await t.db
    .updateTable('audits')
    .set({ status: 'allocated', exemption_reason: null })
    .where('id', '=', f.audits.dip)
    .execute();
  // another council's audit is not found
  await assert.rejects(raiseEscalation(t.db, null, users.qaLead, elsewhere.auditId, input), NotFoundError);
  await assert.rejects(raiseEscalation(t.db, null, users.qaLead, 'not-an-id', input), NotFoundError);
  assert.deepEqual(await counts(), before);
});

test('bad input is refused with a message for each field, and nothing is recorded', async () => {
  const before = await counts();
  const refused = async (input: Record<string, unknown>) => {
    try {
      await raiseEscalation(t.db, null, users.auditor, f.audits.allocated, input);
    } catch (err) {
      assert.ok(err instanceof ValidationError, String(err));
      return err.errors.map((e) => [e.field, e.message]);
    }
    assert.fail('accepted');
  };
  assert.deepEqual(await refused({}), [
    ['kind', 'Choose whether this is an immediate safety concern or drift and delay'],
    ['found', 'Enter what you found'],
    ['recipients', 'Choose at least one person to send the escalation to'],
  ]);
  assert.deepEqual(await refused({ kind: 'urgent', found: '   ', recipients: [] }), [
    ['kind', 'Choose whether this is an immediate safety concern or drift and delay'],
    ['found', 'Enter what you found'],
    ['recipients', 'Choose at least one person to send the escalation to'],
  ]);
  assert.deepEqual(await refused({ kind: 'immediate', found: 'x'.repeat(5001), recipients: defaultIds() }), [
    ['found', 'What you found must be 5,000 characters or fewer'],
  ]);
  const unknown = 'Choose people from the list: one of the people chosen cannot be sent an escalation';
  // someone who does not exist, is not a person's id, has left, or works for another council
  const other = await t.db
    .selectFrom('staff')
    .select('id')
    .where('council_id', '!=', f.councilId)
    .executeTakeFirstOrThrow();
  const leaver = f.people.headOfCare.staffId;
  await t.db.updateTable('staff').set({ active: false }).where('id', '=', leaver).execute();
  for (const id of ['7b0f8a1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b', 'Hal Head', leaver, other.id]) {
    assert.deepEqual(
      await refused({ kind: 'immediate', found: 'Worrying', recipients: [f.people.manager.staffId, id] }),
      [['recipients', unknown]],
    );
  }
  await t.db.updateTable('staff').set({ active: true }).where('id', '=', leaver).execute();
  assert.deepEqual(await counts(), before);
});

test('a person it was sent to records the response once; a second response is refused', async () => {
  const id = await raised('immediate', '2026-11-20T10:00:00Z');
  // someone it was not sent to, who is not QA, cannot answer it
  await assert.rejects(
    respondToEscalation(t.db, users.otherManager, id, { response: 'Not mine' }),
    AuditAccessError,
  );
  // the person who raised it cannot answer it either, unless it was sent to them
  await assert.rejects(respondToEscalation(t.db, users.auditor, id, { response: 'Mine' }), AuditAccessError);
  await assert.rejects(
    respondToEscalation(t.db, users.headOfService, id, { response: '  ' }),
    (err: Error) => err instanceof ValidationError && err.errors[0].message === 'Enter the response',
  );
  await respondToEscalation(t.db, users.headOfService, id, {
    response: 'Strategy discussion held today; the child is staying with her grandmother.',
  });
  const row = await t.db.selectFrom('escalations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  assert.equal(row.response, 'Strategy discussion held today; the child is staying with her grandmother.');
  assert.equal(row.responded_by, f.people.headOfService.staffId);
  assert.ok(row.responded_at);

  await assert.rejects(
    respondToEscalation(t.db, users.director, id, { response: 'Also handled' }),
    (err: Error) =>
      err instanceof ValidationError &&
      err.errors[0].field === 'response' &&
      /already been answered by Hal Head/.test(err.errors[0].message),
  );
  await assert.rejects(
    respondToEscalation(t.db, users.qaLead, id, { response: 'QA too' }),
    (err: Error) => err instanceof ValidationError,
  );
  const still = await t.db
    .selectFrom('escalations')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  assert.equal(still.response, row.response);
  assert.equal(still.responded_by, f.people.headOfService.staffId);

  // QA can answer one not sent to them; another council's is not found
  const second = await raised('drift_delay', '2026-11-20T10:00:00Z');
  await respondToEscalation(t.db, users.qaLead, second, { response: 'Reviewed with the team manager' });
  await assert.rejects(
    respondToEscalation(t.db, users.qaLead, elsewhere.escalationId, { response: 'x' }),
    NotFoundError,
  );
});

test('an immediate concern is chased after 1 working day, and again each working day, until answered', async () => {
  // everything earlier is answered, so only this one is open in the council
  await t.db
    .updateTable('escalations')
    .set({ response: 'Dealt with', responded_at: new Date('2026-11-21T09:00:00Z') })
    .where('council_id', '=', f.councilId)
    .where('responded_at', 'is', null)
    .execute();
  const id = await raised('immediate', '2026-11-23T10:00:00Z'); // a Monday
  const sweep = (today: string) => chaseEscalations(t.db, null, today, { councilId: f.councilId });
  const chases = () =>
    t.db
      .selectFrom('notifications')
      .select(['staff_id', 'dedupe_key'])
      .where('about_id', '=', id)
      .where('kind', '=', 'escalation_chase')
      .execute();

  assert.deepEqual(await sweep('2026-11-23'), { chased: 0, recorded: 0, followUps: 0, followUpMessages: 0 });
  assert.equal((await chases()).length, 0);

  assert.deepEqual(await sweep('2026-11-24'), { chased: 1, recorded: 3, followUps: 0, followUpMessages: 0 });
  const first = await chases();
  assert.deepEqual(first.map((c) => c.staff_id).sort(), defaultIds().sort());
  assert.ok(first.every((c) => c.dedupe_key.endsWith(':1')));
  // the same day again: nothing more
  assert.deepEqual(await sweep('2026-11-24'), { chased: 0, recorded: 0, followUps: 0, followUpMessages: 0 });

  assert.deepEqual(await sweep('2026-11-25'), { chased: 1, recorded: 3, followUps: 0, followUpMessages: 0 });
  assert.equal((await chases()).filter((c) => c.dedupe_key.endsWith(':2')).length, 3);
  const row = await t.db.selectFrom('escalations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  assert.equal(row.chases, 2);

  await respondToEscalation(t.db, users.manager, id, { response: 'Visited today; safety plan agreed' });
  assert.deepEqual(await sweep('2026-11-26'), { chased: 0, recorded: 0, followUps: 0, followUpMessages: 0 });
  assert.equal((await chases()).length, 6);
});

test('drift and delay is chased after 5 working days, not before', async () => {
  const id = await raised('drift_delay', '2026-11-23T10:00:00Z');
  const sweep = (today: string) => chaseEscalations(t.db, null, today, { councilId: f.councilId });
  assert.deepEqual(await sweep('2026-11-27'), { chased: 0, recorded: 0, followUps: 0, followUpMessages: 0 });
  assert.deepEqual(await sweep('2026-11-30'), { chased: 1, recorded: 3, followUps: 0, followUpMessages: 0 });
  assert.deepEqual(await sweep('2026-12-04'), { chased: 0, recorded: 0, followUps: 0, followUpMessages: 0 });
  assert.deepEqual(await sweep('2026-12-07'), { chased: 1, recorded: 3, followUps: 0, followUpMessages: 0 });
  await respondToEscalation(t.db, users.qaLead, id, { response: 'Plan reviewed' });
});

test('lists: those sent to you waiting first, those you raised, and for QA every one unanswered, oldest first', async () => {
  const older = await raised('drift_delay', '2026-11-16T10:00:00Z');
  const newer = await raised('immediate', '2026-11-19T10:00:00Z');

  const head = await listEscalations(t.db, users.headOfService, { today: TODAY });
  assert.deepEqual(
    head.toYou.slice(0, 2).map((e) => e.id),
    [older, newer],
  );
  assert.ok(head.toYou.slice(2).every((e) => e.answered));
  assert.equal(head.unanswered, null);
  assert.equal(head.byYou.length, 0);

  const auditor = await listEscalations(t.db, users.auditor, { today: TODAY });
  assert.deepEqual(
    auditor.byYou.slice(0, 2).map((e) => e.id),
    [older, newer],
  );
  assert.equal(auditor.toYou.length, 0);

  const qa = await listEscalations(t.db, users.qaLead, { today: TODAY });
  assert.deepEqual(
    qa.unanswered?.map((e) => [e.id, e.kindLabel, e.workingDaysWaiting, e.waiting]),
    [
      // Monday 16 to Sunday 22 November: Tuesday to Friday
      [older, 'Drift and delay', 4, '4 working days'],
      [newer, 'Immediate safety concern', 1, '1 working day'],
    ],
  );
  assert.equal(qa.unanswered?.[0].recipients, 'Ada Director, Hal Head, Manager north');
  assert.ok(
    qa.unanswered?.every((e) => !JSON.stringify(e).includes('F00C0')),
    'no child is named',
  );

  assert.deepEqual(await escalationCounts(t.db, users.headOfService), { waitingForYou: 2, unanswered: null });
  assert.deepEqual(await escalationCounts(t.db, users.qaLead), { waitingForYou: 0, unanswered: 2 });
  assert.deepEqual(await escalationCounts(t.db, users.headOfCare), { waitingForYou: 0, unanswered: null });

  for (const id of [older, newer]) await respondToEscalation(t.db, users.qaLead, id, { response: 'Done' });
});

test('one escalation’s page: for those who raised it, received it, or QA', async () => {
  // raised on Thursday: by Sunday it has waited a working day (Friday)
  const id = await raised('immediate', '2026-11-19T10:00:00Z', 'Bruising seen on the photographs');
  const head = await getEscalation(t.db, users.headOfService, id, TODAY);
  assert.equal(head.childReference, 'F00C0');
  assert.equal(head.found, 'Bruising seen on the photographs');
  assert.equal(head.canRespond, true);
  assert.equal(head.waiting, '1 working day');
  // the Head of Service cannot read the audit until it is submitted
  assert.equal(head.auditHref, null);

  const auditor = await getEscalation(t.db, users.auditor, id, TODAY);
  assert.equal(auditor.canRespond, false);
  assert.equal(auditor.auditHref, `/audits/${f.audits.allocated}`);
  const qa = await getEscalation(t.db, users.qaLead, id, TODAY);
  assert.equal(qa.canRespond, true);

  for (const who of ['otherManager', 'headOfCare', 'practitioner'] as const) {
    await assert.rejects(getEscalation(t.db, users[who], id, TODAY), AuditAccessError, who);
  }
  await assert.rejects(getEscalation(t.db, users.qaLead, elsewhere.escalationId, TODAY), NotFoundError);
  await respondToEscalation(t.db, users.qaLead, id, { response: 'Done' });
});

test('the audit page’s panel shows each person the escalations they may open, and whether they may raise one', async () => {
  const panel = async (who: keyof AuditFixture['people'], auditId: string) =>
    escalationPanel(t.db, await auditAccess(t.db, users[who], auditId), users[who]);
  const all = await t.db
    .selectFrom('escalations')
    .select('id')
    .where('audit_id', '=', f.audits.allocated)
    .execute();

  const qa = await panel('qaLead', f.audits.allocated);
  assert.equal(qa.canEscalate, true);
  assert.equal(qa.auditId, f.audits.allocated);
  assert.equal(qa.escalations.length, all.length);
  assert.ok(
    qa.escalations.every(
      (e) => e.tagClass === (e.kind === 'immediate' ? 'govuk-tag--red' : 'govuk-tag--orange'),
    ),
  );

  const auditor = await panel('auditor', f.audits.allocated);
  assert.equal(auditor.canEscalate, true);
  assert.equal(auditor.escalations.length, all.length, 'the auditor raised them all');

  const submitted = await panel('auditor', f.audits.submitted);
  assert.equal(submitted.canEscalate, false);
  assert.equal(submitted.escalations.length, 0, 'QA raised that one, to others');

  const practitioner = await panel('practitioner', f.audits.submitted);
  assert.deepEqual([practitioner.canEscalate, practitioner.escalations.length], [false, 0]);
  const manager = await panel('manager', f.audits.submitted);
  assert.deepEqual([manager.canEscalate, manager.escalations.length], [false, 1]);
  assert.equal(manager.escalations[0].kindLabel, 'Drift and delay');
  assert.equal(manager.escalations[0].raisedBy.name, 'QA Lead');
});

test('an Assistant Director sees every open immediate safety concern in their services, a Head of Service those in theirs', async () => {
  // sent to the line manager alone: the senior leaders see it because it is in their services
  const immediate = await raiseEscalation(t.db, null, users.auditor, f.audits.allocated, {
    kind: 'immediate',
    found: 'Mother’s new partner is living in the home',
    recipients: [f.people.manager.staffId],
  });
  const drift = await raiseEscalation(t.db, null, users.auditor, f.audits.allocated, {
    kind: 'drift_delay',
    found: 'No review for five months',
    recipients: [f.people.manager.staffId],
  });
  const ids = async (who: keyof AuditFixture['people']) =>
    (await listEscalations(t.db, users[who], { today: TODAY })).inYourServices?.escalations.map((e) => e.id);

  const director = await listEscalations(t.db, users.director, { today: TODAY });
  assert.equal(director.inYourServices?.scope, 'every service');
  assert.ok(director.inYourServices?.escalations.some((e) => e.id === immediate));
  assert.ok(
    !director.inYourServices?.escalations.some((e) => e.id === drift),
    'drift and delay is not listed',
  );
  assert.ok(
    director.inYourServices?.escalations.every(
      (e) => e.kindLabel === 'Immediate safety concern' && !e.answered,
    ),
  );
  assert.ok(!director.inYourServices?.escalations.some((e) => e.id === elsewhere.escalationId));
  assert.ok(!JSON.stringify(director.inYourServices).includes('F00C0'), 'no child is named');
  assert.ok((await ids('headOfService'))?.includes(immediate));
  // the Assistant Director may open it and read what was found, but answering is for those it went to
  const page = await getEscalation(t.db, users.director, immediate, TODAY);
  assert.equal(page.found, 'Mother’s new partner is living in the home');
  assert.equal(page.canRespond, false);
  await assert.rejects(
    respondToEscalation(t.db, users.director, immediate, { response: 'x' }),
    AuditAccessError,
  );

  // others do not see it: a Head of another service, those without the role, and drift and delay
  assert.ok(!(await ids('headOfCare'))?.includes(immediate));
  await assert.rejects(getEscalation(t.db, users.headOfCare, immediate, TODAY), AuditAccessError);
  await assert.rejects(getEscalation(t.db, users.director, drift, TODAY), AuditAccessError);
  for (const who of ['qaLead', 'manager', 'auditor', 'otherManager'] as const) {
    assert.equal((await listEscalations(t.db, users[who], { today: TODAY })).inYourServices, null, who);
  }

  // one sent to the Assistant Director is in their own list, waiting for their response, not twice
  const toDirector = await raiseEscalation(t.db, null, users.auditor, f.audits.allocated, {
    kind: 'immediate',
    found: 'Not seen for eight weeks',
    recipients: [f.people.director.staffId],
  });
  const mine = await listEscalations(t.db, users.director, { today: TODAY });
  assert.ok(mine.toYou.some((e) => e.id === toDirector && !e.answered));
  assert.ok(!mine.inYourServices?.escalations.some((e) => e.id === toDirector));
  assert.ok((await ids('headOfService'))?.includes(toDirector));
  await respondToEscalation(t.db, users.director, toDirector, { response: 'Visit made today' });

  // once answered it leaves the list
  await respondToEscalation(t.db, users.manager, immediate, { response: 'Visited; partner has left' });
  assert.ok(!(await ids('director'))?.includes(immediate));
  await respondToEscalation(t.db, users.manager, drift, { response: 'Review booked' });
});

test('the practitioner sees that an immediate safety concern was raised on their child’s audit, when and its status, not what it says', async () => {
  const id = await raiseEscalation(t.db, null, users.qaLead, f.audits.submitted, {
    kind: 'immediate',
    found: 'Disclosure in the last visit not acted on',
    recipients: [f.people.manager.staffId],
  });
  await t.db
    .updateTable('escalations')
    .set({ raised_at: new Date('2026-11-21T10:00:00Z') })
    .where('id', '=', id)
    .execute();
  const panel = async (who: keyof AuditFixture['people']) =>
    escalationPanel(t.db, await auditAccess(t.db, users[who], f.audits.submitted), users[who]);

  const before = await panel('practitioner');
  assert.equal(before.escalations.length, 0, 'they cannot open it');
  assert.deepEqual(before.notices, [
    {
      kindLabel: 'Immediate safety concern',
      tagClass: 'govuk-tag--red',
      raisedAt: new Date('2026-11-21T10:00:00Z'),
      answered: false,
      respondedAt: null,
    },
  ]);
  assert.ok(!JSON.stringify(before).includes('Disclosure'), 'what was found is not shown');
  assert.ok(!JSON.stringify(before).includes('Manager north'), 'nor who it went to');

  await respondToEscalation(t.db, users.manager, id, { response: 'Strategy meeting held' });
  const answered = await panel('practitioner');
  assert.equal(answered.notices.length, 1, 'drift and delay raised from the audit is not a notice');
  assert.equal(answered.notices[0].answered, true);
  assert.ok(answered.notices[0].respondedAt instanceof Date);
  assert.ok(!JSON.stringify(answered).includes('Strategy meeting'), 'nor the response');

  // no one else gets the notices: they open it, or see nothing of it
  await assert.rejects(getEscalation(t.db, users.practitioner, id, TODAY), AuditAccessError);
  for (const who of ['otherPractitioner', 'manager', 'qaLead', 'auditor', 'headOfCare'] as const) {
    assert.deepEqual((await panel(who)).notices, [], who);
  }
});

test('a response can set a follow-up date: from that date it is chased until the follow-up is recorded', async () => {
  // everything earlier is answered, so only this one is chased in the council
  await t.db
    .updateTable('escalations')
    .set({ response: 'Dealt with', responded_at: new Date('2026-11-21T09:00:00Z') })
    .where('council_id', '=', f.councilId)
    .where('responded_at', 'is', null)
    .execute();
  const id = await raised('immediate', '2026-12-01T10:00:00Z'); // a Tuesday
  const row = () => t.db.selectFrom('escalations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const date = (day: string, month: string, year: string) => ({
    'followUpOn-day': day,
    'followUpOn-month': month,
    'followUpOn-year': year,
  });

  // a date before today, or not a date, is refused with the reason, and nothing is recorded
  const refusal = async (input: Parameters<typeof respondToEscalation>[3]) => {
    try {
      await respondToEscalation(t.db, users.manager, id, input, '2026-12-02');
    } catch (err) {
      if (err instanceof ValidationError) return err.errors.map((e) => [e.field, e.message]);
      throw err;
    }
    assert.fail('not refused');
  };
  assert.deepEqual(await refusal({ response: 'Visited', ...date('1', '12', '2026') }), [
    ['followUpOn-day', 'The follow-up date must be today or in the future'],
  ]);
  assert.deepEqual(await refusal({ response: 'Visited', ...date('31', '2', '2027') }), [
    ['followUpOn-day', 'The follow-up date must be a real date'],
  ]);
  assert.deepEqual(await refusal({ response: '', ...date('8', '', '2026') }), [
    ['response', 'Enter the response'],
    ['followUpOn-month', 'The follow-up date must include a month'],
  ]);
  assert.equal((await row()).responded_at, null);
  assert.equal((await row()).follow_up_on, null);

  await respondToEscalation(
    t.db,
    users.manager,
    id,
    { response: 'Visited; review the safety plan next week', ...date('8', '12', '2026') },
    '2026-12-02',
  );
  assert.equal((await row()).follow_up_on, '2026-12-08');

  const sweep = (today: string) => chaseEscalations(t.db, null, today, { councilId: f.councilId });
  const messages = () =>
    t.db
      .selectFrom('notifications')
      .select(['staff_id', 'dedupe_key'])
      .where('about_id', '=', id)
      .where('kind', '=', 'escalation_follow_up')
      .execute();
  const none = { chased: 0, recorded: 0, followUps: 0, followUpMessages: 0 };

  // not before the date
  assert.deepEqual(await sweep('2026-12-07'), none);
  assert.equal((await messages()).length, 0);
  const before = await getEscalation(t.db, users.manager, id, '2026-12-07');
  assert.deepEqual(before.followUpStatus, { text: 'Follow-up due 8 December 2026', overdue: false });
  assert.equal(before.canFollowUp, true);

  // on the date: one round, to each person it was sent to (the person who answered is one of them)
  assert.deepEqual(await sweep('2026-12-08'), { ...none, followUps: 1, followUpMessages: 3 });
  const first = await messages();
  assert.deepEqual(first.map((m) => m.staff_id).sort(), defaultIds().sort());
  assert.ok(first.every((m) => m.dedupe_key.endsWith(':1')));
  assert.deepEqual(await sweep('2026-12-08'), none, 'the same day again: nothing more');
  // it goes, though the escalation has been answered; it names no child
  const mails: { subject: string; body: string }[] = [];
  const mailer = {
    channel: 'smtp' as const,
    send: async (m: { subject: string; body: string }) => {
      mails.push(m);
    },
    close() {},
  };
  const options = { baseUrl: 'https://qaloop.example' };
  const job = (staffId: string) => ({ councilId: f.councilId, staffId });
  const states = (staffId: string) =>
    t.db
      .selectFrom('notifications')
      .select('state')
      .where('about_id', '=', id)
      .where('kind', '=', 'escalation_follow_up')
      .where('staff_id', '=', staffId)
      .execute()
      .then((rows) => rows.map((r) => r.state));
  await deliverWaiting(t.db, mailer, job(f.people.manager.staffId), options);
  assert.deepEqual(await states(f.people.manager.staffId), ['sent']);
  const mail = mails.find((m) => m.subject === 'An escalated concern is due to be followed up');
  assert.ok(mail, 'the follow-up message was sent');
  assert.doesNotMatch(mail.body, /F00C0/);

  // after the date it is overdue, on the page and in the lists, and chased again as its kind is
  const overdue = await getEscalation(t.db, users.qaLead, id, '2026-12-09');
  assert.deepEqual(overdue.followUpStatus, { text: 'Follow-up overdue', overdue: true });
  const listed = (await listEscalations(t.db, users.manager, { today: '2026-12-09' })).toYou.find(
    (e) => e.id === id,
  );
  assert.deepEqual(listed?.followUpStatus, { text: 'Follow-up overdue', overdue: true });
  assert.deepEqual(await sweep('2026-12-09'), { ...none, followUps: 1, followUpMessages: 3 });
  assert.equal((await row()).follow_up_chases, 2);

  // only the people it was sent to and QA record the follow-up, with a note, once
  await assert.rejects(recordFollowUp(t.db, users.otherManager, id, { note: 'Not mine' }), AuditAccessError);
  await assert.rejects(recordFollowUp(t.db, users.auditor, id, { note: 'Mine' }), AuditAccessError);
  await assert.rejects(
    recordFollowUp(t.db, users.headOfService, id, { note: '  ' }),
    (err: Error) =>
      err instanceof ValidationError &&
      err.errors[0].message === 'Enter what was found when it was followed up',
  );
  await recordFollowUp(t.db, users.headOfService, id, { note: 'Safety plan reviewed; it is working' });
  await assert.rejects(
    recordFollowUp(t.db, users.qaLead, id, { note: 'Again' }),
    (err: Error) =>
      err instanceof ValidationError && /already been recorded by Hal Head/.test(err.errors[0].message),
  );
  const done = await row();
  assert.equal(done.follow_up_note, 'Safety plan reviewed; it is working');
  assert.equal(done.follow_up_by, f.people.headOfService.staffId);

  // a reminder waiting when the follow-up is recorded is not sent
  await deliverWaiting(t.db, mailer, job(f.people.director.staffId), options);
  assert.deepEqual(await states(f.people.director.staffId), ['skipped', 'skipped']);

  // recorded: no more chasing, and nothing shows as due
  assert.deepEqual(await sweep('2026-12-10'), none);
  assert.deepEqual(await sweep('2026-12-14'), none);
  assert.equal((await messages()).length, 6);
  const page = await getEscalation(t.db, users.manager, id, '2026-12-10');
  assert.equal(page.followUpStatus, null);
  assert.equal(page.canFollowUp, false);
  assert.equal(page.followUp?.note, 'Safety plan reviewed; it is working');

  // an escalation answered with no follow-up date has no follow-up to record
  const plain = await raised('drift_delay', '2026-12-01T10:00:00Z');
  await respondToEscalation(t.db, users.qaLead, plain, { response: 'Reviewed' }, '2026-12-02');
  await assert.rejects(
    recordFollowUp(t.db, users.qaLead, plain, { note: 'x' }),
    (err: Error) => err instanceof ValidationError && /no follow-up date/.test(err.errors[0].message),
  );
  assert.deepEqual(await sweep('2026-12-15'), none);
});

test('the follow-up message names no child and links to the escalations', () => {
  const message = composePersonMessage('escalation_follow_up', 1, 'https://qaloop.example/escalations');
  assert.equal(message.subject, 'An escalated concern is due to be followed up');
  assert.match(message.body, /This email does not say which child it is about/);
  assert.equal(PERSON_LINK_PATHS.escalation_follow_up, '/escalations');
});
