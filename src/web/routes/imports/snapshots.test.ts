import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { importLists } from '../../../../test/helpers/snapshots.ts';
import type { Role } from '../../../domain/roles.ts';
import { type DataQualityReport, EXAMPLES_LISTED } from '../../../services/case-data/data-quality.ts';
import { addServiceArea, addTeam, createCouncil } from '../../../services/organisation/councils.ts';
import { addPerson } from '../../../services/organisation/people.ts';

let t: TestDb;
let app: FastifyInstance;
let councilId: string;
let westbrook: string;
let otherTeam: string;
let latestId: string;
let earlierId: string;
let otherSnapshotId: string;
const agents = new Map<Role, Agent>();

const PASSWORD = 'correct horse battery staple';
const CIN = { kind: 'cin_plan' as const, startDate: '2026-01-10' };
const REFUSED: Role[] = ['practitioner', 'auditor', 'scrutiny_reader'];

before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'wb', name: 'Westbrook Council' })).id;
  const other = (await createCouncil(t.db, { code: 'eb', name: 'Eastbrook Council' })).id;
  const area = await addServiceArea(t.db, councilId, 'Children in need');
  westbrook = await addTeam(t.db, councilId, { name: 'Westbrook North CIN', serviceAreaId: area });
  otherTeam = await addTeam(t.db, other, {
    name: 'Westbrook North CIN',
    serviceAreaId: await addServiceArea(t.db, other, 'Elsewhere'),
  });
  for (const role of ['qa_lead', 'administrator', ...REFUSED] as Role[]) {
    await addPerson(t.db, councilId, {
      name: `The ${role}`,
      email: `${role}@westbrook.gov.uk`,
      jobTitle: role === 'qa_lead' ? 'Team Manager' : 'Officer',
      teamId: westbrook,
      roles: [role],
      password: PASSWORD,
    });
  }

  earlierId = (
    await importLists(t.db, councilId, '2026-11-01', [
      {
        source: 'annex_a:6',
        file: 'list6-november.csv',
        rows: [{ ref: 'K1', dateOfBirth: '2016-01-01', episode: CIN, team: 'Westbrook North CIN' }],
      },
    ])
  ).snapshot?.id as string;
  latestId = (
    await importLists(t.db, councilId, '2026-11-08', [
      {
        source: 'annex_a:6',
        file: 'lists.xlsx',
        sheet: 'List 6',
        rows: [
          { ref: 'K1', dateOfBirth: '2016-01-01', episode: CIN, team: 'Westbrook North CIN' },
          { ref: 'K2', dateOfBirth: '2015-03-01', episode: CIN, team: 'Westbrook Nth CIN' },
          {
            ref: 'K3',
            dateOfBirth: '2012-06-01',
            episode: CIN,
            team: 'Westbrook Nth CIN',
            worker: 'The qa_lead',
          },
        ],
      },
      {
        source: 'annex_a:9',
        file: 'lists.xlsx',
        sheet: 'List 9',
        rows: [
          { ref: 'K2', dateOfBirth: '2015-04-01', episode: { kind: 'care_leaver', startDate: '2026-06-01' } },
        ],
      },
    ])
  ).snapshot?.id as string;
  otherSnapshotId = (
    await importLists(t.db, other, '2026-11-08', [
      { source: 'annex_a:6', file: 'theirs.csv', rows: [{ ref: 'E1', episode: CIN }] },
    ])
  ).snapshot?.id as string;

  app = await createTestApp(t.db, { demo: false });
  for (const role of ['qa_lead', 'administrator', ...REFUSED] as Role[]) {
    const agent = new Agent(app);
    const res = await agent.post('/sign-in', { email: `${role}@westbrook.gov.uk`, password: PASSWORD });
    assert.equal(res.statusCode, 302, `${role} signs in`);
    agents.set(role, agent);
  }
});
after(async () => {
  await app.close();
  await t.close();
});

const agent = (role: Role) => agents.get(role) as Agent;
const aliasCount = async () =>
  Number(
    (
      await t.db
        .selectFrom('name_aliases')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
const teamOf = async (ref: string) =>
  (
    await t.db
      .selectFrom('child_involvements as i')
      .innerJoin('children as c', 'c.id', 'i.child_id')
      .select('i.team_id')
      .where('c.external_id', '=', ref)
      .where('i.snapshot_id', '=', latestId)
      .executeTakeFirstOrThrow()
  ).team_id;

test('the snapshots page lists the council’s snapshots, newest first, with their imports', async () => {
  for (const role of ['qa_lead', 'administrator'] as Role[]) {
    const page = await agent(role).get('/imports/snapshots');
    assert.equal(page.statusCode, 200, role);
    assert.equal(h1(page.body), 'Snapshots');
    assert.match(page.body, /<title>Snapshots – QA Loop/);
    const latest = page.body.indexOf('8 November 2026');
    const earlier = page.body.indexOf('1 November 2026');
    assert.ok(latest > 0 && earlier > latest, 'newest first');
    assert.equal(page.body.match(/govuk-tag--green">\s*Latest\s*</g)?.length, 1);
    assert.match(page.body, /Annex A list 9 \(Care leavers\): 1 child/);
    assert.match(page.body, /lists\.xlsx/);
    assert.match(page.body, /4 rows taken, 0 rejected/);
    assert.match(page.body, new RegExp(`href="/imports/snapshots/${latestId}/quality"`));
    assert.doesNotMatch(page.body, /theirs\.csv/, 'not another council’s');
  }
});

test('the quality report: headline counts and each section, child references linked for the QA lead', async () => {
  const page = await agent('qa_lead').get(`/imports/snapshots/${latestId}/quality`);
  assert.equal(page.statusCode, 200);
  assert.equal(h1(page.body), 'Data quality');
  assert.match(page.body, /<title>Data quality, 8 November 2026 – QA Loop/);
  assert.match(page.body, /Children listed\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*3\s*</);
  // K2 twice, with both rows side by side
  assert.match(page.body, /1 child is listed more than once with details that disagree/);
  assert.match(page.body, /date of birth differs/);
  assert.match(page.body, /1 March 2015[\s\S]*1 April 2015/);
  assert.match(page.body, /List 6[\s\S]*List 9/);
  const k2 = await t.db
    .selectFrom('children')
    .select('id')
    .where('external_id', '=', 'K2')
    .executeTakeFirstOrThrow();
  assert.match(page.body, new RegExp(`<a class="govuk-link" href="/children/${k2.id}">K2</a>`));
  // K1 and K2 have no worker; K3 is held by a "Team Manager"
  assert.match(page.body, /2 open children have no worker allocated/);
  assert.match(page.body, /1 child is allocated to someone whose job title says they manage/);
  assert.match(page.body, /The qa_lead<\/td>\s*<td class="govuk-table__cell">Team Manager/);
  // K2, a care leaver aged 11
  assert.match(page.body, /Aged 11 among care leavers, who are 16 to 25/);
  assert.match(page.body, /1 team name and 0 worker names in this snapshot match none/);
  assert.match(page.body, /Westbrook Nth CIN/);
  assert.match(page.body, /href="\/imports\/names"/);
  // counts against 1 November
  assert.match(
    page.body,
    /Annex A list 6 \(Children in need\)<\/th>\s*<td[^>]*>3<\/td>\s*<td[^>]*>1<\/td>\s*<td[^>]*>\+2<\/td>/,
  );
  assert.match(
    page.body,
    /Westbrook North CIN<\/th>\s*<td[^>]*>2<\/td>\s*<td[^>]*>1<\/td>\s*<td[^>]*>\+1<\/td>/,
  );
  assert.match(
    page.body,
    /Westbrook Nth CIN<\/th>\s*<td[^>]*>1<\/td>\s*<td[^>]*>0<\/td>\s*<td[^>]*>\+1<\/td>/,
  );

  const first = await agent('qa_lead').get(`/imports/snapshots/${earlierId}/quality`);
  assert.equal(first.statusCode, 200);
  assert.match(first.body, /No previous snapshot/);
});

test('an administrator reads the report with child references as text, not links', async () => {
  const page = await agent('administrator').get(`/imports/snapshots/${latestId}/quality`);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /K2/);
  assert.doesNotMatch(page.body, /href="\/children\//);
});

test('the report as JSON, as a download', async () => {
  const res = await agent('qa_lead').get(`/imports/snapshots/${latestId}/quality.json`);
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.equal(res.headers['content-disposition'], 'attachment; filename="data-quality-2026-11-08.json"');
  const report = JSON.parse(res.body) as DataQualityReport;
  assert.equal(report.asOf, '2026-11-08');
  assert.equal(report.previousAsOf, '2026-11-01');
  assert.equal(report.conflicts.count, 1);
  assert.equal(report.conflicts.examples[0].childRef, 'K2');
});

test('each opening of the report, as a page or as JSON, is written to the access log', async () => {
  const logged = () =>
    t.db
      .selectFrom('access_log as a')
      .innerJoin('staff as s', 's.id', 'a.staff_id')
      .select(['s.name', 'a.record_type', 'a.record_id', 'a.child_id', 'a.route', 'a.reason'])
      .where('a.council_id', '=', councilId)
      .where('a.record_type', '=', 'data-quality report')
      .orderBy('a.id')
      .execute();
  const before = (await logged()).length;
  assert.equal((await agent('administrator').get(`/imports/snapshots/${latestId}/quality`)).statusCode, 200);
  assert.equal((await agent('qa_lead').get(`/imports/snapshots/${latestId}/quality.json`)).statusCode, 200);
  // not found, and refused: nothing shown, nothing written
  assert.equal((await agent('qa_lead').get(`/imports/snapshots/${otherSnapshotId}/quality`)).statusCode, 404);
  assert.equal((await agent('auditor').get(`/imports/snapshots/${latestId}/quality`)).statusCode, 403);
  const rows = (await logged()).slice(before);
  assert.deepEqual(
    rows.map((r) => [r.name, r.record_id, r.child_id, r.route]),
    [
      ['The administrator', latestId, null, '/imports/snapshots/:snapshotId/quality'],
      ['The qa_lead', latestId, null, '/imports/snapshots/:snapshotId/quality.json'],
    ],
  );
  assert.match(rows[0].reason, /snapshot of 8 November 2026 opened as a page/);
  assert.match(rows[1].reason, /as a JSON download/);
  const log = await agent('qa_lead').get('/access-log');
  assert.match(log.body, /Data-quality report/);
});

test('another council’s snapshot, or no snapshot at all, is not found', async () => {
  for (const url of [
    `/imports/snapshots/${otherSnapshotId}/quality`,
    `/imports/snapshots/${otherSnapshotId}/quality.json`,
    '/imports/snapshots/00000000-0000-4000-8000-000000000000/quality',
    '/imports/snapshots/not-a-snapshot/quality',
  ]) {
    const res = await agent('qa_lead').get(url);
    assert.equal(res.statusCode, 404, url);
    assert.doesNotMatch(res.body, /theirs\.csv|>E1</);
  }
});

test('practitioners, auditors and scrutiny readers are refused every page and form', async () => {
  const aliasId = '00000000-0000-4000-8000-000000000000';
  for (const role of REFUSED) {
    for (const url of [
      '/imports/snapshots',
      `/imports/snapshots/${latestId}/quality`,
      `/imports/snapshots/${latestId}/quality.json`,
      '/imports/names',
    ]) {
      const res = await agent(role).get(url);
      assert.equal(res.statusCode, 403, `${role} GET ${url}`);
    }
    const match = await agent(role).post(
      '/imports/names',
      { kind: 'team', name: 'Westbrook Nth CIN', target: westbrook },
      '/',
    );
    assert.equal(match.statusCode, 403, `${role} POST /imports/names`);
    const remove = await agent(role).post(`/imports/names/${aliasId}/remove`, {}, '/');
    assert.equal(remove.statusCode, 403, `${role} POST remove`);
  }
  assert.equal(await aliasCount(), 0);
  assert.equal(await teamOf('K2'), null);
});

test('the names page offers the council’s teams, the closest chosen already', async () => {
  for (const role of ['qa_lead', 'administrator'] as Role[]) {
    const page = await agent(role).get('/imports/names');
    assert.equal(page.statusCode, 200, role);
    assert.equal(h1(page.body), 'Match team and worker names');
    assert.match(page.body, /<title>Match team and worker names – QA Loop/);
    assert.match(page.body, /Westbrook Nth CIN/);
    assert.match(page.body, new RegExp(`<option value="${westbrook}" selected>Westbrook North CIN`));
    assert.doesNotMatch(page.body, new RegExp(otherTeam), 'not another council’s teams');
  }
});

test('the match form refuses another council’s team, or no choice, and changes nothing', async () => {
  for (const [target, message] of [
    [otherTeam, 'Choose a team from the list'],
    ['', 'Choose the team “Westbrook Nth CIN” stands for'],
    ['00000000-0000-4000-8000-000000000000', 'Choose a team from the list'],
  ]) {
    const res = await agent('qa_lead').post(
      '/imports/names',
      { kind: 'team', name: 'Westbrook Nth CIN', target },
      '/imports/names',
    );
    assert.equal(res.statusCode, 400, target);
    assert.deepEqual(errorSummaryItems(res.body), [{ text: message, href: '#team-1' }]);
    assert.match(res.body, /<title>Error: Match team and worker names/);
    assert.match(res.body, /class="govuk-select govuk-select--error" id="team-1"/);
  }
  assert.equal(await aliasCount(), 0);
  assert.equal(await teamOf('K2'), null);
});

test('a form without the session’s token is refused and changes nothing', async () => {
  const res = await agent('qa_lead').post(
    '/imports/names',
    { _csrf: 'forged', kind: 'team', name: 'Westbrook Nth CIN', target: westbrook },
    '/imports/names',
  );
  assert.equal(res.statusCode, 403);
  const none = await agent('qa_lead').request({
    method: 'POST',
    url: '/imports/names',
    payload: new URLSearchParams({ kind: 'team', name: 'Westbrook Nth CIN', target: westbrook }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(none.statusCode, 403);
  assert.equal(await aliasCount(), 0);
  assert.equal(await teamOf('K2'), null);
});

test('matching a name: saved, the children moved, and the report and the child’s record show the team', async () => {
  const res = await agent('qa_lead').post(
    '/imports/names',
    { kind: 'team', name: 'Westbrook Nth CIN', target: westbrook },
    '/imports/names',
  );
  assert.equal(res.statusCode, 302);
  assert.equal(res.headers.location, '/imports/names');
  const page = await agent('qa_lead').get('/imports/names');
  assert.match(
    page.body,
    /“Westbrook Nth CIN” now stands for Westbrook North CIN: 2 children in the latest snapshot moved\./,
  );
  assert.match(page.body, /Every team and worker name in the latest snapshot, of 8 November 2026, matches/);
  assert.match(page.body, /Team: Westbrook North CIN/);
  assert.equal(await teamOf('K2'), westbrook);

  const report = await agent('qa_lead').get(`/imports/snapshots/${latestId}/quality`);
  assert.match(report.body, /0 team names and 0 worker names in this snapshot match none/);
  assert.match(
    report.body,
    /Westbrook North CIN<\/th>\s*<td[^>]*>3<\/td>\s*<td[^>]*>1<\/td>\s*<td[^>]*>\+2<\/td>/,
  );

  const k2 = await t.db
    .selectFrom('children')
    .select('id')
    .where('external_id', '=', 'K2')
    .executeTakeFirstOrThrow();
  const child = await agent('qa_lead').get(`/children/${k2.id}`);
  assert.equal(child.statusCode, 200);
  assert.match(child.body, /Westbrook North CIN/);
  assert.doesNotMatch(child.body, /Westbrook Nth CIN/);
});

test('removing a saved name puts it back on the list; another council cannot remove it', async () => {
  const alias = await t.db.selectFrom('name_aliases').select('id').executeTakeFirstOrThrow();
  const missing = await agent('qa_lead').post(
    '/imports/names/00000000-0000-4000-8000-000000000000/remove',
    {},
    '/imports/names',
  );
  assert.equal(missing.statusCode, 404);
  const res = await agent('administrator').post(`/imports/names/${alias.id}/remove`, {}, '/imports/names');
  assert.equal(res.statusCode, 302);
  assert.equal(await aliasCount(), 0);
  assert.equal(await teamOf('K2'), null);
  const page = await agent('administrator').get('/imports/names');
  assert.match(page.body, /“Westbrook Nth CIN” is no longer matched/);
  assert.match(page.body, /No names have been saved yet/);
  assert.match(page.body, /1 team name and 0 worker names not matched/);
});

test('a long finding gives its full count and says only the first 100 are listed', async () => {
  const rows = Array.from({ length: EXAMPLES_LISTED + 5 }, (_, i) => ({
    ref: `L${String(i).padStart(3, '0')}`,
    episode: CIN,
  }));
  const imported = await importLists(t.db, councilId, '2026-11-15', [
    { source: 'annex_a:6', file: 'long.csv', rows },
  ]);
  const page = await agent('qa_lead').get(`/imports/snapshots/${imported.snapshot?.id}/quality`);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /105 open children have no worker allocated\. Only the first 100 are listed\./);
  assert.match(page.body, /No child is listed twice with details that disagree\./);
  const listed = page.body.match(/<ul class="govuk-list app-inline-list"[\s\S]*?<\/ul>/)?.[0] ?? '';
  assert.equal(listed.match(/<li>/g)?.length, EXAMPLES_LISTED);
});
