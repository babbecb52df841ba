import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { type FixtureChild, writeFixtureSnapshot } from '../../../test/helpers/cohort-fixtures.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { type CohortDefinition, cohortDefinitionSchema } from '../../domain/cohort-definition.ts';
import { addServiceArea, addTeam, createCouncil } from '../organisation/councils.ts';
import { type CohortScope, cohortBreakdown, cohortSql, latestScope } from './cohort-query.ts';
import { EXAMPLE_COHORTS, listCohorts } from './cohorts.ts';

/**
 * Every example cohort a council starts with holds the children its description says, and no
 * others, on an extract written as a council's SSD extract would be: children whose membership of
 * each example is known from the examples' descriptions alone, including the cases a QA lead
 * found wrong (a child in need plan closed years before a new plan; "CCE" inside "access"; a
 * care leaver of 26).
 */

const AS_OF = '2026-11-22';

/** Each example by a short name, as the children below say which they belong to. */
const EXAMPLES = {
  open: 'All open cases',
  cp: 'Child protection plans',
  cla: 'Children in care',
  careLeaver: 'Care leavers',
  cin: 'Children in need',
  earlyHelp: 'Early help and family support',
  cpAfterCin: 'Child protection plan, previously on a child in need plan',
  cpAfterCinFamily: 'Child protection plan, previously on a child in need plan, one per family',
  cpAfterEarlyHelp: 'Child protection plan after family support',
  exploitation: 'Child protection plan for exploitation or contextual harm',
  assessedNoPlan: 'Assessed, no current plan',
  cameIntoCare: 'Came into care in the last six months, one per family',
  cinOver12: 'Child in need plan for over 12 months',
  repeatCp: 'Repeat child protection plan',
  unregistered: 'Children in care in unregistered placements',
  preProceedings: 'Pre-proceedings (Public Law Outline)',
  teenReferrals: 'Referrals about teenagers',
  under5: 'Children under 5',
} as const;
type Example = keyof typeof EXAMPLES;

interface Described extends FixtureChild {
  /** the examples the child belongs to, read from their descriptions; every open case is in "open" */
  in: Example[];
  closed?: boolean;
}

let t: TestDb;
let councilId: string;
let scope: CohortScope;
let team: string;
const children: Described[] = [];

/** A child protection plan open now, begun on `start`. */
const cp = (start: string, attributes: Record<string, string | number> = {}) => ({
  kind: 'cp_plan' as const,
  start,
  attributes,
});

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'ssd', name: 'Extract Council' })).id;
  const area = await addServiceArea(t.db, councilId, 'Children and families');
  team = await addTeam(t.db, councilId, { name: 'Family Safeguarding', serviceAreaId: area });
  const held = { teamId: team, allocatedFrom: '2020-01-01' };
  const teen = '2011-03-01'; // 15
  const child = '2016-05-05'; // 10

  children.push(
    // --- the step up from a child in need plan ---
    {
      ref: 'STEP-SAMEDAY',
      family: 'F-STEP',
      dateOfBirth: child,
      ...held,
      episodes: [{ kind: 'cin_plan', start: '2026-03-01', end: '2026-09-01' }, cp('2026-09-01')],
      in: ['cp', 'cpAfterCin', 'cpAfterCinFamily'],
    },
    {
      // the same family: both are in the cohort, one of them is drawn
      ref: 'STEP-SAMEDAY-SIB',
      family: 'F-STEP',
      dateOfBirth: '2018-05-05',
      ...held,
      episodes: [{ kind: 'cin_plan', start: '2026-03-01', end: '2026-09-01' }, cp('2026-09-01')],
      in: ['cp', 'cpAfterCin', 'cpAfterCinFamily'],
    },
    {
      ref: 'STEP-SIX-WEEKS',
      dateOfBirth: child,
      ...held,
      episodes: [{ kind: 'cin_plan', start: '2026-01-10', end: '2026-06-15' }, cp('2026-08-01')],
      in: ['cp', 'cpAfterCin', 'cpAfterCinFamily'],
    },
    {
      // ended three months to the day before the plan began
      ref: 'STEP-THREE-MONTHS',
      dateOfBirth: child,
      ...held,
      episodes: [{ kind: 'cin_plan', start: '2025-10-01', end: '2026-05-01' }, cp('2026-08-01')],
      in: ['cp', 'cpAfterCin', 'cpAfterCinFamily'],
    },
    {
      ref: 'STEP-FOUR-MONTHS',
      dateOfBirth: child,
      ...held,
      episodes: [{ kind: 'cin_plan', start: '2025-10-01', end: '2026-04-01' }, cp('2026-08-01')],
      in: ['cp'],
    },
    {
      // the plan was never closed in the extract: open when the child protection plan began
      ref: 'STEP-STILL-OPEN',
      dateOfBirth: child,
      ...held,
      episodes: [{ kind: 'cin_plan', start: '2026-02-01' }, cp('2026-10-01')],
      in: ['cp', 'cin', 'cpAfterCin', 'cpAfterCinFamily'],
    },
    {
      // a child in need plan closed in 2023, the case closed, a new referral and a plan in 2026
      ref: 'CIN-2023-THEN-CP',
      dateOfBirth: child,
      ...held,
      episodes: [
        { kind: 'cin_episode', start: '2022-02-01', end: '2023-04-01' },
        { kind: 'cin_plan', start: '2022-04-01', end: '2023-03-01' },
        { kind: 'cin_episode', start: '2026-05-01' },
        { kind: 's47', start: '2026-06-10', end: '2026-06-20' },
        cp('2026-07-01'),
      ],
      in: ['cp'],
    },
    { ref: 'CP-NO-HISTORY', dateOfBirth: child, ...held, episodes: [cp('2026-06-01')], in: ['cp'] },
    // --- the step up from early help ---
    {
      ref: 'EH-STEP',
      dateOfBirth: child,
      ...held,
      episodes: [{ kind: 'early_help', start: '2026-02-01', end: '2026-07-20' }, cp('2026-08-15')],
      in: ['cp', 'cpAfterEarlyHelp'],
    },
    {
      ref: 'EH-2024-THEN-CP',
      dateOfBirth: child,
      ...held,
      episodes: [{ kind: 'early_help', start: '2024-01-01', end: '2024-09-01' }, cp('2026-09-01')],
      in: ['cp'],
    },
    // --- categories ---
    {
      ref: 'EXP-CCE',
      dateOfBirth: teen,
      ...held,
      episodes: [
        cp('2026-05-01', {
          initial_category: 'Neglect',
          latest_category: 'Child criminal exploitation (CCE)',
        }),
      ],
      in: ['cp', 'exploitation'],
    },
    {
      ref: 'EXP-CSE-CCE',
      dateOfBirth: teen,
      ...held,
      episodes: [cp('2026-05-01', { initial_category: 'CSE/CCE' })],
      in: ['cp', 'exploitation'],
    },
    {
      ref: 'EXP-CONTEXTUAL',
      dateOfBirth: teen,
      ...held,
      episodes: [cp('2026-05-01', { initial_category: 'Contextual safeguarding - extra-familial harm' })],
      in: ['cp', 'exploitation'],
    },
    {
      ref: 'NEGLECT-ACCESS',
      dateOfBirth: child,
      ...held,
      episodes: [cp('2026-05-01', { initial_category: 'Neglect - no access to health care' })],
      in: ['cp'],
    },
    {
      ref: 'EMOTIONAL-SUCCESSIVE',
      dateOfBirth: child,
      ...held,
      episodes: [cp('2026-05-01', { initial_category: 'Emotional abuse - successive moves' })],
      in: ['cp'],
    },
    {
      // exploitation was the category of an earlier plan, not this one
      ref: 'EXP-EARLIER-PLAN',
      dateOfBirth: teen,
      ...held,
      episodes: [
        {
          kind: 'cp_plan',
          start: '2024-01-01',
          end: '2024-09-01',
          attributes: { initial_category: 'Child sexual exploitation' },
        },
        cp('2026-06-01', { initial_category: 'Neglect' }),
      ],
      in: ['cp', 'repeatCp'],
    },
    // --- repeat plans ---
    {
      ref: 'CP-REPEAT-COUNT',
      dateOfBirth: child,
      ...held,
      episodes: [cp('2026-04-01', { previous_plans: 1 })],
      in: ['cp', 'repeatCp'],
    },
    // --- care leavers, 16 to 25 ---
    {
      ref: 'CL-16',
      dateOfBirth: '2010-11-22',
      ...held,
      episodes: [{ kind: 'care_leaver', start: '2026-11-22' }],
      in: ['careLeaver'],
    },
    {
      ref: 'CL-25',
      dateOfBirth: '2001-01-10',
      ...held,
      episodes: [{ kind: 'care_leaver', start: '2019-01-10' }],
      in: ['careLeaver'],
    },
    {
      ref: 'CL-26',
      dateOfBirth: '2000-06-01',
      ...held,
      episodes: [{ kind: 'care_leaver', start: '2018-06-01' }],
      in: [],
    },
    // --- children in care ---
    {
      ref: 'CLA-NEW',
      family: 'F-CLA',
      dateOfBirth: '2019-01-01',
      ...held,
      episodes: [{ kind: 'cla', start: '2026-07-01' }],
      placements: [{ start: '2026-07-01', type: 'U4' }],
      in: ['cla', 'cameIntoCare'],
    },
    {
      ref: 'CLA-NEW-SIB',
      family: 'F-CLA',
      dateOfBirth: '2023-01-01',
      ...held,
      episodes: [{ kind: 'cla', start: '2026-07-01' }],
      placements: [{ start: '2026-07-01', type: 'U4' }],
      in: ['cla', 'cameIntoCare', 'under5'],
    },
    {
      // came into care in June, home in September on a child in need plan
      ref: 'CLA-HOME',
      dateOfBirth: child,
      ...held,
      episodes: [
        { kind: 'cla', start: '2026-06-01', end: '2026-09-01' },
        { kind: 'cin_plan', start: '2026-09-01' },
      ],
      placements: [{ start: '2026-06-01', end: '2026-09-01', type: 'U1' }],
      in: ['cin', 'cameIntoCare'],
    },
    {
      // in care since 2020; a new episode at a change of placement is not coming into care
      ref: 'CLA-LONG-UNREG',
      dateOfBirth: teen,
      ...held,
      episodes: [
        { kind: 'cla', start: '2020-03-01', end: '2026-08-01' },
        { kind: 'cla', start: '2026-08-01' },
      ],
      placements: [
        { start: '2020-03-01', end: '2026-08-01', type: 'U1' },
        { start: '2026-08-01', type: 'Unregistered children’s home' },
      ],
      in: ['cla', 'unregistered'],
    },
    {
      ref: 'PLO',
      dateOfBirth: child,
      ...held,
      episodes: [cp('2026-02-01'), { kind: 'pre_proceedings', start: '2026-09-01' }],
      in: ['cp', 'preProceedings'],
    },
    // --- children in need ---
    {
      ref: 'CIN-LONG',
      dateOfBirth: child,
      ...held,
      episodes: [{ kind: 'cin_plan', start: '2025-06-01' }],
      in: ['cin', 'cinOver12'],
    },
    {
      ref: 'CIN-TWELVE-EXACTLY',
      dateOfBirth: child,
      ...held,
      episodes: [{ kind: 'cin_plan', start: '2025-11-22' }],
      in: ['cin'],
    },
    {
      ref: 'EH-NOW',
      dateOfBirth: '2022-06-01',
      ...held,
      episodes: [{ kind: 'early_help', start: '2026-06-01' }],
      in: ['earlyHelp', 'under5'],
    },
    // --- assessed, no plan ---
    {
      ref: 'ASSESSED',
      dateOfBirth: '2018-01-01',
      ...held,
      episodes: [
        { kind: 'cin_episode', start: '2026-07-01' },
        { kind: 'assessment', start: '2026-07-01', end: '2026-08-10' },
      ],
      in: ['assessedNoPlan'],
    },
    {
      ref: 'ASSESSED-LONG-AGO',
      dateOfBirth: '2018-01-01',
      ...held,
      episodes: [
        { kind: 'cin_episode', start: '2025-05-01' },
        { kind: 'assessment', start: '2025-05-01', end: '2025-06-01' },
      ],
      in: [],
    },
    // --- referrals about teenagers, closed ones too ---
    {
      ref: 'TEEN-REFERRED',
      dateOfBirth: teen,
      ...held,
      episodes: [{ kind: 'cin_episode', start: '2026-10-01' }],
      in: ['teenReferrals'],
    },
    {
      ref: 'TEEN-REFERRED-CLOSED',
      dateOfBirth: '2009-01-01',
      episodes: [{ kind: 'cin_episode', start: '2026-09-15', end: '2026-10-20' }],
      in: ['teenReferrals'],
      closed: true,
    },
    {
      ref: 'EIGHTEEN-REFERRED',
      dateOfBirth: '2008-11-01',
      ...held,
      episodes: [{ kind: 'cin_episode', start: '2026-10-01' }],
      in: [],
    },
    {
      ref: 'TEEN-REFERRED-IN-MAY',
      dateOfBirth: teen,
      ...held,
      episodes: [{ kind: 'cin_episode', start: '2026-05-01' }],
      in: [],
    },
    // --- under 5 ---
    {
      ref: 'FIVE-TODAY',
      dateOfBirth: '2021-11-22',
      ...held,
      episodes: [{ kind: 'early_help', start: '2026-01-01' }],
      in: ['earlyHelp'],
    },
  );
  await writeFixtureSnapshot(t.db, councilId, AS_OF, children);
  scope = (await latestScope(t.db, councilId)) as CohortScope;
});
after(() => t.close());

async function members(definition: CohortDefinition): Promise<string[]> {
  const { rows } = await sql<{ external_id: string }>`select external_id
    from (${cohortSql(scope, definition)}) x order by external_id`.execute(t.db);
  return rows.map((r) => r.external_id);
}

const expected = (example: Example) =>
  children
    .filter((c) => (example === 'open' ? !c.closed : c.in.includes(example)))
    .map((c) => c.ref)
    .sort();

test('each example cohort the council was given holds exactly the children its description says', async () => {
  const saved = await listCohorts(t.db, councilId);
  assert.equal(saved.length, EXAMPLE_COHORTS.length);
  assert.deepEqual(
    Object.values(EXAMPLES).sort(),
    EXAMPLE_COHORTS.map((e) => e.name).sort(),
    'every example is checked',
  );
  for (const [key, name] of Object.entries(EXAMPLES) as [Example, string][]) {
    const cohort = saved.find((c) => c.name === name);
    assert.ok(cohort?.definition, name);
    assert.deepEqual(await members(cohort.definition), expected(key), name);
  }
});

test('"previously on a child in need plan" is the step up: open when the plan began, or ended in the 3 months before', async () => {
  const saved = await listCohorts(t.db, councilId);
  const cohort = saved.find((c) => c.name === EXAMPLES.cpAfterCin);
  assert.ok(cohort?.definition);
  assert.ok(
    cohort.lines.includes(
      'Child protection plan after a child in need plan that was open when the plan began or ended in the 3 months before it',
    ),
    cohort.lines.join('\n'),
  );
  const d = cohort.definition;
  // a longer window takes in the plan that ended four months before; none, only a plan still open
  assert.ok((await members({ ...d, cpPlanAfterWithinMonths: 4 })).includes('STEP-FOUR-MONTHS'));
  assert.deepEqual(await members({ ...d, cpPlanAfterWithinMonths: 0 }), [
    'STEP-SAMEDAY',
    'STEP-SAMEDAY-SIB',
    'STEP-STILL-OPEN',
  ]);
  // "ever before" stays for a QA lead who chooses it: the plan closed in 2023 counts then
  const ever = await members({ ...d, cpPlanAfterWhen: 'ever' });
  assert.ok(ever.includes('CIN-2023-THEN-CP'));
  assert.ok(ever.includes('STEP-FOUR-MONTHS'));
  assert.deepEqual(
    await members(cohortDefinitionSchema.parse({ cpPlanAfter: ['early_help'], cpPlanAfterWhen: 'ever' })),
    ['EH-2024-THEN-CP', 'EH-STEP'],
  );
});

test('the one-per-family version counts each family once', async () => {
  const saved = await listCohorts(t.db, councilId);
  const cohort = saved.find((c) => c.name === EXAMPLES.cpAfterCinFamily);
  assert.ok(cohort?.definition?.onePerFamily);
  const b = await cohortBreakdown(t.db, scope, cohort.definition);
  assert.equal(b.children, expected('cpAfterCinFamily').length);
  assert.equal(b.families, b.children - 1, 'the two brothers or sisters are one family');
});
