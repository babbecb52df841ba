/**
 * The page that gives an action to someone else, on the demo council: QA leads only, with CSRF,
 * the choice kept and an error summary on a bad choice, and the links to it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { Agent, createTestApp, errorSummaryItems, h1, TEST_TODAY } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDbWithDemo } from '../../../../test/helpers/db.ts';
import { addDays } from '../../../domain/dates.ts';

let t: TestDbWithDemo;
let app: FastifyInstance;
let actionId: string;
let ownerId: string;
let newOwner: { id: string; name: string };
let leaver: { id: string; name: string };
const agents = new Map<string, Agent>();

async function as(role: string): Promise<Agent> {
  let agent = agents.get(role);
  if (!agent) {
    agent = new Agent(app);
    await agent.signInAs(role);
    agents.set(role, agent);
  }
  return agent;
}

const ownerOf = async (id: string) =>
  (await t.db.selectFrom('audit_actions').select('owner_id').where('id', '=', id).executeTakeFirstOrThrow())
    .owner_id;

before(async () => {
  t = await createTestDb({ demo: true });
  app = await createTestApp(t.db);
  const action = await t.db
    .selectFrom('audit_actions')
    .select(['id', 'owner_id'])
    .where('council_id', '=', t.demo.councilId)
    .where('status', '=', 'open')
    .orderBy('id')
    .limit(1)
    .executeTakeFirstOrThrow();
  actionId = action.id;
  ownerId = action.owner_id;
  // overdue, so QA sees it in the overdue list
  await t.db
    .updateTable('audit_actions')
    .set({ due_on: addDays(TEST_TODAY, -10) })
    .where('id', '=', actionId)
    .execute();
  const others = await t.db
    .selectFrom('staff')
    .select(['id', 'name'])
    .where('council_id', '=', t.demo.councilId)
    .where('active', '=', true)
    .where('deactivated_at', 'is', null)
    .where('left_on', 'is', null)
    .where('id', '!=', ownerId)
    .where('external_id', 'not like', 'DEMO-%')
    .orderBy('name')
    .limit(2)
    .execute();
  newOwner = others[0];
  leaver = others[1];
  await t.db
    .updateTable('staff')
    .set({ deactivated_at: sql<Date>`now()`, deactivated_reason: 'Left the council' })
    .where('id', '=', leaver.id)
    .execute();
});

after(async () => {
  await app?.close();
  await t?.close();
});

test('only QA leads may open or use the page; others are refused and nothing changes', async () => {
  const page = `/actions/${actionId}/owner`;
  for (const role of ['auditor', 'practitioner', 'case_manager', 'senior_leader']) {
    const agent = await as(role);
    assert.equal((await agent.get(page)).statusCode, 403, `${role} GET`);
    const res = await agent.post(page, { ownerId: newOwner.id }, '/actions');
    assert.equal(res.statusCode, 403, `${role} POST`);
  }
  for (const role of ['administrator', 'scrutiny_reader', 'workforce_development']) {
    const agent = await as(role).catch(() => null);
    if (agent) assert.equal((await agent.get(page)).statusCode, 403, `${role} GET`);
  }
  const visitor = new Agent(app);
  const signedOut = await visitor.get(page);
  assert.equal(signedOut.statusCode, 302);
  assert.match(String(signedOut.headers.location), /sign-in/);
  assert.equal(await ownerOf(actionId), ownerId);
});

test('a form without the session’s CSRF token is refused', async () => {
  const qa = await as('qa_lead');
  const page = `/actions/${actionId}/owner`;
  assert.equal((await qa.post(page, { _csrf: '', ownerId: newOwner.id }, page)).statusCode, 403);
  assert.equal((await qa.post(page, { _csrf: 'forged', ownerId: newOwner.id }, page)).statusCode, 403);
  assert.equal(await ownerOf(actionId), ownerId);
});

test('a leaver, nobody or the owner now cannot be chosen: the error summary says why', async () => {
  const qa = await as('qa_lead');
  const page = `/actions/${actionId}/owner`;
  const open = await qa.get(page);
  assert.equal(open.statusCode, 200);
  assert.equal(h1(open.body), 'Give the action to someone else');
  assert.match(open.body, new RegExp(`<option value="${newOwner.id}"`));
  assert.doesNotMatch(open.body, new RegExp(`<option value="${leaver.id}"`), 'leavers are not offered');
  assert.match(open.body, /<optgroup label=/, 'people are grouped by team');

  const res = await qa.post(page, { ownerId: leaver.id }, page);
  assert.equal(res.statusCode, 400);
  assert.deepEqual(
    errorSummaryItems(res.body).map((e) => e.href),
    ['#ownerId'],
  );
  assert.match(errorSummaryItems(res.body)[0].text, /works for the council now/);
  const blank = await qa.post(page, { ownerId: '' }, page);
  assert.equal(blank.statusCode, 400);
  assert.match(errorSummaryItems(blank.body)[0].text, /Select who/);
  // the person who owns it already (not offered, but sent)
  const same = await qa.post(page, { ownerId: ownerId }, page);
  assert.equal(same.statusCode, 400);
  assert.match(errorSummaryItems(same.body)[0].text, /already owns/);
  assert.equal(await ownerOf(actionId), ownerId);
});

test('someone who left after the page was opened is refused, and the page is shown again', async () => {
  const qa = await as('qa_lead');
  const page = `/actions/${actionId}/owner`;
  const open = await qa.get(page);
  assert.match(open.body, new RegExp(`<option value="${newOwner.id}"`));
  await t.db
    .updateTable('staff')
    .set({ deactivated_at: sql<Date>`now()` })
    .where('id', '=', newOwner.id)
    .execute();
  const res = await qa.post(page, { ownerId: newOwner.id }, page);
  assert.equal(res.statusCode, 400);
  assert.equal(h1(res.body), 'Give the action to someone else');
  assert.match(errorSummaryItems(res.body)[0].text, /works for the council now/);
  assert.match(res.body, /<select class="govuk-select govuk-select--error"/);
  await t.db.updateTable('staff').set({ deactivated_at: null }).where('id', '=', newOwner.id).execute();
  const again = await qa.post(page, { ownerId: 'not-an-id' }, page);
  assert.equal(again.statusCode, 400);
  assert.match(again.body, /govuk-select--error/);
});

test('the owner who has left is marked, and a QA lead gives the action to someone else', async () => {
  const qa = await as('qa_lead');
  const page = `/actions/${actionId}/owner`;
  const list = await qa.get('/actions');
  assert.match(list.body, new RegExp(`href="/actions/${actionId}/owner"`), 'linked from the actions list');
  const caseManager = await as('case_manager');
  assert.doesNotMatch((await caseManager.get('/actions')).body, /\/owner"/, 'not offered to others');

  await t.db
    .updateTable('staff')
    .set({ deactivated_at: sql<Date>`now()` })
    .where('id', '=', ownerId)
    .execute();
  const open = await qa.get(`${page}?from=staff`);
  assert.match(open.body, /Has left/);
  assert.match(open.body, /href="\/imports\/staff"/);

  const res = await qa.post(page, { ownerId: newOwner.id, from: 'staff' }, page);
  assert.equal(res.statusCode, 302);
  assert.equal(res.headers.location, '/imports/staff');
  assert.equal(await ownerOf(actionId), newOwner.id);
  const told = await t.db
    .selectFrom('notifications')
    .select('kind')
    .where('staff_id', '=', newOwner.id)
    .where('about_id', '=', actionId)
    .execute();
  assert.deepEqual(
    told.map((n) => n.kind),
    ['action_assigned'],
  );
  const after = await qa.get('/actions');
  assert.match(after.body, new RegExp(`given to ${newOwner.name.replace(/'/g, '&#39;')}`));
});
