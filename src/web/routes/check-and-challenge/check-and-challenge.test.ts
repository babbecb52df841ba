import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1, TEST_TODAY } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDbWithDemo } from '../../../../test/helpers/db.ts';
import { weekOf } from '../../../domain/check-challenge.ts';
import { addDays } from '../../../domain/dates.ts';

let t: TestDbWithDemo;
let app: FastifyInstance;
const agents: Record<string, Agent> = {};
let ownTeam: string;
let otherTeam: string;
const thisWeek = weekOf(TEST_TODAY);
const lastWeek = addDays(thisWeek, -7);

const teamId = async (name: string) =>
  (
    await t.db
      .selectFrom('teams')
      .select('id')
      .where('council_id', '=', t.demo.councilId)
      .where('name', '=', name)
      .executeTakeFirstOrThrow()
  ).id;

const meetings = async (team: string) =>
  t.db
    .selectFrom('check_challenge_meetings')
    .selectAll()
    .where('council_id', '=', t.demo.councilId)
    .where('team_id', '=', team)
    .orderBy('week_of')
    .execute();

before(async () => {
  t = await createTestDb({ demo: true });
  app = await createTestApp(t.db);
  for (const role of ['qa_lead', 'senior_leader', 'case_manager']) {
    agents[role] = new Agent(app);
    await agents[role].signInAs(role);
  }
  ownTeam = await teamId('Safeguarding North');
  otherTeam = await teamId('Children in Care North');
});
after(async () => {
  await app.close();
  await t.close();
});

test('the demo holds two meetings for each of two teams, one goal closed, this week open', async () => {
  for (const team of [ownTeam, otherTeam]) {
    const rows = await meetings(team);
    assert.deepEqual(
      rows.map((m) => m.week_of),
      [addDays(thisWeek, -14), lastWeek],
    );
    const goals = await t.db
      .selectFrom('check_challenge_goals')
      .select(['status', 'closed_note'])
      .where('team_id', '=', team)
      .execute();
    assert.equal(goals.length, 3);
    assert.equal(goals.filter((g) => g.status === 'done').length, 1);
  }
});

test('people without checkChallenge.read are refused every check-and-challenge page', async () => {
  const goal = await t.db.selectFrom('check_challenge_goals').select('id').executeTakeFirstOrThrow();
  // (the demo auditor is also a team manager, so may open their own team's)
  for (const role of [
    'practitioner',
    'scrutiny_reader',
    'workforce_development',
    'administrator',
    'service_contributor',
    'partner_contributor',
  ]) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    for (const url of [
      '/check-and-challenge',
      `/check-and-challenge/teams/${ownTeam}/weeks/${thisWeek}`,
      `/check-and-challenge/teams/${ownTeam}/weeks/${thisWeek}/pack.docx`,
      `/check-and-challenge/teams/${ownTeam}/history`,
    ]) {
      assert.equal((await agent.get(url)).statusCode, 403, `${role} ${url}`);
    }
    const res = await agent.post(
      `/check-and-challenge/goals/${goal.id}/close`,
      { outcome: 'done', note: 'Done' },
      '/account',
    );
    assert.equal(res.statusCode, 403, role);
  }
  const open = await t.db
    .selectFrom('check_challenge_goals')
    .select('id')
    .where('status', '=', 'open')
    .execute();
  assert.equal(open.length, 4);
});

test('a team manager sees their own team and is refused another team’s pack, history and goals', async () => {
  const agent = agents.case_manager;
  const list = await agent.get('/check-and-challenge');
  assert.equal(list.statusCode, 200);
  assert.equal(h1(list.body), 'Check and challenge');
  assert.match(list.body, /Safeguarding North/);
  assert.doesNotMatch(list.body, /Children in Care North/);
  assert.equal(
    (await agent.get(`/check-and-challenge/teams/${ownTeam}`)).headers.location,
    `/check-and-challenge/teams/${ownTeam}/weeks/${thisWeek}`,
  );
  for (const url of [
    `/check-and-challenge/teams/${otherTeam}`,
    `/check-and-challenge/teams/${otherTeam}/weeks/${thisWeek}`,
    `/check-and-challenge/teams/${otherTeam}/weeks/${thisWeek}/pack.docx`,
    `/check-and-challenge/teams/${otherTeam}/history`,
  ]) {
    assert.equal((await agent.get(url)).statusCode, 403, url);
  }
  const theirs = await t.db
    .selectFrom('check_challenge_goals')
    .select('id')
    .where('team_id', '=', otherTeam)
    .where('status', '=', 'open')
    .executeTakeFirstOrThrow();
  const res = await agent.post(
    `/check-and-challenge/goals/${theirs.id}/close`,
    { outcome: 'done', note: 'Not mine to close' },
    `/check-and-challenge/teams/${ownTeam}/weeks/${thisWeek}`,
  );
  assert.equal(res.statusCode, 403);
  const still = await t.db
    .selectFrom('check_challenge_goals')
    .select('status')
    .where('id', '=', theirs.id)
    .executeTakeFirstOrThrow();
  assert.equal(still.status, 'open');
});

test('this week’s pack carries last week’s goals with their status, and its figures with counts', async () => {
  const res = await agents.case_manager.get(`/check-and-challenge/teams/${ownTeam}/weeks/${thisWeek}`);
  assert.equal(res.statusCode, 200);
  assert.match(h1(res.body), /^Check and challenge: week of/);
  assert.match(res.body, /Meeting not yet recorded/);
  assert.match(res.body, /Every overdue audit return completed or its new date agreed with QA/);
  assert.match(res.body, /Run a practice session on chronologies with the team/);
  assert.match(res.body, /Oversight is now recorded on all of last month’s returned audits/);
  assert.match(
    res.body,
    /Good or better this quarter: (\d+ of \d+ \(\d+%, 95% CI \d+% to \d+%\)|no audits returned)/,
  );
  assert.match(res.body, /Record the meeting/);
  // last week's meeting shows the pack as it saw it, read-only
  const before = await agents.case_manager.get(`/check-and-challenge/teams/${ownTeam}/weeks/${lastWeek}`);
  assert.equal(before.statusCode, 200);
  assert.match(before.body, /Meeting recorded/);
  assert.doesNotMatch(before.body, /Record the meeting<\/h2>/);
});

test('weeks that are not a Monday, are in the future, or teams not the council’s are the 404 page', async () => {
  const agent = agents.qa_lead;
  for (const url of [
    `/check-and-challenge/teams/${ownTeam}/weeks/${addDays(thisWeek, 1)}`,
    `/check-and-challenge/teams/${ownTeam}/weeks/${addDays(thisWeek, 7)}`,
    `/check-and-challenge/teams/${ownTeam}/weeks/not-a-date`,
    `/check-and-challenge/teams/${randomUUID()}/weeks/${thisWeek}`,
    '/check-and-challenge/teams/not-a-uuid/history',
    `/check-and-challenge/goals/${randomUUID()}/close`,
  ]) {
    const res = url.endsWith('/close')
      ? await agent.post(url, { outcome: 'done', note: 'x' }, '/check-and-challenge')
      : await agent.get(url);
    assert.equal(res.statusCode, 404, url);
  }
});

test('recording a meeting: bad input is refused with messages, keeps what was typed and writes nothing', async () => {
  const agent = agents.case_manager;
  const page = `/check-and-challenge/teams/${ownTeam}/weeks/${thisWeek}`;
  const res = await agent.post(
    `${page}/meeting`,
    {
      'heldOn-day': '31',
      'heldOn-month': '2',
      'heldOn-year': '2026',
      notes: 'We looked at returns',
      goal1Text: 'Chase the overdue returns',
      goal1Owner: '',
      'goal1Due-day': '',
      'goal1Due-month': '',
      'goal1Due-year': '',
    },
    page,
  );
  assert.equal(res.statusCode, 400);
  const errors = errorSummaryItems(res.body).map((e) => e.text);
  assert.ok(errors.includes('The date the meeting was held must be a real date'), errors.join('; '));
  assert.ok(errors.includes('Tick who from the team attended, or say who else was there'));
  assert.ok(errors.includes('Choose who in the team owns goal 1'));
  assert.ok(errors.includes('Enter the date goal 1 is due'));
  assert.match(res.body, /We looked at returns/);
  assert.match(res.body, /value="Chase the overdue returns"/);
  assert.equal((await meetings(ownTeam)).length, 2);

  // a date outside the week, and someone not in the team
  const outsider = await t.db
    .selectFrom('staff')
    .select('id')
    .where('council_id', '=', t.demo.councilId)
    .where('team_id', '=', otherTeam)
    .executeTakeFirstOrThrow();
  const res2 = await agent.post(
    `${page}/meeting`,
    { 'heldOn-day': '1', 'heldOn-month': '1', 'heldOn-year': '2026', attendees: outsider.id },
    page,
  );
  assert.equal(res2.statusCode, 400);
  const errors2 = errorSummaryItems(res2.body).map((e) => e.text);
  assert.deepEqual(errors2, [
    'The date the meeting was held must be in the week the pack is for',
    'Tick only people in the team',
  ]);
  assert.equal((await meetings(ownTeam)).length, 2);
});

test('a team manager records this week’s meeting with its pack, attendees and a goal; a second is refused', async () => {
  const agent = agents.case_manager;
  const page = `/check-and-challenge/teams/${ownTeam}/weeks/${thisWeek}`;
  const staff = await t.db
    .selectFrom('staff')
    .select(['id', 'name'])
    .where('team_id', '=', ownTeam)
    .where('active', '=', true)
    .orderBy('name')
    .execute();
  const held = addDays(thisWeek, 1);
  const [y, m, d] = held.split('-');
  const due = addDays(thisWeek, 14).split('-');
  const res = await agent.post(
    `${page}/meeting`,
    {
      'heldOn-day': d,
      'heldOn-month': m,
      'heldOn-year': y,
      attendees: [staff[0].id, staff[1].id],
      othersPresent: 'QA officer',
      notes: 'Returns reviewed.',
      goal1Text: 'Clear the actions overdue on last month’s audits',
      goal1Owner: staff[1].id,
      'goal1Due-day': due[2],
      'goal1Due-month': due[1],
      'goal1Due-year': due[0],
    },
    page,
  );
  assert.equal(
    res.statusCode,
    303,
    errorSummaryItems(res.body)
      .map((e) => e.text)
      .join('; '),
  );
  const rows = await meetings(ownTeam);
  assert.equal(rows.length, 3);
  const meeting = rows[2];
  assert.equal(meeting.held_on, held);
  const pack = meeting.pack as { weekOf: string; goals: { text: string }[]; team: { name: string } };
  assert.equal(pack.weekOf, thisWeek);
  assert.equal(pack.team.name, 'Safeguarding North');
  assert.ok(
    pack.goals.some((g) => g.text === 'Every overdue audit return completed or its new date agreed with QA'),
  );
  const attendees = await t.db
    .selectFrom('check_challenge_attendees')
    .select('staff_id')
    .where('meeting_id', '=', meeting.id)
    .execute();
  assert.equal(attendees.length, 2);
  const goals = await t.db
    .selectFrom('check_challenge_goals')
    .selectAll()
    .where('meeting_id', '=', meeting.id)
    .execute();
  assert.equal(goals.length, 1);
  assert.equal(goals[0].owner_id, staff[1].id);

  const shown = await agent.get(page);
  assert.match(shown.body, /Meeting recorded/);
  assert.match(shown.body, /Clear the actions overdue on last month’s audits/);

  const again = await agent.post(
    `${page}/meeting`,
    { 'heldOn-day': d, 'heldOn-month': m, 'heldOn-year': y, othersPresent: 'Someone' },
    page,
  );
  assert.equal(again.statusCode, 400);
  assert.ok(
    errorSummaryItems(again.body).some((e) => e.text === 'A meeting is already recorded for this week'),
  );
  assert.equal((await meetings(ownTeam)).length, 3);

  const history = await agent.get(`/check-and-challenge/teams/${ownTeam}/history`);
  assert.equal(history.statusCode, 200);
  assert.equal(h1(history.body), 'Check and challenge history');
  assert.equal((history.body.match(/\/weeks\/\d{4}-\d{2}-\d{2}">\d/g) ?? []).length, 3);
});

test('closing a goal needs an outcome and a note; closed, it is done with its note', async () => {
  const agent = agents.case_manager;
  const page = `/check-and-challenge/teams/${ownTeam}/weeks/${thisWeek}`;
  const goal = await t.db
    .selectFrom('check_challenge_goals')
    .select('id')
    .where('team_id', '=', ownTeam)
    .where('text', '=', 'Run a practice session on chronologies with the team')
    .executeTakeFirstOrThrow();
  const bad = await agent.post(
    `/check-and-challenge/goals/${goal.id}/close`,
    { week: thisWeek, note: '' },
    page,
  );
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(
    errorSummaryItems(bad.body).map((e) => e.text),
    ['Choose whether the goal was done or dropped', 'Enter a note on what was done'],
  );
  const dropped = await agent.post(
    `/check-and-challenge/goals/${goal.id}/close`,
    { week: thisWeek, outcome: 'dropped', note: 'Covered by the service-wide session' },
    page,
  );
  assert.equal(dropped.statusCode, 303);
  assert.equal(dropped.headers.location, `${page}#open-goals`);
  const row = await t.db
    .selectFrom('check_challenge_goals')
    .selectAll()
    .where('id', '=', goal.id)
    .executeTakeFirstOrThrow();
  assert.equal(row.status, 'dropped');
  assert.equal(row.closed_note, 'Covered by the service-wide session');
  assert.ok(row.closed_in_meeting_id, 'closed in this week’s meeting');
  const again = await agent.post(
    `/check-and-challenge/goals/${goal.id}/close`,
    { week: thisWeek, outcome: 'done', note: 'Again' },
    page,
  );
  assert.equal(again.statusCode, 400);
});

test('the pack downloads as a Word document', async () => {
  const res = await agents.qa_lead.get(`/check-and-challenge/teams/${otherTeam}/weeks/${lastWeek}/pack.docx`);
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /wordprocessingml/);
  assert.match(String(res.headers['content-disposition']), /check-and-challenge-children-in-care-north-/);
  assert.equal(res.body.slice(0, 2), 'PK');
});

test('a Head of Service sees their teams’ packs side by side; the QA lead every team', async () => {
  const hos = await agents.senior_leader.get('/check-and-challenge');
  assert.equal(hos.statusCode, 200);
  assert.equal(h1(hos.body), 'Check and challenge: your teams side by side');
  assert.match(hos.body, /Safeguarding North/);
  assert.match(hos.body, /Children in Care North/);
  assert.match(hos.body, /Good or better this quarter/);
  const qa = await agents.qa_lead.get('/check-and-challenge');
  assert.equal(h1(qa.body), 'Check and challenge');
  assert.match(qa.body, /Children in Care North/);
  assert.match(qa.body, /Leaving Care/);
});
