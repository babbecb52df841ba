import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { type AuditFixture, buildAuditFixture, userOf } from '../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import type { Db } from '../../data/db.ts';
import { ValidationError } from '../../domain/validation.ts';
import type { SignedInUser } from '../organisation/auth.ts';
import {
  addToModeration,
  confirmPlan,
  monthModeration,
  previewPlan,
  reallocateModeration,
} from './moderation-plans.ts';

let t: TestDb;
let f: AuditFixture;
let qa: SignedInUser;
/** a second QA lead who is also an auditor, trained this autumn */
let officer: string;
/** audits of the cycle: the fixture's (inadequate) and the copies, by auditor */
const byNorth: string[] = [];
const byOfficer: string[] = [];
let escalated: string;

/** Copies the fixture's submitted audit `n` times for `auditorId`, graded good, one minute apart. */
async function copySubmitted(db: Db, fx: AuditFixture, auditorId: string, n: number, from: number) {
  const { rows } = await sql<{ id: string }>`
    insert into audits (council_id, month_id, child_id, kind, tool_id, tool_version_id, position, team_id,
      service_area_id, locality_id, practitioner_id, practitioner_manager_id, auditor_id, status, allocated_at,
      due_on, submitted_at, submitted_by, overall_grade, overall_good_or_better, final_grade, final_good_or_better, answers)
    select a.council_id, a.month_id,
      (select id from children where council_id = a.council_id order by external_id offset 20 + ${from} + g limit 1),
      a.kind, a.tool_id, a.tool_version_id, 100 + ${from} + g, a.team_id, a.service_area_id, a.locality_id,
      a.practitioner_id, a.practitioner_manager_id, ${auditorId}, 'submitted', a.allocated_at, a.due_on,
      timestamptz '2026-11-10 09:00Z' + ((${from} + g) || ' minutes')::interval, ${auditorId}, 'good', true, 'good', true, a.answers
    from audits a cross join generate_series(1, ${n}) g where a.id = ${fx.audits.submitted}
    returning id`.execute(db);
  return rows.map((r) => r.id);
}

const errorsOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    if (err instanceof ValidationError) return err.errors;
    throw err;
  }
  assert.fail('expected the input to be refused');
};

const count = async (table: 'moderations' | 'moderation_plans') =>
  Number(
    (
      await t.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('council_id', '=', f.councilId)
        .executeTakeFirstOrThrow()
    ).n,
  );

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db, 'modp');
  qa = await userOf(t.db, f.people.qaLead);
  const row = await t.db
    .insertInto('staff')
    .values({
      council_id: f.councilId,
      name: 'Olu Officer',
      job_title: 'QA Officer',
      audit_trained_on: '2026-10-01',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  officer = row.id;
  for (const role of ['qa_lead', 'auditor'] as const)
    await t.db
      .insertInto('staff_roles')
      .values({ council_id: f.councilId, staff_id: officer, role })
      .execute();
  byNorth.push(...(await copySubmitted(t.db, f, f.managers.north, 12, 0)));
  byOfficer.push(...(await copySubmitted(t.db, f, officer, 6, 20)));
  escalated = byNorth[5];
  await t.db
    .insertInto('escalations')
    .values({
      council_id: f.councilId,
      audit_id: escalated,
      child_id: (
        await t.db
          .selectFrom('audits')
          .select('child_id')
          .where('id', '=', escalated)
          .executeTakeFirstOrThrow()
      ).child_id,
      kind: 'drift_delay',
      found: 'The plan has drifted for three months.',
      raised_by: f.managers.north,
      raised_before_submission: true,
    })
    .execute();
});
after(async () => {
  await t?.close();
});

describe('checking a moderation sample', () => {
  test('a percentage over 100, or not a number, is refused with a clear reason', async () => {
    const over = await errorsOf(previewPlan(t.db, f.councilId, f.monthId, { percent: '150', rules: [] }));
    assert.deepEqual(over, [{ field: 'percent', message: 'The percentage must be 100 or less' }]);
    const words = await errorsOf(previewPlan(t.db, f.councilId, f.monthId, { percent: 'ten' }));
    assert.deepEqual(words, [
      { field: 'percent', message: 'Enter the percentage as a whole number from 0 to 100, like 10' },
    ]);
    const empty = await errorsOf(previewPlan(t.db, f.councilId, f.monthId, { percent: '' }));
    assert.match(empty[0].message, /Enter the percentage of returned audits/);
    const rule = await errorsOf(
      previewPlan(t.db, f.councilId, f.monthId, { percent: 10, rules: ['everything'] }),
    );
    assert.deepEqual(rule, [{ field: 'rules', message: 'Choose rules from the list' }]);
    const seed = await errorsOf(previewPlan(t.db, f.councilId, f.monthId, { percent: 10, seed: '-4' }));
    assert.equal(seed[0].field, 'seed');
  });

  test('the same seed gives the same sample; the rules’ audits are always in it', async () => {
    const input = { percent: '20', seed: '4242', rules: ['inadequate', 'escalated', 'new_auditor'] };
    const first = await previewPlan(t.db, f.councilId, f.monthId, input);
    const again = await previewPlan(t.db, f.councilId, f.monthId, input);
    assert.deepEqual(first, again);
    assert.equal(first.returned, 19);
    assert.equal(first.randomWanted, 4, '20% of 19 returned');
    const why = Object.fromEntries(first.chosen.map((c) => [c.auditId, c.chosenBecause]));
    assert.equal(why[f.audits.submitted], 'inadequate');
    assert.equal(why[escalated], 'escalated');
    // the first two audits since training of each auditor (the escalated one comes later)
    for (const id of [byNorth[0], byNorth[1], byOfficer[0], byOfficer[1]])
      assert.equal(why[id], 'new_auditor');
    assert.equal(first.chosen.length, 6 + 4);
    const child = first.chosen.find((c) => c.auditId === f.audits.submitted);
    assert.equal(child?.childReference, 'F08C0');
    for (const seed of [1, 2, 3]) {
      const other = await previewPlan(t.db, f.councilId, f.monthId, { ...input, seed });
      assert.ok(other.chosen.some((c) => c.auditId === escalated));
    }
    assert.equal(await count('moderation_plans'), 0, 'checking saves nothing');
    assert.equal(await count('moderations'), 0);
  });

  test('without a seed, one is chosen and shown, and that seed draws the same again', async () => {
    const p = await previewPlan(t.db, f.councilId, f.monthId, { percent: 30 });
    assert.ok(Number.isInteger(p.seed));
    const again = await previewPlan(t.db, f.councilId, f.monthId, { percent: 30, seed: p.seed });
    assert.deepEqual(
      again.chosen.map((c) => c.auditId),
      p.chosen.map((c) => c.auditId),
    );
  });
});

describe('confirming a moderation sample', () => {
  test('bad input writes nothing', async () => {
    await errorsOf(confirmPlan(t.db, qa, f.monthId, { percent: 150 }));
    await errorsOf(confirmPlan(t.db, qa, f.monthId, { percent: 'ten' }));
    assert.equal(await count('moderation_plans'), 0);
    assert.equal(await count('moderations'), 0);
  });

  test('saves what was checked and shares it between the QA leads, never to their own audits', async () => {
    const input = { percent: '40', seed: '77', rules: ['inadequate', 'escalated'] };
    const checked = await previewPlan(t.db, f.councilId, f.monthId, input);
    const result = await confirmPlan(t.db, qa, f.monthId, input);
    assert.equal(result.added, checked.chosen.length);
    assert.equal(result.allocated, checked.chosen.length);
    assert.deepEqual(result.unallocated, []);
    const plan = await t.db.selectFrom('moderation_plans').selectAll().executeTakeFirstOrThrow();
    assert.equal(plan.percent, 40);
    assert.equal(plan.seed, 77);
    assert.deepEqual(plan.rules, ['inadequate', 'escalated']);
    assert.equal(plan.confirmed_by, f.qaLead);

    const page = await monthModeration(t.db, f.councilId, f.monthId);
    assert.deepEqual(
      page.moderations.map((m) => m.auditId).sort(),
      checked.chosen.map((c) => c.auditId).sort(),
    );
    for (const m of page.moderations) {
      assert.equal(m.status, 'allocated');
      assert.notEqual(m.moderatorId, m.auditorId, 'nobody moderates their own audit');
      assert.ok([f.qaLead, officer].includes(m.moderatorId as string));
    }
    const officersAudits = page.moderations.filter((m) => m.auditorId === officer);
    for (const m of officersAudits) assert.equal(m.moderatorId, f.qaLead);
    const loads = page.moderators.map((m) => m.load);
    assert.ok(Math.max(...loads) - Math.min(...loads) <= Math.max(1, officersAudits.length), String(loads));
    assert.equal(page.plan?.confirmedBy, 'QA Lead');
    assert.equal(page.moderations.find((m) => m.auditId === escalated)?.why, 'An escalation was raised');
  });

  test('confirming again adds only audits not already being moderated', async () => {
    const before = await count('moderations');
    const result = await confirmPlan(t.db, qa, f.monthId, {
      percent: '40',
      seed: '77',
      rules: ['inadequate', 'escalated'],
    });
    assert.equal(result.added, 0);
    assert.equal(await count('moderations'), before);
    const more = await confirmPlan(t.db, qa, f.monthId, { percent: '100', seed: '77', rules: [] });
    assert.equal(await count('moderations'), 19);
    assert.equal(more.added, 19 - before);
    assert.equal(
      (await t.db.selectFrom('moderation_plans').select('percent').executeTakeFirstOrThrow()).percent,
      100,
    );
  });
});

describe('changing the moderator', () => {
  const moderationOf = (auditId: string) =>
    t.db.selectFrom('moderations').selectAll().where('audit_id', '=', auditId).executeTakeFirstOrThrow();

  test('a QA lead cannot be given their own audit to moderate', async () => {
    const m = await moderationOf(byOfficer[3]);
    const errors = await errorsOf(reallocateModeration(t.db, qa, m.id, officer));
    assert.deepEqual(errors, [
      { field: 'moderatorId', message: 'A moderator cannot moderate their own audit' },
    ]);
    assert.equal((await moderationOf(byOfficer[3])).moderator_id, m.moderator_id);
  });

  test('only a QA lead can moderate, and only until the moderation is submitted', async () => {
    const m = await moderationOf(byNorth[3]);
    const notQa = await errorsOf(reallocateModeration(t.db, qa, m.id, f.managers.south));
    assert.match(notQa[0].message, /only QA leads can moderate audits/);
    const other = m.moderator_id === officer ? f.qaLead : officer;
    await reallocateModeration(t.db, qa, m.id, other);
    assert.equal((await moderationOf(byNorth[3])).moderator_id, other);

    await t.db
      .updateTable('moderations')
      .set({ status: 'submitted', submitted_at: new Date() })
      .where('id', '=', m.id)
      .execute();
    const late = await errorsOf(reallocateModeration(t.db, qa, m.id, m.moderator_id as string));
    assert.match(late[0].message, /has been moderated/);
    assert.equal((await moderationOf(byNorth[3])).moderator_id, other);
  });

  test('someone who is not a QA lead cannot change it at all', async () => {
    const m = await moderationOf(byNorth[4]);
    const auditor = await userOf(t.db, f.people.auditor);
    await assert.rejects(reallocateModeration(t.db, auditor, m.id, f.qaLead), { statusCode: 403 });
    await assert.rejects(addToModeration(t.db, auditor, f.audits.allocated), { statusCode: 403 });
  });
});

describe('adding an audit to moderation by hand', () => {
  test('an audit not yet submitted is refused, and nothing is written', async () => {
    const before = await count('moderations');
    for (const id of [f.audits.allocated, f.audits.dip]) {
      const errors = await errorsOf(addToModeration(t.db, qa, id));
      assert.deepEqual(errors, [{ field: 'auditId', message: 'Only submitted audits can be moderated' }]);
    }
    const twice = await errorsOf(addToModeration(t.db, qa, f.audits.submitted));
    assert.match(twice[0].message, /already being moderated/);
    assert.equal(await count('moderations'), before);
  });

  test('when the only QA lead is the audit’s auditor, it is left unallocated with the reason', async () => {
    const [mine] = await copySubmitted(t.db, f, officer, 1, 40);
    await t.db.updateTable('staff').set({ active: false }).where('id', '=', f.qaLead).execute();
    try {
      const added = await addToModeration(t.db, qa, mine);
      assert.equal(added.allocated, 0);
      assert.match(added.unallocated[0].reason, /only QA lead is the audit’s auditor/);
      const page = await monthModeration(t.db, f.councilId, f.monthId);
      const row = page.moderations.find((m) => m.auditId === mine);
      assert.equal(row?.status, 'unallocated');
      assert.match(row?.unallocatedReason ?? '', /cannot moderate their own audit/);
    } finally {
      await t.db.updateTable('staff').set({ active: true }).where('id', '=', f.qaLead).execute();
    }
  });
});
