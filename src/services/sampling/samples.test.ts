import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { buildSamplingFixture, type SamplingFixture, saveCohort } from '../../../test/helpers/sampling.ts';
import { marginOfError } from '../../domain/sampling.ts';
import { ValidationError } from '../../domain/validation.ts';
import { cohortSql } from './cohort-query.ts';
import {
  type DrawRequest,
  drawRequestSchema,
  drawSample,
  getSample,
  planSample,
  sampleLeftOut,
} from './samples.ts';

let t: TestDb;
let f: SamplingFixture;
let cpAfterCinOnePerFamily: string;
let cpAfterCinAll: string;
let nobody: string;

before(async () => {
  t = await createTestDb();
  f = await buildSamplingFixture(t.db);
  // This council has made no multi-agency audit tool of its own and removed the built-in one.
  await t.db
    .deleteFrom('audit_tools')
    .where('council_id', '=', f.councilId)
    .where('kind', '=', 'multi_agency')
    .execute();
  cpAfterCinOnePerFamily = await saveCohort(t.db, f.councilId, 'CP after CIN, one per family', {
    statuses: ['cp_plan'],
    cpPlanAfter: ['cin_plan'],
    onePerFamily: true,
  });
  cpAfterCinAll = await saveCohort(t.db, f.councilId, 'CP after CIN', {
    statuses: ['cp_plan'],
    cpPlanAfter: ['cin_plan'],
  });
  nobody = await saveCohort(t.db, f.councilId, 'Nobody', { statuses: ['care_leaver'] });
});
after(() => t.close());

/**
 * A draw in the November cycle. These tests of how a draw is made let in children already drawn
 * in the cycle, so that each test's samples do not shrink the next one's cohort; leaving them out,
 * as a draw does unless told otherwise, is tested in cycles of its own below.
 */
const request = (over: Partial<DrawRequest>): DrawRequest =>
  drawRequestSchema.parse({
    monthId: f.monthId,
    cohortId: cpAfterCinOnePerFamily,
    kind: 'full_audit',
    sizeKind: 'count',
    count: 20,
    method: 'simple',
    includeSampled: true,
    ...over,
  });

/** Another cycle of the year, with no sample yet: January, February, March 2027. */
async function cycle(month: '2027-01-01' | '2027-02-01' | '2027-03-01') {
  const row = await t.db
    .selectFrom('programme_months')
    .select('id')
    .where('council_id', '=', f.councilId)
    .where('month', '=', month)
    .executeTakeFirstOrThrow();
  return row.id;
}

async function drawnRefs(sampleId: string) {
  const rows = await t.db
    .selectFrom('audits as a')
    .innerJoin('children as c', 'c.id', 'a.child_id')
    .select(['c.external_id', 'c.family_id', 'a.team_id', 'a.status'])
    .where('a.sample_id', '=', sampleId)
    .orderBy('a.position')
    .execute();
  return rows;
}

async function counts() {
  const s = await t.db
    .selectFrom('samples')
    .select((e) => e.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const a = await t.db
    .selectFrom('audits')
    .select((e) => e.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return { samples: Number(s.n), audits: Number(a.n) };
}

test('the cohort is counted once per family, and the margin of error is for that cohort', async () => {
  // 48 of the 60 families are on a CP plan after a CIN plan (every fifth is not)
  const plan = await planSample(t.db, f.councilId, request({ seed: 7 }));
  assert.equal(plan.cohortSize, 48);
  assert.equal(plan.sampleSize, 20);
  assert.equal(plan.marginOfError, marginOfError(20, 48));
  const all = await planSample(t.db, f.councilId, request({ cohortId: cpAfterCinAll, seed: 7 }));
  assert.equal(all.cohortSize, f.cpAfterCin);
  // the reverse question: how many for ±10% from 48
  assert.equal(plan.sizesForMargins.find((s) => s.margin === 0.1)?.size, 33);
});

test('drawing again with the same seed on the same snapshot gives the same children in the same order', async () => {
  const first = await drawSample(t.db, f.councilId, f.qaLead, request({ seed: 424242 }));
  // drawn again by someone else (the same person's repeat within minutes is the same sample)
  const again = await drawSample(t.db, f.councilId, f.managers.north, request({ seed: 424242 }));
  assert.notEqual(again, first);
  const other = await drawSample(t.db, f.councilId, f.qaLead, request({ seed: 424243 }));
  const a = (await drawnRefs(first)).map((r) => r.external_id);
  assert.equal(a.length, 20);
  assert.deepEqual(
    (await drawnRefs(again)).map((r) => r.external_id),
    a,
  );
  assert.notDeepEqual(
    (await drawnRefs(other)).map((r) => r.external_id),
    a,
  );
  const sample = await getSample(t.db, f.councilId, first);
  assert.equal(sample.seed, 424242);
  assert.equal(sample.snapshot_as_of, f.asOf);
  assert.equal(sample.cohort_size, 48);
});

test('a seed is chosen and recorded when none is given', async () => {
  const id = await drawSample(t.db, f.councilId, f.qaLead, request({ count: 5 }));
  const sample = await getSample(t.db, f.councilId, id);
  assert.ok(Number.isInteger(sample.seed) && sample.seed >= 0);
  const again = await drawSample(
    t.db,
    f.councilId,
    f.managers.south,
    request({ count: 5, seed: sample.seed }),
  );
  assert.notEqual(again, id);
  assert.deepEqual(
    (await drawnRefs(again)).map((r) => r.external_id),
    (await drawnRefs(id)).map((r) => r.external_id),
  );
});

test('property: a draw takes the lowest ranks of each stratum for its seed, exactly as putting the whole cohort in order would', async () => {
  const everyone = await saveCohort(t.db, f.councilId, 'Every open case', {});
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 2_000_000_000 }),
      fc.integer({ min: 1, max: 30 }),
      fc.constantFrom(null, 'team', 'locality'),
      fc.boolean(),
      async (seed, count, stratifyBy, onePerFamily) => {
        const input = request({
          cohortId: onePerFamily ? cpAfterCinOnePerFamily : everyone,
          seed,
          count: Math.min(count, f.cpAfterCin),
          method: stratifyBy ? 'stratified' : 'simple',
          stratifyBy: stratifyBy as DrawRequest['stratifyBy'],
        });
        const plan = await planSample(t.db, f.councilId, input);
        const drawn = await drawnRefs(await drawSample(t.db, f.councilId, f.qaLead, input));
        // every child of the cohort in the seed's order within its stratum, one per family first
        // when the cohort asks for it
        const key = stratifyBy ? sql`coalesce(${sql.ref(`c.${stratifyBy}_id`)}::text, '')` : sql`''`;
        const family = onePerFamily
          ? sql`row_number() over (partition by coalesce(c.family_id, c.child_id)
              order by hashtextextended('family:' || c.external_id, ${seed}::bigint), c.external_id)`
          : sql`1`;
        const { rows } = await sql<{ external_id: string; stratum_key: string; n: number }>`
          select x.external_id, x.stratum_key, x.n from (
            select y.external_id, y.stratum_key, row_number() over (partition by y.stratum_key
              order by hashtextextended(y.external_id, ${seed}::bigint), y.external_id)::int as n
            from (select c.external_id, ${key} as stratum_key, ${family} as in_family
              from (${cohortSql(plan.scope, plan.definition)}) c) y
            where y.in_family = 1
          ) x order by x.stratum_key, x.n`.execute(t.db);
        const shares = new Map(plan.strata.map((s) => [s.key, s.drawn]));
        assert.deepEqual(
          drawn.map((r) => r.external_id),
          rows.filter((r) => r.n <= (shares.get(r.stratum_key) ?? 0)).map((r) => r.external_id),
        );
      },
    ),
    { numRuns: 20 },
  );
});

test('property: one child per family never draws two siblings, whatever the seed and size', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 2_000_000_000 }),
      fc.integer({ min: 1, max: 48 }),
      async (seed, count) => {
        const plan = await planSample(
          t.db,
          f.councilId,
          request({ seed, count, method: 'stratified', stratifyBy: 'team' }),
        );
        const id = await drawSample(
          t.db,
          f.councilId,
          f.qaLead,
          request({ seed, count, method: 'stratified', stratifyBy: 'team' }),
        );
        const rows = await drawnRefs(id);
        assert.equal(rows.length, plan.sampleSize);
        assert.equal(new Set(rows.map((r) => r.family_id)).size, rows.length, 'two children of one family');
      },
    ),
    { numRuns: 12 },
  );
});

test('property: stratified shares are within one child of exact, and add up to the sample', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 2_000_000_000 }),
      fc.integer({ min: 1, max: 80 }),
      fc.constantFrom('team', 'service_area', 'locality'),
      async (seed, count, stratifyBy) => {
        const input = request({
          cohortId: cpAfterCinAll,
          seed,
          count: Math.min(count, f.cpAfterCin),
          method: 'stratified',
          stratifyBy: stratifyBy as DrawRequest['stratifyBy'],
        });
        const plan = await planSample(t.db, f.councilId, input);
        const total = plan.strata.reduce((a, s) => a + s.drawn, 0);
        assert.equal(total, input.count);
        for (const s of plan.strata) {
          const exact = ((input.count as number) * s.cohort) / plan.cohortSize;
          assert.ok(Math.abs(s.drawn - exact) < 1, `${s.name}: ${s.drawn} against ${exact}`);
        }
      },
    ),
    { numRuns: 25 },
  );
});

test('a stratified draw takes each stratum’s share from that stratum', async () => {
  const id = await drawSample(
    t.db,
    f.councilId,
    f.qaLead,
    request({ cohortId: cpAfterCinAll, seed: 11, count: 30, method: 'stratified', stratifyBy: 'team' }),
  );
  const sample = await getSample(t.db, f.councilId, id);
  const rows = await drawnRefs(id);
  for (const s of sample.strata)
    assert.equal(rows.filter((r) => (r.team_id ?? '') === s.key).length, s.drawn, s.name);
  assert.equal(rows.length, 30);
  assert.ok(rows.every((r) => r.status === 'unallocated'));
});

test('a fixed number from each stratum, with a stratum too small explained', async () => {
  const plan = await planSample(
    t.db,
    f.councilId,
    request({ cohortId: cpAfterCinAll, seed: 3, method: 'stratified', stratifyBy: 'team', perStratum: 40 }),
  );
  const north = plan.strata.find((s) => s.name === 'North CP');
  const east = plan.strata.find((s) => s.name === 'East CP');
  assert.equal(north?.drawn, 40);
  assert.equal(east?.drawn, east?.cohort);
  assert.ok(
    plan.notes.some((n) => n.startsWith(`East CP has only ${east?.cohort} children`)),
    plan.notes.join('\n'),
  );
});

test('refused with a reason, and nothing written: a sample larger than its cohort, an empty cohort', async () => {
  const before = await counts();
  await assert.rejects(
    () => drawSample(t.db, f.councilId, f.qaLead, request({ count: 49 })),
    (err: unknown) =>
      err instanceof ValidationError &&
      err.errors[0].field === 'count' &&
      err.errors[0].message ===
        'The sample (49) is larger than the cohort (48 children, one per family). Draw 48 or fewer, or widen the cohort',
  );
  await assert.rejects(
    () => drawSample(t.db, f.councilId, f.qaLead, request({ cohortId: nobody })),
    (err: unknown) =>
      err instanceof ValidationError &&
      /has no children in the extract of 2026-11-20/.test(err.errors[0].message),
  );
  assert.deepEqual(await counts(), before);
});

test('a percentage of the cohort rounds up, and a learning month is refused', async () => {
  const plan = await planSample(
    t.db,
    f.councilId,
    request({ sizeKind: 'percent', count: null, percent: 10, seed: 1 }),
  );
  assert.equal(plan.sampleSize, 5);
  const learning = await t.db
    .updateTable('programme_months')
    .set({ learning_month: true })
    .where('council_id', '=', f.councilId)
    .where('month', '=', '2026-12-01')
    .returning('id')
    .executeTakeFirstOrThrow();
  await assert.rejects(
    () => drawSample(t.db, f.councilId, f.qaLead, request({ monthId: learning.id })),
    (err: unknown) => err instanceof ValidationError && /learning month/.test(err.errors[0].message),
  );
});

test('the same draw sent twice (a double click) is one sample, not two', async () => {
  const before = await counts();
  const input = request({ seed: 777, count: 4, method: 'stratified', stratifyBy: 'locality' });
  const first = await drawSample(t.db, f.councilId, f.qaLead, input);
  const second = await drawSample(t.db, f.councilId, f.qaLead, input);
  assert.equal(second, first);
  assert.deepEqual(await counts(), { samples: before.samples + 1, audits: before.audits + 4 });
  // a different size is a different draw
  const third = await drawSample(t.db, f.councilId, f.qaLead, { ...input, count: 5 });
  assert.notEqual(third, first);
});

test('a child already in a sample of the cycle is left out of its next draw, listed with the sample they are in', async () => {
  const monthId = await cycle('2027-01-01');
  const all = (over: Partial<DrawRequest>) =>
    request({ monthId, cohortId: cpAfterCinAll, includeSampled: false, ...over });
  const first = await drawSample(t.db, f.councilId, f.qaLead, all({ seed: 5, count: 30 }));
  const firstRefs = (await drawnRefs(first)).map((r) => r.external_id);
  const firstSample = await getSample(t.db, f.councilId, first);
  assert.equal(firstSample.cohort_size, f.cpAfterCin);
  assert.equal(firstSample.include_sampled, false);

  // the check before the next draw says who is left out and why, and counts the cohort without them
  const plan = await planSample(t.db, f.councilId, all({ seed: 6, count: 10 }));
  assert.equal(plan.cohortSize, f.cpAfterCin - 30);
  assert.deepEqual(plan.alreadySampled.map((c) => c.ref).sort(), [...firstRefs].sort());
  for (const c of plan.alreadySampled)
    assert.deepEqual(c.samples, [{ id: first, name: 'CP after CIN', sibling: null }]);
  assert.equal(plan.marginOfError, marginOfError(10, f.cpAfterCin - 30));

  // drawn: none of the first sample's children, and the sample keeps who was left out
  const second = await drawSample(t.db, f.councilId, f.qaLead, all({ seed: 6, count: 10 }));
  const secondRefs = (await drawnRefs(second)).map((r) => r.external_id);
  assert.equal(secondRefs.length, 10);
  assert.deepEqual(
    secondRefs.filter((r) => firstRefs.includes(r)),
    [],
    'nobody is drawn twice in the cycle',
  );
  const kept = await sampleLeftOut(t.db, f.councilId, second);
  assert.deepEqual(kept.map((c) => c.ref).sort(), [...firstRefs].sort());
  assert.equal((await getSample(t.db, f.councilId, second)).cohort_size, f.cpAfterCin - 30);

  // a sample larger than what is left says so
  await assert.rejects(
    () => drawSample(t.db, f.councilId, f.qaLead, all({ seed: 7, count: f.cpAfterCin })),
    (err: unknown) =>
      err instanceof ValidationError &&
      err.errors[0].message ===
        `The sample (${f.cpAfterCin}) is larger than the cohort (${f.cpAfterCin - 40} children, leaving out 40 children already in a sample of this cycle). Draw ${f.cpAfterCin - 40} or fewer, or widen the cohort`,
  );

  // let in on purpose, they may be drawn again, and the sample says so
  const letIn = await planSample(t.db, f.councilId, all({ seed: 5, count: 30, includeSampled: true }));
  assert.equal(letIn.cohortSize, f.cpAfterCin);
  assert.equal(letIn.alreadySampled.length, 40);
  const again = await drawSample(
    t.db,
    f.councilId,
    f.managers.north,
    all({ seed: 5, count: 30, includeSampled: true }),
  );
  assert.deepEqual(
    (await drawnRefs(again)).map((r) => r.external_id),
    firstRefs,
  );
  assert.equal((await getSample(t.db, f.councilId, again)).include_sampled, true);
  assert.deepEqual(await sampleLeftOut(t.db, f.councilId, again), []);

  // another cycle is not this one: nobody is left out of February's first draw
  const february = await planSample(
    t.db,
    f.councilId,
    all({ monthId: await cycle('2027-02-01'), seed: 5, count: 30 }),
  );
  assert.equal(february.cohortSize, f.cpAfterCin);
  assert.deepEqual(february.alreadySampled, []);
});

test('one per family: a brother or sister of a child already in a sample of the cycle is left out too', async () => {
  const monthId = await cycle('2027-02-01');
  // every child on a plan after a child in need plan, brothers and sisters together
  const first = await drawSample(
    t.db,
    f.councilId,
    f.qaLead,
    request({ monthId, cohortId: cpAfterCinAll, includeSampled: false, seed: 11, count: 12 }),
  );
  const drawn = await drawnRefs(first);
  const families = new Set(drawn.map((r) => r.family_id));
  const plan = await planSample(
    t.db,
    f.councilId,
    request({ monthId, includeSampled: false, seed: 12, count: 5 }),
  );
  assert.equal(plan.cohortSize, 48 - families.size, 'a family with a child in a sample is not drawn from');
  const siblings = plan.alreadySampled.filter((c) => c.samples.some((s) => s.sibling));
  assert.ok(siblings.length > 0, 'brothers and sisters of children drawn are left out');
  for (const c of siblings)
    for (const s of c.samples.filter((x) => x.sibling)) {
      assert.ok(
        s.sibling && drawn.some((r) => r.external_id === s.sibling?.ref),
        `${c.ref}: ${s.sibling?.ref}`,
      );
      assert.equal(s.id, first);
    }
  const second = await drawSample(
    t.db,
    f.councilId,
    f.qaLead,
    request({ monthId, includeSampled: false, seed: 12, count: 5 }),
  );
  for (const r of await drawnRefs(second)) assert.ok(!families.has(r.family_id), `${r.external_id}'s family`);
  const kept = await sampleLeftOut(t.db, f.councilId, second);
  assert.equal(kept.length, plan.alreadySampled.length);
  assert.ok(kept.some((c) => c.samples.some((s) => s.sibling !== null)));
});

test('a sample drawn again leaves out the children it left out, so the same seed draws the same children', async () => {
  const monthId = await cycle('2027-03-01');
  const all = (over: Partial<DrawRequest>) =>
    request({ monthId, cohortId: cpAfterCinAll, includeSampled: false, ...over });
  await drawSample(t.db, f.councilId, f.qaLead, all({ seed: 21, count: 25 }));
  const second = await drawSample(t.db, f.councilId, f.qaLead, all({ seed: 22, count: 10 }));
  await drawSample(t.db, f.councilId, f.qaLead, all({ seed: 23, count: 10 }));
  const refs = async (id: string) => (await drawnRefs(id)).map((r) => r.external_id);
  // drawn again by someone else: the children the second left out, and only those, are left out
  const again = await drawSample(
    t.db,
    f.councilId,
    f.managers.south,
    all({ seed: 22, count: 10, againOf: second }),
  );
  assert.deepEqual(await refs(again), await refs(second));
  const plan = await planSample(t.db, f.councilId, all({ seed: 22, count: 10, againOf: second }));
  assert.equal(plan.againOf?.id, second);
  assert.equal(plan.alreadySampled.length, 25);
  // a new draw with the seed leaves out every child drawn in the cycle since
  const fresh = await planSample(t.db, f.councilId, all({ seed: 22, count: 10 }));
  assert.equal(
    fresh.alreadySampled.length,
    45,
    'the 25, 10 and 10 drawn (the sample drawn again is the same 10)',
  );
});

test('when every child of the cohort is already in a sample of the cycle, nothing is drawn and the reason says what to do', async () => {
  const monthId = await cycle('2027-03-01');
  const before = await counts();
  // the March cycle holds all 48 families' children on a plan after a child in need plan by now
  const rest = await planSample(
    t.db,
    f.councilId,
    request({ monthId, cohortId: cpAfterCinAll, includeSampled: false, seed: 30, count: 1 }),
  );
  await drawSample(
    t.db,
    f.councilId,
    f.qaLead,
    request({ monthId, cohortId: cpAfterCinAll, includeSampled: false, seed: 30, count: rest.cohortSize }),
  );
  const after = await counts();
  await assert.rejects(
    () =>
      drawSample(
        t.db,
        f.councilId,
        f.qaLead,
        request({ monthId, cohortId: cpAfterCinAll, includeSampled: false, seed: 31, count: 1 }),
      ),
    (err: unknown) =>
      err instanceof ValidationError &&
      err.errors[0].field === 'includeSampled' &&
      err.errors[0].message ===
        `Every child of the cohort "CP after CIN" in the extract of 2026-11-20 is already in a sample of this cycle (${f.cpAfterCin} children): there is nobody left to draw. Let them be drawn again on purpose, or choose another cohort`,
  );
  assert.deepEqual(await counts(), after, 'nothing was written');
  assert.ok(after.samples === before.samples + 1);
});

/** The council's audit tool called `name`. */
async function toolNamed(name: string) {
  const row = await t.db
    .selectFrom('audit_tools')
    .select('id')
    .where('council_id', '=', f.councilId)
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return row.id;
}

test('a themed or multi-agency audit sample with no tool of its kind is refused, saying to create one first', async () => {
  const before = await counts();
  for (const [kind, words] of [
    ['themed', 'themed audit'],
    ['multi_agency', 'multi-agency audit'],
  ] as const) {
    for (const draw of [
      planSample,
      (db: typeof t.db, c: string, r: DrawRequest) => drawSample(db, c, f.qaLead, r),
    ])
      await assert.rejects(
        () => draw(t.db, f.councilId, request({ kind, count: 3 })),
        (err: unknown) =>
          err instanceof ValidationError &&
          err.errors[0].field === 'toolId' &&
          err.errors[0].href === '/tools' &&
          err.errors[0].message.startsWith(`There is no ${words} tool`) &&
          /Create one in Audit tools first/.test(err.errors[0].message),
      );
  }
  // a tool of another kind is not one the audits can use
  const fullAuditTool = await toolNamed('Case file audit (four-point)');
  await assert.rejects(
    () =>
      drawSample(
        t.db,
        f.councilId,
        f.qaLead,
        request({ kind: 'dip_sample', count: 3, toolId: fullAuditTool }),
      ),
    (err: unknown) => err instanceof ValidationError && err.errors[0].field === 'toolId',
  );
  assert.deepEqual(await counts(), before);
});

test('a sample’s audits use the tool the cycle plans for its kind, or the one chosen, and the check says which', async () => {
  const october = (
    await t.db
      .selectFrom('programme_months')
      .select('id')
      .where('council_id', '=', f.councilId)
      .where('month', '=', '2026-10-01')
      .executeTakeFirstOrThrow()
  ).id;
  const oversight = await toolNamed('Dip sample: management oversight in the last month');
  const visits = await toolNamed('Dip sample: visits (seen and seen alone)');
  await t.db
    .insertInto('planned_activities')
    .values({
      council_id: f.councilId,
      month_id: october,
      kind: 'dip_sample',
      tool_id: oversight,
      target: 10,
    })
    .execute();
  const dip = (over: Partial<DrawRequest>) =>
    request({ monthId: october, kind: 'dip_sample', count: 4, ...over });

  const plan = await planSample(t.db, f.councilId, dip({ seed: 3 }));
  assert.equal(plan.tool.id, oversight);
  assert.deepEqual(plan.notes, []);
  const planned = await drawSample(t.db, f.councilId, f.qaLead, dip({ seed: 3 }));
  assert.equal((await getSample(t.db, f.councilId, planned)).tool_id, oversight);
  assert.equal(
    (await getSample(t.db, f.councilId, planned)).tool_name,
    'Dip sample: management oversight in the last month',
  );
  const tools = await t.db.selectFrom('audits').select('tool_id').where('sample_id', '=', planned).execute();
  assert.equal(tools.length, 4);
  assert.deepEqual(new Set(tools.map((a) => a.tool_id)), new Set([oversight]));

  // another tool chosen on purpose: used, and the check says it is not the planned one
  const other = await planSample(t.db, f.councilId, dip({ seed: 4, toolId: visits }));
  assert.equal(other.tool.id, visits);
  assert.ok(
    other.notes.some((n) => n.includes('“Dip sample: management oversight in the last month”')),
    other.notes.join('\n'),
  );
  const chosen = await drawSample(t.db, f.councilId, f.qaLead, dip({ seed: 4, toolId: visits }));
  const chosenTools = await t.db
    .selectFrom('audits')
    .select('tool_id')
    .where('sample_id', '=', chosen)
    .execute();
  assert.deepEqual(new Set(chosenTools.map((a) => a.tool_id)), new Set([visits]));
});
