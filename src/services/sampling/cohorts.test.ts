import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { writeFixtureSnapshot } from '../../../test/helpers/cohort-fixtures.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { type CohortDefinition, cohortDefinitionSchema } from '../../domain/cohort-definition.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';
import { addLocality, addServiceArea, addTeam, createCouncil } from '../organisation/councils.ts';
import { type CohortScope, latestScope } from './cohort-query.ts';
import {
  archiveCohort,
  cohortFormOptions,
  cohortSizes,
  createCohort,
  EXAMPLE_COHORTS,
  ensureExampleCohorts,
  filterEffects,
  getCohort,
  hasCohorts,
  listCohorts,
  restoreCohort,
  updateCohort,
} from './cohorts.ts';

let t: TestDb;
let councilId: string;
let otherCouncilId: string;
let otherTeam: string;
let scope: CohortScope;
const place: Record<string, string> = {};

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'co', name: 'Cohort Council' })).id;
  otherCouncilId = (await createCouncil(t.db, { code: 'ot', name: 'Other Council' })).id;
  place.north = await addLocality(t.db, councilId, 'North');
  place.safeguarding = await addServiceArea(t.db, councilId, 'Safeguarding');
  place.care = await addServiceArea(t.db, councilId, 'Children in care');
  place.T1 = await addTeam(t.db, councilId, {
    name: 'Safeguarding North',
    serviceAreaId: place.safeguarding,
    localityId: place.north,
  });
  place.T2 = await addTeam(t.db, councilId, { name: 'Children in Care', serviceAreaId: place.care });
  otherTeam = await addTeam(t.db, otherCouncilId, {
    name: 'Elsewhere',
    serviceAreaId: await addServiceArea(t.db, otherCouncilId, 'Elsewhere'),
  });
  const held = (team: string) => ({ teamId: place[team], allocatedFrom: '2020-01-01' });
  await writeFixtureSnapshot(t.db, councilId, '2026-11-22', [
    {
      ref: 'A',
      dateOfBirth: '2012-01-01',
      ethnicity: 'WBRI',
      ...held('T1'),
      episodes: [{ kind: 'cp_plan', start: '2026-01-01' }],
    },
    {
      ref: 'B',
      dateOfBirth: '2020-01-01',
      ethnicity: 'BAFR',
      ...held('T1'),
      episodes: [{ kind: 'cp_plan', start: '2026-02-01' }],
    },
    {
      ref: 'C',
      dateOfBirth: '2010-01-01',
      ethnicity: 'WBRI',
      ...held('T2'),
      episodes: [{ kind: 'cla', start: '2026-03-01' }],
    },
  ]);
  scope = (await latestScope(t.db, councilId)) as CohortScope;
});
after(() => t.close());

const def = (d: Partial<CohortDefinition>) => cohortDefinitionSchema.parse(d);

async function refused(promise: Promise<unknown>): Promise<Record<string, string>> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ValidationError)
      return Object.fromEntries(err.errors.map((e) => [e.field, e.message]));
    throw err;
  }
  assert.fail('expected a ValidationError');
}

test('a new council starts with an example for every population, and adding them again adds none', async () => {
  const list = await listCohorts(t.db, councilId);
  const examples = list.filter((c) => c.example);
  assert.equal(examples.length, EXAMPLE_COHORTS.length);
  assert.ok(EXAMPLE_COHORTS.length >= 18);
  for (const c of examples) {
    assert.ok(c.definition, `${c.name} reads back`);
    assert.ok(c.lines.length > 0);
  }
  const journey = list.find(
    (c) => c.name === 'Child protection plan, previously on a child in need plan, one per family',
  );
  assert.deepEqual(journey?.lines, [
    'Status: Child protection plan',
    'Child protection plan after a child in need plan that was open when the plan began or ended in the 3 months before it',
    'One child per family',
  ]);
  assert.equal(await ensureExampleCohorts(t.db, councilId), 0);
  assert.equal((await listCohorts(t.db, councilId)).length, list.length);
  assert.ok(await hasCohorts(t.db, otherCouncilId));
});

test('an archived example is not added again', async () => {
  const fresh = (await createCouncil(t.db, { code: 'fresh', name: 'Fresh Council' })).id;
  const under5 = (await listCohorts(t.db, fresh)).find((c) => c.name === 'Children under 5');
  assert.ok(under5);
  await archiveCohort(t.db, fresh, under5.id);
  assert.equal(await ensureExampleCohorts(t.db, fresh), 0);
  const again = (await listCohorts(t.db, fresh)).filter((c) => c.name === 'Children under 5');
  assert.equal(again.length, 1);
  assert.equal(again[0].archived, true);
});

test('create, read, change: the definition is kept with its defaults, and an example changed is the council’s own', async () => {
  const id = await createCohort(
    t.db,
    councilId,
    {
      name: '  Teenagers on a plan ',
      description: 'For the adolescent theme',
      definition: { statuses: ['cp_plan'], ageFrom: 13, ageTo: 17, teamIds: [place.T1] },
    },
    { createdBy: null },
  );
  const saved = await getCohort(t.db, councilId, id);
  assert.equal(saved.name, 'Teenagers on a plan');
  assert.equal(saved.description, 'For the adolescent theme');
  assert.equal(saved.example, false);
  assert.equal(saved.definition?.excludeClosed, true);
  assert.deepEqual(saved.lines, [
    'Status: Child protection plan',
    'Team: Safeguarding North',
    'Aged 13 to 17',
  ]);

  await updateCohort(t.db, councilId, id, {
    name: 'Teenagers on a plan, north',
    description: '',
    definition: { statuses: ['cp_plan'], ageFrom: 13, localityIds: [place.north] },
  });
  const changed = await getCohort(t.db, councilId, id);
  assert.equal(changed.name, 'Teenagers on a plan, north');
  assert.deepEqual(changed.definition?.teamIds, []);
  assert.deepEqual(changed.definition?.localityIds, [place.north]);
  assert.ok(changed.updatedAt >= saved.updatedAt);

  const example = (await listCohorts(t.db, councilId)).find((c) => c.name === 'Children under 5');
  assert.ok(example?.definition);
  await updateCohort(t.db, councilId, example.id, {
    name: example.name,
    description: 'Renamed description only',
    definition: example.definition,
  });
  assert.equal(
    (await getCohort(t.db, councilId, example.id)).example,
    true,
    'same filters: still the example',
  );
  await updateCohort(t.db, councilId, example.id, {
    name: example.name,
    description: example.description,
    definition: { ...example.definition, ageTo: 3 },
  });
  assert.equal(
    (await getCohort(t.db, councilId, example.id)).example,
    false,
    'new filters: the council’s own',
  );
});

test('a name is required, at most 100 characters, and unique whatever its case, archived cohorts included', async () => {
  assert.deepEqual(await refused(createCohort(t.db, councilId, { name: '  ', definition: {} })), {
    name: 'Enter a name for the cohort',
  });
  assert.deepEqual(await refused(createCohort(t.db, councilId, { name: 'x'.repeat(101), definition: {} })), {
    name: 'The name must be 100 characters or fewer',
  });
  assert.deepEqual(
    await refused(createCohort(t.db, councilId, { name: 'CHILDREN IN CARE', definition: {} })),
    {
      name: 'There is already a cohort called "Children in care"',
    },
  );
  const id = await createCohort(t.db, councilId, { name: 'Soon archived', definition: {} });
  await archiveCohort(t.db, councilId, id);
  const errors = await refused(createCohort(t.db, councilId, { name: 'soon archived', definition: {} }));
  assert.match(errors.name, /archived cohort called "Soon archived"/);
  // another council may use the same name
  await createCohort(t.db, otherCouncilId, { name: 'Soon archived', definition: {} });
  // a cohort keeps its own name when changed
  await updateCohort(t.db, councilId, id, { name: 'Soon archived', definition: { ageTo: 4 } });
});

test('each filter’s value is checked, with a message for its field', async () => {
  const errors = await refused(
    createCohort(t.db, councilId, {
      name: 'Bad filters',
      description: 'd'.repeat(501),
      definition: {
        cinPlanLongerThanMonths: 0,
        referredWithinMonths: 2.5,
        ageFrom: 30,
        cpPlanStartedFrom: '2026-02-30',
        statuses: ['on_the_moon'],
        teamIds: ['not-an-id'],
      },
    }),
  );
  assert.deepEqual(errors, {
    description: 'The description must be 500 characters or fewer',
    statuses: 'Choose statuses from the list',
    teamIds: 'Choose teams from the list',
    cinPlanLongerThanMonths:
      'Enter how long the child in need plan has lasted in months, as a whole number from 1 to 240',
    referredWithinMonths:
      'Enter how recently the child was referred in months, as a whole number from 1 to 240',
    cpPlanStartedFrom: 'Enter a real date for the start of the period, for example 1 4 2026',
    ageFrom: 'Enter the youngest age in whole years, from 0 to 25',
  });
});

test('filters that contradict each other are refused as field errors, and nothing is saved', async () => {
  const before = (await listCohorts(t.db, councilId)).length;
  const errors = await refused(
    createCohort(t.db, councilId, {
      name: 'Impossible',
      definition: {
        ageFrom: 12,
        ageTo: 5,
        statuses: ['early_help'],
        placementKinds: ['foster'],
        cpPlanStartedFrom: '2026-06-01',
        cpPlanStartedTo: '2026-01-01',
      },
    }),
  );
  assert.deepEqual(Object.keys(errors).sort(), ['ageFrom', 'cpPlanStartedFrom', 'placementKinds']);
  assert.match(errors.ageFrom, /youngest age \(12\) is older than the oldest \(5\)/);
  assert.equal((await listCohorts(t.db, councilId)).length, before);
});

test('teams, service areas and localities must be the council’s own', async () => {
  const errors = await refused(
    createCohort(t.db, councilId, { name: 'Elsewhere', definition: { teamIds: [place.T1, otherTeam] } }),
  );
  assert.deepEqual(errors, { teamIds: 'One of the teams chosen no longer exists: choose again' });
});

test('archiving keeps the cohort, listed after those in use; restoring brings it back', async () => {
  const id = await createCohort(t.db, councilId, { name: 'AAA first by name', definition: {} });
  assert.equal(await archiveCohort(t.db, councilId, id), 'AAA first by name');
  const list = await listCohorts(t.db, councilId);
  const firstArchived = list.findIndex((c) => c.archived);
  assert.ok(firstArchived > 0);
  assert.ok(
    list.slice(firstArchived).every((c) => c.archived),
    'archived cohorts come last',
  );
  assert.ok(!(await listCohorts(t.db, councilId, { includeArchived: false })).some((c) => c.id === id));
  await restoreCohort(t.db, councilId, id);
  assert.equal((await getCohort(t.db, councilId, id)).archived, false);
  assert.equal((await listCohorts(t.db, councilId))[0].id, id, 'in use again, first by name');
});

test('another council’s cohort, or no cohort, is not found', async () => {
  const theirs = (await listCohorts(t.db, otherCouncilId))[0];
  await assert.rejects(getCohort(t.db, councilId, theirs.id), NotFoundError);
  await assert.rejects(archiveCohort(t.db, councilId, theirs.id), NotFoundError);
  await assert.rejects(
    updateCohort(t.db, councilId, theirs.id, { name: 'x', definition: {} }),
    NotFoundError,
  );
  await assert.rejects(getCohort(t.db, councilId, 'not-a-uuid'), NotFoundError);
  assert.equal((await getCohort(t.db, otherCouncilId, theirs.id)).archived, false);
});

test('a definition saved long ago that no longer reads is shown as such, not an error', async () => {
  const row = await t.db
    .insertInto('cohorts')
    .values({
      council_id: councilId,
      name: 'From an old version',
      definition: JSON.stringify({ ageFrom: 'old' }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const cohort = await getCohort(t.db, councilId, row.id);
  assert.equal(cohort.definition, null);
  assert.match(cohort.lines[0], /can no longer be read/);
});

test('sizes of many cohorts in one go', async () => {
  const sizes = await cohortSizes(t.db, scope, [
    { key: 'all', definition: def({}) },
    { key: 'cp', definition: def({ statuses: ['cp_plan'] }) },
    { key: 'none', definition: def({ ageTo: 1 }) },
  ]);
  assert.deepEqual(Object.fromEntries(sizes), { all: 3, cp: 2, none: 0 });
  assert.equal((await cohortSizes(t.db, scope, [])).size, 0);
});

test('an empty cohort: each filter set, with the size the cohort would have without it', async () => {
  const d = def({ statuses: ['cp_plan'], teamIds: [place.T2], ageFrom: 13 });
  const effects = await filterEffects(t.db, scope, d, { teams: new Map([[place.T2, 'Children in Care']]) });
  assert.deepEqual(effects, [
    { field: 'statuses', text: 'Status: Child protection plan', childrenWithout: 1 },
    { field: 'teamIds', text: 'Team: Children in Care', childrenWithout: 1 },
    { field: 'ageFrom', text: 'Aged 13 or over', childrenWithout: 0 },
    { field: 'excludeClosed', text: 'Open cases only', childrenWithout: 0 },
  ]);
});

test('the form offers the council’s places, teams under their service area, and the ethnicities recorded', async () => {
  const options = await cohortFormOptions(t.db, councilId, scope);
  assert.deepEqual(
    options.serviceAreas.map((s) => s.name),
    ['Children in care', 'Safeguarding'],
  );
  assert.deepEqual(
    options.teamGroups.map((g) => [g.serviceArea, g.teams.map((x) => x.name)]),
    [
      ['Children in care', ['Children in Care']],
      ['Safeguarding', ['Safeguarding North']],
    ],
  );
  assert.deepEqual(
    options.localities.map((l) => l.name),
    ['North'],
  );
  assert.deepEqual(options.ethnicities, ['BAFR', 'WBRI']);
  assert.deepEqual((await cohortFormOptions(t.db, councilId)).ethnicities, []);
});
