import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { buildSamplingFixture, type SamplingFixture, saveCohort } from '../../../test/helpers/sampling.ts';
import { ValidationError } from '../../domain/validation.ts';
import {
  allocateAudit,
  allocateSample,
  auditorChoices,
  exemptAudit,
  reinstateAudit,
  sampleAudits,
} from './allocation.ts';
import { drawRequestSchema, drawSample } from './samples.ts';

let t: TestDb;
let f: SamplingFixture;
let cohortId: string;

before(async () => {
  t = await createTestDb();
  f = await buildSamplingFixture(t.db);
  cohortId = await saveCohort(t.db, f.councilId, 'CP after CIN, one per family', {
    statuses: ['cp_plan'],
    cpPlanAfter: ['cin_plan'],
    onePerFamily: true,
  });
});
after(() => t.close());

/** A sample of the November cycle; children already drawn in it may be drawn again (allocation is what is tried here). */
const draw = (count: number, over: object = {}) =>
  drawSample(
    t.db,
    f.councilId,
    f.qaLead,
    drawRequestSchema.parse({
      monthId: f.monthId,
      cohortId,
      kind: 'full_audit',
      sizeKind: 'count',
      count,
      method: 'stratified',
      stratifyBy: 'team',
      seed: 99,
      includeSampled: true,
      ...over,
    }),
  );

async function audits(sampleId: string) {
  return t.db
    .selectFrom('audits')
    .select(['id', 'status', 'auditor_id', 'team_id', 'practitioner_id', 'practitioner_manager_id'])
    .where('sample_id', '=', sampleId)
    .execute();
}

async function setCapacity(capacity: number) {
  await t.db
    .updateTable('staff')
    .set({ audit_capacity: capacity })
    .where('council_id', '=', f.councilId)
    .execute();
}

test('when every auditor has a capacity of 0, nothing is allocated and the reason is given', async () => {
  await setCapacity(0);
  const sampleId = await draw(6);
  await assert.rejects(
    () => allocateSample(t.db, f.councilId, sampleId, f.qaLead),
    (err: unknown) =>
      err instanceof ValidationError &&
      err.errors[0].field === 'allocate' &&
      /^No audit could be allocated, so nothing has changed\. No auditor can take this case: .*no capacity left this month.*Raise capacities on the Auditors page/.test(
        err.errors[0].message,
      ),
  );
  assert.ok((await audits(sampleId)).every((a) => a.status === 'unallocated' && a.auditor_id === null));
  const changes = await t.db.selectFrom('allocation_changes').select('id').execute();
  assert.equal(changes.length, 0);
  await setCapacity(3);
});

test('automatic allocation keeps every rule: trained, not the worker or their manager, not the same team, within capacity', async () => {
  const sampleId = await draw(12);
  const result = await allocateSample(t.db, f.councilId, sampleId, f.qaLead);
  const rows = await audits(sampleId);
  const staff = await t.db
    .selectFrom('staff')
    .select(['id', 'team_id', 'audit_trained_on', 'audit_capacity'])
    .where('council_id', '=', f.councilId)
    .execute();
  const byId = new Map(staff.map((s) => [s.id, s]));
  const allocated = rows.filter((r) => r.status === 'allocated');
  assert.equal(allocated.length, result.allocated);
  assert.equal(result.allocated + result.unallocated.length, 12);
  const load = new Map<string, number>();
  for (const a of allocated) {
    const auditor = byId.get(a.auditor_id as string);
    assert.ok(auditor?.audit_trained_on, 'trained');
    assert.notEqual(a.auditor_id, a.practitioner_id);
    assert.notEqual(a.auditor_id, a.practitioner_manager_id);
    assert.notEqual(auditor?.team_id, a.team_id, 'not in the child’s team');
    load.set(a.auditor_id as string, (load.get(a.auditor_id as string) ?? 0) + 1);
  }
  for (const [id, n] of load) assert.ok(n <= (byId.get(id)?.audit_capacity ?? 0));
  // capacity: four trained managers × 3 and the head × 3 = 15 places, so all 12 fit
  assert.equal(result.unallocated.length, 0);
});

test('a case that cannot be allocated stays unallocated with its reason, the rest are allocated', async () => {
  // one more place for each auditor than they already hold this month
  await sql`update staff s set audit_capacity = 1 + (select count(*) from audits a
    where a.auditor_id = s.id and a.status = 'allocated') where s.council_id = ${f.councilId}`.execute(t.db);
  const sampleId = await draw(20, { seed: 5 });
  const result = await allocateSample(t.db, f.councilId, sampleId, f.qaLead);
  assert.ok(result.allocated > 0 && result.allocated <= 5, String(result.allocated));
  assert.equal(result.allocated + result.unallocated.length, 20);
  assert.match(result.unallocated[0].reason, /^No auditor can take this case: .*no capacity left this month/);
  assert.match(result.unallocated[0].childRef, /^F\d\dC\d$/);
  await setCapacity(50);
});

test('the QA lead moves an audit, within the rules, and every change is recorded', async () => {
  const sampleId = await draw(3, { seed: 17 });
  await allocateSample(t.db, f.councilId, sampleId, f.qaLead);
  const [first] = await sampleAudits(t.db, f.councilId, sampleId);
  const choices = await auditorChoices(t.db, f.councilId, first.id);
  const row = (await audits(sampleId)).find((a) => a.id === first.id);
  const practitionerManager = choices.find((c) => c.id === row?.practitioner_manager_id);
  assert.equal(practitionerManager?.reason, "the practitioner's line manager");
  const untrained = choices.find((c) => c.name === 'New Manager');
  assert.equal(untrained?.reason, 'not trained in auditing');
  await assert.rejects(
    () => allocateAudit(t.db, f.councilId, first.id, f.qaLead, { auditorId: row?.practitioner_manager_id }),
    (err: unknown) =>
      err instanceof ValidationError &&
      /cannot take this audit: the practitioner's line manager/.test(err.message),
  );
  const other = choices.find((c) => c.reason === null && c.id !== row?.auditor_id);
  assert.ok(other, 'someone else may take it');
  await allocateAudit(t.db, f.councilId, first.id, f.qaLead, { auditorId: other.id, note: 'Balancing' });
  const moved = (await audits(sampleId)).find((a) => a.id === first.id);
  assert.equal(moved?.auditor_id, other.id);
  const history = await t.db
    .selectFrom('allocation_changes')
    .select(['change', 'from_auditor_id', 'to_auditor_id', 'note'])
    .where('audit_id', '=', first.id)
    .orderBy('id')
    .execute();
  assert.deepEqual(
    history.map((h) => h.change),
    ['allocated', 'reallocated'],
  );
  assert.equal(history[1].from_auditor_id, row?.auditor_id);
  assert.equal(history[1].note, 'Balancing');
});

test('an exemption needs a reason (and words for "other"), is counted and never deleted; reinstating undoes it', async () => {
  const sampleId = await draw(2, { seed: 23 });
  await allocateSample(t.db, f.councilId, sampleId, f.qaLead);
  const [a] = await sampleAudits(t.db, f.councilId, sampleId);
  await assert.rejects(
    () => exemptAudit(t.db, f.councilId, a.id, f.qaLead, { reason: 'other', note: ' ' }),
    (err: unknown) => err instanceof ValidationError && err.errors[0].field === 'note',
  );
  await assert.rejects(
    () => exemptAudit(t.db, f.councilId, a.id, f.qaLead, { reason: 'holiday' }),
    (err: unknown) =>
      err instanceof ValidationError && err.errors[0].message === 'Choose why the audit is exempted',
  );
  await exemptAudit(t.db, f.councilId, a.id, f.qaLead, { reason: 'case_closed' });
  const exempted = await sampleAudits(t.db, f.councilId, sampleId);
  assert.equal(exempted.length, 2);
  assert.equal(exempted.find((x) => x.id === a.id)?.status, 'exempted');
  assert.equal(exempted.find((x) => x.id === a.id)?.exemption_reason, 'case_closed');
  await reinstateAudit(t.db, f.councilId, a.id, f.qaLead);
  assert.equal(
    (await sampleAudits(t.db, f.councilId, sampleId)).find((x) => x.id === a.id)?.status,
    'allocated',
  );
});

test('dip samples go only to auditors who have completed a full audit', async () => {
  const sampleId = await draw(2, { seed: 31, kind: 'dip_sample' });
  await assert.rejects(
    () => allocateSample(t.db, f.councilId, sampleId, f.qaLead),
    (err: unknown) => err instanceof ValidationError && /no completed full audit yet/.test(err.message),
  );
  // the head of safeguarding completes a full audit
  const head = await t.db
    .selectFrom('staff')
    .select('id')
    .where('council_id', '=', f.councilId)
    .where('name', '=', 'Head of Safeguarding')
    .executeTakeFirstOrThrow();
  await t.db
    .updateTable('audits')
    .set({ status: 'submitted', submitted_at: new Date() })
    .where('auditor_id', '=', head.id)
    .where('kind', '=', 'full_audit')
    .where('status', '=', 'allocated')
    .execute();
  await t.db.updateTable('staff').set({ audit_capacity: 20 }).where('id', '=', head.id).execute();
  const result = await allocateSample(t.db, f.councilId, sampleId, f.qaLead);
  assert.equal(result.allocated, 2);
  const rows = await audits(sampleId);
  assert.ok(rows.every((r) => r.auditor_id === head.id));
});

test('another council’s audit is not found', async () => {
  const other = await buildSamplingFixture(t.db, 'other');
  const sampleId = await draw(1, { seed: 41 });
  const [a] = await sampleAudits(t.db, f.councilId, sampleId);
  await assert.rejects(
    () => exemptAudit(t.db, other.councilId, a.id, other.qaLead, { reason: 'case_closed' }),
    /No such audit/,
  );
});

test('two samples of a cycle allocated at the same moment never give an auditor more than their capacity', async () => {
  const taking = sql`(select count(*) from audits a where a.auditor_id = s.id and a.month_id = ${f.monthId}
    and a.status in ('allocated', 'in_progress', 'submitted'))`;
  // one place left for each auditor this month
  await sql`update staff s set audit_capacity = 1 + ${taking} where s.council_id = ${f.councilId}`.execute(
    t.db,
  );
  const samples = [await draw(6, { seed: 51 }), await draw(6, { seed: 52 })];
  const settled = await Promise.allSettled(
    samples.map((id) => allocateSample(t.db, f.councilId, id, f.qaLead)),
  );
  for (const s of settled)
    if (s.status === 'rejected') assert.ok(s.reason instanceof ValidationError, String(s.reason));
  const over = await sql<{ n: number }>`select count(*)::int as n from staff s
    where s.council_id = ${f.councilId} and ${taking} > s.audit_capacity`.execute(t.db);
  assert.equal(over.rows[0].n, 0, 'no auditor is given more than their capacity');
});

test('an audit reinstated once its auditor’s month is full waits to be allocated again', async () => {
  await setCapacity(50);
  const sampleId = await draw(1, { seed: 61 });
  await allocateSample(t.db, f.councilId, sampleId, f.qaLead);
  const [before] = await audits(sampleId);
  const auditorId = before.auditor_id as string;
  await exemptAudit(t.db, f.councilId, before.id, f.qaLead, { reason: 'auditor_absent' });
  // while it was exempted, the auditor's month filled up
  await sql`update staff s set audit_capacity = (select count(*) from audits a where a.auditor_id = s.id
    and a.month_id = ${f.monthId} and a.status in ('allocated', 'in_progress', 'submitted'))
    where s.id = ${auditorId}`.execute(t.db);
  assert.deepEqual(await reinstateAudit(t.db, f.councilId, before.id, f.qaLead), { auditorId: null });
  const [after] = await audits(sampleId);
  assert.equal(after.status, 'unallocated');
  assert.equal(after.auditor_id, null);
  await setCapacity(50);
});
