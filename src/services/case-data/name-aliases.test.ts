import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { importLists } from '../../../test/helpers/snapshots.ts';
import { NotFoundError, ValidationError } from '../../domain/validation.ts';
import { addServiceArea, addTeam, createCouncil } from '../organisation/councils.ts';
import { findChildByReference } from './children.ts';
import { dataQualityReport } from './data-quality.ts';
import { listAliases, mapName, nameChoices, removeAlias, unmatchedNames } from './name-aliases.ts';
import { latestSnapshot } from './snapshots.ts';

let t: TestDb;
let councilId: string;
let otherCouncilId: string;
let westbrook: string;
let eastfield: string;
let otherTeam: string;
let sam: string;
let lead: string;

const CIN = { kind: 'cin_plan' as const, startDate: '2026-01-10' };

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'names', name: 'Names Council' })).id;
  otherCouncilId = (await createCouncil(t.db, { code: 'other', name: 'Other Council' })).id;
  const area = await addServiceArea(t.db, councilId, 'Children in need');
  westbrook = await addTeam(t.db, councilId, { name: 'Westbrook North CIN', serviceAreaId: area });
  eastfield = await addTeam(t.db, councilId, { name: 'Eastfield CP', serviceAreaId: area });
  otherTeam = await addTeam(t.db, otherCouncilId, {
    name: 'Westbrook North CIN',
    serviceAreaId: await addServiceArea(t.db, otherCouncilId, 'Elsewhere'),
  });
  const staff = await t.db
    .insertInto('staff')
    .values([
      { council_id: councilId, name: 'Sam Carter', job_title: 'Social Worker', team_id: eastfield },
      { council_id: councilId, name: 'Lee Lead', job_title: 'QA Lead', team_id: null },
    ])
    .returning(['id', 'name'])
    .execute();
  sam = staff[0].id;
  lead = staff[1].id;

  await importLists(t.db, councilId, '2026-11-01', [
    {
      source: 'annex_a:6',
      file: 'list6.csv',
      rows: [
        { ref: 'W1', episode: CIN, team: 'Westbrook Nth CIN' },
        { ref: 'W2', episode: CIN, team: 'Westbrook Nth CIN' },
        { ref: 'W3', episode: CIN, team: 'westbrook nth c.i.n.' },
        { ref: 'W4', episode: CIN, team: 'Westbrook North CIN' },
        { ref: 'S1', episode: CIN, worker: 'Sam Cartr' },
      ],
    },
  ]);
});
after(() => t.close());

/** A child's allocations, latest snapshot first. */
const involvement = (ref: string) =>
  t.db
    .selectFrom('child_involvements as i')
    .innerJoin('children as c', 'c.id', 'i.child_id')
    .innerJoin('snapshots as s', 's.id', 'i.snapshot_id')
    .select(['i.team_id', 'i.staff_id', 's.as_of'])
    .where('c.external_id', '=', ref)
    .where('c.council_id', '=', councilId)
    .orderBy('s.as_of', 'desc')
    .execute();

test('names not matched are listed once whatever their spelling, with children and a suggestion', async () => {
  const names = await unmatchedNames(t.db, councilId);
  assert.equal(names.snapshot?.asOf, '2026-11-01');
  assert.deepEqual(names.teams, {
    count: 1,
    names: [
      {
        name: 'Westbrook Nth CIN',
        spellings: ['Westbrook Nth CIN', 'westbrook nth c.i.n.'],
        children: 3,
        suggestion: { id: westbrook, name: 'Westbrook North CIN' },
      },
    ],
  });
  assert.deepEqual(names.workers, {
    count: 1,
    names: [
      {
        name: 'Sam Cartr',
        spellings: ['Sam Cartr'],
        children: 1,
        suggestion: { id: sam, name: 'Sam Carter' },
      },
    ],
  });
});

test('the choices are the council’s own teams, and its workers grouped by team', async () => {
  const choices = await nameChoices(t.db, councilId);
  assert.deepEqual(
    choices.teams.map((c) => c.name),
    ['Eastfield CP', 'Westbrook North CIN'],
  );
  assert.ok(!choices.teams.some((c) => c.id === otherTeam));
  assert.deepEqual(
    choices.workersByTeam.map((g) => [g.team, g.workers.map((w) => w.name)]),
    [
      ['Eastfield CP', ['Sam Carter']],
      ['No team', ['Lee Lead']],
    ],
  );
});

test('bad choices are refused with a message and change nothing', async () => {
  const before = await Promise.all(['W1', 'W3'].map(involvement));
  const attempts: [Record<string, unknown>, RegExp][] = [
    [
      { kind: 'team', name: 'Westbrook Nth CIN', target: '' },
      /Choose the team “Westbrook Nth CIN” stands for/,
    ],
    [{ kind: 'team', name: 'Westbrook Nth CIN', target: otherTeam }, /Choose a team from the list/],
    [{ kind: 'team', name: 'Westbrook Nth CIN', target: sam }, /Choose a team from the list/],
    [{ kind: 'team', name: 'Westbrook Nth CIN', target: 'not-an-id' }, /Choose a team from the list/],
    [{ kind: 'worker', name: 'Sam Cartr', target: westbrook }, /Choose a worker from the list/],
    [{ kind: 'team', name: '   ', target: westbrook }, /Say which name to match/],
    [{ kind: 'team', name: '—', target: westbrook }, /no letters or numbers/],
    [{ kind: 'service', name: 'Westbrook Nth CIN', target: westbrook }, /team’s or a worker’s/],
  ];
  for (const [input, message] of attempts) {
    await assert.rejects(
      mapName(t.db, councilId, input as never, lead),
      (err: unknown) => err instanceof ValidationError && message.test(err.message),
      JSON.stringify(input),
    );
  }
  assert.deepEqual(await listAliases(t.db, councilId), []);
  assert.deepEqual(await Promise.all(['W1', 'W3'].map(involvement)), before);
});

test('"Westbrook Nth CIN" mapped to Westbrook North CIN: saved, the latest snapshot’s children moved, and the next import matches it', async () => {
  const mapped = await mapName(
    t.db,
    councilId,
    { kind: 'team', name: 'Westbrook Nth CIN', target: westbrook },
    lead,
  );
  assert.deepEqual(mapped, {
    kind: 'team',
    name: 'Westbrook Nth CIN',
    target: 'Westbrook North CIN',
    children: 3,
  });

  const aliases = await listAliases(t.db, councilId);
  assert.equal(aliases.length, 1);
  assert.equal(aliases[0].alias, 'Westbrook Nth CIN');
  assert.equal(aliases[0].target, 'Westbrook North CIN');
  assert.equal(aliases[0].createdBy, 'Lee Lead');
  const saved = await t.db.selectFrom('name_aliases').selectAll().executeTakeFirstOrThrow();
  assert.equal(saved.alias_key, 'westbrook nth cin');

  // both spellings now with the team
  for (const ref of ['W1', 'W2', 'W3']) assert.equal((await involvement(ref))[0].team_id, westbrook, ref);
  const names = await unmatchedNames(t.db, councilId);
  assert.equal(names.teams.count, 0);

  // the data-quality report and the child's record show the team
  const snapshot = await latestSnapshot(t.db, councilId);
  const report = await dataQualityReport(t.db, councilId, snapshot?.id as string);
  assert.deepEqual(report.unmatchedNames.teams, []);
  assert.deepEqual(
    report.counts.byTeam.map((c) => [c.name, c.count]),
    [
      ['No team given', 1],
      ['Westbrook North CIN', 4],
    ],
  );
  const child = await findChildByReference(t.db, councilId, 'W1');
  assert.equal(child?.allocation?.team, 'Westbrook North CIN');

  // a week later the same spelling, shouted, is matched by the import itself
  await importLists(t.db, councilId, '2026-11-08', [
    {
      source: 'annex_a:6',
      file: 'list6.csv',
      rows: [{ ref: 'W1', episode: CIN, team: 'WESTBROOK NTH CIN' }],
    },
  ]);
  const [later] = await involvement('W1');
  assert.equal(later.as_of, '2026-11-08');
  assert.equal(later.team_id, westbrook);
  assert.equal((await unmatchedNames(t.db, councilId)).teams.count, 0);
});

test('a worker’s new spelling mapped: the worker, and their team for a child the extract gave none', async () => {
  const mapped = await mapName(t.db, councilId, { kind: 'worker', name: 'Sam Cartr', target: sam }, lead);
  assert.equal(mapped.children, 0, 'S1 is not in the latest snapshot any more');
  // S1 was in the earlier snapshot only: the latest snapshot is the one mapped
  const [earlier] = await involvement('S1');
  assert.equal(earlier.staff_id, null);

  await importLists(t.db, councilId, '2026-11-15', [
    { source: 'annex_a:6', file: 'list6.csv', rows: [{ ref: 'S2', episode: CIN, worker: 'Sam  Cartr' }] },
  ]);
  const [s2] = await involvement('S2');
  assert.equal(s2.staff_id, sam, 'matched by the saved spelling');
  assert.equal(s2.team_id, eastfield, 'with the worker’s team');
});

test('a worker mapped by hand brings their team; removing the spelling puts the name back on the list', async () => {
  await importLists(t.db, councilId, '2026-11-22', [
    { source: 'annex_a:6', file: 'list6.csv', rows: [{ ref: 'S3', episode: CIN, worker: 'S. Carter' }] },
  ]);
  assert.deepEqual(
    (await unmatchedNames(t.db, councilId)).workers.names.map((n) => n.name),
    ['S. Carter'],
  );
  const mapped = await mapName(t.db, councilId, { kind: 'worker', name: 'S. Carter', target: sam }, lead);
  assert.equal(mapped.children, 1);
  const [s3] = await involvement('S3');
  assert.equal(s3.staff_id, sam);
  assert.equal(s3.team_id, eastfield);

  const alias = (await listAliases(t.db, councilId)).find((a) => a.alias === 'S. Carter');
  assert.ok(alias);
  await assert.rejects(removeAlias(t.db, otherCouncilId, alias.id), NotFoundError);
  assert.deepEqual(await removeAlias(t.db, councilId, alias.id), { alias: 'S. Carter' });
  const [after] = await involvement('S3');
  assert.equal(after.staff_id, null);
  assert.equal(after.team_id, null);
  assert.deepEqual(
    (await unmatchedNames(t.db, councilId)).workers.names.map((n) => n.name),
    ['S. Carter'],
  );
  await assert.rejects(removeAlias(t.db, councilId, alias.id), NotFoundError);
});

test('removing a team’s spelling leaves the children with their worker’s team, or none', async () => {
  await importLists(t.db, councilId, '2026-11-29', [
    {
      source: 'annex_a:6',
      file: 'list6.csv',
      rows: [
        { ref: 'T1', episode: CIN, team: 'Eastfield Child Prot' },
        { ref: 'T2', episode: CIN, team: 'Eastfield Child Prot', worker: 'Sam Carter' },
      ],
    },
  ]);
  await mapName(t.db, councilId, { kind: 'team', name: 'Eastfield Child Prot', target: westbrook }, lead);
  assert.equal((await involvement('T1'))[0].team_id, westbrook);
  assert.equal((await involvement('T2'))[0].team_id, westbrook);
  const alias = (await listAliases(t.db, councilId)).find((a) => a.alias === 'Eastfield Child Prot');
  await removeAlias(t.db, councilId, alias?.id as string);
  assert.equal((await involvement('T1'))[0].team_id, null);
  assert.equal((await involvement('T2'))[0].team_id, eastfield);
});

test('mapping a name again replaces the earlier choice', async () => {
  await mapName(t.db, councilId, { kind: 'team', name: 'Eastfield Child Prot', target: westbrook }, lead);
  await mapName(t.db, councilId, { kind: 'team', name: 'eastfield child prot', target: eastfield }, null);
  const aliases = (await listAliases(t.db, councilId)).filter((a) => a.kind === 'team');
  assert.deepEqual(
    aliases.map((a) => [a.alias, a.target]),
    [
      ['eastfield child prot', 'Eastfield CP'],
      ['Westbrook Nth CIN', 'Westbrook North CIN'],
    ],
  );
  assert.equal((await involvement('T1'))[0].team_id, eastfield);
});
