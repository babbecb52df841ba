import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import {
  type FixtureChild,
  recordAudit,
  recordAuditHistory,
  writeFixtureSnapshot,
} from '../../../test/helpers/cohort-fixtures.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { rowsThePlannerBelieves } from '../../../test/helpers/planner.ts';
import type { EpisodeKind } from '../../domain/child-status.ts';
import {
  type CohortDefinition,
  cohortDefinitionSchema,
  contradictions,
} from '../../domain/cohort-definition.ts';
import { markSnapshotChanged } from '../case-data/snapshots.ts';
import { addLocality, addServiceArea, addTeam, createCouncil } from '../organisation/councils.ts';
import { type CohortScope, cohortBreakdown, cohortSql, latestScope } from './cohort-query.ts';
import { EXAMPLE_COHORTS } from './cohorts.ts';

/**
 * The cohort query against invented children whose answers are known: each filter keeps exactly
 * the children it should, on the snapshot of 22 November 2026.
 */

const AS_OF = '2026-11-22';

let t: TestDb;
let councilId: string;
let scope: CohortScope;
const place: Record<string, string> = {};

const open = (kind: EpisodeKind, start: string) => ({ kind, start });

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'cq', name: 'Cohort Council' })).id;
  const other = (await createCouncil(t.db, { code: 'oth', name: 'Other Council' })).id;
  place.north = await addLocality(t.db, councilId, 'North');
  place.south = await addLocality(t.db, councilId, 'South');
  place.safeguarding = await addServiceArea(t.db, councilId, 'Safeguarding');
  place.care = await addServiceArea(t.db, councilId, 'Children in care');
  place.T1 = await addTeam(t.db, councilId, {
    name: 'Safeguarding North',
    serviceAreaId: place.safeguarding,
    localityId: place.north,
  });
  place.T2 = await addTeam(t.db, councilId, {
    name: 'Safeguarding South',
    serviceAreaId: place.safeguarding,
    localityId: place.south,
  });
  place.T3 = await addTeam(t.db, councilId, {
    name: 'Children in Care North',
    serviceAreaId: place.care,
    localityId: place.north,
  });
  place.T4 = await addTeam(t.db, councilId, {
    name: 'Children in Care Countywide',
    serviceAreaId: place.care,
  });

  const held = (team: string) => ({ teamId: place[team], allocatedFrom: '2020-01-01' });
  const earlyHelp = { ...held('T2'), episodes: [open('early_help', '2026-09-01')] };
  const children: FixtureChild[] = [
    {
      ref: 'CIN1',
      dateOfBirth: '2015-01-01',
      ethnicity: 'WBRI',
      ...held('T1'),
      episodes: [open('cin_episode', '2025-05-01'), open('cin_plan', '2025-06-01')],
    },
    {
      ref: 'CIN2',
      dateOfBirth: '2016-01-01',
      ethnicity: 'bafr',
      ...held('T2'),
      episodes: [open('cin_episode', '2026-05-01'), open('cin_plan', '2026-06-01')],
    },
    // on a plan for exactly 12 months: not "over 12 months"
    { ref: 'CIN3', ...held('T2'), episodes: [open('cin_plan', '2025-11-22')] },
    {
      ref: 'CP1',
      dateOfBirth: '2012-03-03',
      ...held('T1'),
      episodes: [
        { kind: 'cin_plan', start: '2026-03-01', end: '2026-09-01' },
        { kind: 'cp_plan', start: '2026-09-01', attributes: { initial_category: 'Neglect' } },
      ],
    },
    {
      ref: 'CP2',
      ...held('T2'),
      episodes: [
        { kind: 'early_help', start: '2026-01-01', end: '2026-08-01' },
        {
          kind: 'cp_plan',
          start: '2026-08-01',
          attributes: {
            initial_category: 'Emotional abuse',
            latest_category: 'Child sexual exploitation (CSE)',
          },
        },
      ],
    },
    {
      ref: 'CP3',
      ...held('T1'),
      episodes: [
        { kind: 'cp_plan', start: '2024-01-01', end: '2024-09-01', detail: 'Category: Sexual abuse' },
        { kind: 'cp_plan', start: '2026-10-01', detail: 'Category: Neglect' },
      ],
    },
    {
      ref: 'CP4',
      ...held('T1'),
      episodes: [
        {
          kind: 'cp_plan',
          start: '2026-07-01',
          attributes: { previous_plans: 2, initial_category: 'Physical abuse' },
        },
      ],
    },
    {
      ref: 'CP5',
      ...held('T2'),
      episodes: [
        { kind: 'cp_plan', start: '2026-05-01', attributes: { previous_plans: 0 } },
        open('pre_proceedings', '2026-09-01'),
      ],
    },
    // a child protection plan that ended, after a child in need plan; on a child in need plan again
    {
      ref: 'CP6',
      ...held('T1'),
      episodes: [
        { kind: 'cin_plan', start: '2024-06-01', end: '2025-01-01' },
        { kind: 'cp_plan', start: '2025-01-01', end: '2025-06-01' },
        open('cin_plan', '2025-06-01'),
      ],
    },
    {
      ref: 'CLA1',
      family: 'F1',
      dateOfBirth: '2018-02-02',
      ...held('T3'),
      episodes: [open('cla', '2026-08-01')],
      placements: [{ start: '2026-08-01', type: 'U4' }],
    },
    {
      ref: 'CLA2',
      family: 'F1',
      dateOfBirth: '2016-02-02',
      ...held('T3'),
      episodes: [open('cla', '2026-08-01')],
      placements: [{ start: '2026-08-01', type: 'K2', provider: 'Oak House' }],
    },
    // in care since 2023: a new episode at a change of placement is not coming into care
    {
      ref: 'CLA3',
      ...held('T4'),
      episodes: [{ kind: 'cla', start: '2023-01-01', end: '2026-07-01' }, open('cla', '2026-07-01')],
      placements: [
        { start: '2023-01-01', end: '2026-07-01', type: 'U1' },
        { start: '2026-07-01', type: 'Unregistered placement' },
      ],
    },
    // a second period in care, begun last month
    {
      ref: 'CLA4',
      ...held('T4'),
      episodes: [{ kind: 'cla', start: '2019-01-01', end: '2020-01-01' }, open('cla', '2026-10-01')],
      placements: [{ start: '2026-10-01', type: 'Placed with parents' }],
    },
    // fostered once; now with a provider that is not registered
    {
      ref: 'CLA5',
      ...held('T3'),
      episodes: [open('cla', '2025-01-01')],
      placements: [
        { start: '2025-01-01', end: '2025-06-01', type: 'Foster placement' },
        { start: '2025-06-01', type: 'P1', provider: 'Unregistered - Acme Ltd' },
      ],
    },
    { ref: 'CL1', dateOfBirth: '2006-06-01', ...held('T4'), episodes: [open('care_leaver', '2025-01-01')] },
    { ref: 'EH1', disability: true, ...earlyHelp },
    {
      ref: 'NP1',
      dateOfBirth: '2010-01-01',
      uasc: true,
      ...held('T1'),
      episodes: [
        open('cin_episode', '2026-10-01'),
        { kind: 'assessment', start: '2026-10-01', end: '2026-10-20' },
      ],
    },
    // open only by being allocated
    { ref: 'NP2', ...held('T2') },
    // referred, and closed since: nobody holds the case
    {
      ref: 'REF1',
      dateOfBirth: '2012-01-01',
      episodes: [{ kind: 'cin_episode', start: '2026-09-01', end: '2026-10-15' }],
    },
    // birthdays on and around the snapshot's date
    { ref: 'AGE13', dateOfBirth: '2013-11-22', ...earlyHelp },
    { ref: 'AGE12', dateOfBirth: '2013-11-23', ...earlyHelp },
    { ref: 'AGE17', dateOfBirth: '2008-11-23', ...earlyHelp },
    { ref: 'AGE18', dateOfBirth: '2008-11-22', ...earlyHelp },
    ...['AUD1', 'AUD2', 'AUD3', 'AUD4', 'HIST1', 'HIST2'].map((ref) => ({ ref, ...earlyHelp })),
  ];
  // an earlier snapshot lists a child the latest does not
  await writeFixtureSnapshot(t.db, councilId, '2026-10-01', [{ ref: 'GONE1', ...earlyHelp }]);
  await writeFixtureSnapshot(t.db, councilId, AS_OF, children);
  await writeFixtureSnapshot(t.db, other, AS_OF, [
    { ref: 'OTHER1', episodes: [open('early_help', '2026-01-01')] },
  ]);

  await recordAudit(t.db, councilId, 'AUD1', '2026-09-01');
  await recordAudit(t.db, councilId, 'AUD2', '2026-03-01');
  await recordAudit(t.db, councilId, 'AUD3', '2026-10-01', 'exempted');
  await recordAudit(t.db, councilId, 'AUD4', '2026-05-01');
  await recordAuditHistory(t.db, councilId, 'HIST1', '2026-07-01');
  await recordAuditHistory(t.db, councilId, 'HIST2', '2026-07-01', 'exempted');
  // another council's audit of a child with the same reference leaves this council's child in
  await recordAuditHistory(t.db, other, 'AUD2', '2026-10-01');

  scope = (await latestScope(t.db, councilId)) as CohortScope;
});
after(() => t.close());

function definition(d: Partial<CohortDefinition> = {}): CohortDefinition {
  return cohortDefinitionSchema.parse(d);
}

/** The references of the children a definition keeps, sorted. */
async function refs(d: Partial<CohortDefinition> = {}): Promise<string[]> {
  const { rows } = await sql<{
    external_id: string;
  }>`select external_id from (${cohortSql(scope, definition(d))}) x
    order by external_id`.execute(t.db);
  return rows.map((r) => r.external_id);
}

const EARLY_HELP = [
  'AGE12',
  'AGE13',
  'AGE17',
  'AGE18',
  'AUD1',
  'AUD2',
  'AUD3',
  'AUD4',
  'EH1',
  'HIST1',
  'HIST2',
];

test('the latest snapshot is the one cohorts read; none before any case data', async () => {
  assert.equal(scope.asOf, AS_OF);
  const empty = (await createCouncil(t.db, { code: 'empty', name: 'Empty Council' })).id;
  assert.equal(await latestScope(t.db, empty), undefined);
});

describe('open and closed cases', () => {
  test('with no filters: every open case the latest snapshot lists, in this council only', async () => {
    const all = await refs();
    assert.equal(all.length, 28);
    for (const ref of ['CIN1', 'CP1', 'CLA3', 'CL1', 'NP1', 'NP2', 'AGE18'])
      assert.ok(all.includes(ref), ref);
    assert.ok(!all.includes('REF1'), 'a closed case is left out');
    assert.ok(!all.includes('GONE1'), 'a child only an earlier snapshot lists is left out');
    assert.ok(!all.includes('OTHER1'), 'another council’s child is left out');
  });

  test('closed cases come in when asked for, still only from the latest snapshot', async () => {
    const all = await refs({ excludeClosed: false });
    assert.equal(all.length, 29);
    assert.ok(all.includes('REF1'));
    assert.ok(!all.includes('GONE1'));
  });
});

describe('statuses', () => {
  const cases: [CohortDefinition['statuses'], string[]][] = [
    [['cin_plan'], ['CIN1', 'CIN2', 'CIN3', 'CP6']],
    [['cp_plan'], ['CP1', 'CP2', 'CP3', 'CP4', 'CP5']],
    [['in_care'], ['CLA1', 'CLA2', 'CLA3', 'CLA4', 'CLA5']],
    [['care_leaver'], ['CL1']],
    [['early_help'], EARLY_HELP],
    [['pre_proceedings'], ['CP5']],
    [['no_current_plan'], ['NP1', 'NP2']],
    [
      ['care_leaver', 'pre_proceedings'],
      ['CL1', 'CP5'],
    ],
  ];
  for (const [statuses, expected] of cases)
    test(statuses.join(' or '), async () => assert.deepEqual(await refs({ statuses }), expected));
});

describe('where the case is held', () => {
  test('a team, a service area, a locality', async () => {
    assert.deepEqual(await refs({ teamIds: [place.T4] }), ['CL1', 'CLA3', 'CLA4']);
    assert.deepEqual(await refs({ serviceAreaIds: [place.care] }), [
      'CL1',
      'CLA1',
      'CLA2',
      'CLA3',
      'CLA4',
      'CLA5',
    ]);
    assert.deepEqual(await refs({ localityIds: [place.north], statuses: ['in_care'] }), [
      'CLA1',
      'CLA2',
      'CLA5',
    ]);
    assert.deepEqual(await refs({ teamIds: [place.T3, place.T4], localityIds: [place.north] }), [
      'CLA1',
      'CLA2',
      'CLA5',
    ]);
  });
});

describe('durations and dates', () => {
  test('on a child in need plan for more than 12 months: a plan of exactly 12 months is not', async () => {
    assert.deepEqual(await refs({ cinPlanLongerThanMonths: 12 }), ['CIN1', 'CP6']);
  });

  test('came into care in the last six months: a new period, not a change of placement', async () => {
    assert.deepEqual(await refs({ cameIntoCareWithinMonths: 6 }), ['CLA1', 'CLA2', 'CLA4']);
  });

  test('a child protection plan started in a period, both ends included', async () => {
    assert.deepEqual(await refs({ cpPlanStartedFrom: '2025-01-01', cpPlanStartedTo: '2026-08-01' }), [
      'CP2',
      'CP4',
      'CP5',
      'CP6',
    ]);
    assert.deepEqual(await refs({ cpPlanStartedFrom: '2026-09-01' }), ['CP1', 'CP3']);
    assert.deepEqual(await refs({ cpPlanStartedTo: '2024-12-31' }), ['CP3']);
  });

  test('referred in the last 3 months: closed referrals only when closed cases are let in', async () => {
    assert.deepEqual(await refs({ referredWithinMonths: 3 }), ['NP1']);
    assert.deepEqual(await refs({ referredWithinMonths: 3, excludeClosed: false }), ['NP1', 'REF1']);
  });

  test('an assessment completed in the last months, by its completion date', async () => {
    assert.deepEqual(await refs({ assessmentCompletedWithinMonths: 1 }), []);
    assert.deepEqual(await refs({ assessmentCompletedWithinMonths: 2 }), ['NP1']);
  });
});

describe('child protection history', () => {
  test('a previous plan, from an earlier episode or from the plan’s count of previous plans', async () => {
    assert.deepEqual(await refs({ previousCpPlan: true }), ['CP3', 'CP4']);
  });

  test('a plan after a child in need plan, or after early help', async () => {
    assert.deepEqual(await refs({ cpPlanAfter: ['cin_plan'] }), ['CP1', 'CP6']);
    assert.deepEqual(await refs({ cpPlanAfter: ['cin_plan'], statuses: ['cp_plan'] }), ['CP1']);
    assert.deepEqual(await refs({ cpPlanAfter: ['early_help'] }), ['CP2']);
    // with another status: the latest plan, now ended, followed a child in need plan
    assert.deepEqual(await refs({ cpPlanAfter: ['cin_plan'], statuses: ['cin_plan'] }), ['CP6']);
    assert.deepEqual(await refs({ cpPlanAfter: ['cin_plan', 'early_help'], statuses: ['cp_plan'] }), [
      'CP1',
      'CP2',
    ]);
  });

  test('words in the current plan’s category, whatever their case; an earlier plan’s category does not count', async () => {
    assert.deepEqual(await refs({ cpCategoryWords: ['exploitation', 'contextual'] }), ['CP2']);
    assert.deepEqual(await refs({ cpCategoryWords: ['cse'] }), ['CP2']);
    assert.deepEqual(await refs({ cpCategoryWords: ['NEGLECT'] }), ['CP1', 'CP3']);
    assert.deepEqual(await refs({ cpCategoryWords: ['sexual abuse'] }), []);
    // a % or _ is a character to find, not a wildcard
    assert.deepEqual(await refs({ cpCategoryWords: ['%'] }), []);
    assert.deepEqual(await refs({ cpCategoryWords: ['_'] }), []);
  });

  test('repeats: a second plan, a second period in care (not a second episode of one period)', async () => {
    assert.deepEqual(await refs({ repeatOf: ['cp_plan'] }), ['CP3']);
    assert.deepEqual(await refs({ repeatOf: ['cla'] }), ['CLA4']);
    assert.deepEqual(await refs({ repeatOf: ['cp_plan', 'cla'] }), ['CLA4', 'CP3']);
  });
});

describe('placements', () => {
  test('the current placement’s kind, from codes, words and the provider', async () => {
    assert.deepEqual(await refs({ placementKinds: ['foster'] }), ['CLA1']);
    assert.deepEqual(await refs({ placementKinds: ['residential'] }), ['CLA2']);
    assert.deepEqual(await refs({ placementKinds: ['unregistered'] }), ['CLA3', 'CLA5']);
    assert.deepEqual(await refs({ placementKinds: ['other'] }), ['CLA4']);
    assert.deepEqual(await refs({ placementKinds: ['foster', 'residential'] }), ['CLA1', 'CLA2']);
  });
});

describe('the child', () => {
  test('age in whole years on the snapshot’s date: a birthday on that day counts', async () => {
    const eh = { statuses: ['early_help' as const] };
    assert.deepEqual(await refs({ ...eh, ageFrom: 13, ageTo: 17 }), ['AGE13', 'AGE17']);
    assert.deepEqual(await refs({ ...eh, ageFrom: 18 }), ['AGE18']);
    assert.deepEqual(await refs({ ...eh, ageTo: 12 }), ['AGE12']);
    assert.deepEqual(await refs({ ageTo: 4 }), []);
    assert.deepEqual(await refs({ ageFrom: 8, ageTo: 8 }), ['CLA1']);
  });

  test('disability, UASC and ethnicity (ethnicity whatever its case)', async () => {
    assert.deepEqual(await refs({ disability: 'yes' }), ['EH1']);
    assert.equal((await refs({ disability: 'no' })).length, 27);
    assert.deepEqual(await refs({ uasc: 'yes' }), ['NP1']);
    assert.equal((await refs({ uasc: 'no' })).length, 27);
    assert.deepEqual(await refs({ ethnicities: ['WBRI'] }), ['CIN1']);
    assert.deepEqual(await refs({ ethnicities: ['BAFR', 'WBRI'] }), ['CIN1', 'CIN2']);
  });
});

describe('audited recently', () => {
  test('audits and the imported audit history in the last 6 months leave a child out; exemptions do not', async () => {
    const kept = await refs({ statuses: ['early_help'], excludeAuditedWithinMonths: 6 });
    // the month six months back counts as within (May 2026 for 22 November)
    assert.deepEqual(kept, ['AGE12', 'AGE13', 'AGE17', 'AGE18', 'AUD2', 'AUD3', 'EH1', 'HIST2']);
    const longer = await refs({ statuses: ['early_help'], excludeAuditedWithinMonths: 12 });
    assert.ok(!longer.includes('AUD2'), 'an audit in March 2026 is within 12 months');
  });
});

describe('breakdown', () => {
  test('size, families and where the children are; each table adds up to the size', async () => {
    const b = await cohortBreakdown(t.db, scope, definition({ statuses: ['in_care'] }));
    assert.equal(b.children, 5);
    assert.equal(b.families, 4, 'two brothers or sisters are one family');
    assert.deepEqual(
      b.byTeam.map((g) => [g.name, g.children]),
      [
        ['Children in Care North', 3],
        ['Children in Care Countywide', 2],
      ],
    );
    assert.deepEqual(
      b.byServiceArea.map((g) => [g.name, g.children]),
      [['Children in care', 5]],
    );
    assert.deepEqual(
      b.byLocality.map((g) => [g.name, g.children]),
      [
        ['North', 3],
        ['No locality recorded', 2],
      ],
    );
    for (const groups of [b.byTeam, b.byServiceArea, b.byLocality])
      assert.equal(
        groups.reduce((n, g) => n + g.children, 0),
        b.children,
      );
  });

  test('the whole of the open cases adds up too, with unallocated children counted', async () => {
    const b = await cohortBreakdown(t.db, scope, definition({ excludeClosed: false }));
    assert.equal(b.children, 29);
    for (const groups of [b.byTeam, b.byServiceArea, b.byLocality])
      assert.equal(
        groups.reduce((n, g) => n + g.children, 0),
        29,
      );
    assert.equal(b.byTeam.find((g) => g.id === null)?.children, 1, 'the closed referral has no team');
  });

  test('an empty cohort: nought, and no groups', async () => {
    const b = await cohortBreakdown(t.db, scope, definition({ ageTo: 1 }));
    assert.equal(b.children, 0);
    assert.equal(b.families, 0);
    assert.deepEqual([b.byTeam, b.byServiceArea, b.byLocality], [[], [], []]);
  });
});

describe('the example cohorts', () => {
  test('every example is a valid definition with no contradictions, and runs', async () => {
    for (const example of EXAMPLE_COHORTS) {
      const d = cohortDefinitionSchema.safeParse(example.definition);
      assert.ok(d.success, `${example.name}: ${d.error?.message}`);
      assert.deepEqual(contradictions(d.data), [], example.name);
      assert.ok(example.name.length <= 100, example.name);
      const b = await cohortBreakdown(t.db, scope, d.data);
      assert.ok(b.children >= 0);
    }
  });

  test('the examples find the children they are about', async () => {
    const size = async (name: string) => {
      const example = EXAMPLE_COHORTS.find((e) => e.name === name);
      assert.ok(example, name);
      const { rows } = await sql<{
        external_id: string;
      }>`select external_id from (${cohortSql(scope, definition(example.definition))}) x
        order by external_id`.execute(t.db);
      return rows.map((r) => r.external_id);
    };
    assert.deepEqual(await size('Child protection plan, previously on a child in need plan'), ['CP1']);
    assert.deepEqual(await size('Child protection plan after family support'), ['CP2']);
    assert.deepEqual(await size('Child protection plan for exploitation or contextual harm'), ['CP2']);
    assert.deepEqual(await size('Repeat child protection plan'), ['CP3', 'CP4']);
    assert.deepEqual(await size('Children in care in unregistered placements'), ['CLA3', 'CLA5']);
    assert.deepEqual(await size('Came into care in the last six months, one per family'), [
      'CLA1',
      'CLA2',
      'CLA4',
    ]);
    assert.deepEqual(await size('Child in need plan for over 12 months'), ['CIN1', 'CP6']);
    assert.deepEqual(await size('Assessed, no current plan'), ['NP1']);
    assert.deepEqual(await size('Pre-proceedings (Public Law Outline)'), ['CP5']);
    // closed since, and still a referral about a teenager
    assert.deepEqual(await size('Referrals about teenagers'), ['NP1', 'REF1']);
  });
});

describe('the case summary', () => {
  test('once worked out again, the database’s statistics know its rows, so draws from it are planned for them', async () => {
    await markSnapshotChanged(t.db, scope.snapshotId);
    await latestScope(t.db, councilId);
    const held = await t.db
      .selectFrom('snapshot_cases')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.ok(Number(held.n) >= 29);
    assert.equal(
      await rowsThePlannerBelieves(t.db, 'snapshot_cases'),
      Number(held.n),
      'the statistics count every child of the summary',
    );
  });
});
