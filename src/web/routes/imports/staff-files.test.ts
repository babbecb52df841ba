import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';

let t: TestDb;
let app: FastifyInstance;
let dataDir: string;
let qa: Agent;
let leaver: { id: string; name: string; email: string | null; job_title: string; team: string };

const HEADER = 'Name,Email,Staff ID,Job title,Team,Line manager email,Start date,Leaving date,Roles';

before(async () => {
  t = await createTestDb({ demo: true });
  dataDir = mkdtempSync(join(tmpdir(), 'qaloop-staff-web-'));
  app = await createTestApp(t.db, { dataDir });
  qa = new Agent(app);
  await qa.signInAs('qa_lead');
  leaver = await t.db
    .selectFrom('audits as a')
    .innerJoin('staff as s', 's.id', 'a.auditor_id')
    .innerJoin('teams as tm', 'tm.id', 's.team_id')
    .where('a.status', 'in', ['allocated', 'in_progress'])
    .where((eb) => eb.or([eb('s.external_id', 'is', null), eb('s.external_id', 'not like', 'DEMO-%')]))
    .select(['s.id', 's.name', 's.email', 's.job_title', 'tm.name as team'])
    .orderBy('s.name')
    .executeTakeFirstOrThrow();
});
after(async () => {
  await app.close();
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A multipart/form-data body as a browser sends the upload form. */
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
  const body = multipart({ _csrf: csrf ?? (await agent.csrf('/imports/staff')) }, file);
  return agent.request({
    method: 'POST',
    url: '/imports/staff',
    payload: body.payload,
    headers: { 'content-type': body.contentType },
  });
}

const count = async () =>
  Number(
    (
      await t.db
        .selectFrom('staff_imports')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

test('people without imports.manage are refused; signed-out visitors are sent to sign in', async () => {
  for (const role of [
    'auditor',
    'practitioner',
    'case_manager',
    'senior_leader',
    'scrutiny_reader',
    'workforce_development',
  ]) {
    const other = new Agent(app);
    await other.signInAs(role);
    assert.equal((await other.get('/imports/staff')).statusCode, 403, role);
    const some = '00000000-0000-4000-8000-000000000000';
    assert.equal((await other.get(`/imports/staff/${some}`)).statusCode, 403, role);
    assert.equal((await other.post(`/imports/staff/${some}/confirm`, {}, '/')).statusCode, 403, role);
    assert.equal((await other.post(`/imports/staff/${some}/discard`, {}, '/')).statusCode, 403, role);
    const sent = await upload(other, { name: 'staff.csv', content: HEADER }, await other.csrf('/'));
    assert.equal(sent.statusCode, 403, role);
  }
  const anonymous = new Agent(app);
  const res = await anonymous.get('/imports/staff');
  assert.equal(res.statusCode, 302);
  assert.match(String(res.headers.location), /^\/sign-in/);
  assert.equal(await count(), 0);
});

test('without the form’s CSRF token an upload is refused and nothing is kept', async () => {
  const res = await upload(qa, { name: 'staff.csv', content: HEADER }, 'forged');
  assert.equal(res.statusCode, 403);
  assert.equal(await count(), 0);
});

test('a file that is not a staff file is refused on the upload page with the reason', async () => {
  const res = await upload(qa, { name: 'history.csv', content: 'child_id,month\n1,2026-04' });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(
    errorSummaryItems(res.body).map((e) => e.href),
    ['#file'],
  );
  assert.match(errorSummaryItems(res.body)[0].text, /history\.csv is not a staff file/);
  const none = await upload(qa, { name: '', content: '' });
  assert.equal(none.statusCode, 400);
  assert.match(none.body, /Select the staff file/);
  assert.equal(await count(), 0);
});

test('upload, check the preview, confirm: joiners added, leavers deactivated and their open work listed', async () => {
  const content = [
    HEADER,
    `${leaver.name},${leaver.email},,${leaver.job_title},${leaver.team},,,2026-11-20,`,
    `Nia Newcomer,nia.newcomer@example.gov.uk,N1,Team Manager,${leaver.team},,2026-11-02,,auditor`,
    'No Email,,N2,Social Worker,Somewhere,,,,',
  ].join('\n');
  const sent = await upload(qa, { name: 'staff november.csv', content });
  assert.equal(sent.statusCode, 303);
  const href = String(sent.headers.location);
  assert.match(href, /^\/imports\/staff\/[0-9a-f-]+$/);
  const preview = await qa.get(href);
  assert.equal(preview.statusCode, 200);
  assert.equal(h1(preview.body), 'Check the staff file');
  assert.match(preview.body, /Nia Newcomer/);
  assert.match(preview.body, new RegExp(leaver.name));
  assert.match(preview.body, /Enter the person’s work email address/);
  assert.match(preview.body, /Confirm and apply the changes/);
  // nothing has changed yet
  const before = await t.db
    .selectFrom('staff')
    .select('active')
    .where('id', '=', leaver.id)
    .executeTakeFirstOrThrow();
  assert.equal(before.active, true);

  const confirmed = await qa.post(`${href}/confirm`, {}, href);
  assert.equal(confirmed.statusCode, 303);
  const result = await qa.get(href);
  assert.equal(h1(result.body), 'Staff file applied');
  assert.match(
    result.body,
    /href="\/audits\/[0-9a-f-]+\/allocation"/,
    'a link to re-allocate each open audit',
  );
  const after = await t.db
    .selectFrom('staff as s')
    .innerJoin('user_accounts as u', 'u.staff_id', 's.id')
    .select(['s.active', 'u.disabled'])
    .where('s.id', '=', leaver.id)
    .executeTakeFirstOrThrow();
  assert.deepEqual(after, { active: false, disabled: true });
  const nia = await t.db
    .selectFrom('staff')
    .select(['id', 'staff_number'])
    .where('email', '=', 'nia.newcomer@example.gov.uk')
    .executeTakeFirstOrThrow();
  assert.equal(nia.staff_number, 'N1');
  // from the app, a role that opens children's records waits for a QA lead
  const waiting = await t.db
    .selectFrom('role_grants')
    .select('role')
    .where('staff_id', '=', nia.id)
    .where('outcome', 'is', null)
    .execute();
  assert.deepEqual(waiting, [{ role: 'auditor' }]);

  const twice = await qa.post(`${href}/confirm`, {}, href);
  assert.equal(twice.statusCode, 409);
  assert.match(twice.body, /already been applied/);

  // the QA lead's home lists the leaver's open work
  const home = await qa.get('/');
  assert.match(home.body, /id="leavers-open-work"/);
  const list = await qa.get('/imports/staff');
  assert.match(list.body, new RegExp(leaver.name));
});

test('an administrator may upload and discard a staff file; nothing changes', async () => {
  const admin = new Agent(app);
  await admin.signInAs('administrator');
  const sent = await upload(admin, {
    name: 'staff.csv',
    content: [HEADER, 'Oli Other,oli.other@example.gov.uk,O1,Social Worker,A Team Nobody Knows,,,,'].join(
      '\n',
    ),
  });
  assert.equal(sent.statusCode, 303);
  const href = String(sent.headers.location);
  const preview = await admin.get(href);
  assert.match(preview.body, /A Team Nobody Knows/);
  const discarded = await admin.post(`${href}/discard`, {}, href);
  assert.equal(discarded.statusCode, 303);
  assert.equal(discarded.headers.location, '/imports/staff');
  const oli = await t.db
    .selectFrom('staff')
    .select('id')
    .where('email', '=', 'oli.other@example.gov.uk')
    .executeTakeFirst();
  assert.equal(oli, undefined);
  const refused = await admin.post(`${href}/confirm`, {}, href);
  assert.equal(refused.statusCode, 409);
  assert.match((await admin.get(href)).body, /Staff file discarded/);
});
