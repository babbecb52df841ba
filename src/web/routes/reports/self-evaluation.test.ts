import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { docxParts, wordText } from '../../../../test/helpers/audit-document.ts';
import { createTestDb, type TestDbWithDemo } from '../../../../test/helpers/db.ts';

let t: TestDbWithDemo;
let app: FastifyInstance;
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

before(async () => {
  t = await createTestDb({ demo: true });
  app = await createTestApp(t.db);
});

after(async () => {
  await app.close();
  await t.close();
});

test('the QA lead opens the self-evaluation page, for the 12 months to this month, and downloads the pack', async () => {
  const qa = await as('qa_lead');
  const page = await qa.get('/reports/self-evaluation');
  assert.equal(page.statusCode, 200);
  assert.equal(h1(page.body), 'Self-evaluation pack');
  assert.match(page.body, /name="from"[^>]*value="2025-12"/);
  assert.match(page.body, /name="to"[^>]*value="2026-11"/);
  const link = page.body.match(/href="([^"]*pack\.docx[^"]*)"/)?.[1]?.replaceAll('&amp;', '&');
  assert.ok(link, 'a link to download the pack as Word');
  assert.match(page.body, /Download as Word/);

  const file = await app.inject({ method: 'GET', url: link, headers: { cookie: cookieOf(qa) } });
  assert.equal(file.statusCode, 200);
  assert.match(String(file.headers['content-type']), /wordprocessingml/);
  assert.match(String(file.headers['content-disposition']), /self-evaluation-2025-12-to-2026-11\.docx/);
  const text = wordText((await docxParts(file.rawPayload)).get('word/document.xml') as string);
  assert.match(text, /Self-evaluation of the quality and impact of social work practice/);
  assert.match(text, /December 2025 to November 2026/);

  // the reports page lists it for the QA lead
  const reports = await qa.get('/reports');
  assert.match(reports.body, /href="\/reports\/self-evaluation"/);
});

test('months that cannot be used are said on the page, and the pack is not made', async () => {
  const qa = await as('qa_lead');
  const page = await qa.get('/reports/self-evaluation?from=2026-13&to=2026-11');
  assert.equal(page.statusCode, 400);
  assert.deepEqual(
    errorSummaryItems(page.body).map((e) => e.href),
    ['#from'],
  );
  assert.match(page.body, /value="2026-13"/, 'what was typed is kept');
  assert.doesNotMatch(page.body, /Download as Word/);
  const backwards = await qa.get('/reports/self-evaluation?from=2026-11&to=2026-01');
  assert.equal(backwards.statusCode, 400);
  const file = await qa.get('/reports/self-evaluation/pack.docx?from=2026-11&to=2026-01');
  assert.equal(file.statusCode, 400);
});

test('only the QA lead may open the page or the pack', async () => {
  for (const role of [
    'senior_leader',
    'workforce_development',
    'scrutiny_reader',
    'administrator',
    'practitioner',
  ]) {
    const agent = await as(role);
    for (const url of ['/reports/self-evaluation', '/reports/self-evaluation/pack.docx']) {
      const res = await agent.get(url);
      assert.equal(res.statusCode, 403, `${role} ${url}`);
    }
    const reports = await agent.get('/reports');
    assert.doesNotMatch(reports.body, /href="\/reports\/self-evaluation"/, role);
  }
  const signedOut = await new Agent(app).get('/reports/self-evaluation');
  assert.equal(signedOut.statusCode, 302);
  assert.match(String(signedOut.headers.location), /^\/sign-in/);
});

test('the Actions page shows QA and senior leaders actions completed on time by grade of audit, and no one else', async () => {
  for (const role of ['qa_lead', 'senior_leader']) {
    const page = await (await as(role)).get('/actions');
    assert.equal(page.statusCode, 200, `${role}: ${page.body.slice(0, 3000)}`);
    assert.match(page.body, /Actions completed on time, by grade of audit/, role);
    const table = page.body.match(/<table[^>]*id="actions-on-time-table"[\s\S]*?<\/table>/)?.[0] ?? '';
    for (const group of ['Good or better', 'Requires improvement', 'Inadequate', 'All actions'])
      assert.ok(table.includes(group), `${role}: ${group}`);
    assert.match(table, /95% CI/, `${role}: the share carries its interval`);
  }
  const practitioner = await (await as('practitioner')).get('/actions');
  assert.equal(practitioner.statusCode, 200);
  assert.doesNotMatch(practitioner.body, /Actions completed on time, by grade of audit/);
});

function cookieOf(agent: Agent): string {
  return [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}
