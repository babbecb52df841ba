import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp } from '../../../../test/helpers/app.ts';
import { docxParts, wordText } from '../../../../test/helpers/audit-document.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';

let t: TestDb;
let app: FastifyInstance;
let lead: Agent;
let monthId: string;
let yearId: string;

before(async () => {
  t = await createTestDb({ demo: true });
  app = await createTestApp(t.db);
  lead = new Agent(app);
  await lead.signInAs('qa_lead');
  monthId = (
    await t.db
      .selectFrom('programme_months')
      .select('id')
      .where('month', '=', '2026-11-01')
      .executeTakeFirstOrThrow()
  ).id;
  yearId = (await t.db.selectFrom('programme_years').select('id').executeTakeFirstOrThrow()).id;
});
after(async () => {
  await app.close();
  await t.close();
});

test('the QA lead writes the strengths and areas for development, kept on reload', async () => {
  const url = `/reports/monthly/${monthId}`;
  const page = await lead.get(url);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /Monthly QA report, November 2026/);
  assert.match(page.body, /name="revision" value="0"/);
  const res = await lead.post(
    url,
    {
      strengths: 'Visits are regular and purposeful.',
      areasForDevelopment: 'Supervision notes are thin.',
      revision: '0',
    },
    url,
  );
  assert.equal(res.statusCode, 302);
  const again = await lead.get(url);
  assert.match(again.body, /Visits are regular and purposeful\./);
  assert.match(again.body, /Supervision notes are thin\./);
  assert.match(again.body, /name="revision" value="1"/);
});

test('a save typed on an older revision gets a 409 that keeps what was typed and shows what is saved', async () => {
  const url = `/reports/monthly/${monthId}`;
  const res = await lead.post(
    url,
    { strengths: 'Typed on the old page.', areasForDevelopment: 'Also typed.', revision: '0' },
    url,
  );
  assert.equal(res.statusCode, 409);
  assert.match(res.body, /Typed on the old page\./);
  assert.match(res.body, /Visits are regular and purposeful\./);
  assert.match(res.body, /after you opened it/);
  assert.match(res.body, /name="revision" value="1"/);
  const page = await lead.get(url);
  assert.doesNotMatch(page.body, /Typed on the old page/);
});

test('practitioners, auditors and scrutiny readers cannot open or save it', async () => {
  for (const role of ['practitioner', 'auditor', 'scrutiny_reader']) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    assert.equal((await agent.get(`/reports/monthly/${monthId}`)).statusCode, 403, role);
    assert.equal((await agent.get(`/reports/monthly/${monthId}.docx`)).statusCode, 403, role);
    assert.equal((await agent.get(`/reports/annual/${yearId}.docx`)).statusCode, 403, role);
    const post = await agent.post(
      `/reports/monthly/${monthId}`,
      { strengths: 'Intruder', areasForDevelopment: '', revision: '1' },
      '/',
    );
    assert.equal(post.statusCode, 403, role);
  }
  const saved = await t.db.selectFrom('cycle_report_notes').select('strengths').executeTakeFirstOrThrow();
  assert.doesNotMatch(saved.strengths, /Intruder/);
});

test('the monthly report downloads as Word with what the QA lead wrote, and as HTML', async () => {
  const res = await lead.request({ method: 'GET', url: `/reports/monthly/${monthId}.docx` });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /wordprocessingml/);
  assert.match(
    String(res.headers['content-disposition']),
    /^attachment; filename="monthly-qa-report-2026-11\.docx"/,
  );
  assert.equal(res.headers['cache-control'], 'no-store');
  const raw = await app.inject({
    method: 'GET',
    url: `/reports/monthly/${monthId}.docx`,
    headers: { cookie: [...lead.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  const text = wordText((await docxParts(raw.rawPayload)).get('word/document.xml') as string);
  assert.match(text, /Visits are regular and purposeful\./);
  const html = await lead.get(`/reports/monthly/${monthId}.html`);
  assert.equal(html.statusCode, 200);
  assert.match(html.body, /Monthly quality assurance report, November 2026/);
});

test('the annual report downloads in full and for publication', async () => {
  const res = await app.inject({
    method: 'GET',
    url: `/reports/annual/${yearId}.docx?public=1`,
    headers: { cookie: [...lead.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  assert.equal(res.statusCode, 200);
  assert.match(
    String(res.headers['content-disposition']),
    /annual-qa-report-2026-04-to-2027-03-public\.docx/,
  );
  const text = wordText((await docxParts(res.rawPayload)).get('word/document.xml') as string);
  assert.match(text, /For publication/);
  assert.match(text, /2025–26/);
});
