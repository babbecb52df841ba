import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AuditFixture, buildAuditFixture, type FixturePerson } from '../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import type { Db } from '../../data/db.ts';
import { ValidationError } from '../../domain/validation.ts';
import { loadSignedInUser, type SignedInUser } from '../organisation/auth.ts';
import {
  ActionAlreadyDoneError,
  actionsFor,
  afterSubmissionPanel,
  markActionDone,
  recordOversight,
  sendActionReminders,
} from './actions.ts';
import { AuditAccessError, auditAccess } from './audit-access.ts';
import { scheduleReaudit } from './reaudits.ts';

let t: TestDb;
let f: AuditFixture;

const TODAY = '2026-11-22';

async function userOf(db: Db, person: FixturePerson): Promise<SignedInUser> {
  const account = await db
    .selectFrom('user_accounts')
    .select('id')
    .where('staff_id', '=', person.staffId)
    .executeTakeFirstOrThrow();
  return (await loadSignedInUser(db, account.id)) as SignedInUser;
}

/** A submitted, inadequate audit of a child in the team, with one action. */
async function submittedAudit(
  db: Db,
  fx: AuditFixture,
  childRef: string,
  team: 'east' | 'care',
  action: { owner: string; dueOn: string; text: string },
) {
  const child = await db
    .selectFrom('children')
    .select('id')
    .where('council_id', '=', fx.councilId)
    .where('external_id', '=', childRef)
    .executeTakeFirstOrThrow();
  const version = await db
    .selectFrom('audit_tool_versions')
    .select('id')
    .where('tool_id', '=', fx.tools.fourPoint)
    .executeTakeFirstOrThrow();
  const audit = await db
    .insertInto('audits')
    .values({
      council_id: fx.councilId,
      month_id: fx.monthId,
      child_id: child.id,
      kind: 'full_audit',
      tool_id: fx.tools.fourPoint,
      tool_version_id: version.id,
      team_id: fx.teams[team],
      service_area_id: team === 'care' ? fx.serviceAreas.care : fx.serviceAreas.safeguarding,
      practitioner_id: fx.practitioners[team],
      practitioner_manager_id: fx.managers[team],
      auditor_id: fx.managers.south,
      status: 'submitted',
      submitted_at: new Date('2026-11-19T10:00:00Z'),
      overall_grade: 'requires_improvement',
      overall_good_or_better: false,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const row = await db
    .insertInto('audit_actions')
    .values({
      council_id: fx.councilId,
      audit_id: audit.id,
      section_key: 'assessment',
      text: action.text,
      owner_id: action.owner,
      due_on: action.dueOn,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { auditId: audit.id, actionId: row.id };
}

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db, 'act');
  await t.db
    .insertInto('audit_actions')
    .values({
      council_id: f.councilId,
      audit_id: f.audits.submitted,
      section_key: 'voice_and_lived_experience',
      position: 1,
      text: 'Visit the child at school and record their wishes',
      owner_id: f.practitioners.north,
      due_on: '2026-11-18',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await submittedAudit(t.db, f, 'F03C0', 'east', {
    owner: f.practitioners.east,
    dueOn: '2026-11-10',
    text: 'Update the chronology',
  });
  await submittedAudit(t.db, f, 'LAC0', 'care', {
    owner: f.managers.care,
    dueOn: '2026-11-15',
    text: 'Review the placement plan',
  });
});
after(async () => {
  await t.close();
});

const texts = (items: { text: string }[] | null) => items?.map((i) => i.text) ?? null;

test('each person sees their own actions, and the overdue actions of those they oversee', async () => {
  const as = async (person: FixturePerson) => actionsFor(t.db, await userOf(t.db, person), TODAY);

  const manager = await as(f.people.manager);
  assert.deepEqual(texts(manager.mine), ['Review the plan with the family and make it SMART']);
  assert.equal(manager.mine[0].overdue, false);
  assert.equal(manager.mine[0].sectionTitle, 'The plan: SMART and matching the assessment');
  assert.equal(manager.mine[0].auditGrade, 'Inadequate');
  assert.equal(manager.mine[0].childReference, 'F08C0');
  assert.equal(manager.mine[0].mayMarkDone, true);
  // their team's overdue action, owned by the practitioner; not the other teams'
  assert.deepEqual(texts(manager.overdue), ['Visit the child at school and record their wishes']);
  assert.match(manager.overdueScope ?? '', /your team’s audits \(North CP\)/);

  const practitioner = await as(f.people.practitioner);
  assert.deepEqual(texts(practitioner.mine), ['Visit the child at school and record their wishes']);
  assert.equal(practitioner.mine[0].overdue, true);
  assert.equal(practitioner.mine[0].daysOverdue, 4);
  assert.equal(practitioner.mine[0].sectionTitle, 'Voice, wishes and lived experience of the child');
  assert.equal(practitioner.overdue, null, 'a practitioner oversees nobody else’s actions');

  const qa = await as(f.people.qaLead);
  assert.deepEqual(texts(qa.mine), []);
  assert.deepEqual(texts(qa.overdue), [
    'Update the chronology',
    'Review the placement plan',
    'Visit the child at school and record their wishes',
  ]);
  assert.deepEqual(
    qa.overdue?.map((a) => a.daysOverdue),
    [12, 7, 4],
  );
  assert.ok(qa.overdue?.every((a) => a.mayMarkDone));

  assert.deepEqual(texts((await as(f.people.otherManager)).overdue), ['Update the chronology']);
  assert.deepEqual(texts((await as(f.people.headOfService)).overdue), [
    'Update the chronology',
    'Visit the child at school and record their wishes',
  ]);
  const headOfCare = await as(f.people.headOfCare);
  assert.deepEqual(texts(headOfCare.overdue), ['Review the placement plan']);
  assert.equal(headOfCare.overdue?.[0].mayMarkDone, false, 'a Head of Service reads, the owner marks done');
  assert.equal((await as(f.people.director)).overdue?.length, 3, 'an Assistant Director sees every service');

  const auditor = await as(f.people.auditor);
  assert.deepEqual(auditor.mine, []);
  assert.equal(auditor.overdue, null);
});

/** A new action on an audit (the fixture's submitted one unless given). */
async function newAction(owner: string, dueOn: string, text: string, auditId = f.audits.submitted) {
  const row = await t.db
    .insertInto('audit_actions')
    .values({ council_id: f.councilId, audit_id: auditId, text, owner_id: owner, due_on: dueOn })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function removeActions(ids: string[]) {
  await t.db.deleteFrom('notifications').where('about_id', 'in', ids).execute();
  await t.db.deleteFrom('audit_actions').where('id', 'in', ids).execute();
}

const statusOf = (id: string) =>
  t.db
    .selectFrom('audit_actions')
    .select(['status', 'done_on', 'done_by', 'done_note'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

test('your own list puts the soonest due first, and keeps actions listed once done', async () => {
  const added = [
    await newAction(f.managers.north, '2027-01-10', 'Later action'),
    await newAction(f.managers.north, '2026-11-25', 'Sooner action'),
    await newAction(f.managers.north, '2026-11-30', 'Action to finish'),
  ];
  try {
    const manager = await userOf(t.db, f.people.manager);
    assert.deepEqual(texts((await actionsFor(t.db, manager, TODAY)).mine), [
      'Sooner action',
      'Action to finish',
      'Review the plan with the family and make it SMART',
      'Later action',
    ]);
    await markActionDone(t.db, manager, added[2], { note: 'Done at the core group' }, TODAY);
    const after = (await actionsFor(t.db, manager, TODAY)).mine;
    assert.deepEqual(
      after.map((a) => [a.text, a.status, a.mayMarkDone]),
      [
        ['Sooner action', 'open', true],
        ['Review the plan with the family and make it SMART', 'open', true],
        ['Later action', 'open', true],
        ['Action to finish', 'done', false],
      ],
    );
    assert.equal(after[3].doneOn, TODAY, 'the date done is today when not given');
    assert.equal(after[3].doneNote, 'Done at the core group');
    assert.equal(after[3].doneBy, 'Manager north');
  } finally {
    await removeActions(added);
  }
});

test('the owner, the case’s manager and QA may mark an action done; nobody else may', async () => {
  const owned = await newAction(f.practitioners.north, '2026-12-18', 'Hold a family network meeting');
  const managed = await newAction(f.managers.north, '2026-12-18', 'Check the plan is SMART');
  const byManager = await newAction(f.practitioners.north, '2026-12-18', 'Share the plan with school');
  const byQa = await newAction(f.practitioners.north, '2026-12-18', 'Record the child’s views');
  try {
    // refused: the practitioner who does not own it, people with no relationship, another team's
    // manager, a Head of Service (who reads) and the auditor
    for (const person of [
      f.people.practitioner,
      f.people.scrutiny,
      f.people.workforce,
      f.people.admin,
      f.people.otherManager,
      f.people.headOfService,
      f.people.auditor,
    ]) {
      const user = await userOf(t.db, person);
      const target = person === f.people.practitioner ? managed : owned;
      await assert.rejects(markActionDone(t.db, user, target, {}, TODAY), AuditAccessError, person.email);
    }
    assert.equal((await statusOf(owned)).status, 'open');
    assert.equal((await statusOf(managed)).status, 'open');

    // the owner
    const practitioner = await userOf(t.db, f.people.practitioner);
    await markActionDone(
      t.db,
      practitioner,
      owned,
      { 'doneOn-day': '20', 'doneOn-month': '11', 'doneOn-year': '2026' },
      TODAY,
    );
    assert.deepEqual(await statusOf(owned), {
      status: 'done',
      done_on: '2026-11-20',
      done_by: f.practitioners.north,
      done_note: null,
    });
    // the case's manager, for an action the practitioner owns
    await markActionDone(t.db, await userOf(t.db, f.people.manager), byManager, {}, TODAY);
    assert.equal((await statusOf(byManager)).done_by, f.managers.north);
    // QA
    await markActionDone(t.db, await userOf(t.db, f.people.qaLead), byQa, { note: 'Checked' }, TODAY);
    assert.equal((await statusOf(byQa)).done_by, f.qaLead);

    // twice: a clear refusal, and the first marking stands
    await assert.rejects(
      markActionDone(t.db, await userOf(t.db, f.people.manager), owned, {}, TODAY),
      (err: unknown) =>
        err instanceof ActionAlreadyDoneError &&
        err.errors[0].message ===
          'This action has already been marked as done on 20 November 2026 by Worker north',
    );
    assert.equal((await statusOf(owned)).done_by, f.practitioners.north);
  } finally {
    await removeActions([owned, managed, byManager, byQa]);
  }
});

test('a date done in the future, not a real date or a note too long is refused and changes nothing', async () => {
  const manager = await userOf(t.db, f.people.manager);
  const cases: [Record<string, string>, string, string][] = [
    [
      { 'doneOn-day': '23', 'doneOn-month': '11', 'doneOn-year': '2026' },
      'doneOn-day',
      'The date it was done must be today or in the past',
    ],
    [
      { 'doneOn-day': '31', 'doneOn-month': '2', 'doneOn-year': '2026' },
      'doneOn-day',
      'The date it was done must be a real date',
    ],
    [
      { 'doneOn-day': '3', 'doneOn-month': '', 'doneOn-year': '2026' },
      'doneOn-month',
      'The date it was done must include a month',
    ],
    [
      { 'doneOn-day': 'x', 'doneOn-month': 'y', 'doneOn-year': 'zz' },
      'doneOn-year',
      'Year must include 4 numbers',
    ],
    [{ note: 'x'.repeat(2001) }, 'note', 'The note must be 2000 characters or fewer'],
  ];
  for (const [input, field, message] of cases) {
    await assert.rejects(
      markActionDone(t.db, manager, f.actions.open, input, TODAY),
      (err: unknown) =>
        err instanceof ValidationError && err.errors[0].field === field && err.errors[0].message === message,
      JSON.stringify(input),
    );
  }
  assert.deepEqual(await statusOf(f.actions.open), {
    status: 'open',
    done_on: null,
    done_by: null,
    done_note: null,
  });
});

test('management oversight: the case’s manager records it on a submitted audit; entries are listed newest first', async () => {
  const manager = await userOf(t.db, f.people.manager);
  const count = async () =>
    Number(
      (
        await t.db
          .selectFrom('audit_oversight')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('council_id', '=', f.councilId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  for (const person of [
    f.people.practitioner,
    f.people.otherManager,
    f.people.qaLead,
    f.people.headOfService,
    f.people.auditor,
    f.people.scrutiny,
  ]) {
    await assert.rejects(
      recordOversight(t.db, await userOf(t.db, person), f.audits.submitted, { note: 'Seen' }),
      AuditAccessError,
      person.email,
    );
  }
  // not on an audit still being done, even by the case's manager
  await assert.rejects(
    recordOversight(t.db, manager, f.audits.allocated, { note: 'Too soon' }),
    AuditAccessError,
  );
  for (const note of ['', '   ', 'x'.repeat(5001)]) {
    await assert.rejects(
      recordOversight(t.db, manager, f.audits.submitted, { note }),
      (err: unknown) => err instanceof ValidationError && err.errors[0].field === 'note',
    );
  }
  assert.equal(await count(), 0);

  await recordOversight(t.db, manager, f.audits.submitted, {
    note: 'Discussed in supervision on 23 November.',
  });
  await recordOversight(t.db, manager, f.audits.submitted, { note: '  Plan reviewed; child seen alone.  ' });
  const panel = await afterSubmissionPanel(
    t.db,
    await auditAccess(t.db, manager, f.audits.submitted),
    manager,
    TODAY,
  );
  assert.deepEqual(
    panel.oversight.map((o) => [o.manager, o.note]),
    [
      ['Manager north', 'Plan reviewed; child seen alone.'],
      ['Manager north', 'Discussed in supervision on 23 November.'],
    ],
  );
  assert.equal(panel.mayRecordOversight, true);
});

test('the audit page’s panel: actions with their status, who may mark them done, and the re-audit', async () => {
  await scheduleReaudit(t.db, f.councilId, f.audits.submitted);
  const panelFor = async (person: FixturePerson, today = TODAY) => {
    const user = await userOf(t.db, person);
    return afterSubmissionPanel(t.db, await auditAccess(t.db, user, f.audits.submitted), user, today);
  };
  const manager = await panelFor(f.people.manager, '2026-12-10');
  assert.deepEqual(
    manager.actions.map((a) => [a.text, a.owner, a.dueOn, a.status, a.overdue, a.mayMarkDone]),
    [
      // in the order of the tool's sections
      ['Visit the child at school and record their wishes', 'Worker north', '2026-11-18', 'open', true, true],
      [
        'Review the plan with the family and make it SMART',
        'Manager north',
        '2026-12-04',
        'open',
        true,
        true,
      ],
    ],
  );
  assert.equal(manager.mayRecordOversight, true);
  assert.equal(manager.reaudit?.dueMonth, '2027-02-01');
  assert.equal(manager.reaudit?.dueMonthName, 'February 2027');
  assert.ok(manager.reaudit?.auditId);
  assert.equal(manager.reaudit?.mayAllocate, false);

  const practitioner = await panelFor(f.people.practitioner);
  assert.deepEqual(
    practitioner.actions.map((a) => a.mayMarkDone),
    [true, false],
    'the practitioner may mark done only the action they own',
  );
  assert.equal(practitioner.mayRecordOversight, false);
  assert.equal((await panelFor(f.people.qaLead)).reaudit?.mayAllocate, true);

  // someone who may not read the audit gets no panel
  const other = await userOf(t.db, f.people.otherPractitioner);
  await assert.rejects(
    afterSubmissionPanel(t.db, await auditAccess(t.db, other, f.audits.submitted), other, TODAY),
    AuditAccessError,
  );
});

test('owners are reminded once when an action is nearly due and once when it is overdue', async () => {
  const sweep = (today: string) => sendActionReminders(t.db, null, today, { councilId: f.councilId });
  const messages = () =>
    t.db
      .selectFrom('notifications')
      .select(['kind', 'staff_id', 'audit_id'])
      .where('about_id', '=', f.actions.open)
      .orderBy('created_at')
      .execute();

  // due Friday 4 December: not yet on Monday 30 November (three working days on is Thursday)
  await sweep('2026-11-30');
  assert.deepEqual(await messages(), []);
  const tuesday = await sweep('2026-12-01');
  assert.equal(tuesday.due, 1);
  assert.deepEqual(await messages(), [
    { kind: 'action_due', staff_id: f.managers.north, audit_id: f.audits.submitted },
  ]);
  assert.equal((await sweep('2026-12-02')).recorded, 0, 'nothing is sent twice');
  await sweep('2026-12-04');
  assert.equal((await messages()).length, 1, 'the due date itself is not overdue');
  const monday = await sweep('2026-12-07');
  assert.ok(monday.recorded >= 1);
  assert.deepEqual(
    (await messages()).map((m) => m.kind),
    ['action_due', 'action_overdue'],
  );
  assert.equal((await sweep('2026-12-08')).recorded, 0, 'the overdue message goes once');

  // a done action is not chased
  await markActionDone(t.db, await userOf(t.db, f.people.manager), f.actions.open, {}, '2026-12-08');
  await t.db.deleteFrom('notifications').where('about_id', '=', f.actions.open).execute();
  await sweep('2027-01-10');
  assert.deepEqual(await messages(), []);
});
