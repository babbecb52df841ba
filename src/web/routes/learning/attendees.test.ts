import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDbWithDemo } from '../../../../test/helpers/db.ts';

let t: TestDbWithDemo;
let app: FastifyInstance;
let wfd: Agent;
let sessionId: string;
let people: { id: string; name: string; email: string | null }[];

before(async () => {
  t = await createTestDb({ demo: true });
  app = await createTestApp(t.db);
  wfd = new Agent(app);
  await wfd.signInAs('workforce_development');
  sessionId = (
    await t.db
      .insertInto('learning_sessions')
      .values({
        council_id: t.demo.councilId,
        title: 'Chronologies that help',
        held_on: '2026-10-14',
        format: 'workshop',
        attended: 3,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  await t.db
    .insertInto('learning_session_themes')
    .values({ session_id: sessionId, council_id: t.demo.councilId, theme_key: 'chronologies' })
    .execute();
  people = await t.db
    .selectFrom('staff')
    .select(['id', 'name', 'email'])
    .where('council_id', '=', t.demo.councilId)
    .where('active', '=', true)
    .where('email', 'is not', null)
    .where('name', 'not like', '%&%')
    .where('name', 'not like', "%'%")
    .orderBy('name')
    .limit(5)
    .execute();
});
after(async () => {
  await app.close();
  await t.close();
});

const url = () => `/learning/${sessionId}/attendees`;

const namedIds = async () =>
  (
    await t.db
      .selectFrom('learning_session_attendees')
      .select('staff_id')
      .where('session_id', '=', sessionId)
      .execute()
  ).map((r) => r.staff_id);

function multipart(fields: Record<string, string>, file?: { name: string; content: string }) {
  const boundary = `----qaloopTestBoundary${Math.random().toString(36).slice(2)}`;
  const parts: string[] = [];
  for (const [name, value] of Object.entries(fields))
    parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  if (file)
    parts.push(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: text/csv\r\n\r\n${file.content}\r\n`,
    );
  parts.push(`--${boundary}--\r\n`);
  return { payload: Buffer.from(parts.join('')), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function upload(agent: Agent, file: { name: string; content: string }, csrf?: string) {
  const body = multipart({ _csrf: csrf ?? (await agent.csrf(url())) }, file);
  return agent.request({
    method: 'POST',
    url: `${url()}/upload`,
    payload: body.payload,
    headers: { 'content-type': body.contentType },
  });
}

test('those who do not manage learning are refused every attendee page and form; signed-out visitors sign in', async () => {
  for (const role of [
    'senior_leader',
    'auditor',
    'practitioner',
    'case_manager',
    'scrutiny_reader',
    'administrator',
  ]) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    assert.equal((await agent.get(url())).statusCode, 403, `${role} GET`);
    const csrf = await agent.csrf('/');
    const add = await agent.post(url(), { _csrf: csrf, staffIds: people[0].id });
    assert.equal(add.statusCode, 403, `${role} add`);
    const remove = await agent.post(`${url()}/remove`, { _csrf: csrf, staffId: people[0].id });
    assert.equal(remove.statusCode, 403, `${role} remove`);
    const up = await upload(agent, { name: 'list.csv', content: `Email\n${people[0].email}\n` }, csrf);
    assert.equal(up.statusCode, 403, `${role} upload`);
  }
  assert.deepEqual(await namedIds(), []);
  const anonymous = new Agent(app);
  const res = await anonymous.get(url());
  assert.equal(res.statusCode, 302);
  assert.match(String(res.headers.location), /^\/sign-in/);
});

test('the QA lead may open the page too; the learning list links to it', async () => {
  const qa = new Agent(app);
  await qa.signInAs('qa_lead');
  const page = await qa.get(url());
  assert.equal(page.statusCode, 200);
  assert.equal(h1(page.body), 'Chronologies that help');
  const list = await wfd.get('/learning');
  assert.match(list.body, new RegExp(`href="${url()}"`));
});

test('workforce development adds people from the list; the count is raised to the number named', async () => {
  const page = await wfd.get(url());
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /3 attended, 0 named/);
  assert.match(page.body, new RegExp(`name="staffIds" type="checkbox" value="${people[0].id}"`));
  assert.match(page.body, /<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">/);

  const res = await wfd.post(url(), { staffIds: people.slice(0, 4).map((p) => p.id) }, url());
  assert.equal(res.statusCode, 303);
  assert.equal(res.headers.location, url());
  assert.equal((await namedIds()).length, 4);
  const after = await wfd.get(url());
  assert.match(
    after.body,
    /4 people added: 4 attended, 4 named \(the number attended was raised to the number named\)/,
  );
  assert.match(after.body, /4 attended, 4 named/);
  for (const p of people.slice(0, 4))
    assert.match(after.body, new RegExp(`<th scope="row" class="govuk-table__header">${p.name}</th>`));
});

test('a search narrows the list; choosing nobody shows an error and keeps the search', async () => {
  const word = people[4].name.split(' ').slice(-1)[0];
  const found = await wfd.get(`${url()}?search=${encodeURIComponent(word)}`);
  assert.equal(found.statusCode, 200);
  assert.match(found.body, new RegExp(`value="${people[4].id}"`));
  const res = await wfd.post(url(), { search: word }, url());
  assert.equal(res.statusCode, 400);
  assert.deepEqual(errorSummaryItems(res.body), [
    { text: 'Select the people who attended', href: '#staffIds' },
  ]);
  assert.match(res.body, /id="staffIds"/);
  assert.match(res.body, new RegExp(`name="search" value="${word}"`));
});

test('removing someone takes them off the list and keeps the count', async () => {
  const res = await wfd.post(`${url()}/remove`, { staffId: people[3].id }, url());
  assert.equal(res.statusCode, 303);
  assert.ok(!(await namedIds()).includes(people[3].id));
  const page = await wfd.get(url());
  assert.match(page.body, /no longer named as attending/);
  assert.match(page.body, /4 attended, 3 named/);
  const again = await wfd.post(`${url()}/remove`, { staffId: people[3].id }, url());
  assert.equal(again.statusCode, 404);
});

test('an attendance list with a row that matches nobody adds nobody and lists the row', async () => {
  const before = await namedIds();
  const res = await upload(wfd, {
    name: 'register.csv',
    content: `Name,Email\n${people[4].name},${people[4].email}\nNobody Here,nobody@example.org\n`,
  });
  assert.equal(res.statusCode, 400);
  assert.match(
    errorSummaryItems(res.body)[0].text,
    /1 row of register.csv could not be matched to one person: nobody has been added/,
  );
  assert.match(res.body, /<td class="govuk-table__cell govuk-table__cell--numeric">3<\/td>/);
  assert.match(res.body, /Nobody Here, nobody@example.org/);
  assert.deepEqual((await namedIds()).sort(), before.sort());
});

test('a good attendance list names everyone on it', async () => {
  const res = await upload(wfd, {
    name: 'register.csv',
    content: `Email\n${people[4].email}\n${people[3].email}\n${people[0].email}\n`,
  });
  assert.equal(res.statusCode, 303);
  const ids = await namedIds();
  for (const p of people) assert.ok(ids.includes(p.id), p.name);
  const page = await wfd.get(url());
  assert.match(page.body, /2 people added, 1 already named/);
  assert.match(page.body, /5 attended, 5 named/);
});

test('no file, or a file that is not a list, is an error on the page', async () => {
  const none = await upload(wfd, { name: '', content: '' });
  assert.equal(none.statusCode, 400);
  assert.deepEqual(errorSummaryItems(none.body), [
    { text: 'Select the attendance list, a CSV or XLSX file', href: '#file' },
  ]);
  const wrong = await upload(wfd, { name: 'notes.csv', content: 'Child,Date\nA,1\n' });
  assert.equal(wrong.statusCode, 400);
  assert.match(errorSummaryItems(wrong.body)[0].text, /has no Name or Email column/);
  const bad = await wfd.post(url(), { _csrf: 'wrong', staffIds: people[0].id }, url());
  assert.equal(bad.statusCode, 403);
});
