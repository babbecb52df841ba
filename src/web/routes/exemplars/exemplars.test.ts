import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type Agent, createTestApp, errorSummaryItems } from '../../../../test/helpers/app.ts';
import { type AuditFixture, buildAuditFixture, signedIn } from '../../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { NAMED, nameTheSubmittedAudit } from '../../../../test/helpers/exemplars.ts';

let t: TestDb;
let f: AuditFixture;
let app: FastifyInstance;

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db, 'exr');
  await nameTheSubmittedAudit(t.db, f);
  app = await createTestApp(t.db, { demo: false });
});
after(async () => {
  await app.close();
  await t.close();
});

const as = (who: keyof AuditFixture['people']): Promise<Agent> => signedIn(app, f.people[who]);
const rows = () => t.db.selectFrom('exemplars').selectAll().where('council_id', '=', f.councilId).execute();
const views = (recordId: string) =>
  t.db
    .selectFrom('access_log')
    .select(['record_type', 'child_id'])
    .where('record_id', '=', recordId)
    .where('record_type', '=', 'exemplar')
    .execute();

describe('exemplar routes', () => {
  let exemplarId = '';

  test('only the QA lead may mark an audit: everyone else 403, nothing written', async () => {
    for (const who of ['auditor', 'practitioner', 'manager', 'headOfService', 'scrutiny', 'admin'] as const) {
      const agent = await as(who);
      assert.equal((await agent.get(`/audits/${f.audits.submitted}/exemplar`)).statusCode, 403, who);
      const res = await agent.post(`/audits/${f.audits.submitted}/exemplar`, { note: 'Good' }, '/');
      assert.equal(res.statusCode, 403, who);
    }
    assert.equal((await rows()).length, 0);
  });

  test('the QA lead sees the link on the submitted audit, and a missing note is an error with what was typed kept', async () => {
    const qa = await as('qaLead');
    const audit = await qa.get(`/audits/${f.audits.submitted}`);
    assert.match(audit.body, /Mark as a good-practice exemplar/);
    const form = await qa.get(`/audits/${f.audits.submitted}/exemplar`);
    assert.equal(form.statusCode, 200);
    const bad = await qa.post(
      `/audits/${f.audits.submitted}/exemplar`,
      { note: '', otherNames: 'Dolores' },
      `/audits/${f.audits.submitted}/exemplar`,
    );
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(
      errorSummaryItems(bad.body).map((e) => e.href),
      ['#note'],
    );
    assert.match(bad.body, /value="Dolores"/);
    assert.equal((await rows()).length, 0);
    // an audit not yet submitted cannot be marked
    assert.equal((await qa.get(`/audits/${f.audits.allocated}/exemplar`)).statusCode, 403);
  });

  test('marked: in review, which no auditor can read; the review page shows what was replaced', async () => {
    const qa = await as('qaLead');
    const res = await qa.post(
      `/audits/${f.audits.submitted}/exemplar`,
      { note: 'Every section says what changed for the child.', otherNames: '' },
      `/audits/${f.audits.submitted}/exemplar`,
    );
    assert.equal(res.statusCode, 302);
    const [row] = await rows();
    assert.ok(row);
    exemplarId = row.id;
    assert.equal(res.headers.location, `/exemplars/${exemplarId}/review`);
    const review = await qa.get(`/exemplars/${exemplarId}/review`);
    assert.equal(review.statusCode, 200);
    assert.match(review.body, /<mark>Kai<span class="govuk-visually-hidden"> \(the child’s name\)/);
    assert.match(review.body, /\[address\]/);
    assert.deepEqual(await views(exemplarId), [{ record_type: 'exemplar', child_id: f.children.submitted }]);

    const auditor = await as('auditor');
    assert.equal((await auditor.get(`/exemplars/${exemplarId}`)).statusCode, 404);
    assert.doesNotMatch((await auditor.get('/exemplars')).body, new RegExp(exemplarId));
    // the auditor's own audit of the tool: no link while nothing is published
    assert.doesNotMatch(
      (await auditor.get(`/audits/${f.audits.allocated}`)).body,
      /Good-practice exemplars for this tool/,
    );
  });

  test('review and publish are the QA lead’s alone', async () => {
    for (const who of ['auditor', 'practitioner', 'scrutiny'] as const) {
      const agent = await as(who);
      assert.equal((await agent.get(`/exemplars/${exemplarId}/review`)).statusCode, 403, who);
      for (const action of ['review', 'publish', 'withdraw']) {
        const res = await agent.post(`/exemplars/${exemplarId}/${action}`, { note: 'x' }, '/');
        assert.equal(res.statusCode, 403, `${who} ${action}`);
      }
    }
    assert.equal((await rows())[0]?.status, 'in_review');
    assert.equal((await rows())[0]?.note, 'Every section says what changed for the child.');
  });

  test('publishing with the child’s name in the text is refused, what was typed kept; corrected, it publishes', async () => {
    const qa = await as('qaLead');
    const page = `/exemplars/${exemplarId}/review`;
    const review = await qa.get(page);
    const fields = Object.fromEntries(
      [...review.body.matchAll(/<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)<\/textarea>/g)].map((m) => [
        m[1] as string,
        (m[2] as string).replaceAll('&#39;', "'").replaceAll('&quot;', '"').replaceAll('&amp;', '&').trim(),
      ]),
    );
    const impactName = Object.keys(fields).find((k) => fields[k]?.includes(NAMED.missed)) as string;
    assert.ok(impactName, 'the nan’s name was not found by the redaction');
    const typed = { ...fields, [impactName]: 'Kai goes to football with his nan.' };
    const refused = await qa.post(`/exemplars/${exemplarId}/publish`, typed, page);
    assert.equal(refused.statusCode, 400);
    assert.deepEqual(
      errorSummaryItems(refused.body).map((e) => e.href),
      [`#${impactName}`],
    );
    assert.match(refused.body, /Kai goes to football with his nan\./);
    assert.equal((await rows())[0]?.status, 'in_review');

    const fixed = {
      ...fields,
      [impactName]: (fields[impactName] as string).replace(NAMED.missed, '[family member]'),
    };
    const ok = await qa.post(`/exemplars/${exemplarId}/publish`, fixed, page);
    assert.equal(ok.statusCode, 302);
    assert.equal((await rows())[0]?.status, 'published');
  });

  test('an auditor reads it from their audit’s page; the practitioner and scrutiny reader cannot list exemplars', async () => {
    const auditor = await as('auditor');
    const audit = await auditor.get(`/audits/${f.audits.allocated}`);
    assert.match(audit.body, /Good-practice exemplars for this tool \(1\)/);
    const list = await auditor.get(`/exemplars?tool=${f.tools.fourPoint}`);
    assert.equal(list.statusCode, 200);
    assert.match(list.body, new RegExp(`/exemplars/${exemplarId}`));
    const read = await auditor.get(`/exemplars/${exemplarId}`);
    assert.equal(read.statusCode, 200);
    assert.match(read.body, /Every section says what changed for the child\./);
    for (const secret of [
      NAMED.first,
      NAMED.last,
      NAMED.sibling,
      NAMED.missed,
      'Acacia',
      f.audits.submitted,
    ]) {
      assert.ok(!read.body.includes(secret), `${secret} is not on the auditor’s page`);
    }
    for (const who of ['practitioner', 'scrutiny', 'otherPractitioner'] as const) {
      const agent = await as(who);
      assert.equal((await agent.get('/exemplars')).statusCode, 403, who);
      assert.equal((await agent.get(`/exemplars/${exemplarId}`)).statusCode, 403, who);
    }
  });

  test('withdrawn: gone for auditors, listed for QA', async () => {
    const qa = await as('qaLead');
    const res = await qa.post(`/exemplars/${exemplarId}/withdraw`, {}, `/exemplars/${exemplarId}`);
    assert.equal(res.statusCode, 302);
    assert.equal((await rows())[0]?.status, 'withdrawn');
    assert.equal((await (await as('auditor')).get(`/exemplars/${exemplarId}`)).statusCode, 404);
    const list = await qa.get('/exemplars');
    assert.match(list.body, /Withdrawn \(1\)/);
  });
});
