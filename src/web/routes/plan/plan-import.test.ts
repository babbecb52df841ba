import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDbWithDemo } from '../../../../test/helpers/db.ts';
import { writeExamplePlan } from '../../../../test/helpers/improvement-plan-files.ts';
import { previewPlanImport } from '../../../services/improvement/plan-import.ts';

let t: TestDbWithDemo;
let app: FastifyInstance;
let dataDir: string;
let qa: Agent;
let councilId: string;
let planFile: Buffer;

before(async () => {
  t = await createTestDb({ demo: true });
  dataDir = mkdtempSync(join(tmpdir(), 'qaloop-plan-import-web-'));
  app = await createTestApp(t.db, { dataDir });
  qa = new Agent(app);
  await qa.signInAs('qa_lead');
  councilId = (
    await t.db.selectFrom('councils').select('id').where('is_demo', '=', true).executeTakeFirstOrThrow()
  ).id;
  const localities = await t.db
    .selectFrom('localities')
    .select('name')
    .where('council_id', '=', councilId)
    .orderBy('name')
    .execute();
  const path = join(dataDir, 'plan.docx');
  await writeExamplePlan(path, [...localities.map((l) => l.name).slice(0, 2), 'Eastfield']);
  planFile = readFileSync(path);
});
after(async () => {
  await app.close();
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A multipart/form-data body as a browser sends the upload form. */
function multipart(fields: Record<string, string>, file?: { name: string; content: Buffer | string }) {
  const boundary = `----qaloopTestBoundary${Math.random().toString(36).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields))
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
    );
    parts.push(Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content));
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function upload(agent: Agent, file: { name: string; content: Buffer | string }, csrf?: string) {
  const body = multipart({ _csrf: csrf ?? (await agent.csrf('/plan/import')) }, file);
  return agent.request({
    method: 'POST',
    url: '/plan/import',
    payload: body.payload,
    headers: { 'content-type': body.contentType },
  });
}

const count = async (table: 'plan_imports' | 'improvement_plans') =>
  Number(
    (
      await t.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('council_id', '=', councilId)
        .executeTakeFirstOrThrow()
    ).n,
  );

test('only the QA lead may import a plan; others are refused and signed-out visitors sent to sign in', async () => {
  const kept = await previewPlanImport(t.db, councilId, join(dataDir, 'plan.docx'), {
    fileName: 'plan.docx',
    uploadedBy: null,
  });
  const imports = await count('plan_imports');
  for (const role of [
    'senior_leader',
    'case_manager',
    'workforce_development',
    'auditor',
    'practitioner',
    'administrator',
    'scrutiny_reader',
  ]) {
    const other = new Agent(app);
    await other.signInAs(role);
    assert.equal((await other.get('/plan/import')).statusCode, 403, role);
    assert.equal((await other.get(`/plan/import/${kept.id}`)).statusCode, 403, role);
    assert.equal((await other.post(`/plan/import/${kept.id}/save`, {}, '/')).statusCode, 403, role);
    assert.equal((await other.post(`/plan/import/${kept.id}/discard`, {}, '/')).statusCode, 403, role);
    assert.equal(
      (await upload(other, { name: 'plan.docx', content: planFile }, await other.csrf('/'))).statusCode,
      403,
      role,
    );
  }
  const anonymous = new Agent(app);
  for (const url of ['/plan/import', `/plan/import/${kept.id}`]) {
    const res = await anonymous.get(url);
    assert.equal(res.statusCode, 302);
    assert.match(String(res.headers.location), /^\/sign-in/);
  }
  assert.equal(await count('plan_imports'), imports, 'nothing uploaded by those refused');
  const page = await qa.get(`/plan/import/${kept.id}`);
  assert.equal(page.statusCode, 200);
  assert.equal(h1(page.body), 'Check the improvement plan');
  assert.equal((await qa.get('/plan/import/00000000-0000-4000-8000-000000000000')).statusCode, 404);
});

test('without the form’s CSRF token an upload is refused and nothing is kept', async () => {
  const before = await count('plan_imports');
  const res = await upload(qa, { name: 'plan.docx', content: planFile }, 'forged');
  assert.equal(res.statusCode, 403);
  assert.equal(await count('plan_imports'), before);
});

test('a file that is not a plan is refused on the upload page with the reason', async () => {
  const before = await count('plan_imports');
  const res = await upload(qa, { name: 'notes.pdf', content: '%PDF-1.4 notes' });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(
    errorSummaryItems(res.body).map((e) => e.href),
    ['#file'],
  );
  assert.match(errorSummaryItems(res.body)[0].text, /notes\.pdf is a PDF/);
  const none = await upload(qa, { name: '', content: '' });
  assert.equal(none.statusCode, 400);
  assert.match(none.body, /Select the improvement plan/);
  assert.equal(await count('plan_imports'), before);
});

test('upload, read the preview, save: the plan is current and the preview cannot be saved twice', async () => {
  const sent = await upload(qa, { name: 'Improvement plan 2026.docx', content: planFile });
  assert.equal(sent.statusCode, 303);
  const href = String(sent.headers.location);
  assert.match(href, /^\/plan\/import\/[0-9a-f-]+$/);
  const page = await qa.get(href);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /2 Assessment teams/);
  assert.match(page.body, /Children are seen and seen alone/);
  assert.match(page.body, /Regular reflective supervision improves decision making/);
  // ratings in words, the problems with where and why
  assert.match(page.body, /<strong class="govuk-tag govuk-tag--red">\s*Red\s*<\/strong>/);
  assert.match(
    page.body,
    /Table 1, row 6:<\/strong> The outcome “A row someone forgot to number” has no reference/,
  );
  assert.match(page.body, /No locality of the council is called “Eastfield”/);
  assert.match(page.body, /Save this plan/);
  const before = await count('improvement_plans');
  const saved = await qa.post(`${href}/save`, {}, href);
  assert.equal(saved.statusCode, 303);
  assert.equal(saved.headers.location, '/plan');
  assert.equal(await count('improvement_plans'), before + 1);
  const current = await t.db
    .selectFrom('improvement_plans')
    .select(['title', 'source'])
    .where('council_id', '=', councilId)
    .where('status', '=', 'current')
    .executeTakeFirstOrThrow();
  assert.equal(current.title, 'Children’s Services Improvement Plan 2026 to 2027');
  assert.match(current.source, /Improvement plan 2026\.docx/);
  const after = await qa.get(href);
  assert.equal(h1(after.body), 'Improvement plan saved');
  assert.doesNotMatch(after.body, /Save this plan/);
  const again = await qa.post(`${href}/save`, {}, href);
  assert.equal(again.statusCode, 409);
  assert.match(again.body, /This plan has already been saved/);
  assert.equal(await count('improvement_plans'), before + 1);
});

test('a second plan warns that the current one will be archived; discarding changes nothing', async () => {
  const sent = await upload(qa, { name: 'plan.docx', content: planFile });
  const href = String(sent.headers.location);
  const page = await qa.get(href);
  assert.match(
    page.body,
    /Saving this plan archives the current plan, “Children’s Services Improvement Plan 2026 to 2027”/,
  );
  const before = await count('improvement_plans');
  const res = await qa.post(`${href}/discard`, {}, href);
  assert.equal(res.statusCode, 303);
  assert.equal(res.headers.location, '/plan/import');
  assert.equal(await count('improvement_plans'), before);
  const after = await qa.get(href);
  assert.equal(h1(after.body), 'Improvement plan discarded');
  assert.equal((await qa.post(`${href}/save`, {}, href)).statusCode, 409);
});
