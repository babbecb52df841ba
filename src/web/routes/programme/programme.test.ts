import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';

let t: TestDb;
let app: FastifyInstance;
let qa: Agent;
let practitioner: Agent;

before(async () => {
  t = await createTestDb({ demo: true });
  app = await createTestApp(t.db);
  qa = new Agent(app);
  await qa.signInAs('qa_lead');
  practitioner = new Agent(app);
  await practitioner.signInAs('practitioner');
});
after(async () => {
  await app.close();
  await t.close();
});

const monthId = async (month: string) =>
  (
    await t.db
      .selectFrom('programme_months')
      .select('id')
      .where('month', '=', month)
      .executeTakeFirstOrThrow()
  ).id;

test('everyone signed in reads the programme calendar; only the QA lead is offered planning', async () => {
  const page = await practitioner.get('/programme');
  assert.equal(page.statusCode, 200);
  assert.equal(h1(page.body), 'Programme 2026–27');
  assert.match(page.body, /Management oversight/);
  assert.match(page.body, /Learning month/);
  assert.doesNotMatch(page.body, /Plan a programme year/);
  const lead = await qa.get('/programme');
  assert.match(lead.body, /Plan a programme year/);
});

test('a cycle page shows each phase’s dates and which phase is current', async () => {
  const page = await practitioner.get(`/programme/months/${await monthId('2026-11-01')}`);
  assert.equal(h1(page.body), 'November 2026');
  assert.match(page.body, /Now in phase: <strong>Auditing window<\/strong>, until 27 November 2026/);
  assert.match(page.body, /Learning and development/);
  assert.doesNotMatch(page.body, /Re-date this cycle/, 'only the QA lead can re-date');
});

test('a cycle page shows each planned activity’s target against what was drawn, allocated, returned and exempted', async () => {
  const february = await t.db
    .selectFrom('programme_months')
    .select(['id', 'council_id'])
    .where('month', '=', '2027-02-01')
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto('planned_activities')
    .values({
      council_id: february.council_id,
      month_id: february.id,
      kind: 'dip_sample',
      target: 32,
      position: 99,
    })
    .execute();
  const page = await qa.get(`/programme/months/${february.id}`);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<h2 class="govuk-heading-m" id="targets">Target against actual<\/h2>/);
  // the dip sample planned and never drawn: target 32, none drawn, 32 still to draw
  assert.match(
    page.body,
    /Dip samples<br><span class="govuk-hint govuk-!-margin-bottom-0">32 still to draw<\/span><\/th>\s*<td[^>]*>32<\/td>\s*<td[^>]*>0<\/td>/,
  );
  const november = await qa.get(`/programme/months/${await monthId('2026-11-01')}`);
  assert.match(november.body, /Target against actual, November 2026/);
  const other = await practitioner.get(`/programme/months/${february.id}`);
  assert.doesNotMatch(other.body, /Target against actual/, 'for those who sample or read the returns');
});

test('the QA lead’s home says what is due in each live cycle, with its targets; others see no such list', async () => {
  const home = await qa.get('/');
  assert.equal(home.statusCode, 200);
  assert.match(home.body, /<h2 class="govuk-heading-m">This month<\/h2>/);
  assert.match(home.body, /November 2026 cycle<\/a><\/h3>/);
  assert.match(home.body, /Auditing and chasing returns/);
  assert.match(home.body, /Auditing window until 27 November 2026/);
  assert.match(home.body, /href="\/returns\?month=[^"]+">Chase \d+ returns? due 27 November 2026/);
  assert.match(home.body, /Target against actual, November 2026/);
  const other = await practitioner.get('/');
  assert.doesNotMatch(other.body, /This month/);
});

test('the QA lead plans a month; mistakes are listed against their rows and nothing is saved', async () => {
  const id = await monthId('2027-01-01');
  const editPage = `/programme/months/${id}/edit`;
  const form = await qa.get(editPage);
  assert.equal(h1(form.body), 'Plan January 2027');
  const bad = await qa.post(
    `/programme/months/${id}`,
    {
      cycleStartsOn: '2027-01-04',
      'themes-0-stream': 'Social care',
      'themes-0-theme': '',
      'activities-0-kind': 'full_audit',
      'activities-0-target': 'lots',
      'activities-0-toolId': '',
      'activities-0-description': '',
    },
    editPage,
  );
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(errorSummaryItems(bad.body), [
    { href: '#themes-0-theme', text: 'Enter theme 1' },
    { href: '#activities-0-target', text: 'Enter the target for activity 1 as a whole number, like 20' },
  ]);
  assert.match(bad.body, /value="lots"/, 'what was typed is kept');
  const good = await qa.post(
    `/programme/months/${id}`,
    {
      cycleStartsOn: '2027-01-04',
      'themes-0-stream': 'Social care',
      'themes-0-theme': 'Exploitation',
      'activities-0-kind': 'full_audit',
      'activities-0-target': '18',
      'activities-0-toolId': '',
      'activities-0-description': '',
    },
    editPage,
  );
  assert.equal(good.statusCode, 302);
  const page = await qa.get(`/programme/months/${id}`);
  assert.match(page.body, /The plan has been saved/);
  assert.match(page.body, /Exploitation/);
  assert.match(page.body, /Full case file audits<\/dt><dd class="govuk-summary-list__value">18/);
});

test('dates are typed as day, month and year and read back as “4 January 2027”, never yyyy-mm-dd', async () => {
  const id = await monthId('2027-01-01');
  const editPage = `/programme/months/${id}/edit`;
  const form = await qa.get(editPage);
  assert.match(form.body, /name="cycleStartsOn-day"/);
  assert.doesNotMatch(form.body, /For example \d{4}-\d{2}-\d{2}/);
  const plan = {
    'themes-0-stream': 'Social care',
    'themes-0-theme': 'Exploitation',
    'activities-0-kind': 'full_audit',
    'activities-0-target': '18',
    'activities-0-toolId': '',
    'activities-0-description': '',
  };
  const bad = await qa.post(
    `/programme/months/${id}`,
    { ...plan, 'cycleStartsOn-day': '31', 'cycleStartsOn-month': '2', 'cycleStartsOn-year': '2027' },
    editPage,
  );
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(errorSummaryItems(bad.body), [
    { href: '#cycleStartsOn-day', text: 'The date the cycle starts must be a real date' },
  ]);
  assert.match(bad.body, /name="cycleStartsOn-day" type="text" value="31"/, 'what was typed is kept');
  const good = await qa.post(
    `/programme/months/${id}`,
    { ...plan, 'cycleStartsOn-day': '4', 'cycleStartsOn-month': '1', 'cycleStartsOn-year': '2027' },
    editPage,
  );
  assert.equal(good.statusCode, 302);
  const stored = await t.db
    .selectFrom('programme_months')
    .select('cycle_starts_on')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  assert.equal(String(stored.cycle_starts_on).slice(0, 10), '2027-01-04');

  // a closure day, typed the same way, is added and named as a date
  const settings = await qa.get('/settings/calendar');
  assert.match(settings.body, /name="date-day"/);
  const closure = await qa.post(
    '/settings/calendar/closures',
    { 'date-day': '2', 'date-month': '1', 'date-year': '2027', reason: 'New year closure' },
    '/settings/calendar',
  );
  assert.equal(closure.statusCode, 302);
  const after = await qa.get('/settings/calendar');
  assert.match(after.body, /2 January 2027 has been added as a closure day/);
  const wrong = await qa.post(
    '/settings/calendar/closures',
    { 'date-day': '2', 'date-month': '', 'date-year': '2027', reason: 'Snow' },
    '/settings/calendar',
  );
  assert.equal(wrong.statusCode, 400);
  assert.deepEqual(errorSummaryItems(wrong.body), [
    { href: '#date-month', text: 'The closure day must include a month' },
  ]);
});

test('phase lengths are changed on the settings page; a zero is refused with its message', async () => {
  const zero = await qa.post(
    '/settings/calendar/phases',
    { pre_audit: '5', auditing: '0', feedback: '5', reporting: '10', learning: '25' },
    '/settings/calendar',
  );
  assert.equal(zero.statusCode, 400);
  assert.deepEqual(errorSummaryItems(zero.body), [
    { href: '#auditing', text: 'Auditing window must be at least 1 working day' },
  ]);
  const saved = await qa.post(
    '/settings/calendar/phases',
    { pre_audit: '5', auditing: '15', feedback: '6', reporting: '10', learning: '25' },
    '/settings/calendar',
  );
  assert.equal(saved.statusCode, 302);
  const page = await qa.get('/settings/calendar');
  assert.match(page.body, /Phase lengths have been saved\. \d+ future cycles were re-dated\./);
  assert.match(page.body, /November 2026 is under way and kept its dates|are under way and kept their dates/);
  assert.match(page.body, /Christmas closure/);
});

test('the QA lead makes a dip sample for a new theme from a copy and previews it as an auditor sees it', async () => {
  const visits = await t.db
    .selectFrom('audit_tools')
    .select('id')
    .where('name', '=', 'Dip sample: visits (seen and seen alone)')
    .executeTakeFirstOrThrow();
  const noName = await qa.post('/tools', { from: visits.id, name: '' }, '/tools');
  assert.deepEqual(errorSummaryItems(noName.body), [
    { href: '#name', text: 'Enter a name for the new tool' },
  ]);
  const made = await qa.post(
    '/tools',
    { from: visits.id, name: 'Dip sample: visits to disabled children' },
    '/tools',
  );
  assert.equal(made.statusCode, 302);
  const preview = await practitioner.get(made.headers.location as string);
  assert.equal(h1(preview.body), 'Dip sample: visits to disabled children');
  assert.match(preview.body, /This is a preview/);
  assert.match(preview.body, /Was the child seen alone\?/);
  assert.match(preview.body, /type="radio"/);
  const twice = await qa.post(
    '/tools',
    { from: visits.id, name: 'dip sample: VISITS to disabled children' },
    '/tools',
  );
  assert.deepEqual(errorSummaryItems(twice.body), [
    { href: '#name', text: 'A tool with this name already exists' },
  ]);
});

test('the twelve-section case file audit previews every section with grade, evaluation, impact and actions', async () => {
  const tool = await t.db
    .selectFrom('audit_tools')
    .select('id')
    .where('name', '=', 'Case file audit (four-point)')
    .executeTakeFirstOrThrow();
  const page = await qa.get(`/tools/${tool.id}`);
  assert.equal((page.body.match(/class="app-tool-section"/g) ?? []).length, 12);
  assert.equal((page.body.match(/Impact statement/g) ?? []).length, 12);
  assert.match(page.body, /Requires improvement/);
  assert.match(
    page.body,
    /8\. Family and network, including fathers and significant males|Family and network/,
  );
});

test('practice themes: anyone reads them; the QA lead adds one, and a duplicate name is refused', async () => {
  const read = await practitioner.get('/practice-themes');
  assert.match(read.body, /Voice of the child/);
  assert.doesNotMatch(read.body, /Add a theme/);
  const dup = await qa.post('/practice-themes', { name: 'NEGLECT', description: '' }, '/practice-themes');
  assert.equal(dup.statusCode, 400);
  assert.deepEqual(errorSummaryItems(dup.body), [
    { href: '#name', text: 'There is already a practice theme called "Neglect"' },
  ]);
  const added = await qa.post(
    '/practice-themes',
    { name: 'Private fostering', description: 'Children living with people who are not their family.' },
    '/practice-themes',
  );
  assert.equal(added.statusCode, 302);
  assert.match((await practitioner.get('/practice-themes')).body, /Private fostering/);
});

test('the QA lead builds a dip sample for a new theme, question by question, and previews it', async () => {
  const visits = await t.db
    .selectFrom('audit_tools')
    .select('id')
    .where('name', '=', 'Dip sample: visits (seen and seen alone)')
    .executeTakeFirstOrThrow();
  const builtinEdit = await qa.get(`/tools/${visits.id}/edit`);
  assert.match(builtinEdit.body, /Built-in tools stay as shipped/);
  const made = await qa.post('/tools', { from: visits.id, name: 'Dip sample: private fostering' }, '/tools');
  const toolId = (made.headers.location as string).split('/').pop() as string;
  const builder = `/tools/${toolId}/edit`;

  const noTitle = await qa.post(
    `/tools/${toolId}/sections`,
    { title: '', required: 'yes', questionText: '' },
    builder,
  );
  assert.equal(noTitle.statusCode, 400);
  assert.deepEqual(errorSummaryItems(noTitle.body), [
    { href: '#section-title', text: 'Enter the section’s title' },
    { href: '#section-questionText', text: 'Enter the question' },
    { href: '#section-questionType', text: 'Choose the kind of answer' },
  ]);

  const added = await qa.post(
    `/tools/${toolId}/sections`,
    {
      title: 'Private fostering arrangements',
      guidance: 'Notified and assessed within timescales.',
      required: 'yes',
      questionText: 'Was the arrangement notified to the council?',
      questionType: 'yes_no_partly_na',
      questionRequired: 'yes',
    },
    builder,
  );
  assert.equal(added.statusCode, 302);
  const page = await qa.get(builder);
  assert.match(page.body, /2\. Private fostering arrangements/);

  const newQuestion = `/tools/${toolId}/sections/private_fostering_arrangements/questions/new`;
  const badChoice = await qa.post(
    `/tools/${toolId}/sections/private_fostering_arrangements/questions`,
    { text: 'Who made the arrangement?', type: 'choice', options: 'Parent', required: 'yes' },
    newQuestion,
  );
  assert.equal(badChoice.statusCode, 400);
  assert.deepEqual(errorSummaryItems(badChoice.body), [
    { href: '#options', text: 'Give at least 2 options, one on each line' },
  ]);
  const good = await qa.post(
    `/tools/${toolId}/sections/private_fostering_arrangements/questions`,
    {
      text: 'Who made the arrangement?',
      type: 'choice',
      options: 'Parent\nCarer\nOther',
      guidance: 'From the notification.',
      required: 'yes',
    },
    newQuestion,
  );
  assert.equal(good.statusCode, 302);
  const preview = await qa.get(`/tools/${toolId}`);
  assert.match(preview.body, /Private fostering arrangements/);
  assert.match(preview.body, /Who made the arrangement\?/);
  assert.match(preview.body, /value="Carer"/);

  // once the tool has been used, a change makes a new version and the old one stays as it was
  await t.db
    .updateTable('audit_tool_versions')
    .set({ first_used_at: new Date() })
    .where('tool_id', '=', toolId)
    .execute();
  const moved = await qa.post(
    `/tools/${toolId}/sections/private_fostering_arrangements/move`,
    { direction: 'up' },
    builder,
  );
  assert.equal(moved.statusCode, 302);
  const after = await qa.get(builder);
  assert.match(after.body, /Saved as version 2\. Version 1 has been used in audits and stays as it was\./);
  assert.match(after.body, /1\. Private fostering arrangements/);
  const v1 = await qa.get(`/tools/${toolId}?version=1`);
  assert.match(v1.body, /1\. Visits/);
});

test('removing a tool’s last section is refused: a tool needs at least one section', async () => {
  const visits = await t.db
    .selectFrom('audit_tools')
    .select('id')
    .where('name', '=', 'Dip sample: visits (seen and seen alone)')
    .executeTakeFirstOrThrow();
  const made = await qa.post('/tools', { from: visits.id, name: 'Dip sample: one section only' }, '/tools');
  const toolId = (made.headers.location as string).split('/').pop() as string;
  const version = await t.db
    .selectFrom('audit_tool_versions')
    .select('definition')
    .where('tool_id', '=', toolId)
    .executeTakeFirstOrThrow();
  const key = (version.definition as { sections: { key: string }[] }).sections[0].key;
  const res = await qa.post(`/tools/${toolId}/sections/${key}/delete`, {}, `/tools/${toolId}/edit`);
  assert.equal(res.statusCode, 400);
  assert.match(errorSummaryItems(res.body)[0].text, /at least one section/);
});

test('a grade scale with no good-or-better grade is refused and nothing is saved; a sound one can be chosen for a tool', async () => {
  const before = await t.db.selectFrom('grade_scales').select('id').execute();
  const bad = await qa.post(
    '/grade-scales',
    { name: 'Traffic lights', 'grades-0-label': 'Amber', 'grades-1-label': 'Red' },
    '/grade-scales',
  );
  assert.equal(bad.statusCode, 400);
  assert.match(errorSummaryItems(bad.body)[0].text, /at least one grade that counts as good or better/);
  assert.match(bad.body, /value="Amber"/);
  assert.equal((await t.db.selectFrom('grade_scales').select('id').execute()).length, before.length);
  const good = await qa.post(
    '/grade-scales',
    {
      name: 'Traffic lights',
      'grades-0-label': 'Green',
      'grades-0-goodOrBetter': 'yes',
      'grades-1-label': 'Amber',
      'grades-2-label': 'Red',
    },
    '/grade-scales',
  );
  assert.equal(good.statusCode, 302);
  const page = await practitioner.get('/grade-scales');
  assert.match(page.body, /Traffic lights/);
  assert.match(page.body, /1\. Green/);
  const neglect = await t.db
    .selectFrom('audit_tools')
    .select('id')
    .where('name', '=', 'Dip sample: neglect')
    .executeTakeFirstOrThrow();
  const builder = await qa.get(`/tools/${neglect.id}/edit`);
  assert.match(builder.body, /<option value="traffic_lights"/);
});

test('a practice theme is renamed; a name another theme has is refused', async () => {
  const theme = await t.db
    .selectFrom('practice_themes')
    .select('id')
    .where('name', '=', 'Chronologies')
    .executeTakeFirstOrThrow();
  const dup = await qa.post(
    `/practice-themes/${theme.id}`,
    { name: 'neglect' },
    `/practice-themes/${theme.id}`,
  );
  assert.equal(dup.statusCode, 400);
  assert.deepEqual(errorSummaryItems(dup.body), [
    { href: '#name', text: 'There is already a practice theme called "Neglect"' },
  ]);
  const ok = await qa.post(
    `/practice-themes/${theme.id}`,
    { name: 'Chronologies and case histories', description: 'Significant events in order.' },
    `/practice-themes/${theme.id}`,
  );
  assert.equal(ok.statusCode, 302);
  assert.match((await practitioner.get('/practice-themes')).body, /Chronologies and case histories/);
});

test('a section added in a later version can be marked as the same section as one an earlier version had', async () => {
  const visits = await t.db
    .selectFrom('audit_tools')
    .select('id')
    .where('name', '=', 'Dip sample: visits (seen and seen alone)')
    .executeTakeFirstOrThrow();
  const made = await qa.post(
    '/tools',
    { from: visits.id, name: 'Dip sample: visits, second year' },
    '/tools',
  );
  const toolId = (made.headers.location as string).split('/').pop() as string;
  const builder = `/tools/${toolId}/edit`;
  await t.db
    .updateTable('audit_tool_versions')
    .set({ first_used_at: new Date() })
    .where('tool_id', '=', toolId)
    .execute();
  // version 2: a differently named section replaces "Visits"
  const add = await qa.post(
    `/tools/${toolId}/sections`,
    {
      title: 'Seeing the child',
      required: 'yes',
      questionText: 'Was the child seen alone?',
      questionType: 'yes_no_partly_na',
    },
    builder,
  );
  assert.equal(
    add.statusCode,
    302,
    errorSummaryItems(add.body)
      .map((e) => e.text)
      .join('; '),
  );
  const removed = await qa.post(`/tools/${toolId}/sections/visits/delete`, {}, builder);
  assert.equal(
    removed.statusCode,
    302,
    errorSummaryItems(removed.body)
      .map((e) => e.text)
      .join('; '),
  );
  const sectionPage = `/tools/${toolId}/sections/seeing_the_child`;
  const form = await qa.get(sectionPage);
  assert.match(form.body, /Is this the same section as one in an earlier version\?/);
  assert.match(form.body, /<option value="visits">Visits \(version 1\)<\/option>/);
  const bogus = await qa.post(
    sectionPage,
    { title: 'Seeing the child', required: 'yes', sameAs: 'not_a_section' },
    sectionPage,
  );
  assert.equal(bogus.statusCode, 400);
  assert.deepEqual(errorSummaryItems(bogus.body), [
    { href: '#sameAs', text: 'Choose the earlier section from the list' },
  ]);
  const saved = await qa.post(
    sectionPage,
    { title: 'Seeing the child', required: 'yes', sameAs: 'visits' },
    sectionPage,
  );
  assert.equal(saved.statusCode, 302);
  const latest = await t.db
    .selectFrom('audit_tool_versions')
    .select(['version', 'definition'])
    .where('tool_id', '=', toolId)
    .orderBy('version', 'desc')
    .executeTakeFirstOrThrow();
  const section = (latest.definition as { sections: { key: string; sameAs?: string }[] }).sections.find(
    (s) => s.key === 'seeing_the_child',
  );
  assert.equal(latest.version, 2);
  assert.equal(section?.sameAs, 'visits');
});

test('the builder answers 404 for a section that does not exist, and a change that changes nothing makes no version', async () => {
  const visits = await t.db
    .selectFrom('audit_tools')
    .select('id')
    .where('name', '=', 'Dip sample: visits (seen and seen alone)')
    .executeTakeFirstOrThrow();
  const made = await qa.post('/tools', { from: visits.id, name: 'Dip sample: visits, third year' }, '/tools');
  const toolId = (made.headers.location as string).split('/').pop() as string;
  const builder = `/tools/${toolId}/edit`;
  assert.equal(
    (await qa.post(`/tools/${toolId}/sections/no_such_section/delete`, {}, builder)).statusCode,
    404,
  );
  assert.equal(
    (
      await qa.post(
        `/tools/${toolId}/sections/visits/questions/no_such_question`,
        { text: 'x', type: 'short_text' },
        builder,
      )
    ).statusCode,
    404,
  );
  await t.db
    .updateTable('audit_tool_versions')
    .set({ first_used_at: new Date() })
    .where('tool_id', '=', toolId)
    .execute();
  const moved = await qa.post(`/tools/${toolId}/sections/visits/move`, { direction: 'up' }, builder);
  assert.equal(moved.statusCode, 302);
  assert.match((await qa.get(builder)).body, /Nothing has changed/);
  const versions = await t.db
    .selectFrom('audit_tool_versions')
    .select('version')
    .where('tool_id', '=', toolId)
    .execute();
  assert.equal(versions.length, 1);
});

test('a themed audit tool is made from the case file audit; a dip sample cannot become a full audit', async () => {
  const audit = await t.db
    .selectFrom('audit_tools')
    .select('id')
    .where('name', '=', 'Case file audit (four-point)')
    .executeTakeFirstOrThrow();
  const themed = await qa.post(
    '/tools',
    { from: audit.id, name: 'Themed audit: rising CP plans', kind: 'themed' },
    '/tools',
  );
  assert.equal(themed.statusCode, 302);
  const page = await qa.get(themed.headers.location as string);
  assert.match(page.body, /Themed audit · version 1/);
  const visits = await t.db
    .selectFrom('audit_tools')
    .select('id')
    .where('name', '=', 'Dip sample: visits (seen and seen alone)')
    .executeTakeFirstOrThrow();
  const wrong = await qa.post(
    '/tools',
    { from: visits.id, name: 'Visits as a full audit', kind: 'full_audit' },
    '/tools',
  );
  assert.equal(wrong.statusCode, 400);
  assert.match(errorSummaryItems(wrong.body)[0].text, /cannot become that kind of tool/);
});
