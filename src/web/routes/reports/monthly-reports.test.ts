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

/** The body of a download as text: Word's document text, or the page. */
async function download(agent: Agent, url: string) {
  const res = await app.inject({
    method: 'GET',
    url,
    headers: { accept: 'text/html', cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  const text =
    res.statusCode === 200 && url.includes('.docx')
      ? wordText((await docxParts(res.rawPayload)).get('word/document.xml') as string)
      : res.body;
  return { status: res.statusCode, disposition: String(res.headers['content-disposition'] ?? ''), text };
}

test('a scrutiny reader downloads the monthly and annual reports prepared for publication, in Word and HTML, and never the full ones', async () => {
  const reader = new Agent(app);
  await reader.signInAs('scrutiny_reader');
  // a team named as its service area is (the demo's Children with Disabilities) is named as the area
  const areas = new Set((await t.db.selectFrom('service_areas').select('name').execute()).map((x) => x.name));
  const teams = (await t.db.selectFrom('teams').select('name').execute())
    .map((x) => x.name)
    .filter((name) => !areas.has(name));
  const workers = (
    await t.db
      .selectFrom('audits as a')
      .innerJoin('staff as s', 's.id', 'a.practitioner_id')
      .innerJoin('programme_months as pm', 'pm.id', 'a.month_id')
      .select('s.name')
      .where('pm.month', '=', '2026-11-01')
      .where('a.status', '=', 'submitted')
      .execute()
  ).map((x) => x.name);
  for (const report of [`monthly/${monthId}`, `annual/${yearId}`]) {
    const word = await download(reader, `/reports/${report}/for-publication.docx`);
    assert.equal(word.status, 200, report);
    assert.match(
      word.disposition,
      /^attachment; filename="(monthly|annual)-qa-report-[0-9-to]+-public\.docx"/,
    );
    assert.match(word.text, /For publication/);
    const page = await download(reader, `/reports/${report}/for-publication.html`);
    assert.equal(page.status, 200, report);
    assert.match(page.text, /<strong>For publication<\/strong>/);
    for (const name of [...teams, ...workers]) {
      assert.ok(!word.text.includes(name), `${report}: ${name} is not named`);
      assert.ok(!page.text.includes(name), `${report}: ${name} is not named`);
    }
    // the full versions name teams and workers: refused, however asked for
    for (const url of [
      `${report}.docx`,
      `${report}.html`,
      `${report}.docx?public=1`,
      `${report}.html?public=1`,
    ]) {
      const full = await download(reader, `/reports/${url}`);
      assert.equal(full.status, 403, url);
      assert.match(full.text, /You cannot do this/);
    }
  }
  // the monthly report's figures are the month's, and what the QA lead wrote comes first
  const monthly = await download(reader, `/reports/monthly/${monthId}/for-publication.docx`);
  assert.match(monthly.text, /Monthly quality assurance report, November 2026/);
  assert.match(monthly.text, /Visits are regular and purposeful\./);
  // the notes page stays the QA lead's
  assert.equal((await reader.get(`/reports/monthly/${monthId}`)).statusCode, 403);
});

test('others without the monthly and annual reports are refused the versions for publication too', async () => {
  for (const role of ['practitioner', 'auditor', 'case_manager', 'workforce_development']) {
    const agent = new Agent(app);
    await agent.signInAs(role);
    for (const url of [`monthly/${monthId}/for-publication.html`, `annual/${yearId}/for-publication.docx`])
      assert.equal((await download(agent, `/reports/${url}`)).status, 403, `${role}: ${url}`);
  }
});

test('the Reports page offers a scrutiny reader the versions for publication, and the QA lead both', async () => {
  const reader = new Agent(app);
  await reader.signInAs('scrutiny_reader');
  const page = (await reader.get('/reports')).body;
  for (const href of [
    `/reports/monthly/${monthId}/for-publication.docx`,
    `/reports/monthly/${monthId}/for-publication.html`,
    `/reports/annual/${yearId}/for-publication.docx`,
    `/reports/annual/${yearId}/for-publication.html`,
  ])
    assert.ok(page.includes(`href="${href}"`), href);
  assert.match(page, /Monthly QA report, November 2026/);
  assert.ok(!page.includes(`href="/reports/monthly/${monthId}"`), 'not the notes page');
  assert.ok(!page.includes(`href="/reports/annual/${yearId}.docx"`), 'not the full annual report');
  assert.ok(!page.includes(`href="/reports/annual/${yearId}.html"`), 'not the full annual report');
  const lead = new Agent(app);
  await lead.signInAs('qa_lead');
  const full = (await lead.get('/reports')).body;
  for (const href of [
    `/reports/monthly/${monthId}`,
    `/reports/monthly/${monthId}/for-publication.docx`,
    `/reports/annual/${yearId}.docx`,
    `/reports/annual/${yearId}.html`,
    `/reports/annual/${yearId}/for-publication.docx`,
    `/reports/annual/${yearId}/for-publication.html`,
  ])
    assert.ok(full.includes(`href="${href}"`), href);
});

test('the QA lead downloads the monthly report prepared for publication too', async () => {
  for (const url of [
    `/reports/monthly/${monthId}/for-publication.docx`,
    `/reports/monthly/${monthId}.docx?public=1`,
  ]) {
    const word = await download(lead, url);
    assert.equal(word.status, 200);
    assert.match(word.disposition, /monthly-qa-report-2026-11-public\.docx/);
    assert.match(word.text, /For publication/);
  }
  const page = (await lead.get(`/reports/monthly/${monthId}`)).body;
  assert.ok(page.includes(`href="/reports/monthly/${monthId}/for-publication.docx"`));
});
