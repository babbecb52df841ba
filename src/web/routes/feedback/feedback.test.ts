import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { type AuditFixture, buildAuditFixture, signedIn } from '../../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { createLogger } from '../../../platform/log.ts';
import { auditAccess } from '../../../services/audits/audit-access.ts';
import {
  createFamilyFeedbackLink,
  feedbackPanel,
  hashFamilyToken,
} from '../../../services/audits/feedback.ts';
import { loadSignedInUser } from '../../../services/organisation/auth.ts';

let t: TestDb;
let f: AuditFixture;
let app: FastifyInstance;
/** every log line the app wrote */
const lines: string[] = [];

before(async () => {
  t = await createTestDb();
  f = await buildAuditFixture(t.db);
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  app = await createTestApp(t.db, { demo: false, logger: createLogger('info', stream) });
});
after(async () => {
  await app.close();
  await t.close();
});

const agents = new Map<string, Agent>();
/** One signed-in agent per person: signing in is rate limited. */
async function as(who: keyof AuditFixture['people']): Promise<Agent> {
  let agent = agents.get(who);
  if (!agent) {
    agent = await signedIn(app, f.people[who]);
    agents.set(who, agent);
  }
  return agent;
}

const practitionerRows = () =>
  t.db.selectFrom('practitioner_feedback').selectAll().where('audit_id', '=', f.audits.submitted).execute();
const familyRows = () =>
  t.db
    .selectFrom('family_feedback')
    .selectAll()
    .where('audit_id', '=', f.audits.submitted)
    .orderBy('recorded_at')
    .execute();
const linkRows = () => t.db.selectFrom('family_feedback_links').selectAll().execute();

async function userOf(staffId: string) {
  const account = await t.db
    .selectFrom('user_accounts')
    .select('id')
    .where('staff_id', '=', staffId)
    .executeTakeFirstOrThrow();
  const user = await loadSignedInUser(t.db, account.id);
  assert.ok(user);
  return user;
}

async function childReference(childId: string) {
  const c = await t.db
    .selectFrom('children')
    .select(['external_id', 'first_name', 'last_name'])
    .where('id', '=', childId)
    .executeTakeFirstOrThrow();
  return c;
}

/** The radio buttons named `name` on a page, by value. */
const radios = (html: string, name: string) =>
  [
    ...html.matchAll(
      new RegExp(`<input class="govuk-radios__input"[^>]*name="${name}"[^>]*value="([^"]*)"`, 'g'),
    ),
  ].map((m) => m[1]);

describe('the case holder’s feedback', () => {
  const page = () => `/audits/${f.audits.submitted}/feedback`;
  const answers = {
    impact: '8',
    childChange: 'See him alone at every visit',
    processChange: 'Share the tool first',
  };

  test('nobody else may open or send it: each is refused with the 403 page and nothing is written', async () => {
    for (const who of [
      'manager',
      'otherPractitioner',
      'qaLead',
      'auditor',
      'scrutiny',
      'workforce',
      'admin',
    ] as const) {
      const agent = await as(who);
      const res = await agent.get(page());
      assert.equal(res.statusCode, 403, who);
      assert.equal(h1(res.body), 'You cannot do this', who);
      const sent = await agent.post(page(), answers, '/');
      assert.equal(sent.statusCode, 403, who);
    }
    assert.equal((await practitionerRows()).length, 0);
  });

  test('signed out, the page sends you to sign in', async () => {
    const res = await new Agent(app).get(page());
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, `/sign-in?returnTo=${encodeURIComponent(page())}`);
  });

  test('not before the audit is submitted', async () => {
    const agent = await as('practitioner');
    const url = `/audits/${f.audits.allocated}/feedback`;
    const res = await agent.get(url);
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /You can give feedback on the audit once it has been submitted/);
    const sent = await agent.post(url, answers, '/');
    assert.equal(sent.statusCode, 403);
    const rows = await t.db
      .selectFrom('practitioner_feedback')
      .select('audit_id')
      .where('audit_id', '=', f.audits.allocated)
      .execute();
    assert.equal(rows.length, 0);
  });

  test('the case holder sees three questions, and the view is in the access log', async () => {
    const agent = await as('practitioner');
    const res = await agent.get(page());
    assert.equal(res.statusCode, 200);
    assert.equal(h1(res.body), 'Give your feedback on the audit');
    assert.match(res.body, /<legend[^>]*>\s*How much has this audit helped your practice\?/);
    assert.deepEqual(radios(res.body, 'impact'), ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    assert.match(res.body, /<textarea[^>]*id="childChange"/);
    assert.match(res.body, /<textarea[^>]*id="processChange"/);
    assert.match(res.body, new RegExp((await childReference(f.children.submitted)).external_id));
    const logged = await t.db
      .selectFrom('access_log')
      .select(['route', 'child_id'])
      .where('staff_id', '=', f.people.practitioner.staffId)
      .where('record_id', '=', f.audits.submitted)
      .execute();
    assert.deepEqual(logged, [{ route: '/audits/:auditId/feedback', child_id: f.children.submitted }]);
  });

  test('an impact of 0, 11 or “ten”, or blank answers, are shown beside the fields and nothing is saved', async () => {
    const agent = await as('practitioner');
    for (const impact of ['0', '11', 'ten', '']) {
      const res = await agent.post(page(), { ...answers, impact }, page());
      assert.equal(res.statusCode, 400, impact);
      assert.deepEqual(errorSummaryItems(res.body), [
        { href: '#impact', text: 'Choose how much the audit helped your practice, from 1 to 10' },
      ]);
      assert.match(res.body, /See him alone at every visit/, 'what was typed is kept');
    }
    const blank = await agent.post(page(), { impact: '4', childChange: ' ', processChange: '' }, page());
    assert.equal(blank.statusCode, 400);
    assert.deepEqual(errorSummaryItems(blank.body), [
      { href: '#childChange', text: 'Enter one thing you will change for the child' },
      { href: '#processChange', text: 'Enter one thing you would change about the audit process' },
    ]);
    assert.match(blank.body, /value="4" checked/);
    assert.equal((await practitionerRows()).length, 0);
  });

  test('the case holder gives it once and goes back to the audit; a second time is refused', async () => {
    const agent = await as('practitioner');
    const res = await agent.post(page(), answers, page());
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, `/audits/${f.audits.submitted}`);
    // the next page shows the message
    const next = await agent.get('/');
    assert.match(next.body, /Thank you: your feedback on the audit has been saved/);
    const rows = await practitionerRows();
    assert.equal(rows.length, 1);
    assert.equal(rows[0].impact, 8);

    const again = await agent.post(page(), { ...answers, impact: '1' }, page());
    assert.equal(again.statusCode, 403);
    assert.match(again.body, /You have already given feedback on this audit/);
    assert.equal((await practitionerRows())[0].impact, 8);

    const shown = await agent.get(page());
    assert.equal(h1(shown.body), 'Your feedback on the audit');
    assert.match(shown.body, /You have already given feedback on this audit/);
    assert.match(shown.body, /8 out of 10/);
    assert.doesNotMatch(shown.body, /<form method="post" action="\/audits/);
  });
});

describe('family feedback recorded by QA', () => {
  const page = () => `/audits/${f.audits.submitted}/family-feedback`;
  const said = {
    method: 'phone',
    respondent: 'parent',
    listened: 'a_bit',
    better: 'yes',
    helped: 'Help with school transport',
    improve: 'Call back when you say you will',
  };

  test('only QA may open or send it', async () => {
    for (const who of ['auditor', 'manager', 'practitioner', 'headOfService', 'admin'] as const) {
      const agent = await as(who);
      assert.equal((await agent.get(page())).statusCode, 403, who);
      assert.equal((await agent.post(page(), said, '/')).statusCode, 403, who);
    }
    const qa = await as('qaLead');
    const early = await qa.get(`/audits/${f.audits.allocated}/family-feedback`);
    assert.equal(early.statusCode, 403);
    assert.match(early.body, /once the audit has been submitted/);
    assert.equal((await familyRows()).length, 0);
  });

  test('QA records what the family said; mistakes are shown and nothing is saved until they are put right', async () => {
    const qa = await as('qaLead');
    const form = await qa.get(page());
    assert.equal(form.statusCode, 200);
    assert.equal(h1(form.body), 'Record family feedback');
    assert.deepEqual(radios(form.body, 'method'), ['phone', 'visit']);
    assert.deepEqual(radios(form.body, 'respondent'), ['parent', 'child', 'family']);
    assert.deepEqual(radios(form.body, 'better'), ['yes', 'a_bit', 'not_yet', 'no', 'rather_not_say']);

    const missing = await qa.post(page(), { helped: 'Kept this' }, page());
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(
      errorSummaryItems(missing.body).map((e) => e.href),
      ['#method', '#respondent', '#listened', '#better'],
    );
    assert.match(missing.body, /Kept this/);
    assert.equal((await familyRows()).length, 0);

    const saved = await qa.post(page(), said, page());
    assert.equal(saved.statusCode, 302);
    assert.equal(saved.headers.location, `/audits/${f.audits.submitted}`);
    assert.match((await qa.get('/')).body, /The family’s feedback has been recorded/);
    const rows = await familyRows();
    assert.equal(rows.length, 1);
    assert.equal(rows[0].method, 'phone');
    assert.equal(rows[0].recorded_by, f.people.qaLead.staffId);
    assert.equal(rows[0].answers.improve, 'Call back when you say you will');
  });
});

describe('a feedback link for the family', () => {
  const makeLink = () => `/audits/${f.audits.submitted}/family-feedback/links`;
  let link = '';

  test('only QA may make one', async () => {
    for (const who of ['auditor', 'manager', 'practitioner'] as const) {
      const agent = await as(who);
      assert.equal((await agent.post(makeLink(), {}, '/')).statusCode, 403, who);
    }
    const qa = await as('qaLead');
    assert.equal(
      (await qa.post(`/audits/${f.audits.allocated}/family-feedback/links`, {}, '/')).statusCode,
      403,
    );
    assert.equal((await linkRows()).length, 0);
  });

  test('QA makes one: it is shown once, and only its hash is kept', async () => {
    const qa = await as('qaLead');
    const res = await qa.post(makeLink(), {}, '/');
    assert.equal(res.statusCode, 201);
    assert.equal(h1(res.body), 'Feedback link made');
    const shown = res.body.match(/id="link" type="text" value="([^"]+)"/)?.[1];
    assert.ok(shown);
    assert.match(shown, /^http:\/\/[^/]+\/family-feedback\/[A-Za-z0-9_-]{43}$/);
    assert.match(res.body, /It works once/);
    assert.match(res.body, /It lasts 14 days, until/);
    assert.match(res.body, /Copy this link and send it to the family/);
    link = new URL(shown).pathname;
    const token = link.split('/').pop() as string;
    const rows = await linkRows();
    assert.equal(rows.length, 1);
    assert.equal(rows[0].token_hash, hashFamilyToken(token));
    assert.ok(!JSON.stringify(rows).includes(token));
    const views = await t.db
      .selectFrom('access_log')
      .select('route')
      .where('route', '=', '/audits/:auditId/family-feedback/links')
      .execute();
    assert.equal(views.length, 1);
  });

  test('the family’s page names no child, worker or reference, and sets only the form’s cookie', async () => {
    const family = new Agent(app);
    const res = await family.get(link);
    assert.equal(res.statusCode, 200);
    assert.equal(h1(res.body), 'Tell us about the help your family has had from children’s services');
    assert.match(res.body, /<button[^>]*>\s*Send\s*<\/button>/);
    assert.deepEqual(radios(res.body, 'respondent'), ['parent', 'child', 'family']);
    assert.deepEqual(radios(res.body, 'listened'), ['yes', 'a_bit', 'no', 'rather_not_say']);
    const child = await childReference(f.children.submitted);
    const workers = await t.db
      .selectFrom('staff')
      .select('name')
      .where('id', 'in', [f.people.practitioner.staffId, f.people.auditor.staffId, f.people.qaLead.staffId])
      .execute();
    for (const secret of [
      child.external_id,
      child.first_name,
      child.last_name,
      ...workers.map((w) => w.name),
      f.audits.submitted,
    ]) {
      if (secret) assert.equal(res.body.includes(secret), false, `the page shows ${secret}`);
    }
    // one cookie, holding the CSRF secret and nothing else
    assert.deepEqual([...family.cookies.keys()], ['qaloop.sid']);
    const sid = decodeURIComponent(family.cookies.get('qaloop.sid') as string).split('.')[0];
    const session = await t.db
      .selectFrom('sessions')
      .select(['data', 'user_id'])
      .where('sid', '=', sid)
      .executeTakeFirstOrThrow();
    assert.equal(session.user_id, null);
    assert.deepEqual(
      Object.keys(session.data).filter((k) => k !== 'cookie'),
      ['_csrf'],
    );
  });

  test('the family sends their answers once: a second time shows the used page and writes nothing', async () => {
    const family = new Agent(app);
    const before = (await familyRows()).length;
    const blank = await family.post(link, { helped: 'The worker came every week' }, link);
    assert.equal(blank.statusCode, 400);
    assert.equal(errorSummaryItems(blank.body)[0].text, 'Choose who is answering');
    assert.match(blank.body, /The worker came every week/);
    assert.equal((await familyRows()).length, before);

    const sent = await family.post(
      link,
      {
        respondent: 'child',
        listened: 'yes',
        better: 'a_bit',
        helped: 'The worker came every week',
        improve: '',
      },
      link,
    );
    assert.equal(sent.statusCode, 303);
    assert.equal(sent.headers.location, '/family-feedback/thank-you');
    const thanks = await family.get('/family-feedback/thank-you');
    assert.equal(h1(thanks.body), 'Thank you');
    assert.match(thanks.body, /govuk-panel/);
    const rows = await familyRows();
    assert.equal(rows.length, before + 1);
    const online = rows[rows.length - 1];
    assert.equal(online.method, 'online');
    assert.equal(online.respondent, 'child');
    assert.equal(online.recorded_by, null);

    const reopened = await family.get(link);
    assert.equal(reopened.statusCode, 410);
    assert.equal(h1(reopened.body), 'This link has already been used');
    // a visitor with no session yet is given none for a page with no form
    const stranger = await new Agent(app).get(link);
    assert.equal(stranger.statusCode, 410);
    assert.equal(stranger.headers['set-cookie'], undefined);
    const resent = await family.post(
      link,
      { respondent: 'parent', listened: 'no', better: 'no', _csrf: await family.csrf('/sign-in') },
      link,
    );
    assert.equal(resent.statusCode, 410);
    assert.equal(h1(resent.body), 'This link has already been used');
    assert.equal((await familyRows()).length, before + 1);
  });

  test('an expired link says so and takes nothing; an unknown one is the 404 page', async () => {
    const qa = await userOf(f.people.qaLead.staffId);
    const made = await createFamilyFeedbackLink(
      t.db,
      qa,
      f.audits.submitted,
      new Date(Date.now() - 15 * 86_400_000),
    );
    const family = new Agent(app);
    const res = await family.get(made.path);
    assert.equal(res.statusCode, 410);
    assert.equal(h1(res.body), 'This link has expired');
    assert.match(res.body, /This link has expired: ask the person who sent it for a new one/);
    const before = (await familyRows()).length;
    const sent = await family.post(
      made.path,
      { respondent: 'parent', listened: 'yes', better: 'yes', _csrf: await family.csrf('/sign-in') },
      made.path,
    );
    assert.equal(sent.statusCode, 410);
    assert.equal((await familyRows()).length, before);

    const unknown = await family.get(`/family-feedback/${'A'.repeat(43)}`);
    assert.equal(unknown.statusCode, 404);
    assert.equal(h1(unknown.body), 'Page not found');
    assert.equal((await family.get('/family-feedback/not-a-token')).statusCode, 404);
  });

  test('no link’s token is ever written to the logs', async () => {
    const text = lines.join('');
    assert.match(text, /"route":"\/family-feedback\/:token"/);
    assert.equal(text.includes(link.split('/').pop() as string), false);
    assert.equal(text.includes('/family-feedback/A'), false);
  });
});

describe('the Feedback section of the audit page', () => {
  test('shows the answers and, to QA, the buttons for the family', async () => {
    const template = await createTestApp(t.db, { ready: false });
    template.get<{ Params: { auditId: string } }>(
      '/test/feedback-panel/:auditId',
      { config: { access: 'audits.read' } },
      async (request, reply) => {
        const user = request.user;
        assert.ok(user);
        const access = await auditAccess(t.db, user, request.params.auditId);
        return reply.render('partials/audit/feedback.njk', {
          feedbackPanel: await feedbackPanel(t.db, access, user),
        });
      },
    );
    try {
      await template.ready();
      const qa = await signedIn(template, f.people.qaLead);
      const forQa = (await qa.get(`/test/feedback-panel/${f.audits.submitted}`)).body;
      assert.match(forQa, /<h2[^>]*>Feedback<\/h2>/);
      assert.match(forQa, /8 out of 10/);
      assert.match(forQa, /See him alone at every visit/);
      assert.match(forQa, /A parent or carer, on the phone/);
      assert.match(forQa, /A child or young person, online, with a feedback link/);
      assert.match(forQa, /Sent by the family on/);
      assert.match(forQa, /href="\/audits\/[0-9a-f-]{36}\/family-feedback"[^>]*>\s*Record family feedback/);
      assert.match(forQa, /action="\/audits\/[0-9a-f-]{36}\/family-feedback\/links"/);
      assert.match(forQa, /Create a feedback link for the family/);
      assert.match(forQa, /name="_csrf" value="[^"]+"/);
      assert.match(forQa, /Feedback links sent to the family/);

      const manager = await signedIn(template, f.people.manager);
      const forManager = (await manager.get(`/test/feedback-panel/${f.audits.submitted}`)).body;
      assert.match(forManager, /8 out of 10/);
      assert.doesNotMatch(forManager, /Record family feedback|Create a feedback link|Feedback links sent/);

      const auditor = await signedIn(template, f.people.auditor);
      const draft = (await auditor.get(`/test/feedback-panel/${f.audits.allocated}`)).body;
      assert.match(draft, /Not given yet/);
      assert.match(draft, /No feedback from the family yet/);
    } finally {
      await template.close();
    }
  });

  test('the case holder is offered the button until they have given feedback', async () => {
    await t.db.deleteFrom('practitioner_feedback').where('audit_id', '=', f.audits.submitted).execute();
    const user = await userOf(f.people.practitioner.staffId);
    const panel = await feedbackPanel(t.db, await auditAccess(t.db, user, f.audits.submitted), user);
    assert.equal(panel.practitioner.mayGive, true);
    assert.equal(panel.mayRecordFamily, false);
    assert.deepEqual(panel.links, []);
  });
});
