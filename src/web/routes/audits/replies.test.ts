import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type Agent, createTestApp, errorSummaryItems } from '../../../../test/helpers/app.ts';
import { FILLED, fillSubmittedAudit } from '../../../../test/helpers/audit-document.ts';
import { type AuditFixture, buildAuditFixture, signedIn } from '../../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { addModerator, moderationOf } from '../../../../test/helpers/moderations.ts';

let t: TestDb;
let f: AuditFixture;
let app: FastifyInstance;

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db, 'rep');
  await fillSubmittedAudit(t.db, f);
  app = await createTestApp(t.db, { demo: false });
});
after(async () => {
  await app.close();
  await t.close();
});

const agents = new Map<string, Agent>();
async function as(who: keyof AuditFixture['people']): Promise<Agent> {
  let agent = agents.get(who);
  if (!agent) {
    agent = await signedIn(app, f.people[who]);
    agents.set(who, agent);
  }
  return agent;
}

const replies = () =>
  t.db
    .selectFrom('audit_section_replies')
    .selectAll()
    .where('audit_id', '=', f.audits.submitted)
    .orderBy('created_at')
    .orderBy('section_key')
    .execute();

const url = () => `/audits/${f.audits.submitted}/reply`;
const DISAGREE = 'The plan was rewritten with the family on 18 November; the auditor read the old version.';

describe('the practitioner’s reply', () => {
  test('the case holder sees each section’s findings and the form; the audit page links to it', async () => {
    const practitioner = await as('practitioner');
    const audit = await practitioner.get(`/audits/${f.audits.submitted}`);
    assert.equal(audit.statusCode, 200);
    assert.match(audit.body, /href="\/audits\/[^"]+\/reply"[^>]*>\s*Reply to the findings/);
    const page = await practitioner.get(url());
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Reply to the findings/);
    assert.ok(page.body.includes(FILLED.voiceEvaluation));
    assert.match(page.body, /name="reply-the_plan"/);
    assert.match(page.body, /name="reason-the_plan"/);
    assert.match(page.body, /name="reply-visits_check"/);
    // sections the auditor left empty have nothing to reply to
    assert.doesNotMatch(page.body, /name="reply-risk_safety/);
  });

  test('a disagreement without a reason is refused, with what was typed kept, and nothing written', async () => {
    const practitioner = await as('practitioner');
    const res = await practitioner.post(
      url(),
      { 'reply-voice_and_lived_experience': 'agree', 'reply-the_plan': 'disagree', 'reason-the_plan': '  ' },
      url(),
    );
    assert.equal(res.statusCode, 400);
    assert.deepEqual(errorSummaryItems(res.body), [
      {
        text: 'Say why you disagree with the findings on The plan: SMART and matching the assessment',
        href: '#reason-the_plan',
      },
    ]);
    assert.match(res.body, /value="agree" checked/);
    assert.match(res.body, /value="disagree" checked/);
    assert.equal((await replies()).length, 0);
  });

  test('the case holder replies once: an agreement and a disagreement with its reason', async () => {
    const practitioner = await as('practitioner');
    const res = await practitioner.post(
      url(),
      {
        'reply-voice_and_lived_experience': 'agree',
        'reply-the_plan': 'disagree',
        'reason-the_plan': DISAGREE,
      },
      url(),
    );
    assert.equal(res.statusCode, 303);
    const rows = await replies();
    assert.deepEqual(
      rows.map((r) => [r.section_key, r.replied_as, r.agrees, r.reason, r.staff_id]),
      [
        ['the_plan', 'practitioner', false, DISAGREE, f.people.practitioner.staffId],
        ['voice_and_lived_experience', 'practitioner', true, null, f.people.practitioner.staffId],
      ],
    );
    // the section left open can still be replied to; the others show the reply given
    const page = await practitioner.get(url());
    assert.match(page.body, /name="reply-visits_check"/);
    assert.doesNotMatch(page.body, /name="reply-the_plan"/);
    assert.ok(page.body.includes('The plan was rewritten with the family on 18 November'));
  });

  test('a second reply to the same section is refused with a clear message and nothing written', async () => {
    const practitioner = await as('practitioner');
    const res = await practitioner.post(
      url(),
      { 'reply-the_plan': 'agree', 'reply-visits_check': 'agree' },
      url(),
    );
    assert.equal(res.statusCode, 400);
    assert.deepEqual(
      errorSummaryItems(res.body).map((e) => e.text),
      [
        'You have already replied to the findings on The plan: SMART and matching the assessment, and a reply cannot be changed',
      ],
    );
    assert.equal((await replies()).length, 2, 'not even the new section was written');
  });

  test('the manager replies once, as the manager', async () => {
    const manager = await as('manager');
    const page = await manager.get(url());
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes('Disagrees'), 'the manager sees the case holder’s reply');
    const res = await manager.post(url(), { 'reply-the_plan': 'agree' }, url());
    assert.equal(res.statusCode, 303);
    const mine = (await replies()).filter((r) => r.staff_id === f.people.manager.staffId);
    assert.deepEqual(
      mine.map((r) => [r.section_key, r.replied_as, r.agrees]),
      [['the_plan', 'manager', true]],
    );
  });

  test('nobody else may open or send the form, and nothing is written', async () => {
    const before = (await replies()).length;
    for (const who of ['otherPractitioner', 'otherManager', 'auditor', 'headOfService', 'qaLead'] as const) {
      const agent = await as(who);
      const page = await agent.get(url());
      assert.ok([403, 404].includes(page.statusCode), `${who} GET: ${page.statusCode}`);
      const res = await agent.post(url(), { 'reply-visits_check': 'agree' }, '/');
      assert.ok([403, 404].includes(res.statusCode), `${who} POST: ${res.statusCode}`);
    }
    // an audit not yet submitted
    const early = await (await as('practitioner')).get(`/audits/${f.audits.allocated}/reply`);
    assert.equal(early.statusCode, 403);
    assert.equal((await replies()).length, before);
  });

  test('the replies are shown beside each section to QA, and the case holder', async () => {
    for (const who of ['qaLead', 'practitioner'] as const) {
      const page = await (await as(who)).get(`/audits/${f.audits.submitted}`);
      assert.equal(page.statusCode, 200);
      const beside = page.body.match(/id="replies-the_plan"[\s\S]*?<\/div>/)?.[0] ?? '';
      assert.ok(beside.includes('The plan was rewritten with the family on 18 November'), who);
      assert.match(beside, /Agrees/);
      assert.match(page.body, /3 replies: 2 agreements, 1 disagreement \(1 section disputed\)/);
    }
  });

  test('QA see the disagreement on the plan page, and the disputed rule takes the audit', async () => {
    const qa = await as('qaLead');
    const planUrl = `/programme/months/${f.monthId}/moderation`;
    const plan = await qa.get(planUrl);
    assert.equal(plan.statusCode, 200);
    assert.match(plan.body, /1 audit with a disagreement/);
    assert.match(plan.body, /value="disputed"/);
    assert.match(plan.body, /Every audit whose practitioner or manager disagreed with a section’s findings/);
    const preview = await qa.post(
      planUrl,
      { percent: '0', seed: '1', rules: ['disputed'], action: 'preview' },
      planUrl,
    );
    assert.equal(preview.statusCode, 200);
    assert.match(preview.body, /This sample would choose 1 audit/);
    assert.match(preview.body, /The case holder or their manager disagreed with a section’s findings/);
    const none = await qa.post(planUrl, { percent: '0', seed: '1', rules: [], action: 'preview' }, planUrl);
    assert.match(none.body, /This sample would choose 0 audits/);
  });

  test('QA add the disputed audit to moderation, once; nobody else may', async () => {
    const moderate = `/audits/${f.audits.submitted}/moderate`;
    const refused = await (await as('practitioner')).post(moderate, {}, '/');
    assert.equal(refused.statusCode, 403);
    await addModerator(t.db, f);
    const qa = await as('qaLead');
    const page = await qa.get(`/audits/${f.audits.submitted}`);
    assert.match(page.body, /Add this audit to moderation/);
    const res = await qa.post(moderate, {}, `/audits/${f.audits.submitted}`);
    assert.equal(res.statusCode, 303);
    const rows = await t.db
      .selectFrom('moderations')
      .selectAll()
      .where('audit_id', '=', f.audits.submitted)
      .execute();
    assert.equal(rows.length, 1);
    // graded inadequate, so the first rule it matches is why it is moderated
    assert.equal(rows[0].chosen_because, 'inadequate');
    assert.equal(rows[0].status, 'allocated');
    const again = await qa.post(moderate, {}, `/audits/${f.audits.submitted}`);
    assert.equal(again.statusCode, 303);
    const after = await qa.get(`/audits/${f.audits.submitted}`);
    assert.match(after.body, /This audit is already being moderated/);
    assert.equal(
      (await t.db.selectFrom('moderations').select('id').where('audit_id', '=', f.audits.submitted).execute())
        .length,
      1,
    );
  });

  test('once the audit has been moderated, the form is closed and the panel sees the replies', async () => {
    await t.db
      .updateTable('moderations')
      .set({
        status: 'submitted',
        submitted_at: new Date(),
        overall_grade: 'inadequate',
        section_grades: JSON.stringify({}),
      })
      .where('audit_id', '=', f.audits.submitted)
      .execute();
    const practitioner = await as('practitioner');
    const page = await practitioner.get(url());
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Replies to this audit are closed/);
    assert.doesNotMatch(page.body, /name="reply-visits_check"/);
    const before = (await replies()).length;
    const res = await practitioner.post(url(), { 'reply-visits_check': 'agree' }, '/');
    assert.equal(res.statusCode, 403);
    assert.equal((await replies()).length, before);

    const m = await t.db
      .selectFrom('moderations')
      .select('id')
      .where('audit_id', '=', f.audits.submitted)
      .executeTakeFirstOrThrow();
    const decision = await (await as('qaLead')).get(`/moderations/${m.id}/decision`);
    assert.equal(decision.statusCode, 200);
    assert.match(decision.body, /Replies to the findings/);
    assert.ok(decision.body.includes('The plan was rewritten with the family on 18 November'));
  });

  test('the moderator re-grading blind is not shown the replies', async () => {
    const other = await t.db
      .insertInto('audit_section_replies')
      .values({
        council_id: f.councilId,
        audit_id: f.audits.submitted,
        section_key: 'visits_check',
        staff_id: f.people.manager.staffId,
        replied_as: 'manager',
        agrees: true,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    assert.ok(other.id);
    // a second audit being moderated blind: its re-grade page has no replies section
    const mona = await t.db
      .selectFrom('staff')
      .select('id')
      .where('name', '=', 'Mona Moderator')
      .executeTakeFirstOrThrow();
    const { submittedAudit } = await import('../../../../test/helpers/moderations.ts');
    const second = await submittedAudit(t.db, f);
    await t.db
      .insertInto('audit_section_replies')
      .values({
        council_id: f.councilId,
        audit_id: second,
        section_key: 'the_plan',
        staff_id: f.people.practitioner.staffId,
        replied_as: 'practitioner',
        agrees: false,
        reason: 'Graded too low: WORDS THE MODERATOR MUST NOT SEE',
      })
      .execute();
    const mid = await moderationOf(t.db, f, second, mona.id);
    const monaAgent = await signedIn(app, { staffId: mona.id, email: 'mona.moderator@example.gov.uk' });
    const regrade = await monaAgent.get(`/moderations/${mid}`);
    assert.equal(regrade.statusCode, 200);
    assert.doesNotMatch(regrade.body, /WORDS THE MODERATOR MUST NOT SEE/);
    assert.doesNotMatch(regrade.body, /Replies to the findings/);
  });
});
