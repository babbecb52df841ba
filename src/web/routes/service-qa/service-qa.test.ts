import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, createTestApp, errorSummaryItems, h1 } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDbWithDemo } from '../../../../test/helpers/db.ts';
import { addPerson } from '../../../services/organisation/people.ts';

const PASSWORD = 'service qa test password';

let t: TestDbWithDemo;
let app: FastifyInstance;
let councilId: string;
let qa: Agent;
let lado: Agent;
let sen: Agent;
let nobody: Agent;
const services: Record<string, string> = {};

/** A multipart/form-data body as a browser sends the upload form. */
function multipart(fields: Record<string, string>, file?: { name: string; content: string }) {
  const boundary = `----qaloopTestBoundary${Math.random().toString(36).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields))
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
    );
    parts.push(Buffer.from(file.content));
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function upload(agent: Agent, file: { name: string; content: string }) {
  const body = multipart({ _csrf: await agent.csrf('/service-qa/import') }, file);
  return agent.request({
    method: 'POST',
    url: '/service-qa/import',
    payload: body.payload,
    headers: { 'content-type': body.contentType },
  });
}

async function signIn(email: string) {
  const agent = new Agent(app);
  const res = await agent.post('/sign-in', { email, password: PASSWORD });
  assert.equal(res.statusCode, 302, `sign-in as ${email}`);
  return agent;
}

async function person(email: string, serviceKey: string | null) {
  const added = await addPerson(t.db, councilId, {
    name: `Test ${email}`,
    email,
    jobTitle: 'QA officer',
    roles: ['service_contributor'],
    password: PASSWORD,
  });
  if (serviceKey)
    await t.db
      .updateTable('staff')
      .set({ qa_service_id: services[serviceKey] })
      .where('id', '=', added.staffId)
      .execute();
  return added.staffId;
}

const entriesOf = (serviceKey: string) =>
  t.db.selectFrom('service_qa_entries').selectAll().where('service_id', '=', services[serviceKey]).execute();

async function entryOf(serviceKey: string) {
  const [entry] = await entriesOf(serviceKey);
  assert.ok(entry, `the demo has an entry for ${serviceKey}`);
  return entry;
}

const goodEntry = (extra: Record<string, string | string[]> = {}) => ({
  'periodStart-day': '1',
  'periodStart-month': '10',
  'periodStart-year': '2026',
  'periodEnd-day': '31',
  'periodEnd-month': '10',
  'periodEnd-year': '2026',
  reviewed: 'Allegations closed in October',
  reviewedCount: '6',
  strengths: 'Timely meetings',
  development: 'Chronologies thin',
  themes: ['chronologies', 'management_oversight'],
  ...extra,
});

before(async () => {
  t = await createTestDb({ demo: true });
  councilId = t.demo.councilId;
  app = await createTestApp(t.db);
  for (const s of await t.db
    .selectFrom('qa_services')
    .select(['id', 'key'])
    .where('council_id', '=', councilId)
    .execute())
    services[s.key] = s.id;
  qa = new Agent(app);
  await qa.signInAs('qa_lead');
  lado = new Agent(app);
  await lado.signInAs('service_contributor');
  await person('sen.contributor@example.gov.uk', 'sen');
  await person('no.service@example.gov.uk', null);
  sen = await signIn('sen.contributor@example.gov.uk');
  nobody = await signIn('no.service@example.gov.uk');
});

/** How many entries of QA activity the database holds, every council's. */
async function entryCount(): Promise<number> {
  const row = await t.db
    .selectFrom('service_qa_entries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

after(async () => {
  await app.close();
  await t.close();
});

describe('a contributor sees and changes only their own service’s entries', () => {
  test('the demo LADO sees the LADO service’s entries, none of another service’s', async () => {
    const res = await lado.get('/service-qa');
    assert.equal(res.statusCode, 200);
    assert.equal(h1(res.body), 'QA from elsewhere');
    assert.match(res.body, /LADO allegations closed in the quarter/);
    assert.doesNotMatch(res.body, /EHC plans/);
    assert.doesNotMatch(res.body, /Multi-agency audit: neglect/);
    // asking for another service's entries in the address gives only their own
    const other = await lado.get(`/service-qa?service=${services.sen}`);
    assert.doesNotMatch(other.body, /EHC plans/);
  });

  test('they add an entry, always to their own service whatever the form says', async () => {
    const before = (await entriesOf('sen')).length;
    const res = await lado.post(
      '/service-qa/entries',
      goodEntry({ serviceId: services.sen }),
      '/service-qa/entries/new',
    );
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/service-qa?quarter=2026-10-01');
    assert.equal((await entriesOf('sen')).length, before);
    const mine = (await entriesOf('lado')).find((e) => e.reviewed === 'Allegations closed in October');
    assert.ok(mine);
    assert.equal(mine.quarter_start, '2026-10-01');
    assert.equal(mine.grades, null, 'the LADO service does not grade');
    assert.equal(mine.source, 'form');
    const themes = await t.db
      .selectFrom('service_qa_entry_themes')
      .select('theme_key')
      .where('entry_id', '=', mine.id)
      .execute();
    assert.deepEqual(themes.map((r) => r.theme_key).sort(), ['chronologies', 'management_oversight']);
  });

  test('bad input is refused with messages, what was typed kept, nothing written', async () => {
    const count = (await entriesOf('lado')).length;
    const res = await lado.post(
      '/service-qa/entries',
      goodEntry({
        reviewed: 'Kept text',
        reviewedCount: 'lots',
        'periodEnd-month': '13',
        'periodStart-year': '',
      }),
      '/service-qa/entries/new',
    );
    assert.equal(res.statusCode, 400);
    const messages = errorSummaryItems(res.body).map((e) => e.text);
    assert.ok(messages.includes('The start of the period must include a year'), messages.join(' | '));
    assert.ok(messages.includes('The end of the period must be a real date'), messages.join(' | '));
    assert.ok(
      messages.includes('How many were reviewed must be a whole number, like 12'),
      messages.join(' | '),
    );
    assert.match(res.body, /value="Kept text"/);
    assert.equal((await entriesOf('lado')).length, count);
  });

  test('a grading service’s grades may not add up to more than were reviewed', async () => {
    const count = (await entriesOf('sen')).length;
    const res = await sen.post(
      '/service-qa/entries',
      goodEntry({ reviewed: 'EHC plans', reviewedCount: '5', 'grade-good': '4', 'grade-inadequate': '3' }),
      '/service-qa/entries/new',
    );
    assert.equal(res.statusCode, 400);
    assert.deepEqual(
      errorSummaryItems(res.body).map((e) => e.text),
      ['The grades add up to 7, more than the 5 reviewed'],
    );
    assert.equal((await entriesOf('sen')).length, count);
    const ok = await sen.post(
      '/service-qa/entries',
      goodEntry({
        reviewed: 'EHC plans graded',
        reviewedCount: '5',
        'grade-good': '4',
        'grade-inadequate': '1',
      }),
      '/service-qa/entries/new',
    );
    assert.equal(ok.statusCode, 303);
    const saved = (await entriesOf('sen')).find((e) => e.reviewed === 'EHC plans graded');
    assert.deepEqual(saved?.grades, { outstanding: 0, good: 4, requires_improvement: 0, inadequate: 1 });
  });

  test('another service’s entry cannot be opened, changed or deleted (403), and is unchanged', async () => {
    const entry = await entryOf('sen');
    assert.equal((await lado.get(`/service-qa/entries/${entry.id}`)).statusCode, 403);
    assert.equal((await lado.get(`/service-qa/entries/${entry.id}/edit`)).statusCode, 403);
    const change = await lado.post(
      `/service-qa/entries/${entry.id}`,
      goodEntry({ reviewed: 'Hijacked' }),
      '/service-qa',
    );
    assert.equal(change.statusCode, 403);
    const gone = await lado.post(`/service-qa/entries/${entry.id}/delete`, {}, '/service-qa');
    assert.equal(gone.statusCode, 403);
    const after = await t.db
      .selectFrom('service_qa_entries')
      .selectAll()
      .where('id', '=', entry.id)
      .executeTakeFirstOrThrow();
    assert.equal(after.reviewed, entry.reviewed);
    // and the other way round
    const ladoEntry = await entryOf('lado');
    assert.equal((await sen.get(`/service-qa/entries/${ladoEntry.id}`)).statusCode, 403);
  });

  test('their own entry they open, change and delete', async () => {
    const entry = (await entriesOf('lado')).find((e) => e.reviewed === 'Allegations closed in October');
    assert.ok(entry);
    const page = await lado.get(`/service-qa/entries/${entry.id}`);
    assert.equal(page.statusCode, 200);
    assert.equal(h1(page.body), 'Allegations closed in October');
    const edit = await lado.get(`/service-qa/entries/${entry.id}/edit`);
    assert.equal(h1(edit.body), 'Change QA activity');
    assert.match(edit.body, /value="Allegations closed in October"/);
    const saved = await lado.post(
      `/service-qa/entries/${entry.id}`,
      goodEntry({ reviewed: 'Allegations closed in October (all)', reviewedCount: '7' }),
      `/service-qa/entries/${entry.id}/edit`,
    );
    assert.equal(saved.statusCode, 303);
    const row = await t.db
      .selectFrom('service_qa_entries')
      .selectAll()
      .where('id', '=', entry.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.reviewed_count, 7);
    const deleted = await lado.post(
      `/service-qa/entries/${entry.id}/delete`,
      {},
      `/service-qa/entries/${entry.id}`,
    );
    assert.equal(deleted.statusCode, 303);
    assert.equal(
      await t.db.selectFrom('service_qa_entries').select('id').where('id', '=', entry.id).executeTakeFirst(),
      undefined,
    );
  });

  test('a contributor opens nothing else in the app', async () => {
    for (const url of [
      '/service-qa/services',
      `/service-qa/services/${services.lado}`,
      '/service-qa/import',
      '/service-qa/collation',
      '/audits',
      '/children',
      '/programme',
      '/dashboards/quality',
      '/reports',
      '/practice-themes',
    ]) {
      const res = await lado.get(url);
      assert.ok(res.statusCode === 403 || res.statusCode === 404, `${url} gave ${res.statusCode}`);
    }
    const add = await lado.post('/service-qa/services', { name: 'Sneaky', grades: 'no' }, '/service-qa');
    assert.equal(add.statusCode, 403);
    assert.equal(
      await t.db.selectFrom('qa_services').select('id').where('name', '=', 'Sneaky').executeTakeFirst(),
      undefined,
    );
  });

  test('a contributor with no service sees a clear message and adds nothing', async () => {
    const res = await nobody.get('/service-qa');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /You are not linked to a service yet/);
    assert.doesNotMatch(res.body, /LADO allegations/);
    const count = await entryCount();
    const add = await nobody.post('/service-qa/entries', goodEntry(), '/service-qa');
    assert.equal(add.statusCode, 403);
    const after = await entryCount();
    assert.equal(after, count);
  });

  test('a bad identifier is the page that does not exist', async () => {
    assert.equal((await qa.get('/service-qa/entries/not-an-id')).statusCode, 404);
    assert.equal((await qa.get('/service-qa/services/not-an-id')).statusCode, 404);
    assert.equal((await qa.get('/service-qa/import/not-an-id')).statusCode, 404);
    assert.equal((await qa.get('/service-qa/entries/00000000-0000-4000-8000-000000000000')).statusCode, 404);
  });
});

describe('the QA lead', () => {
  test('sees every service’s entries and filters by service and quarter', async () => {
    const all = await qa.get('/service-qa?quarter=2026-10-01');
    assert.equal(all.statusCode, 200);
    assert.match(all.body, /LADO allegations closed in the quarter/);
    assert.match(all.body, /New EHC plans quality assured/);
    const senOnly = await qa.get(`/service-qa?quarter=2026-10-01&service=${services.sen}`);
    assert.match(senOnly.body, /New EHC plans quality assured/);
    assert.doesNotMatch(senOnly.body, /LADO allegations/);
    const last = await qa.get('/service-qa?quarter=2026-07-01');
    assert.match(last.body, /Q2 2026 to 2027/);
    assert.match(last.body, /Complaints about children’s social care closed/);
    const nonsense = await qa.get('/service-qa?quarter=2026-13-45');
    assert.equal(nonsense.statusCode, 200);
    assert.match(nonsense.body, /Q3 2026 to 2027: October to December 2026/);
  });

  test('adds an entry for a chosen service, and must choose one', async () => {
    const none = await qa.post('/service-qa/entries', goodEntry(), '/service-qa/entries/new');
    assert.equal(none.statusCode, 400);
    assert.deepEqual(
      errorSummaryItems(none.body).map((e) => e.text),
      ['Choose the service'],
    );
    const res = await qa.post(
      '/service-qa/entries',
      goodEntry({
        serviceId: services.youth_justice,
        reviewed: 'YJ files by the QA team',
        'grade-good': '6',
      }),
      '/service-qa/entries/new',
    );
    assert.equal(res.statusCode, 303);
    const row = (await entriesOf('youth_justice')).find((e) => e.reviewed === 'YJ files by the QA team');
    assert.equal(row?.grades?.good, 6);
  });

  test('the demo’s imported spreadsheet is listed and opens', async () => {
    const imp = await t.db
      .selectFrom('service_qa_imports')
      .selectAll()
      .where('council_id', '=', councilId)
      .where('file_name', '=', 'services-qa-return.csv')
      .executeTakeFirstOrThrow();
    assert.equal(imp.entries, 2);
    const list = await qa.get('/service-qa/import');
    assert.match(list.body, /services-qa-return.csv/);
    const page = await qa.get(`/service-qa/import/${imp.id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Local child safeguarding practice review/);
  });

  test('edits and deletes any service’s entry', async () => {
    const entry = await entryOf('partnership_audits');
    assert.equal((await qa.get(`/service-qa/entries/${entry.id}/edit`)).statusCode, 200);
    const gone = await qa.post(
      `/service-qa/entries/${entry.id}/delete`,
      {},
      `/service-qa/entries/${entry.id}`,
    );
    assert.equal(gone.statusCode, 303);
  });
});

describe('services and contributors', () => {
  test('the QA lead adds a service (a name already used is refused), renames it and retires it', async () => {
    const list = await qa.get('/service-qa/services');
    assert.equal(list.statusCode, 200);
    assert.equal(h1(list.body), 'Services and contributors');
    const dup = await qa.post(
      '/service-qa/services',
      { name: 'lado SERVICE', grades: 'no' },
      '/service-qa/services',
    );
    assert.equal(dup.statusCode, 400);
    assert.deepEqual(
      errorSummaryItems(dup.body).map((e) => e.text),
      ['There is already a service called LADO service'],
    );
    const blank = await qa.post('/service-qa/services', { name: ' ', grades: '' }, '/service-qa/services');
    assert.equal(blank.statusCode, 400);
    assert.deepEqual(
      errorSummaryItems(blank.body).map((e) => e.text),
      ['Enter the name of the service', 'Select whether the service grades what it reviews'],
    );
    const res = await qa.post(
      '/service-qa/services',
      { name: 'Early help', grades: 'yes' },
      '/service-qa/services',
    );
    assert.equal(res.statusCode, 303);
    const row = await t.db
      .selectFrom('qa_services')
      .selectAll()
      .where('council_id', '=', councilId)
      .where('name', '=', 'Early help')
      .executeTakeFirstOrThrow();
    assert.equal(row.key, 'early_help');
    assert.equal(row.grades, true);
    const page = await qa.get(`/service-qa/services/${row.id}`);
    assert.equal(h1(page.body), 'Early help');
    await qa.post(
      `/service-qa/services/${row.id}`,
      { name: 'Early help hubs', grades: 'no' },
      `/service-qa/services/${row.id}`,
    );
    await qa.post(`/service-qa/services/${row.id}/retire`, {}, `/service-qa/services/${row.id}`);
    const after = await t.db
      .selectFrom('qa_services')
      .selectAll()
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual([after.name, after.grades, after.active], ['Early help hubs', false, false]);
    await qa.post(`/service-qa/services/${row.id}/restore`, {}, `/service-qa/services/${row.id}`);
    assert.equal(
      (
        await t.db
          .selectFrom('qa_services')
          .select('active')
          .where('id', '=', row.id)
          .executeTakeFirstOrThrow()
      ).active,
      true,
    );
  });

  test('the QA lead adds a new contributor: an account with the role and service, sent a sign-in link', async () => {
    const url = `/service-qa/services/${services.youth_justice}`;
    const bad = await qa.post(`${url}/contributors`, { name: '', email: 'not an email', jobTitle: '' }, url);
    assert.equal(bad.statusCode, 400);
    assert.equal(errorSummaryItems(bad.body)[0]?.href, '#contributor-name');
    const res = await qa.post(
      `${url}/contributors`,
      { name: 'Yusuf Khan', email: 'yusuf.khan@example.gov.uk', jobTitle: 'YOT practice manager' },
      url,
    );
    assert.equal(res.statusCode, 303);
    const staff = await t.db
      .selectFrom('staff')
      .selectAll()
      .where('email', '=', 'yusuf.khan@example.gov.uk')
      .executeTakeFirstOrThrow();
    assert.equal(staff.qa_service_id, services.youth_justice);
    const roles = await t.db
      .selectFrom('staff_roles')
      .select('role')
      .where('staff_id', '=', staff.id)
      .execute();
    assert.deepEqual(
      roles.map((r) => r.role),
      ['service_contributor'],
    );
    const account = await t.db
      .selectFrom('user_accounts')
      .select('id')
      .where('staff_id', '=', staff.id)
      .executeTakeFirstOrThrow();
    const links = await t.db
      .selectFrom('sign_in_links')
      .selectAll()
      .where('user_id', '=', account.id)
      .execute();
    assert.equal(links.length, 1);
    const page = await qa.get(url);
    assert.match(page.body, /Yusuf Khan/);

    // removing takes the role and the service; the person stays
    const removed = await qa.post(`${url}/contributors/remove`, { staffId: staff.id }, url);
    assert.equal(removed.statusCode, 303);
    const after = await t.db
      .selectFrom('staff')
      .selectAll()
      .where('id', '=', staff.id)
      .executeTakeFirstOrThrow();
    assert.equal(after.qa_service_id, null);
    assert.deepEqual(
      await t.db.selectFrom('staff_roles').select('role').where('staff_id', '=', staff.id).execute(),
      [],
    );
  });

  test('an existing person of the council is given the role and the service, keeping their other roles', async () => {
    const practitioner = await t.db
      .selectFrom('staff')
      .innerJoin('user_accounts as u', 'u.staff_id', 'staff.id')
      .select(['staff.id', 'u.email'])
      .where('staff.council_id', '=', councilId)
      .where('staff.external_id', '=', 'DEMO-practitioner')
      .executeTakeFirstOrThrow();
    const url = `/service-qa/services/${services.complaints}`;
    const res = await qa.post(
      `${url}/contributors`,
      { name: 'ignored', email: practitioner.email.toUpperCase(), jobTitle: '' },
      url,
    );
    assert.equal(res.statusCode, 303);
    const roles = (
      await t.db.selectFrom('staff_roles').select('role').where('staff_id', '=', practitioner.id).execute()
    ).map((r) => r.role);
    assert.ok(roles.includes('practitioner'));
    assert.ok(roles.includes('service_contributor'));
    const again = await qa.post(
      `${url}/contributors`,
      { name: '', email: practitioner.email, jobTitle: '' },
      url,
    );
    assert.equal(again.statusCode, 400);
    assert.match(errorSummaryItems(again.body)[0]?.text ?? '', /already a contributor for this service/);
  });
});

describe('import from a spreadsheet', () => {
  const csv = [
    'Service,Period start,Period end,What was reviewed,Number reviewed,Strengths,Areas for development,Practice themes,Outstanding,Good,Requires improvement,Inadequate',
    'special educational needs and ehcps,01/10/2026,31/10/2026,Imported EHC plans,10,Good views,Thin advice,Chronologies; voice of the child,1,5,3,1',
    'LADO service,2026-10-01,2026-10-31,Imported LADO referrals,4,,,Management oversight,,,,',
    'Nonexistent service,01/10/2026,31/10/2026,Nothing,3,,,,,,,',
    'Youth justice,01/10/2026,31/10/2026,Too many grades,2,,,Made-up theme,0,3,0,0',
  ].join('\n');

  test('the preview lists each row that cannot be read with its row and reason, and writes nothing', async () => {
    const before = await entryCount();
    const res = await upload(qa, { name: 'service-qa.csv', content: csv });
    assert.equal(res.statusCode, 200);
    assert.equal(h1(res.body), 'Check the QA activity to import');
    assert.match(
      res.body,
      /Row 4:<\/strong> Service: “Nonexistent service” is not one of the council’s services/,
    );
    assert.match(
      res.body,
      /Row 5:<\/strong> Practice themes: “Made-up theme” is not one of the council’s practice themes; The grades add up to 3, more than the 2 reviewed/,
    );
    assert.match(res.body, /Imported EHC plans/);
    const after = await entryCount();
    assert.equal(after, before);

    // then applied: the rows read, in one import
    const token = res.body.match(/name="file" value="([^"]+)"/)?.[1];
    assert.ok(token);
    const csrf = res.body.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? '';
    // sent twice at once (a double click): one import, the other told it has been imported
    const both = await Promise.all(
      [1, 2].map(() =>
        qa.post(
          '/service-qa/import/apply',
          { _csrf: csrf, file: token, fileName: 'service-qa.csv' },
          '/service-qa/import',
        ),
      ),
    );
    assert.deepEqual(both.map((r) => r.statusCode).sort(), [303, 409]);
    const applied = both.find((r) => r.statusCode === 303) as (typeof both)[number];
    const imp = await t.db
      .selectFrom('service_qa_imports')
      .selectAll()
      .where('council_id', '=', councilId)
      .where('file_name', '=', 'service-qa.csv')
      .executeTakeFirstOrThrow();
    assert.equal(imp.entries, 2);
    assert.equal(applied.headers.location, `/service-qa/import/${imp.id}`);
    const rows = await t.db
      .selectFrom('service_qa_entries')
      .selectAll()
      .where('import_id', '=', imp.id)
      .execute();
    assert.equal(rows.length, 2);
    assert.ok(rows.every((r) => r.source === 'import'));
    const ehc = rows.find((r) => r.reviewed === 'Imported EHC plans');
    assert.deepEqual(ehc?.grades, { outstanding: 1, good: 5, requires_improvement: 3, inadequate: 1 });
    const themes = await t.db
      .selectFrom('service_qa_entry_themes')
      .select('theme_key')
      .where('entry_id', '=', ehc?.id ?? '')
      .execute();
    assert.deepEqual(themes.map((x) => x.theme_key).sort(), ['chronologies', 'voice_of_the_child']);
    const page = await qa.get(`/service-qa/import/${imp.id}`);
    assert.equal(h1(page.body), 'Imported: service-qa.csv');

    // the same file cannot be imported twice from the same preview
    const twice = await qa.post(
      '/service-qa/import/apply',
      { file: token, fileName: 'x' },
      '/service-qa/import',
    );
    assert.equal(twice.statusCode, 409);
    assert.equal(
      Number(
        (
          await t.db
            .selectFrom('service_qa_imports')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('file_name', '=', 'service-qa.csv')
            .executeTakeFirstOrThrow()
        ).n,
      ),
      1,
    );
  });

  test('a file that is not a spreadsheet of entries is refused with a reason', async () => {
    const res = await upload(qa, { name: 'notes.csv', content: 'Name,Email\nA,b@example.org\n' });
    assert.equal(res.statusCode, 400);
    assert.match(
      errorSummaryItems(res.body)[0]?.text ?? '',
      /has no Service, Period start, Period end, What was reviewed, Number reviewed column/,
    );
    const none = await qa.post(
      '/service-qa/import/apply',
      { file: '00000000-0000-4000-8000-000000000000', fileName: 'x' },
      '/service-qa/import',
    );
    assert.equal(none.statusCode, 409);
  });

  test('a contributor cannot import', async () => {
    const body = multipart({ _csrf: await lado.csrf('/service-qa') }, { name: 'x.csv', content: csv });
    const res = await lado.request({
      method: 'POST',
      url: '/service-qa/import',
      payload: body.payload,
      headers: { 'content-type': body.contentType },
    });
    assert.equal(res.statusCode, 403);
  });
});
