import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AuditFixture, buildAuditFixture } from '../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { ValidationError } from '../../domain/validation.ts';
import { createProgrammeYear } from '../programme/programme.ts';
import {
  createDueReaudits,
  getAfterSubmissionSettings,
  reauditsOfMonth,
  saveEscalationDirector,
  saveReauditSettings,
  scheduleReaudit,
  seniorLeaderChoices,
} from './reaudits.ts';

let t: TestDb;
let f: AuditFixture;

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db, 'rea');
});
after(async () => {
  await t.close();
});

async function monthId(month: string) {
  const row = await t.db
    .selectFrom('programme_months')
    .select('id')
    .where('council_id', '=', f.councilId)
    .where('month', '=', month)
    .executeTakeFirst();
  return row?.id;
}

/** A submitted audit of the child in November 2026's cycle, with the grade, on the tool. */
async function submitted(childRef: string, grade: string, tool: 'fourPoint' | 'threePoint' = 'fourPoint') {
  const child = await t.db
    .selectFrom('children')
    .select('id')
    .where('council_id', '=', f.councilId)
    .where('external_id', '=', childRef)
    .executeTakeFirstOrThrow();
  const version = await t.db
    .selectFrom('audit_tool_versions')
    .select('id')
    .where('tool_id', '=', f.tools[tool])
    .executeTakeFirstOrThrow();
  const row = await t.db
    .insertInto('audits')
    .values({
      council_id: f.councilId,
      month_id: f.monthId,
      child_id: child.id,
      kind: 'full_audit',
      tool_id: f.tools[tool],
      tool_version_id: version.id,
      team_id: f.teams.north,
      service_area_id: f.serviceAreas.safeguarding,
      locality_id: f.localities.north,
      practitioner_id: f.practitioners.north,
      practitioner_manager_id: f.managers.north,
      auditor_id: f.managers.south,
      status: 'submitted',
      submitted_at: new Date('2026-11-20T12:00:00Z'),
      overall_grade: grade,
      overall_good_or_better: false,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

const reauditsOf = (auditId: string) =>
  t.db.selectFrom('audits').selectAll().where('reaudit_of_id', '=', auditId).execute();

async function setSettings(months: number, requiresImprovement = false) {
  await saveReauditSettings(t.db, f.councilId, {
    reauditMonths: String(months),
    reauditRequiresImprovement: requiresImprovement ? 'yes' : 'no',
  });
}

test('an inadequate audit of November 2026 is re-audited in February 2027, once', async () => {
  const scheduled = await scheduleReaudit(t.db, f.councilId, f.audits.submitted);
  assert.equal(scheduled.dueMonth, '2027-02-01');
  assert.ok(scheduled.reauditId);
  const original = await t.db
    .selectFrom('audits')
    .selectAll()
    .where('id', '=', f.audits.submitted)
    .executeTakeFirstOrThrow();
  assert.equal(original.reaudit_due_month, '2027-02-01');

  const [reaudit] = await reauditsOf(f.audits.submitted);
  assert.equal(reaudit.id, scheduled.reauditId);
  assert.equal(reaudit.month_id, await monthId('2027-02-01'));
  assert.equal(reaudit.status, 'unallocated');
  assert.equal(reaudit.auditor_id, null);
  for (const column of [
    'child_id',
    'kind',
    'tool_id',
    'team_id',
    'service_area_id',
    'locality_id',
    'practitioner_id',
    'practitioner_manager_id',
  ] as const) {
    assert.equal(reaudit[column], original[column], column);
  }

  // again, and the sweep: no second re-audit
  const again = await scheduleReaudit(t.db, f.councilId, f.audits.submitted);
  assert.deepEqual(again, scheduled);
  assert.equal(await createDueReaudits(t.db, f.councilId), 0);
  assert.equal((await reauditsOf(f.audits.submitted)).length, 1);

  const listed = await reauditsOfMonth(t.db, f.councilId, (await monthId('2027-02-01')) as string);
  assert.deepEqual(
    listed.map((r) => [r.childReference, r.status, r.originalMonth]),
    [['F08C0', 'unallocated', '2026-11-01']],
  );
});

test('a re-audit beyond the programme is recorded as due and made once its month is planned', async () => {
  await setSettings(6);
  try {
    const auditId = await submitted('F12C0', 'inadequate');
    const scheduled = await scheduleReaudit(t.db, f.councilId, auditId);
    assert.deepEqual(scheduled, { dueMonth: '2027-05-01', reauditId: null });
    const row = await t.db
      .selectFrom('audits')
      .select('reaudit_due_month')
      .where('id', '=', auditId)
      .executeTakeFirstOrThrow();
    assert.equal(row.reaudit_due_month, '2027-05-01');
    assert.equal((await reauditsOf(auditId)).length, 0);
    assert.equal(await createDueReaudits(t.db, f.councilId), 0, 'nothing until May 2027 is planned');

    await createProgrammeYear(t.db, f.councilId, { startMonth: '2027-04' }, '2026-11-22');
    assert.equal(await createDueReaudits(t.db, f.councilId), 1);
    const [reaudit] = await reauditsOf(auditId);
    assert.equal(reaudit.month_id, await monthId('2027-05-01'));
    assert.equal(await createDueReaudits(t.db, f.councilId), 0, 'running it again adds nothing');
    assert.equal((await reauditsOf(auditId)).length, 1);
  } finally {
    await setSettings(3);
  }
});

test('a re-audit due in a learning month goes into the next month with audits', async () => {
  await t.db
    .updateTable('programme_months')
    .set({ learning_month: true })
    .where('id', '=', (await monthId('2027-06-01')) as string)
    .execute();
  await setSettings(7);
  try {
    const auditId = await submitted('F16C0', 'inadequate');
    const scheduled = await scheduleReaudit(t.db, f.councilId, auditId);
    assert.equal(scheduled.dueMonth, '2027-06-01');
    const [reaudit] = await reauditsOf(auditId);
    assert.equal(reaudit.month_id, await monthId('2027-07-01'));
  } finally {
    await setSettings(3);
  }
});

test('requires improvement is re-audited only when the council says so; good never is', async () => {
  const ri = await submitted('F20C0', 'requires_improvement');
  assert.deepEqual(await scheduleReaudit(t.db, f.councilId, ri), { dueMonth: null, reauditId: null });
  assert.equal((await reauditsOf(ri)).length, 0);

  await setSettings(3, true);
  try {
    const ri2 = await submitted('F24C0', 'requires_improvement');
    const scheduled = await scheduleReaudit(t.db, f.councilId, ri2);
    assert.equal(scheduled.dueMonth, '2027-02-01');
    assert.equal((await reauditsOf(ri2)).length, 1);

    const good = await submitted('F28C0', 'good');
    assert.equal((await scheduleReaudit(t.db, f.councilId, good)).dueMonth, null);

    // three-point: did not meet good always, met good never (it is good)
    const didNotMeet = await submitted('F32C0', 'did_not_meet_good', 'threePoint');
    assert.equal((await scheduleReaudit(t.db, f.councilId, didNotMeet)).dueMonth, '2027-02-01');
    const metGood = await submitted('F36C0', 'met_good', 'threePoint');
    assert.equal((await scheduleReaudit(t.db, f.councilId, metGood)).dueMonth, null);
    assert.equal((await reauditsOf(metGood)).length, 0);
  } finally {
    await setSettings(3);
  }
});

test('re-audit settings: whole months from 1 to 12 and a yes or no; a mistake changes nothing', async () => {
  await setSettings(4, true);
  const cases: [Record<string, string | undefined>, string, string][] = [
    [
      { reauditMonths: '', reauditRequiresImprovement: 'no' },
      'reauditMonths',
      'Enter the number of months until a re-audit, from 1 to 12',
    ],
    [
      { reauditMonths: '0', reauditRequiresImprovement: 'no' },
      'reauditMonths',
      'Enter the number of months until a re-audit, from 1 to 12',
    ],
    [
      { reauditMonths: '13', reauditRequiresImprovement: 'no' },
      'reauditMonths',
      'Enter the number of months until a re-audit, from 1 to 12',
    ],
    [
      { reauditMonths: '2.5', reauditRequiresImprovement: 'no' },
      'reauditMonths',
      'Enter the number of months as a whole number, like 3',
    ],
    [
      { reauditMonths: '3', reauditRequiresImprovement: undefined },
      'reauditRequiresImprovement',
      'Choose whether audits graded requires improvement are re-audited too',
    ],
  ];
  for (const [input, field, message] of cases) {
    await assert.rejects(
      saveReauditSettings(t.db, f.councilId, input),
      (err: unknown) =>
        err instanceof ValidationError && err.errors[0].field === field && err.errors[0].message === message,
      JSON.stringify(input),
    );
  }
  const kept = await getAfterSubmissionSettings(t.db, f.councilId);
  assert.equal(kept.reauditMonths, 4);
  assert.equal(kept.reauditRequiresImprovement, true);
  await setSettings(3);
});

test('the Assistant Director for quality assurance is an active senior leader, or found by job title', async () => {
  const choices = await seniorLeaderChoices(t.db, f.councilId);
  assert.deepEqual(
    choices.map((c) => c.name),
    ['Ada Director', 'Cara Head', 'Hal Head'],
  );
  assert.equal((await getAfterSubmissionSettings(t.db, f.councilId)).escalationDirectorId, null);
  await saveEscalationDirector(t.db, f.councilId, { escalationDirectorId: f.people.director.staffId });
  assert.equal(
    (await getAfterSubmissionSettings(t.db, f.councilId)).escalationDirectorId,
    f.people.director.staffId,
  );
  for (const wrong of [f.people.qaLead.staffId, 'not an id', crypto.randomUUID()]) {
    await assert.rejects(
      saveEscalationDirector(t.db, f.councilId, { escalationDirectorId: wrong }),
      (err: unknown) => err instanceof ValidationError && err.errors[0].field === 'escalationDirectorId',
    );
  }
  assert.equal(
    (await getAfterSubmissionSettings(t.db, f.councilId)).escalationDirectorId,
    f.people.director.staffId,
  );
  await saveEscalationDirector(t.db, f.councilId, { escalationDirectorId: '' });
  assert.equal((await getAfterSubmissionSettings(t.db, f.councilId)).escalationDirectorId, null);
});
