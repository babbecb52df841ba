import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { type AuditFixture, buildAuditFixture, signedIn, userOf } from '../../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { saveDraftPart } from '../../../services/audits/audits.ts';

let t: TestDb;
let f: AuditFixture;
let app: FastifyInstance;

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db, 'writeweb');
  app = await createTestApp(t.db, { demo: false });
});
after(async () => {
  await app.close();
  await t.close();
});

const terms = () => t.db.selectFrom('language_terms').select(['id', 'phrase', 'suggestion']).execute();
const off = () => t.db.selectFrom('writing_rules_off').select('rule_key').execute();

test('the QA lead sees the guide’s words, the rules and the council’s words, and changes them', async () => {
  const qa = await signedIn(app, f.people.qaLead);
  const page = await qa.get('/settings/writing');
  assert.equal(page.statusCode, 200);
  assert.equal(h1(page.body), 'Writing suggestions');
  assert.match(page.body, /failed to engage/);
  assert.match(page.body, /family time/);
  assert.match(page.body, /Impact statements/);
  assert.match(page.body, /retext-equality/);

  // a mistake: the form is shown again with what was typed and an error summary
  const bad = await qa.post(
    '/settings/writing/terms',
    { phrase: '', suggestion: 'brothers and sisters', why: '' },
    '/settings/writing',
  );
  assert.equal(bad.statusCode, 400);
  assert.equal(errorSummaryItems(bad.body)[0].text, 'Enter the word or phrase to point out');
  assert.match(bad.body, /value="brothers and sisters"/);
  assert.equal((await terms()).length, 0);

  const added = await qa.post(
    '/settings/writing/terms',
    { phrase: 'sibling set', suggestion: 'brothers and sisters', why: 'Our children in care council asked' },
    '/settings/writing',
  );
  assert.equal(added.statusCode, 302);
  const [term] = await terms();
  assert.equal(term.phrase, 'sibling set');

  const edit = await qa.get(`/settings/writing/terms/${term.id}`);
  assert.equal(edit.statusCode, 200);
  const changed = await qa.post(
    `/settings/writing/terms/${term.id}`,
    { phrase: 'sibling set', suggestion: 'their brothers and sisters', why: '' },
    `/settings/writing/terms/${term.id}`,
  );
  assert.equal(changed.statusCode, 302);
  assert.equal((await terms())[0].suggestion, 'their brothers and sisters');

  const switched = await qa.post(
    '/settings/writing/rules',
    { ruleKey: 'respite', on: 'no' },
    '/settings/writing',
  );
  assert.equal(switched.statusCode, 302);
  assert.deepEqual(
    (await off()).map((r) => r.rule_key),
    ['respite'],
  );
  const back = await qa.post(
    '/settings/writing/rules',
    { ruleKey: 'respite', on: 'yes' },
    '/settings/writing',
  );
  assert.equal(back.statusCode, 302);
  assert.deepEqual(await off(), []);

  const removed = await qa.post(`/settings/writing/terms/${term.id}/delete`, {}, '/settings/writing');
  assert.equal(removed.statusCode, 302);
  assert.deepEqual(await terms(), []);
  assert.equal((await qa.get(`/settings/writing/terms/${term.id}`)).statusCode, 404);
});

test('nobody but the QA lead may see or change the writing settings; nothing is written', async () => {
  const qa = await signedIn(app, f.people.qaLead);
  await qa.post(
    '/settings/writing/terms',
    { phrase: 'S47', suggestion: 'child protection enquiry', why: '' },
    '/settings/writing',
  );
  const [term] = await terms();
  for (const person of [
    f.people.auditor,
    f.people.practitioner,
    f.people.headOfService,
    f.people.admin,
    f.people.scrutiny,
  ]) {
    const agent = await signedIn(app, person);
    assert.equal((await agent.get('/settings/writing')).statusCode, 403, person.email);
    assert.equal((await agent.get(`/settings/writing/terms/${term.id}`)).statusCode, 403, person.email);
    const csrf = await agent.csrf('/');
    for (const [url, body] of [
      ['/settings/writing/terms', { phrase: 'x', suggestion: 'y', why: '' }],
      [`/settings/writing/terms/${term.id}`, { phrase: 'x', suggestion: 'y', why: '' }],
      [`/settings/writing/terms/${term.id}/delete`, {}],
      ['/settings/writing/rules', { ruleKey: 'case', on: 'no' }],
    ] as const) {
      const res = await agent.post(url, { _csrf: csrf, ...body });
      assert.equal(res.statusCode, 403, `${person.email} ${url}`);
    }
  }
  assert.deepEqual(
    (await terms()).map((x) => x.phrase),
    ['S47'],
  );
  assert.deepEqual(await off(), []);
});

test('only the audit’s auditor gets suggestions as they type, in JSON', async () => {
  const auditor = await signedIn(app, f.people.auditor);
  const csrf = await auditor.csrf(`/audits/${f.audits.allocated}/parts/assessment`);
  const res = await auditor.post(`/audits/${f.audits.allocated}/writing-suggestions`, {
    _csrf: csrf,
    text: 'Mum failed to engage and supervised contact was cancelled.',
  });
  assert.equal(res.statusCode, 200);
  const json = JSON.parse(res.body) as { suggestions: { found: string; suggestion: string; why: string }[] };
  assert.deepEqual(
    json.suggestions.map((s) => s.found),
    ['failed to engage', 'supervised contact'],
  );
  assert.match(json.suggestions[1].suggestion, /family time/);

  // another council's or no audit: not found; another's audit: refused
  const missing = await auditor.post('/audits/00000000-0000-4000-8000-000000000000/writing-suggestions', {
    _csrf: csrf,
    text: 'x',
  });
  assert.equal(missing.statusCode, 404);
  for (const person of [f.people.qaLead, f.people.practitioner, f.people.manager, f.people.otherManager]) {
    const agent = await signedIn(app, person);
    const token = await agent.csrf('/');
    const refused = await agent.post(`/audits/${f.audits.allocated}/writing-suggestions`, {
      _csrf: token,
      text: 'failed to engage',
    });
    assert.ok([403, 404].includes(refused.statusCode), `${person.email}: ${refused.statusCode}`);
    assert.doesNotMatch(refused.body, /family time|engage/);
  }
});

test('the check page shows the writing suggestions without JavaScript', async () => {
  const auditor = await signedIn(app, f.people.auditor);
  const user = await userOf(t.db, f.people.auditor);
  const saved = await saveDraftPart(
    t.db,
    user,
    f.audits.allocated,
    'assessment',
    {
      evaluation: 'Mum failed to engage with the plan and supervised contact was cancelled.',
      impactStatement: 'Visits were on time.',
    },
    0,
  );
  assert.ok(saved.ok);
  const page = await auditor.get(`/audits/${f.audits.allocated}/check`);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /Suggestions on the writing/);
  assert.match(page.body, /“failed to engage”/);
  assert.match(page.body, /“supervised contact”: “family time”/);
  assert.match(page.body, /Add what this practice meant for the child/);
  assert.match(page.body, /you can submit the audit without changing anything/);
});
