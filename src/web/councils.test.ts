import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp } from '../../test/helpers/app.ts';
import { createTestDb, type TestDbWithDemo } from '../../test/helpers/db.ts';
import type { DemoSummary } from '../demo/council.ts';
import { recordChildren } from '../services/case-data/children.ts';
import { addLocality, addServiceArea, addTeam, createCouncil } from '../services/organisation/councils.ts';
import { addPerson } from '../services/organisation/people.ts';

/** Two councils in one database: nobody in one sees or changes anything of the other. */
let t: TestDbWithDemo;
let app: FastifyInstance;
let demo: DemoSummary;
let other: Agent;
let otherAdmin: Agent;
let otherChildId: string;

before(async () => {
  t = await createTestDb({ demo: true });
  demo = t.demo;
  const council = await createCouncil(t.db, { code: 'eastvale', name: 'Eastvale Council' });
  const area = await addServiceArea(t.db, council.id, 'Safeguarding');
  const teamId = await addTeam(t.db, council.id, { name: 'Eastvale Team', serviceAreaId: area });
  await addPerson(t.db, council.id, {
    name: 'Eve Eastvale',
    email: 'eve@eastvale.gov.uk',
    jobTitle: 'QA Lead',
    teamId,
    roles: ['qa_lead'],
    password: 'eastvale password',
  });
  await addPerson(t.db, council.id, {
    name: 'Ed Eastvale',
    email: 'ed@eastvale.gov.uk',
    jobTitle: 'Administrator',
    roles: ['administrator'],
    password: 'eastvale password',
  });
  await recordChildren(t.db, council.id, [
    {
      externalId: 'EV-1',
      familyExternalId: null,
      firstName: 'Eastvale',
      lastName: 'Child',
      dateOfBirth: '2015-05-05',
      gender: 'female',
      ethnicity: null,
      disability: false,
      uasc: false,
      involvements: [{ staffId: null, teamId, startDate: '2026-01-01', endDate: null }],
      episodes: [{ kind: 'cin_plan', startDate: '2026-01-01', endDate: null }],
    },
  ]);
  otherChildId = (
    await t.db.selectFrom('children').select('id').where('external_id', '=', 'EV-1').executeTakeFirstOrThrow()
  ).id;
  app = await createTestApp(t.db);
  other = new Agent(app);
  await other.post('/sign-in', { email: 'eve@eastvale.gov.uk', password: 'eastvale password' });
  otherAdmin = new Agent(app);
  await otherAdmin.post('/sign-in', { email: 'ed@eastvale.gov.uk', password: 'eastvale password' });
});
after(async () => {
  await app.close();
  await t.close();
});

test('a QA lead cannot find or open another council’s child', async () => {
  const westbrookChild = await t.db
    .selectFrom('children')
    .select(['id', 'external_id'])
    .where('council_id', '=', demo.councilId)
    .limit(1)
    .executeTakeFirstOrThrow();
  const lookup = await other.post('/children', { reference: westbrookChild.external_id }, '/children');
  assert.equal(lookup.statusCode, 404);
  const page = await other.get(`/children/${westbrookChild.id}`);
  assert.equal(page.statusCode, 404);
  assert.equal(
    await t.db
      .selectFrom('access_log')
      .select('id')
      .execute()
      .then((r) => r.length),
    0,
  );
  // and their own child opens
  assert.equal((await other.get(`/children/${otherChildId}`)).statusCode, 200);
});

test('the home page and organisation figures count only the person’s own council', async () => {
  const home = await other.get('/');
  assert.match(home.body, /Children open to Eastvale Council/);
  assert.match(home.body, /All open children<\/th>\s*<td[^>]*><strong>1<\/strong>/);
  const organisation = await other.get('/organisation');
  assert.match(
    organisation.body,
    /0 localities, 1 service area and 1 team, with 1 staff member in teams and 1 open child/,
  );
  assert.doesNotMatch(organisation.body, /Safeguarding North/);
});

test('an administrator cannot see or change another council’s people', async () => {
  const westbrookPerson = demo.demoPeople.find((p) => p.role === 'practitioner');
  assert.ok(westbrookPerson);
  const list = await otherAdmin.get('/admin/people');
  assert.doesNotMatch(list.body, new RegExp(westbrookPerson.name));
  const page = `/admin/people/${westbrookPerson.staffId}`;
  assert.equal((await otherAdmin.get(page)).statusCode, 404);
  const roles = await otherAdmin.post(`${page}/roles`, { roles: ['administrator'] }, '/admin/people');
  assert.equal(roles.statusCode, 404);
  const link = await otherAdmin.post(`${page}/sign-in-link`, {}, '/admin/people');
  assert.equal(link.statusCode, 404);
  const disable = await otherAdmin.post(
    `${page}/disable`,
    { reason: 'taken over by eastvale' },
    '/admin/people',
  );
  assert.equal(disable.statusCode, 404);
  const after = await t.db
    .selectFrom('staff_roles')
    .select('role')
    .where('staff_id', '=', westbrookPerson.staffId)
    .execute();
  assert.deepEqual(
    after.map((r) => r.role),
    ['practitioner'],
  );
});

test('the access log shows only the person’s own council', async () => {
  const westbrookQa = new Agent(app);
  await westbrookQa.signInAs('qa_lead');
  const child = await t.db
    .selectFrom('children')
    .select('id')
    .where('council_id', '=', demo.councilId)
    .limit(1)
    .executeTakeFirstOrThrow();
  await westbrookQa.get(`/children/${child.id}`);
  const westbrookName = demo.demoPeople.find((p) => p.role === 'qa_lead')?.name as string;
  const log = await other.get('/access-log');
  assert.match(log.body, /Eve Eastvale/);
  assert.doesNotMatch(log.body, new RegExp(westbrookName));
  assert.match(log.body, /1 view, latest first/);
});

test('a team cannot be put in another council’s locality', async () => {
  const westbrookLocality = await t.db
    .selectFrom('localities')
    .select('id')
    .where('council_id', '=', demo.councilId)
    .limit(1)
    .executeTakeFirstOrThrow();
  const eastvale = await t.db
    .selectFrom('councils')
    .select('id')
    .where('code', '=', 'eastvale')
    .executeTakeFirstOrThrow();
  const area = await addServiceArea(t.db, eastvale.id, 'Care');
  await assert.rejects(
    addTeam(t.db, eastvale.id, { name: 'Misplaced', serviceAreaId: area, localityId: westbrookLocality.id }),
    /locality is not one of this council/,
  );
  await addLocality(t.db, eastvale.id, 'Eastvale Central');
});

test('another council’s programme months, tools, themes and closure days cannot be read or changed', async () => {
  const month = await t.db
    .selectFrom('programme_months')
    .select('id')
    .where('council_id', '=', demo.councilId)
    .limit(1)
    .executeTakeFirstOrThrow();
  const tool = await t.db
    .selectFrom('audit_tools')
    .select('id')
    .where('council_id', '=', demo.councilId)
    .where('name', '=', 'Dip sample: neglect')
    .executeTakeFirstOrThrow();
  const theme = await t.db
    .selectFrom('practice_themes')
    .select(['id', 'active'])
    .where('council_id', '=', demo.councilId)
    .limit(1)
    .executeTakeFirstOrThrow();
  const closure = await t.db
    .selectFrom('closure_days')
    .select('id')
    .where('council_id', '=', demo.councilId)
    .limit(1)
    .executeTakeFirstOrThrow();
  assert.equal((await other.get(`/programme/months/${month.id}`)).statusCode, 404);
  assert.equal((await other.get(`/programme/months/${month.id}/edit`)).statusCode, 404);
  assert.equal(
    (await other.post(`/programme/months/${month.id}`, { cycleStartsOn: '2026-05-01' }, '/programme'))
      .statusCode,
    404,
  );
  assert.equal((await other.get(`/tools/${tool.id}`)).statusCode, 404);
  assert.equal((await other.get(`/tools/${tool.id}/edit`)).statusCode, 404);
  assert.equal((await other.post(`/tools/${tool.id}/sections/neglect/delete`, {}, '/tools')).statusCode, 404);
  assert.equal(
    (await other.post('/tools', { from: tool.id, name: 'Stolen tool' }, '/tools')).statusCode,
    400,
  );
  assert.equal(
    (await other.post(`/practice-themes/${theme.id}/active`, { active: 'no' }, '/practice-themes'))
      .statusCode,
    404,
  );
  const removal = await other.post(
    `/settings/calendar/closures/${closure.id}/delete`,
    {},
    '/settings/calendar',
  );
  assert.equal(removal.statusCode, 404, 'another council’s closure day is not found, not “removed”');
  assert.doesNotMatch((await other.get('/settings/calendar')).body, /The closure day has been removed/);
  assert.ok(
    await t.db.selectFrom('closure_days').select('id').where('id', '=', closure.id).executeTakeFirst(),
    'the closure day is still there',
  );
  const after = await t.db
    .selectFrom('practice_themes')
    .select('active')
    .where('id', '=', theme.id)
    .executeTakeFirstOrThrow();
  assert.equal(after.active, theme.active);
  const sections = await t.db
    .selectFrom('audit_tool_versions')
    .select('definition')
    .where('tool_id', '=', tool.id)
    .executeTakeFirstOrThrow();
  assert.ok(
    (sections.definition as { sections: { key: string }[] }).sections.some((s) => s.key === 'neglect'),
  );
});
