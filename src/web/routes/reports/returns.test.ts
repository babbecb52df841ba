import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { RETURNS_FIXTURE, type ReturnsSeed, seedReturns } from '../../../../test/helpers/returns.ts';
import type { Role } from '../../../domain/roles.ts';
import { createCouncil } from '../../../services/organisation/councils.ts';
import { hashPassword } from '../../../services/organisation/passwords.ts';
import { addPerson } from '../../../services/organisation/people.ts';
import { createProgrammeYear } from '../../../services/programme/programme.ts';

let t: TestDb;
let app: FastifyInstance;
let councilId: string;
let seed: ReturnsSeed;
let octoberId: string;
const agents = new Map<Role, Agent>();
const agent = (role: Role) => agents.get(role) as Agent;
const PASSWORD = 'returns council password';

/**
 * A council of its own (not the demo, whose programme has its own audits) with the hand-counted
 * returns, and a person with a password for each role the tests sign in as.
 */
before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'rt', name: 'Returns Council' })).id;
  await createProgrammeYear(t.db, councilId, { startMonth: '2026-04' }, '2026-03-01');
  await t.db
    .updateTable('programme_months')
    .set({ learning_month: true, phases: null })
    .where('council_id', '=', councilId)
    .where('month', '=', '2026-08-01')
    .execute();
  seed = await seedReturns(t.db, councilId);
  octoberId = (
    await t.db
      .selectFrom('programme_months')
      .select('id')
      .where('council_id', '=', councilId)
      .where('month', '=', '2026-10-01')
      .executeTakeFirstOrThrow()
  ).id;
  app = await createTestApp(t.db, { demo: false });
  const passwordHash = await hashPassword(PASSWORD);
  for (const role of ['qa_lead', 'senior_leader', 'practitioner', 'auditor', 'scrutiny_reader'] as const) {
    const email = `${role.replace('_', '.')}@rt.example.gov.uk`;
    await addPerson(
      t.db,
      councilId,
      { name: `The ${role}`, email, jobTitle: role, roles: [role] },
      { externalId: `P-${role}`, passwordHash },
    );
    const a = new Agent(app);
    const signedIn = await a.post('/sign-in', { email, password: PASSWORD });
    assert.equal(signedIn.statusCode, 302, `${role} signs in`);
    agents.set(role, a);
  }
});
after(async () => {
  await app.close();
  await t.close();
});

/** The text of the table with the id, tags removed and white space tidied, one line per row. */
function tableRows(html: string, id: string): string[] {
  const table = html.match(new RegExp(`<table[^>]*id="${id}"[\\s\\S]*?</table>`))?.[0] ?? '';
  return [...table.matchAll(/<tr[\s\S]*?<\/tr>/g)].map((r) =>
    r[0]
      .replace(/<span class="govuk-visually-hidden">[^<]*<\/span>/g, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&nbsp;/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

test('the returns page opens on the current cycle with its totals and each percentage’s count', async () => {
  const page = await agent('qa_lead').get('/returns');
  assert.equal(page.statusCode, 200);
  assert.equal(h1(page.body), 'Returns');
  assert.match(page.body, /<title>Returns, November 2026 – QA Loop/);
  assert.match(page.body, /<option value="[^"]+" selected>November 2026<\/option>/);
  const figures = (page.body.match(/<ul class="app-figures"[\s\S]*?<\/ul>/)?.[0] ?? '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  assert.equal(figures, '8 planned 2 exempted 6 scheduled 3 returned 50% return rate: 3 of 6 scheduled');
  assert.match(page.body, /1 planned audit is not yet allocated to an auditor/);
  assert.match(page.body, /2 audits are with an auditor and not yet returned/);
});

test('the returns show each planned activity’s target: a dip sample planned and never drawn is there with none drawn', async () => {
  const december = (
    await t.db
      .selectFrom('programme_months')
      .select('id')
      .where('council_id', '=', councilId)
      .where('month', '=', '2026-12-01')
      .executeTakeFirstOrThrow()
  ).id;
  await t.db
    .insertInto('planned_activities')
    .values({ council_id: councilId, month_id: december, kind: 'dip_sample', target: 32, position: 0 })
    .execute();
  const page = await agent('qa_lead').get(`/returns?month=${december}`);
  assert.equal(page.statusCode, 200);
  assert.match(
    page.body,
    /<caption class="govuk-table__caption govuk-table__caption--m">Target against actual<\/caption>/,
  );
  const row =
    /Dip samples<br><span class="govuk-hint govuk-!-margin-bottom-0">32 still to draw<\/span><\/th>((?:\s*<td[^>]*>[^<]*<\/td>){5})/.exec(
      page.body,
    );
  assert.ok(row, 'the dip sample has its row');
  assert.deepEqual(
    [...(row[1] ?? '').matchAll(/>([^<]*)<\/td>/g)].map((m) => m[1]),
    ['32', '0', '0', '0', '0'],
  );
  assert.match(page.body, /No audits have been drawn for December 2026 yet/);
});

test('by auditor, team, service area and kind, hand-counted', async () => {
  const page = await agent('qa_lead').get('/returns');
  assert.deepEqual(tableRows(page.body, 'by-auditor'), [
    'Auditor Planned Exempted Scheduled Returned of scheduled Owed',
    'Ann Auditor 4 1 3 2 of 3 (67%) 1',
    'Bob Auditor 3 1 2 1 of 2 (50%) 1',
    'Not yet allocated 1 0 1 0 of 1 (0%) –',
  ]);
  assert.deepEqual(tableRows(page.body, 'by-team'), [
    'Team Planned Exempted Scheduled Returned of scheduled',
    'Alder Team 2 0 2 1 of 2 (50%)',
    'Birch Team 2 0 2 1 of 2 (50%)',
    'Cedar Team 4 2 2 1 of 2 (50%)',
  ]);
  assert.deepEqual(tableRows(page.body, 'by-service-area'), [
    'Service area Planned Exempted Scheduled Returned of scheduled',
    'Area One 4 0 4 2 of 4 (50%)',
    'Area Two 4 2 2 1 of 2 (50%)',
  ]);
  assert.deepEqual(tableRows(page.body, 'by-kind'), [
    'Activity Planned Exempted Scheduled Returned of scheduled',
    'Full case file audit 5 1 4 2 of 4 (50%)',
    'Dip sample 2 0 2 1 of 2 (50%)',
    'Themed audit 1 1 0 None scheduled',
  ]);
});

test('the programme year month by month, the imported history included, with its total', async () => {
  const page = await agent('qa_lead').get('/returns');
  const rows = tableRows(page.body, 'by-month');
  assert.equal(rows.length, 1 + 12 + 1);
  assert.equal(rows[0], 'Month Planned Exempted Scheduled Returned of scheduled');
  assert.equal(rows[1], 'April 2026 0 0 0 None yet');
  assert.equal(rows[5], 'August 2026 Learning month: no audits');
  assert.equal(rows[6], 'September 2026 imported history 1 0 1 1 of 1 (100%)');
  assert.equal(rows[7], 'October 2026 imported history 5 1 4 3 of 4 (75%)');
  assert.equal(rows[8], 'November 2026 8 2 6 3 of 6 (50%)');
  assert.equal(rows[13], 'Total, 2026–27 14 3 11 7 of 11 (64%)');
  assert.match(page.body, new RegExp(`href="/returns\\?month=${octoberId}"`));
});

test('another cycle is chosen in the address; one from the history says so; an unknown one is not found', async () => {
  const october = await agent('senior_leader').get(`/returns?month=${octoberId}`);
  assert.equal(october.statusCode, 200);
  assert.match(october.body, /<title>Returns, October 2026/);
  assert.match(october.body, /come from the audit history imported from spreadsheets/);
  assert.deepEqual(tableRows(october.body, 'by-auditor').slice(1), [
    'Ann Auditor 2 0 2 2 of 2 (100%) 0',
    'Bob Auditor 1 0 1 1 of 1 (100%) 0',
    'Eve Former 2 1 1 0 of 1 (0%) 1',
  ]);
  const { totals } = { totals: RETURNS_FIXTURE.october };
  assert.match(october.body, new RegExp(`return rate: ${totals.returned} of ${totals.scheduled} scheduled`));
  const unknown = await agent('qa_lead').get('/returns?month=6f1d1d3e-8a8b-4c1e-9d62-3d0c1f1b2a11');
  assert.equal(unknown.statusCode, 404);
  const garbled = await agent('qa_lead').get('/returns?month=not-a-month');
  assert.equal(garbled.statusCode, 200, 'a garbled choice shows the current cycle');
  assert.match(garbled.body, /<title>Returns, November 2026/);
});

test('the QA lead downloads who owes what: references only, never names, each child in the access log', async () => {
  const lead = agent('qa_lead');
  const page = await lead.get('/returns');
  assert.match(page.body, new RegExp(`href="/returns.csv\\?month=${seed.novemberId}"`));
  const res = await lead.get(`/returns.csv?month=${seed.novemberId}`);
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/csv/);
  assert.equal(res.headers['content-disposition'], 'attachment; filename="owed-audits-2026-11.csv"');
  assert.equal(
    res.body,
    [
      '\ufeffAuditor,Auditor email,Child reference,Team,Service area,Activity,Status,Due,Days overdue',
      'Ann Auditor,ann.auditor@rt.example.gov.uk,RT-02,Alder Team,Area One,Full case file audit,Not started,2026-11-20,2',
      'Bob Auditor,bob.auditor@rt.example.gov.uk,RT-03,Birch Team,Area One,Dip sample,In progress,2026-11-27,0',
      '',
    ].join('\n'),
  );
  const names = await t.db
    .selectFrom('children')
    .select(['first_name', 'last_name'])
    .where('council_id', '=', councilId)
    .where('external_id', 'in', ['RT-02', 'RT-03'])
    .execute();
  for (const name of [...names.flatMap((n) => [n.first_name, n.last_name]), ...RETURNS_FIXTURE.childNames]) {
    assert.ok(name && !res.body.includes(name), `${name} is in the download`);
  }
  const logged = await t.db
    .selectFrom('access_log as l')
    .innerJoin('staff as s', 's.id', 'l.staff_id')
    .select(['l.child_id', 'l.record_type', 'l.reason', 'l.route', 's.external_id'])
    .where('l.record_type', '=', 'owed audits download')
    .execute();
  assert.deepEqual(
    logged.map((l) => l.child_id).sort(),
    [seed.children['RT-02'], seed.children['RT-03']].sort(),
  );
  for (const l of logged) {
    assert.equal(l.external_id, 'P-qa_lead');
    assert.equal(l.route, '/returns.csv');
    assert.match(l.reason, /CSV download of audits owed in November 2026/);
  }
});

test('senior leaders read the returns but not the child-level download', async () => {
  const leader = agent('senior_leader');
  const page = await leader.get('/returns');
  assert.equal(page.statusCode, 200);
  assert.doesNotMatch(page.body, /returns\.csv/);
  assert.doesNotMatch(page.body, /href="\/auditors"/);
  const csv = await leader.get(`/returns.csv?month=${seed.novemberId}`);
  assert.equal(csv.statusCode, 403);
  assert.doesNotMatch(csv.body, /RT-02/);
});

test('practitioners, auditors and scrutiny readers are refused the returns, the download and the auditors', async () => {
  for (const role of ['practitioner', 'auditor', 'scrutiny_reader'] as const) {
    for (const url of [
      '/returns',
      `/returns.csv?month=${seed.novemberId}`,
      '/auditors',
      `/auditors/${seed.staff.ann}`,
    ]) {
      const res = await agent(role).get(url);
      assert.equal(res.statusCode, 403, `${role} on ${url}`);
    }
    const post = await agent(role).post(
      `/auditors/${seed.staff.ann}`,
      { 'trainedOn-day': '1', 'trainedOn-month': '1', 'trainedOn-year': '2020', capacity: '50' },
      '/',
    );
    assert.equal(post.statusCode, 403, `${role} posting the auditor form`);
  }
  const ann = await t.db
    .selectFrom('staff')
    .select('audit_capacity')
    .where('id', '=', seed.staff.ann)
    .executeTakeFirstOrThrow();
  assert.equal(ann.audit_capacity, 4);
});

test('the auditors page: training, capacity, this cycle’s audits and whether they may do dip samples', async () => {
  const senior = await agent('senior_leader').get('/auditors');
  assert.equal(senior.statusCode, 403);
  const page = await agent('qa_lead').get('/auditors');
  assert.equal(page.statusCode, 200);
  assert.equal(h1(page.body), 'Auditors');
  const row = (name: string) =>
    (
      page.body.match(
        new RegExp(
          `<tr class="govuk-table__row">\\s*<td class="govuk-table__cell"[^>]*>\\s*<a[^>]*>${name}[\\s\\S]*?</tr>`,
        ),
      )?.[0] ?? ''
    )
      .replace(/<span class="govuk-visually-hidden">[^<]*<\/span>/g, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  assert.equal(
    row('Ann Auditor'),
    'Ann Auditor Team Manager Picture Cedar Team 1 June 2025 4 3 allocated: 1 owed, 2 returned Yes',
  );
  assert.equal(
    row('Bob Auditor'),
    'Bob Auditor Team Manager Picture Alder Team 1 June 2025 4 2 allocated: 1 owed, 1 returned No: no full audit completed yet',
  );
  assert.equal(
    row('Cat Untrained'),
    'Cat Untrained Team Manager Picture Birch Team Not trained 2 None No: not trained',
  );
  assert.equal(row('Dan Departed'), '', 'someone who has left is not listed');
  assert.equal(row('Pip Practitioner'), '', 'only auditors are listed');
  assert.match(page.body, new RegExp(`href="/auditors/${seed.staff.ann}"`));
});

test('the QA lead records training and capacity; mistakes are shown against their fields and nothing is saved', async () => {
  const lead = agent('qa_lead');
  const form = `/auditors/${seed.staff.cat}`;
  const page = await lead.get(form);
  assert.equal(page.statusCode, 200);
  assert.equal(h1(page.body), 'Cat Untrained: training and capacity');
  assert.match(page.body, /name="trainedOn-day"/);
  assert.match(page.body, /id="capacity" name="capacity" type="text" spellcheck="false" value="2"/);

  const bad = await lead.post(
    form,
    { 'trainedOn-day': '12', 'trainedOn-month': '', 'trainedOn-year': '2026', capacity: 'lots' },
    form,
  );
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /<title>Error: /);
  assert.deepEqual(errorSummaryItems(bad.body), [
    { href: '#trainedOn-month', text: 'The date they were trained must include a month' },
    { href: '#capacity', text: 'Enter how many audits a month they can take as a whole number, like 2' },
  ]);
  assert.match(
    bad.body,
    /class="govuk-input govuk-date-input__input govuk-input--width-2 govuk-input--error" id="trainedOn-month"/,
  );
  assert.match(
    bad.body,
    /class="govuk-input govuk-date-input__input govuk-input--width-2" id="trainedOn-day"[^>]*value="12"/,
  );
  assert.match(bad.body, /value="lots"/, 'what was typed is kept');
  const future = await lead.post(
    form,
    { 'trainedOn-day': '23', 'trainedOn-month': '11', 'trainedOn-year': '2026', capacity: '3' },
    form,
  );
  assert.deepEqual(errorSummaryItems(future.body), [
    { href: '#trainedOn-day', text: 'The date they were trained must be today or in the past' },
  ]);
  let cat = await t.db
    .selectFrom('staff')
    .select(['audit_trained_on', 'audit_capacity'])
    .where('id', '=', seed.staff.cat)
    .executeTakeFirstOrThrow();
  assert.deepEqual(cat, { audit_trained_on: null, audit_capacity: 2 });

  const good = await lead.post(
    form,
    { 'trainedOn-day': '22', 'trainedOn-month': '11', 'trainedOn-year': '2026', capacity: '3' },
    form,
  );
  assert.equal(good.statusCode, 302);
  assert.equal(good.headers.location, '/auditors');
  const list = await lead.get('/auditors');
  assert.match(list.body, /Cat Untrained’s training and capacity have been saved/);
  cat = await t.db
    .selectFrom('staff')
    .select(['audit_trained_on', 'audit_capacity'])
    .where('id', '=', seed.staff.cat)
    .executeTakeFirstOrThrow();
  assert.deepEqual(cat, { audit_trained_on: '2026-11-22', audit_capacity: 3 });
});

test('the auditor form needs the session’s CSRF token; someone who has left is not found', async () => {
  const lead = agent('qa_lead');
  const form = `/auditors/${seed.staff.fay}`;
  const forged = await lead.post(
    form,
    {
      _csrf: 'forged',
      'trainedOn-day': '1',
      'trainedOn-month': '1',
      'trainedOn-year': '2020',
      capacity: '50',
    },
    form,
  );
  assert.equal(forged.statusCode, 403);
  const none = await lead.request({
    method: 'POST',
    url: form,
    payload: new URLSearchParams({
      'trainedOn-day': '1',
      'trainedOn-month': '1',
      'trainedOn-year': '2020',
      capacity: '50',
    }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(none.statusCode, 403);
  const fay = await t.db
    .selectFrom('staff')
    .select(['audit_trained_on', 'audit_capacity'])
    .where('id', '=', seed.staff.fay)
    .executeTakeFirstOrThrow();
  assert.deepEqual(fay, { audit_trained_on: '2025-06-01', audit_capacity: 4 });

  for (const staffId of [seed.staff.dan, 'not-an-id', '6f1d1d3e-8a8b-4c1e-9d62-3d0c1f1b2a11']) {
    assert.equal((await lead.get(`/auditors/${staffId}`)).statusCode, 404, staffId);
  }
  // training can be recorded before an administrator gives the auditor role, and the page says so
  const pip = await lead.get(`/auditors/${seed.staff.pip}`);
  assert.equal(pip.statusCode, 200);
  assert.match(pip.body, /Pip Practitioner does not have the auditor role/);
});
