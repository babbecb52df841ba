import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { AUDIT_PASSWORD, type FixturePerson, signedIn } from '../../../../test/helpers/audits.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import {
  buildModerationFigureFixture,
  type ModerationFigureFixture,
} from '../../../../test/helpers/moderation-figures.ts';
import { hashPassword } from '../../../services/organisation/passwords.ts';
import { addPerson } from '../../../services/organisation/people.ts';

let t: TestDb;
let app: FastifyInstance;
let f: ModerationFigureFixture;
/** a case manager who is not also an auditor (the fixture's managers all audit) */
let caseManager: FixturePerson;

before(async () => {
  t = await createTestDb();
  f = await buildModerationFigureFixture(t.db);
  const email = 'casey.manager@example.gov.uk';
  const made = await addPerson(
    t.db,
    f.councilId,
    { name: 'Casey Manager', email, jobTitle: 'Team Manager', roles: ['case_manager'] },
    { externalId: 'P-CASEY', passwordHash: await hashPassword(AUDIT_PASSWORD) },
  );
  caseManager = { staffId: made.staffId, email };
  app = await createTestApp(t.db, { demo: false });
});
after(async () => {
  await app.close();
  await t.close();
});

const PAGE = '/moderation/consistency?from=2026-10&to=2026-11';

/** The text of the row of a table whose header cell is `name`, tags removed. */
function rowText(html: string, tableId: string, name: string): string | undefined {
  const table =
    html.match(new RegExp(`<table class="govuk-table" id="${tableId}">[\\s\\S]*?</table>`))?.[0] ?? '';
  const row = [...table.matchAll(/<tr class="govuk-table__row">([\s\S]*?)<\/tr>/g)]
    .map((m) =>
      m[1]
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .find((r) => r.startsWith(name));
  return row;
}

test('QA lead: every auditor, by month, service and auditor, with counts, intervals and kappa', async () => {
  const res = await (await signedIn(app, f.people.qaLead)).get(PAGE);
  assert.equal(res.statusCode, 200);
  assert.equal(h1(res.body), 'Consistency of grading');
  assert.match(res.body, /12 of 15 \(80%\)/);
  assert.match(res.body, /95% CI 55% to 93%/);
  assert.match(res.body, /Overall: <strong>0\.50, moderate \(12 audits\)<\/strong>/);
  assert.equal(
    rowText(res.body, 'by-month', 'October 2026'),
    // issue 16: chosen and re-graded, of returned audits, beside decided by the panel
    'October 2026 5 5 of 5 (100%) 95% CI 57% to 100% 5 of 5 (100%) 95% CI 57% to 100% 5 of 5 (100%) 95% CI 57% to 100% 5 0 0 of 5 (0%) 95% CI 0% to 43%',
  );
  assert.match(
    rowText(res.body, 'by-month', 'November 2026') ?? '',
    /^November 2026 10 8 of 10 \(80%\) 95% CI [^ ]+ to [^ ]+ 8 of 10 \(80%\) 95% CI [^ ]+ to [^ ]+ 7 of 10 \(70%\)/,
  );
  assert.match(
    rowText(res.body, 'by-service', 'Children in care') ?? '',
    /^Children in care 3 2 of 3 \(67%\)/,
  );
  assert.match(rowText(res.body, 'by-auditor', 'Manager south') ?? '', /0\.52, moderate \(10 audits\)$/);
  assert.match(
    rowText(res.body, 'by-auditor', 'Manager east') ?? '',
    /Fewer than 10 moderated audits \(2 so far\)$/,
  );
  assert.match(
    rowText(res.body, 'trend', 'October to December 2026') ?? '',
    /12 0\.50, moderate \(12 audits\)/,
  );
  assert.match(res.body, /at least 10 moderated audits/, 'the threshold is stated');
  assert.doesNotMatch(res.body, /Family\d|Child\d|F\d\dC\d/, 'no child is named on the page');
});

test('QA lead: one service area', async () => {
  const res = await (await signedIn(app, f.people.qaLead)).get(`${PAGE}&area=${f.serviceAreas.care}`);
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /2 of 3 \(67%\)/);
  assert.equal(rowText(res.body, 'by-auditor', 'Manager south'), undefined);
  assert.ok(rowText(res.body, 'by-auditor', 'Manager east'));
});

test('an auditor sees only their own figures: no other auditor is named or counted', async () => {
  const res = await (await signedIn(app, f.people.auditor)).get(PAGE);
  assert.equal(res.statusCode, 200);
  assert.equal(h1(res.body), 'Your consistency of grading');
  assert.match(res.body, /10 of 12 \(83%\)/, 'their 12 returned audits, 10 moderated');
  assert.match(res.body, /Your agreement with moderators: <strong>0\.52, moderate \(10 audits\)<\/strong>/);
  assert.doesNotMatch(res.body, /Manager east/);
  assert.doesNotMatch(res.body, /Someone Else/);
  assert.doesNotMatch(res.body, /12 of 15/, 'not the council’s totals');
  assert.doesNotMatch(res.body, /id="by-auditor"/);
  assert.doesNotMatch(res.body, /Children in care/, 'no service area they have no audits in');
  assert.doesNotMatch(res.body, /name="area"/, 'no filter to look at others');

  const east = await (await signedIn(app, f.people.otherManager)).get(PAGE);
  assert.equal(east.statusCode, 200);
  assert.match(
    east.body,
    /Your agreement with moderators: <strong>Fewer than 10 moderated audits \(2 so far\)/,
  );
  assert.doesNotMatch(east.body, /Manager south/);
  assert.match(east.body, /2 of 3 \(67%\)/);
});

test('the default range is the programme year to this month', async () => {
  const res = await (await signedIn(app, f.people.qaLead)).get('/moderation/consistency');
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /April 2026 to November 2026/);
  assert.match(res.body, /imported from spreadsheets/, 'June’s history is counted');
  assert.match(res.body, /name="from"[^>]*value="2026-04"|value="2026-04"[^>]*name="from"/);
});

test('a month written wrongly, or a backwards range, is shown as an error and nothing is counted', async () => {
  const qa = await signedIn(app, f.people.qaLead);
  const bad = await qa.get('/moderation/consistency?from=2026-13&to=2026-11');
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(errorSummaryItems(bad.body), [
    { text: 'Enter the first month as a year from 2000 and a month, like 2026-04', href: '#from' },
  ]);
  assert.doesNotMatch(bad.body, /id="by-month"/);
  assert.match(bad.body, /value="2026-13"/, 'what was typed is shown again');
  const backwards = await qa.get('/moderation/consistency?from=2026-11&to=2026-10');
  assert.equal(backwards.statusCode, 400);
  assert.deepEqual(errorSummaryItems(backwards.body), [
    { text: 'The last month must be the same as or after the first month', href: '#to' },
  ]);
  const tooLong = await qa.get('/moderation/consistency?from=2001-01&to=2026-10');
  assert.equal(tooLong.statusCode, 400);
  assert.deepEqual(errorSummaryItems(tooLong.body), [
    { text: 'Choose a range of 60 months or fewer', href: '#to' },
  ]);
  const ancient = await qa.get('/moderation/consistency?from=0000-01&to=2026-10');
  assert.equal(ancient.statusCode, 400);
});

test('roles without the consistency figures get 403; signed out goes to sign-in', async () => {
  for (const person of [
    f.people.practitioner,
    caseManager,
    f.people.headOfService,
    f.people.director,
    f.people.scrutiny,
    f.people.workforce,
    f.people.admin,
  ]) {
    const res = await (await signedIn(app, person)).get(PAGE);
    assert.equal(res.statusCode, 403, `${person.email} is refused`);
    assert.doesNotMatch(res.body, /Manager south/);
  }
  const out = await new Agent(app).get(PAGE);
  assert.equal(out.statusCode, 302);
  assert.match(String(out.headers.location), /^\/sign-in/);
});

test('each auditor’s agreement is shown from however many moderated audits, with its interval (issue 16)', async () => {
  const res = await (await signedIn(app, f.people.qaLead)).get(PAGE);
  assert.equal(res.statusCode, 200);
  // 2 moderated audits: kappa waits for 10, but the share the moderator graded the same is shown
  assert.match(
    rowText(res.body, 'by-auditor', 'Manager east') ?? '',
    /Same grade in 1 of 2 \(50%\) 95% CI 10% to 91% Too few to judge: 2 moderated audits Fewer than 10 moderated audits \(2 so far\)$/,
  );
  // 10: the same grade in 7 (3 one step apart), and no "too few" once there are 5
  const south = rowText(res.body, 'by-auditor', 'Manager south') ?? '';
  assert.match(south, /Same grade in 7 of 10 \(70%\) 95% CI 40% to 89% 0\.52, moderate \(10 audits\)$/);
  assert.doesNotMatch(south, /Too few/);

  const own = await (await signedIn(app, f.people.otherManager)).get(PAGE);
  assert.match(
    own.body,
    /The moderator gave the same grade as you: <strong>1 of 2 \(50%\)<\/strong> \(95% CI 10% to 91%\)\. Too few to judge: 2 moderated audits\./,
  );
});
