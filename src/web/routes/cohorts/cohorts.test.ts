import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { writeFixtureSnapshot } from '../../../../test/helpers/cohort-fixtures.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import type { Role } from '../../../domain/roles.ts';
import {
  addLocality,
  addServiceArea,
  addTeam,
  createCouncil,
} from '../../../services/organisation/councils.ts';
import { hashPassword } from '../../../services/organisation/passwords.ts';
import { addPerson } from '../../../services/organisation/people.ts';
import { createCohort, getCohort, listCohorts } from '../../../services/sampling/cohorts.ts';

let t: TestDb;
let app: FastifyInstance;
let councilId: string;
let emptyCouncilId: string;
const place: Record<string, string> = {};
const agents = new Map<string, Agent>();
const agent = (who: string) => agents.get(who) as Agent;
const PASSWORD = 'cohort council password';
const OTHERS: Role[] = ['auditor', 'practitioner', 'administrator', 'senior_leader', 'case_manager'];

/**
 * A council with two service areas, three teams and two localities, and eleven children on the
 * case data of 22 November 2026; a second council with no case data. A person for each role.
 */
before(async () => {
  t = await createTestDb();
  councilId = (await createCouncil(t.db, { code: 'ch', name: 'Cohort Council' })).id;
  emptyCouncilId = (await createCouncil(t.db, { code: 'nd', name: 'No Data Council' })).id;
  place.north = await addLocality(t.db, councilId, 'North');
  place.south = await addLocality(t.db, councilId, 'South');
  place.safeguarding = await addServiceArea(t.db, councilId, 'Safeguarding');
  place.care = await addServiceArea(t.db, councilId, 'Children in care');
  place.T1 = await addTeam(t.db, councilId, {
    name: 'Safeguarding North',
    serviceAreaId: place.safeguarding,
    localityId: place.north,
  });
  place.T2 = await addTeam(t.db, councilId, {
    name: 'Safeguarding South',
    serviceAreaId: place.safeguarding,
    localityId: place.south,
  });
  place.T3 = await addTeam(t.db, councilId, { name: 'Children in Care', serviceAreaId: place.care });
  // a second team in the first service area the form lists: each team's box has its own id
  await addTeam(t.db, councilId, { name: 'Children in Care South', serviceAreaId: place.care });
  const held = (team: string) => ({ teamId: place[team], allocatedFrom: '2020-01-01' });
  await writeFixtureSnapshot(t.db, councilId, '2026-11-22', [
    // eight on a plan: six in the north (two of them brothers), two in the south
    ...['N1', 'N2', 'N3', 'N4', 'N5', 'N6'].map((ref, i) => ({
      ref,
      family: i < 2 ? 'F1' : undefined,
      dateOfBirth: '2012-01-01',
      ethnicity: 'WBRI',
      ...held('T1'),
      episodes: [{ kind: 'cp_plan' as const, start: '2026-06-01' }],
    })),
    ...['S1', 'S2'].map((ref) => ({
      ref,
      dateOfBirth: '2019-01-01',
      ethnicity: 'BAFR',
      ...held('T2'),
      episodes: [{ kind: 'cp_plan' as const, start: '2026-06-01' }],
    })),
    ...['C1', 'C2', 'C3'].map((ref) => ({
      ref,
      dateOfBirth: '2010-01-01',
      ...held('T3'),
      episodes: [{ kind: 'cla' as const, start: '2025-01-01' }],
      placements: [{ start: '2025-01-01', type: 'U4' }],
    })),
  ]);
  app = await createTestApp(t.db, { demo: false });
  const passwordHash = await hashPassword(PASSWORD);
  const people: [string, string, Role][] = [
    ['lead', councilId, 'qa_lead'],
    ['nodata', emptyCouncilId, 'qa_lead'],
    ...OTHERS.map((r): [string, string, Role] => [r, councilId, r]),
  ];
  for (const [who, council, role] of people) {
    const email = `${who}@cohorts.example.gov.uk`;
    await addPerson(
      t.db,
      council,
      { name: `The ${who}`, email, jobTitle: role, roles: [role] },
      { externalId: `P-${who}`, passwordHash },
    );
    const a = new Agent(app);
    const signedIn = await a.post('/sign-in', { email, password: PASSWORD });
    assert.equal(signedIn.statusCode, 302, `${who} signs in`);
    agents.set(who, a);
  }
});
after(async () => {
  await app.close();
  await t.close();
});

/** The input with this id on the page, as HTML. */
function input(html: string, id: string): string {
  return html.match(new RegExp(`<input[^>]*\\sid="${id}"[^>]*>`))?.[0] ?? '';
}
const fieldValue = (html: string, id: string) => input(html, id).match(/\svalue="([^"]*)"/)?.[1];
const isChecked = (html: string, id: string) => /\schecked[\s>]/.test(input(html, id));
/** Whether the checkbox of this name and value is ticked. */
function ticked(html: string, name: string, value: string): boolean {
  const box = html.match(new RegExp(`<input[^>]*name="${name}"[^>]*value="${value}"[^>]*>`))?.[0] ?? '';
  assert.ok(box, `a ${name} box for ${value}`);
  return /\schecked[\s>]/.test(box);
}

const cohortNamed = async (name: string, council = councilId) =>
  (await listCohorts(t.db, council)).find((c) => c.name === name);

/** The cohort form as a browser sends it: the fields given, and the options ticked by default. */
function form(fields: Record<string, string | string[]>) {
  return { options: ['excludeClosed'], disability: 'any', uasc: 'any', ...fields };
}

test('only the QA lead may use cohorts: everyone else is refused every page and form, and nothing changes', async () => {
  const id = (await cohortNamed('Children in care'))?.id as string;
  const before = await listCohorts(t.db, councilId);
  for (const role of OTHERS) {
    const a = agent(role);
    for (const url of ['/cohorts', '/cohorts/new', `/cohorts/${id}`, `/cohorts/${id}/edit`]) {
      const res = await a.get(url);
      assert.equal(res.statusCode, 403, `${role} GET ${url}`);
      assert.match(res.body, /You cannot do this/);
    }
    for (const url of [
      '/cohorts/new',
      `/cohorts/${id}/edit`,
      `/cohorts/${id}/archive`,
      `/cohorts/${id}/restore`,
    ]) {
      const res = await a.post(url, form({ name: 'Intruder cohort' }), '/');
      assert.equal(res.statusCode, 403, `${role} POST ${url}`);
    }
    const home = await a.get('/');
    assert.ok(!home.body.includes('href="/cohorts"'), `${role} has no Cohorts link`);
  }
  assert.deepEqual(await listCohorts(t.db, councilId), before);
});

test('a form sent without the session’s CSRF token is refused and changes nothing', async () => {
  const lead = agent('lead');
  const res = await lead.post('/cohorts/new', form({ _csrf: '', name: 'Forged cohort' }), '/cohorts/new');
  assert.equal(res.statusCode, 403);
  const wrong = await lead.post(
    '/cohorts/new',
    form({ _csrf: 'not-the-token', name: 'Forged cohort' }),
    '/cohorts/new',
  );
  assert.equal(wrong.statusCode, 403);
  const id = (await cohortNamed('Children under 5'))?.id as string;
  const archive = await lead.post(`/cohorts/${id}/archive`, { _csrf: '' }, `/cohorts/${id}`);
  assert.equal(archive.statusCode, 403);
  assert.equal(await cohortNamed('Forged cohort'), undefined);
  assert.equal((await getCohort(t.db, councilId, id)).archived, false);
});

test('the list: every cohort with what is in it and its size now, examples marked', async () => {
  const res = await agent('lead').get('/cohorts');
  assert.equal(res.statusCode, 200);
  assert.equal(h1(res.body), 'Cohorts');
  assert.match(res.body, /href="\/cohorts\/new"[^>]*>\s*Create a cohort/);
  assert.match(res.body, /Children on the case data of 22 November 2026/);
  const row = (name: string) => {
    const m = res.body.match(
      new RegExp(`<tr class="govuk-table__row">\\s*<th[^>]*>\\s*<a[^>]*>${name}</a>[\\s\\S]*?</tr>`),
    );
    assert.ok(m, `a row for ${name}`);
    return m[0];
  };
  assert.match(row('Child protection plans'), /Status: Child protection plan/);
  assert.match(row('Child protection plans'), /Example/);
  assert.match(row('Child protection plans'), /govuk-table__cell--numeric">\s*8\s*</);
  assert.match(row('Children in care'), /govuk-table__cell--numeric">\s*3\s*</);
  assert.match(row('All open cases'), /govuk-table__cell--numeric">\s*11\s*</);
});

test('creating a cohort: saved, then its size and where its children are, each with its share', async () => {
  const lead = agent('lead');
  const res = await lead.post(
    '/cohorts/new',
    form({
      name: 'Plans in safeguarding',
      description: 'For the November dip sample',
      serviceAreaIds: place.safeguarding,
      statuses: ['cp_plan'],
      options: ['excludeClosed', 'onePerFamily'],
    }),
    '/cohorts/new',
  );
  assert.equal(res.statusCode, 302);
  const saved = await cohortNamed('Plans in safeguarding');
  assert.ok(saved);
  assert.equal(res.headers.location, `/cohorts/${saved.id}`);
  assert.deepEqual(saved.definition?.serviceAreaIds, [place.safeguarding]);
  assert.equal(saved.definition?.onePerFamily, true);
  assert.equal(saved.definition?.excludeClosed, true);

  const page = await lead.get(`/cohorts/${saved.id}`);
  assert.equal(page.statusCode, 200);
  assert.equal(h1(page.body), 'Plans in safeguarding');
  assert.match(page.body, /The cohort “Plans in safeguarding” has been saved/);
  assert.match(page.body, /<strong>8 children<\/strong> \(7 families\)/);
  assert.match(page.body, /On the case data of 22 November 2026/);
  assert.match(page.body, /a sample can take at most 7 children/);
  assert.match(page.body, /Service area: Safeguarding/);
  const table = (id: string) =>
    page.body.match(new RegExp(`<table class="govuk-table" id="${id}">[\\s\\S]*?</table>`))?.[0] ?? '';
  assert.match(table('by-team'), /Safeguarding North<\/th>\s*<td[^>]*>6 \(75%\)</);
  assert.match(table('by-team'), /Safeguarding South<\/th>\s*<td[^>]*>2 \(25%\)</);
  assert.match(table('by-service-area'), /Safeguarding<\/th>\s*<td[^>]*>8 \(100%\)</);
  assert.match(table('by-locality'), /North<\/th>\s*<td[^>]*>6 \(75%\)</);
  assert.match(
    page.body,
    new RegExp(`href="/samples/new\\?cohort=${saved.id}"[^>]*>\\s*Draw a sample from this cohort`),
  );
});

test('a form with mistakes shows each in the error summary, linked to its field, and keeps what was typed', async () => {
  const lead = agent('lead');
  const res = await lead.post(
    '/cohorts/new',
    form({
      name: '',
      description: 'Kept description',
      statuses: ['cp_plan'],
      ageFrom: '12',
      ageTo: '5',
      cinPlanLongerThanMonths: 'six',
      'cpPlanStartedFrom-day': '31',
      'cpPlanStartedFrom-month': '2',
      'cpPlanStartedFrom-year': '2026',
      cpCategoryWords: 'exploitation, contextual',
    }),
    '/cohorts/new',
  );
  assert.equal(res.statusCode, 400);
  assert.match(res.body, /<title>Error: Create a cohort/);
  assert.deepEqual(errorSummaryItems(res.body), [
    { href: '#name', text: 'Enter a name for the cohort' },
    {
      href: '#cinPlanLongerThanMonths',
      text: 'Enter how long the child in need plan has lasted in months, as a whole number from 1 to 240',
    },
    {
      href: '#cpPlanStartedFrom-day',
      text: 'Enter a real date for the start of the period, for example 1 4 2026',
    },
    // the filters that could be read are checked against each other too
    { href: '#ageFrom', text: 'The youngest age (12) is older than the oldest (5)' },
  ]);
  // what was typed is still there
  assert.match(res.body, /Kept description/);
  assert.equal(fieldValue(res.body, 'cinPlanLongerThanMonths'), 'six');
  assert.equal(fieldValue(res.body, 'cpPlanStartedFrom-day'), '31');
  assert.equal(fieldValue(res.body, 'cpCategoryWords'), 'exploitation, contextual');
  assert.ok(ticked(res.body, 'statuses', 'cp_plan'));
  assert.ok(!ticked(res.body, 'statuses', 'cin_plan'));
  assert.ok(isChecked(res.body, 'excludeClosed'));
  assert.ok(!isChecked(res.body, 'onePerFamily'));

  // once the values are right, filters that cannot all hold are refused too
  const contradicting = await lead.post(
    '/cohorts/new',
    form({
      name: 'Impossible',
      statuses: ['early_help'],
      ageFrom: '12',
      ageTo: '5',
      placementKinds: 'foster',
    }),
    '/cohorts/new',
  );
  assert.equal(contradicting.statusCode, 400);
  assert.deepEqual(
    errorSummaryItems(contradicting.body).map((e) => e.href),
    ['#placementKinds', '#ageFrom'],
  );
  assert.equal(await cohortNamed('Impossible'), undefined);
});

test('the step up: how soon before the plan the child in need plan or early help was, set on the form and said in words', async () => {
  const lead = agent('lead');
  // a new form offers the step up, with its usual window of 3 months
  const blank = await lead.get('/cohorts/new');
  assert.ok(isChecked(blank.body, 'cpPlanAfterWhen'), 'the step up is chosen');
  assert.equal(fieldValue(blank.body, 'cpPlanAfterWithinMonths'), '3');

  // a window left empty, or not a number of months, is refused beside it; nothing is saved
  for (const typed of ['', '30', 'three']) {
    const res = await lead.post(
      '/cohorts/new',
      form({
        name: 'Step up',
        statuses: ['cp_plan'],
        cpPlanAfter: 'cin_plan',
        cpPlanAfterWhen: 'step_up',
        cpPlanAfterWithinMonths: typed,
      }),
      '/cohorts/new',
    );
    assert.equal(res.statusCode, 400, `"${typed}"`);
    assert.deepEqual(errorSummaryItems(res.body), [
      {
        href: '#cpPlanAfterWithinMonths',
        text: 'Enter how many months before the child protection plan began the plan or early help may have ended, as a whole number from 0 to 24',
      },
    ]);
  }
  assert.equal(await cohortNamed('Step up'), undefined);

  const saved = await lead.post(
    '/cohorts/new',
    form({
      name: 'Step up',
      statuses: ['cp_plan'],
      cpPlanAfter: 'cin_plan',
      cpPlanAfterWhen: 'step_up',
      cpPlanAfterWithinMonths: '6',
    }),
    '/cohorts/new',
  );
  assert.equal(saved.statusCode, 302);
  const stepUp = await cohortNamed('Step up');
  assert.equal(stepUp?.definition?.cpPlanAfterWithinMonths, 6);
  const page = await lead.get(`/cohorts/${stepUp?.id}`);
  assert.match(
    page.body,
    /Child protection plan after a child in need plan that was open when the plan began or ended in the 6 months before it/,
  );
  const edit = await lead.get(`/cohorts/${stepUp?.id}/edit`);
  assert.equal(fieldValue(edit.body, 'cpPlanAfterWithinMonths'), '6');

  // "at any time before" is the QA lead's choice, said as such; its window does not matter
  const ever = await lead.post(
    '/cohorts/new',
    form({
      name: 'Ever after',
      statuses: ['cp_plan'],
      cpPlanAfter: 'early_help',
      cpPlanAfterWhen: 'ever',
      cpPlanAfterWithinMonths: '',
    }),
    '/cohorts/new',
  );
  assert.equal(ever.statusCode, 302);
  const everCohort = await cohortNamed('Ever after');
  assert.equal(everCohort?.definition?.cpPlanAfterWhen, 'ever');
  assert.match(
    (await lead.get(`/cohorts/${everCohort?.id}`)).body,
    /Child protection plan after early help at any time before it/,
  );
  assert.ok(isChecked((await lead.get(`/cohorts/${everCohort?.id}/edit`)).body, 'cpPlanAfterWhen-2'));
});

test('Check size counts the children without saving; an empty cohort says which filters leave everyone out', async () => {
  const lead = agent('lead');
  const res = await lead.post(
    '/cohorts/new',
    form({ action: 'check', name: '', statuses: ['cp_plan'], teamIds: place.T2 }),
    '/cohorts/new',
  );
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /2 children \(2 families\)/);
  assert.match(res.body, /Nothing has been saved yet/);
  assert.deepEqual(errorSummaryItems(res.body), [], 'a missing name does not stop a check');

  const empty = await lead.post(
    '/cohorts/new',
    form({ action: 'check', statuses: ['in_care'], teamIds: place.T2, ageFrom: '5' }),
    '/cohorts/new',
  );
  assert.match(empty.body, /0 children \(0 families\)/);
  assert.match(
    empty.body,
    /<a class="govuk-link" href="#teamIds">Team: Safeguarding South<\/a>: without it, 3 children/,
  );
  assert.match(
    empty.body,
    /<a class="govuk-link" href="#statuses">Status: In care<\/a>: without it, 2 children/,
  );
  assert.ok(!empty.body.includes('href="#ageFrom"'), 'the age alone leaves nobody out');
  assert.equal(await cohortNamed(''), undefined);
});

test('the form folds groups of filters away, open with what is set or wrong in them; Check size lands on the size', async () => {
  /** A folded group: whether it is open, and its summary. */
  const fold = (body: string, id: string) => {
    const m = body.match(
      new RegExp(`<details class="[^"]*" id="${id}"( open)?>\\s*<summary[^>]*>(.*?)</summary>`, 's'),
    );
    assert.ok(m, `no folded group ${id}`);
    return {
      open: Boolean(m[1]),
      summary: m[2]
        .replace(/<[^>]+>/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    };
  };
  const lead = agent('lead');
  const blank = await lead.get('/cohorts/new');
  assert.match(blank.body, /formaction="\/cohorts\/new#cohort-size"/, 'Check size goes to the size');
  for (const id of ['times-choices', 'cpPlan-choices', 'repeats-choices', 'child-choices'])
    assert.equal(fold(blank.body, id).open, false, `${id} is folded with nothing set`);
  assert.match(fold(blank.body, 'child-choices').summary, /\(none set\)$/);

  const checked = await lead.post(
    '/cohorts/new',
    form({
      action: 'check',
      statuses: ['cp_plan'],
      ageFrom: '10',
      disability: 'yes',
      'cpPlanStartedFrom-day': '1',
      'cpPlanStartedFrom-month': '4',
      'cpPlanStartedFrom-year': '2026',
    }),
    '/cohorts/new',
  );
  assert.equal(checked.statusCode, 200);
  assert.deepEqual(fold(checked.body, 'child-choices'), {
    open: true,
    summary: 'Age, disability, UASC and ethnicity (2 set)',
  });
  assert.equal(fold(checked.body, 'cpPlan-choices').open, true);
  assert.match(fold(checked.body, 'cpPlan-choices').summary, /\(1 set\)$/);
  assert.equal(fold(checked.body, 'times-choices').open, false);
  assert.match(checked.body, /id="cohort-size" tabindex="-1" autofocus/, 'the size takes the focus');

  // a mistake in a folded group opens it, so that the error's link reaches the field
  const wrong = await lead.post(
    '/cohorts/new',
    form({ action: 'check', referredWithinMonths: 'six' }),
    '/cohorts/new',
  );
  assert.equal(wrong.statusCode, 400);
  assert.deepEqual(fold(wrong.body, 'times-choices'), {
    open: true,
    summary: 'How long on a plan, and how lately in care, referred or assessed (1 set)',
  });
});

test('changing a cohort keeps the form filled in from what was saved, and saving as a new cohort copies it', async () => {
  const lead = agent('lead');
  const id = await createCohort(t.db, councilId, {
    name: 'To change',
    definition: { statuses: ['cp_plan'], teamIds: [place.T1], ageFrom: 10, cpPlanStartedFrom: '2026-04-01' },
  });
  const edit = await lead.get(`/cohorts/${id}/edit`);
  assert.equal(edit.statusCode, 200);
  assert.equal(h1(edit.body), 'Change To change');
  const ids = [...edit.body.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(
    ids.filter((id, i) => ids.indexOf(id) !== i),
    [],
    'every id on the form is used once',
  );
  assert.ok(ticked(edit.body, 'teamIds', place.T1));
  assert.ok(!ticked(edit.body, 'teamIds', place.T2));
  assert.equal(fieldValue(edit.body, 'ageFrom'), '10');
  assert.equal(fieldValue(edit.body, 'cpPlanStartedFrom-month'), '4');
  assert.equal(fieldValue(edit.body, 'cpPlanStartedFrom-year'), '2026');

  const saved = await lead.post(
    `/cohorts/${id}/edit`,
    form({ name: 'Changed', statuses: ['cp_plan'], teamIds: place.T2 }),
    `/cohorts/${id}/edit`,
  );
  assert.equal(saved.statusCode, 302);
  assert.equal(saved.headers.location, `/cohorts/${id}`);
  const changed = await getCohort(t.db, councilId, id);
  assert.equal(changed.name, 'Changed');
  assert.deepEqual(changed.definition?.teamIds, [place.T2]);
  assert.equal(changed.definition?.ageFrom, null);

  // "Save as a new cohort" sends the same form to /cohorts/new: a new name is needed
  const sameName = await lead.post(
    '/cohorts/new',
    form({ name: 'changed', statuses: ['cp_plan'] }),
    `/cohorts/${id}/edit`,
  );
  assert.equal(sameName.statusCode, 400);
  assert.deepEqual(errorSummaryItems(sameName.body), [
    { href: '#name', text: 'There is already a cohort called "Changed"' },
  ]);
  const copy = await lead.get(`/cohorts/new?from=${id}`);
  assert.equal(fieldValue(copy.body, 'name'), 'Copy of Changed');
  assert.ok(ticked(copy.body, 'teamIds', place.T2));
});

test('archiving and restoring: kept, listed apart, no sample drawn from it while archived', async () => {
  const lead = agent('lead');
  const id = await createCohort(t.db, councilId, { name: 'Short-lived', definition: {} });
  const archived = await lead.post(`/cohorts/${id}/archive`, {}, `/cohorts/${id}`);
  assert.equal(archived.statusCode, 302);
  assert.equal(archived.headers.location, '/cohorts');
  const list = await lead.get('/cohorts');
  assert.match(list.body, /“Short-lived” has been archived/);
  assert.match(list.body, /Archived cohorts[\s\S]*Short-lived/);
  const page = await lead.get(`/cohorts/${id}`);
  assert.match(page.body, /This cohort is archived/);
  assert.ok(!page.body.includes('Draw a sample from this cohort'));
  const restored = await lead.post(`/cohorts/${id}/restore`, {}, `/cohorts/${id}`);
  assert.equal(restored.statusCode, 302);
  assert.equal((await getCohort(t.db, councilId, id)).archived, false);
});

test('an unknown cohort, or another council’s, is not found', async () => {
  const lead = agent('lead');
  const theirs = (await cohortNamed('Children in care', emptyCouncilId))?.id as string;
  for (const url of [
    `/cohorts/${theirs}`,
    `/cohorts/${theirs}/edit`,
    '/cohorts/not-an-id',
    '/cohorts/00000000-0000-4000-8000-000000000000',
  ])
    assert.equal((await lead.get(url)).statusCode, 404, url);
  assert.equal((await lead.post(`/cohorts/${theirs}/archive`, {}, '/cohorts')).statusCode, 404);
  assert.equal((await getCohort(t.db, emptyCouncilId, theirs)).archived, false);
});

test('before any case data, the pages say so and link to Case data', async () => {
  const lead = agent('nodata');
  const list = await lead.get('/cohorts');
  assert.equal(list.statusCode, 200);
  assert.match(list.body, /No case data has been loaded yet/);
  assert.match(list.body, /href="\/imports">Case data<\/a>/);
  const id = (await cohortNamed('Children in care', emptyCouncilId))?.id as string;
  const page = await lead.get(`/cohorts/${id}`);
  assert.match(page.body, /No case data has been loaded yet/);
  assert.match(page.body, /href="\/imports">Case data<\/a>/);
  const check = await lead.post(
    '/cohorts/new',
    form({ action: 'check', statuses: ['cp_plan'] }),
    '/cohorts/new',
  );
  assert.equal(check.statusCode, 200);
  assert.match(check.body, /no case data has been loaded yet, so there is nothing to count/);
  // a cohort can still be saved
  const saved = await lead.post('/cohorts/new', form({ name: 'Ready for data' }), '/cohorts/new');
  assert.equal(saved.statusCode, 302);
});
