import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { docxParts, wordText } from '../../../../test/helpers/audit-document.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { yesOfAnswered } from '../../../domain/answer-tally.ts';
import { cohortEstimate } from '../../../domain/statistics.ts';
import { sampleFindings } from '../../../metrics/findings.ts';

let t: TestDb;
let app: FastifyInstance;
let qa: Agent;
let themedId: string;
let dipIds: string[];
let councilId: string;

before(async () => {
  t = await createTestDb({ demo: true });
  app = await createTestApp(t.db);
  qa = new Agent(app);
  await qa.signInAs('qa_lead');
  const themed = await t.db
    .selectFrom('samples')
    .select(['id', 'council_id'])
    .where('kind', '=', 'themed')
    .executeTakeFirstOrThrow();
  themedId = themed.id;
  councilId = themed.council_id;
  // the demo's monthly dip samples of children in need, each month's with its own tool
  dipIds = (
    await t.db
      .selectFrom('samples')
      .select('id')
      .where('kind', '=', 'dip_sample')
      .where('footprint', 'is', null)
      .where('cohort_name', '=', 'Children in need')
      .orderBy('drawn_at')
      .execute()
  ).map((r) => r.id);
});
after(async () => {
  await app.close();
  await t.close();
});

/** A file download, its bytes as they are (Agent keeps text). */
async function download(agent: Agent, url: string) {
  const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return app.inject({ method: 'GET', url, headers: { cookie } });
}

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[#\w]+;/g, (e) => ({ '&amp;': '&', '&#39;': "'", '&quot;': '"' })[e] ?? e)
    .replace(/\s+/g, ' ');

describe('the demo council’s themed audit, from its question to its findings', () => {
  test('is listed under Findings with its question, cohort, sample and returns', async () => {
    const page = await qa.get('/findings');
    assert.equal(page.statusCode, 200);
    assert.equal(h1(page.body), 'Findings');
    assert.match(page.body, /class="govuk-service-navigation__link" href="\/findings"|href="\/findings"/);
    assert.match(text(page.body), /Why do children open to social care have no current plan\?/);
    assert.match(page.body, new RegExp(`href="/findings/${themedId}"`));
  });

  test('gives every yes or no question’s share for the whole cohort, with the finite-population correction', async () => {
    const figures = await sampleFindings(t.db, councilId, themedId);
    assert.ok(figures);
    assert.ok(figures.returns.returned >= 20, `${figures.returns.returned} returned`);
    const visits = figures.questions.find((q) => q.questionKey === 'visits');
    assert.ok(visits);
    const { count, total } = yesOfAnswered(visits);
    const estimate = cohortEstimate(count, total, figures.sample.cohortSize);
    assert.ok(estimate.ci95 && estimate.rate !== null);

    const page = await qa.get(`/findings/${themedId}`);
    assert.equal(page.statusCode, 200);
    const words = text(page.body);
    const pct = (x: number) => `${Math.round(x * 100)}%`;
    assert.match(
      words,
      new RegExp(
        `Is the child receiving regular visits\\?: yes for an estimated ${pct(estimate.rate)} of the ${figures.sample.cohortSize.toLocaleString('en-GB')} children \\(95% interval ${pct(estimate.ci95[0])} to ${pct(estimate.ci95[1])}; ${count} of ${total} audits\\)`,
      ),
    );
    assert.match(
      words,
      new RegExp(
        `Cohort: ${figures.sample.cohortSize.toLocaleString('en-GB')} children in “Open with no current plan”`,
      ),
    );
    assert.match(words, /drawn at random on .* with seed 20261123/);
    assert.match(words, /Why is there no current plan\?/);
    assert.match(words, /Weeks since the assessment was completed/);
    assert.match(words, /Team managers will review every case open with no plan/);
    // what a practitioner wrote is counted, never quoted
    assert.doesNotMatch(words, /The record shows this clearly/);
    // the outcome of the improvement plan that cites it
    assert.match(page.body, /id="evidence"/);
    assert.match(words, /These outcomes cite the findings as evidence/);
  });

  test('downloads as a Word document, an Excel workbook, a web page and CSV', async () => {
    const word = await download(qa, `/findings/${themedId}/findings.docx`);
    assert.equal(word.statusCode, 200);
    assert.match(String(word.headers['content-disposition']), /attachment; filename="findings-.*\.docx"/);
    const body = wordText((await docxParts(word.rawPayload)).get('word/document.xml') ?? '');
    assert.match(body, /Why do children open to social care have no current plan\?/);
    assert.match(body, /estimated for the/);
    const xlsx = await download(qa, `/findings/${themedId}/findings.xlsx`);
    assert.equal(xlsx.statusCode, 200);
    assert.equal(xlsx.rawPayload.subarray(0, 2).toString(), 'PK');
    const html = await download(qa, `/findings/${themedId}/findings.html`);
    assert.match(html.body, /<title>Findings: Why do children/);
    const csv = await download(qa, `/findings/${themedId}/findings.csv`);
    assert.match(csv.body, /Is the child receiving regular visits\?/);
  });

  test('a scrutiny reader gets only the version for publication, whatever they ask for', async () => {
    const reader = new Agent(app);
    await reader.signInAs('scrutiny_reader');
    const page = await reader.get(`/findings/${themedId}`);
    assert.equal(page.statusCode, 200);
    assert.match(text(page.body), /For publication/);
    assert.match(text(page.body), /This is the version prepared for publication/);
    // the headline is never hidden: the cohort, the sample and the returns
    assert.match(text(page.body), /children in the cohort; 30 children sampled; \d+ audits returned/);
    assert.doesNotMatch(page.body, /href="\/findings\/[^"]+\/edit"/);
    assert.doesNotMatch(page.body, /id="evidence"/);
    const word = await download(reader, `/findings/${themedId}/findings.docx`);
    assert.match(String(word.headers['content-disposition']), /for-publication\.docx/);
    assert.equal((await reader.get(`/findings/${themedId}/edit`)).statusCode, 403);
  });
});

describe('findings feed the loop', () => {
  test('the practice themes report counts the themes findings reports are about', async () => {
    const page = await qa.get('/reports?name=themes&from=2026-04&to=2026-11');
    assert.equal(page.statusCode, 200);
    const words = text(page.body);
    assert.match(words, /The practice themes of findings reports/);
    assert.match(words, /Drift and delay 1|Management oversight 1/);
    // for publication, a count of 1 to 4 is "fewer than 5", as every count is
    const published = text((await qa.get('/reports?name=themes&from=2026-04&to=2026-11&public=1')).body);
    assert.match(published, /The practice themes of findings reports/);
    assert.match(published, /Drift and delay fewer than 5/);
  });

  test('the learning and closing-the-loop pages list the themes of findings reports, to plan learning against', async () => {
    const wfd = new Agent(app);
    await wfd.signInAs('workforce_development');
    for (const path of ['/learning', '/closing-the-loop']) {
      const page = await wfd.get(path);
      assert.equal(page.statusCode, 200, path);
      const words = text(page.body);
      assert.match(words, /Practice themes of findings reports, the last 12 months/, path);
      assert.match(words, /Drift and delay 1 (Yes|None recorded)/, path);
    }
  });

  test('an outcome of the improvement plan lists the findings it cites, linked', async () => {
    const cited = await t.db
      .selectFrom('plan_outcome_findings as l')
      .innerJoin('findings_reports as f', 'f.id', 'l.findings_id')
      .select(['l.outcome_id', 'f.sample_id'])
      .where('f.sample_id', '=', themedId)
      .executeTakeFirstOrThrow();
    const page = await qa.get(`/plan/outcomes/${cited.outcome_id}`);
    assert.equal(page.statusCode, 200);
    assert.match(
      text(page.body),
      /Findings cited as evidence Why do children open to social care have no current plan\?/,
    );
    assert.match(page.body, new RegExp(`href="/findings/${themedId}"`));
    // a case manager reads the plan, not the findings: the question, without a link they could not follow
    const manager = new Agent(app);
    await manager.signInAs('case_manager');
    const theirs = await manager.get(`/plan/outcomes/${cited.outcome_id}`);
    assert.equal(theirs.statusCode, 200);
    assert.match(text(theirs.body), /Why do children open to social care have no current plan\?/);
    assert.doesNotMatch(theirs.body, new RegExp(`href="/findings/${themedId}"`));
  });
});

describe('who may read and write findings', () => {
  for (const role of ['practitioner', 'auditor', 'case_manager', 'administrator', 'partner_contributor']) {
    test(`${role}: refused the findings and their files`, async () => {
      const agent = new Agent(app);
      await agent.signInAs(role);
      assert.equal((await agent.get('/findings')).statusCode, 403);
      assert.equal((await agent.get(`/findings/${themedId}`)).statusCode, 403);
      assert.equal((await download(agent, `/findings/${themedId}/findings.docx`)).statusCode, 403);
    });
  }

  test('a senior leader reads them in full but cannot write them or cite them', async () => {
    const senior = new Agent(app);
    await senior.signInAs('senior_leader');
    const page = await senior.get(`/findings/${themedId}`);
    assert.equal(page.statusCode, 200);
    assert.match(text(page.body), /This is the full version/);
    assert.equal((await senior.get(`/findings/${themedId}/edit`)).statusCode, 403);
    const posted = await senior.post(
      `/findings/${themedId}/edit`,
      { question: 'Changed by a senior leader' },
      `/findings/${themedId}`,
    );
    assert.equal(posted.statusCode, 403);
  });

  test('a sample of no findings kind, or of no council here, is not found', async () => {
    const full = await t.db
      .selectFrom('samples')
      .select('id')
      .where('kind', '=', 'full_audit')
      .executeTakeFirstOrThrow();
    assert.equal((await qa.get(`/findings/${full.id}`)).statusCode, 404);
    // a recurring review's round is reported by its schedule, not as findings of its own
    const round = await t.db
      .selectFrom('samples')
      .select('id')
      .where('review_schedule_id', 'is not', null)
      .executeTakeFirstOrThrow();
    assert.equal((await qa.get(`/findings/${round.id}`)).statusCode, 404);
    assert.doesNotMatch((await qa.get('/findings')).body, new RegExp(`/findings/${round.id}`));
    assert.equal((await qa.get('/findings/7f1c1d5e-8a0e-4a55-9d8e-2f0b7d9c6a11')).statusCode, 404);
    assert.equal((await qa.get('/findings/7f1c1d5e-8a0e-4a55-9d8e-2f0b7d9c6a11/edit')).statusCode, 404);
  });
});

describe('writing the findings', () => {
  const saved = () =>
    t.db
      .selectFrom('findings_reports')
      .select(['question', 'summary', 'compare_with_sample_id'])
      .where('sample_id', '=', dipIds.at(-1) as string)
      .executeTakeFirst();

  test('a question too long is refused with the error summary, keeps what was typed and saves nothing', async () => {
    const sampleId = dipIds.at(-1) as string;
    const before = await saved();
    const res = await qa.post(
      `/findings/${sampleId}/edit`,
      { question: 'Why? '.repeat(120), summary: 'Kept as typed', learning: '' },
      `/findings/${sampleId}/edit`,
    );
    assert.equal(res.statusCode, 400);
    assert.deepEqual(errorSummaryItems(res.body), [
      { href: '#question', text: 'The question must be 500 characters or fewer' },
    ]);
    assert.match(res.body, /Kept as typed/);
    assert.deepEqual(await saved(), before);
  });

  test('without the form’s CSRF token nothing is saved', async () => {
    const sampleId = dipIds.at(-1) as string;
    const res = await qa.post(`/findings/${sampleId}/edit`, { _csrf: 'forged', question: 'Forged' });
    assert.equal(res.statusCode, 403);
    assert.notEqual((await saved())?.question, 'Forged');
  });

  test('a round compared with an earlier one of the same cohort sets the two side by side', async () => {
    assert.ok(dipIds.length >= 2, 'the demo draws a dip sample most months');
    const [first, last] = [dipIds[0], dipIds.at(-1) as string];
    const form = await qa.get(`/findings/${last}/edit`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, new RegExp(`value="${first}"`));
    assert.match(form.body, /the same cohort with another tool/);
    const res = await qa.post(
      `/findings/${last}/edit`,
      {
        question: 'Is management oversight recorded every month?',
        summary: 'First paragraph.\n\nSecond paragraph.',
        learning: 'Managers will record oversight monthly.',
        compareWith: first,
      },
      `/findings/${last}/edit`,
    );
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, `/findings/${last}`);
    assert.equal((await saved())?.compare_with_sample_id, first);
    const page = await qa.get(`/findings/${last}`);
    const words = text(page.body);
    assert.match(words, /Compared with \w+ 2026/);
    assert.match(
      words,
      /The cohort: [\d,]+ children? in \w+ 2026 \(extract of [^)]+\); [\d,]+ children? now/,
    );
    // the demo's dip samples change their tool each month: no question of this one was asked then
    assert.match(words, /The two rounds used different tools/);
    assert.match(words, /Not asked in the earlier round/);
    assert.match(words, /First paragraph\. Second paragraph\./);
  });

  test('a round that is not an earlier one of the same tool or cohort cannot be chosen to compare', async () => {
    const last = dipIds.at(-1) as string;
    const res = await qa.post(
      `/findings/${last}/edit`,
      { question: 'Changed', compareWith: themedId },
      `/findings/${last}/edit`,
    );
    assert.equal(res.statusCode, 400);
    assert.equal(
      errorSummaryItems(res.body)[0]?.text,
      'Choose an earlier round of the same tool or cohort from the list, or none',
    );
    assert.notEqual((await saved())?.question, 'Changed');
  });

  test('an outcome of the improvement plan cites the findings, and stops citing them', async () => {
    const last = dipIds.at(-1) as string;
    const outcome = await t.db
      .selectFrom('plan_outcomes')
      .select(['id', 'ref'])
      .orderBy('position')
      .executeTakeFirstOrThrow();
    const cited = await qa.post(
      `/findings/${last}/outcomes`,
      { outcome: outcome.id, action: 'cite' },
      `/findings/${last}`,
    );
    assert.equal(cited.statusCode, 302);
    const links = () =>
      t.db
        .selectFrom('plan_outcome_findings as l')
        .innerJoin('findings_reports as f', 'f.id', 'l.findings_id')
        .select('l.outcome_id')
        .where('f.sample_id', '=', last)
        .execute();
    assert.deepEqual(
      (await links()).map((l) => l.outcome_id),
      [outcome.id],
    );
    const page = await qa.get(`/findings/${last}`);
    assert.match(page.body, new RegExp(`href="/plan/outcomes/${outcome.id}"`));
    await qa.post(
      `/findings/${last}/outcomes`,
      { outcome: outcome.id, action: 'uncite' },
      `/findings/${last}`,
    );
    assert.deepEqual(await links(), []);
    const refused = await qa.post(
      `/findings/${last}/outcomes`,
      { outcome: 'not-an-id' },
      `/findings/${last}`,
    );
    assert.equal(refused.statusCode, 302);
    assert.deepEqual(await links(), []);
  });
});
