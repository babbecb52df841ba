import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { programmeMonth, writeFixtureSnapshot } from '../../../test/helpers/cohort-fixtures.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import type { Db } from '../../data/db.ts';
import { inTransaction } from '../../data/transaction.ts';
import type { ReviewingOfficerKind } from '../../domain/reviewing-officers.ts';
import { ValidationError } from '../../domain/validation.ts';
import { SnapshotWriter } from '../../import/snapshot-writer.ts';
import { ImportTally } from '../../import/types.ts';
import { footprintFigures } from '../../metrics/footprint.ts';
import { footprintPanel } from '../../reports/footprint.ts';
import { addServiceArea, addTeam, createCouncil } from '../organisation/councils.ts';
import { allocateSample } from './allocation.ts';
import { whyFootprintUnallocated } from './footprint.ts';
import { drawRequestSchema, drawSample, planSample } from './samples.ts';

/**
 * A footprint dip sample, for a council made with createCouncil: only children with a reviewing
 * officer of the kind are drawn, each audit goes to the officer's line manager (their service
 * manager), and what the managers return is counted for the dashboard.
 */

let t: TestDb;
before(async () => {
  t = await createTestDb();
});
after(() => t.close());

const AS_OF = '2026-11-20';
let n = 0;

async function person(
  db: Db,
  councilId: string,
  name: string,
  teamId: string | null,
  manager: string | null,
) {
  const row = await db
    .insertInto('staff')
    .values({
      council_id: councilId,
      name,
      job_title: manager ? 'Independent Reviewing Officer' : 'Service Manager',
      team_id: teamId,
      line_manager_id: manager,
      email: `${name.toLowerCase().replace(/\W+/g, '.')}.${n}@example.gov.uk`,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A council with an IRO service and children in care, some with an IRO in the extract. */
async function fixture() {
  n++;
  const councilId = (await createCouncil(t.db, { code: `fp${n}`, name: `Footprint Council ${n}` })).id;
  const area = await addServiceArea(t.db, councilId, 'Quality and safeguarding');
  const iroTeam = await addTeam(t.db, councilId, { name: 'IRO service', serviceAreaId: area });
  const careTeam = await addTeam(t.db, councilId, { name: 'Children in care', serviceAreaId: area });
  const qaLead = await person(t.db, councilId, 'Quinn Lead', null, null);
  const manager = await person(t.db, councilId, 'Sam Manager', iroTeam, null);
  const iroA = await person(t.db, councilId, 'Ira One', iroTeam, manager);
  const iroB = await person(t.db, councilId, 'Ira Two', iroTeam, manager);
  const orphan = await person(t.db, councilId, 'Ira Nomanager', iroTeam, null);
  const worker = await person(t.db, councilId, 'Wendy Worker', careTeam, manager);
  const inCare = (ref: string) => ({
    ref,
    dateOfBirth: '2015-01-01',
    teamId: careTeam,
    staffId: worker,
    allocatedFrom: '2025-01-01',
    episodes: [{ kind: 'cla' as const, start: '2025-01-01' }],
  });
  const snapshotId = await writeFixtureSnapshot(t.db, councilId, AS_OF, [
    inCare('L1'),
    inCare('L2'),
    inCare('L3'),
    inCare('L4'),
    inCare('L5'),
    inCare('L6'),
  ]);
  const officers: [string, string, ReviewingOfficerKind, string | null][] = [
    ['L1', iroA, 'iro', null],
    ['L2', iroA, 'iro', null],
    ['L3', iroB, 'iro', null],
    ['L4', orphan, 'iro', null],
    // an IRO whose involvement ended before the extract is not the child's IRO now
    ['L5', iroB, 'iro', '2026-01-01'],
    // L6 has no IRO in the extract
  ];
  await inTransaction(t.db, async (trx) => {
    const writer = new SnapshotWriter(trx, { councilId, snapshotId, tally: new ImportTally() });
    await writer.beginSource('ssd');
    for (const [ref, staffId, kind, end] of officers)
      await writer.reviewingOfficer(
        'ssd',
        { childRef: ref, staffId, kind, startDate: '2025-02-01', endDate: end },
        { file: 'fixture', row: 0 },
      );
    await writer.flush();
  });
  const monthId = await programmeMonth(t.db, councilId, '2026-11-01');
  const cohort = await t.db
    .selectFrom('cohorts')
    .select('id')
    .where('council_id', '=', councilId)
    .where('name', '=', 'Children in care')
    .executeTakeFirstOrThrow();
  const tool = await t.db
    .selectFrom('audit_tools')
    .select('id')
    .where('council_id', '=', councilId)
    .where('name', '=', 'Dip sample: IRO footprint')
    .executeTakeFirstOrThrow();
  return {
    councilId,
    monthId,
    cohortId: cohort.id,
    toolId: tool.id,
    qaLead,
    manager,
    iroA,
    iroB,
    orphan,
    iroTeam,
  };
}

type Fixture = Awaited<ReturnType<typeof fixture>>;

const request = (f: Fixture, over: Record<string, unknown> = {}) =>
  drawRequestSchema.parse({
    monthId: f.monthId,
    cohortId: f.cohortId,
    kind: 'dip_sample',
    toolId: f.toolId,
    sizeKind: 'count',
    count: 4,
    method: 'simple',
    seed: 11,
    footprint: 'iro',
    ...over,
  });

async function auditsOf(sampleId: string) {
  return t.db
    .selectFrom('audits as a')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .select(['a.id', 'c.external_id', 'a.reviewing_officer_id', 'a.auditor_id', 'a.status'])
    .where('a.sample_id', '=', sampleId)
    .orderBy('c.external_id')
    .execute();
}

test('only children with an IRO now are drawn, each audit allocated to the officer’s manager', async () => {
  const f = await fixture();
  const plan = await planSample(t.db, f.councilId, request(f));
  // L1 to L4: L5's IRO has ended, L6 has none
  assert.equal(plan.cohortSize, 4);
  assert.ok(plan.notes.some((x) => x.includes('service manager')));
  const sampleId = await drawSample(t.db, f.councilId, f.qaLead, request(f));
  const sample = await t.db
    .selectFrom('samples')
    .select('footprint')
    .where('id', '=', sampleId)
    .executeTakeFirstOrThrow();
  assert.equal(sample.footprint, 'iro');
  const audits = await auditsOf(sampleId);
  assert.deepEqual(
    audits.map((a) => [a.external_id, a.reviewing_officer_id, a.auditor_id, a.status]),
    [
      ['L1', f.iroA, f.manager, 'allocated'],
      ['L2', f.iroA, f.manager, 'allocated'],
      ['L3', f.iroB, f.manager, 'allocated'],
      // an officer with no manager: left for the QA lead, with the reason
      ['L4', f.orphan, null, 'unallocated'],
    ],
  );
  const why = await whyFootprintUnallocated(t.db, f.councilId, [audits[3].id]);
  assert.match(why.get(audits[3].id) ?? '', /Ira Nomanager has no line manager recorded/);
  const changes = await t.db
    .selectFrom('allocation_changes')
    .select(['to_auditor_id', 'note'])
    .where(
      'audit_id',
      'in',
      audits.map((a) => a.id),
    )
    .execute();
  assert.equal(changes.length, 3);
  assert.ok(changes.every((c) => c.to_auditor_id === f.manager && /service manager/.test(c.note ?? '')));

  // allocating the sample says why nothing more can go; once the officer has a manager, it goes
  await assert.rejects(allocateSample(t.db, f.councilId, sampleId, f.qaLead), (err: unknown) => {
    assert.ok(err instanceof ValidationError);
    assert.match(err.errors[0].message, /no line manager recorded/);
    return true;
  });
  await t.db.updateTable('staff').set({ line_manager_id: f.manager }).where('id', '=', f.orphan).execute();
  const result = await allocateSample(t.db, f.councilId, sampleId, f.qaLead);
  assert.equal(result.allocated, 1);
  assert.equal((await auditsOf(sampleId))[3].auditor_id, f.manager);
});

test('a footprint is asked only of a dip sample, and a cohort with no officer of the kind draws nothing', async () => {
  const f = await fixture();
  const wrongKind = drawRequestSchema.safeParse({ ...request(f), kind: 'full_audit' });
  assert.equal(wrongKind.success, false);
  assert.match(wrongKind.error?.issues[0]?.message ?? '', /A footprint sample is a dip sample/);
  const before = await t.db
    .selectFrom('samples')
    .select('id')
    .where('council_id', '=', f.councilId)
    .execute();
  await assert.rejects(
    drawSample(t.db, f.councilId, f.qaLead, request(f, { footprint: 'cp_adviser' })),
    (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.equal(err.errors[0].field, 'footprint');
      assert.match(err.errors[0].message, /has a child protection adviser/);
      return true;
    },
  );
  const after = await t.db.selectFrom('samples').select('id').where('council_id', '=', f.councilId).execute();
  assert.equal(after.length, before.length);
});

test('the dashboard counts what the managers returned this quarter: each question’s yes share and by team', async () => {
  const f = await fixture();
  const sampleId = await drawSample(t.db, f.councilId, f.qaLead, request(f));
  const audits = (await auditsOf(sampleId)).filter((a) => a.status === 'allocated');
  const answers = [
    { child_consulted: 'yes', review_in_timescale: 'yes', drift_escalated: 'na' },
    { child_consulted: 'no', review_in_timescale: 'yes', drift_escalated: 'yes' },
    { child_consulted: 'partly', review_in_timescale: 'no', drift_escalated: 'na' },
  ];
  for (const [i, a] of audits.entries())
    await t.db
      .updateTable('audits')
      .set({
        status: 'submitted',
        submitted_at: new Date(`2026-11-${10 + i}T12:00:00Z`),
        answers: JSON.stringify({ iro_footprint: { answers: answers[i] } }),
      })
      .where('id', '=', a.id)
      .execute();
  const [iro, cp] = await footprintFigures(t.db, f.councilId, { from: '2026-10-01', to: '2026-12-31' });
  assert.equal(iro.kind, 'iro');
  assert.equal(iro.returned, 3);
  assert.equal(iro.owed, 1);
  const q = new Map(iro.questions.map((x) => [x.key, x.yes]));
  assert.deepEqual([q.get('child_consulted')?.count, q.get('child_consulted')?.total], [1, 3]);
  assert.deepEqual([q.get('review_in_timescale')?.count, q.get('review_in_timescale')?.total], [2, 3]);
  // "not applicable" is left out
  assert.deepEqual([q.get('drift_escalated')?.count, q.get('drift_escalated')?.total], [1, 1]);
  assert.ok(q.get('review_in_timescale')?.ci95);
  assert.deepEqual(
    iro.byTeam.map((x) => [x.team, x.returned]),
    [['IRO service', 3]],
  );
  assert.equal(cp.returned, 0);
  // returned before the quarter: not counted in it
  const earlier = await footprintFigures(t.db, f.councilId, { from: '2026-07-01', to: '2026-09-30' });
  assert.equal(earlier[0].returned, 0);
  // a Head of Service of another service area sees none of it
  const other = await addServiceArea(t.db, f.councilId, 'Early help');
  const held = await footprintFigures(t.db, f.councilId, {
    from: '2026-10-01',
    to: '2026-12-31',
    serviceAreaId: other,
  });
  assert.equal(held[0].returned, 0);

  const panel = await footprintPanel(t.db, f.councilId, {
    councilName: 'X',
    today: '2026-11-22',
    byTeam: true,
  });
  assert.equal(panel.title, 'IRO and CP adviser footprint');
  assert.match(
    panel.sections[0].paragraphs?.[0] ?? '',
    /^3 audits returned this quarter; 1 still with service managers/,
  );
  assert.deepEqual(
    panel.sections[0].tables.map((x) => x.id),
    ['footprint-iro-questions', 'footprint-iro-teams'],
  );
});
